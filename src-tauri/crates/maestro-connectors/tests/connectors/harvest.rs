//! Harvest: wiremock fixtures shaped by the spec (`harvest/harvest-openapi.yaml` examples, in
//! `tests/fixtures/harvest/`), and the sandbox emulator (`sandbox` below).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use maestro_connectors::{
    ConnectorError, NewTimeEntry, ReadRequest, Registry, WriteOp, WriteRequest,
};
use maestro_core::error::ErrorKind;
use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind};
use maestro_core::money::Currency;
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, ClientOptions, HttpError, IdempotencyKey, build_client};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::{connector, context, read_all};

const ACCOUNT: &str = "123456";
const TOKEN: &str = "1234567.pt.secret";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/harvest/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn items(name: &str) -> Vec<Value> {
    fixture(name).as_array().unwrap().clone()
}

fn ctx(server: &MockServer) -> maestro_connectors::ConnectorContext {
    context(
        &server.uri(),
        Auth::Bearer(Sensitive::new(TOKEN.into())),
        &[("account_id", ACCOUNT)],
    )
}

/// A list page in Harvest's envelope; `next` links use the cursor style of the real API.
fn envelope(
    base: &str,
    path: &str,
    key: &str,
    items: &[Value],
    page: usize,
    pages: usize,
) -> Value {
    let url = |q: String| format!("{base}{path}?{q}");
    let mut body = json!({
        "per_page": 2000,
        "total_pages": pages,
        "total_entries": Value::Null,
        "next_page": if page < pages { json!(page + 1) } else { Value::Null },
        "previous_page": if page > 1 { json!(page - 1) } else { Value::Null },
        "page": page,
        "links": {
            "first": url("page=1&per_page=2000".into()),
            "next": (page < pages)
                .then(|| url(format!("cursor=c{}&per_page=2000&ref=next_cursor", page + 1))),
            "previous": (page > 1)
                .then(|| url(format!("cursor=p{}&per_page=2000&ref=previous_cursor", page - 1))),
            "last": url(format!("page={pages}&per_page=2000")),
        },
    });
    body[key] = Value::Array(items.to_vec());
    body
}

