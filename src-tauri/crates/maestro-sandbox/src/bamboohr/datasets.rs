//! The Datasets API, per `bamboohr-public.openapi.yaml`: `GET /api/v1_2/datasets`
//! (`list-datasets-v1-2`), `GET /api/v1_2/datasets/{datasetName}/fields`
//! (`get-fields-from-dataset-v1-2`, `DatasetFieldsResponse`) and
//! `POST /api/v2/datasets/{datasetName}/data` (`get-data-from-dataset-v2`). One dataset,
//! `employee`, whose values are the ones Get Employee answers. Errors are RFC 7807 problems.
//! The deprecated v1 operations are not emulated.

// Handlers short-circuit with ready-made `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::BambooState;
use super::meta::problem;
use super::routes::{employee_field, ok};
use crate::server::lock;

/// The one dataset: `(name, label)`.
const EMPLOYEE: (&str, &str) = ("employee", "Employee");
/// The `employee` dataset's fields: `(name, label, parentType, parentName, entityName)`.
pub(crate) const FIELDS: &[(&str, &str, &str, &str, &str)] = &[
    ("employeeId", "Employee ID", "page", "Personal", "personal"),
    (
        "employeeNumber",
        "Employee #",
        "page",
        "Personal",
        "personal",
    ),
    ("status", "Status", "page", "Personal", "personal"),
    ("firstName", "First Name", "page", "Personal", "personal"),
    ("middleName", "Middle Name", "page", "Personal", "personal"),
    ("lastName", "Last Name", "page", "Personal", "personal"),
    (
        "preferredName",
        "Preferred Name",
        "page",
        "Personal",
        "personal",
    ),
    (
        "displayName",
        "Display Name",
        "page",
        "Personal",
        "personal",
    ),
    ("birthDate", "Birth Date", "page", "Personal", "personal"),
    ("workEmail", "Work Email", "page", "Personal", "contact"),
    ("homeEmail", "Home Email", "page", "Personal", "contact"),
    ("workPhone", "Work Phone", "page", "Personal", "contact"),
    ("mobilePhone", "Mobile Phone", "page", "Personal", "contact"),
    ("homePhone", "Home Phone", "page", "Personal", "contact"),
    ("hireDate", "Hire Date", "page", "Job", "job"),
    (
        "originalHireDate",
        "Original Hire Date",
        "page",
        "Job",
        "job",
    ),
    ("terminationDate", "Termination Date", "page", "Job", "job"),
    (
        "jobTitle",
        "Job Title",
        "table",
        "Job Information",
        "jobInfo",
    ),
    (
        "department",
        "Department",
        "table",
        "Job Information",
        "jobInfo",
    ),
    (
        "division",
        "Division",
        "table",
        "Job Information",
        "jobInfo",
    ),
    (
        "location",
        "Location",
        "table",
        "Job Information",
        "jobInfo",
    ),
    (
        "employmentHistoryStatus",
        "Employment Status",
        "table",
        "Employment Status",
        "employmentStatus",
    ),
    ("customShirtSize", "Shirt size", "page", "Custom", "custom"),
];
/// Default and largest page of the fields list.
const FIELDS_PAGE: (usize, usize) = (500, 1000);
/// Default and largest page of the data.
const DATA_PAGE: (u64, u64) = (100, 1000);

