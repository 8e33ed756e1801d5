//! Gusto HTTP handlers. Paths, parameters and shapes follow
//! `gusto-embedded.api.v2025-06-15.openapi.yaml`.

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::{API_VERSION, GustoState};
use crate::config::Provider;
use crate::oauth::TokenCheck;
use crate::server::{error_response, header_str, json_with, lock, parse_params};

pub(super) type S = State<Arc<GustoState>>;
pub(super) type Q = Query<HashMap<String, String>>;

pub(super) fn err(status: StatusCode, key: &str, category: &str, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"errors": [{"error_key": key, "category": category, "message": message}]}),
        ),
    )
        .into_response()
}

pub(super) fn not_found() -> Response {
    err(
        StatusCode::NOT_FOUND,
        "base",
        "not_found",
        "The requested resource does not exist. Make sure the provided UUID is valid.",
    )
}

fn unauthorized(msg: &str) -> Response {
    error_response(
        Provider::Gusto,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        msg,
    )
}

/// Bearer auth + API version echo for `/v1/*`.
async fn auth(State(s): S, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/v1/") {
        return next.run(req).await;
    }
    let token = header_str(req.headers(), "authorization")
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_string);
    let Some(token) = token else {
        return unauthorized("Missing Authorization bearer token");
    };
    match lock(&s.oauth).check(&token) {
        TokenCheck::Valid => {}
        TokenCheck::Expired => return unauthorized("The access token expired"),
        TokenCheck::Invalid => return unauthorized("The access token is invalid or revoked"),
    }
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert("x-gusto-api-version", HeaderValue::from_static(API_VERSION));
    resp
}

/// `page`/`per` pagination with `X-Page`, `X-Per-Page`, `X-Total-Count`, `X-Total-Pages`.
/// Without `page` the whole list is returned (spec `pageParam`).
pub(super) fn paginate<T: Borrow<Value>>(
    items: Vec<T>,
    q: &HashMap<String, String>,
    max_per: Option<usize>,
    default_paged: bool,
) -> Response {
    paginate_as(items, q, max_per, default_paged, Value::clone)
}

/// [`paginate`], each item served as `view` shows it (only the page served is viewed).
fn paginate_as<T: Borrow<Value>>(
    items: Vec<T>,
    q: &HashMap<String, String>,
    max_per: Option<usize>,
    default_paged: bool,
    view: impl Fn(&Value) -> Value,
) -> Response {
    let total = items.len();
    let page_param = q.get("page").and_then(|p| p.parse::<usize>().ok());
    let paged = page_param.is_some() || default_paged;
    let mut per = q
        .get("per")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|&p| p > 0)
        .unwrap_or(25);
    if let Some(m) = max_per {
        per = per.min(m);
    }
    // Only the page served is copied: a large list is filtered and sorted by reference.
    let (page, per, slice) = if paged {
        let page = page_param.unwrap_or(1).max(1);
        let slice: Vec<Value> = items
            .iter()
            .skip((page - 1) * per)
            .take(per)
            .map(|v| view(v.borrow()))
            .collect();
        (page, per, slice)
    } else {
        let all = items.iter().map(|v| view(v.borrow())).collect();
        (1, total.max(1), all)
    };
    let pages = total.div_ceil(per).max(1);
    json_with(
        StatusCode::OK,
        &[
            ("x-page", page.to_string()),
            ("x-per-page", per.to_string()),
            ("x-total-count", total.to_string()),
            ("x-total-pages", pages.to_string()),
        ],
        Value::Array(slice),
    )
}

pub(super) fn check_company(s: &GustoState, id: &str) -> Result<(), Response> {
    if id == s.company.gusto_uuid {
        Ok(())
    } else {
        Err(not_found())
    }
}

pub(super) fn ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

async fn company(State(s): S, Path(id): Path<String>) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    ok(lock(&s.data).company.clone())
}

async fn locations(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    paginate(lock(&s.data).locations.clone(), &q, None, false)
}

async fn location(State(s): S, Path(id): Path<String>) -> Response {
    find(&lock(&s.data).locations, &id)
        .map(ok)
        .unwrap_or_else(not_found)
}

