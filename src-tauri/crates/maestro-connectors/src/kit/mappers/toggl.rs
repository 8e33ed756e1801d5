//! Toggl Track records (spec `models.SimpleWorkspaceUser`, and the Reports API's
//! `detailed.GroupedTimeEntry` rows) → canonical records.

use chrono::{DateTime, FixedOffset, Utc};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, RawPayload, TimeEntry};
use maestro_core::money::{Currency, Money};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, decode, hours, known_employee, non_empty};

#[derive(Debug, Deserialize)]
struct User {
    id: u64,
    email: Option<String>,
    fullname: Option<String>,
    inactive: Option<bool>,
    is_active: Option<bool>,
}

/// A workspace user → an employee (inactive when Toggl says so).
pub fn user(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let u: User = decode(raw)?;
    let inactive = u.inactive == Some(true) || u.is_active == Some(false);
    let employee = known_employee(
        ctx,
        ctx.provenance(u.id.to_string(), None),
        non_empty(u.fullname.as_deref()),
        non_empty(u.email.as_deref()),
        if inactive {
            EmploymentStatus::Inactive
        } else {
            EmploymentStatus::Active
        },
        RawPayload::from_raw(raw),
    );
    Ok(vec![employee.into()])
}

#[derive(Debug, Deserialize)]
struct Row {
    user_id: u64,
    project_id: Option<u64>,
    project_name: Option<String>,
    client_name: Option<String>,
    task_name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    billable: bool,
    hourly_rate_in_cents: Option<i64>,
    currency: Option<String>,
    #[serde(default)]
    time_entries: Vec<Single>,
}

#[derive(Debug, Deserialize)]
struct Single {
    id: u64,
    seconds: i64,
    start: DateTime<FixedOffset>,
    stop: Option<DateTime<FixedOffset>>,
    at: Option<DateTime<FixedOffset>>,
}

/// A report row → one time entry per entry in it (one, unless rows are grouped). The day
/// worked is the start's date at the offset Toggl gives (the user's zone); a running entry (no
/// `stop`) gives nothing yet.
pub fn time_entry(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let row: Row = decode(raw)?;
    let rate = match (row.hourly_rate_in_cents, row.currency.as_deref()) {
        (Some(cents), Some(code)) if !code.is_empty() => Some(Money::from_minor(
            cents,
            Currency::from_code_ignore_case(code).map_err(|e| MapError {
                path: "currency".into(),
                message: e.to_string(),
            })?,
        )),
        _ => None,
    };
    let mut out = Vec::with_capacity(row.time_entries.len());
    for (i, t) in row.time_entries.iter().enumerate() {
        let Some(stop) = t.stop else { continue };
        if t.seconds < 0 {
            return Err(MapError {
                path: format!("time_entries[{i}].seconds"),
                message: format!("{} is negative", t.seconds),
            });
        }
        out.push(
            TimeEntry {
                provenance: ctx.provenance(t.id.to_string(), t.at.map(|a| a.with_timezone(&Utc))),
                company_id: ctx.company_id,
                employee_remote_id: row.user_id.to_string(),
                work_date: t.start.date_naive(),
                started_at: Some(t.start.with_timezone(&Utc)),
                ended_at: Some(stop.with_timezone(&Utc)),
                time_zone: None,
                hours: hours::from_seconds(t.seconds),
                project_remote_id: row.project_id.map(|p| p.to_string()),
                project_name: non_empty(row.project_name.as_deref()),
                task_name: non_empty(row.task_name.as_deref()),
                client_name: non_empty(row.client_name.as_deref()),
                notes: non_empty(row.description.as_deref()),
                billable: row.billable,
                rate,
                raw: RawPayload::from_raw(raw),
            }
            .into(),
        );
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("toggl", None)
    }

    #[test]
    fn a_row_gives_its_entries_on_their_local_day() {
        let row = RawValue::from_string(
            r#"{"user_id":7,"username":"Ana","project_id":9,"project_name":"Catering","description":"Prep","billable":true,"hourly_rate_in_cents":5500,"currency":"USD","row_number":1,
            "time_entries":[{"id":101,"seconds":9000,"start":"2026-03-02T22:00:00-08:00","stop":"2026-03-03T00:30:00-08:00","at":"2026-03-03T08:31:00Z"},
                            {"id":102,"seconds":60,"start":"2026-03-03T09:00:00-08:00","stop":null}]}"#
                .to_owned(),
        )
        .unwrap();
        let out = time_entry(&ctx(), &row).unwrap();
        assert_eq!(out.len(), 1);
        let CanonicalRecord::TimeEntry(t) = &out[0] else {
            panic!()
        };
        assert_eq!(t.work_date.to_string(), "2026-03-02");
        assert_eq!(t.hours, Decimal::new(25, 1));
        assert_eq!(t.employee_remote_id, "7");
        assert_eq!(t.rate.as_ref().unwrap().amount, Decimal::new(5500, 2));
        assert_eq!(t.provenance.remote_id, "101");
        assert!(t.provenance.remote_modified_at.is_some());
    }
}
