//! QuickBooks Online's writes, which a provider file cannot say (docs: Employee and
//! TimeActivity entities, REST API features):
//! - a new employee is `POST /v3/company/{realmId}/employee`; a change is the same POST with
//!   the employee's `Id` and its latest `SyncToken` and `sparse: true` (only the members sent
//!   change). A stale SyncToken is refused (Fault 5010, "Stale Object Error"): the employee is
//!   read again and the change sent once more on the new token; a second refusal is reported,
//!   never overwritten blindly;
//! - a termination is the same sparse update setting the employee's `ReleasedDate` (XSD
//!   `Employee.ReleasedDate`, xs:date; QuickBooks never deletes an employee), and `Active:
//!   false` once that day has come (an inactive name cannot be put on new transactions, so a
//!   future last day leaves the person usable for their remaining hours). An employee already
//!   released on that day is left alone (a retry after a lost answer changes nothing);
//! - approved hours are `POST /v3/company/{realmId}/timeactivity` for the employee, in whole
//!   hours and minutes (the nearest minute);
//! - every POST carries Intuit's `requestid` (docs: "Idempotency"): a repeated requestid gets
//!   the first answer and changes nothing, so a retried write is made once. It is the write's
//!   own idempotency key (at most 50 characters, else a digest of it).

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use http::Method;
use maestro_http::{ApiRequest, HttpError, IdempotencyKey};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::connector::{
    EmployeeChanges, NewEmployee, NewTimeEntry, WriteOp, WriteOutcome, WriteRequest,
};
use crate::error::{ConnectorError, Result};
use crate::kit::{FileConnector, Hooks};

/// QuickBooks Online's hooks.
#[derive(Debug)]
pub struct QuickBooksHooks;

/// The instance the registry uses.
pub static HOOKS: QuickBooksHooks = QuickBooksHooks;

const NAME: &str = "QuickBooks Online";

#[async_trait]
impl Hooks for QuickBooksHooks {
    async fn write(
        &self,
        c: &FileConnector,
        request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        let key = request_id(request.idempotency_key.as_str());
        Some(match &request.op {
            WriteOp::CreateEmployee(e) => create_employee(c, e, &key).await,
            WriteOp::UpdateEmployee { remote_id, changes } => {
                update_employee(c, remote_id, changes, &key).await
            }
            WriteOp::TerminateEmployee {
                remote_id,
                effective_date,
            } => terminate_employee(c, remote_id, *effective_date, &key).await,
            WriteOp::CreateTimeEntry(t) => create_time_activity(c, t, &key).await,
            _ => return None,
        })
    }
}

/// Intuit's `requestid` for a write key: the key itself when it fits Intuit's 50 characters,
/// else a 128-bit digest of it (two FNV-1a halves), stable across retries.
fn request_id(key: &str) -> String {
    if key.len() <= 50
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return key.to_owned();
    }
    let fnv = |seed: u64| {
        key.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x8422_2325_cbf2_9ce4)
    )
}

