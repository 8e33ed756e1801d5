//! BambooHR HTTP handlers, per `bamboohr-public.openapi.yaml`. Legacy endpoints answer errors as
//! status + `X-BambooHR-Error-Message` with an empty body; the newer cursor-paginated
//! `GET /api/v1/employees` answers `{"error":{"code","message"}}` (spec 400 schema).

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::BambooState;
use super::data::{Action, NO_DATE, TIME_OFF_TYPES};
use crate::config::Provider;
use crate::server::{error_response, header_str, lock};

type S = State<Arc<BambooState>>;
type Q = Query<HashMap<String, String>>;

pub(super) fn fail(status: StatusCode, message: &str) -> Response {
    error_response(Provider::BambooHr, status, "", message)
}

pub(super) fn ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

/// HTTP Basic: username = API key, password = anything.
async fn auth(State(s): S, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let key = header_str(req.headers(), "authorization")
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .map(|up| up.split(':').next().unwrap_or_default().to_string());
    let valid = key.as_deref() == Some(s.company.secrets.bamboo_api_key.as_str())
        && !s.revoked.load(Ordering::SeqCst);
    if !valid {
        let mut r = fail(StatusCode::UNAUTHORIZED, "Invalid or missing API key");
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"BambooHR\""),
        );
        return r;
    }
    next.run(req).await
}

/// Legacy endpoints return XML unless JSON is asked for; the emulator only speaks JSON, so it
/// refuses (406) rather than silently answering JSON to a client that would get XML from the real API.
fn wants_json(headers: &HeaderMap) -> Result<(), Response> {
    if header_str(headers, "accept").is_some_and(|a| a.contains("json")) {
        Ok(())
    } else {
        Err(fail(
            StatusCode::NOT_ACCEPTABLE,
            "The sandbox only emulates JSON responses; send Accept: application/json (the real API would answer XML)",
        ))
    }
}

fn parse_id(s: &BambooState, id: &str) -> Option<u32> {
    if id == "0" {
        // 0 = the API key's owner.
        return Some(s.company.people.first().map(|p| p.bamboo_id).unwrap_or(101));
    }
    id.parse().ok()
}

