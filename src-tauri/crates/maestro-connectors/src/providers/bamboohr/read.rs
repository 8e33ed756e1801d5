//! Read endpoints, one method per entity.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, Utc};
use futures::{StreamExt, TryStreamExt};
use maestro_core::model::CanonicalRecord;
use maestro_http::{HttpError, PageCursor};
use serde_json::Value;

use super::{
    BambooHr, DETAIL_CONCURRENCY, EMPLOYEE_PAGE_LIMIT, LOCATION_PAGE_SIZE, api, array, map,
    since_param, typed,
};
use crate::connector::Page;
use crate::error::{ConnectorError, Result};

/// Standard fields read with Get Employee (custom fields are added from `/api/v1/meta/fields`),
/// each documented for Get Employee or as an employee field name.
pub(super) const EMPLOYEE_FIELDS: &[&str] = &[
    "firstName",
    "middleName",
    "lastName",
    "preferredName",
    "displayName",
    "employeeNumber",
    "workEmail",
    "homeEmail",
    "workPhone",
    "mobilePhone",
    "homePhone",
    "birthDate",
    "hireDate",
    "terminationDate",
    "status",
    "employmentStatus",
    "jobTitleName",
    "department",
    "departmentId",
    "division",
    "location",
    "locationId",
    "reportsToId",
    "employmentHistoryStatus",
];
/// Fields asked of the cursor list: ids Get Employee may not give, and the work email.
const LIST_FIELDS: &str =
    "workEmail,departmentId,departmentName,locationId,locationName,reportsToId";
/// Changed employees looked up in the list per request (`filter[ids][]`).
const IDS_PER_LOOKUP: usize = 100;
/// Get Employee accepts at most 400 fields per request.
const MAX_FIELDS: usize = 400;

/// One table row with the employee it belongs to and where it was in the response.
struct TableRow {
    employee_id: String,
    path: String,
    raw: Value,
    modified: Option<DateTime<Utc>>,
}

/// A report row as Get Employee answers the same fields: the id, then every requested field in
/// the order asked, null where the report left it out (the report omits fields it does not
/// know; Get Employee answers them as null), so raw payloads and content hashes match the
/// one-by-one path.
pub(super) fn detail_shape(row: Value, fields: &[&str]) -> Value {
    let Value::Object(mut row) = row else {
        return row;
    };
    let mut out = serde_json::Map::new();
    out.insert("id".into(), row.remove("id").unwrap_or(Value::Null));
    for f in fields {
        out.insert((*f).to_owned(), row.remove(*f).unwrap_or(Value::Null));
    }
    Value::Object(out)
}

fn page_of(records: Vec<CanonicalRecord>, next: Option<PageCursor>) -> Page {
    Page {
        records,
        deleted: Vec::new(),
        next,
    }
}

impl BambooHr {
    pub(super) async fn read_company(&self) -> Result<Page> {
        let raw = self
            .get(self.url("/api/v1/company_information", &[])?)
            .await?;
        let info = typed(&raw, "")?;
        let company = map::company(&self.origin, &self.company_key, info, raw);
        Ok(page_of(vec![company.into()], None))
    }

    /// One page of the cursor list (with [`LIST_FIELDS`]): the employees on it and the next
    /// cursor. With `ids`, only those employees (`filter[ids][]`, at most a page of them).
    pub(super) async fn list_page(
        &self,
        page: Option<&PageCursor>,
        ids: &[String],
    ) -> Result<(Vec<api::EmployeeListItem>, Option<PageCursor>)> {
        let limit = EMPLOYEE_PAGE_LIMIT.to_string();
        let mut query = vec![("page[limit]", limit.as_str()), ("fields", LIST_FIELDS)];
        query.extend(ids.iter().map(|id| ("filter[ids][]", id.as_str())));
        let url = match page {
            None => self.url("/api/v1/employees", &query)?,
            Some(PageCursor::Url(href)) => self.resolve(href)?,
            Some(PageCursor::Token(after)) => {
                query.push(("page[after]", after));
                self.url("/api/v1/employees", &query)?
            }
            Some(other) => {
                return Err(super::invalid(format!(
                    "unexpected employee cursor {other:?}"
                )));
            }
        };
        let body = self.get(url).await?;
        let list: api::EmployeeList = typed(&body, "")?;
        let items = list
            .data
            .iter()
            .enumerate()
            .map(|(i, v)| typed(v, &format!("data[{i}]")))
            .collect::<Result<Vec<api::EmployeeListItem>>>()?;
        let next = match list.links.and_then(|l| l.next).and_then(|n| n.href) {
            Some(href) if !href.is_empty() => Some(PageCursor::Url(href)),
            _ => list
                .meta
                .and_then(|m| m.page)
                .and_then(|p| p.next_cursor)
                .filter(|c| !c.is_empty())
                .map(PageCursor::Token),
        };
        // A page without employees ends the list even if a link is left dangling.
        Ok((items, if list.data.is_empty() { None } else { next }))
    }