fn find(items: &[Value], uuid: &str) -> Option<Value> {
    items
        .iter()
        .find(|v| v.get("uuid").and_then(Value::as_str) == Some(uuid))
        .cloned()
}

async fn departments(State(s): S, Path(id): Path<String>) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    ok(Value::Array(lock(&s.data).departments.clone()))
}

async fn department(State(s): S, Path(id): Path<String>) -> Response {
    find(&lock(&s.data).departments, &id)
        .map(ok)
        .unwrap_or_else(not_found)
}

fn truthy(v: &str) -> bool {
    v == "true" || v == "1"
}

async fn employees(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    let data = lock(&s.data);
    let mut list: Vec<&Value> = data.employees.iter().collect();
    if let Some(t) = q.get("terminated") {
        let want = truthy(t);
        list.retain(|e| e["terminated"].as_bool() == Some(want));
    }
    if let Some(t) = q.get("onboarded") {
        let want = truthy(t);
        list.retain(|e| e["onboarded"].as_bool() == Some(want));
    }
    if let Some(t) = q.get("onboarded_active")
        && truthy(t)
    {
        list.retain(|e| {
            e["onboarded"].as_bool() == Some(true) && e["terminated"].as_bool() == Some(false)
        });
    }
    if let Some(loc) = q.get("location_uuid") {
        list.retain(|e| {
            e["jobs"].as_array().is_some_and(|jobs| {
                jobs.iter()
                    .any(|j| j["location_uuid"].as_str() == Some(loc))
            })
        });
    }
    if let Some(uuids) = q.get("uuids") {
        let set: Vec<&str> = uuids.split(',').map(str::trim).collect();
        list.retain(|e| e["uuid"].as_str().is_some_and(|u| set.contains(&u)));
    }
    if let Some(term) = q.get("search_term").map(|t| t.to_lowercase()) {
        list.retain(|e| {
            ["first_name", "last_name", "email", "work_email"]
                .iter()
                .any(|k| {
                    e[*k]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(&term))
                })
        });
    }
    if q.get("sort_by").map(String::as_str) == Some("name") {
        list.sort_by(|a, b| {
            (a["last_name"].as_str(), a["first_name"].as_str())
                .cmp(&(b["last_name"].as_str(), b["first_name"].as_str()))
        });
    }
    let with_fields = includes(&q, "custom_fields");
    paginate_as(list, &q, None, false, |e| employee_view(e, with_fields))
}

/// The values of a comma-separated list parameter (`explode: false` arrays).
pub(super) fn listed<'a>(q: &'a HashMap<String, String>, name: &str) -> Vec<&'a str> {
    q.get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `include` asks for `what`.
pub(super) fn includes(q: &HashMap<String, String>, what: &str) -> bool {
    listed(q, "include").contains(&what)
}

/// An employee as served: `custom_fields` "are only included for the employee if the include
/// param has the custom_fields value set" (spec, `Employee.custom_fields`).
fn employee_view(e: &Value, with_custom_fields: bool) -> Value {
    let mut e = e.clone();
    if !with_custom_fields && let Some(m) = e.as_object_mut() {
        m.remove("custom_fields");
    }
    e
}

async fn employee(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let with_fields = includes(&q, "custom_fields");
    lock(&s.data)
        .employee(&id)
        .map(|e| ok(employee_view(e, with_fields)))
        .unwrap_or_else(not_found)
}

pub(super) fn json_body(body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "base",
            "invalid_attribute_value",
            "Request body must be a JSON object",
        )),
    }
}