async fn company_information(State(s): S) -> Response {
    let loc = &s.company.locations[0];
    ok(json!({
        "legalName": s.company.legal_name,
        "displayName": s.company.name,
        "address": {"line1": loc.street, "line2": null, "city": loc.city, "state": loc.state, "country": "United States", "zip": loc.zip},
        "phone": loc.phone,
    }))
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

const LIST_FIELDS: &[&str] = &[
    "workEmail",
    "homeEmail",
    "bestEmail",
    "middleName",
    "workPhone",
    "workPhoneExtension",
    "mobilePhone",
    "homePhone",
    "skypeUsername",
    "linkedinUrl",
    "facebookUrl",
    "instagramUrl",
    "twitterUrl",
    "pinterestUrl",
    "birthDate",
    "hireDate",
    "divisionName",
    "divisionId",
    "departmentName",
    "departmentId",
    "locationName",
    "locationId",
    "jobTitleId",
    "employmentStatusName",
    "employmentStatusId",
    "reportsToName",
    "reportsToId",
];

fn list_error(code: &str, message: &str) -> Response {
    let mut r = (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(message) {
        r.headers_mut().insert("x-bamboohr-error-message", v);
    }
    r
}

fn s_or_null(m: &Map<String, Value>, k: &str) -> Value {
    match m.get(k) {
        Some(Value::String(s)) if !s.is_empty() && s != NO_DATE => Value::String(s.clone()),
        _ => Value::Null,
    }
}

/// The fields the list (and the custom report) compute from others rather than store: ids of
/// list values, names of referenced records. None for a field the seeded data holds itself.
fn derived_field(s: &BambooState, m: &Map<String, Value>, f: &str) -> Option<Value> {
    let v = match f {
        "bestEmail" => {
            let w = s_or_null(m, "workEmail");
            if w.is_null() {
                s_or_null(m, "homeEmail")
            } else {
                w
            }
        }
        "divisionName" => s_or_null(m, "division"),
        "divisionId" => Value::String("1".into()),
        "departmentName" => s_or_null(m, "department"),
        "departmentId" => s
            .company
            .departments
            .iter()
            .find(|d| m.get("department").and_then(Value::as_str) == Some(d.title))
            .map(|d| Value::String(d.bamboo_id.to_string()))
            .unwrap_or(Value::Null),
        "locationName" => s_or_null(m, "location"),
        "locationId" => s
            .company
            .locations
            .iter()
            .find(|l| m.get("location").and_then(Value::as_str) == Some(l.name))
            .map(|l| Value::String(l.bamboo_id.to_string()))
            .unwrap_or(Value::Null),
        "jobTitleId" => m
            .get("jobTitle")
            .and_then(Value::as_str)
            .map(|t| Value::String(format!("{}", 300 + t.len())))
            .unwrap_or(Value::Null),
        "employmentStatusName" => s_or_null(m, "employmentHistoryStatus"),
        "employmentStatusId" => match m.get("employmentHistoryStatus").and_then(Value::as_str) {
            Some("Full-Time") => json!("1"),
            Some("Part-Time") => json!("2"),
            Some("Terminated") => json!("3"),
            _ => Value::Null,
        },
        "reportsToName" => m
            .get("supervisor")
            .and_then(Value::as_str)
            .and_then(|s| {
                s.split_once(", ")
                    .map(|(l, f)| Value::String(format!("{f} {l}")))
            })
            .unwrap_or(Value::Null),
        "reportsToId" => s_or_null(m, "supervisorEId"),
        _ => return None,
    };
    Some(v)
}

/// One employee field as Get Employee and the custom report answer it: the stored value, else
/// the computed one; None for a field the account does not have.
pub(super) fn employee_field(s: &BambooState, m: &Map<String, Value>, f: &str) -> Option<Value> {
    m.get(f).cloned().or_else(|| derived_field(s, m, f))
}

fn list_item(s: &BambooState, m: &Map<String, Value>, fields: &[String]) -> Value {
    let mut o = Map::new();
    o.insert("employeeId".into(), s_or_null(m, "id"));
    for k in ["firstName", "lastName", "preferredName", "photoUrl"] {
        o.insert(k.into(), s_or_null(m, k));
    }
    o.insert("jobTitleName".into(), s_or_null(m, "jobTitle"));
    o.insert("status".into(), s_or_null(m, "status"));
    o.insert("_restrictedFields".into(), json!([]));
    for f in fields {
        let v = derived_field(s, m, f).unwrap_or_else(|| s_or_null(m, f));
        o.insert(f.clone(), v);
    }
    Value::Object(o)
}

/// `GET /api/v1/employees`: cursor pagination `page[limit]` (1..=2500, default 250), `page[after]`,
/// `page[before]` (employee ids), `filter[...]`, `sort`, `fields`; `_links.next` for the next page.
async fn list_employees(State(s): S, RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.clone())
    };
    let limit = match get("page[limit]") {
        None => 250,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=2500).contains(&n) => n,
            _ => {
                return list_error(
                    "BadPage",
                    "page[limit] must be an integer between 1 and 2500",
                );
            }
        },
    };
    let mut fields = Vec::new();
    for (k, v) in &pairs {
        if k == "fields" || k == "fields[]" {
            for f in v.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                if !LIST_FIELDS.contains(&f) {
                    return list_error("BadRequest", &format!("Unknown field '{f}'"));
                }
                fields.push(f.to_string());
            }
        }
    }
    let d = lock(&s.data);
    let mut rows: Vec<&Map<String, Value>> = d.employees.values().collect();
    if let Some(st) = get("filter[status]") {
        let want = match st.as_str() {
            "active" => "Active",
            "inactive" => "Inactive",
            _ => return list_error("BadRequest", "filter[status] must be active or inactive"),
        };
        rows.retain(|m| m.get("status").and_then(Value::as_str) == Some(want));
    }
    for (param, field) in [
        ("filter[firstName]", "firstName"),
        ("filter[lastName]", "lastName"),
        ("filter[jobTitleName]", "jobTitle"),
    ] {
        if let Some(v) = get(param) {
            let v = v.to_lowercase();
            rows.retain(|m| {
                m.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.to_lowercase() == v)
            });
        }
    }
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k.starts_with("filter[ids]"))
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|x| x.trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    if !ids.is_empty() {
        rows.retain(|m| {
            m.get("id")
                .and_then(Value::as_str)
                .is_some_and(|i| ids.iter().any(|x| x == i))
        });
    }
    if let Some(sort) = get("sort") {
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, k.to_string()),
            None => (false, sort.clone()),
        };
        let key = match key.as_str() {
            "employeeId" => "id".to_string(),
            "jobTitleName" => "jobTitle".to_string(),
            k => k.to_string(),
        };
        if key == "id" {
            if desc {
                rows.reverse();
            }
        } else {
            rows.sort_by(|a, b| {
                let x = a.get(&key).and_then(Value::as_str).unwrap_or_default();
                let y = b.get(&key).and_then(Value::as_str).unwrap_or_default();
                if desc { y.cmp(x) } else { x.cmp(y) }
            });
        }
    }
    let total = rows.len();
    let pos_of = |id: &str| {
        rows.iter()
            .position(|m| m.get("id").and_then(Value::as_str) == Some(id))
    };
    let (start, end) = if let Some(after) = get("page[after]") {
        match pos_of(&after) {
            Some(p) => (p + 1, (p + 1 + limit).min(total)),
            None => {
                return list_error(
                    "BadPage",
                    "page[after] does not refer to an employee in this result set",
                );
            }
        }
    } else if let Some(before) = get("page[before]") {
        match pos_of(&before) {
            Some(p) => (p.saturating_sub(limit), p),
            None => {
                return list_error(
                    "BadPage",
                    "page[before] does not refer to an employee in this result set",
                );
            }
        }
    } else {
        (0, limit.min(total))
    };
    let data: Vec<Value> = rows[start..end]
        .iter()
        .map(|m| list_item(&s, m, &fields))
        .collect();
    let id_at = |i: usize| {
        rows.get(i)
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let next_cursor = if end < total {
        end.checked_sub(1).and_then(id_at)
    } else {
        None
    };
    let prev_cursor = if start > 0 { id_at(start) } else { None };
    drop(d);
    let link = |cursor_key: &str, cursor: &str| -> String {
        let base = format!("{}/api/v1/employees", s.ctx.base_url);
        let Ok(mut url) = url::Url::parse(&base) else {
            return base;
        };
        {
            let mut qp = url.query_pairs_mut();
            for (k, v) in &pairs {
                if !k.starts_with("page[") {
                    qp.append_pair(k, v);
                }
            }
            qp.append_pair("page[limit]", &limit.to_string());
            if !cursor_key.is_empty() {
                qp.append_pair(cursor_key, cursor);
            }
        }
        url.to_string()
    };
    let self_href = match (get("page[after]"), get("page[before]")) {
        (Some(a), _) => link("page[after]", &a),
        (None, Some(b)) => link("page[before]", &b),
        _ => link("", ""),
    };
    let mut links = Map::new();
    links.insert("self".into(), json!({"href": self_href}));
    if let Some(c) = &next_cursor {
        links.insert("next".into(), json!({"href": link("page[after]", c)}));
    }
    if let Some(c) = &prev_cursor {
        links.insert("prev".into(), json!({"href": link("page[before]", c)}));
    }
    ok(json!({
        "data": data,
        "meta": {"total": total, "page": {"limit": limit, "nextCursor": next_cursor, "prevCursor": prev_cursor}},
        "_links": links,
    }))
}

