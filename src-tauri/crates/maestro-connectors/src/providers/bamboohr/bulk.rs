//! The full employee read in bulk. The Datasets API (`employee` dataset: its field list, then
//! its data in pages) answers every employee in a few requests; when it is refused (403, or a
//! 404/400/422 for an account without it) the deprecated custom report
//! (`POST /api/v1/reports/custom`) is the fallback, and when that is refused too the caller
//! reads one by one. Department, location and manager ids are documented for Get Employee and
//! the employee list, not for datasets or reports, so they come from the list (2500 a page).
//! Every row is shaped like a Get Employee answer and mapped the same way.

use std::collections::HashMap;

use http::Method;
use maestro_core::model::CanonicalRecord;
use maestro_http::{ApiRequest, HttpError, IdempotencyKey, PageCursor};
use serde_json::{Value, json};

use super::read::{EMPLOYEE_FIELDS, detail_shape};
use super::{BambooHr, api, map, typed};
use crate::error::Result;

/// The dataset of employees.
const DATASET: &str = "employee";
/// The dataset field holding the employee id.
const ID_FIELD: &str = "employeeId";
/// Largest page of the dataset's field list and data (spec: maximum 1000).
const DATASET_PAGE_SIZE: u32 = 1000;
/// Bound on any page walk here.
const MAX_PAGES: u32 = 10_000;
/// Ids documented for Get Employee and the employee list only.
const LIST_ID_FIELDS: &[&str] = &["departmentId", "locationId", "reportsToId"];

/// One bulk row and where it was in the answer.
struct Row {
    path: String,
    row: Value,
}

/// An answer meaning "not for this account or key": try the next way.
fn refused(e: &HttpError) -> bool {
    matches!(
        e,
        HttpError::Auth { status: 403, .. }
            | HttpError::NotFound { .. }
            | HttpError::Validation {
                status: 400 | 422,
                ..
            }
    )
}

fn ids_value(id: Option<String>) -> Value {
    id.map_or(Value::Null, Value::String)
}

impl BambooHr {
    /// Every employee through a dataset or the report; None when both are refused.
    pub(super) async fn bulk_employees(
        &self,
        custom: &[String],
    ) -> Result<Option<Vec<CanonicalRecord>>> {
        let shape: Vec<&str> = EMPLOYEE_FIELDS
            .iter()
            .copied()
            .chain(custom.iter().map(String::as_str))
            .collect();
        let asked: Vec<&str> = shape
            .iter()
            .copied()
            .filter(|f| !LIST_ID_FIELDS.contains(f))
            .collect();
        let rows = match self.dataset_rows(&asked).await? {
            Some(rows) => rows,
            None => match self.report_rows(&asked).await? {
                Some(rows) => rows,
                None => return Ok(None),
            },
        };
        // Every row decodes before anything else is asked.
        let details = rows
            .into_iter()
            .map(|Row { path, row }| Ok((typed::<api::EmployeeDetail>(&row, &path)?, row)))
            .collect::<Result<Vec<_>>>()?;
        let mut listed = self.listed().await?;
        let today = self.today();
        let mut records = Vec::with_capacity(details.len());
        for (detail, mut row) in details {
            let list = listed.remove(&detail.id);
            if let (Value::Object(m), Some(l)) = (&mut row, &list) {
                m.insert("departmentId".into(), ids_value(l.department_id.clone()));
                m.insert("locationId".into(), ids_value(l.location_id.clone()));
                m.insert("reportsToId".into(), ids_value(l.reports_to_id.clone()));
            }
            let raw = detail_shape(row, &shape);
            let e = map::employee(&self.origin, detail, list, raw, custom, today, None);
            records.push(e.into());
        }
        Ok(Some(records))
    }

    /// Every employee of the cursor list, by id (with the id fields it documents).
    async fn listed(&self) -> Result<HashMap<String, api::EmployeeListItem>> {
        let mut out = HashMap::new();
        let mut page: Option<PageCursor> = None;
        for _ in 0..MAX_PAGES {
            let (items, next) = self.list_page(page.as_ref(), &[]).await?;
            out.extend(items.into_iter().map(|e| (e.employee_id.clone(), e)));
            match next {
                Some(n) => page = Some(n),
                None => break,
            }
        }
        Ok(out)
    }

