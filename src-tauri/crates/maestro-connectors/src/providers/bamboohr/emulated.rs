//! The connector against the BambooHR emulator (and a mock server for refusals): the main
//! paths for departments, locations, custom fields and the Datasets API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, Employee, EntityKind};
use maestro_http::{Auth, ClientOptions, PageCursor, RetryPolicy, build_client};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use url::Url;

use crate::connector::{Connector, ConnectorContext, ReadRequest};

fn context(base_url: &str, config: &[(&str, &str)]) -> ConnectorContext {
    ConnectorContext {
        company_id: CompanyId::new(),
        connection_id: ConnectionId::new(),
        config: config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        base_url: Url::parse(base_url).unwrap(),
        auth_base_url: None,
        auth: Auth::None,
        http: build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: std::time::Duration::from_secs(2),
            request_timeout: std::time::Duration::from_secs(5),
        })
        .unwrap(),
        clock: Arc::new(SystemClock),
        retry: RetryPolicy::fast(),
        limiter: None,
    }
}

async fn start() -> (Sandbox, Arc<dyn Connector>) {
    let sbx = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let creds = sbx.credentials().bamboohr;
    let ctx = context(
        &sbx.base_url(Provider::BambooHr),
        &[
            ("subdomain", creds.company_domain.as_str()),
            ("api_key", creds.api_key.as_str()),
        ],
    );
    let c = super::build(ctx).unwrap();
    (sbx, c)
}

async fn read_all(
    c: &dyn Connector,
    entity: EntityKind,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<CanonicalRecord> {
    let mut page: Option<PageCursor> = None;
    let mut out = Vec::new();
    loop {
        let p = c
            .read(&ReadRequest {
                entity,
                page,
                since,
            })
            .await
            .unwrap();
        out.extend(p.records);
        match p.next {
            Some(n) => page = Some(n),
            None => return out,
        }
    }
}

fn ids(records: &[CanonicalRecord]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r.provenance().remote_id.clone())
        .collect()
}

