//! BambooHR: wiremock fixtures shaped by the public spec (`bamboohr/bamboohr-public.openapi.yaml`,
//! in `tests/fixtures/bamboohr/`), and the sandbox emulator (`sandbox` below).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use maestro_connectors::{
    ConnectorContext, ConnectorError, EmployeeChanges, NewEmployee, NewTimeOffRequest, ReadRequest,
    Registry, WriteOp, WriteRequest,
};
use maestro_core::error::ErrorKind;
use maestro_core::model::{
    CanonicalRecord, EmploymentStatus, EmploymentType, EntityKind, FlsaStatus, PayFrequency,
    PayPeriod, PhoneKind, TimeOffStatus, TimeUnit,
};
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use maestro_http::webhook::sign_hex;
use maestro_http::{Auth, HttpError, IdempotencyKey};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{connector, context, read_all};

const KEY: &str = "0123456789abcdef0123456789abcdef01234567";
/// `Basic base64("{KEY}:x")`.
const BASIC: &str = "Basic MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzp4";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/bamboohr/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn employees() -> Vec<Value> {
    fixture("employees.json").as_array().unwrap().clone()
}

/// A connection whose key comes from the config (the app may also pass `Auth::Basic`).
fn ctx(server: &MockServer) -> ConnectorContext {
    context(
        &server.uri(),
        Auth::None,
        &[("subdomain", "bluebird"), ("api_key", KEY)],
    )
}

fn req(entity: EntityKind) -> ReadRequest {
    ReadRequest {
        entity,
        page: None,
        since: None,
    }
}

async fn get_json(server: &MockServer, p: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap();
    all.into_iter().filter(|r| r.url.path() == p).collect()
}

/// The list item the cursor list returns for a Get Employee fixture.
fn list_item(detail: &Value, with_email: bool) -> Value {
    let mut item = json!({
        "employeeId": detail["id"], "firstName": detail["firstName"], "lastName": detail["lastName"],
        "preferredName": detail.get("preferredName").cloned().unwrap_or(Value::Null), "photoUrl": null,
        "jobTitleName": detail["jobTitleName"], "status": detail["status"], "_restrictedFields": [],
    });
    if with_email {
        item["workEmail"] = detail["workEmail"].clone();
    }
    // The ids the connector asks the list for (spec `EmployeeOptionalField`).
    for k in ["departmentId", "locationId", "reportsToId"] {
        item[k] = detail.get(k).cloned().unwrap_or(Value::Null);
    }
    item
}

/// One list page in the spec's envelope; the `next` link uses the spec example's host
/// (`api.bamboohr.com`), which the connector must re-aim at the connection's base URL.
fn list_page(items: &[Value], after: Option<&str>) -> Value {
    let next = after.map(|c| {
        json!({"href": format!("https://api.bamboohr.com/api/v1/employees?page%5Blimit%5D=2500&page%5Bafter%5D={c}")})
    });
    json!({
        "data": items,
        "meta": {"total": 5, "page": {"limit": 2500, "nextCursor": after, "prevCursor": null}},
        "_links": {"self": {"href": "https://api.bamboohr.com/api/v1/employees?page%5Blimit%5D=2500"}, "next": next},
    })
}

/// Mounts the employee list in pages of `chunk`, the first without a cursor.
async fn mount_list(server: &MockServer, all: &[Value], chunk: usize) {
    let chunks: Vec<&[Value]> = all.chunks(chunk).collect();
    for (i, items) in chunks.iter().enumerate() {
        let after = (i + 1 < chunks.len()).then(|| format!("c{}", i + 2));
        let items: Vec<Value> = items.iter().map(|d| list_item(d, false)).collect();
        let mock = Mock::given(method("GET"))
            .and(path("/api/v1/employees"))
            .and(query_param("page[limit]", "2500"));
        let mock = if i == 0 {
            mock.and(query_param_is_missing("page[after]"))
        } else {
            mock.and(query_param("page[after]", format!("c{}", i + 1)))
        };
        mock.respond_with(
            ResponseTemplate::new(200).set_body_json(list_page(&items, after.as_deref())),
        )
        .mount(server)
        .await;
    }
}

async fn mount_details(server: &MockServer, all: &[Value]) {
    for d in all {
        let p = format!("/api/v1/employees/{}", d["id"].as_str().unwrap());
        get_json(server, &p, d.clone()).await;
    }
    get_json(server, "/api/v1/meta/fields", fixture("meta_fields.json")).await;
}

/// Answers with `responses` in order, repeating the last one.
struct Sequence(Mutex<Vec<ResponseTemplate>>, Arc<AtomicU32>);

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.1.fetch_add(1, Ordering::SeqCst);
        let mut r = self.0.lock().unwrap();
        if r.len() > 1 {
            r.remove(0)
        } else {
            r[0].clone()
        }
    }
}

async fn mount_sequence(
    server: &MockServer,
    p: &str,
    responses: Vec<ResponseTemplate>,
) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(Sequence(Mutex::new(responses), calls.clone()))
        .mount(server)
        .await;
    calls
}

#[test]
fn manifest_is_registered() {
    let registry = Registry::builtin();
    let def = registry.get("bamboohr").unwrap();
    let m = def.manifest;
    assert_eq!(m.max_page_size, 2500);
    assert_eq!(m.production_base_url, "https://{subdomain}.bamboohr.com");
    assert!(m.sandbox_base_url.is_none());
    assert!(m.entity(EntityKind::Employee).unwrap().incremental);
    assert!(m.entity(EntityKind::Employee).unwrap().write);
    assert!(m.entity(EntityKind::TimeOffRequest).unwrap().write);
    let key = m.config.iter().find(|f| f.key == "api_key").unwrap();
    assert_eq!(key.pattern, Some("^[a-f0-9]{40}$"));
    assert!(m.config.iter().any(|f| f.key == "subdomain" && f.required));

    let no_key = context(
        "https://bluebird.bamboohr.com",
        Auth::None,
        &[("subdomain", "bluebird")],
    );
    let Err(err) = def.build(no_key) else {
        panic!("built without an API key")
    };
    assert!(matches!(err, ConnectorError::Config { ref field, .. } if field == "api_key"));
}