async fn create_employee(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    for key in ["first_name", "last_name"] {
        if b.get(key)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            let label = if key == "first_name" {
                "First name"
            } else {
                "Last name"
            };
            return err(
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
                "invalid_attribute_value",
                &format!("{label} can't be blank"),
            );
        }
    }
    let uuid = crate::seed::new_uuid();
    let mut d = lock(&s.data);
    let version = d.next_version(&uuid);
    let get = |k: &str| b.get(k).cloned().unwrap_or(Value::Null);
    let e = json!({
        "uuid": uuid,
        "first_name": get("first_name"),
        "middle_initial": get("middle_initial"),
        "last_name": get("last_name"),
        "email": get("email"),
        "company_uuid": s.company.gusto_uuid,
        "manager_uuid": null,
        "version": version,
        "current_employment_status": null,
        "onboarding_status": if b.get("self_onboarding").and_then(Value::as_bool) == Some(true) { "self_onboarding_pending_invite" } else { "admin_onboarding_incomplete" },
        "preferred_first_name": get("preferred_first_name"),
        "department_uuid": null,
        "employee_code": &uuid[..6],
        "payment_method": "Check",
        "department": null,
        "terminated": false,
        "two_percent_shareholder": false,
        "onboarded": false,
        "historical": false,
        "has_ssn": b.get("ssn").and_then(Value::as_str).is_some_and(|v| !v.is_empty()),
        "onboarding_documents_config": {"uuid": null, "i9_document": false},
        "jobs": [],
        "eligible_paid_time_off": [],
        "terminations": [],
        "garnishments": [],
        "custom_fields": [],
        "date_of_birth": get("date_of_birth"),
        "ssn": "",
        "phone": null,
        "work_email": get("work_email"),
    });
    let view = employee_view(&e, false);
    d.employees.push(e);
    (StatusCode::CREATED, axum::Json(view)).into_response()
}

async fn update_employee(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut d = lock(&s.data);
    let Some(current) = d.employee(&id).map(|e| e["version"].clone()) else {
        return not_found();
    };
    let Some(version) = b.get("version").and_then(Value::as_str) else {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "version",
            "invalid_attribute_value",
            "Version can't be blank",
        );
    };
    if current.as_str() != Some(version) {
        return err(
            StatusCode::CONFLICT,
            "version",
            "invalid_attribute_value",
            "The version is not up to date. Fetch the latest version of the resource and try again.",
        );
    }
    let new_version = d.next_version(&id);
    let Some(e) = d.employee_mut(&id) else {
        return not_found();
    };
    for key in [
        "first_name",
        "middle_initial",
        "last_name",
        "email",
        "date_of_birth",
        "preferred_first_name",
        "two_percent_shareholder",
        "work_email",
    ] {
        if let Some(v) = b.get(key) {
            e.insert(key.into(), v.clone());
        }
    }
    if b.get("ssn")
        .and_then(Value::as_str)
        .is_some_and(|v| !v.is_empty())
    {
        e.insert("has_ssn".into(), Value::Bool(true));
    }
    e.insert("version".into(), Value::String(new_version));
    ok(employee_view(&Value::Object(e.clone()), false))
}

async fn terminations(State(s): S, Path(id): Path<String>) -> Response {
    lock(&s.data)
        .employee(&id)
        .map(|e| ok(e["terminations"].clone()))
        .unwrap_or_else(not_found)
}

async fn create_termination(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(date) = b
        .get("effective_date")
        .and_then(Value::as_str)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "effective_date",
            "invalid_attribute_value",
            "Effective date must be a date (YYYY-MM-DD)",
        );
    };
    let mut d = lock(&s.data);
    let today = chrono::Utc::now().date_naive().max(d.today);
    let term_uuid = crate::seed::new_uuid();
    let term_version = d.next_version(&term_uuid);
    let new_version = d.next_version(&id);
    let Some(e) = d.employee_mut(&id) else {
        return not_found();
    };
    // A termination in effect, or one scheduled, stands in the way of another.
    let standing = |t: &Value| {
        t["active"].as_bool() == Some(true)
            || t["effective_date"]
                .as_str()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| d > today)
    };
    if e.get("terminations")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(standing))
    {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "base",
            "invalid_operation",
            "Employee already has an active termination",
        );
    }
    // Spec `Termination`: `active` is "whether the employee's termination has gone into
    // effect"; `cancelable` "is true if `run_termination_payroll` is false and
    // `effective_date` is in the future".
    let run_payroll = b
        .get("run_termination_payroll")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let t = json!({
        "uuid": term_uuid,
        "version": term_version,
        "employee_uuid": id,
        "active": date <= today,
        "cancelable": !run_payroll && date > today,
        "effective_date": date.to_string(),
        "run_termination_payroll": run_payroll,
    });
    if let Some(arr) = e.get_mut("terminations").and_then(Value::as_array_mut) {
        arr.push(t.clone());
    }
    e.insert("terminated".into(), Value::Bool(date <= today));
    e.insert("version".into(), Value::String(new_version));
    (StatusCode::CREATED, axum::Json(t)).into_response()
}

