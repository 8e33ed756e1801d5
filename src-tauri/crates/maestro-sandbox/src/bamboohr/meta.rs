//! Account metadata, per `bamboohr-public.openapi.yaml`: `GET /api/v1/meta/lists` (operation
//! `list-list-fields`, `ListFieldDetail`), `GET /api/v1/meta/fields` (`list-fields`) and
//! `GET /api/v1/hris/org/locations` (`get-locations`, `PagedLocationResponse`). The seeded
//! account has one archived department and one archived location, which the lists keep (for
//! historical data, with `archived: "yes"`) and the location list leaves out by default.

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::BambooState;
use super::routes::{fail, ok};
use crate::seed::Company;
use crate::server::{header_str, lock};

/// The archived department option: `(id, name, archivedDate)`.
pub(crate) const ARCHIVED_DEPARTMENT: (u32, &str, &str) =
    (18_250, "Catering", "2024-01-31T17:00:00+00:00");
/// The archived job location: `(id, label)`.
pub(crate) const ARCHIVED_LOCATION: (u32, &str) = (9, "Old Town Kiosk");

/// Standard fields of `/meta/fields`: `(id, name, type, alias)`.
const STANDARD_FIELDS: &[(u32, &str, &str, &str)] = &[
    (1, "First Name", "text", "firstName"),
    (2, "Last Name", "text", "lastName"),
    (3, "Middle Name", "text", "middleName"),
    (1358, "Preferred Name", "text", "preferredName"),
    (4013, "Display Name", "text", "displayName"),
    (17, "Employee #", "text", "employeeNumber"),
    (15, "Work Email", "email", "workEmail"),
    (1357, "Home Email", "email", "homeEmail"),
    (18, "Work Phone", "phone", "workPhone"),
    (13, "Mobile Phone", "phone", "mobilePhone"),
    (14, "Home Phone", "phone", "homePhone"),
    (6, "Birth Date", "date", "birthDate"),
    (19, "Hire Date", "date", "hireDate"),
    (1936, "Original Hire Date", "date", "originalHireDate"),
    (1360, "Termination Date", "date", "terminationDate"),
    (149, "Status", "status", "status"),
    (16, "Employment Status", "list", "employmentHistoryStatus"),
    (17_001, "Job Title", "list", "jobTitle"),
    (4, "Department", "list", "department"),
    (1355, "Division", "list", "division"),
    (5, "Location", "list", "location"),
    (91, "Reporting to", "employee", "supervisor"),
    (19_600, "Pay rate", "currency", "payRate"),
    (156, "Pay type", "pay_type", "payType"),
    (1610, "Pay per", "list", "payPer"),
];

fn wants_json(q: &HashMap<String, String>, headers: &HeaderMap) -> Result<(), Response> {
    let json_format = q.get("format").is_some_and(|f| f == "json");
    if json_format || header_str(headers, "accept").is_some_and(|a| a.contains("json")) {
        Ok(())
    } else {
        Err(fail(
            StatusCode::NOT_ACCEPTABLE,
            "The sandbox only emulates JSON responses; send Accept: application/json (the real API would answer XML)",
        ))
    }
}

/// An RFC 7807 answer (`ProblemDetailsResponse`).
pub(super) fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

fn option(id: u32, name: &str, archived: Option<&str>) -> Value {
    json!({
        "id": id,
        "archived": if archived.is_some() { "yes" } else { "no" },
        "name": name,
        "createdDate": "2019-01-01T00:00:00+00:00",
        "archivedDate": archived,
    })
}

fn list(field_id: &str, alias: &str, name: &str, options: Vec<Value>) -> Value {
    json!({
        "fieldId": field_id, "alias": alias, "name": name,
        "manageable": "yes", "multiple": "no", "options": options,
    })
}

/// The list fields of the seeded account.
pub(crate) fn lists(c: &Company) -> Vec<Value> {
    let (dep_id, dep_name, dep_archived) = ARCHIVED_DEPARTMENT;
    let mut departments: Vec<Value> = c
        .departments
        .iter()
        .map(|d| option(d.bamboo_id, d.title, None))
        .collect();
    departments.push(option(dep_id, dep_name, Some(dep_archived)));
    let mut locations: Vec<Value> = c
        .locations
        .iter()
        .map(|l| option(l.bamboo_id, l.name, None))
        .collect();
    locations.push(option(
        ARCHIVED_LOCATION.0,
        ARCHIVED_LOCATION.1,
        Some(dep_archived),
    ));
    let statuses = ["Full-Time", "Part-Time", "Terminated"]
        .iter()
        .zip(1..)
        .map(|(name, id)| option(id, name, None))
        .collect();
    vec![
        list(
            "1355",
            "division",
            "Division",
            vec![option(1, &c.name, None)],
        ),
        list("4", "department", "Department", departments),
        list("5", "location", "Location", locations),
        list(
            "16",
            "employmentHistoryStatus",
            "Employment Status",
            statuses,
        ),
    ]
}

fn state_name(code: &str) -> &str {
    match code {
        "CA" => "California",
        "CO" => "Colorado",
        other => other,
    }
}

fn location(id: u32, label: &str, archived: bool, address: Value) -> Value {
    json!({
        "id": id.to_string(), "label": label, "archived": archived, "manageable": true,
        "address": address, "createdAt": "2019-01-01T00:00:00+00:00",
    })
}

