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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use crate::{Provider, Sandbox, SandboxConfig};

    async fn post(
        sb: &Sandbox,
        query: &str,
        content_type: &str,
        accept: &str,
        body: &str,
    ) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/reports/custom{query}",
                sb.base_url(Provider::BambooHr)
            ))
            .basic_auth(sb.credentials().bamboohr.api_key, Some("x"))
            .header("content-type", content_type)
            .header("accept", accept)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn report_lists_everyone_with_get_employee_values() {
        let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let body = json!({"title": "t", "fields": ["firstName", "departmentId", "terminationDate", "noSuchField", "firstName"]});
        let (status, report) = post(
            &sb,
            "?format=JSON&onlyCurrent=true",
            "application/json",
            "*/*",
            &body.to_string(),
        )
        .await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["title"], "t");
        let ids: Vec<&str> = report["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["firstName", "departmentId", "terminationDate"]);
        let truth = sb.bamboohr_employees();
        let rows = report["employees"].as_array().unwrap();
        assert_eq!(rows.len(), truth.len(), "active and inactive alike");
        for (row, t) in rows.iter().zip(&truth) {
            assert_eq!(row["id"], t["id"]);
            assert_eq!(row["firstName"], t["firstName"]);
            assert_eq!(row["terminationDate"], t["terminationDate"]);
            assert!(row["departmentId"].is_string(), "{row}");
            assert!(
                row.get("noSuchField").is_none(),
                "unknown fields are left out"
            );
        }
        let logged = sb.requests(Provider::BambooHr);
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].method, "POST");
        sb.shutdown().await;
    }

    #[tokio::test]
    async fn report_filters_and_refusals() {
        let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let id: u32 = sb.bamboohr_employees()[1]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let body = json!({"fields": ["lastName"], "filters": {"employeeIds": [id]}}).to_string();
        let (status, report) = post(&sb, "?format=json", "application/json", "", &body).await;
        assert_eq!(status, 200);
        assert_eq!(report["employees"].as_array().unwrap().len(), 1);
        assert_eq!(report["employees"][0]["id"], id.to_string());

        // Format from Accept when `format` is omitted; only exact values count.
        let ok = post(&sb, "", "application/json", "application/json", &body).await;
        assert_eq!(ok.0, 200);
        assert_eq!(post(&sb, "", "application/json", "*/*", &body).await.0, 404);
        assert_eq!(
            post(&sb, "?format=bogus", "application/json", "", &body)
                .await
                .0,
            404
        );
        assert_eq!(
            post(&sb, "?format=csv", "application/json", "", &body)
                .await
                .0,
            406
        );
        // Any other content type is read as XML.
        let charset = "application/json; charset=UTF-8";
        assert_eq!(post(&sb, "?format=JSON", charset, "", &body).await.0, 400);
        assert_eq!(
            post(&sb, "?format=JSON", "application/json", "", "{")
                .await
                .0,
            400
        );
        let many: Vec<String> = (0..401).map(|i| format!("custom{i}")).collect();
        let too_many = json!({ "fields": many }).to_string();
        let status = post(&sb, "?format=JSON", "application/json", "", &too_many)
            .await
            .0;
        assert_eq!(status, 400);

        sb.revoke(Provider::BambooHr);
        assert_eq!(
            post(&sb, "?format=JSON", "application/json", "", &body)
                .await
                .0,
            401
        );
        sb.shutdown().await;
    }
}