async fn get_employee(
    State(s): S,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let Some(id) = parse_id(&s, &id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let d = lock(&s.data);
    let Some(m) = d.employees.get(&id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let fields = q
        .get("fields")
        .cloned()
        .unwrap_or_else(|| "firstName,lastName".into());
    let mut o = Map::new();
    o.insert("id".into(), Value::String(id.to_string()));
    for f in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        // Unknown fields come back as null (the real API drops or nulls them).
        let v = employee_field(&s, m, f).unwrap_or(Value::Null);
        o.insert(f.to_string(), v);
    }
    ok(Value::Object(o))
}

async fn directory(State(s): S, Query(q): Q, headers: HeaderMap) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let only_current = q
        .get("onlyCurrent")
        .is_none_or(|v| v != "false" && v != "0");
    let keys = [
        ("displayName", "text", "Display name"),
        ("firstName", "text", "First name"),
        ("lastName", "text", "Last name"),
        ("preferredName", "text", "Preferred name"),
        ("jobTitle", "list", "Job title"),
        ("workPhone", "text", "Work Phone"),
        ("mobilePhone", "text", "Mobile Phone"),
        ("workEmail", "email", "Work Email"),
        ("department", "list", "Department"),
        ("location", "list", "Location"),
        ("division", "list", "Division"),
        ("photoUploaded", "bool", "Employee has uploaded a photo"),
        ("photoUrl", "url", "Employee photo"),
    ];
    let d = lock(&s.data);
    let employees: Vec<Value> = d
        .employees
        .values()
        .filter(|m| !only_current || m.get("status").and_then(Value::as_str) == Some("Active"))
        .map(|m| {
            let mut o = Map::new();
            o.insert("id".into(), m.get("id").cloned().unwrap_or(Value::Null));
            for (k, _, _) in &keys {
                o.insert((*k).into(), m.get(*k).cloned().unwrap_or(Value::Null));
            }
            o.insert("canUploadPhoto".into(), json!(0));
            Value::Object(o)
        })
        .collect();
    ok(json!({
        "fields": keys.iter().map(|(id, t, n)| json!({"id": id, "type": t, "name": n})).collect::<Vec<_>>(),
        "employees": employees,
    }))
}

