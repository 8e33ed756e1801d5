//! Gusto's emulator held to its published spec, read from `specs/gusto.json` (a trimmed copy of
//! `gusto-embedded.api.v2025-06-15.openapi.yaml`, see `specs/SOURCE.md`): the payroll list's
//! default window and date limits, draft payrolls, jobs, department membership, custom fields
//! and what a termination's `active` means.

use chrono::{Months, NaiveDate};
use maestro_kit::openapi::{Operation, ParamIn, Spec};
use maestro_sandbox::{Provider, Sandbox};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::{client, config, gusto};

fn spec() -> &'static Spec {
    static SPEC: std::sync::OnceLock<Spec> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(include_str!("specs/gusto.json")).unwrap())
}

fn op(method: &str, path: &str) -> Operation<'static> {
    spec()
        .operation(method, path, "")
        .unwrap_or_else(|| panic!("the spec has no {method} {path}"))
}

fn schema(name: &str) -> &'static Value {
    spec()
        .schema_at(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("the spec has no schema {name}"))
}

fn assert_valid(schema: &Value, body: &Value, what: &str) {
    let v = jsonschema::validator_for(&spec().validator_document(schema)).unwrap();
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

/// The spec's error object for a 4xx answer, validated; returns its first error.
fn assert_error(body: &Value, what: &str) -> Value {
    assert_valid(schema("Unprocessable-Entity-Error-Object"), body, what);
    body["errors"][0].clone()
}

/// A query parameter's declared item values (`schema.items.enum` or `schema.enum`).
fn enum_of(o: &Operation<'_>, name: &str) -> Vec<String> {
    let doc = spec().doc();
    let item = &doc["paths"][o.path];
    let params = item
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|op| op.get("parameters").and_then(Value::as_array))
        .flatten()
        .map(|p| spec().resolve(p))
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{} has no parameter {name}", o.path));
    let values = params
        .pointer("/schema/items/enum")
        .or_else(|| params.pointer("/schema/enum"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    values
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn send(sb: &Sandbox, method: reqwest::Method, path: &str) -> RequestBuilder {
    client()
        .request(method, format!("{}{path}", sb.base_url(Provider::Gusto)))
        .bearer_auth(sb.credentials().gusto.access_token)
        .header("X-Gusto-API-Version", "2025-06-15")
}

async fn get(sb: &Sandbox, path: &str) -> (StatusCode, Value) {
    let r = gusto(sb, &client(), path).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn with_body(
    sb: &Sandbox,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = send(sb, method, path).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

fn today() -> NaiveDate {
    config().today.unwrap()
}

fn date(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

fn payrolls_path(sb: &Sandbox, query: &str) -> String {
    let co = sb.credentials().gusto.company_uuid;
    format!("/v1/companies/{co}/payrolls?{query}")
}

fn uuids(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uuid"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn regular_processed(sb: &Sandbox) -> Vec<Value> {
    sb.gusto_payrolls()
        .into_iter()
        .filter(|p| p["processed"] == true && p["off_cycle"] == false)
        .collect()
}

#[tokio::test]
async fn payrolls_default_to_six_months_and_refuse_a_range_over_a_year() {
    let list = op("get", "/v1/companies/{company_id}/payrolls");
    let text = list.description();
    assert!(
        text.contains("By default, will return processed, regular payrolls for the past 6 months")
    );
    assert!(text.contains("end_date can be at most 3 months in the future"));
    assert!(text.contains("start_date and end_date can't be more than 1 year apart"));
    let query = list.parameters(ParamIn::Query);
    for p in ["start_date", "end_date", "date_filter_by"] {
        assert!(query.contains(&p), "{p}");
    }
    let sb = Sandbox::start(config()).await.unwrap();
    let truth = regular_processed(&sb);
    let six_months_ago = today().checked_sub_months(Months::new(6)).unwrap();
    let old: Vec<&Value> = truth
        .iter()
        .filter(|p| date(&p["pay_period"]["start_date"]) < six_months_ago)
        .collect();
    assert!(!old.is_empty(), "the seeded history reaches past 6 months");

    let (status, recent) = get(&sb, &payrolls_path(&sb, "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!recent.as_array().unwrap().is_empty());
    for p in recent.as_array().unwrap() {
        assert!(
            date(&p["pay_period"]["start_date"]) >= six_months_ago,
            "{p}"
        );
    }
    let got = uuids(&recent);
    assert!(
        old.iter()
            .all(|p| !got.contains(&p["uuid"].as_str().unwrap().to_owned()))
    );

    // A window of exactly a year is allowed; a day more is not, nor an end past 3 months ahead.
    let start = today().checked_sub_months(Months::new(12)).unwrap();
    let (status, _) = get(
        &sb,
        &payrolls_path(&sb, &format!("start_date={start}&end_date={}", today())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let too_long = format!(
        "start_date={}&end_date={}",
        start.pred_opt().unwrap(),
        today()
    );
    let (status, body) = get(&sb, &payrolls_path(&sb, &too_long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = assert_error(&body, "a range over a year");
    assert_eq!(e["category"], "invalid_attribute_value");
    // The sandbox anchors its data on `today` but lets a client on the real clock look ahead.
    let latest = chrono::Utc::now().date_naive().max(today());
    let ahead = latest.checked_add_months(Months::new(3)).unwrap();
    for (end, ok) in [(ahead, true), (ahead.succ_opt().unwrap(), false)] {
        let q = format!(
            "start_date={}&end_date={end}",
            end - chrono::Duration::days(30)
        );
        let (status, body) = get(&sb, &payrolls_path(&sb, &q)).await;
        if ok {
            assert_eq!(status, StatusCode::OK, "{end}: {body}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{end}");
            assert_error(&body, "an end date over 3 months ahead");
        }
    }

    // The company's join date ("first invoiceable event") comes no later than its first
    // payroll; year-long windows back to it return the whole history, each payroll once.
    let company = op("get", "/v1/companies/{company_id}");
    let co_schema = company.response_schema().unwrap();
    assert!(spec().has_pointer(co_schema, "/join_date").is_ok());
    let co = sb.credentials().gusto.company_uuid;
    let (_, company) = get(&sb, &format!("/v1/companies/{co}")).await;
    let join = date(&company["join_date"]);
    let first_check = truth.iter().map(|p| date(&p["check_date"])).min().unwrap();
    assert!(join <= first_check, "{join} > {first_check}");
    let mut end = today();
    let mut seen = Vec::new();
    while end >= join {
        let start = end
            .checked_sub_months(Months::new(12))
            .unwrap()
            .succ_opt()
            .unwrap();
        let (status, page) = get(
            &sb,
            &payrolls_path(&sb, &format!("start_date={start}&end_date={end}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(uuids(&page));
        end = start.pred_opt().unwrap();
    }
    seen.sort();
    let mut all: Vec<String> = truth
        .iter()
        .map(|p| p["uuid"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    assert_eq!(seen, all);
    sb.shutdown().await;
}

#[tokio::test]
async fn draft_payrolls_come_when_asked_for() {
    let list = op("get", "/v1/companies/{company_id}/payrolls");
    assert_eq!(
        enum_of(&list, "processing_statuses"),
        ["processed", "unprocessed"]
    );
    assert!(enum_of(&list, "payroll_types").contains(&"off_cycle".to_owned()));
    let query = list.parameters(ParamIn::Query);
    for p in ["processed", "include_off_cycle", "include"] {
        assert!(query.contains(&p), "{p}");
    }
    let sb = Sandbox::start(config()).await.unwrap();
    let drafts: Vec<Value> = sb
        .gusto_payrolls()
        .into_iter()
        .filter(|p| p["processed"] == false)
        .collect();
    assert!(!drafts.is_empty(), "the sandbox has a draft payroll");
    let draft_ids = uuids(&Value::Array(drafts.clone()));

    // By default: processed regular payrolls only.
    let (_, default) = get(&sb, &payrolls_path(&sb, "")).await;
    for p in default.as_array().unwrap() {
        assert_eq!(
            (&p["processed"], &p["off_cycle"]),
            (&json!(true), &json!(false))
        );
    }
    for q in [
        "processing_statuses=unprocessed&payroll_types=regular,off_cycle",
        "processed=false&include_off_cycle=true",
    ] {
        let (status, got) = get(&sb, &payrolls_path(&sb, q)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(uuids(&got), draft_ids, "{q}");
    }
    let (_, both) = get(
        &sb,
        &payrolls_path(
            &sb,
            "processing_statuses=processed,unprocessed&payroll_types=regular,off_cycle",
        ),
    )
    .await;
    assert_valid(list.response_schema().unwrap(), &both, "Payroll-List");
    let got = uuids(&both);
    assert!(draft_ids.iter().all(|d| got.contains(d)));
    assert!(got.len() > draft_ids.len());

    // Totals only with include=totals (spec: not included by default since v2023-04-01).
    let (_, plain) = get(&sb, &payrolls_path(&sb, "")).await;
    assert!(plain[0].get("totals").is_none(), "{}", plain[0]);
    let (_, with) = get(&sb, &payrolls_path(&sb, "include=totals")).await;
    assert!(with[0]["totals"]["gross_pay"].is_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn jobs_are_created_and_updated_with_their_version() {
    let create = op("post", "/v1/employees/{employee_id}/jobs");
    let body = create.body_schema().unwrap();
    assert_eq!(body["required"], json!(["title", "hire_date"]));
    let job_schema = create.response_schema().unwrap();
    let members = spec().resolve(&body["allOf"][0])["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert!(members.contains(&"title".to_owned()) && members.contains(&"hire_date".to_owned()));

    let sb = Sandbox::start(config()).await.unwrap();
    let employee = sb.gusto_employees()[2].clone();
    let id = employee["uuid"].as_str().unwrap();
    let path = format!("/v1/employees/{id}/jobs");
    let (status, err) =
        with_body(&sb, reqwest::Method::POST, &path, json!({"title": "Baker"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(assert_error(&err, "no hire date")["error_key"], "hire_date");
    let (status, _) = with_body(
        &sb,
        reqwest::Method::POST,
        "/v1/employees/not-a-person/jobs",
        json!({"title": "Baker", "hire_date": "2026-01-05"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, job) = with_body(
        &sb,
        reqwest::Method::POST,
        &path,
        json!({"title": "Night Baker", "hire_date": "2026-01-05", "two_percent_shareholder": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    assert_valid(job_schema, &job, "created Job");
    assert_eq!(
        (&job["title"], &job["hire_date"]),
        (&json!("Night Baker"), &json!("2026-01-05"))
    );
    assert_eq!(job["employee_uuid"], id);
    assert_eq!(
        job["primary"], false,
        "the employee already has a primary job"
    );
    let (_, jobs) = get(&sb, &path).await;
    assert_eq!(jobs.as_array().unwrap().len(), 2);

    let update = op("put", "/v1/jobs/{job_id}");
    let ubody = update.body_schema().unwrap();
    let versioned = spec().resolve(&ubody["allOf"][0]);
    assert_eq!(versioned["required"], json!(["version"]));
    let pay_schedule = op(
        "put",
        "/v1/companies/{company_id}/pay_schedules/{pay_schedule_id}",
    );
    assert!(
        pay_schedule
            .description()
            .contains("a mismatch returns 409 Conflict")
    );

    let job_id = job["uuid"].as_str().unwrap();
    let jpath = format!("/v1/jobs/{job_id}");
    let (status, err) = with_body(&sb, reqwest::Method::PUT, &jpath, json!({"title": "X"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(assert_error(&err, "no version")["error_key"], "version");
    let (status, err) = with_body(
        &sb,
        reqwest::Method::PUT,
        &jpath,
        json!({"version": "stale", "title": "X"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&err, "a stale version");
    let (status, updated) = with_body(
        &sb,
        reqwest::Method::PUT,
        &jpath,
        json!({"version": job["version"], "title": "Head Night Baker"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_valid(update.response_schema().unwrap(), &updated, "updated Job");
    assert_eq!(updated["title"], "Head Night Baker");
    assert_ne!(updated["version"], job["version"]);
    let (_, again) = get(&sb, &jpath).await;
    assert_eq!(again, updated);
    let (status, _) = with_body(
        &sb,
        reqwest::Method::PUT,
        "/v1/jobs/not-a-job",
        json!({"version": "v", "title": "X"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sb.shutdown().await;
}

#[tokio::test]
async fn people_are_added_to_a_department_with_its_version() {
    let add = op("put", "/v1/departments/{department_uuid}/add");
    let members = add.body_members();
    for m in ["version", "employees", "contractors"] {
        assert!(members.contains(&m), "{m}");
    }
    let dept_schema = add.response_schema().unwrap();

    let sb = Sandbox::start(config()).await.unwrap();
    let co = sb.credentials().gusto.company_uuid;
    let (_, depts) = get(&sb, &format!("/v1/companies/{co}/departments")).await;
    let employee = sb.gusto_employees()[3].clone();
    let id = employee["uuid"].as_str().unwrap();
    let target = depts
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["uuid"] != employee["department_uuid"])
        .unwrap()
        .clone();
    let path = format!("/v1/departments/{}/add", target["uuid"].as_str().unwrap());
    let people = json!([{"uuid": id}]);
    let (status, err) = with_body(
        &sb,
        reqwest::Method::PUT,
        &path,
        json!({"version": "stale", "employees": people}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&err, "a stale department version");
    let (status, dept) = with_body(
        &sb,
        reqwest::Method::PUT,
        &path,
        json!({"version": target["version"], "employees": people}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dept}");
    assert_valid(dept_schema, &dept, "Department");
    assert!(
        dept["employees"]
            .as_array()
            .unwrap()
            .contains(&json!({"uuid": id}))
    );
    assert_ne!(dept["version"], target["version"]);
    let (_, e) = get(&sb, &format!("/v1/employees/{id}")).await;
    assert_eq!(e["department_uuid"], target["uuid"]);
    assert_eq!(e["department"], target["title"]);
    assert_ne!(e["version"], employee["version"]);
    let (_, depts) = get(&sb, &format!("/v1/companies/{co}/departments")).await;
    let holding: Vec<&Value> = depts
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["employees"]
                .as_array()
                .unwrap()
                .contains(&json!({"uuid": id}))
        })
        .collect();
    assert_eq!(holding.len(), 1, "one department per person");
    let (status, _) = with_body(
        &sb,
        reqwest::Method::PUT,
        "/v1/departments/not-a-department/add",
        json!({"version": "v", "employees": people}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sb.shutdown().await;
}

#[tokio::test]
async fn custom_fields_come_only_with_include() {
    let list = op("get", "/v1/companies/{company_id}/employees");
    assert!(enum_of(&list, "include").contains(&"custom_fields".to_owned()));
    let one = op("get", "/v1/employees/{employee_id}");
    assert!(enum_of(&one, "include").contains(&"custom_fields".to_owned()));
    let described = schema("Employee")["properties"]["custom_fields"]["description"]
        .as_str()
        .unwrap();
    assert!(described.contains("only included"), "{described}");

    let sb = Sandbox::start(config()).await.unwrap();
    let co = sb.credentials().gusto.company_uuid;
    let (_, plain) = get(&sb, &format!("/v1/companies/{co}/employees")).await;
    assert!(
        plain
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("custom_fields").is_none())
    );
    let (_, with) = get(
        &sb,
        &format!("/v1/companies/{co}/employees?include=custom_fields,all_compensations"),
    )
    .await;
    let fields: Vec<&Value> = with
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["custom_fields"].as_array().unwrap())
        .collect();
    assert!(!fields.is_empty(), "the sandbox seeds custom fields");
    for f in fields {
        assert_valid(schema("Employee-Custom-Field"), f, "Employee-Custom-Field");
    }
    let id = plain[0]["uuid"].as_str().unwrap();
    let (_, e) = get(&sb, &format!("/v1/employees/{id}")).await;
    assert!(e.get("custom_fields").is_none());
    let (_, e) = get(&sb, &format!("/v1/employees/{id}?include=custom_fields")).await;
    assert!(!e["custom_fields"].as_array().unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_termination_is_active_once_it_takes_effect() {
    let active = schema("Termination")["properties"]["active"]["description"]
        .as_str()
        .unwrap();
    assert_eq!(
        active,
        "Whether the employee's termination has gone into effect."
    );
    let sb = Sandbox::start(config()).await.unwrap();
    let people: Vec<Value> = sb
        .gusto_employees()
        .into_iter()
        .filter(|e| e["terminations"].as_array().unwrap().is_empty())
        .collect();
    let cases = [
        (&people[1], today() + chrono::Duration::days(3 * 366), false),
        (&people[2], today() - chrono::Duration::days(1), true),
    ];
    for (e, when, in_effect) in cases {
        let path = format!("/v1/employees/{}/terminations", e["uuid"].as_str().unwrap());
        let (status, t) = with_body(
            &sb,
            reqwest::Method::POST,
            &path,
            json!({"effective_date": when.to_string(), "run_termination_payroll": false}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_valid(schema("Termination"), &t, "Termination");
        assert_eq!(t["active"], in_effect, "{when}");
        assert_eq!(t["cancelable"], !in_effect, "{when}");
    }
    sb.shutdown().await;
}