    /// The `employee` dataset's field names; None when datasets are refused.
    async fn dataset_fields(&self) -> Result<Option<Vec<String>>> {
        let mut names = Vec::new();
        let size = DATASET_PAGE_SIZE.to_string();
        for page in 1..=MAX_PAGES {
            let number = page.to_string();
            let url = self.url(
                &format!("/api/v1_2/datasets/{DATASET}/fields"),
                &[("page", &number), ("page_size", &size)],
            )?;
            let body = match self.session.get_json::<Value>(url).await {
                Ok((v, _)) => v,
                Err(e) if refused(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let list: api::DatasetFields = typed(&body, "")?;
            let empty = list.fields.is_empty();
            names.extend(list.fields.into_iter().filter_map(|f| f.name));
            let total = list
                .pagination
                .and_then(|p| p.total_pages)
                .and_then(|t| t.trim().parse::<u32>().ok())
                .unwrap_or(1);
            // Out-of-range pages are clamped, so only the count ends the walk.
            if empty || page >= total {
                break;
            }
        }
        Ok(Some(names))
    }

    /// Every row of the `employee` dataset (active and inactive people) with the `asked`
    /// fields it has; None when datasets are refused or it has no employee id field.
    async fn dataset_rows(&self, asked: &[&str]) -> Result<Option<Vec<Row>>> {
        let Some(offered) = self.dataset_fields().await? else {
            tracing::info!(
                provider = super::NAME,
                "datasets refused; trying the report"
            );
            return Ok(None);
        };
        let has = |f: &str| offered.iter().any(|o| o == f);
        if !has(ID_FIELD) {
            tracing::info!(provider = super::NAME, "no employee id in the dataset");
            return Ok(None);
        }
        let fields: Vec<&str> = std::iter::once(ID_FIELD)
            .chain(asked.iter().copied().filter(|f| *f != ID_FIELD && has(f)))
            .collect();
        // Future hires are Inactive (spec): ask for both statuses explicitly.
        let filter = has("status").then_some("status in ('Active','Inactive')");
        let url = self.url(&format!("/api/v2/datasets/{DATASET}/data"), &[])?;
        let mut rows = Vec::new();
        for page in 1..=MAX_PAGES {
            let body = json!({
                "fields": fields, "filter": filter, "page": page, "pageSize": DATASET_PAGE_SIZE,
            });
            // A query only reads, so a lost answer is safe to ask again.
            let request =
                ApiRequest::json(Method::POST, url.clone(), body).idempotent(IdempotencyKey::new());
            let raw = match self.session.send(&request).await {
                Ok(resp) => resp.json::<Value>()?,
                Err(e) if page == 1 && refused(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let answer: api::DatasetData = typed(&raw, "")?;
            let empty = answer.data.is_empty();
            for (i, item) in answer.data.iter().enumerate() {
                let path = format!("data[{i}].fields");
                let mut fields = typed::<api::DatasetRow>(item, &format!("data[{i}]"))?.fields;
                let id = fields.remove(ID_FIELD).unwrap_or(Value::Null);
                let mut row = serde_json::Map::new();
                row.insert("id".into(), id);
                row.extend(fields);
                rows.push(Row {
                    path,
                    row: Value::Object(row),
                });
            }
            let total = answer.meta.and_then(|m| m.total_pages).unwrap_or(1);
            if empty || page >= total {
                break;
            }
        }
        Ok(Some(rows))
    }

    /// Every employee through the custom report; None when the report is refused (403: the
    /// key's user may not run reports; 404: the account lacks it).
    async fn report_rows(&self, asked: &[&str]) -> Result<Option<Vec<Row>>> {
        let url = self.url("/api/v1/reports/custom", &[("format", "JSON")])?;
        let body = json!({"title": "Maestro employees", "fields": asked});
        // A report only reads, so a lost answer is safe to ask again: a fresh key marks it so.
        let request = ApiRequest::json(Method::POST, url, body).idempotent(IdempotencyKey::new());
        let raw = match self.session.send(&request).await {
            Ok(resp) => resp.json::<Value>()?,
            Err(HttpError::Auth { status: 403, .. } | HttpError::NotFound { .. }) => {
                tracing::info!(
                    provider = super::NAME,
                    "custom report refused; reading employees one by one"
                );
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let report: api::CustomReport = typed(&raw, "")?;
        Ok(Some(
            report
                .employees
                .into_iter()
                .enumerate()
                .map(|(i, row)| Row {
                    path: format!("employees[{i}]"),
                    row,
                })
                .collect(),
        ))
    }
}