/// A POST of `body` to `entity` carrying `requestid` (retried by the session like a GET, since
/// a repeated requestid is answered with the first answer).
fn post(c: &FileConnector, entity: &str, body: Value, key: &str) -> Result<ApiRequest> {
    let mut url = c.url(&format!("/v3/company/{{config.realm_id}}/{entity}"))?;
    url.query_pairs_mut().append_pair("requestid", key);
    Ok(ApiRequest::json(Method::POST, url, body).idempotent(IdempotencyKey::from_stable(key)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Saved {
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EmployeeAnswer {
    employee: Saved,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TimeActivityAnswer {
    time_activity: Saved,
}

fn refused(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::Config {
        field: field.into(),
        message: message.into(),
    }
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// A new employee: names (their display name unique in QuickBooks, as its docs require),
/// work email and start date.
async fn create_employee(c: &FileConnector, e: &NewEmployee, key: &str) -> Result<WriteOutcome> {
    let (Some(first), Some(last)) = (non_empty(&e.first_name), non_empty(&e.last_name)) else {
        return Err(refused("name", "QuickBooks needs a first and a last name"));
    };
    let mut body = json!({
        "GivenName": first,
        "FamilyName": last,
        "DisplayName": format!("{first} {last}"),
    });
    if let Value::Object(m) = &mut body {
        if let Some(email) = non_empty(&e.work_email) {
            m.insert("PrimaryEmailAddr".into(), json!({"Address": email}));
        }
        if let Some(d) = e.start_date {
            m.insert("HiredDate".into(), json!(d.to_string()));
        }
    }
    let request = post(c, "employee", body, key)?;
    let saved: EmployeeAnswer = c.session().send(&request).await?.json()?;
    Ok(WriteOutcome {
        remote_id: saved.employee.id,
        applied_now: true,
    })
}

/// The employee `id` as QuickBooks has it now (its SyncToken with it), by the query language.
async fn read_employee(c: &FileConnector, id: &str) -> Result<Map<String, Value>> {
    for raw in c.list_raw("employees", &[]).await? {
        let v: Value = serde_json::from_str(raw.get()).map_err(|e| HttpError::Decode {
            provider: NAME.into(),
            path: "Employee".into(),
            message: e.to_string(),
        })?;
        if v["Id"] == id
            && let Value::Object(m) = v
        {
            return Ok(m);
        }
    }
    Err(HttpError::NotFound {
        provider: NAME.into(),
        message: format!("no employee {id}"),
    }
    .into())
}

/// The start of a sparse update of the employee as read in `current`: its `Id`, its latest
/// `SyncToken` and `sparse: true` (only the members sent change).
fn sparse_of(current: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "Id".into(),
        current.get("Id").cloned().unwrap_or(Value::Null),
    );
    m.insert(
        "SyncToken".into(),
        current.get("SyncToken").cloned().unwrap_or(Value::Null),
    );
    m.insert("sparse".into(), Value::Bool(true));
    m
}

/// The sparse update of `changes` on the employee as read in `current`.
fn sparse(current: &Map<String, Value>, changes: &EmployeeChanges) -> Option<Value> {
    let mut m = sparse_of(current);
    if let Some(f) = changes.first_name.as_deref().and_then(non_empty) {
        m.insert("GivenName".into(), json!(f));
    }
    if let Some(l) = changes.last_name.as_deref().and_then(non_empty) {
        m.insert("FamilyName".into(), json!(l));
    }
    if let Some(e) = changes.work_email.as_deref().and_then(non_empty) {
        m.insert("PrimaryEmailAddr".into(), json!({"Address": e}));
    }
    Some(Value::Object(m))
}

/// The sparse update releasing the employee as read in `current` on `last_day` (inactive too
/// when that day is `today` or past), or `None` when QuickBooks already says so.
fn release(current: &Map<String, Value>, last_day: NaiveDate, today: NaiveDate) -> Option<Value> {
    let day = last_day.to_string();
    let deactivate = last_day <= today;
    let released = current.get("ReleasedDate").and_then(Value::as_str) == Some(day.as_str());
    let inactive = current.get("Active") == Some(&Value::Bool(false));
    if released && (inactive || !deactivate) {
        return None;
    }
    let mut m = sparse_of(current);
    m.insert("ReleasedDate".into(), json!(day));
    if deactivate {
        m.insert("Active".into(), Value::Bool(false));
    }
    Some(Value::Object(m))
}

fn is_stale(e: &ConnectorError) -> bool {
    matches!(e, ConnectorError::Http(HttpError::Validation { message, .. }) if message.contains("Stale Object"))
}

/// A sparse update of employee `id` built by `body` on their latest SyncToken; once more on
/// a fresh read when someone changed them in between (the two requests carry their own
/// requestids). `body` giving `None` means QuickBooks already holds the change: nothing is
/// sent and the write is reported as made before.
async fn update_on_latest(
    c: &FileConnector,
    id: &str,
    key: &str,
    body: impl Fn(&Map<String, Value>) -> Option<Value>,
) -> Result<WriteOutcome> {
    for attempt in 0..2 {
        let current = read_employee(c, id).await?;
        let Some(body) = body(&current) else {
            return Ok(WriteOutcome {
                remote_id: id.to_owned(),
                applied_now: false,
            });
        };
        let request = post(
            c,
            "employee",
            body,
            &request_id(&format!("{key}:{attempt}")),
        )?;
        match c.session().send(&request).await {
            Ok(resp) => {
                let saved: EmployeeAnswer = resp.json()?;
                return Ok(WriteOutcome {
                    remote_id: saved.employee.id,
                    applied_now: true,
                });
            }
            Err(e) => {
                let e = ConnectorError::from(e);
                if !is_stale(&e) {
                    return Err(e);
                }
                tracing::info!(employee = %id, attempt, "QuickBooks says the employee changed meanwhile; reading again");
            }
        }
    }
    Err(refused(
        "SyncToken",
        format!(
            "employee {id} changed in QuickBooks twice while this change was being sent; nothing was overwritten: review it and try again"
        ),
    ))
}

/// A change to an employee's names or email.
async fn update_employee(
    c: &FileConnector,
    id: &str,
    changes: &EmployeeChanges,
    key: &str,
) -> Result<WriteOutcome> {
    if changes.job_title.is_some() || changes.department.is_some() {
        return Err(refused(
            "changes",
            "QuickBooks keeps no job title or department on an employee; only names and email are written",
        ));
    }
    update_on_latest(c, id, key, |current| sparse(current, changes)).await
}

/// A termination: the employee released on their last day (and inactive once it has come).
async fn terminate_employee(
    c: &FileConnector,
    id: &str,
    last_day: NaiveDate,
    key: &str,
) -> Result<WriteOutcome> {
    let today = Utc::now().date_naive();
    update_on_latest(c, id, key, |current| release(current, last_day, today)).await
}

/// Approved hours as a time activity of the employee, in whole hours and minutes.
async fn create_time_activity(
    c: &FileConnector,
    t: &NewTimeEntry,
    key: &str,
) -> Result<WriteOutcome> {
    if t.hours <= Decimal::ZERO {
        return Err(refused("hours", "a time activity needs hours above zero"));
    }
    let minutes = (t.hours * Decimal::from(60))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .ok_or_else(|| {
            refused(
                "hours",
                format!("{} hours is not a time QuickBooks takes", t.hours),
            )
        })?;
    let mut body = json!({
        "NameOf": "Employee",
        "EmployeeRef": {"value": t.user_remote_id},
        "TxnDate": t.date.to_string(),
        "Hours": minutes / 60,
        "Minutes": minutes % 60,
    });
    if let (Value::Object(m), Some(notes)) = (&mut body, t.notes.as_deref().and_then(non_empty)) {
        m.insert("Description".into(), json!(notes));
    }
    let request = post(c, "timeactivity", body, key)?;
    let saved: TimeActivityAnswer = c.session().send(&request).await?.json()?;
    Ok(WriteOutcome {
        remote_id: saved.time_activity.id,
        applied_now: true,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_the_key_or_a_stable_digest_within_50_characters() {
        assert_eq!(request_id("abc-123"), "abc-123");
        let long = "outbox:".repeat(20);
        let id = request_id(&long);
        assert_eq!(id.len(), 32);
        assert_eq!(id, request_id(&long));
        assert_ne!(id, request_id(&format!("{long}x")));
        assert_ne!(request_id("a/b"), "a/b");
    }

    #[test]
    fn a_release_is_a_sparse_update_inactive_once_the_day_has_come_and_nothing_when_done() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let current: Map<String, Value> = serde_json::from_value(json!({
            "Id": "55", "SyncToken": "3", "Active": true, "GivenName": "Ada"
        }))
        .unwrap();
        let past = release(&current, day(1), day(7)).unwrap();
        assert_eq!(
            past,
            json!({"Id": "55", "SyncToken": "3", "sparse": true, "ReleasedDate": "2026-12-01", "Active": false})
        );
        let future = release(&current, day(20), day(7)).unwrap();
        assert_eq!(
            future,
            json!({"Id": "55", "SyncToken": "3", "sparse": true, "ReleasedDate": "2026-12-20"})
        );
        let mut done = current.clone();
        done.insert("ReleasedDate".into(), json!("2026-12-20"));
        assert_eq!(release(&done, day(20), day(7)), None);
        // Released on that day but still active once it has come: made inactive.
        assert!(release(&done, day(20), day(21)).is_some());
        done.insert("Active".into(), json!(false));
        assert_eq!(release(&done, day(20), day(21)), None);
        // Another day: the new one is sent.
        assert!(release(&done, day(19), day(21)).is_some());
    }

    #[test]
    fn only_intuits_stale_object_fault_is_read_again_and_retried() {
        let fault = |message: &str| {
            ConnectorError::Http(HttpError::Validation {
                provider: NAME.into(),
                status: 400,
                message: message.into(),
            })
        };
        assert!(is_stale(&fault("Stale Object Error")));
        assert!(!is_stale(&fault("Duplicate Name Exists Error")));
        assert!(!is_stale(&refused("SyncToken", "Stale Object Error")));
    }
}