fn parse_since(q: &HashMap<String, String>) -> Result<DateTime<Utc>, Response> {
    let Some(since) = q.get("since") else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "since is required (ISO 8601)",
        ));
    };
    DateTime::parse_from_rfc3339(since)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDate::parse_from_str(since, "%Y-%m-%d").map(|d| crate::seed::at(d, 0)))
        .map_err(|_| {
            fail(
                StatusCode::BAD_REQUEST,
                "since must be an ISO 8601 timestamp",
            )
        })
}

fn iso(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

async fn changed(State(s): S, Query(q): Q, headers: HeaderMap) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let since = match parse_since(&q) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let kind = q.get("type").map(String::as_str).unwrap_or("all");
    let d = lock(&s.data);
    let mut out = Map::new();
    for (id, (action, when)) in &d.changes {
        let keep = match kind {
            "inserted" => *action == Action::Inserted,
            "updated" => *action == Action::Updated,
            "deleted" => *action == Action::Deleted,
            _ => true,
        };
        if keep && *when >= since {
            out.insert(
                id.to_string(),
                json!({"id": id.to_string(), "action": action.name(), "lastChanged": iso(*when)}),
            );
        }
    }
    ok(json!({"latest": iso(Utc::now()), "employees": out}))
}

async fn changed_table(
    State(s): S,
    Path(table): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let since = match parse_since(&q) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let d = lock(&s.data);
    let (Some(rows), Some(changes)) = (d.tables.get(&table), d.table_changes.get(&table)) else {
        return fail(StatusCode::NOT_FOUND, "Table not found");
    };
    let mut out = Map::new();
    for (id, when) in changes.iter().filter(|(_, w)| **w >= since) {
        let sid = id.to_string();
        let r: Vec<Value> = rows
            .iter()
            .filter(|r| r["employeeId"].as_str() == Some(&sid))
            .cloned()
            .collect();
        out.insert(sid, json!({"lastChanged": iso(*when), "rows": r}));
    }
    ok(json!({"table": table, "employees": out}))
}

async fn table(
    State(s): S,
    Path((id, table)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let d = lock(&s.data);
    let Some(rows) = d.tables.get(&table) else {
        return fail(StatusCode::NOT_FOUND, "Table not found");
    };
    if id == "all" {
        return ok(Value::Array(rows.clone()));
    }
    let Some(eid) = parse_id(&s, &id).filter(|e| d.employees.contains_key(e)) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let sid = eid.to_string();
    ok(Value::Array(
        rows.iter()
            .filter(|r| r["employeeId"].as_str() == Some(&sid))
            .cloned()
            .collect(),
    ))
}

fn body_fields(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(fail(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object",
        )),
    }
}

fn as_field(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    }
}

