//! TriNet through the registry against its emulator: the client id and secret are exchanged
//! for a token (GET with Basic, as TriNet documents), employees, jobs, departments and
//! locations equal the seeded company, an expired token is fetched again, and a wrong secret is
//! refused in plain words.

use std::sync::Arc;

use maestro_connectors::manifest::client_credentials_auth;
use maestro_connectors::{AuthKind, Connector, Registry};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind, FlsaStatus};
use maestro_core::sensitive::Sensitive;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};

use crate::support::{connector, context, read_all};

fn trinet(sb: &Sandbox, secret: &str) -> Arc<dyn Connector> {
    let manifest = Registry::builtin().get("trinet").unwrap().manifest;
    let AuthKind::ApiKey { scheme } = manifest.auth else {
        panic!("{:?}", manifest.auth)
    };
    let c = sb.credentials().trinet;
    let base = sb.base_url(Provider::TriNet);
    let auth = client_credentials_auth(
        manifest.name,
        scheme,
        Sensitive::new(c.client_id),
        Sensitive::new(secret.to_owned()),
        &url::Url::parse(&base).unwrap(),
        Arc::new(maestro_core::clock::SystemClock),
    )
    .unwrap();
    connector(
        "trinet",
        context(&base, auth, &[("company_id", c.company_id.as_str())]),
    )
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test]
async fn employees_jobs_departments_and_locations_are_the_seeded_company() {
    let sb = start().await;
    let c = trinet(&sb, &sb.credentials().trinet.client_secret);
    let company = sb.company().clone();
    assert_eq!(c.check().await.unwrap().account, company.name);
    let (departments, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
    let names: Vec<String> = departments
        .iter()
        .map(|r| match r {
            CanonicalRecord::Department(d) => d.name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: Vec<String> = company.departments.iter().map(|d| d.title.into()).collect();
    assert_eq!(names, want);
    let (locations, _) = read_all(c.as_ref(), EntityKind::Location, None).await;
    assert_eq!(locations.len(), company.locations.len());
    for (r, seed) in locations.iter().zip(&company.locations) {
        let CanonicalRecord::Location(l) = r else {
            panic!()
        };
        assert_eq!(l.name.as_deref(), Some(seed.name));
        assert_eq!(l.address.postal_code.as_deref(), Some(seed.zip));
    }
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    assert_eq!(people.len(), company.people.len());
    assert_eq!(jobs.len(), company.people.len());
    let id_of = |r: &CanonicalRecord| r.provenance().remote_id.clone();
    for ((person, job), seed) in people.iter().zip(&jobs).zip(&company.people) {
        let (CanonicalRecord::Employee(e), CanonicalRecord::Employment(j)) = (person, job) else {
            panic!()
        };
        assert_eq!(e.work_email.as_deref(), Some(seed.work_email.as_str()));
        assert_eq!(e.first_name.as_deref(), Some(seed.first_name.as_str()));
        assert_eq!(e.last_name.as_deref(), Some(seed.last_name.as_str()));
        assert_eq!(e.hire_date, Some(seed.hire_date));
        assert_eq!(e.termination_date, seed.terminated_on);
        assert_eq!(
            e.employment_status == EmploymentStatus::Terminated,
            seed.terminated_on.is_some()
        );
        assert_eq!(
            e.department_remote_id,
            Some(id_of(&departments[seed.department]))
        );
        assert_eq!(
            e.work_location_remote_id,
            Some(id_of(&locations[seed.location]))
        );
        assert_eq!(j.employee_remote_id, e.provenance.remote_id);
        assert_eq!(j.job_title.as_deref(), Some(seed.title));
        let flsa = if seed.pay.is_hourly() {
            FlsaStatus::NonExempt
        } else {
            FlsaStatus::Exempt
        };
        assert_eq!(j.flsa_status, Some(flsa));
        // TriNet's employee carries no pay (pay-info's members are not documented).
        assert_eq!(j.pay_rate, None);
    }
    // One token served the whole read: it is held, not fetched per request.
    assert_eq!(sb.tokens_issued(Provider::TriNet), 1);
    let token_requests: Vec<_> = sb
        .requests(Provider::TriNet)
        .into_iter()
        .filter(|r| r.path.starts_with("/oauth/accesstoken"))
        .collect();
    assert_eq!(token_requests.len(), 1);
    assert_eq!(token_requests[0].method, "GET");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_and_the_read_goes_on() {
    let sb = start().await;
    let c = trinet(&sb, &sb.credentials().trinet.client_secret);
    c.check().await.unwrap();
    assert_eq!(sb.tokens_issued(Provider::TriNet), 1);
    // TriNet's tokens live an hour; the emulator expires them now. The next request is
    // refused with a 401, a new token is fetched once and the request goes again.
    sb.expire_access_tokens(Provider::TriNet);
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(people.len(), sb.company().people.len());
    assert_eq!(sb.tokens_issued(Provider::TriNet), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_fails_the_connection_test_in_plain_words_without_the_secret() {
    let sb = start().await;
    let c = trinet(&sb, "NotTheSecret123");
    let e = c.check().await.unwrap_err();
    assert!(e.needs_reconnect(), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("TriNet refused the client id or secret (Client credentials are invalid)"),
        "{text}"
    );
    assert!(!text.contains("NotTheSecret123"), "{text}");
    assert_eq!(sb.tokens_issued(Provider::TriNet), 0);
    // Nothing was asked of the API without a token.
    assert!(
        sb.requests(Provider::TriNet)
            .iter()
            .all(|r| r.path.starts_with("/oauth/accesstoken")),
    );
    sb.shutdown().await;
}