    /// Custom-field aliases (`custom…`) of the account, read once per connection.
    async fn custom_fields(&self) -> Result<&[String]> {
        let fields = self
            .custom_fields
            .get_or_try_init(|| async {
                let url = self.url("/api/v1/meta/fields", &[])?;
                let body = match self.get(url).await {
                    Ok(v) => v,
                    // Without permission to list fields we sync the standard ones only.
                    Err(ConnectorError::Http(
                        HttpError::Auth { status: 403, .. } | HttpError::NotFound { .. },
                    )) => {
                        return Ok(Vec::new());
                    }
                    Err(e) => return Err(e),
                };
                let mut out = Vec::new();
                for (i, v) in array(body, "fields")?.iter().enumerate() {
                    let f: api::MetaField = typed(v, &format!("[{i}]"))?;
                    if let Some(alias) = f.alias
                        && alias.starts_with("custom")
                        && f.deprecated != Some(true)
                        && !out.contains(&alias)
                    {
                        out.push(alias);
                    }
                }
                out.truncate(MAX_FIELDS - EMPLOYEE_FIELDS.len());
                Ok::<_, ConnectorError>(out)
            })
            .await?;
        Ok(fields.as_slice())
    }

    /// Get Employee with every mapped field; None when the employee has gone meanwhile.
    async fn employee(
        &self,
        id: &str,
        fields: &str,
        custom: &[String],
        modified: Option<DateTime<Utc>>,
        list: Option<api::EmployeeListItem>,
    ) -> Result<Option<CanonicalRecord>> {
        let url = self.url(&format!("/api/v1/employees/{id}"), &[("fields", fields)])?;
        let raw = match self.get(url).await {
            Ok(v) => v,
            Err(ConnectorError::Http(HttpError::NotFound { .. })) => return Ok(None),
            Err(e) => return Err(e),
        };
        let detail = typed(&raw, "")?;
        Ok(Some(
            map::employee(
                &self.origin,
                detail,
                list,
                raw,
                custom,
                self.today(),
                modified,
            )
            .into(),
        ))
    }

