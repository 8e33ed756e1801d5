//! Clockify records (spec `UserDtoV1`, `TimeEntryWithRatesDtoV1`) → canonical records.

use chrono::{DateTime, Utc};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, RawPayload, TimeEntry};
use maestro_core::money::{Currency, Money};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, decode, hours, known_employee, non_empty};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    id: String,
    name: Option<String>,
    email: Option<String>,
    #[serde(default)]
    memberships: Vec<Membership>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Membership {
    membership_type: Option<String>,
    membership_status: Option<String>,
}

/// What a time entry's mapper keeps of its member (see `keep` in the provider file).
#[derive(Debug, Deserialize)]
struct Parent {
    settings: Option<Settings>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    time_zone: Option<String>,
}

/// A workspace member → an employee. The status is the workspace membership's (`ACTIVE`,
/// `PENDING`, `INACTIVE`/`DECLINED`); the account status is not read (see the provider file).
pub fn user(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let u: User = decode(raw)?;
    let status = u
        .memberships
        .iter()
        .find(|m| m.membership_type.as_deref() == Some("WORKSPACE"))
        .and_then(|m| m.membership_status.as_deref())
        .map(|s| match s {
            "PENDING" => EmploymentStatus::Pending,
            "INACTIVE" | "DECLINED" => EmploymentStatus::Inactive,
            _ => EmploymentStatus::Active,
        })
        .unwrap_or(EmploymentStatus::Active);
    let employee = known_employee(
        ctx,
        ctx.provenance(u.id, None),
        non_empty(u.name.as_deref()),
        non_empty(u.email.as_deref()),
        status,
        RawPayload::from_raw(raw),
    );
    Ok(vec![employee.into()])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    id: String,
    user_id: String,
    project_id: Option<String>,
    description: Option<String>,
    #[serde(default)]
    billable: bool,
    time_interval: Interval,
    hourly_rate: Option<Rate>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Interval {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct Rate {
    amount: i64,
    currency: Option<String>,
}

/// A time entry → a time entry. Running timers (no `end` yet) and entries that are not work
/// (`BREAK`, `HOLIDAY`, `TIME_OFF`) give nothing. Clockify sends UTC instants; the day worked
/// is the start's date in the member's own time zone (the parent user's
/// `settings.timeZone`), else in UTC.
pub fn time_entry(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let e: Entry = decode(raw)?;
    let Some(end) = e.time_interval.end else {
        return Ok(Vec::new());
    };
    if e.kind.as_deref().is_some_and(|k| k != "REGULAR") {
        return Ok(Vec::new());
    }
    let start = e.time_interval.start;
    let seconds = (end - start).num_seconds();
    if seconds < 0 {
        return Err(MapError {
            path: "timeInterval.end".into(),
            message: format!("ends ({end}) before it starts ({start})"),
        });
    }
    // The engine keeps only the parent's `settings.timeZone` (the provider file's `keep`).
    let zone = ctx
        .parent
        .and_then(|p| decode::<Parent>(p).ok())
        .and_then(|p| p.settings)
        .and_then(|s| s.time_zone)
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok());
    let work_date = match zone {
        Some(tz) => start.with_timezone(&tz).date_naive(),
        None => start.date_naive(),
    };
    let rate = match e.hourly_rate {
        Some(Rate {
            amount,
            currency: Some(code),
        }) => Some(Money::from_minor(
            amount,
            Currency::from_code_ignore_case(&code).map_err(|err| MapError {
                path: "hourlyRate.currency".into(),
                message: err.to_string(),
            })?,
        )),
        _ => None,
    };
    Ok(vec![
        TimeEntry {
            provenance: ctx.provenance(e.id, None),
            company_id: ctx.company_id,
            employee_remote_id: e.user_id,
            work_date,
            started_at: Some(start),
            ended_at: Some(end),
            time_zone: zone.map(|z| z.name().to_owned()),
            hours: hours::from_seconds(seconds),
            project_remote_id: e.project_id,
            project_name: None,
            task_name: None,
            client_name: None,
            notes: non_empty(e.description.as_deref()),
            billable: e.billable,
            rate,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    use super::super::test_support::raw;

    fn ctx(parent: Option<&RawValue>) -> MapCtx<'_> {
        super::super::test_support::ctx("clockify", parent)
    }

    #[test]
    fn a_late_shift_belongs_to_the_members_local_day() {
        // Exactly what the engine keeps of the member (the file's `keep`).
        let user = raw(r#"{"settings":{"timeZone":"America/Los_Angeles"}}"#);
        let entry = raw(
            r#"{"id":"e1","userId":"u1","timeInterval":{"start":"2026-03-03T01:00:00Z","end":"2026-03-03T05:30:00Z","duration":"PT4H30M"},"hourlyRate":{"amount":1850,"currency":"USD"},"type":"REGULAR"}"#,
        );
        let out = time_entry(&ctx(Some(&user)), &entry).unwrap();
        let CanonicalRecord::TimeEntry(t) = &out[0] else {
            panic!()
        };
        assert_eq!(t.work_date.to_string(), "2026-03-02");
        assert_eq!(t.time_zone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(t.hours, Decimal::new(45, 1));
        assert_eq!(t.rate.unwrap().amount, Decimal::new(1850, 2));
        let utc = time_entry(&ctx(None), &entry).unwrap();
        let CanonicalRecord::TimeEntry(t) = &utc[0] else {
            panic!()
        };
        assert_eq!(t.work_date.to_string(), "2026-03-03");
    }

    #[test]
    fn running_timers_and_breaks_are_not_hours_worked() {
        let running =
            raw(r#"{"id":"e1","userId":"u1","timeInterval":{"start":"2026-03-03T01:00:00Z"}}"#);
        assert!(time_entry(&ctx(None), &running).unwrap().is_empty());
        let pause = raw(
            r#"{"id":"e2","userId":"u1","type":"BREAK","timeInterval":{"start":"2026-03-03T01:00:00Z","end":"2026-03-03T01:30:00Z"}}"#,
        );
        assert!(time_entry(&ctx(None), &pause).unwrap().is_empty());
    }

    #[test]
    fn a_bad_field_is_named() {
        let bad = raw(r#"{"id":"e1","userId":"u1","timeInterval":{"start":"yesterday"}}"#);
        let err = time_entry(&ctx(None), &bad).unwrap_err();
        assert_eq!(err.path, "timeInterval.start");
    }

    #[test]
    fn membership_status_decides_active() {
        let u = raw(
            r#"{"id":"u1","name":"Ana Díaz","email":"ana@x.co","memberships":[{"membershipType":"PROJECT","membershipStatus":"ACTIVE"},{"membershipType":"WORKSPACE","membershipStatus":"INACTIVE"}]}"#,
        );
        let CanonicalRecord::Employee(e) = &user(&ctx(None), &u).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Inactive);
        assert_eq!(e.last_name.as_deref(), Some("Díaz"));
        assert_eq!(e.work_email.as_deref(), Some("ana@x.co"));
    }
}