/// The job locations of the seeded account, without expansions.
pub(crate) fn locations(c: &Company) -> Vec<Value> {
    let mut out: Vec<Value> = c
        .locations
        .iter()
        .map(|l| {
            let address = json!({
                "address1": l.street, "address2": null, "city": l.city, "stateId": l.state,
                "zipcode": l.zip, "countryId": "1", "timezone": l.time_zone,
                "remoteLocation": false,
            });
            location(l.bamboo_id, l.name, false, address)
        })
        .collect();
    let kiosk = json!({
        "address1": "1 Old Town Sq", "address2": null, "city": "San Francisco", "stateId": "CA",
        "zipcode": "94110", "countryId": "1", "timezone": "America/Los_Angeles",
        "remoteLocation": false,
    });
    out.push(location(
        ARCHIVED_LOCATION.0,
        ARCHIVED_LOCATION.1,
        true,
        kiosk,
    ));
    out
}

/// `GET /api/v1/meta/lists` (`format=json` or an Accept header asking for JSON).
pub(super) async fn meta_lists(
    State(s): State<Arc<BambooState>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = wants_json(&q, &headers) {
        return r;
    }
    ok(Value::Array(lock(&s.data).lists.clone()))
}

/// `GET /api/v1/meta/fields`: standard fields with their alias, the custom shirt size, a
/// deprecated custom field and a subfield without an alias.
pub(super) async fn meta_fields(headers: HeaderMap) -> Response {
    if let Err(r) = wants_json(&HashMap::new(), &headers) {
        return r;
    }
    let mut out: Vec<Value> = STANDARD_FIELDS
        .iter()
        .map(
            |(id, name, kind, alias)| json!({"id": id, "name": name, "type": kind, "alias": alias}),
        )
        .collect();
    out.push(
        json!({"id": "4001", "name": "Shirt size", "type": "list", "alias": "customShirtSize"}),
    );
    out.push(json!({"id": 4002, "name": "Old badge", "type": "text", "alias": "customBadge", "deprecated": true}));
    out.push(json!({"id": "4340.4", "name": "Emergency phone", "type": "text"}));
    ok(Value::Array(out))
}

/// `archived eq true|false`, the one OData filter the emulator reads.
fn archived_filter(filter: &str) -> Result<Option<bool>, Response> {
    let words: Vec<&str> = filter.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(None),
        ["archived", "eq", "true"] => Ok(Some(true)),
        ["archived", "eq", "false"] => Ok(Some(false)),
        _ => Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_INPUT",
            "The sandbox only reads the filter `archived eq true|false`",
        )),
    }
}

fn expanded(mut loc: Value, state: bool, country: bool) -> Value {
    if let Some(a) = loc.get_mut("address").and_then(Value::as_object_mut) {
        if state {
            let code = a["stateId"].as_str().unwrap_or_default().to_owned();
            a.insert(
                "state".into(),
                json!({"id": code, "name": state_name(&code), "abbreviation": code}),
            );
        }
        if country {
            a.insert(
                "country".into(),
                json!({"id": "1", "name": "United States", "isoCode": "US"}),
            );
        }
    }
    loc
}

/// `GET /api/v1/hris/org/locations`: `page` (0-based, default 0), `pageSize` (default 500),
/// `expand=state,country`, and `filter` (active locations unless it asks for archived ones).
/// `sort` and `select` are refused (422) rather than ignored.
pub(super) async fn org_locations(
    State(s): State<Arc<BambooState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let int = |k: &str, default: usize| match q.get(k).map(String::as_str) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_INPUT",
                &format!("{k} must be a non-negative integer"),
            )
        }),
    };
    let (page, size) = match (int("page", 0), int("pageSize", 500)) {
        (Ok(p), Ok(s)) if s > 0 => (p, s),
        (Err(r), _) | (_, Err(r)) => return r,
        _ => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_INPUT",
                "pageSize must be at least 1",
            );
        }
    };
    for k in ["sort", "select"] {
        if q.get(k).is_some_and(|v| !v.is_empty()) {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_INPUT",
                &format!("The sandbox does not emulate `{k}`"),
            );
        }
    }
    let archived = match archived_filter(q.get("filter").map(String::as_str).unwrap_or("")) {
        Ok(a) => a.unwrap_or(false),
        Err(r) => return r,
    };
    let mut expand = (false, false);
    for e in q.get("expand").map(String::as_str).unwrap_or("").split(',') {
        match e.trim() {
            "" => {}
            "state" => expand.0 = true,
            "country" => expand.1 = true,
            other => {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "INVALID_EXPAND",
                    &format!("Unknown expand option `{other}`"),
                );
            }
        }
    }
    let all: Vec<Value> = lock(&s.data)
        .locations
        .iter()
        .filter(|l| l["archived"].as_bool() == Some(archived))
        .cloned()
        .collect();
    let total = all.len();
    let pages = total.div_ceil(size);
    let data: Vec<Value> = all
        .into_iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .map(|l| expanded(l, expand.0, expand.1))
        .collect();
    let href =
        |p: usize| json!({"href": format!("/api/v1/hris/org/locations?page={p}&pageSize={size}")});
    let mut links = serde_json::Map::new();
    if page + 1 < pages {
        links.insert("next".into(), href(page + 1));
    }
    if page > 0 {
        links.insert("prev".into(), href(page - 1));
    }
    ok(json!({
        "data": data,
        "meta": {"page": page, "pageSize": size, "totalPages": pages, "totalItems": total},
        "_links": links,
    }))
}