fn unprocessable(code: &str, detail: &str) -> Response {
    problem(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

fn known(dataset: &str) -> Result<(), Response> {
    if dataset == EMPLOYEE.0 {
        Ok(())
    } else {
        Err(unprocessable(
            "DATASET_NOT_FOUND",
            &format!("Dataset `{dataset}` was not found"),
        ))
    }
}

/// `GET /api/v1_2/datasets`.
pub(super) async fn list_datasets() -> Response {
    ok(json!({"datasets": [{"name": EMPLOYEE.0, "label": EMPLOYEE.1}]}))
}

/// `GET /api/v1_2/datasets/{datasetName}/fields?page=&page_size=`: out-of-range pages are
/// clamped to the nearest one; invalid numbers fall back to the defaults.
pub(super) async fn dataset_fields(
    State(s): State<Arc<BambooState>>,
    Path(dataset): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = known(&dataset) {
        return r;
    }
    let size = q
        .get("page_size")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=FIELDS_PAGE.1).contains(n))
        .unwrap_or(FIELDS_PAGE.0);
    let total = FIELDS.len();
    let pages = total.div_ceil(size).max(1);
    let page = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
        .min(pages);
    let link = |p: usize| {
        Value::String(format!(
            "{}/api/v1_2/datasets/{dataset}/fields?page={p}&page_size={size}",
            s.ctx.base_url
        ))
    };
    let fields: Vec<Value> = FIELDS
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|(name, label, parent_type, parent_name, entity)| {
            json!({"name": name, "label": label, "parentType": parent_type, "parentName": parent_name, "entityName": entity})
        })
        .collect();
    ok(json!({
        "pagination": {
            "total_records": total, "current_page": page, "total_pages": pages,
            "next_page": if page < pages { link(page + 1) } else { Value::Null },
            "prev_page": if page > 1 { link(page - 1) } else { Value::Null },
        },
        "name": EMPLOYEE.0,
        "label": EMPLOYEE.1,
        "fields": fields,
    }))
}

/// One comparison of a filter: `field op 'value'` or `field in ('a','b')`.
#[derive(Debug)]
struct Test {
    field: String,
    op: String,
    values: Vec<String>,
}

/// Quoted string literals of `text` (`'O''Brien'` is one with a quote).
fn literals(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let mut lit = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            lit.push('\'');
                        }
                        '\'' => break,
                        other => lit.push(other),
                    }
                }
                out.push(lit);
            }
            ' ' | ',' | '(' | ')' => {}
            _ => return None,
        }
    }
    Some(out)
}

fn test(text: &str) -> Option<Test> {
    let text = text.trim();
    let (field, rest) = text.split_once(' ')?;
    let (op, value) = rest.trim_start().split_once(' ')?;
    let values = literals(value.trim())?;
    let ok = match op {
        "in" => value.trim().starts_with('(') && value.trim().ends_with(')') && !values.is_empty(),
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => values.len() == 1,
        _ => false,
    };
    ok.then(|| Test {
        field: field.to_owned(),
        op: op.to_owned(),
        values,
    })
}

/// An OData filter without parentheses around groups: `and` binds tighter than `or`.
/// None when the emulator cannot read it.
fn parse_filter(filter: &str) -> Option<Vec<Vec<Test>>> {
    filter
        .split(" or ")
        .map(|any| any.split(" and ").map(test).collect::<Option<Vec<_>>>())
        .collect()
}

fn passes(t: &Test, value: &Value) -> bool {
    let v = value.as_str().unwrap_or_default();
    let first = t.values.first().map(String::as_str).unwrap_or_default();
    match t.op.as_str() {
        "eq" => v == first,
        "ne" => v != first,
        "lt" => v < first,
        "le" => v <= first,
        "gt" => v > first,
        "ge" => v >= first,
        _ => t.values.iter().any(|x| x == v),
    }
}

fn body_error(detail: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "INVALID_REQUEST", detail)
}

/// The request body's fields, filter, sort and page.
struct DataRequest {
    fields: Vec<String>,
    filter: Vec<Vec<Test>>,
    order: Vec<(String, bool)>,
    page: u64,
    size: u64,
}

fn data_request(body: &Bytes) -> Result<DataRequest, Response> {
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
        return Err(body_error("The body must be a JSON object"));
    };
    let fields: Vec<String> = match b.get("fields") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|f| f.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| body_error("fields must be a list of field names"))?,
        _ => return Err(body_error("fields is required")),
    };
    let is_field = |f: &str| FIELDS.iter().any(|x| x.0 == f);
    if let Some(f) = fields.iter().find(|f| !is_field(f)) {
        return Err(body_error(&format!("Unknown field `{f}`")));
    }
    let filter = match b.get("filter") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(f)) if f.trim().is_empty() => Vec::new(),
        Some(Value::String(f)) => parse_filter(f)
            .filter(|groups| groups.iter().flatten().all(|t| is_field(&t.field)))
            .ok_or_else(|| unprocessable("INVALID_FILTER", &format!("Invalid filter `{f}`")))?,
        Some(_) => return Err(body_error("filter must be a string")),
    };
    let mut order = Vec::new();
    if let Some(Value::String(o)) = b.get("orderBy") {
        for rule in o.split(',').map(str::trim).filter(|r| !r.is_empty()) {
            let (field, dir) = rule.split_once(' ').unwrap_or((rule, "asc"));
            let desc = match dir.trim() {
                "asc" => false,
                "desc" => true,
                _ => return Err(unprocessable("INVALID_SORT", &format!("Bad rule `{rule}`"))),
            };
            if !fields.iter().any(|f| f == field) {
                return Err(unprocessable(
                    "INVALID_SORT",
                    &format!("`{field}` is sorted on but not among the fields"),
                ));
            }
            order.push((field.to_owned(), desc));
        }
    }
    let int = |k: &str, default: u64, max: u64| match b.get(k) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| unprocessable("INVALID_PAGINATION", &format!("Invalid {k}"))),
    };
    Ok(DataRequest {
        fields,
        filter,
        order,
        page: int("page", 1, u64::MAX)?,
        size: int("pageSize", DATA_PAGE.0, DATA_PAGE.1)?,
    })
}

