//! Background checks belong to people, end to end: BambooHR and a check provider (Checkr, then
//! GoodHire) connected through the app as the wizard does and synced. Each candidate joins the
//! person the HRIS holds with the email they gave (their personal one); the person's checks
//! are listed on their page; the new hire who started before their check cleared raises one
//! alert, naming them, the check and the link; once the provider finishes the check, the next
//! sync resolves it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::App;
use maestro_app::hire_checks::KIND_NOT_CLEARED;
use maestro_core::ids::CompanyId;
use maestro_core::model::{BackgroundCheckStatus, EntityKind};
use maestro_sandbox::Provider;
use maestro_store::alerts::Alert;

async fn open(app: &App, company: CompanyId) -> Vec<Alert> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::alerts::open(&mut conn, company)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == KIND_NOT_CLEARED)
        .collect()
}

async fn checks_join_people_and_a_hire_started_before_the_check_cleared_is_flagged(
    provider: Provider,
    id: &str,
    name: &str,
) {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let mut connections = Vec::new();
    for p in [Provider::BambooHr, provider] {
        let c = app
            .connect_sandbox_provider(&company, &sandbox, p)
            .await
            .unwrap();
        super::support::sync_clean(&app, company.id, c.id).await;
        connections.push(c);
    }
    let checks_connection = connections[1].id;

    // Every candidate is one of the HRIS's people, joined by the personal email BambooHR holds.
    let seed = sandbox.company();
    let people = app.people(company.id).await.unwrap();
    let with_checks: Vec<_> = people.iter().filter(|p| !p.checks.is_empty()).collect();
    assert!(with_checks.len() >= 6, "{}", with_checks.len());
    for p in &with_checks {
        let kinds: Vec<EntityKind> = p.records.iter().map(|r| r.kind).collect();
        assert!(
            kinds.contains(&EntityKind::Employee),
            "{} {kinds:?}",
            p.name
        );
        assert!(kinds.contains(&EntityKind::Candidate), "{}", p.name);
        let candidate = p
            .records
            .iter()
            .find(|r| r.kind == EntityKind::Candidate)
            .unwrap();
        assert_eq!(candidate.provider, id);
        assert_eq!(candidate.method.as_str(), "email", "{}", p.name);
        assert!(p.checks.iter().all(|c| c.provider == id));
    }
    assert!(
        people
            .iter()
            .all(|p| p.records.iter().any(|r| r.kind == EntityKind::Employee)),
        "no candidate is left a person of their own"
    );

    // The new hire: started three days ago, their check still open.
    let hire = &seed.people[seed.new_hire.unwrap()];
    let person = people
        .iter()
        .find(|p| p.work_email.as_deref() == Some(hire.work_email.as_str()))
        .unwrap();
    let [check] = person.checks.as_slice() else {
        panic!("{:?}", person.checks)
    };
    assert!(matches!(
        check.status,
        BackgroundCheckStatus::Pending | BackgroundCheckStatus::InProgress
    ));
    let alerts = open(&app, company.id).await;
    let [alert] = alerts.as_slice() else {
        panic!("{alerts:#?}")
    };
    let full_name = hire.full_name();
    assert_eq!(alert.connection_id, Some(checks_connection));
    assert_eq!(
        alert.title,
        format!("{full_name} started before their {name} background check cleared")
    );
    let start = hire.hire_date.to_string();
    assert!(
        alert.detail.starts_with(&format!(
            "{full_name} started on {start} (3 days ago), but their {name} check"
        )),
        "{}",
        alert.detail
    );
    assert!(alert.detail.contains(&check.remote_id), "{}", alert.detail);
    assert!(alert.detail.contains(&format!("Open the report in {name}")));
    if let Some(url) = &check.report_url {
        assert!(alert.detail.contains(url.as_str()), "{}", alert.detail);
    }
    // The owner can open the person from the alert.
    let opened = app.alert_people(company.id, &alerts).await.unwrap();
    let record = opened[&alert.id];
    assert!(person.records.iter().any(|r| r.record_id == record));

    // A sync that changes nothing keeps the one alert; once the provider finishes the check,
    // the next sync resolves it.
    super::support::sync_clean(&app, company.id, checks_connection).await;
    assert_eq!(open(&app, company.id).await.len(), 1);
    sandbox.complete_check(provider, &check.remote_id).unwrap();
    super::support::sync_clean(&app, company.id, checks_connection).await;
    assert!(open(&app, company.id).await.is_empty());
    let people = app.people(company.id).await.unwrap();
    let person = people
        .iter()
        .find(|p| p.work_email.as_deref() == Some(hire.work_email.as_str()))
        .unwrap();
    assert_eq!(person.checks[0].status, BackgroundCheckStatus::Completed);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn checkr_checks_join_people_and_flag_the_hire_who_started_before_theirs_cleared() {
    checks_join_people_and_a_hire_started_before_the_check_cleared_is_flagged(
        Provider::Checkr,
        "checkr",
        "Checkr",
    )
    .await;
}

#[tokio::test]
async fn goodhire_checks_join_people_and_flag_the_hire_who_started_before_theirs_cleared() {
    checks_join_people_and_a_hire_started_before_the_check_cleared_is_flagged(
        Provider::GoodHire,
        "goodhire",
        "GoodHire",
    )
    .await;
}