#[tokio::test]
async fn company_and_check_send_basic_auth_and_ask_for_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/company_information"))
        .and(header("authorization", BASIC))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("company_information.json")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .and(query_param("page[limit]", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(list_page(&[list_item(&employees()[0], false)], Some("c2"))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let ctx = ctx(&server);
    let company_id = ctx.company_id;
    let c = connector("bamboohr", ctx);

    let report = c.check().await.unwrap();
    assert_eq!(report.account, "Bluebird Bakery & Café");
    assert!(
        report.details.iter().any(|d| d == "Can read 5 employees"),
        "{:?}",
        report.details
    );

    let (records, _) = read_all(c.as_ref(), EntityKind::Company, None).await;
    let CanonicalRecord::Company(co) = &records[0] else {
        panic!()
    };
    assert_eq!(
        co.legal_name.as_deref(),
        Some("Bluebird Bakery and Cafe LLC")
    );
    assert_eq!(
        co.address.as_ref().unwrap().postal_code.as_deref(),
        Some("84042")
    );
    assert_eq!(co.provenance.remote_id, "bluebird");
    assert_eq!(co.company_id, company_id);
    assert_eq!(co.raw, fixture("company_information.json"));
}

#[tokio::test]
async fn employees_read_across_three_cursor_pages_with_custom_fields() {
    let server = MockServer::start().await;
    let all = employees();
    mount_list(&server, &all, 2).await;
    mount_details(&server, &all).await;
    let ctx = ctx(&server);
    let (company_id, connection_id) = (ctx.company_id, ctx.connection_id);
    let c = connector("bamboohr", ctx);

    let (records, pages) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(pages, 3);
    assert_eq!(records.len(), 5);
    let people: Vec<_> = records
        .iter()
        .map(|r| match r {
            CanonicalRecord::Employee(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    let maya = people[0];
    assert_eq!(maya.provenance.remote_id, "101");
    assert_eq!(maya.provenance.provider, "bamboohr");
    assert_eq!(maya.provenance.connection_id, connection_id);
    assert_eq!(maya.company_id, company_id);
    assert_eq!(maya.preferred_name.as_deref(), Some("May"));
    assert_eq!(maya.display_full_name.as_deref(), Some("May Chen"));
    assert_eq!(
        maya.date_of_birth,
        Some(Sensitive::new(
            NaiveDate::from_ymd_opt(1988, 4, 12).unwrap()
        ))
    );
    assert_eq!(maya.termination_date, None, "0000-00-00 is no date");
    assert_eq!(maya.phone_numbers.len(), 2, "empty home phone is no phone");
    assert_eq!(maya.phone_numbers[1].kind, PhoneKind::Mobile);
    assert_eq!(maya.department_remote_id.as_deref(), Some("18263"));
    assert_eq!(maya.work_location_remote_id.as_deref(), Some("1"));
    assert_eq!(maya.custom_fields.get("customShirtSize"), Some(&json!("M")));
    assert_eq!(maya.raw, all[0]);
    assert_eq!(people[1].manager_remote_id.as_deref(), Some("101"));
    assert_eq!(people[2].employment_status, EmploymentStatus::Terminated);
    assert_eq!(
        people[2].termination_date,
        NaiveDate::from_ymd_opt(2024, 5, 31)
    );
    assert_eq!(people[3].employment_status, EmploymentStatus::Inactive);
    assert_eq!(people[4].employment_status, EmploymentStatus::Pending);

    let detail = &requests_to(&server, "/api/v1/employees/101").await[0];
    let fields = detail
        .url
        .query_pairs()
        .find(|(k, _)| k == "fields")
        .unwrap()
        .1
        .into_owned();
    assert!(
        fields.contains("workEmail") && fields.contains("customShirtSize"),
        "{fields}"
    );
    assert!(
        !fields.contains("customBadge"),
        "deprecated fields are not asked for"
    );
    let lists = requests_to(&server, "/api/v1/employees").await;
    assert_eq!(lists.len(), 3);
    assert_eq!(
        requests_to(&server, "/api/v1/meta/fields").await.len(),
        1,
        "fields are read once"
    );
}

/// The custom report's answer for the Get Employee fixtures (spec `RequestCustomReportResponse`):
/// one row per employee with `id` and the requested fields; a field the account lacks is
/// silently left out of every row.
fn report_body(all: &[Value], fields: &[Value]) -> Value {
    let rows: Vec<Value> = all
        .iter()
        .map(|d| {
            let mut row = serde_json::Map::new();
            row.insert("id".into(), d["id"].clone());
            for f in fields.iter().filter_map(Value::as_str) {
                if let Some(v) = d.get(f) {
                    row.insert(f.into(), v.clone());
                }
            }
            Value::Object(row)
        })
        .collect();
    json!({
        "title": "Maestro employees",
        "fields": fields.iter().map(|f| json!({"id": f, "type": "text", "name": f})).collect::<Vec<_>>(),
        "employees": rows,
    })
}

/// Answers the custom report from the request's own `fields`, like BambooHR does.
struct Report(Vec<Value>);

impl Respond for Report {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let fields = body["fields"].as_array().unwrap().clone();
        ResponseTemplate::new(200).set_body_json(report_body(&self.0, &fields))
    }
}

/// Get Employee as BambooHR answers it: `id`, then every field asked for, null when unknown.
struct GetEmployee(Value);

impl Respond for GetEmployee {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let mut out = serde_json::Map::new();
        out.insert("id".into(), self.0["id"].clone());
        let fields = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "fields")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        for f in fields.split(',').filter(|f| !f.is_empty()) {
            out.insert(f.into(), self.0.get(f).cloned().unwrap_or(Value::Null));
        }
        ResponseTemplate::new(200).set_body_json(Value::Object(out))
    }
}

async fn mount_report(server: &MockServer, all: &[Value]) {
    Mock::given(method("POST"))
        .and(path("/api/v1/reports/custom"))
        .and(query_param("format", "JSON"))
        .and(header("content-type", "application/json"))
        .and(header("authorization", BASIC))
        .respond_with(Report(all.to_vec()))
        .mount(server)
        .await;
}

fn employee_records(records: Vec<CanonicalRecord>) -> Vec<maestro_core::model::Employee> {
    records
        .into_iter()
        .map(|r| match r {
            CanonicalRecord::Employee(e) => e,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn full_employee_read_is_one_custom_report_equal_to_get_employee() {
    let all = employees();
    // The one-by-one path: the cursor list and Get Employee (no report mounted: 404).
    let by_one = MockServer::start().await;
    mount_list(&by_one, &all, 2).await;
    for d in &all {
        Mock::given(method("GET"))
            .and(path(format!(
                "/api/v1/employees/{}",
                d["id"].as_str().unwrap()
            )))
            .respond_with(GetEmployee(d.clone()))
            .mount(&by_one)
            .await;
    }
    get_json(&by_one, "/api/v1/meta/fields", fixture("meta_fields.json")).await;
    let first = ctx(&by_one);
    let (company_id, connection_id) = (first.company_id, first.connection_id);
    let c = connector("bamboohr", first);
    let (expected, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(
        requests_to(&by_one, "/api/v1/reports/custom").await.len(),
        1,
        "the report is tried first"
    );

    // The bulk path (no datasets here: 404): the same people in one report, with the ids
    // from the list, where the spec documents them.
    let bulk = MockServer::start().await;
    mount_report(&bulk, &all).await;
    mount_list(&bulk, &all, 2).await;
    get_json(&bulk, "/api/v1/meta/fields", fixture("meta_fields.json")).await;
    let mut second = ctx(&bulk);
    // Same connection and company, so provenance compares equal.
    second.company_id = company_id;
    second.connection_id = connection_id;
    let c = connector("bamboohr", second);
    let page = c.read(&req(EntityKind::Employee)).await.unwrap();
    assert!(page.next.is_none(), "one page");
    assert!(page.deleted.is_empty());

    let got = employee_records(page.records);
    let expected = employee_records(expected);
    assert_eq!(got.len(), 5);
    // Identical records, raw payloads included (so identical content hashes).
    assert_eq!(got, expected);
    assert_eq!(
        got[0].custom_fields.get("customShirtSize"),
        Some(&json!("M"))
    );
    assert_eq!(got[0].department_remote_id.as_deref(), Some("18263"));
    assert_eq!(got[2].employment_status, EmploymentStatus::Terminated);

    let reports = requests_to(&bulk, "/api/v1/reports/custom").await;
    assert_eq!(reports.len(), 1, "one request for every employee");
    let body: Value = serde_json::from_slice(&reports[0].body).unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(fields.contains(&"workEmail") && fields.contains(&"customShirtSize"));
    assert!(
        !fields.contains(&"customBadge"),
        "deprecated fields are not asked for"
    );
    assert!(
        !fields.contains(&"departmentId"),
        "ids are read where documented"
    );
    let all_requests = bulk.received_requests().await.unwrap();
    assert!(
        all_requests
            .iter()
            .all(|r| !r.url.path().starts_with("/api/v1/employees/")),
        "no Get Employee per person"
    );
}

#[tokio::test]
async fn refused_report_falls_back_to_get_employee() {
    let server = MockServer::start().await;
    let all = employees();
    Mock::given(method("POST"))
        .and(path("/api/v1/reports/custom"))
        .respond_with(ResponseTemplate::new(403).insert_header(
            "x-bamboohr-error-message",
            "You do not have access to reports",
        ))
        .expect(1)
        .mount(&server)
        .await;
    mount_list(&server, &all, 2).await;
    mount_details(&server, &all).await;
    let c = connector("bamboohr", ctx(&server));
    let (records, pages) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!((records.len(), pages), (5, 3));
    let people = employee_records(records);
    assert_eq!(people[0].raw, all[0]);
    assert_eq!(requests_to(&server, "/api/v1/employees/101").await.len(), 1);
    assert_eq!(requests_to(&server, "/api/v1/employees").await.len(), 3);
}

#[tokio::test]
async fn report_failures_other_than_refusal_are_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/reports/custom"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "title": "x", "fields": [], "employees": [{"id": "7", "hireDate": "someday"}],
        })))
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));
    let err = c.read(&req(EntityKind::Employee)).await.unwrap_err();
    assert_eq!(decode_path(err), "employees[0].hireDate");
    assert!(requests_to(&server, "/api/v1/employees").await.is_empty());
}

