//! Writes. BambooHR takes no idempotency key, so each write first looks for what an earlier
//! attempt may already have created, and non-idempotent calls are sent once (no HTTP retry).

use http::Method;
use maestro_http::{ApiRequest, ApiResponse, IdempotencyKey, PageCursor};
use serde_json::{Map, Value, json};

use super::{BambooHr, api, array, map, typed};
use crate::connector::{EmployeeChanges, NewEmployee, NewTimeOffRequest, WriteOp, WriteOutcome};
use crate::error::Result;

/// A short name for an operation, for "not supported" messages.
pub(super) fn op_name(op: &WriteOp) -> &'static str {
    match op {
        WriteOp::CreateEmployee(_) => "new employees",
        WriteOp::UpdateEmployee { .. } => "employee changes",
        WriteOp::TerminateEmployee { .. } => "terminations",
        WriteOp::CreateTimeEntry(_) => "time entries",
        WriteOp::CreateTimeOffRequest(_) => "time-off requests",
        WriteOp::UpdatePayRate { .. } => "pay-rate changes",
        WriteOp::OrderBackgroundCheck(_) => "background check orders",
    }
}

/// The record id in a `Location` header (`…/employees/123` or `…?id=123`).
fn id_from_location(location: &str) -> Option<String> {
    let url = url::Url::parse(location)
        .or_else(|_| url::Url::parse("http://localhost/").and_then(|b| b.join(location)))
        .ok()?;
    if let Some((_, id)) = url.query_pairs().find(|(k, _)| k == "id") {
        return Some(id.into_owned());
    }
    url.path_segments()?
        .rev()
        .find(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
}

fn created_id(resp: &ApiResponse) -> Option<String> {
    let from_body = serde_json::from_slice::<Value>(&resp.body)
        .ok()
        .and_then(|v| match v.get("id")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    from_body.or_else(|| resp.header("location").and_then(id_from_location))
}

fn put(body: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        body.insert(key.into(), Value::String(v.clone()));
    }
}

impl BambooHr {
    /// The id of the employee whose work email is `email`, scanning the cursor list.
    async fn find_by_work_email(&self, email: &str) -> Result<Option<String>> {
        let wanted = email.trim().to_ascii_lowercase();
        let mut page: Option<PageCursor> = None;
        loop {
            let (items, next) = self.list_page(page.as_ref(), &[]).await?;
            if let Some(found) = items.into_iter().find(|e| {
                e.work_email
                    .as_deref()
                    .is_some_and(|w| w.trim().eq_ignore_ascii_case(&wanted))
            }) {
                return Ok(Some(found.employee_id));
            }
            match next {
                Some(n) => page = Some(n),
                None => return Ok(None),
            }
        }
    }

    pub(super) async fn create_employee(&self, new: &NewEmployee) -> Result<WriteOutcome> {
        if let Some(remote_id) = self.find_by_work_email(&new.work_email).await? {
            return Ok(WriteOutcome {
                remote_id,
                applied_now: false,
            });
        }
        let mut body = Map::new();
        body.insert("firstName".into(), json!(new.first_name));
        body.insert("lastName".into(), json!(new.last_name));
        body.insert("workEmail".into(), json!(new.work_email.trim()));
        put(&mut body, "jobTitle", new.job_title.as_ref());
        put(&mut body, "department", new.department.as_ref());
        if let Some(d) = new.start_date {
            body.insert("hireDate".into(), json!(d.to_string()));
        }
        if let Some(d) = &new.date_of_birth {
            body.insert("dateOfBirth".into(), json!(d.expose().to_string()));
        }
        let url = self.url("/api/v1/employees", &[])?;
        let resp = self
            .once
            .send(&ApiRequest::json(Method::POST, url, Value::Object(body)))
            .await?;
        let remote_id = created_id(&resp).ok_or_else(|| {
            map::bad(
                "employee",
                &new.work_email,
                "BambooHR created the employee but sent no Location header with its id",
            )
        })?;
        Ok(WriteOutcome {
            remote_id,
            applied_now: true,
        })
    }

    pub(super) async fn update_employee(
        &self,
        remote_id: &str,
        changes: &EmployeeChanges,
        key: &IdempotencyKey,
    ) -> Result<WriteOutcome> {
        let mut body = Map::new();
        put(&mut body, "firstName", changes.first_name.as_ref());
        put(&mut body, "lastName", changes.last_name.as_ref());
        put(&mut body, "workEmail", changes.work_email.as_ref());
        put(&mut body, "jobTitle", changes.job_title.as_ref());
        put(&mut body, "department", changes.department.as_ref());
        if body.is_empty() {
            return Ok(WriteOutcome {
                remote_id: remote_id.into(),
                applied_now: false,
            });
        }
        // Setting fields to values is idempotent, so this one may be retried.
        let url = self.url(&format!("/api/v1/employees/{remote_id}"), &[])?;
        let request =
            ApiRequest::json(Method::POST, url, Value::Object(body)).idempotent(key.clone());
        self.session.send(&request).await?;
        Ok(WriteOutcome {
            remote_id: remote_id.into(),
            applied_now: true,
        })
    }

    /// A live request with the same employee, dates, type and amount, if one exists.
    async fn find_time_off_request(&self, new: &NewTimeOffRequest) -> Result<Option<String>> {
        let (start, end) = (new.start.to_string(), new.end.to_string());
        let url = self.url(
            "/api/v1/time_off/requests",
            &[
                ("employeeId", new.employee_remote_id.as_str()),
                ("start", start.as_str()),
                ("end", end.as_str()),
                ("type", new.type_remote_id.as_str()),
            ],
        )?;
        for (i, raw) in array(self.get(url).await?, "time-off requests")?
            .iter()
            .enumerate()
        {
            let r: api::TimeOffRequestItem = typed(raw, &format!("[{i}]"))?;
            let live = matches!(
                r.status.status.to_ascii_lowercase().as_str(),
                "requested" | "approved"
            );
            let same = r.employee_id == new.employee_remote_id
                && r.start == new.start
                && r.end == new.end
                && r.kind.as_ref().is_some_and(|t| t.id == new.type_remote_id)
                && r.amount
                    .and_then(|a| a.amount)
                    .is_none_or(|a| a == new.amount);
            if live && same {
                return Ok(Some(r.id));
            }
        }
        Ok(None)
    }

    pub(super) async fn create_time_off_request(
        &self,
        new: &NewTimeOffRequest,
    ) -> Result<WriteOutcome> {
        if let Some(remote_id) = self.find_time_off_request(new).await? {
            return Ok(WriteOutcome {
                remote_id,
                applied_now: false,
            });
        }
        let type_id = new
            .type_remote_id
            .parse::<u64>()
            .map_or_else(|_| json!(new.type_remote_id), |n| json!(n));
        // The API takes a JSON number; the decimal's own text keeps it exact on the wire.
        let amount: Value =
            serde_json::from_str(&new.amount.normalize().to_string()).map_err(|e| {
                map::bad(
                    "time_off_request",
                    &new.employee_remote_id,
                    format!("amount: {e}"),
                )
            })?;
        let mut body = json!({
            "status": "requested",
            "start": new.start.to_string(),
            "end": new.end.to_string(),
            "timeOffTypeId": type_id,
            "amount": amount,
        });
        if let Some(note) = new.note.as_ref().filter(|n| !n.trim().is_empty()) {
            body["notes"] = json!([{ "from": "employee", "note": note }]);
        }
        let url = self.url(
            &format!(
                "/api/v1/employees/{}/time_off/request",
                new.employee_remote_id
            ),
            &[],
        )?;
        // PUT creates a new request each time here, so it is sent once; the lookup above makes
        // the write safe to repeat.
        let resp = self
            .once
            .send(&ApiRequest::json(Method::PUT, url, body))
            .await?;
        let remote_id = created_id(&resp).ok_or_else(|| {
            map::bad(
                "time_off_request",
                &new.employee_remote_id,
                "BambooHR created the request but sent neither its id nor a Location header",
            )
        })?;
        Ok(WriteOutcome {
            remote_id,
            applied_now: true,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::id_from_location;

    #[test]
    fn ids_from_location_headers() {
        assert_eq!(
            id_from_location("https://acme.bamboohr.com/api/v1/employees/123").unwrap(),
            "123"
        );
        assert_eq!(
            id_from_location("/employees/employee.php?id=44").unwrap(),
            "44"
        );
        assert_eq!(
            id_from_location("https://acme.bamboohr.com/api/v1/employees/7/").unwrap(),
            "7"
        );
        assert!(id_from_location("https://acme.bamboohr.com/").is_none());
    }
}