    async fn employees(
        &self,
        ids: Vec<(String, Option<DateTime<Utc>>, Option<api::EmployeeListItem>)>,
    ) -> Result<Vec<CanonicalRecord>> {
        let custom = self.custom_fields().await?;
        let fields = EMPLOYEE_FIELDS
            .iter()
            .copied()
            .chain(custom.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(",");
        let fields = fields.as_str();
        let found: Vec<Option<CanonicalRecord>> = futures::stream::iter(ids)
            .map(|(id, modified, list)| async move {
                self.employee(&id, fields, custom, modified, list).await
            })
            .buffered(DETAIL_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// The full employee read: in bulk ([`Self::bulk_employees`]: a dataset, else the custom
    /// report) when the account allows it, else the cursor list plus one Get Employee per
    /// employee ([`Self::read_employees_one_by_one`]). A resumed run holding a list cursor
    /// from that path goes on with it.
    pub(super) async fn read_employees(&self, page: Option<&PageCursor>) -> Result<Page> {
        if page.is_none() {
            let custom = self.custom_fields().await?;
            if let Some(records) = self.bulk_employees(custom).await? {
                return Ok(page_of(records, None));
            }
        }
        self.read_employees_one_by_one(page).await
    }

    /// One page of the cursor list, then Get Employee for each employee on it.
    async fn read_employees_one_by_one(&self, page: Option<&PageCursor>) -> Result<Page> {
        let (items, next) = self.list_page(page, &[]).await?;
        let ids = items
            .into_iter()
            .map(|e| (e.employee_id.clone(), None, Some(e)))
            .collect();
        Ok(page_of(self.employees(ids).await?, next))
    }

    pub(super) async fn read_changed_employees(&self, since: DateTime<Utc>) -> Result<Page> {
        let since = since_param(since);
        let url = self.url("/api/v1/employees/changed", &[("since", since.as_str())])?;
        let changed: api::ChangedEmployees = typed(&self.get(url).await?, "")?;
        let mut deleted = Vec::new();
        let mut ids = Vec::new();
        for (_, c) in changed.employees {
            if c.action.eq_ignore_ascii_case("deleted") {
                deleted.push(c.id);
            } else {
                ids.push((c.id, c.last_changed));
            }
        }
        let mut listed: HashMap<String, api::EmployeeListItem> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let chunk: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
            let (items, _) = self.list_page(None, &chunk).await?;
            listed.extend(items.into_iter().map(|e| (e.employee_id.clone(), e)));
        }
        let ids = ids
            .into_iter()
            .map(|(id, modified)| {
                let list = listed.remove(&id);
                (id, modified, list)
            })
            .collect();
        Ok(Page {
            records: self.employees(ids).await?,
            deleted,
            next: None,
        })
    }

    /// Every row of `table` (all employees), or the rows of employees changed since `since`.
    async fn table(&self, table: &str, since: Option<DateTime<Utc>>) -> Result<Vec<TableRow>> {
        let Some(since) = since else {
            let url = self.url(&format!("/api/v1/employees/all/tables/{table}"), &[])?;
            let rows = array(self.get(url).await?, table)?;
            return rows
                .into_iter()
                .enumerate()
                .map(|(i, raw)| {
                    let path = format!("[{i}]");
                    let employee_id = match raw.get("employeeId") {
                        Some(Value::String(s)) if !s.is_empty() => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => {
                            return Err(HttpError::Decode {
                                provider: super::NAME.into(),
                                path: format!("{path}.employeeId"),
                                message: "missing employee id".into(),
                            }
                            .into());
                        }
                    };
                    Ok(TableRow {
                        employee_id,
                        path,
                        raw,
                        modified: None,
                    })
                })
                .collect();
        };
        let since = since_param(since);
        let url = self.url(
            &format!("/api/v1/employees/changed/tables/{table}"),
            &[("since", since.as_str())],
        )?;
        let changed: api::ChangedTable = typed(&self.get(url).await?, "")?;
        Ok(changed
            .employees
            .into_iter()
            .flat_map(|(employee_id, e)| {
                let modified = e.last_changed;
                e.rows
                    .into_iter()
                    .enumerate()
                    .map(move |(i, raw)| TableRow {
                        path: format!("employees.{employee_id}.rows[{i}]"),
                        employee_id: employee_id.clone(),
                        raw,
                        modified,
                    })
            })
            .collect())
    }

    pub(super) async fn read_employments(&self, since: Option<DateTime<Utc>>) -> Result<Page> {
        let mut by_employee: BTreeMap<String, map::History> = BTreeMap::new();
        for row in self.table("jobInfo", since).await? {
            let job: api::JobInfoRow = typed(&row.raw, &row.path)?;
            let h = by_employee.entry(row.employee_id).or_default();
            h.modified = h.modified.max(row.modified);
            h.jobs.push((job, row.raw));
        }
        for row in self.table("compensation", since).await? {
            if let Some(h) = by_employee.get_mut(&row.employee_id) {
                h.pay.push(typed(&row.raw, &row.path)?);
            }
        }
        // Employment types are optional: an account without the table still syncs jobs.
        let statuses = match self.table("employmentStatus", since).await {
            Ok(rows) => rows,
            Err(ConnectorError::Http(HttpError::NotFound { .. })) => Vec::new(),
            Err(e) => return Err(e),
        };
        for row in statuses {
            if let Some(h) = by_employee.get_mut(&row.employee_id) {
                h.statuses.push(typed(&row.raw, &row.path)?);
            }
        }
        let today = self.today();
        let mut records = Vec::new();
        for (employee_id, history) in by_employee {
            let jobs = map::employments(&self.origin, &employee_id, history, today)?;
            records.extend(jobs.into_iter().map(CanonicalRecord::from));
        }
        Ok(page_of(records, None))
    }

    pub(super) async fn read_compensation(&self, since: Option<DateTime<Utc>>) -> Result<Page> {
        let mut records = Vec::new();
        for row in self.table("compensation", since).await? {
            let typed_row: api::CompensationRow = typed(&row.raw, &row.path)?;
            if let Some(c) = map::compensation(
                &self.origin,
                &row.employee_id,
                typed_row,
                row.raw,
                row.modified,
            )? {
                records.push(c.into());
            }
        }
        Ok(page_of(records, None))
    }

    /// Distinct `(id, name)` pairs the employee list shows, over all its pages: the fallback
    /// for accounts (and the emulator) without the list-field or location endpoints.
    async fn seen_in_list(
        &self,
        pick: fn(api::EmployeeListItem) -> Option<(String, Option<String>)>,
    ) -> Result<Vec<(String, String)>> {
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut page: Option<PageCursor> = None;
        loop {
            let (items, next) = self.list_page(page.as_ref(), &[]).await?;
            for (id, name) in items.into_iter().filter_map(pick) {
                if !seen.iter().any(|(s, _)| *s == id) {
                    let name = name.unwrap_or_else(|| id.clone());
                    seen.push((id, name));
                }
            }
            match next {
                Some(n) => page = Some(n),
                None => return Ok(seen),
            }
        }
    }

    pub(super) async fn read_departments(&self) -> Result<Page> {
        let lists = match self.get(self.url("/api/v1/meta/lists", &[])?).await {
            Ok(v) => array(v, "list fields")?,
            // 403: the key's user may not view employee fields (spec).
            Err(ConnectorError::Http(
                HttpError::NotFound { .. } | HttpError::Auth { status: 403, .. },
            )) => {
                let seen = self
                    .seen_in_list(|e| e.department_id.map(|id| (id, e.department_name)))
                    .await?;
                let records = seen.into_iter().map(|(id, name)| {
                    let raw = serde_json::json!({"departmentId": id, "departmentName": name});
                    let option = api::ListOption {
                        id,
                        name,
                        archived: None,
                    };
                    map::department(&self.origin, option, raw).into()
                });
                return Ok(page_of(records.collect(), None));
            }
            Err(e) => return Err(e),
        };
        let mut records = Vec::new();
        for (i, v) in lists.iter().enumerate() {
            let list: api::ListField = typed(v, &format!("[{i}]"))?;
            if list.alias.as_deref() != Some("department") {
                continue;
            }
            for (j, raw) in list.options.into_iter().enumerate() {
                let option: api::ListOption = typed(&raw, &format!("[{i}].options[{j}]"))?;
                // Archived options stay in the list for historical data only (spec).
                if !option.is_archived() {
                    records.push(map::department(&self.origin, option, raw).into());
                }
            }
        }
        Ok(page_of(records, None))
    }

    pub(super) async fn read_locations(&self, page: Option<&PageCursor>) -> Result<Page> {
        // PageCursor::Page is 1-based; the endpoint's `page` is 0-based.
        let number = match page {
            None => 1,
            Some(PageCursor::Page(n)) => (*n).max(1),
            Some(other) => {
                return Err(super::invalid(format!(
                    "unexpected location cursor {other:?}"
                )));
            }
        };
        let (page_param, size) = ((number - 1).to_string(), LOCATION_PAGE_SIZE.to_string());
        let url = self.url(
            "/api/v1/hris/org/locations",
            &[
                ("page", &page_param),
                ("pageSize", &size),
                ("expand", "state,country"),
            ],
        )?;
        let body: api::LocationPage = match self.get(url).await {
            Ok(v) => typed(&v, "")?,
            // The spec lists only OAuth for this endpoint: an API key may be refused (403).
            Err(ConnectorError::Http(
                HttpError::NotFound { .. } | HttpError::Auth { status: 403, .. },
            )) if number == 1 => {
                let seen = self
                    .seen_in_list(|e| e.location_id.map(|id| (id, e.location_name)))
                    .await?;
                let records = seen.into_iter().map(|(id, name)| {
                    let raw = serde_json::json!({"locationId": id, "locationName": name});
                    let item = api::LocationItem {
                        id,
                        label: Some(name),
                        archived: None,
                        address: None,
                    };
                    map::location(&self.origin, item, raw).into()
                });
                return Ok(page_of(records.collect(), None));
            }
            Err(e) => return Err(e),
        };
        let full = body.data.len() >= LOCATION_PAGE_SIZE as usize;
        let more = match body.meta.and_then(|m| m.total_pages) {
            Some(total) => number < total,
            None => full,
        };
        let had_items = !body.data.is_empty();
        let mut records = Vec::new();
        for (i, raw) in body.data.into_iter().enumerate() {
            let item: api::LocationItem = typed(&raw, &format!("data[{i}]"))?;
            if item.archived != Some(true) {
                records.push(map::location(&self.origin, item, raw).into());
            }
        }
        let next = (more && had_items).then_some(PageCursor::Page(number + 1));
        Ok(page_of(records, next))
    }

    pub(super) async fn read_policies(&self) -> Result<Page> {
        let body = self
            .get(self.url("/api/v1/meta/time_off/types", &[])?)
            .await?;
        let types: api::TimeOffTypes = typed(&body, "")?;
        let mut records = Vec::new();
        for (i, raw) in types.time_off_types.into_iter().enumerate() {
            let t = typed(&raw, &format!("timeOffTypes[{i}]"))?;
            records.push(map::policy(&self.origin, t, raw)?.into());
        }
        Ok(page_of(records, None))
    }

    /// Requests overlapping ten years back to two years ahead; incremental reads keep those
    /// whose status changed (or that were created) since the day before `since`, because
    /// BambooHR gives these as dates in the company's time zone.
    pub(super) async fn read_time_off_requests(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Page> {
        let today = self.today();
        let start = today
            .checked_sub_days(Days::new(3653))
            .unwrap_or(today)
            .to_string();
        let end = today
            .checked_add_days(Days::new(731))
            .unwrap_or(today)
            .to_string();
        let url = self.url(
            "/api/v1/time_off/requests",
            &[("start", &start), ("end", &end)],
        )?;
        let items = array(self.get(url).await?, "time-off requests")?;
        let cutoff = since.map(|s| s.date_naive().pred_opt().unwrap_or(s.date_naive()));
        let mut records = Vec::new();
        for (i, raw) in items.into_iter().enumerate() {
            let r: api::TimeOffRequestItem = typed(&raw, &format!("[{i}]"))?;
            let changed_on = r.status.last_changed.or(r.created);
            if let (Some(cutoff), Some(day)) = (cutoff, changed_on)
                && day < cutoff
            {
                continue;
            }
            records.push(map::time_off_request(&self.origin, r, raw)?.into());
        }
        Ok(page_of(records, None))
    }

    /// Balances as of today for the employees of one list page.
    pub(super) async fn read_balances(&self, page: Option<&PageCursor>) -> Result<Page> {
        let (items, next) = self.list_page(page, &[]).await?;
        let today = self.today().to_string();
        let today = today.as_str();
        let per_employee: Vec<Vec<CanonicalRecord>> = futures::stream::iter(items)
            .map(|e| async move { self.balances_of(&e.employee_id, today).await })
            .buffered(DETAIL_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(page_of(per_employee.into_iter().flatten().collect(), next))
    }

    async fn balances_of(&self, employee_id: &str, today: &str) -> Result<Vec<CanonicalRecord>> {
        let url = self.url(
            &format!("/api/v1/employees/{employee_id}/time_off/calculator"),
            &[("end", today)],
        )?;
        let body = match self.get(url).await {
            Ok(v) => v,
            Err(ConnectorError::Http(HttpError::NotFound { .. })) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        array(body, "balances")?
            .into_iter()
            .enumerate()
            .map(|(i, raw)| {
                let entry = typed(&raw, &format!("[{i}]"))?;
                Ok(map::balance(&self.origin, employee_id, entry, raw)?.into())
            })
            .collect()
    }
}