/// Mounts `all` as pages of `chunk` items at `path`: the first page only for `per_page=2000`
/// without a cursor, the others by cursor. Each page must be fetched `times` times.
async fn mount_pages(
    server: &MockServer,
    path_: &str,
    key: &str,
    all: &[Value],
    chunk: usize,
    times: u64,
) {
    let chunks: Vec<&[Value]> = all.chunks(chunk).collect();
    let pages = chunks.len();
    for (i, items) in chunks.iter().enumerate() {
        let body = envelope(&server.uri(), path_, key, items, i + 1, pages);
        let mock = Mock::given(method("GET")).and(path(path_));
        let mock = if i == 0 {
            mock.and(query_param("per_page", "2000"))
                .and(query_param_is_missing("cursor"))
        } else {
            mock.and(query_param("cursor", format!("c{}", i + 1)))
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(times)
            .mount(server)
            .await;
    }
}

async fn mount_company(server: &MockServer, company: Value) {
    Mock::given(method("GET"))
        .and(path("/v2/company"))
        .respond_with(ResponseTemplate::new(200).set_body_json(company))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn first_page(entity: EntityKind) -> ReadRequest {
    ReadRequest {
        entity,
        page: None,
        since: None,
    }
}

#[test]
fn manifest_is_registered() {
    let registry = Registry::builtin();
    let def = registry.get("harvest").unwrap();
    let m = def.manifest;
    assert_eq!(m.max_page_size, 2000);
    assert_eq!(m.rate_limit.requests, 100);
    assert_eq!(m.rate_limit.window, Duration::from_secs(15));
    assert_eq!(m.production_base_url, "https://api.harvestapp.com");
    assert_eq!(m.auth_base_url, Some("https://id.getharvest.com"));
    assert!(m.entity(EntityKind::TimeEntry).unwrap().write);
    assert!(m.entity(EntityKind::Contractor).unwrap().incremental);
    assert!(m.config.iter().any(|f| f.key == "account_id" && f.required));

    let bad = context(
        "https://api.harvestapp.com",
        Auth::Bearer(Sensitive::new(TOKEN.into())),
        &[("account_id", "acct-1")],
    );
    let Err(err) = def.build(bad) else {
        panic!("a non-numeric account id was accepted")
    };
    assert!(matches!(err, ConnectorError::Config { ref field, .. } if field == "account_id"));
}

#[tokio::test]
async fn users_split_into_employees_and_contractors_across_pages() {
    let server = MockServer::start().await;
    let users = items("users.json");
    mount_pages(&server, "/v2/users", "users", &users, 1, 2).await;
    let ctx = ctx(&server);
    let (company_id, connection_id) = (ctx.company_id, ctx.connection_id);
    let h = connector("harvest", ctx);

    let (employees, pages) = read_all(h.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(pages, 4);
    assert_eq!(employees.len(), 3);
    let (contractors, _) = read_all(h.as_ref(), EntityKind::Contractor, None).await;
    assert_eq!(contractors.len(), 1);

    let CanonicalRecord::Employee(jim) = &employees[0] else {
        panic!("{:?}", employees[0])
    };
    assert_eq!(jim.first_name.as_deref(), Some("Jim"));
    assert_eq!(jim.work_email.as_deref(), Some("jimallen@example.com"));
    assert_eq!(jim.display_full_name.as_deref(), Some("Jim Allen"));
    assert!(jim.phone_numbers.is_empty(), "empty telephone is no phone");
    assert_eq!(jim.employment_status, EmploymentStatus::Active);
    assert_eq!(jim.company_id, company_id);
    assert_eq!(jim.provenance.connection_id, connection_id);
    assert_eq!(jim.provenance.provider, "harvest");
    assert_eq!(jim.provenance.remote_id, "3230547");
    assert_eq!(
        jim.provenance.remote_modified_at,
        Some(Utc.with_ymd_and_hms(2020, 5, 1, 22, 34, 52).unwrap())
    );
    assert_eq!(jim.raw, users[0]);

    let CanonicalRecord::Contractor(rita) = &contractors[0] else {
        panic!("{:?}", contractors[0])
    };
    assert_eq!(rita.provenance.remote_id, "4099001");
    assert_eq!(rita.phone.as_deref(), Some("555-0100"));
    assert_eq!(rita.raw, users[3]);

    let reqs = requests_to(&server, "/v2/users").await;
    assert_eq!(reqs.len(), 8);
    for r in &reqs {
        assert_eq!(
            r.headers["authorization"],
            format!("Bearer {TOKEN}").as_str()
        );
        assert_eq!(r.headers["harvest-account-id"], ACCOUNT);
        assert!(
            r.headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("IntegrationMaestro/")
        );
    }
}

#[tokio::test]
async fn time_entries_are_read_exactly_across_three_pages() {
    let server = MockServer::start().await;
    let mut entries = items("time_entries.json");
    // The spec's `TimeEntry.client` has no currency; when Harvest sends one it is the rates'.
    entries[0]["client"]["currency"] = json!("USD");
    mount_pages(&server, "/v2/time_entries", "time_entries", &entries, 2, 1).await;
    mount_company(&server, fixture("company.json")).await;
    let ctx = ctx(&server);
    let company_id = ctx.company_id;
    let h = connector("harvest", ctx);

    let (records, pages) = read_all(h.as_ref(), EntityKind::TimeEntry, None).await;
    assert_eq!(pages, 3);
    assert_eq!(records.len(), 5);
    for (record, raw) in records.iter().zip(&entries) {
        assert_eq!(record.raw(), raw, "raw is the object as received");
        assert_eq!(record.company_id(), company_id);
        assert_eq!(record.provenance().remote_id, raw["id"].to_string());
    }
    let time = |i: usize| match &records[i] {
        CanonicalRecord::TimeEntry(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let first = time(0);
    assert_eq!(
        first.work_date,
        NaiveDate::from_ymd_opt(2017, 3, 2).unwrap()
    );
    assert_eq!(first.hours, Decimal::new(211, 2));
    assert_eq!(first.employee_remote_id, "1782959");
    assert_eq!(first.project_remote_id.as_deref(), Some("14307913"));
    assert_eq!(first.project_name.as_deref(), Some("Marketing Website"));
    assert_eq!(first.task_name.as_deref(), Some("Graphic Design"));
    assert_eq!(first.client_name.as_deref(), Some("ABC Corp"));
    assert_eq!(first.notes.as_deref(), Some("Adding CSS styling"));
    assert!(first.billable);
    let rate = first.rate.unwrap();
    assert_eq!(
        (rate.amount, rate.currency),
        (Decimal::new(100, 0), Currency::USD)
    );
    assert_eq!(
        first.started_at, None,
        "\"3:00pm\" has no zone: no instant is invented"
    );
    assert_eq!(first.raw.to_value()["started_time"], "3:00pm");

    // No currency given: no rate is guessed (it used to be labelled USD).
    assert_eq!(time(2).rate, None);
    let odd = time(4);
    assert_eq!(odd.hours, Decimal::new(333_333, 6));
    assert_eq!(odd.rate, None);
    assert_eq!(odd.ended_at, None);

    let first_req = &requests_to(&server, "/v2/time_entries").await[0];
    assert_eq!(first_req.url.query(), Some("per_page=2000"));
}

#[tokio::test]
async fn incremental_reads_send_updated_since() {
    let server = MockServer::start().await;
    let entries = items("time_entries.json");
    let changed = entries[4].clone();
    Mock::given(method("GET"))
        .and(path("/v2/time_entries"))
        .and(query_param("per_page", "2000"))
        .and(query_param("updated_since", "2017-06-28T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            &server.uri(),
            "/v2/time_entries",
            "time_entries",
            &[changed],
            1,
            1,
        )))
        .expect(1)
        .mount(&server)
        .await;
    // `/v2/company` has no currency in the spec: one sent anyway is not taken for the rates'.
    let mut company = fixture("company.json");
    company["currency"] = json!("EUR");
    mount_company(&server, company).await;
    let h = connector("harvest", ctx(&server));

    let since = Utc.with_ymd_and_hms(2017, 6, 28, 0, 0, 0).unwrap();
    let (records, _) = read_all(h.as_ref(), EntityKind::TimeEntry, Some(since)).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].provenance().remote_id, "636709999");
    let CanonicalRecord::TimeEntry(t) = &records[0] else {
        panic!()
    };
    assert_eq!(t.rate, None);
    assert!(
        requests_to(&server, "/v2/company").await.is_empty(),
        "reading entries needs no company settings"
    );
}

#[tokio::test]
async fn throttling_waits_for_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"code": 429, "message": "Too Many Requests"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_pages(&server, "/v2/users", "users", &items("users.json"), 10, 1).await;
    let h = connector("harvest", ctx(&server));

    let started = Instant::now();
    let page = h.read(&first_page(EntityKind::Employee)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(page.records.len(), 3);
    assert_eq!(requests_to(&server, "/v2/users").await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    mount_pages(&server, "/v2/users", "users", &items("users.json"), 10, 1).await;
    let h = connector("harvest", ctx(&server));
    let page = h.read(&first_page(EntityKind::Employee)).await.unwrap();
    assert_eq!(page.records.len(), 3);

    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&failing)
        .await;
    let h = connector("harvest", ctx(&failing));
    let err = h.read(&first_page(EntityKind::Employee)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(
        matches!(
            err,
            ConnectorError::Http(HttpError::RetriesExhausted { .. })
        ),
        "{err:?}"
    );
    assert_eq!(requests_to(&failing, "/v2/users").await.len(), 5);
}

#[tokio::test]
async fn timeouts_are_retried_then_surfaced() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(envelope(&server.uri(), "/v2/users", "users", &[], 1, 1))
        .set_delay(Duration::from_secs(2));
    Mock::given(method("GET"))
        .and(path("/v2/users"))
        .respond_with(slow)
        .mount(&server)
        .await;
    let mut ctx = ctx(&server);
    ctx.http = build_client(&ClientOptions {
        tls13_only: false,
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_millis(200),
    })
    .unwrap();
    ctx.retry.max_attempts = 2;
    let h = connector("harvest", ctx);
    let err = h.read(&first_page(EntityKind::Employee)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.to_string().contains("did not answer in time"), "{err}");
    assert_eq!(requests_to(&server, "/v2/users").await.len(), 2);
}

#[tokio::test]
async fn a_malformed_page_names_the_field() {
    let server = MockServer::start().await;
    let mut entries = items("time_entries.json");
    entries[3]["hours"] = json!("abc");
    mount_pages(&server, "/v2/time_entries", "time_entries", &entries, 10, 1).await;
    mount_company(&server, fixture("company.json")).await;
    let h = connector("harvest", ctx(&server));
    let err = h
        .read(&first_page(EntityKind::TimeEntry))
        .await
        .unwrap_err();
    match &err {
        ConnectorError::Http(HttpError::Decode { path, .. }) => {
            assert_eq!(path, "time_entries[3].hours")
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("time_entries[3].hours"));
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn unauthorized_needs_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons."}),
        ))
        .mount(&server)
        .await;
    let h = connector("harvest", ctx(&server));
    let err = h.read(&first_page(EntityKind::Employee)).await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(
        requests_to(&server, "/v2/users").await.len(),
        1,
        "not retried"
    );
    assert!(h.check().await.unwrap_err().needs_reconnect());
}

#[tokio::test]
async fn check_names_the_account() {
    let server = MockServer::start().await;
    mount_company(&server, fixture("company.json")).await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(header("harvest-account-id", ACCOUNT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("me.json")))
        .mount(&server)
        .await;
    let report = connector("harvest", ctx(&server)).check().await.unwrap();
    assert_eq!(report.account, "API Examples (account 123456)");
    assert!(
        report.details[0].contains("Bob Powell"),
        "{:?}",
        report.details
    );
    assert!(
        report
            .details
            .iter()
            .any(|d| d.contains("start and end times"))
    );
}

#[tokio::test]
async fn other_entities_are_unsupported() {
    let server = MockServer::start().await;
    let h = connector("harvest", ctx(&server));
    let err = h
        .read(&first_page(EntityKind::PayrollRun))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported { .. }));
}