async fn employee_jobs(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let d = lock(&s.data);
    match d.employee(&id) {
        Some(e) => {
            let jobs = e["jobs"].as_array().cloned().unwrap_or_default();
            paginate(jobs, &q, None, false)
        }
        None => not_found(),
    }
}

async fn job(State(s): S, Path(id): Path<String>) -> Response {
    let d = lock(&s.data);
    d.jobs()
        .find(|j| j["uuid"].as_str() == Some(&id))
        .cloned()
        .map(ok)
        .unwrap_or_else(not_found)
}

async fn job_compensations(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let d = lock(&s.data);
    match d.jobs().find(|j| j["uuid"].as_str() == Some(&id)) {
        Some(j) => paginate(
            j["compensations"].as_array().cloned().unwrap_or_default(),
            &q,
            None,
            false,
        ),
        None => not_found(),
    }
}

async fn compensation(State(s): S, Path(id): Path<String>) -> Response {
    let d = lock(&s.data);
    d.jobs()
        .filter_map(|j| j["compensations"].as_array())
        .flatten()
        .find(|c| c["uuid"].as_str() == Some(&id))
        .cloned()
        .map(ok)
        .unwrap_or_else(not_found)
}

async fn pay_schedules(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    paginate(lock(&s.data).pay_schedules.clone(), &q, None, false)
}

async fn payroll(
    State(s): S,
    Path((id, payroll_id)): Path<(String, String)>,
    Query(q): Q,
) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    let Some(mut p) = find(&lock(&s.data).payrolls, &payroll_id) else {
        return not_found();
    };
    // Since v2025-06-15 a single payroll's employee_compensations are paginated (default 25, max 100).
    let comps = p["employee_compensations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = comps.len();
    let per = q
        .get("per")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&v| v > 0)
        .unwrap_or(25)
        .min(100);
    let page = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    p["employee_compensations"] =
        Value::Array(comps.into_iter().skip((page - 1) * per).take(per).collect());
    json_with(
        StatusCode::OK,
        &[
            ("x-page", page.to_string()),
            ("x-per-page", per.to_string()),
            ("x-total-count", total.to_string()),
            ("x-total-pages", total.div_ceil(per).max(1).to_string()),
        ],
        p,
    )
}

async fn pay_stubs(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let d = lock(&s.data);
    if d.employee(&id).is_none() {
        return not_found();
    }
    let stubs: Vec<Value> = d
        .payrolls
        .iter()
        .rev()
        .filter_map(|p| {
            let c = p["employee_compensations"]
                .as_array()?
                .iter()
                .find(|c| c["employee_uuid"].as_str() == Some(&id))?;
            let money = |v: &Value| format!("{:.2}", v.as_f64().unwrap_or(0.0));
            Some(json!({
                "uuid": crate::seed::version_of(&format!("stub:{}:{id}", p["uuid"])),
                "check_date": p["check_date"],
                "gross_pay": money(&c["gross_pay"]),
                "net_pay": money(&c["net_pay"]),
                "payroll_uuid": p["uuid"],
                "check_amount": money(&c["check_amount"]),
            }))
        })
        .collect();
    drop(d);
    paginate(stubs, &q, None, false)
}

async fn time_off_policies(State(s): S, Path(id): Path<String>) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    ok(Value::Array(lock(&s.data).time_off_policies.clone()))
}

async fn company_benefits(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    let mut list = lock(&s.data).company_benefits.clone();
    if let Some(a) = q.get("active") {
        let want = truthy(a);
        list.retain(|b| b["active"].as_bool() == Some(want));
    }
    ok(Value::Array(list))
}