/// `POST /api/v2/datasets/{datasetName}/data`: `fields` (required), `filter` (OData: `eq`,
/// `ne`, `lt`, `le`, `gt`, `ge`, `in`, `and`, `or`), `orderBy` (on requested fields), `page`
/// and `pageSize` (1..=1000, default 100). Rows are in employee-id order unless sorted.
pub(super) async fn dataset_data(
    State(s): State<Arc<BambooState>>,
    Path(dataset): Path<String>,
    body: Bytes,
) -> Response {
    if dataset != EMPLOYEE.0 {
        return problem(
            StatusCode::NOT_FOUND,
            "DATASET_NOT_FOUND",
            &format!("Dataset `{dataset}` does not exist or is not accessible"),
        );
    }
    let req = match data_request(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let d = lock(&s.data);
    let value = |id: &u32, m: &Map<String, Value>, f: &str| match f {
        "employeeId" => Value::String(id.to_string()),
        f => employee_field(&s, m, f).unwrap_or(Value::Null),
    };
    let mut rows: Vec<Map<String, Value>> = d
        .employees
        .iter()
        .filter(|(id, m)| {
            req.filter.is_empty()
                || req
                    .filter
                    .iter()
                    .any(|all| all.iter().all(|t| passes(t, &value(id, m, &t.field))))
        })
        .map(|(id, m)| {
            req.fields
                .iter()
                .map(|f| (f.clone(), value(id, m, f)))
                .collect()
        })
        .collect();
    drop(d);
    rows.sort_by(|a, b| {
        for (f, desc) in &req.order {
            let (x, y) = (
                a[f.as_str()].as_str().unwrap_or_default(),
                b[f.as_str()].as_str().unwrap_or_default(),
            );
            let o = if *desc { y.cmp(x) } else { x.cmp(y) };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let total = rows.len() as u64;
    let pages = total.div_ceil(req.size);
    let start = usize::try_from((req.page - 1).saturating_mul(req.size)).unwrap_or(usize::MAX);
    let data: Vec<Value> = rows
        .into_iter()
        .skip(start)
        .take(req.size as usize)
        .map(|fields| json!({"fields": fields}))
        .collect();
    let link = |p: u64| {
        Value::String(format!(
            "{}/api/v2/datasets/{dataset}/data?page={p}&pageSize={}",
            s.ctx.base_url, req.size
        ))
    };
    ok(json!({
        "data": data,
        "links": {
            "next": if req.page < pages { link(req.page + 1) } else { Value::Null },
            "prev": if req.page > 1 { link(req.page - 1) } else { Value::Null },
        },
        "meta": {"page": req.page, "pageSize": req.size, "totalPages": pages, "totalItems": total},
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn filters_parse_the_spec_example() {
        let f =
            parse_filter("status eq 'Active' and department in ('Engineering','Sales')").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0][1].values, ["Engineering", "Sales"]);
        let any = parse_filter("status eq 'Active' or status eq 'Inactive'").unwrap();
        assert_eq!(any.len(), 2);
        assert_eq!(
            parse_filter("lastName eq 'O''Brien'").unwrap()[0][0].values,
            ["O'Brien"]
        );
        assert!(parse_filter("status like 'A'").is_none());
        assert!(parse_filter("status eq Active").is_none());
    }
}
