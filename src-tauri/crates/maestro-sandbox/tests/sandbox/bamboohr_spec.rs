//! BambooHR's account metadata, locations, Datasets API, throttling and webhook payloads,
//! checked against the published spec itself (`bamboohr/bamboohr-public.openapi.yaml`, read
//! from `MAESTRO_SPECS_DIR` or `../shared/specs` next to the checkout): every route exists
//! there with its method, and every object the emulator answers has exactly the property
//! names the spec declares for it (no YAML crate in the workspace, so a small reader of the
//! spec's layout below).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use maestro_sandbox::{FaultPlan, Provider, Sandbox, WebhookEvent};
use serde_json::{Value, json};

use crate::{bamboo, client, config, start};

fn specs_dir() -> String {
    std::env::var("MAESTRO_SPECS_DIR")
        .unwrap_or_else(|_| format!("{}/../../../../shared/specs", env!("CARGO_MANIFEST_DIR")))
}

fn spec() -> String {
    let path = format!("{}/bamboohr/bamboohr-public.openapi.yaml", specs_dir());
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the BambooHR spec must be readable at {path}: {e}"))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The lines under the first line equal to `header` (after trimming its end), up to the next
/// line indented no deeper than it.
fn block<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    let mut lines = text.lines();
    let start = lines
        .by_ref()
        .find(|l| l.trim_end() == header)
        .unwrap_or_else(|| panic!("the spec has no `{}`", header.trim()));
    let depth = indent(start);
    lines
        .take_while(|l| l.trim().is_empty() || indent(l) > depth)
        .collect()
}

/// Names of the block's first `properties:` mapping written one key per line.
fn props(lines: &[&str]) -> BTreeSet<String> {
    let at = lines
        .iter()
        .position(|l| l.trim() == "properties:")
        .unwrap_or_else(|| panic!("no properties in {lines:?}"));
    let depth = indent(lines[at]) + 2;
    lines[at + 1..]
        .iter()
        .take_while(|l| indent(l) >= depth)
        .filter(|l| indent(l) == depth)
        .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.to_owned()))
        .collect()
}

/// Top-level keys of the flow mapping that follows `properties: ` in `line`.
fn flow_props(line: &str) -> BTreeSet<String> {
    let (_, rest) = line
        .split_once("properties: {")
        .unwrap_or_else(|| panic!("no flow properties in {line}"));
    let mut keys = BTreeSet::new();
    let (mut depth, mut key, mut quote) = (1usize, String::new(), None::<char>);
    for c in rest.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            (None, ':') if depth == 1 && !key.trim().is_empty() => {
                keys.insert(key.trim().to_owned());
                key.clear();
            }
            (None, ',') if depth == 1 => key.clear(),
            (None, c) if depth == 1 => key.push(c),
            _ => {}
        }
    }
    keys
}