fn people(records: Vec<CanonicalRecord>) -> Vec<Employee> {
    let mut out: Vec<Employee> = records
        .into_iter()
        .map(|r| match r {
            CanonicalRecord::Employee(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    out.sort_by(|a, b| a.provenance.remote_id.cmp(&b.provenance.remote_id));
    out
}

#[tokio::test]
async fn archived_departments_and_locations_are_not_live_ones() {
    let (sbx, c) = start().await;
    let deps = read_all(c.as_ref(), EntityKind::Department, None).await;
    let live: BTreeSet<String> = sbx
        .company()
        .departments
        .iter()
        .map(|d| d.bamboo_id.to_string())
        .collect();
    assert_eq!(ids(&deps), live, "the archived Catering option is left out");
    let locs = read_all(c.as_ref(), EntityKind::Location, None).await;
    let live: BTreeSet<String> = sbx
        .company()
        .locations
        .iter()
        .map(|l| l.bamboo_id.to_string())
        .collect();
    assert_eq!(ids(&locs), live);
    for l in &locs {
        let CanonicalRecord::Location(l) = l else {
            panic!()
        };
        // The location endpoint ran (the list fallback knows no addresses).
        assert!(l.address.city.is_some() && l.time_zone.is_some(), "{l:?}");
    }
    let paths: BTreeSet<String> = sbx
        .requests(Provider::BambooHr)
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(paths.contains("/api/v1/meta/lists") && paths.contains("/api/v1/hris/org/locations"));
    assert!(
        !paths.contains("/api/v1/employees"),
        "no fallback: {paths:?}"
    );
    sbx.shutdown().await;
}

#[tokio::test]
async fn full_read_goes_through_the_dataset_and_equals_get_employee() {
    let (sbx, c) = start().await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(2);
    let bulk = people(read_all(c.as_ref(), EntityKind::Employee, None).await);
    let log = sbx.requests(Provider::BambooHr);
    assert!(
        log.iter()
            .any(|r| r.method == "POST" && r.path == "/api/v2/datasets/employee/data"),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|r| r.path == "/api/v1/reports/custom"),
        "the deprecated report is a fallback only: {log:?}"
    );
    assert!(
        !log.iter().any(|r| r.path.starts_with("/api/v1/employees/")),
        "no Get Employee per person: {log:?}"
    );
    let truth = sbx.bamboohr_employees();
    assert_eq!(bulk.len(), truth.len());
    // Custom fields come from /meta/fields (a deprecated one is not asked for).
    for e in &bulk {
        assert!(e.custom_fields.contains_key("customShirtSize"), "{e:?}");
        assert!(!e.custom_fields.contains_key("customBadge"));
    }
    // The same people through Get Employee (the incremental path), touched without change.
    for t in &truth {
        let id = t["id"].as_str().unwrap();
        sbx.set_employee_field(Provider::BambooHr, id, "firstName", t["firstName"].clone())
            .unwrap();
    }
    let one_by_one = people(read_all(c.as_ref(), EntityKind::Employee, Some(since)).await);
    assert_eq!(one_by_one.len(), bulk.len());
    for (mut g, b) in one_by_one.into_iter().zip(bulk) {
        g.provenance.remote_modified_at = None;
        assert_eq!(g, b, "{}", b.provenance.remote_id);
    }
    sbx.shutdown().await;
}

/// Ids the Datasets API does not document come from the employee list, which does.
#[tokio::test]
async fn bulk_rows_take_department_location_and_manager_from_the_list() {
    let (sbx, c) = start().await;
    let bulk = people(read_all(c.as_ref(), EntityKind::Employee, None).await);
    let list_asks: Vec<String> = sbx
        .requests(Provider::BambooHr)
        .into_iter()
        .filter(|r| r.path == "/api/v1/employees")
        .map(|r| r.query)
        .collect();
    assert!(!list_asks.is_empty(), "the list is read for the ids");
    for ask in &list_asks {
        let fields = url::form_urlencoded::parse(ask.as_bytes())
            .find(|(k, _)| k == "fields")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        for f in ["departmentId", "locationId", "reportsToId"] {
            assert!(fields.split(',').any(|x| x == f), "{fields}");
        }
    }
    for e in &bulk {
        let t = sbx
            .bamboohr_employees()
            .into_iter()
            .find(|t| t["id"] == e.provenance.remote_id.as_str())
            .unwrap();
        let dept = sbx
            .company()
            .departments
            .iter()
            .find(|d| t["department"] == d.title)
            .map(|d| d.bamboo_id.to_string());
        assert_eq!(e.department_remote_id, dept);
        assert_eq!(
            e.manager_remote_id.as_deref(),
            t["supervisorEId"].as_str(),
            "{}",
            e.provenance.remote_id
        );
        assert!(e.work_location_remote_id.is_some());
    }
    sbx.shutdown().await;
}

/// A refused dataset (403 on its fields) falls back to the custom report.
#[tokio::test]
async fn refused_dataset_falls_back_to_the_report() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1_2/datasets/employee/fields"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/meta/fields"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let row = json!({"id": "7", "firstName": "Ada", "lastName": "Byron", "status": "Active"});
    Mock::given(method("POST"))
        .and(path("/api/v1/reports/custom"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"title": "t", "fields": [], "employees": [row]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let item = json!({"employeeId": "7", "firstName": "Ada", "lastName": "Byron",
        "preferredName": null, "photoUrl": null, "jobTitleName": null, "status": "Active",
        "departmentId": "4", "locationId": "2", "reportsToId": "3"});
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [item], "meta": {"total": 1}, "_links": {}})),
        )
        .mount(&server)
        .await;
    let c = super::build(context(
        &server.uri(),
        &[("subdomain", "acme"), ("api_key", &"a".repeat(40))],
    ))
    .unwrap();
    let got = people(read_all(c.as_ref(), EntityKind::Employee, None).await);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].first_name.as_deref(), Some("Ada"));
    assert_eq!(got[0].department_remote_id.as_deref(), Some("4"));
    assert_eq!(got[0].manager_remote_id.as_deref(), Some("3"));
    let raw: Value = got[0].raw.to_value();
    assert_eq!(raw["locationId"], "2", "raw is shaped like Get Employee");
}

