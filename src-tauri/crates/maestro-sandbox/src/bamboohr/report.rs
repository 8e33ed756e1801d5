//! `POST /api/v1/reports/custom` (spec operation `request-custom-report`): every employee with
//! the requested fields in one answer, resolved exactly as Get Employee resolves them.

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::BambooState;
use super::routes::{employee_field, fail, ok};
use crate::server::{header_str, lock};

/// The spec's limit on fields per report.
const MAX_FIELDS: usize = 400;
/// Output formats the spec lists (`format`, case-insensitive).
const FORMATS: &[&str] = &["json", "xml", "csv", "xls", "pdf"];
/// `Accept` values the spec accepts when `format` is omitted, with their format.
const ACCEPTS: &[(&str, &str)] = &[
    ("application/json", "json"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("application/pdf", "pdf"),
    ("application/vnd.ms-excel", "xls"),
];

/// The output format asked for: `format` wins, else the exact `Accept` value; 404 otherwise
/// (spec). Formats other than JSON are refused with 406: the emulator only speaks JSON.
fn format(q: &HashMap<String, String>, headers: &HeaderMap) -> Result<(), Response> {
    let format = match q.get("format") {
        Some(f) => {
            let f = f.to_ascii_lowercase();
            if !FORMATS.contains(&f.as_str()) {
                return Err(fail(StatusCode::NOT_FOUND, "Report format not found"));
            }
            f
        }
        None => {
            let accept = header_str(headers, "accept").unwrap_or_default();
            match ACCEPTS.iter().find(|(a, _)| *a == accept) {
                Some((_, f)) => (*f).to_owned(),
                None => return Err(fail(StatusCode::NOT_FOUND, "Report format not found")),
            }
        }
    };
    if format == "json" {
        Ok(())
    } else {
        Err(fail(
            StatusCode::NOT_ACCEPTABLE,
            "The sandbox only emulates JSON reports; ask for format=JSON",
        ))
    }
}

/// The field ids asked for, in order, without repeats; 400 for a body that is not a report.
fn requested_fields(headers: &HeaderMap, body: &Bytes) -> Result<(Vec<String>, Value), Response> {
    // Only exactly `application/json` is read as JSON; anything else is parsed as XML (spec).
    if header_str(headers, "content-type") != Some("application/json") {
        return Err(fail(StatusCode::BAD_REQUEST, "Malformed XML"));
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
        return Err(fail(StatusCode::BAD_REQUEST, "Malformed JSON"));
    };
    let Some(Value::Array(list)) = b.get("fields") else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "fields must be a list of field ids",
        ));
    };
    let mut fields: Vec<String> = Vec::new();
    for f in list {
        let Some(f) = f.as_str().map(str::trim).filter(|f| !f.is_empty()) else {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "fields must be a list of field ids",
            ));
        };
        if !fields.iter().any(|x| x == f) {
            fields.push(f.to_owned());
        }
    }
    if fields.len() > MAX_FIELDS {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "A report may request at most 400 fields",
        ));
    }
    Ok((fields, Value::Object(b)))
}

/// `filters.employeeIds` and `filters.lastChanged` of the body.
struct Filters {
    ids: Option<Vec<u32>>,
    changed_since: Option<DateTime<Utc>>,
    include_null: bool,
}

fn filters(body: &Value) -> Result<Filters, Response> {
    let bad = |m: &str| fail(StatusCode::BAD_REQUEST, m);
    let f = &body["filters"];
    let ids = match &f["employeeIds"] {
        Value::Null => None,
        Value::Array(a) => Some(
            a.iter()
                .map(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        .and_then(|n| u32::try_from(n).ok())
                })
                .collect::<Option<Vec<u32>>>()
                .ok_or_else(|| bad("filters.employeeIds must be a list of integer ids"))?,
        ),
        _ => return Err(bad("filters.employeeIds must be a list of integer ids")),
    };
    let changed = &f["lastChanged"];
    let changed_since = match &changed["value"] {
        Value::Null => None,
        Value::String(v) => Some(
            DateTime::parse_from_rfc3339(v)
                .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%z"))
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| bad("filters.lastChanged.value must be an ISO 8601 date-time"))?,
        ),
        _ => {
            return Err(bad(
                "filters.lastChanged.value must be an ISO 8601 date-time",
            ));
        }
    };
    let include_null = changed["includeNull"].as_str() != Some("no");
    Ok(Filters {
        ids,
        changed_since,
        include_null,
    })
}

/// The `type` and `name` the report lists for a field id.
fn describe(id: &str) -> (&'static str, String) {
    let kind = match id {
        "department"
        | "division"
        | "location"
        | "status"
        | "employmentHistoryStatus"
        | "jobTitle" => "list",
        _ if id.ends_with("Date") => "date",
        _ if id.ends_with("Email") => "email",
        _ if id.ends_with("Phone") => "phone",
        _ if id.ends_with("Id") || id.ends_with("EId") => "int",
        _ => "text",
    };
    let mut name = String::new();
    for (i, c) in id.chars().enumerate() {
        if i == 0 {
            name.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            name.push(' ');
            name.extend(c.to_lowercase());
        } else {
            name.push(c);
        }
    }
    (kind, name)
}

/// `POST /api/v1/reports/custom?format=JSON[&onlyCurrent=]`: all employees (Active and
/// Inactive) with the requested fields. Unknown field ids are silently left out (spec); the
/// seeded data holds current values only, so `onlyCurrent` changes nothing here.
pub(super) async fn custom_report(
    State(s): State<Arc<BambooState>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = format(&q, &headers) {
        return r;
    }
    let (fields, body) = match requested_fields(&headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let filters = match filters(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let d = lock(&s.data);
    // A field is known when any employee has it (stored or computed); the rest are dropped.
    let known: Vec<&String> = fields
        .iter()
        .filter(|f| {
            d.employees
                .values()
                .next()
                .is_none_or(|m| employee_field(&s, m, f).is_some())
        })
        .collect();
    let employees: Vec<Value> = d
        .employees
        .iter()
        .filter(|(id, _)| filters.ids.as_ref().is_none_or(|ids| ids.contains(id)))
        .filter(|(id, _)| match (filters.changed_since, d.changes.get(id)) {
            (None, _) => true,
            (Some(since), Some((_, when))) => *when >= since,
            (Some(_), None) => filters.include_null,
        })
        .map(|(id, m)| {
            let mut o = Map::new();
            o.insert("id".into(), Value::String(id.to_string()));
            for f in &known {
                let v = employee_field(&s, m, f).unwrap_or(Value::Null);
                o.insert((*f).clone(), v);
            }
            Value::Object(o)
        })
        .collect();
    let title = body["title"].as_str().unwrap_or("Report").to_owned();
    ok(json!({
        "title": title,
        "fields": known.iter().map(|f| {
            let (kind, name) = describe(f);
            json!({"id": f, "type": kind, "name": name})
        }).collect::<Vec<_>>(),
        "employees": employees,
    }))
}
