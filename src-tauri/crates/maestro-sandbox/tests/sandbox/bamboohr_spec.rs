//! BambooHR's account metadata, locations, Datasets API, benefits, throttling and webhook payloads, held
//! to the published spec, read from `specs/bamboohr.json` (a trimmed copy of
//! `bamboohr-public.openapi.yaml`, see `specs/bamboohr.md`): every route exists there with its
//! method, every answer validates against the schema the spec declares for it (JSON Schema),
//! and carries no property the spec does not name. Defaults and limits are the spec's.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use maestro_kit::openapi::{Operation, Spec};
use maestro_sandbox::{FaultPlan, Provider, Sandbox, WebhookEvent};
use serde_json::{Value, json};

use crate::{bamboo, client, config, start};

fn spec() -> &'static Spec {
    static SPEC: std::sync::OnceLock<Spec> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(include_str!("specs/bamboohr.json")).unwrap())
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

/// The schema at `pointer` inside `root`, references followed.
fn at<'a>(root: &'a Value, pointer: &str) -> &'a Value {
    let node = root
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {root}"));
    spec().resolve(node)
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

/// The property names a schema declares (`allOf` parts merged).
fn props(schema: &Value) -> BTreeSet<String> {
    let schema = spec().resolve(schema);
    let mut out: BTreeSet<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(props(part));
    }
    out
}