/// The emulator's current webhook shape (`employee.updated` with `data.employeeId`), signed
/// as BambooHR signs it, reads as an employee event.
#[tokio::test]
async fn current_webhook_payloads_name_the_employee() {
    use maestro_core::sensitive::Sensitive;
    use maestro_sandbox::WebhookEvent;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let (sbx, c) = start().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let id = sbx.company().people[1].bamboo_id.to_string();
    let sent = sbx
        .send_webhook(
            Provider::BambooHr,
            &receiver.uri(),
            WebhookEvent {
                event_type: "employee.updated".into(),
                entity_id: id.clone(),
                changed_fields: vec!["lastName".into()],
            },
        )
        .await
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("x-bamboohr-signature", sent.signature.parse().unwrap());
    let ts = sent.timestamp.clone().unwrap();
    headers.insert("x-bamboohr-timestamp", ts.parse().unwrap());
    let secret = Sensitive::new(sbx.credentials().bamboohr.webhook_private_key);
    let events = c
        .verify_webhook(&headers, &sent.body, &secret, chrono::Utc::now())
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "employee.updated");
    assert_eq!(events[0].entity, Some(EntityKind::Employee));
    assert_eq!(events[0].remote_id.as_deref(), Some(id.as_str()));
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["data"]["employeeId"], id.as_str(), "the current shape");
    sbx.shutdown().await;
}

/// Before 2026-09-16 BambooHR throttled with 503 + Retry-After: the read waits and goes on.
#[tokio::test]
async fn the_legacy_503_throttle_is_waited_out() {
    use maestro_sandbox::FaultPlan;

    let sbx = Sandbox::start(SandboxConfig {
        today: chrono::NaiveDate::from_ymd_opt(2026, 3, 2),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let creds = sbx.credentials().bamboohr;
    let c = super::build(context(
        &sbx.base_url(Provider::BambooHr),
        &[
            ("subdomain", creds.company_domain.as_str()),
            ("api_key", creds.api_key.as_str()),
        ],
    ))
    .unwrap();
    sbx.set_faults(
        Provider::BambooHr,
        FaultPlan {
            rate_limit_burst: 1,
            retry_after_secs: 1,
            ..FaultPlan::default()
        },
    );
    let started = std::time::Instant::now();
    let page = c
        .read(&ReadRequest {
            entity: EntityKind::Company,
            page: None,
            since: None,
        })
        .await
        .unwrap();
    assert_eq!(page.records.len(), 1);
    assert!(started.elapsed() >= std::time::Duration::from_millis(950));
    assert_eq!(
        sbx.request_count(Provider::BambooHr),
        2,
        "one throttled, one answered"
    );
    sbx.shutdown().await;
}

/// A key that may not read list fields (403, spec) still gets the departments its employees
/// are in, from the employee list.
#[tokio::test]
async fn refused_list_fields_fall_back_to_the_employee_list() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/meta/lists"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let item = json!({"employeeId": "7", "firstName": "Ada", "lastName": "Byron",
        "preferredName": null, "photoUrl": null, "jobTitleName": null, "status": "Active",
        "departmentId": "4", "departmentName": "Kitchen"});
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [item], "meta": {"total": 1}, "_links": {}})),
        )
        .mount(&server)
        .await;
    let c = super::build(context(
        &server.uri(),
        &[("subdomain", "acme"), ("api_key", &"a".repeat(40))],
    ))
    .unwrap();
    let deps = read_all(c.as_ref(), EntityKind::Department, None).await;
    assert_eq!(ids(&deps), BTreeSet::from(["4".to_owned()]));
}