#[tokio::test]
async fn incremental_read_uses_changed_ids_and_reports_deletions() {
    let server = MockServer::start().await;
    let all = employees();
    mount_details(&server, &all).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/employees/changed"))
        .and(query_param("since", "2024-06-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "latest": "2024-06-03T10:00:00+00:00",
            "employees": {
                "102": {"id": "102", "action": "Updated", "lastChanged": "2024-06-03T10:00:00+00:00"},
                "107": {"id": "107", "action": "Deleted", "lastChanged": "2024-06-02T08:30:00+00:00"}
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    // Ids Get Employee may lack are looked up in the list, for the changed employees only.
    let mut item = list_item(&all[1], true);
    item["locationId"] = json!("2");
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .and(query_param("filter[ids][]", "102"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list_page(&[item], None)))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));
    let since = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let page = c
        .read(&ReadRequest {
            entity: EntityKind::Employee,
            page: None,
            since: Some(since),
        })
        .await
        .unwrap();
    assert_eq!(page.deleted, vec!["107".to_owned()]);
    assert!(page.next.is_none());
    assert_eq!(page.records.len(), 1);
    let p = page.records[0].provenance();
    assert_eq!(p.remote_id, "102");
    assert_eq!(
        p.remote_modified_at,
        Some(Utc.with_ymd_and_hms(2024, 6, 3, 10, 0, 0).unwrap())
    );
    let lookups = requests_to(&server, "/api/v1/employees").await;
    assert_eq!(lookups.len(), 1);
    let ids: Vec<_> = lookups[0]
        .url
        .query_pairs()
        .filter(|(k, _)| k == "filter[ids][]")
        .collect();
    assert_eq!(ids.len(), 1, "the deleted employee is not looked up");

    // No changes: PHP sends the empty map as a list.
    let server = MockServer::start().await;
    get_json(
        &server,
        "/api/v1/employees/changed",
        json!({"latest": null, "employees": []}),
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let page = c
        .read(&ReadRequest {
            entity: EntityKind::Employee,
            page: None,
            since: Some(since),
        })
        .await
        .unwrap();
    assert!(page.records.is_empty() && page.deleted.is_empty());
}

#[tokio::test]
async fn jobs_and_pay_come_from_the_tables_with_exact_money() {
    let server = MockServer::start().await;
    for t in ["jobInfo", "compensation", "employmentStatus"] {
        get_json(
            &server,
            &format!("/api/v1/employees/all/tables/{t}"),
            fixture(&format!("{t}.json")),
        )
        .await;
    }
    let c = connector("bamboohr", ctx(&server));

    let (comp, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
    assert_eq!(comp.len(), 3, "the row without a rate is not compensation");
    let CanonicalRecord::Compensation(first) = &comp[0] else {
        panic!()
    };
    assert_eq!(first.rate, Money::parse("78500.00", Currency::USD).unwrap());
    assert_eq!(first.period, PayPeriod::Year);
    assert_eq!(first.flsa_status, Some(FlsaStatus::Exempt));
    assert_eq!(first.reason, None);
    let CanonicalRecord::Compensation(raise) = &comp[2] else {
        panic!()
    };
    assert_eq!(raise.rate.amount, Decimal::new(213_750, 4));
    assert_eq!(raise.rate.to_string(), "21.3750 USD");
    assert_eq!(raise.employee_remote_id, "102");
    assert_eq!(
        raise.effective_date,
        NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
    );
    assert_eq!(raise.reason.as_deref(), Some("Promotion"));
    assert_eq!(raise.raw, fixture("compensation.json")[2]);
    let CanonicalRecord::Compensation(text_rate) = &comp[1] else {
        panic!()
    };
    assert_eq!(text_rate.rate.to_string(), "18.25 USD");

    let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    assert_eq!(jobs.len(), 3);
    let job = |id: &str| {
        jobs.iter()
            .find_map(|r| match r {
                CanonicalRecord::Employment(e) if e.provenance.remote_id == id => Some(e.clone()),
                _ => None,
            })
            .unwrap()
    };
    let gm = job("1");
    assert_eq!(gm.job_title.as_deref(), Some("General Manager"));
    assert_eq!(gm.pay_rate.unwrap().to_string(), "78500.00 USD");
    assert_eq!(gm.pay_frequency, Some(PayFrequency::Semimonthly));
    assert_eq!(gm.employment_type, Some(EmploymentType::FullTime));
    let barista = job("2");
    assert_eq!(barista.pay_rate.unwrap().to_string(), "18.25 USD");
    assert_eq!(barista.flsa_status, Some(FlsaStatus::NonExempt));
    assert_eq!(barista.employment_type, Some(EmploymentType::PartTime));
    let lead = job("3");
    assert_eq!(
        lead.pay_rate.unwrap().to_string(),
        "21.3750 USD",
        "latest row with a rate"
    );
    assert_eq!(lead.pay_period, Some(PayPeriod::Hour));
    assert_eq!(lead.pay_frequency, Some(PayFrequency::Biweekly));
    assert_eq!(lead.employment_type, Some(EmploymentType::FullTime));
    assert_eq!(lead.raw, fixture("jobInfo.json")[2]);
}

#[tokio::test]
async fn incremental_tables_use_the_changed_table_endpoint() {
    let server = MockServer::start().await;
    let comp = fixture("compensation.json");
    let body = json!({"table": "compensation", "employees": {
        "102": {"lastChanged": "2024-06-03T10:00:00+00:00", "rows": [comp[1], comp[2]]}
    }});
    Mock::given(method("GET"))
        .and(path("/api/v1/employees/changed/tables/compensation"))
        .and(query_param("since", "2024-06-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));
    let since = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let (records, _) = read_all(c.as_ref(), EntityKind::Compensation, Some(since)).await;
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].provenance().remote_modified_at,
        Some(Utc.with_ymd_and_hms(2024, 6, 3, 10, 0, 0).unwrap())
    );
}

#[tokio::test]
async fn departments_locations_and_time_off() {
    let server = MockServer::start().await;
    get_json(&server, "/api/v1/meta/lists", fixture("meta_lists.json")).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/hris/org/locations"))
        .and(query_param("page", "0"))
        .and(query_param("pageSize", "500"))
        .and(query_param("expand", "state,country"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("locations.json")))
        .mount(&server)
        .await;
    get_json(
        &server,
        "/api/v1/meta/time_off/types",
        fixture("time_off_types.json"),
    )
    .await;
    get_json(
        &server,
        "/api/v1/time_off/requests",
        fixture("time_off_requests.json"),
    )
    .await;
    let all = employees();
    mount_list(&server, &all[..2], 2).await;
    for id in ["101", "102"] {
        get_json(
            &server,
            &format!("/api/v1/employees/{id}/time_off/calculator"),
            fixture("calculator.json"),
        )
        .await;
    }
    let c = connector("bamboohr", ctx(&server));

    let (deps, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
    assert_eq!(deps.len(), 4);
    let CanonicalRecord::Department(kitchen) = &deps[0] else {
        panic!()
    };
    assert_eq!(
        (kitchen.provenance.remote_id.as_str(), kitchen.name.as_str()),
        ("18260", "Kitchen")
    );
    assert_eq!(kitchen.raw, fixture("meta_lists.json")[1]["options"][0]);

    let (locs, pages) = read_all(c.as_ref(), EntityKind::Location, None).await;
    assert_eq!((locs.len(), pages), (2, 1));
    let CanonicalRecord::Location(mission) = &locs[0] else {
        panic!()
    };
    assert_eq!(mission.address.state.as_deref(), Some("CA"));
    assert_eq!(mission.address.country.as_deref(), Some("US"));
    assert_eq!(mission.time_zone.as_deref(), Some("America/Los_Angeles"));

    let (policies, _) = read_all(c.as_ref(), EntityKind::TimeOffPolicy, None).await;
    let CanonicalRecord::TimeOffPolicy(sick) = &policies[1] else {
        panic!()
    };
    assert_eq!(
        (sick.provenance.remote_id.as_str(), sick.unit),
        ("79", Some(TimeUnit::Days))
    );

    let (requests, _) = read_all(c.as_ref(), EntityKind::TimeOffRequest, None).await;
    assert_eq!(requests.len(), 2);
    let CanonicalRecord::TimeOffRequest(trip) = &requests[0] else {
        panic!()
    };
    assert_eq!(trip.provenance.remote_id, "1348");
    assert_eq!(trip.employee_remote_id, "102");
    assert_eq!(trip.status, TimeOffStatus::Approved);
    assert_eq!(trip.amount, Some(Decimal::new(225, 1)));
    assert_eq!(trip.unit, Some(TimeUnit::Hours));
    assert_eq!(trip.policy_remote_id.as_deref(), Some("78"));
    assert_eq!(trip.note.as_deref(), Some("Family trip"));
    let sent = &requests_to(&server, "/api/v1/time_off/requests").await[0];
    let has = |k: &str| sent.url.query_pairs().any(|(q, _)| q == k);
    assert!(has("start") && has("end"));

    // Incremental: only requests whose status changed since the day before.
    let since = Utc.with_ymd_and_hms(2024, 7, 1, 0, 0, 0).unwrap();
    let (changed, _) = read_all(c.as_ref(), EntityKind::TimeOffRequest, Some(since)).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].provenance().remote_id, "1349");

    let (balances, _) = read_all(c.as_ref(), EntityKind::TimeOffBalance, None).await;
    assert_eq!(balances.len(), 4);
    let CanonicalRecord::TimeOffBalance(vac) = &balances[0] else {
        panic!()
    };
    assert_eq!(vac.provenance.remote_id, "101:78");
    assert_eq!(vac.balance.to_string(), "24.50");
    assert_eq!(vac.used, Some(Decimal::new(1225, 2)));
    assert_eq!(vac.as_of, NaiveDate::from_ymd_opt(2024, 9, 1));
}

#[tokio::test]
async fn throttling_429_waits_for_retry_after() {
    let server = MockServer::start().await;
    let calls = mount_sequence(
        &server,
        "/api/v1/company_information",
        vec![
            ResponseTemplate::new(429).insert_header("retry-after", "1"),
            ResponseTemplate::new(200).set_body_json(fixture("company_information.json")),
        ],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let started = Instant::now();
    let page = c.read(&req(EntityKind::Company)).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn legacy_503_with_retry_after_is_throttling() {
    let server = MockServer::start().await;
    let calls = mount_sequence(
        &server,
        "/api/v1/company_information",
        vec![
            ResponseTemplate::new(503).insert_header("retry-after", "1"),
            ResponseTemplate::new(200).set_body_json(fixture("company_information.json")),
        ],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let started = Instant::now();
    c.read(&req(EntityKind::Company)).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_millis(950));

    // A Retry-After beyond what we wait inline is surfaced as throttling, not as an outage.
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        "/api/v1/company_information",
        vec![ResponseTemplate::new(503).insert_header("retry-after", "3600")],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let err = c.read(&req(EntityKind::Company)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Throttled, "{err}");
}

#[tokio::test]
async fn server_errors_are_retried_then_surfaced() {
    let server = MockServer::start().await;
    let calls = mount_sequence(
        &server,
        "/api/v1/meta/lists",
        vec![ResponseTemplate::new(500)],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let err = c.read(&req(EntityKind::Department)).await.unwrap_err();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        5,
        "max_attempts of the fast policy"
    );
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(
        matches!(
            err,
            ConnectorError::Http(HttpError::RetriesExhausted { .. })
        ),
        "{err:?}"
    );

    // A blip is invisible.
    let server = MockServer::start().await;
    let calls = mount_sequence(
        &server,
        "/api/v1/meta/lists",
        vec![
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_json(fixture("meta_lists.json")),
        ],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    assert_eq!(
        c.read(&req(EntityKind::Department))
            .await
            .unwrap()
            .records
            .len(),
        4
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

fn decode_path(err: ConnectorError) -> String {
    match err {
        ConnectorError::Http(HttpError::Decode { path, .. }) => path,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn malformed_payloads_name_the_field() {
    let server = MockServer::start().await;
    let mut rows = fixture("compensation.json");
    rows[1]["rate"] = json!("25.00");
    get_json(&server, "/api/v1/employees/all/tables/compensation", rows).await;
    let mut types = fixture("time_off_types.json");
    types["timeOffTypes"][1]["id"] = json!({"x": 1});
    get_json(&server, "/api/v1/meta/time_off/types", types).await;
    let mut all = employees();
    all[0]["birthDate"] = json!("12/04/1988");
    mount_list(&server, &all[..1], 1).await;
    mount_details(&server, &all[..1]).await;
    get_json(
        &server,
        "/api/v1/time_off/requests",
        json!({"not": "a list"}),
    )
    .await;
    let c = connector("bamboohr", ctx(&server));

    let err = c.read(&req(EntityKind::Compensation)).await.unwrap_err();
    assert!(err.to_string().contains("`25.00`"), "{err}");
    assert_eq!(decode_path(err), "[1].rate");
    let err = c.read(&req(EntityKind::TimeOffPolicy)).await.unwrap_err();
    assert_eq!(decode_path(err), "timeOffTypes[1].id");
    let err = c.read(&req(EntityKind::Employee)).await.unwrap_err();
    assert_eq!(decode_path(err), "birthDate");
    let err = c.read(&req(EntityKind::TimeOffRequest)).await.unwrap_err();
    assert_eq!(decode_path(err), "(document)");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"data":[{"employeeId":"1"},{"employeeId":{}}],"meta":{"total":2}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));
    let err = c.read(&req(EntityKind::TimeOffBalance)).await.unwrap_err();
    assert_eq!(decode_path(err), "data[1].employeeId");
}

#[tokio::test]
async fn revoked_key_needs_reconnect() {
    let server = MockServer::start().await;
    let calls = mount_sequence(
        &server,
        "/api/v1/company_information",
        vec![
            ResponseTemplate::new(401).insert_header("x-bamboohr-error-message", "Invalid API key"),
        ],
    )
    .await;
    let c = connector("bamboohr", ctx(&server));
    let err = c.check().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("Invalid API key"), "{err}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "auth failures are not retried"
    );
}

/// The list with `fields=workEmail`, including the new hire once it was created.
struct Directory {
    existing: Vec<Value>,
    created: Arc<AtomicBool>,
}

impl Respond for Directory {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut items: Vec<Value> = self.existing.iter().map(|d| list_item(d, true)).collect();
        if self.created.load(Ordering::SeqCst) {
            items.push(json!({"employeeId": "200", "firstName": "Rosa", "lastName": "Delgado", "preferredName": null,
                "photoUrl": null, "jobTitleName": "Baker", "status": "Active", "_restrictedFields": [],
                "workEmail": "Rosa.Delgado@bluebird.example"}));
        }
        ResponseTemplate::new(200).set_body_json(list_page(&items, None))
    }
}

struct Create(Arc<AtomicBool>);

impl Respond for Create {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.store(true, Ordering::SeqCst);
        ResponseTemplate::new(201).insert_header(
            "location",
            "https://bluebird.bamboohr.com/api/v1/employees/200",
        )
    }
}

#[tokio::test]
async fn creating_an_employee_twice_posts_once() {
    let server = MockServer::start().await;
    let created = Arc::new(AtomicBool::new(false));
    Mock::given(method("GET"))
        .and(path("/api/v1/employees"))
        .respond_with(Directory {
            existing: employees(),
            created: created.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/employees"))
        .and(body_json(json!({
            "firstName": "Rosa", "lastName": "Delgado", "workEmail": "rosa.delgado@bluebird.example",
            "jobTitle": "Baker", "department": "Kitchen", "hireDate": "2024-09-02"
        })))
        .respond_with(Create(created))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));
    let write = WriteRequest {
        op: WriteOp::CreateEmployee(NewEmployee {
            first_name: "Rosa".into(),
            last_name: "Delgado".into(),
            work_email: "rosa.delgado@bluebird.example".into(),
            job_title: Some("Baker".into()),
            department: Some("Kitchen".into()),
            start_date: NaiveDate::from_ymd_opt(2024, 9, 2),
            date_of_birth: None,
        }),
        idempotency_key: IdempotencyKey::from_stable("outbox-1"),
    };
    let first = c.write(&write).await.unwrap();
    assert_eq!((first.remote_id.as_str(), first.applied_now), ("200", true));
    let again = c.write(&write).await.unwrap();
    assert_eq!(
        (again.remote_id.as_str(), again.applied_now),
        ("200", false)
    );
    assert_eq!(
        requests_to(&server, "/api/v1/employees")
            .await
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count(),
        1
    );

    // An existing person is found by work email, whatever the case.
    let existing = WriteRequest {
        op: WriteOp::CreateEmployee(NewEmployee {
            first_name: "Maya".into(),
            last_name: "Chen".into(),
            work_email: "MAYA.CHEN@bluebird.example".into(),
            job_title: None,
            department: None,
            start_date: None,
            date_of_birth: None,
        }),
        idempotency_key: IdempotencyKey::new(),
    };
    let found = c.write(&existing).await.unwrap();
    assert_eq!(
        (found.remote_id.as_str(), found.applied_now),
        ("101", false)
    );
}

#[tokio::test]
async fn updates_and_time_off_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/employees/102"))
        .and(body_json(
            json!({"jobTitle": "Shift Lead", "department": "Front of House"}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    get_json(
        &server,
        "/api/v1/time_off/requests",
        fixture("time_off_requests.json"),
    )
    .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/employees/102/time_off/request"))
        .and(body_json(json!({
            "status": "requested", "start": "2024-12-23", "end": "2024-12-24", "timeOffTypeId": 78,
            "amount": 15.5, "notes": [{"from": "employee", "note": "Holidays"}]
        })))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "1400", "status": {"status": "requested"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = connector("bamboohr", ctx(&server));

    let out = c
        .write(&WriteRequest {
            op: WriteOp::UpdateEmployee {
                remote_id: "102".into(),
                changes: EmployeeChanges {
                    job_title: Some("Shift Lead".into()),
                    department: Some("Front of House".into()),
                    ..EmployeeChanges::default()
                },
            },
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap();
    assert!(out.applied_now);

    let new = |start: (i32, u32, u32), end: (i32, u32, u32), amount: Decimal| NewTimeOffRequest {
        employee_remote_id: "102".into(),
        start: NaiveDate::from_ymd_opt(start.0, start.1, start.2).unwrap(),
        end: NaiveDate::from_ymd_opt(end.0, end.1, end.2).unwrap(),
        type_remote_id: "78".into(),
        amount,
        note: Some("Holidays".into()),
    };
    let filed = c
        .write(&WriteRequest {
            op: WriteOp::CreateTimeOffRequest(new(
                (2024, 12, 23),
                (2024, 12, 24),
                Decimal::new(155, 1),
            )),
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        (filed.remote_id.as_str(), filed.applied_now),
        ("1400", true)
    );
    // The same request as one that already exists is not filed again.
    let dup = c
        .write(&WriteRequest {
            op: WriteOp::CreateTimeOffRequest(new(
                (2024, 7, 1),
                (2024, 7, 3),
                Decimal::new(225, 1),
            )),
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap();
    assert_eq!((dup.remote_id.as_str(), dup.applied_now), ("1348", false));

    let err = c
        .write(&WriteRequest {
            op: WriteOp::TerminateEmployee {
                remote_id: "102".into(),
                effective_date: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
            },
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported { .. }));
}

#[test]
fn webhooks_are_verified() {
    let c = connector(
        "bamboohr",
        context(
            "https://bluebird.bamboohr.com",
            Auth::None,
            &[("api_key", KEY)],
        ),
    );
    let secret = Sensitive::new("whsec-private-key".to_owned());
    let now = Utc.with_ymd_and_hms(2025, 2, 18, 15, 30, 0).unwrap();
    let body = br#"{"type":"employee.updated","timestamp":"2025-02-18T15:30:00Z","data":{"companyId":"12345","employeeId":"102","changedFields":["firstName"]}}"#;
    let signed = |body: &[u8], ts: i64| {
        let ts = ts.to_string();
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-bamboohr-signature",
            sign_hex(secret.expose().as_bytes(), &[body, ts.as_bytes()])
                .parse()
                .unwrap(),
        );
        h.insert("x-bamboohr-timestamp", ts.parse().unwrap());
        h
    };

    let events = c
        .verify_webhook(&signed(body, now.timestamp() - 30), body, &secret, now)
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "employee.updated");
    assert_eq!(events[0].entity, Some(EntityKind::Employee));
    assert_eq!(events[0].remote_id.as_deref(), Some("102"));

    let tampered = body
        .to_vec()
        .iter()
        .map(|b| if *b == b'2' { b'3' } else { *b })
        .collect::<Vec<_>>();
    let err = c
        .verify_webhook(&signed(body, now.timestamp()), &tampered, &secret, now)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::Webhook(maestro_http::webhook::SignatureError::Mismatch)
        ),
        "{err:?}"
    );

    let stale = signed(body, now.timestamp() - 3600);
    let err = c.verify_webhook(&stale, body, &secret, now).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::Webhook(maestro_http::webhook::SignatureError::Stale(3600))
        ),
        "{err:?}"
    );

    let wrong_key = Sensitive::new("someone-else".to_owned());
    assert!(
        c.verify_webhook(&signed(body, now.timestamp()), body, &wrong_key, now)
            .is_err()
    );
    assert!(
        c.verify_webhook(&http::HeaderMap::new(), body, &secret, now)
            .is_err()
    );

    let legacy =
        br#"{"employees":[{"id":"103","action":"Deleted","timestamp":"2025-02-18T15:29:00Z"}]}"#;
    let events = c
        .verify_webhook(&signed(legacy, now.timestamp()), legacy, &secret, now)
        .unwrap();
    assert_eq!(events[0].event_type, "employee.deleted");
    assert_eq!(events[0].remote_id.as_deref(), Some("103"));
}

/// Against the `maestro-sandbox` BambooHR emulator: its ground truth, its mutations, its faults.
mod sandbox {
    use std::collections::BTreeSet;

    use maestro_sandbox::{FaultPlan, MalformedKind, Provider, Sandbox, SandboxConfig};

    use super::*;

    async fn start() -> (Sandbox, Arc<dyn maestro_connectors::Connector>) {
        let sbx = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let creds = sbx.credentials().bamboohr;
        let ctx = context(
            &sbx.base_url(Provider::BambooHr),
            Auth::None,
            &[
                ("subdomain", creds.company_domain.as_str()),
                ("api_key", creds.api_key.as_str()),
            ],
        );
        let c = connector("bamboohr", ctx);
        (sbx, c)
    }

    fn text(v: &Value) -> Option<String> {
        v.as_str()
            .filter(|s| !s.is_empty() && *s != "0000-00-00")
            .map(str::to_owned)
    }

    #[tokio::test]
    async fn full_read_equals_ground_truth() {
        let (sbx, c) = start().await;
        assert_eq!(c.check().await.unwrap().account, sbx.company().name);

        let truth = sbx.bamboohr_employees();
        let (records, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
        assert_eq!(records.len(), truth.len());
        for t in &truth {
            let id = t["id"].as_str().unwrap();
            let e = records
                .iter()
                .find_map(|r| match r {
                    CanonicalRecord::Employee(e) if e.provenance.remote_id == id => Some(e),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("employee {id} not read"));
            assert_eq!(e.first_name, text(&t["firstName"]), "{id}");
            assert_eq!(e.last_name, text(&t["lastName"]), "{id}");
            assert_eq!(e.work_email, text(&t["workEmail"]), "{id}");
            assert_eq!(e.employee_number, text(&t["employeeNumber"]), "{id}");
            assert_eq!(
                e.hire_date.map(|d| d.to_string()),
                text(&t["hireDate"]),
                "{id}"
            );
            assert_eq!(
                e.termination_date.map(|d| d.to_string()),
                text(&t["terminationDate"]),
                "{id}"
            );
            assert_eq!(e.manager_remote_id, text(&t["supervisorEId"]), "{id}");
            let expected = if t["status"] == "Inactive" {
                EmploymentStatus::Terminated
            } else {
                EmploymentStatus::Active
            };
            assert_eq!(e.employment_status, expected, "{id}");
            let dept = sbx
                .company()
                .departments
                .iter()
                .find(|d| t["department"] == d.title)
                .unwrap();
            assert_eq!(
                e.department_remote_id,
                Some(dept.bamboo_id.to_string()),
                "{id}"
            );
        }

        let comp_truth = sbx.bamboohr_table("compensation");
        let (comp, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
        assert_eq!(comp.len(), comp_truth.len());
        for (r, t) in comp.iter().zip(&comp_truth) {
            let CanonicalRecord::Compensation(r) = r else {
                panic!()
            };
            assert_eq!(r.provenance.remote_id, t["id"].as_str().unwrap());
            let value = t["rate"]["value"].as_str().unwrap();
            assert_eq!(r.rate, Money::parse(value, Currency::USD).unwrap());
            assert_eq!(r.rate.amount.to_string(), value, "exact, scale kept");
            assert_eq!(r.raw, *t);
        }
        let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
        assert_eq!(jobs.len(), sbx.bamboohr_table("jobInfo").len());
        for j in &jobs {
            let CanonicalRecord::Employment(j) = j else {
                panic!()
            };
            assert!(
                j.pay_rate.is_some() && j.pay_frequency == Some(PayFrequency::Biweekly),
                "{j:?}"
            );
        }

        let (deps, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
        let used: BTreeSet<String> = truth
            .iter()
            .filter_map(|t| text(&t["department"]))
            .collect();
        assert_eq!(deps.len(), used.len());
        let (locs, _) = read_all(c.as_ref(), EntityKind::Location, None).await;
        assert!(!locs.is_empty() && locs.len() <= sbx.company().locations.len());

        let req_truth: BTreeSet<String> = sbx
            .bamboohr_time_off_requests()
            .iter()
            .map(|r| r["id"].to_string())
            .collect();
        let (requests, _) = read_all(c.as_ref(), EntityKind::TimeOffRequest, None).await;
        let read: BTreeSet<String> = requests
            .iter()
            .map(|r| r.provenance().remote_id.clone())
            .collect();
        assert_eq!(read, req_truth);
        let (policies, _) = read_all(c.as_ref(), EntityKind::TimeOffPolicy, None).await;
        assert_eq!(policies.len(), 2);
        let (balances, _) = read_all(c.as_ref(), EntityKind::TimeOffBalance, None).await;
        assert_eq!(balances.len(), truth.len() * 2);

        // Every list call asked for the largest page.
        for r in sbx
            .requests(Provider::BambooHr)
            .iter()
            .filter(|r| r.path == "/api/v1/employees")
        {
            assert!(
                r.query.contains("page%5Blimit%5D=2500")
                    || r.query.contains("page[limit]=2500")
                    || r.query.contains("page%5Blimit%5D=1"),
                "{r:?}"
            );
        }
        sbx.shutdown().await;
    }

    #[tokio::test]
    async fn full_read_is_one_dataset_query_and_equals_the_get_employee_path() {
        let (sbx, c) = start().await;
        let since = Utc::now() - chrono::Duration::seconds(2);
        sbx.reset_requests(Provider::BambooHr);
        let page = c.read(&req(EntityKind::Employee)).await.unwrap();
        assert!(page.next.is_none());
        let log = sbx.requests(Provider::BambooHr);
        let data = log
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/api/v2/datasets/employee/data")
            .count();
        assert_eq!(data, 1, "{log:?}");
        assert!(
            log.iter()
                .all(|r| r.path != "/api/v1/reports/custom"
                    && !r.path.starts_with("/api/v1/employees/")),
            "the dataset (and the field lists and the id list) only: {log:?}"
        );
        let truth = sbx.bamboohr_employees();
        assert_eq!(page.records.len(), truth.len());

        // Touch everyone without changing anything, so the incremental read (list + Get
        // Employee per person) returns them all for comparison.
        for t in &truth {
            let id = t["id"].as_str().unwrap();
            sbx.set_employee_field(Provider::BambooHr, id, "firstName", t["firstName"].clone())
                .unwrap();
        }
        let changed = c
            .read(&ReadRequest {
                entity: EntityKind::Employee,
                page: None,
                since: Some(since),
            })
            .await
            .unwrap();
        let mut by_get: Vec<_> = employee_records(changed.records);
        by_get.sort_by(|a, b| a.provenance.remote_id.cmp(&b.provenance.remote_id));
        let mut by_report = employee_records(page.records);
        by_report.sort_by(|a, b| a.provenance.remote_id.cmp(&b.provenance.remote_id));
        assert_eq!(by_get.len(), by_report.len());
        for (mut g, r) in by_get.into_iter().zip(by_report) {
            assert!(g.provenance.remote_modified_at.is_some());
            g.provenance.remote_modified_at = None;
            assert_eq!(g, r, "{}", r.provenance.remote_id);
        }
        sbx.shutdown().await;
    }

    #[tokio::test]
    async fn incremental_read_after_a_mutation_returns_only_the_change() {
        let (sbx, c) = start().await;
        let since = Utc::now() - chrono::Duration::seconds(2);
        let id = sbx.company().people[1].bamboo_id.to_string();
        let gone = sbx.company().people[2].bamboo_id.to_string();
        sbx.set_employee_field(Provider::BambooHr, &id, "firstName", json!("Renamed"))
            .unwrap();
        sbx.delete_employee(Provider::BambooHr, &gone).unwrap();

        let page = c
            .read(&ReadRequest {
                entity: EntityKind::Employee,
                page: None,
                since: Some(since),
            })
            .await
            .unwrap();
        assert_eq!(page.records.len(), 1, "{:?}", page.records);
        let CanonicalRecord::Employee(e) = &page.records[0] else {
            panic!()
        };
        assert_eq!(e.provenance.remote_id, id);
        assert_eq!(e.first_name.as_deref(), Some("Renamed"));
        assert!(e.provenance.remote_modified_at.is_some());
        assert_eq!(page.deleted, vec![gone]);
        sbx.shutdown().await;
    }

    #[tokio::test]
    async fn writes_round_trip_through_the_emulator() {
        let (sbx, c) = start().await;
        let before = sbx.request_count(Provider::BambooHr);
        let new = WriteRequest {
            op: WriteOp::CreateEmployee(NewEmployee {
                first_name: "Rosa".into(),
                last_name: "Delgado".into(),
                work_email: "rosa.delgado@bluebird.example".into(),
                job_title: Some("Baker".into()),
                department: Some("Kitchen".into()),
                start_date: NaiveDate::from_ymd_opt(2024, 9, 2),
                date_of_birth: None,
            }),
            idempotency_key: IdempotencyKey::new(),
        };
        let first = c.write(&new).await.unwrap();
        assert!(first.applied_now);
        let again = c.write(&new).await.unwrap();
        assert_eq!(
            (again.remote_id.as_str(), again.applied_now),
            (first.remote_id.as_str(), false)
        );
        let posts = sbx
            .requests(Provider::BambooHr)
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1);
        assert!(sbx.request_count(Provider::BambooHr) > before);
        assert!(
            sbx.bamboohr_employees()
                .iter()
                .any(|e| e["id"] == first.remote_id.as_str())
        );
        sbx.shutdown().await;
    }

    #[tokio::test]
    async fn faults_behave() {
        let (sbx, c) = start().await;
        sbx.set_faults(
            Provider::BambooHr,
            FaultPlan {
                server_errors: 2,
                ..FaultPlan::default()
            },
        );
        c.read(&req(EntityKind::Company)).await.unwrap();

        sbx.set_faults(
            Provider::BambooHr,
            FaultPlan {
                rate_limit_burst: 1,
                retry_after_secs: 1,
                ..FaultPlan::default()
            },
        );
        let started = Instant::now();
        c.read(&req(EntityKind::Company)).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(950));

        sbx.set_faults(
            Provider::BambooHr,
            FaultPlan {
                malformed: 1,
                malformed_kind: MalformedKind::WrongType {
                    field: "startDate".into(),
                },
                ..FaultPlan::default()
            },
        );
        let err = c.read(&req(EntityKind::Compensation)).await.unwrap_err();
        assert_eq!(decode_path(err), "[0].startDate");

        sbx.set_faults(
            Provider::BambooHr,
            FaultPlan {
                server_errors: 20,
                ..FaultPlan::default()
            },
        );
        let err = c.read(&req(EntityKind::Company)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transient);

        sbx.set_faults(Provider::BambooHr, FaultPlan::default());
        sbx.revoke(Provider::BambooHr);
        let err = c.check().await.unwrap_err();
        assert!(err.needs_reconnect(), "{err:?}");
        sbx.shutdown().await;
    }
}