async fn create_employee(State(s): S, body: Bytes) -> Response {
    let b = match body_fields(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    for k in ["firstName", "lastName"] {
        if b.get(k)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            return fail(StatusCode::BAD_REQUEST, &format!("{k} is required"));
        }
    }
    let mut d = lock(&s.data);
    let id = d.next_employee_id;
    d.next_employee_id += 1;
    let mut m = Map::new();
    m.insert("id".into(), Value::String(id.to_string()));
    m.insert("status".into(), Value::String("Active".into()));
    m.insert("terminationDate".into(), Value::String(NO_DATE.into()));
    for (k, v) in &b {
        m.insert(k.clone(), as_field(v));
    }
    let display = format!(
        "{} {}",
        b.get("firstName")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        b.get("lastName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    );
    m.entry("displayName").or_insert(Value::String(display));
    d.employees.insert(id, m);
    d.log_change(id, Action::Inserted);
    drop(d);
    let mut r = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{}/api/v1/employees/{id}", s.ctx.base_url)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn update_employee(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match body_fields(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&s, &id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let mut d = lock(&s.data);
    let Some(m) = d.employees.get_mut(&id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    for (k, v) in &b {
        if k != "id" {
            m.insert(k.clone(), as_field(v));
        }
    }
    d.log_change(id, Action::Updated);
    StatusCode::OK.into_response()
}

async fn time_off_requests(State(s): S, Query(q): Q, headers: HeaderMap) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let parse = |k: &str| {
        q.get(k)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    };
    let (Some(start), Some(end)) = (parse("start"), parse("end")) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "start and end (YYYY-MM-DD) are required",
        );
    };
    let d = lock(&s.data);
    let list: Vec<Value> = d
        .time_off
        .iter()
        .filter(|r| {
            let rs = r["start"]
                .as_str()
                .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
            let re = r["end"]
                .as_str()
                .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
            rs.is_some_and(|rs| rs <= end) && re.is_some_and(|re| re >= start)
        })
        .filter(|r| {
            q.get("employeeId").is_none_or(|e| {
                r["employeeId"]
                    .as_u64()
                    .is_some_and(|x| x.to_string() == *e)
            })
        })
        .filter(|r| {
            q.get("id")
                .is_none_or(|e| r["id"].as_u64().is_some_and(|x| x.to_string() == *e))
        })
        .filter(|r| {
            q.get("status").is_none_or(|st| {
                st.split(',')
                    .any(|x| r["status"]["status"].as_str() == Some(x))
            })
        })
        .filter(|r| {
            q.get("type").is_none_or(|t| {
                t.split(',')
                    .any(|x| r["type"]["id"].as_u64().is_some_and(|t| t.to_string() == x))
            })
        })
        .cloned()
        .collect();
    ok(Value::Array(list))
}