/// A tiny stateful Harvest: `GET`/`POST /v2/time_entries` over one list.
#[derive(Clone, Default)]
struct FakeEntries {
    base: String,
    store: Arc<Mutex<Vec<Value>>>,
    /// The next N creations are stored but answered with a 500 (the answer is lost).
    lose_answers: Arc<AtomicU32>,
}

impl Respond for FakeEntries {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "POST" {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let mut entry = fixture("time_entry_created.json");
            let mut store = self.store.lock().unwrap();
            entry["id"] = json!(700_000_000 + store.len());
            entry["user"]["id"] = body["user_id"].clone();
            for k in ["spent_date", "hours", "notes"] {
                entry[k] = body[k].clone();
            }
            store.push(entry.clone());
            if self
                .lose_answers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return ResponseTemplate::new(500);
            }
            return ResponseTemplate::new(201).set_body_json(entry);
        }
        let q: std::collections::HashMap<String, String> =
            req.url.query_pairs().into_owned().collect();
        let found: Vec<Value> = self
            .store
            .lock()
            .unwrap()
            .iter()
            .filter(|e| {
                q.get("user_id")
                    .is_none_or(|u| u.parse::<u64>().ok() == e["user"]["id"].as_u64())
            })
            .filter(|e| q.get("from").is_none_or(|d| e["spent_date"] == d.as_str()))
            .cloned()
            .collect();
        ResponseTemplate::new(200).set_body_json(envelope(
            &self.base,
            "/v2/time_entries",
            "time_entries",
            &found,
            1,
            1,
        ))
    }
}