/// The line of `lines` whose key is `key`.
fn line_of<'a>(lines: &[&'a str], key: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.trim_start().starts_with(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}` in {lines:?}"))
}

/// The schema's property names (`components.schemas.{name}`).
fn schema(spec: &str, name: &str) -> BTreeSet<String> {
    props(&block(spec, &format!("    {name}:")))
}

/// Asserts the path exists with the method, and returns the operation's lines.
fn operation<'a>(spec: &'a str, path: &str, method: &str) -> Vec<&'a str> {
    let quoted = format!("  '{path}':");
    let plain = format!("  {path}:");
    let header = if spec.lines().any(|l| l == quoted) {
        quoted
    } else {
        plain
    };
    let lines = block(spec, &header);
    let at = lines
        .iter()
        .position(|l| l.trim_end() == format!("    {method}:"))
        .unwrap_or_else(|| panic!("the spec has no {method} {path}"));
    lines[at + 1..]
        .iter()
        .take_while(|l| indent(l) > 4)
        .copied()
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("{v} is not an object"))
        .keys()
        .cloned()
        .collect()
}

/// Every key of `v` is declared; `required` keys (declared too) are present.
fn declared(v: &Value, spec_keys: &BTreeSet<String>, required: &[&str], what: &str) {
    let got = keys(v);
    let extra: Vec<&String> = got.difference(spec_keys).collect();
    assert!(
        extra.is_empty(),
        "{what}: {extra:?} are not in the spec {spec_keys:?}"
    );
    for r in required {
        assert!(
            spec_keys.contains(*r),
            "{what}: the spec does not declare {r}"
        );
        assert!(got.contains(*r), "{what}: missing {r} in {v}");
    }
}

async fn get(sb: &Sandbox, path: &str) -> (u16, Value) {
    let resp = bamboo(sb, &client(), path).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn meta_lists_keep_archived_options_as_the_spec_says() {
    let spec = spec();
    let op = operation(&spec, "/api/v1/meta/lists", "get");
    assert!(op.iter().any(|l| l.contains("ListFieldDetail")));
    let detail = schema(&spec, "ListFieldDetail");
    let option = schema(&spec, "ListFieldOption");
    let sb = start().await;
    let (status, lists) = get(&sb, "/api/v1/meta/lists").await;
    assert_eq!(status, 200);
    let mut archived = Vec::new();
    for l in lists.as_array().unwrap() {
        declared(
            l,
            &detail,
            &["fieldId", "alias", "name", "options"],
            "ListFieldDetail",
        );
        assert!(l["fieldId"].is_string());
        for o in l["options"].as_array().unwrap() {
            declared(o, &option, &["id", "name", "archived"], "ListFieldOption");
            assert!(o["id"].is_u64(), "ListFieldOption.id is an integer: {o}");
            match o["archived"].as_str().unwrap() {
                "yes" => archived.push((l["alias"].clone(), o["name"].clone())),
                "no" => assert!(o["archivedDate"].is_null()),
                other => panic!("archived is one of yes, no (spec), got {other}"),
            }
        }
    }
    assert_eq!(
        archived,
        [
            (json!("department"), json!("Catering")),
            (json!("location"), json!("Old Town Kiosk"))
        ]
    );
    // The live departments are the seeded ones, with the ids Get Employee reports.
    let departments = lists
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["alias"] == "department")
        .unwrap();
    for d in &sb.company().departments {
        assert!(
            departments["options"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["id"] == d.bamboo_id && o["name"] == d.title && o["archived"] == "no")
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn meta_fields_match_the_spec() {
    let spec = spec();
    let op = operation(&spec, "/api/v1/meta/fields", "get");
    let field = flow_props(line_of(&op, "properties"));
    let sb = start().await;
    let (status, fields) = get(&sb, "/api/v1/meta/fields").await;
    assert_eq!(status, 200);
    let fields = fields.as_array().unwrap();
    for f in fields {
        declared(f, &field, &["id", "name", "type"], "Field");
        assert!(f["id"].is_string() || f["id"].is_u64());
        // Only present when true / when there is an alias (spec).
        assert!(f.get("deprecated").is_none_or(|d| d == true), "{f}");
        assert!(f.get("alias").is_none_or(Value::is_string), "{f}");
    }
    let alias = |a: &str| fields.iter().find(|f| f["alias"] == a).cloned();
    assert!(alias("customShirtSize").is_some() && alias("firstName").is_some());
    assert_eq!(alias("customBadge").unwrap()["deprecated"], true);
    assert!(fields.iter().any(|f| f.get("alias").is_none()));
    sb.shutdown().await;
}

#[tokio::test]
async fn locations_match_the_spec_and_hide_archived_ones() {
    let spec = spec();
    let op = operation(&spec, "/api/v1/hris/org/locations", "get");
    assert!(op.iter().any(|l| l.contains("LocationResponseObject")));
    let location = schema(&spec, "LocationResponseObject");
    let address = props(&block(&spec, "        address:")[..]);
    let meta = schema(&spec, "PaginationMetaData");
    let paged = schema(&spec, "PagedResponse");
    let sb = start().await;
    let (status, page) = get(&sb, "/api/v1/hris/org/locations?expand=state,country").await;
    assert_eq!(status, 200);
    declared(
        &page,
        &paged,
        &["data", "meta", "_links"],
        "PagedLocationResponse",
    );
    declared(
        &page["meta"],
        &meta,
        &["page", "pageSize", "totalPages", "totalItems"],
        "PaginationMetaData",
    );
    assert_eq!(
        page["meta"]["page"], 0,
        "pages are 0-based (spec default 0)"
    );
    assert_eq!(page["meta"]["pageSize"], 500, "spec default");
    let data = page["data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        sb.company().locations.len(),
        "active only by default"
    );
    for (l, seed) in data.iter().zip(&sb.company().locations) {
        declared(
            l,
            &location,
            &["id", "label", "archived", "address"],
            "Location",
        );
        declared(
            &l["address"],
            &address,
            &["address1", "city", "state", "country"],
            "address",
        );
        assert_eq!(l["id"], seed.bamboo_id.to_string());
        assert_eq!(l["archived"], false);
        assert_eq!(l["address"]["state"]["abbreviation"], seed.state);
        assert_eq!(l["address"]["country"]["isoCode"], "US");
    }
    // Without expand: no state or country objects.
    let (_, plain) = get(&sb, "/api/v1/hris/org/locations").await;
    assert!(plain["data"][0]["address"].get("state").is_none());
    let (_, archived) = get(
        &sb,
        "/api/v1/hris/org/locations?filter=archived%20eq%20true",
    )
    .await;
    assert_eq!(archived["data"][0]["label"], "Old Town Kiosk");
    assert_eq!(archived["data"][0]["archived"], true);
    // Paging: 0-based pages of pageSize, with a next link while more remain.
    let (_, first) = get(&sb, "/api/v1/hris/org/locations?page=0&pageSize=1").await;
    assert_eq!(first["meta"]["totalPages"], sb.company().locations.len());
    assert!(
        first["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .contains("page=1")
    );
    let (_, second) = get(&sb, "/api/v1/hris/org/locations?page=1&pageSize=1").await;
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let (status, _) = get(&sb, "/api/v1/hris/org/locations?expand=city").await;
    assert_eq!(status, 422);
    sb.shutdown().await;
}

async fn post_data(sb: &Sandbox, dataset: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(format!(
            "{}/api/v2/datasets/{dataset}/data",
            sb.base_url(Provider::BambooHr)
        ))
        .basic_auth(sb.credentials().bamboohr.api_key, Some("x"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn datasets_match_the_spec() {
    let spec = spec();
    let list = operation(&spec, "/api/v1_2/datasets", "get");
    let dataset = flow_props(line_of(&list, "datasets"));
    let fields_op = operation(&spec, "/api/v1_2/datasets/{datasetName}/fields", "get");
    assert!(
        fields_op
            .iter()
            .any(|l| l.contains("DatasetFieldsResponse"))
    );
    let data_op = operation(&spec, "/api/v2/datasets/{datasetName}/data", "post");
    let response = props(
        &data_op[data_op
            .iter()
            .position(|l| l.contains("title: DatasetDataResponseV2"))
            .unwrap()..],
    );
    let meta = flow_props(line_of(&data_op, "meta"));
    let links = flow_props(line_of(&data_op, "links"));
    let sb = start().await;

    let (status, all) = get(&sb, "/api/v1_2/datasets").await;
    assert_eq!(status, 200);
    declared(&all["datasets"][0], &dataset, &["name", "label"], "dataset");
    assert_eq!(all["datasets"][0]["name"], "employee");

    let (status, fields) = get(&sb, "/api/v1_2/datasets/employee/fields?page_size=5").await;
    assert_eq!(status, 200);
    let envelope = schema(&spec, "DatasetFieldsResponse");
    declared(
        &fields,
        &envelope,
        &["pagination", "name", "label", "fields"],
        "fields",
    );
    declared(
        &fields["pagination"],
        &schema(&spec, "Pagination"),
        &[
            "total_records",
            "current_page",
            "total_pages",
            "next_page",
            "prev_page",
        ],
        "Pagination",
    );
    let field = schema(&spec, "Field");
    for f in fields["fields"].as_array().unwrap() {
        declared(
            f,
            &field,
            &["name", "label", "parentType", "parentName", "entityName"],
            "Field",
        );
    }
    assert_eq!(fields["fields"].as_array().unwrap().len(), 5);
    assert!(
        fields["pagination"]["next_page"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
    // Out-of-range pages are clamped (spec).
    let (_, last) = get(
        &sb,
        "/api/v1_2/datasets/employee/fields?page=999&page_size=5",
    )
    .await;
    assert_eq!(
        last["pagination"]["current_page"],
        last["pagination"]["total_pages"]
    );
    let (status, _) = get(&sb, "/api/v1_2/datasets/nope/fields").await;
    assert_eq!(status, 422, "DATASET_NOT_FOUND (spec)");

    let truth = sb.bamboohr_employees();
    let body = json!({"fields": ["employeeId", "firstName", "status"], "pageSize": 2, "page": 1});
    let (status, page) = post_data(&sb, "employee", body).await;
    assert_eq!(status, 200, "{page}");
    declared(
        &page,
        &response,
        &["data", "links", "meta"],
        "DatasetDataResponseV2",
    );
    declared(
        &page["meta"],
        &meta,
        &["page", "pageSize", "totalPages", "totalItems"],
        "meta",
    );
    declared(&page["links"], &links, &["next", "prev"], "links");
    assert_eq!(page["meta"]["totalItems"], truth.len());
    assert_eq!(page["data"][0]["fields"]["employeeId"], truth[0]["id"]);
    assert_eq!(
        page["data"][1]["fields"]["firstName"],
        truth[1]["firstName"]
    );
    assert_eq!(
        keys(&page["data"][0]),
        BTreeSet::from(["fields".to_owned()])
    );

    // The spec's filter example shape, and a sort on a requested field.
    let inactive = truth.iter().filter(|t| t["status"] == "Inactive").count();
    let (_, only) = post_data(
        &sb,
        "employee",
        json!({"fields": ["employeeId"], "filter": "status eq 'Inactive'", "pageSize": 1000}),
    )
    .await;
    assert_eq!(only["data"].as_array().unwrap().len(), inactive);
    let (_, both) = post_data(
        &sb,
        "employee",
        json!({"fields": ["lastName"], "filter": "status in ('Active','Inactive')", "orderBy": "lastName desc", "pageSize": 1000}),
    )
    .await;
    let names: Vec<&str> = both["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fields"]["lastName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), truth.len());
    assert!(names.windows(2).all(|w| w[0] >= w[1]));
    for (body, status) in [
        (json!({}), 400),
        (json!({"fields": ["noSuchField"]}), 400),
        (
            json!({"fields": ["firstName"], "filter": "status like 'A'"}),
            422,
        ),
        (
            json!({"fields": ["firstName"], "orderBy": "lastName asc"}),
            422,
        ),
        (json!({"fields": ["firstName"], "pageSize": 1001}), 422),
    ] {
        assert_eq!(
            post_data(&sb, "employee", body.clone()).await.0,
            status,
            "{body}"
        );
    }
    assert_eq!(
        post_data(&sb, "nope", json!({"fields": ["firstName"]}))
            .await
            .0,
        404
    );
    sb.shutdown().await;
}

async fn throttled_status(today: NaiveDate) -> (u16, bool) {
    let mut cfg = config();
    cfg.today = Some(today);
    let sb = Sandbox::start(cfg).await.unwrap();
    sb.set_faults(
        Provider::BambooHr,
        FaultPlan {
            rate_limit_burst: 1,
            retry_after_secs: 7,
            ..FaultPlan::default()
        },
    );
    let resp = bamboo(&sb, &client(), "/api/v1/company_information")
        .send()
        .await
        .unwrap();
    let out = (
        resp.status().as_u16(),
        resp.headers().get("retry-after").is_some_and(|v| v == "7"),
    );
    sb.shutdown().await;
    out
}

/// The day BambooHR's throttle answer changed from 503 to 429, read from the provider facts
/// (`providers/payroll-hris-benefits.md`, from BambooHR's "planned changes to the API").
fn throttle_change_day() -> NaiveDate {
    let path = format!("{}/../providers/payroll-hris-benefits.md", specs_dir());
    let facts = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the provider facts must be readable at {path}: {e}"));
    let line = facts
        .lines()
        .find(|l| l.starts_with("**Rate limits:**") && l.contains("503 with `Retry-After`"))
        .expect("the facts state BambooHR's throttle answer");
    let (_, rest) = line.split_once("until **").expect("a change date");
    assert!(rest[10..].starts_with(", then 429"), "{line}");
    NaiveDate::parse_from_str(&rest[..10], "%Y-%m-%d").unwrap()
}

/// BambooHR throttled with 503 + Retry-After until the change day, then with 429.
#[tokio::test]
async fn throttling_answers_as_bamboohr_did_on_the_day() {
    let after = throttle_change_day();
    let before = after.pred_opt().unwrap();
    assert_eq!(throttled_status(before).await, (503, true));
    assert_eq!(throttled_status(after).await, (429, true));
}

#[tokio::test]
async fn webhooks_send_the_current_payload_shape() {
    let spec = spec();
    let payload = schema(&spec, "EmployeeUpdatedWebhookPayload");
    let data = props(
        &block(&spec, "    EmployeeUpdatedWebhookPayload:")
            .into_iter()
            .skip_while(|l| l.trim() != "data:")
            .collect::<Vec<_>>(),
    );
    let sb = start().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |b: axum::body::Bytes| async move {
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&b).unwrap());
                "ok"
            }),
        )
    };
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    let id = sb.company().people[2].bamboo_id.to_string();
    for event_type in ["employee.updated", "employee_with_fields.updated"] {
        let event = WebhookEvent {
            event_type: event_type.into(),
            entity_id: id.clone(),
            changed_fields: vec!["jobTitle".into()],
        };
        assert_eq!(
            sb.send_webhook(Provider::BambooHr, &url, event)
                .await
                .unwrap()
                .status,
            200
        );
    }
    let seen = seen.lock().unwrap().clone();
    declared(
        &seen[0],
        &payload,
        &["type", "timestamp", "data"],
        "EmployeeUpdatedWebhookPayload",
    );
    declared(
        &seen[0]["data"],
        &data,
        &["companyId", "employeeId", "changedFields"],
        "data",
    );
    assert_eq!(seen[0]["type"], "employee.updated");
    assert_eq!(seen[0]["data"]["employeeId"], id.as_str());
    assert_eq!(seen[0]["data"]["changedFields"], json!(["jobTitle"]));
    // The legacy event keeps its own shape, with the changed fields' values.
    assert_eq!(seen[1]["employees"][0]["id"], id.as_str());
    assert!(seen[1]["employees"][0]["fields"]["jobTitle"].is_string());
    sb.shutdown().await;
}