async fn employee_benefits(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    let d = lock(&s.data);
    if d.employee(&id).is_none() {
        return not_found();
    }
    let list: Vec<Value> = d
        .employee_benefits
        .iter()
        .filter(|b| b["employee_uuid"].as_str() == Some(&id))
        .cloned()
        .collect();
    drop(d);
    paginate(list, &q, None, false)
}

async fn token_info(State(s): S) -> Response {
    let admin = &s.company.people[0];
    ok(json!({
        "scope": "companies:read employees:read employees:write employees:manage jobs:read compensations:read payrolls:read pay_stubs:read departments:read time_off_policies:read company_benefits:read employee_benefits:read",
        "resource": {"type": "Company", "uuid": s.company.gusto_uuid},
        "resource_owner": {"type": "CompanyAdmin", "uuid": admin.gusto_uuid},
    }))
}

// ---- OAuth ----

async fn oauth_authorize(State(s): S, Query(q): Q) -> Response {
    lock(&s.oauth).authorize_response(&q)
}

async fn oauth_token(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_params(&headers, &body);
    match lock(&s.oauth).token(&p) {
        Ok(t) => ok(json!({
            "access_token": t.access_token,
            "token_type": "bearer",
            "expires_in": t.expires_in,
            "refresh_token": t.refresh_token,
            "scope": "public",
            "created_at": t.created_at,
        })),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(e.body()),
        )
            .into_response(),
    }
}

async fn oauth_revoke(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = parse_params(&headers, &body);
    let mut o = lock(&s.oauth);
    if p.get("client_id") != Some(&o.client_id) || p.get("client_secret") != Some(&o.client_secret)
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        )
            .into_response();
    }
    if let Some(t) = p.get("token") {
        o.revoke_token(t);
    }
    ok(json!({}))
}

/// The Gusto router (API + OAuth), without the shared middleware.
pub(crate) fn router(state: Arc<GustoState>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(oauth_authorize))
        .route("/oauth/token", post(oauth_token))
        .route("/oauth/revoke", post(oauth_revoke))
        .route("/v1/token_info", get(token_info))
        .route("/v1/companies/{company_id}", get(company))
        .route("/v1/companies/{company_id}/locations", get(locations))
        .route("/v1/locations/{location_id}", get(location))
        .route("/v1/companies/{company_id}/departments", get(departments))
        .route("/v1/departments/{department_uuid}", get(department))
        .route(
            "/v1/departments/{department_uuid}/add",
            put(super::people::add_to_department),
        )
        .route(
            "/v1/companies/{company_id}/employees",
            get(employees).post(create_employee),
        )
        .route(
            "/v1/employees/{employee_id}",
            get(employee).put(update_employee),
        )
        .route(
            "/v1/employees/{employee_id}/terminations",
            get(terminations).post(create_termination),
        )
        .route(
            "/v1/employees/{employee_id}/jobs",
            get(employee_jobs).post(super::people::create_job),
        )
        .route("/v1/jobs/{job_id}", get(job).put(super::people::update_job))
        .route("/v1/jobs/{job_id}/compensations", get(job_compensations))
        .route("/v1/compensations/{compensation_id}", get(compensation))
        .route(
            "/v1/companies/{company_id}/pay_schedules",
            get(pay_schedules),
        )
        .route(
            "/v1/companies/{company_id}/payrolls",
            get(super::payrolls::list),
        )
        .route(
            "/v1/companies/{company_id}/payrolls/{payroll_id}",
            get(payroll),
        )
        .route("/v1/employees/{employee_id}/pay_stubs", get(pay_stubs))
        .route(
            "/v1/companies/{company_id}/time_off_policies",
            get(time_off_policies),
        )
        .route(
            "/v1/companies/{company_id}/company_benefits",
            get(company_benefits),
        )
        .route(
            "/v1/employees/{employee_id}/employee_benefits",
            get(employee_benefits),
        )
        .fallback(|| async { not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .with_state(state)
}