async fn fake_harvest() -> (MockServer, FakeEntries) {
    let server = MockServer::start().await;
    let fake = FakeEntries {
        base: server.uri(),
        ..FakeEntries::default()
    };
    Mock::given(path("/v2/time_entries"))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    (server, fake)
}

fn new_entry(key: &IdempotencyKey) -> WriteRequest {
    WriteRequest {
        op: WriteOp::CreateTimeEntry(NewTimeEntry {
            user_remote_id: "1782959".into(),
            project_remote_id: "14307913".into(),
            task_remote_id: "8083365".into(),
            date: NaiveDate::from_ymd_opt(2017, 3, 21).unwrap(),
            hours: Decimal::new(175, 2),
            notes: Some("Design review".into()),
        }),
        idempotency_key: key.clone(),
    }
}

async fn posts(server: &MockServer) -> Vec<Value> {
    requests_to(server, "/v2/time_entries")
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn creating_twice_with_one_key_posts_once() {
    let (server, fake) = fake_harvest().await;
    let h = connector("harvest", ctx(&server));
    let key = IdempotencyKey::from_stable("outbox-42");

    let first = h.write(&new_entry(&key)).await.unwrap();
    assert!(first.applied_now);
    let again = h.write(&new_entry(&key)).await.unwrap();
    assert!(!again.applied_now);
    assert_eq!(again.remote_id, first.remote_id);

    let posts = posts(&server).await;
    assert_eq!(posts.len(), 1, "exactly one POST");
    assert_eq!(
        posts[0],
        json!({"user_id": 1782959, "project_id": 14307913, "task_id": 8083365,
               "spent_date": "2017-03-21", "hours": 1.75,
               "notes": "Design review [maestro:outbox-42]"})
    );
    let lookup = requests_to(&server, "/v2/time_entries").await[0]
        .url
        .clone();
    let q: Vec<(String, String)> = lookup.query_pairs().into_owned().collect();
    for pair in [
        ("user_id", "1782959"),
        ("from", "2017-03-21"),
        ("to", "2017-03-21"),
        ("per_page", "2000"),
    ] {
        assert!(q.contains(&(pair.0.into(), pair.1.into())), "{q:?}");
    }
    assert_eq!(fake.store.lock().unwrap().len(), 1);

    let other = h
        .write(&new_entry(&IdempotencyKey::from_stable("outbox-43")))
        .await
        .unwrap();
    assert!(other.applied_now, "another key is another entry");
    assert_eq!(fake.store.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_lost_answer_is_not_written_twice() {
    let (server, fake) = fake_harvest().await;
    fake.lose_answers.store(1, Ordering::SeqCst);
    let h = connector("harvest", ctx(&server));
    let out = h.write(&new_entry(&IdempotencyKey::new())).await.unwrap();
    assert_eq!(posts(&server).await.len(), 1);
    let store = fake.store.lock().unwrap();
    assert_eq!(
        store.len(),
        1,
        "the retry found the entry the lost answer created"
    );
    assert_eq!(out.remote_id, store[0]["id"].to_string());
}

#[tokio::test]
async fn unsupported_writes_and_bad_ids_are_refused() {
    let (server, _) = fake_harvest().await;
    let h = connector("harvest", ctx(&server));
    let mut req = new_entry(&IdempotencyKey::new());
    if let WriteOp::CreateTimeEntry(e) = &mut req.op {
        e.project_remote_id = "proj-1".into();
    }
    let err = h.write(&req).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::Config { ref field, .. } if field == "project_remote_id")
    );
    let terminate = WriteRequest {
        op: WriteOp::TerminateEmployee {
            remote_id: "1".into(),
            effective_date: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        },
        idempotency_key: IdempotencyKey::new(),
    };
    assert!(matches!(
        h.write(&terminate).await.unwrap_err(),
        ConnectorError::Unsupported { .. }
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Against the `maestro-sandbox` Harvest emulator (its ground truth and request log).
mod sandbox {
    use super::*;
    use maestro_sandbox::{FaultPlan, MalformedKind, Provider, Sandbox, SandboxConfig};

    async fn start(time_entries: usize) -> Sandbox {
        Sandbox::start(SandboxConfig {
            time_entries: Some(time_entries),
            today: NaiveDate::from_ymd_opt(2024, 6, 3),
            ..SandboxConfig::default()
        })
        .await
        .unwrap()
    }

    fn sandbox_ctx(sb: &Sandbox) -> maestro_connectors::ConnectorContext {
        let creds = sb.credentials().harvest;
        context(
            &sb.base_url(Provider::Harvest),
            Auth::Bearer(Sensitive::new(creds.personal_access_token)),
            &[("account_id", creds.account_id.as_str())],
        )
    }

    fn entry_requests(sb: &Sandbox) -> Vec<maestro_sandbox::RequestRecord> {
        sb.requests(Provider::Harvest)
            .into_iter()
            .filter(|r| r.path == "/v2/time_entries")
            .collect()
    }

    #[tokio::test]
    async fn ten_thousand_entries_in_five_requests_equal_ground_truth() {
        let sb = start(10_000).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        let (records, pages) = read_all(h.as_ref(), EntityKind::TimeEntry, None).await;
        assert_eq!(pages, 5);
        assert_eq!(records.len(), 10_000);
        let requests = entry_requests(&sb);
        assert_eq!(requests.len(), 10_000usize.div_ceil(2000));
        assert!(requests.iter().all(|r| r.query.contains("per_page=2000")));
        assert!(
            sb.request_count(Provider::Harvest) <= 6,
            "five pages and the company currency"
        );

        let truth = sb.harvest_time_entries(0, 10_000);
        let mut total = Decimal::ZERO;
        for (record, raw) in records.iter().zip(&truth) {
            assert_eq!(record.raw(), raw);
            let CanonicalRecord::TimeEntry(t) = record else {
                panic!("{record:?}")
            };
            assert_eq!(t.provenance.remote_id, raw["id"].to_string());
            total += t.hours;
        }
        assert_eq!(total, sb.harvest_total_hours(), "hours are exact");
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn users_equal_ground_truth() {
        let sb = start(10).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        let (employees, _) = read_all(h.as_ref(), EntityKind::Employee, None).await;
        let (contractors, _) = read_all(h.as_ref(), EntityKind::Contractor, None).await;
        let truth = sb.harvest_users();
        assert_eq!(employees.len() + contractors.len(), truth.len());
        let is_contractor = |id: &str| {
            truth
                .iter()
                .find(|u| u["id"].as_u64() == id.parse::<u64>().ok())
                .map(|u| u["is_contractor"] == true)
        };
        for e in &employees {
            assert_eq!(is_contractor(&e.provenance().remote_id), Some(false));
        }
        for c in &contractors {
            assert_eq!(is_contractor(&c.provenance().remote_id), Some(true));
        }
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn incremental_reads_return_only_what_changed() {
        let sb = start(3_000).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        let (all, _) = read_all(h.as_ref(), EntityKind::TimeEntry, None).await;
        let since = Utc::now() - chrono::Duration::seconds(1);

        let changed: u64 = all[1234].provenance().remote_id.parse().unwrap();
        sb.set_time_entry_hours(changed, Decimal::new(725, 2))
            .unwrap();
        let user: u64 = all[0].raw().to_value()["user"]["id"].as_u64().unwrap();
        let added = sb
            .add_time_entries(
                user,
                NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
                Decimal::new(125, 2),
                2,
            )
            .unwrap();

        let (records, pages) = read_all(h.as_ref(), EntityKind::TimeEntry, Some(since)).await;
        assert_eq!(pages, 1);
        let mut ids: Vec<u64> = records
            .iter()
            .map(|r| r.provenance().remote_id.parse().unwrap())
            .collect();
        ids.sort_unstable();
        let mut expected = added.clone();
        expected.push(changed);
        expected.sort_unstable();
        assert_eq!(ids, expected);
        let hours = |id: u64| {
            records
                .iter()
                .find_map(|r| match r {
                    CanonicalRecord::TimeEntry(t) if t.provenance.remote_id == id.to_string() => {
                        Some(t.hours)
                    }
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(hours(changed), Decimal::new(725, 2));
        assert_eq!(hours(added[0]), Decimal::new(125, 2));
        assert!(
            entry_requests(&sb)
                .last()
                .unwrap()
                .query
                .contains("updated_since=")
        );
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn faults_are_retried_and_the_read_still_matches() {
        let sb = start(4_500).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        sb.set_faults(
            Provider::Harvest,
            FaultPlan {
                dropped_connections: 1,
                server_errors: 1,
                rate_limit_burst: 1,
                retry_after_secs: 1,
                ..FaultPlan::default()
            },
        );
        let started = Instant::now();
        let (records, pages) = read_all(h.as_ref(), EntityKind::TimeEntry, None).await;
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "Retry-After honoured"
        );
        assert_eq!(pages, 3);
        let truth = sb.harvest_time_entries(0, 4_500);
        assert_eq!(records.len(), truth.len());
        assert!(records.iter().zip(&truth).all(|(r, t)| r.raw() == t));
        assert_eq!(
            entry_requests(&sb).len(),
            3 + 3,
            "three faulted attempts retried"
        );
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn a_slow_answer_times_out_and_is_retried() {
        let sb = start(100).await;
        let mut ctx = sandbox_ctx(&sb);
        ctx.http = build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_millis(300),
        })
        .unwrap();
        let h = connector("harvest", ctx);
        sb.set_faults(
            Provider::Harvest,
            FaultPlan {
                delays: 1,
                delay_ms: 1_500,
                ..FaultPlan::default()
            },
        );
        let (records, _) = read_all(h.as_ref(), EntityKind::Employee, None).await;
        assert!(!records.is_empty());
        let users = sb
            .requests(Provider::Harvest)
            .into_iter()
            .filter(|r| r.path == "/v2/users")
            .count();
        assert_eq!(users, 2);
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn malformed_hours_and_revoked_tokens_are_surfaced() {
        let sb = start(100).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        sb.set_faults(
            Provider::Harvest,
            FaultPlan {
                malformed: 1,
                malformed_kind: MalformedKind::WrongType {
                    field: "hours".into(),
                },
                ..FaultPlan::default()
            },
        );
        let err = h
            .read(&first_page(EntityKind::TimeEntry))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("time_entries[0].hours"), "{err}");

        sb.revoke(Provider::Harvest);
        let err = h.read(&first_page(EntityKind::Employee)).await.unwrap_err();
        assert!(err.needs_reconnect(), "{err:?}");
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn creating_with_one_key_twice_writes_once() {
        let sb = start(100).await;
        let h = connector("harvest", sandbox_ctx(&sb));
        let before = sb.harvest_time_entry_count();
        let user = sb.harvest_users()[0]["id"].to_string();
        let request = WriteRequest {
            op: WriteOp::CreateTimeEntry(NewTimeEntry {
                user_remote_id: user,
                project_remote_id: "7300001".into(),
                task_remote_id: "9200001".into(),
                date: NaiveDate::from_ymd_opt(2024, 6, 3).unwrap(),
                hours: Decimal::new(375, 2),
                notes: Some("Inventory".into()),
            }),
            idempotency_key: IdempotencyKey::new(),
        };
        let first = h.write(&request).await.unwrap();
        let again = h.write(&request).await.unwrap();
        assert!(first.applied_now && !again.applied_now);
        assert_eq!(first.remote_id, again.remote_id);
        assert_eq!(sb.harvest_time_entry_count(), before + 1);
        let posts = sb
            .requests(Provider::Harvest)
            .into_iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1);

        let (records, _) = read_all(
            h.as_ref(),
            EntityKind::TimeEntry,
            Some(Utc::now() - chrono::Duration::minutes(1)),
        )
        .await;
        let CanonicalRecord::TimeEntry(t) = &records[0] else {
            panic!()
        };
        assert_eq!(t.hours, Decimal::new(375, 2));
        assert!(
            t.notes
                .as_deref()
                .unwrap()
                .starts_with("Inventory [maestro:")
        );
        sb.shutdown().await;
    }
}
