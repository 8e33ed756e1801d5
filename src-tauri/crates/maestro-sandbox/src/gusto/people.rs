//! Jobs and department membership: `POST /v1/employees/{employee_id}/jobs`,
//! `PUT /v1/jobs/{job_id}` and `PUT /v1/departments/{department_uuid}/add`, as the spec
//! declares them (bodies `Jobs-Create-Request-Body`, `Jobs-Update-Request-Body` and the add
//! body; answers `Job` and `Department`). A stale `version` is refused with 409 Conflict, which
//! the spec states for optimistic concurrency ("a mismatch returns 409 Conflict").

// Handlers short-circuit with ready-made `Response`s as errors.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::routes::{S, err, json_body, not_found, ok};
use crate::server::lock;

/// Job members a client may set (spec `Jobs-Body`).
const JOB_MEMBERS: [&str; 5] = [
    "title",
    "hire_date",
    "two_percent_shareholder",
    "state_wc_covered",
    "state_wc_class_code",
];

fn missing(key: &str) -> Response {
    err(
        StatusCode::UNPROCESSABLE_ENTITY,
        key,
        "missing_parameter",
        &format!("{key} is required."),
    )
}

fn stale() -> Response {
    err(
        StatusCode::CONFLICT,
        "version",
        "invalid_attribute_value",
        "The version is not up to date. Fetch the latest version of the resource and try again.",
    )
}

/// `hire_date` when the body has one: it must be a date.
fn hire_date(b: &Map<String, Value>) -> Result<Option<String>, Response> {
    match b.get("hire_date") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| {
                err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "hire_date",
                    "invalid_attribute_value",
                    "Hire date must be a date (YYYY-MM-DD)",
                )
            }),
    }
}

/// `POST /v1/employees/{employee_id}/jobs`: `title` and `hire_date` required; the new job
/// starts with a zero hourly compensation and is primary only when it is the person's first.
pub(super) async fn create_job(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut d = lock(&s.data);
    let Some(employee) = d.employee(&id) else {
        return not_found();
    };
    let jobs = employee["jobs"].as_array().cloned().unwrap_or_default();
    if !b.contains_key("title") {
        return missing("title");
    }
    let hire = match hire_date(&b) {
        Ok(Some(h)) => h,
        Ok(None) => return missing("hire_date"),
        Err(r) => return r,
    };
    let location = jobs
        .iter()
        .find_map(|j| j["location_uuid"].as_str())
        .map(str::to_owned)
        .or_else(|| {
            d.locations
                .first()
                .and_then(|l| l["uuid"].as_str())
                .map(str::to_owned)
        });
    let uuid = crate::seed::new_uuid();
    let comp_uuid = crate::seed::new_uuid();
    let version = d.next_version(&uuid);
    let comp_version = d.next_version(&comp_uuid);
    let get = |k: &str| b.get(k).cloned().unwrap_or(Value::Null);
    let job = json!({
        "uuid": uuid,
        "version": version,
        "employee_uuid": id,
        "hire_date": hire,
        "title": get("title"),
        "primary": jobs.is_empty(),
        "rate": "0.00",
        "payment_unit": "Hour",
        "current_compensation_uuid": comp_uuid,
        "two_percent_shareholder": b.get("two_percent_shareholder").and_then(Value::as_bool).unwrap_or(false),
        "state_wc_covered": get("state_wc_covered"),
        "state_wc_class_code": get("state_wc_class_code"),
        "location_uuid": location,
        "compensations": [{
            "uuid": comp_uuid,
            "version": comp_version,
            "job_uuid": uuid,
            "employee_uuid": id,
            "rate": "0.00",
            "payment_unit": "Hour",
            "flsa_status": "Nonexempt",
            "effective_date": hire,
            "title": get("title"),
            "adjust_for_minimum_wage": false,
            "minimum_wages": [],
        }],
    });
    let new_version = d.next_version(&id);
    let Some(e) = d.employee_mut(&id) else {
        return not_found();
    };
    if let Some(list) = e.get_mut("jobs").and_then(Value::as_array_mut) {
        list.push(job.clone());
    }
    e.insert("version".into(), Value::String(new_version));
    (StatusCode::CREATED, axum::Json(job)).into_response()
}

/// `PUT /v1/jobs/{job_id}`: `version` required (`Versionable-Required`) and current.
pub(super) async fn update_job(State(s): S, Path(id): Path<String>, body: Bytes) -> Response {
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut d = lock(&s.data);
    let Some(current) = d.job_mut(&id).map(|(_, j)| j.get("version").cloned()) else {
        return not_found();
    };
    let Some(version) = b.get("version").and_then(Value::as_str) else {
        return missing("version");
    };
    if current.as_ref().and_then(Value::as_str) != Some(version) {
        return stale();
    }
    let hire = match hire_date(&b) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let new_version = d.next_version(&id);
    let Some((owner, job)) = d.job_mut(&id) else {
        return not_found();
    };
    for key in JOB_MEMBERS {
        if let Some(v) = b.get(key) {
            job.insert(key.into(), v.clone());
        }
    }
    if let Some(h) = hire {
        job.insert("hire_date".into(), Value::String(h));
    }
    job.insert("version".into(), Value::String(new_version));
    let job = Value::Object(job.clone());
    d.touch_employee(&owner);
    ok(job)
}

/// `PUT /v1/departments/{department_uuid}/add`: each person named moves to this department
/// (a person belongs to one); `version`, when sent, must be current.
pub(super) async fn add_to_department(
    State(s): S,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut d = lock(&s.data);
    let Some(index) = d
        .departments
        .iter()
        .position(|x| x["uuid"].as_str() == Some(id.as_str()))
    else {
        return not_found();
    };
    if let Some(v) = b.get("version").filter(|v| !v.is_null())
        && Some(v) != d.departments[index].get("version")
    {
        return stale();
    }
    let uuids = |key: &str| -> Result<Vec<String>, Response> {
        let Some(list) = b.get(key) else {
            return Ok(vec![]);
        };
        list.as_array()
            .and_then(|l| {
                l.iter()
                    .map(|p| p.get("uuid")?.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| {
                err(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    key,
                    "invalid_attribute_value",
                    &format!("{key} must be a list of {{\"uuid\": …}} objects"),
                )
            })
    };
    let (employees, contractors) = match (uuids("employees"), uuids("contractors")) {
        (Ok(e), Ok(c)) => (e, c),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    // The emulator has no contractors, so any contractor named is unknown.
    let unknown = employees.iter().find(|u| d.employee(u).is_none());
    if let Some(u) = unknown.or(contractors.first()) {
        return err(
            StatusCode::UNPROCESSABLE_ENTITY,
            "base",
            "invalid_attribute_value",
            &format!("{u} is not a person of this company"),
        );
    }
    let title = d.departments[index]["title"].clone();
    for person in &employees {
        for (i, dept) in d.departments.iter_mut().enumerate() {
            let Some(list) = dept.get_mut("employees").and_then(Value::as_array_mut) else {
                continue;
            };
            list.retain(|m| m["uuid"].as_str() != Some(person.as_str()));
            if i == index {
                list.push(json!({ "uuid": person }));
            }
        }
        if let Some(e) = d.employee_mut(person) {
            e.insert("department_uuid".into(), Value::String(id.clone()));
            e.insert("department".into(), title.clone());
        }
        d.touch_employee(person);
    }
    let version = d.next_version(&id);
    let dept = &mut d.departments[index];
    dept["version"] = Value::String(version);
    ok(dept.clone())
}