async fn create_time_off(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match body_fields(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(eid) = parse_id(&s, &id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let date = |k: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    };
    let (Some(start), Some(end), Some(status), Some(type_id)) = (
        date("start"),
        date("end"),
        b.get("status").and_then(Value::as_str),
        b.get("timeOffTypeId").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        }),
    ) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "status, start, end and timeOffTypeId are required",
        );
    };
    if !["approved", "denied", "declined", "requested"].contains(&status) {
        return fail(
            StatusCode::BAD_REQUEST,
            "status must be approved, denied, declined or requested",
        );
    }
    if end < start || !TIME_OFF_TYPES.iter().any(|t| u64::from(t.0) == type_id) {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid dates or time off type",
        );
    }
    let mut dates: Vec<(NaiveDate, Decimal)> = b
        .get("dates")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let day = x["ymd"]
                        .as_str()
                        .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())?;
                    let amt = x["amount"]
                        .as_f64()
                        .or_else(|| x["amount"].as_str().and_then(|v| v.parse().ok()))?;
                    Some((day, Decimal::try_from(amt).ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    if dates.is_empty() {
        let days = (end - start).num_days() + 1;
        let total = b
            .get("amount")
            .and_then(|v| {
                v.as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .and_then(|a| Decimal::try_from(a).ok())
            .unwrap_or(Decimal::from(8 * days));
        let per = (total / Decimal::from(days)).round_dp(2);
        dates = (0..days)
            .map(|i| (start + chrono::Duration::days(i), per))
            .collect();
    }
    let note = b.get("notes").and_then(Value::as_array).and_then(|n| {
        n.iter()
            .find_map(|x| x["note"].as_str().map(str::to_string))
    });
    let mut d = lock(&s.data);
    let Some(name) = d
        .employees
        .get(&eid)
        .and_then(|m| m.get("displayName"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let v = d.add_time_off(
        eid,
        &name,
        type_id as u32,
        status,
        &dates,
        note.as_deref(),
        Utc::now().date_naive(),
    );
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

async fn calculator(
    State(s): S,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    let Some(eid) = parse_id(&s, &id) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let end = q
        .get("end")
        .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .unwrap_or(s.company.today);
    let d = lock(&s.data);
    let Some(bal) = d.balances.get(&eid) else {
        return fail(StatusCode::NOT_FOUND, "Employee not found");
    };
    let year_start = NaiveDate::from_yo_opt(chrono::Datelike::year(&end), 1).unwrap_or(end);
    let out: Vec<Value> = bal
        .iter()
        .map(|(ty, accrued)| {
            let mut used = Decimal::ZERO;
            for r in d.time_off.iter().filter(|r| {
                r["employeeId"].as_u64() == Some(u64::from(eid))
                    && r["type"]["id"].as_u64() == Some(u64::from(*ty))
                    && r["status"]["status"].as_str() == Some("approved")
            }) {
                if let Some(dates) = r["dates"].as_object() {
                    for (day, amt) in dates {
                        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok();
                        if day.is_some_and(|x| x >= year_start && x <= end) {
                            used += amt
                                .as_f64()
                                .and_then(|a| Decimal::try_from(a).ok())
                                .unwrap_or_default();
                        }
                    }
                }
            }
            let name = TIME_OFF_TYPES
                .iter()
                .find(|t| t.0 == *ty)
                .map(|t| t.1)
                .unwrap_or("Time Off");
            json!({
                "timeOffType": ty.to_string(),
                "name": name,
                "units": "hours",
                "balance": crate::gusto::data::dec(*accrued - used, 2),
                "end": end.to_string(),
                "policyType": "accruing",
                "usedYearToDate": crate::gusto::data::dec(used, 2),
            })
        })
        .collect();
    ok(Value::Array(out))
}

async fn time_off_types(headers: HeaderMap) -> Response {
    if let Err(r) = wants_json(&headers) {
        return r;
    }
    ok(json!({
        "timeOffTypes": TIME_OFF_TYPES.iter().map(|(id, name, icon)| json!({"id": id.to_string(), "name": name, "units": "hours", "color": null, "icon": icon})).collect::<Vec<_>>(),
        "defaultHours": [{"name": "Saturday", "amount": "0"}, {"name": "Sunday", "amount": "0"}, {"name": "default", "amount": "8"}],
    }))
}

/// The BambooHR router, without the shared middleware.
pub(crate) fn router(state: Arc<BambooState>) -> Router {
    Router::new()
        .route("/api/v1/company_information", get(company_information))
        .route(
            "/api/v1/employees",
            get(list_employees).post(create_employee),
        )
        .route("/api/v1/employees/directory", get(directory))
        .route("/api/v1/employees/changed", get(changed))
        .route(
            "/api/v1/employees/changed/tables/{table}",
            get(changed_table),
        )
        .route(
            "/api/v1/employees/{id}",
            get(get_employee).post(update_employee),
        )
        .route("/api/v1/employees/{id}/tables/{table}", get(table))
        .route(
            "/api/v1/employees/{id}/time_off/request",
            put(create_time_off),
        )
        .route(
            "/api/v1/employees/{id}/time_off/calculator",
            get(calculator),
        )
        .route("/api/v1/time_off/requests", get(time_off_requests))
        .route("/api/v1/meta/time_off/types", get(time_off_types))
        .route("/api/v1/reports/custom", post(super::report::custom_report))
        .route("/api/v1/meta/lists", get(super::meta::meta_lists))
        .route("/api/v1/meta/fields", get(super::meta::meta_fields))
        .route(
            "/api/v1/hris/org/locations",
            get(super::meta::org_locations),
        )
        .route(
            "/api/v1/benefit/company_benefit",
            get(super::benefits::company_benefits),
        )
        .route(
            "/api/v1/benefit/employee_benefit",
            get(super::benefits::employee_benefits),
        )
        .route(
            "/api/v1/benefits/settings/deduction_types/all",
            get(super::benefits::deduction_types_all),
        )
        .route("/api/v1_2/datasets", get(super::datasets::list_datasets))
        .route(
            "/api/v1_2/datasets/{dataset}/fields",
            get(super::datasets::dataset_fields),
        )
        .route(
            "/api/v2/datasets/{dataset}/data",
            post(super::datasets::dataset_data),
        )
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "Not found") })
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .with_state(state)
}