/// A declared default of the operation's parameter `name`.
fn default_of(o: &Operation<'_>, name: &str) -> String {
    o.parameter_default(name)
        .unwrap_or_else(|| panic!("no default for {name}"))
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
    let o = op("get", "/api/v1/meta/lists");
    let answer = o.response_schema().unwrap();
    let detail = at(answer, "/items");
    let option = at(detail, "/properties/options/items");
    let archived_doc = option["properties"]["archived"]["description"]
        .as_str()
        .unwrap();
    assert!(archived_doc.contains("yes, no"), "{archived_doc}");
    let sb = start().await;
    let (status, lists) = get(&sb, "/api/v1/meta/lists").await;
    assert_eq!(status, 200);
    assert_valid(answer, &lists, "GET /api/v1/meta/lists");
    let mut archived = Vec::new();
    for l in lists.as_array().unwrap() {
        declared(
            l,
            &props(detail),
            &["fieldId", "alias", "name", "options"],
            "ListFieldDetail",
        );
        for o in l["options"].as_array().unwrap() {
            declared(
                o,
                &props(option),
                &["id", "name", "archived"],
                "ListFieldOption",
            );
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
    let o = op("get", "/api/v1/meta/fields");
    let answer = o.response_schema().unwrap();
    let field = at(answer, "/items");
    let sb = start().await;
    let (status, fields) = get(&sb, "/api/v1/meta/fields").await;
    assert_eq!(status, 200);
    assert_valid(answer, &fields, "GET /api/v1/meta/fields");
    let fields = fields.as_array().unwrap();
    for f in fields {
        declared(f, &props(field), &["id", "name", "type"], "Field");
        // Only present for deprecated fields / when the field has an alias (spec).
        assert!(f.get("deprecated").is_none_or(|d| d == true), "{f}");
    }
    let alias = |a: &str| fields.iter().find(|f| f["alias"] == a).cloned();
    assert!(alias("customShirtSize").is_some() && alias("firstName").is_some());
    assert_eq!(alias("customBadge").unwrap()["deprecated"], true);
    assert!(fields.iter().any(|f| f.get("alias").is_none()));
    sb.shutdown().await;
}

#[tokio::test]
async fn locations_match_the_spec_and_hide_archived_ones() {
    let o = op("get", "/api/v1/hris/org/locations");
    let answer = o.response_schema().unwrap();
    let location = schema("LocationResponseObject");
    let address = at(location, "/properties/address");
    assert!(
        o.description()
            .contains("Returns active locations by default")
    );
    let sb = start().await;
    let (status, page) = get(&sb, "/api/v1/hris/org/locations?expand=state,country").await;
    assert_eq!(status, 200);
    assert_valid(answer, &page, "GET /api/v1/hris/org/locations");
    declared(
        &page,
        &props(answer),
        &["data", "meta", "_links"],
        "PagedLocationResponse",
    );
    declared(
        &page["meta"],
        &props(schema("PaginationMetaData")),
        &["page", "pageSize", "totalPages", "totalItems"],
        "PaginationMetaData",
    );
    assert_eq!(page["meta"]["page"].to_string(), default_of(&o, "page"));
    assert_eq!(
        page["meta"]["pageSize"].to_string(),
        default_of(&o, "pageSize")
    );
    let data = page["data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        sb.company().locations.len(),
        "active only by default"
    );
    for (l, seed) in data.iter().zip(&sb.company().locations) {
        declared(
            l,
            &props(location),
            &["id", "label", "archived", "address"],
            "Location",
        );
        declared(
            &l["address"],
            &props(address),
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
    assert_valid(answer, &plain, "GET /api/v1/hris/org/locations");
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
    assert_valid(answer, &first, "GET /api/v1/hris/org/locations");
    assert_eq!(first["meta"]["totalPages"], sb.company().locations.len());
    assert!(
        first["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .contains("page=1")
    );
    let (_, second) = get(&sb, "/api/v1/hris/org/locations?page=1&pageSize=1").await;
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let (status, problem) = get(&sb, "/api/v1/hris/org/locations?expand=city").await;
    assert_eq!(status, 422);
    assert_valid(schema("ProblemDetailsResponse"), &problem, "422");
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
    let list = op("get", "/api/v1_2/datasets");
    let fields_op = op("get", "/api/v1_2/datasets/{datasetName}/fields");
    let data_op = op("post", "/api/v2/datasets/{datasetName}/data");
    let sb = start().await;

    let (status, all) = get(&sb, "/api/v1_2/datasets").await;
    assert_eq!(status, 200);
    let answer = list.response_schema().unwrap();
    assert_valid(answer, &all, "GET /api/v1_2/datasets");
    declared(
        &all["datasets"][0],
        &props(at(answer, "/properties/datasets/items")),
        &["name", "label"],
        "dataset",
    );
    assert_eq!(all["datasets"][0]["name"], "employee");

    let answer = fields_op.response_schema().unwrap();
    let (status, fields) = get(&sb, "/api/v1_2/datasets/employee/fields").await;
    assert_eq!(status, 200);
    assert_valid(answer, &fields, "GET …/fields");
    declared(
        &fields,
        &props(answer),
        &["pagination", "name", "label", "fields"],
        "fields",
    );
    declared(
        &fields["pagination"],
        &props(schema("Pagination")),
        &[
            "total_records",
            "current_page",
            "total_pages",
            "next_page",
            "prev_page",
        ],
        "Pagination",
    );
    for f in fields["fields"].as_array().unwrap() {
        declared(
            f,
            &props(schema("Field")),
            &["name", "label", "parentType", "parentName", "entityName"],
            "Field",
        );
    }
    assert_eq!(
        fields["pagination"]["current_page"].to_string(),
        default_of(&fields_op, "page")
    );
    let (_, paged) = get(&sb, "/api/v1_2/datasets/employee/fields?page_size=5").await;
    assert_valid(answer, &paged, "GET …/fields");
    assert_eq!(paged["fields"].as_array().unwrap().len(), 5);
    assert!(
        paged["pagination"]["next_page"]
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
    let (status, problem) = get(&sb, "/api/v1_2/datasets/nope/fields").await;
    assert_eq!(status, 422, "DATASET_NOT_FOUND (spec)");
    assert_valid(schema("ProblemDetailsResponse"), &problem, "422");
    assert_eq!(problem["code"], "DATASET_NOT_FOUND");

    // Data. Empty fields come as null, as Get Employee answers them, where the spec types the
    // values as text: that one constraint is relaxed here (see specs/bamboohr.md).
    let mut answer = data_op.response_schema().unwrap().clone();
    *answer
        .pointer_mut("/properties/data/items/properties/fields/additionalProperties")
        .unwrap() = json!({"type": ["string", "null"]});
    let body_schema = data_op.body_schema().unwrap();
    let page_size = &body_schema["properties"]["pageSize"];
    let truth = sb.bamboohr_employees();
    let body = json!({"fields": ["employeeId", "firstName", "middleName", "status"], "pageSize": 2, "page": 1});
    assert_valid(body_schema, &body, "data request");
    let (status, page) = post_data(&sb, "employee", body).await;
    assert_eq!(status, 200, "{page}");
    assert_valid(&answer, &page, "POST …/data");
    declared(
        &page,
        &props(&answer),
        &["data", "links", "meta"],
        "DatasetDataResponseV2",
    );
    declared(
        &page["meta"],
        &props(&answer["properties"]["meta"]),
        &["page", "pageSize", "totalPages", "totalItems"],
        "meta",
    );
    declared(
        &page["links"],
        &props(&answer["properties"]["links"]),
        &["next", "prev"],
        "links",
    );
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
    let (_, default) = post_data(&sb, "employee", json!({"fields": ["employeeId"]})).await;
    assert_eq!(default["meta"]["pageSize"], page_size["default"]);

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
        json!({"fields": ["lastName"], "filter": "status in ('Active','Inactive')", "orderBy": "lastName desc", "pageSize": page_size["maximum"]}),
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
    let too_big = page_size["maximum"].as_u64().unwrap() + 1;
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
        (json!({"fields": ["firstName"], "pageSize": too_big}), 422),
    ] {
        let (got, problem) = post_data(&sb, "employee", body.clone()).await;
        assert_eq!(got, status, "{body}");
        assert_valid(schema("ProblemDetailsResponse"), &problem, "error");
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

/// The day BambooHR's throttle answer changed from 503 to 429, as `specs/bamboohr.md` quotes
/// the provider facts (BambooHR's "planned changes to the API").
fn throttle_change_day() -> NaiveDate {
    let line = include_str!("specs/bamboohr.md")
        .lines()
        .find(|l| l.contains("503 with `Retry-After`"))
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
    let payload = schema("EmployeeUpdatedWebhookPayload");
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
    for event_type in [
        "employee.updated",
        "employee.created",
        "employee_with_fields.updated",
    ] {
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
    assert_valid(payload, &seen[0], "employee.updated");
    declared(
        &seen[0],
        &props(payload),
        &["type", "timestamp", "data"],
        "EmployeeUpdatedWebhookPayload",
    );
    declared(
        &seen[0]["data"],
        &props(&payload["properties"]["data"]),
        &["companyId", "employeeId", "changedFields"],
        "data",
    );
    assert_eq!(seen[0]["type"], "employee.updated");
    assert_eq!(seen[0]["data"]["employeeId"], id.as_str());
    assert_eq!(seen[0]["data"]["changedFields"], json!(["jobTitle"]));
    let created = schema("EmployeeCreatedWebhookPayload");
    assert_valid(created, &seen[1], "employee.created");
    declared(
        &seen[1]["data"],
        &props(&created["properties"]["data"]),
        &["companyId", "employeeId"],
        "data",
    );
    // The legacy event keeps its own shape, with the changed fields' values.
    assert_eq!(seen[2]["employees"][0]["id"], id.as_str());
    assert!(seen[2]["employees"][0]["fields"]["jobTitle"].is_string());
    sb.shutdown().await;
}

/// `GET /api/v1/benefit/employee_benefit` with its filters in a JSON body, as the spec asks.
async fn enrollments(sb: &Sandbox, body: Option<Value>) -> (u16, Value) {
    let mut req = bamboo(sb, &client(), "/api/v1/benefit/employee_benefit");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn benefit_plans_and_deduction_types_match_the_spec() {
    let sb = start().await;
    let plans_op = op("get", "/api/v1/benefit/company_benefit");
    let (status, plans) = get(&sb, "/api/v1/benefit/company_benefit").await;
    assert_eq!(status, 200);
    assert_valid(
        plans_op.response_schema().unwrap(),
        &plans,
        "company_benefit",
    );
    let summary = props(schema("CompanyBenefitSummary"));
    let list = plans["companyBenefits"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for p in list {
        declared(
            p,
            &summary,
            &["id", "name", "type", "deductionTypeId"],
            "plan",
        );
    }

    let types_op = op("get", "/api/v1/benefits/settings/deduction_types/all");
    let (status, types) = get(&sb, "/api/v1/benefits/settings/deduction_types/all").await;
    assert_eq!(status, 200);
    let answer = types_op.response_schema().unwrap();
    assert_valid(answer, &types, "deduction_types/all");
    let item = props(at(answer, "/items"));
    let sub = props(at(answer, "/items/properties/subTypes/items"));
    for t in types.as_array().unwrap() {
        declared(
            t,
            &item,
            &["id", "deductionTypeName", "subTypes"],
            "deduction type",
        );
        for s in t["subTypes"].as_array().unwrap() {
            declared(s, &sub, &["id", "deductionTypeName"], "sub-type");
            assert!(s["id"].is_i64(), "sub-type ids are integers: {s}");
        }
    }
    // Every plan's deduction type is listed (as a leaf or a sub-type).
    let mut ids = Vec::new();
    for t in types.as_array().unwrap() {
        ids.push(t["id"].to_string().trim_matches('"').to_owned());
        for s in t["subTypes"].as_array().unwrap() {
            ids.push(s["id"].to_string());
        }
    }
    for p in list {
        assert!(
            ids.contains(&p["deductionTypeId"].as_str().unwrap().to_owned()),
            "{p}"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn employee_benefits_take_their_filters_in_a_get_body_as_the_spec_says() {
    let o = op("get", "/api/v1/benefit/employee_benefit");
    // The operation's own text: filters in a JSON body on a GET, at least one required, and
    // the deprecation notice that this may move to query parameters.
    let text = o.description();
    assert!(
        text.contains("JSON request body with a filters object is required"),
        "{text}"
    );
    assert!(text.contains("Deprecation notice"), "{text}");
    let body_schema = o.body_schema().unwrap();
    assert_eq!(body_schema["required"], json!(["filters"]));
    let filters = at(body_schema, "/properties/filters");
    assert_eq!(filters["anyOf"].as_array().unwrap().len(), 3);
    for (name, kind) in [
        ("employeeId", "integer"),
        ("companyBenefitId", "integer"),
        ("enrollmentStatusEffectiveDate", "string"),
    ] {
        assert_eq!(filters["properties"][name]["type"], kind, "{name}");
    }
    assert!(
        spec()
            .operation("get", "/api/v1/benefit/employee_benefit", "")
            .is_some()
    );

    let sb = start().await;
    // No body, bad JSON, no filters, an empty filters object, a filter of the wrong type: 400.
    assert_eq!(enrollments(&sb, None).await.0, 400);
    let bad_json = bamboo(&sb, &client(), "/api/v1/benefit/employee_benefit")
        .header("content-type", "application/json")
        .body("{filters")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status().as_u16(), 400);
    for body in [
        json!({}),
        json!({"filters": {}}),
        json!({"filters": {"companyBenefitId": "11"}}),
        json!({"filters": {"enrollmentStatusEffectiveDate": "March 1"}}),
    ] {
        assert_eq!(enrollments(&sb, Some(body.clone())).await.0, 400, "{body}");
    }

    let answer = o.response_schema().unwrap();
    let group = props(at(answer, "/properties/employeeBenefits/items"));
    let record = props(at(
        answer,
        "/properties/employeeBenefits/items/properties/employeeBenefit/items",
    ));
    let (status, medical) =
        enrollments(&sb, Some(json!({"filters": {"companyBenefitId": 11}}))).await;
    assert_eq!(status, 200);
    assert_valid(answer, &medical, "employee_benefit");
    let groups = medical["employeeBenefits"].as_array().unwrap();
    assert!(!groups.is_empty());
    let people: Vec<u64> = sb
        .company()
        .people
        .iter()
        .map(|p| u64::from(p.bamboo_id))
        .collect();
    for g in groups {
        declared(
            g,
            &group,
            &["employeeId", "payFrequency", "employeeBenefit"],
            "group",
        );
        assert!(people.contains(&g["employeeId"].as_u64().unwrap()), "{g}");
        for r in g["employeeBenefit"].as_array().unwrap() {
            // Every record property the spec declares, no other.
            assert_eq!(keys(r), record, "{r}");
            assert_eq!(r["companyBenefitId"], "11");
        }
    }
    // A share of pay is typed '%', money '$' with its currency.
    let first = sb.company().people[0].bamboo_id;
    let (_, mine) = enrollments(&sb, Some(json!({"filters": {"employeeId": first}}))).await;
    let records = mine["employeeBenefits"][0]["employeeBenefit"]
        .as_array()
        .unwrap();
    let retirement = records
        .iter()
        .find(|r| r["companyBenefitId"] == "13")
        .unwrap();
    assert_eq!(retirement["employeeAmountType"], "%");
    assert_eq!(retirement["employeeAmount"], 4.0);
    let medical_rec = records
        .iter()
        .find(|r| r["companyBenefitId"] == "11")
        .unwrap();
    assert_eq!(medical_rec["employeeAmountType"], "$");
    assert_eq!(medical_rec["currencyCode"], "USD");
    // Filters combine: this employee's medical only.
    let (_, both) = enrollments(
        &sb,
        Some(json!({"filters": {"employeeId": first, "companyBenefitId": 11}})),
    )
    .await;
    assert_eq!(
        both["employeeBenefits"][0]["employeeBenefit"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn employee_benefits_answer_current_and_future_records_only() {
    let sb = start().await;
    let today = sb.company().today;
    let p = sb.company().people[0].bamboo_id;
    let records = |v: &Value| -> Vec<(String, String)> {
        v["employeeBenefits"][0]["employeeBenefit"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["companyBenefitId"] == "11")
            .map(|r| {
                (
                    r["enrollmentStatus"].as_str().unwrap().to_owned(),
                    r["enrollmentStatusEffectiveDate"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let filter = json!({"filters": {"employeeId": p}});
    // A scheduled withdrawal shows beside the current enrollment…
    let later = today + chrono::Duration::days(10);
    sb.set_bamboohr_enrollment(p, "11", "Withdrew", later)
        .unwrap();
    let (_, v) = enrollments(&sb, Some(filter.clone())).await;
    let got = records(&v);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1], ("Withdrew".into(), later.to_string()));
    // …and once in effect it replaces it: past records are not answered.
    let earlier = today - chrono::Duration::days(1);
    sb.set_bamboohr_enrollment(p, "11", "Terminated", earlier)
        .unwrap();
    let (_, v) = enrollments(&sb, Some(filter)).await;
    let got = records(&v);
    assert_eq!(
        got[0],
        ("Terminated".into(), earlier.to_string()),
        "{got:?}"
    );
    assert_eq!(got.len(), 2);
    // By status date.
    let (_, v) = enrollments(
        &sb,
        Some(json!({"filters": {"enrollmentStatusEffectiveDate": later.to_string()}})),
    )
    .await;
    assert_eq!(v["employeeBenefits"].as_array().unwrap().len(), 1);
    assert!(
        sb.set_bamboohr_enrollment(p, "99", "Enrolled", today)
            .is_err()
    );
    sb.shutdown().await;
}

/// The demo's benefit story: every enrolled person is one of the company's people, and the
/// three discrepancies are in the data as `maestro_sandbox::benefits` names them.
#[tokio::test]
async fn the_benefit_story_is_the_seeded_company() {
    let sb = start().await;
    let s = maestro_sandbox::benefits::situations(sb.company());
    let status_of = |v: &Value, plan: &str| {
        v["employeeBenefits"][0]["employeeBenefit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["companyBenefitId"] == plan)
            .map(|r| r["enrollmentStatus"].as_str().unwrap().to_owned())
    };
    let person = |i: Option<usize>| sb.company().people[i.unwrap()].clone();
    for (who, want) in [
        (person(s.enrolled_without_deduction), "Enrolled"),
        (person(s.deduction_without_enrollment), "Waived"),
        (person(s.enrolled_after_termination), "Enrolled"),
    ] {
        let (_, v) =
            enrollments(&sb, Some(json!({"filters": {"employeeId": who.bamboo_id}}))).await;
        assert_eq!(
            status_of(&v, "11").as_deref(),
            Some(want),
            "{}",
            who.full_name()
        );
    }
    assert!(person(s.enrolled_after_termination).terminated_on.is_some());
    assert!(person(s.enrolled_without_deduction).pay.is_hourly());
    sb.shutdown().await;
}