/// Plans and enrollments from the emulator: every plan's enrollments asked with the filter body
/// the spec requires (the emulator answers 400 without it), the demo's story mapped.
#[tokio::test]
async fn benefits_read_plans_and_every_plans_enrollments() {
    use maestro_core::model::{BenefitKind, EnrollmentStatus};
    let (sbx, c) = start().await;
    let plans = read_all(c.as_ref(), EntityKind::BenefitPlan, None).await;
    let plans: Vec<_> = plans
        .into_iter()
        .map(|r| match r {
            CanonicalRecord::BenefitPlan(p) => p,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(plans.len(), 3);
    let medical = plans
        .iter()
        .find(|p| p.provenance.remote_id == "11")
        .unwrap();
    assert_eq!(medical.kind, BenefitKind::Medical);
    assert_eq!(medical.name, "Kaiser Silver 70");
    assert_eq!(
        medical.description.as_deref(),
        Some("Payroll deduction: Pre-Tax Health")
    );

    let enrolled: Vec<_> = read_all(c.as_ref(), EntityKind::BenefitEnrollment, None)
        .await
        .into_iter()
        .map(|r| match r {
            CanonicalRecord::BenefitEnrollment(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    let requests: Vec<_> = sbx
        .requests(Provider::BambooHr)
        .into_iter()
        .filter(|r| r.path == "/api/v1/benefit/employee_benefit")
        .collect();
    assert_eq!(requests.len(), 3, "one call per plan");
    assert!(
        requests
            .iter()
            .all(|r| r.method == "GET" && r.query.is_empty())
    );

    let company = sbx.company();
    let s = maestro_sandbox::benefits::situations(company);
    let of = |i: Option<usize>, plan: &str| {
        let id = company.people[i.unwrap()].bamboo_id.to_string();
        enrolled
            .iter()
            .filter(|e| e.employee_remote_id == id && e.plan_remote_id == plan)
            .collect::<Vec<_>>()
    };
    let left = of(s.enrolled_after_termination, "11");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, Some(EnrollmentStatus::Active));
    assert_eq!(left[0].deduction_end, None);
    assert_eq!(
        left[0].employee_contribution.as_ref().unwrap().to_string(),
        "85.00 USD"
    );
    assert_eq!(
        of(s.deduction_without_enrollment, "11")[0].status,
        Some(EnrollmentStatus::Waived)
    );
    // The first person's 401(k) is a share of pay, not money; their dental starts next month.
    let saver = of(Some(0), "13");
    assert_eq!(saver[0].employee_contribution, None);
    assert_eq!(saver[0].employee_contribution_percent, Some(4.into()));
    assert_eq!(saver[0].company_contribution_percent, Some(3.into()));
    assert_eq!(of(Some(0), "12")[0].status, Some(EnrollmentStatus::Pending));
    sbx.shutdown().await;
}

/// The filters go in a JSON body on the GET, `companyBenefitId` as an integer; a 400 (the body
/// stripped on the way, say) says what was refused and why that may be.
#[tokio::test]
async fn enrollment_filters_travel_in_a_get_body() {
    use wiremock::matchers::{body_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/benefit/company_benefit"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"companyBenefits": [
                {"id": "7", "name": "Gold PPO", "type": "health"},
                {"id": "8", "name": "Vision", "type": "vision"},
            ]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/benefit/employee_benefit"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"filters": {"companyBenefitId": 7}})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"employeeBenefits": [
                {"employeeId": 4, "payFrequency": "biweekly", "employeeBenefit": [
                    {"companyBenefitId": "7", "enrollmentStatus": "Enrolled",
                     "enrollmentStatusEffectiveDate": "2024-01-01", "currencyCode": "CAD",
                     "employeeAmount": 42.5, "employeeAmountType": "$",
                     "companyAmount": null, "companyAmountType": null},
                    {"companyBenefitId": "7", "enrollmentStatus": "Eligible",
                     "enrollmentStatusEffectiveDate": "2024-01-01"},
                ]},
            ]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/benefit/employee_benefit"))
        .and(body_json(json!({"filters": {"companyBenefitId": 8}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"employeeBenefits": []})))
        .mount(&server)
        .await;
    let c = super::build(context(
        &server.uri(),
        &[("subdomain", "acme"), ("api_key", &"a".repeat(40))],
    ))
    .unwrap();
    let got = read_all(c.as_ref(), EntityKind::BenefitEnrollment, None).await;
    assert_eq!(got.len(), 1, "Eligible is not an enrollment");
    let CanonicalRecord::BenefitEnrollment(e) = &got[0] else {
        panic!()
    };
    assert_eq!(e.employee_remote_id, "4");
    assert_eq!(
        e.employee_contribution.as_ref().unwrap().to_string(),
        "42.50 CAD"
    );

    // A 400: the request is named, with the likely cause.
    let refused = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/benefit/company_benefit"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companyBenefits": [{"id": "7", "name": "PPO"}]})),
        )
        .mount(&refused)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/benefit/employee_benefit"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&refused)
        .await;
    let c = super::build(context(
        &refused.uri(),
        &[("subdomain", "acme"), ("api_key", &"a".repeat(40))],
    ))
    .unwrap();
    let err = c
        .read(&ReadRequest {
            entity: EntityKind::BenefitEnrollment,
            page: None,
            since: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("JSON body on a GET"), "{err}");
}
