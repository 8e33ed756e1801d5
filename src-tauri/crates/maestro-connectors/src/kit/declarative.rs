//! The declarative mapper of user-defined provider files: a stream's `fields` table says
//! where each canonical field is in a record (a JSON pointer), and this fills the canonical
//! record from it. Dates are `YYYY-MM-DD` (or the date of an RFC 3339 instant), instants are
//! RFC 3339, hours are exact decimals (numbers or numeric text), seconds are whole numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use maestro_core::model::{
    CanonicalRecord, Contractor, ContractorType, EmploymentStatus, PhoneKind, PhoneNumber,
    RawPayload, TimeEntry,
};
use maestro_kit::file::{FieldMap, StreamSpec};
use rust_decimal::Decimal;
use serde_json::Value;
use serde_json::value::RawValue;

use super::mappers::{MapCtx, MapError, hours, known_employee, non_empty};

/// One record read through a stream's `fields`.
struct Record<'a> {
    value: Value,
    fields: &'a BTreeMap<String, FieldMap>,
}

fn err(path: &str, message: impl Into<String>) -> MapError {
    MapError {
        path: path.trim_start_matches('/').replace('/', "."),
        message: message.into(),
    }
}

impl Record<'_> {
    /// The raw value of canonical field `name`, translated when the file says so.
    fn get(&self, name: &str) -> Option<(Value, &str)> {
        let map = self.fields.get(name)?;
        let v = self.value.pointer(map.pointer())?;
        if v.is_null() {
            return None;
        }
        let v = match map {
            FieldMap::Pointer(_) => v.clone(),
            // A value the table does not list is kept as sent: a status then fails loudly
            // (naming the value) instead of being taken for "active".
            FieldMap::Translated { values, .. } => {
                let key = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                values
                    .get(&key)
                    .map(|t| Value::String(t.clone()))
                    .unwrap_or_else(|| v.clone())
            }
        };
        Some((v, map.pointer()))
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            (Value::String(s), _) => non_empty(Some(&s)),
            (Value::Number(n), _) => Some(n.to_string()),
            (Value::Bool(b), _) => Some(b.to_string()),
            _ => None,
        }
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, MapError> {
        let Some((v, at)) = self.get(name) else {
            return Ok(None);
        };
        let text = v.as_str().unwrap_or_default();
        NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| err(at, format!("`{text}` is not a date (YYYY-MM-DD)")))
    }

    /// An RFC 3339 instant, keeping its offset (the day worked is read at it).
    fn instant(&self, name: &str) -> Result<Option<DateTime<FixedOffset>>, MapError> {
        let Some((v, at)) = self.get(name) else {
            return Ok(None);
        };
        let text = v.as_str().unwrap_or_default();
        DateTime::parse_from_rfc3339(text)
            .map(Some)
            .map_err(|_| err(at, format!("`{text}` is not an RFC 3339 instant")))
    }

    fn decimal(&self, name: &str) -> Result<Option<Decimal>, MapError> {
        let Some((v, at)) = self.get(name) else {
            return Ok(None);
        };
        let text = match &v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            other => return Err(err(at, format!("{other} is not a number"))),
        };
        Decimal::from_str_exact(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map(Some)
            .map_err(|_| err(at, format!("`{text}` is not a number")))
    }

    fn boolean(&self, name: &str) -> bool {
        matches!(self.get(name), Some((Value::Bool(true), _)))
            || self
                .text(name)
                .is_some_and(|t| matches!(t.to_ascii_lowercase().as_str(), "true" | "yes" | "1"))
    }

    fn status(&self) -> Result<EmploymentStatus, MapError> {
        let Some((v, at)) = self.get("status") else {
            return Ok(EmploymentStatus::Active);
        };
        let text = match &v {
            Value::Bool(true) => "active".to_owned(),
            Value::Bool(false) => "inactive".to_owned(),
            Value::String(s) => s.trim().to_ascii_lowercase(),
            other => other.to_string(),
        };
        Ok(match text.as_str() {
            "active" => EmploymentStatus::Active,
            "inactive" => EmploymentStatus::Inactive,
            "terminated" => EmploymentStatus::Terminated,
            "pending" => EmploymentStatus::Pending,
            _ => {
                return Err(err(
                    at,
                    format!("`{text}` is not a status; translate it with `values` in the file"),
                ));
            }
        })
    }

    /// First, last and full name from whichever the file maps.
    fn names(&self) -> (Option<String>, Option<String>, Option<String>) {
        let full = self.text("full_name");
        let (mut first, mut last) = (self.text("first_name"), self.text("last_name"));
        if first.is_none()
            && last.is_none()
            && let Some(f) = &full
        {
            (first, last) = super::mappers::split_name(f);
        }
        let full = full.or_else(|| {
            let joined = [first.as_deref(), last.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
        (first, last, full)
    }
}

/// Maps one record of `stream` by its `fields`.
pub fn map(
    ctx: &MapCtx<'_>,
    stream: &StreamSpec,
    raw: &RawValue,
) -> Result<Vec<CanonicalRecord>, MapError> {
    let Some(fields) = &stream.fields else {
        return Ok(Vec::new());
    };
    let value: Value = serde_json::from_str(raw.get()).map_err(|e| err("", e.to_string()))?;
    let r = Record { value, fields };
    let id = match r.value.pointer(&stream.id) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(err(&stream.id, "the record has no id here")),
    };
    let updated = r.instant("updated_at")?.map(|t| t.with_timezone(&Utc));
    let provenance = ctx.provenance(id, updated);
    let payload = RawPayload::from_raw(raw);
    let kind = stream.entities.first().map(String::as_str).unwrap_or("");
    let record: CanonicalRecord = match kind {
        "employee" => {
            let (first_name, last_name, full) = r.names();
            let mut e = known_employee(
                ctx,
                provenance,
                full,
                r.text("work_email"),
                r.status()?,
                payload,
            );
            e.first_name = first_name;
            e.last_name = last_name;
            e.employee_number = r.text("employee_number");
            e.personal_email = r.text("personal_email");
            e.phone_numbers = r
                .text("phone")
                .map(|number| PhoneNumber {
                    number,
                    kind: PhoneKind::Work,
                })
                .into_iter()
                .collect();
            e.hire_date = r.date("hire_date")?;
            e.start_date = e.hire_date;
            e.termination_date = r.date("termination_date")?;
            e.into()
        }
        "contractor" => {
            let (first_name, last_name, _) = r.names();
            let business_name = r.text("business_name");
            Contractor {
                provenance,
                company_id: ctx.company_id,
                contractor_type: Some(if business_name.is_some() && first_name.is_none() {
                    ContractorType::Business
                } else {
                    ContractorType::Individual
                }),
                first_name,
                last_name,
                business_name,
                email: r.text("email"),
                phone: r.text("phone"),
                tax_id: None,
                status: r.status()?,
                start_date: None,
                address: None,
                raw: payload,
            }
            .into()
        }
        "time_entry" => {
            let started = r.instant("started_at")?;
            let ended = r.instant("ended_at")?;
            let hours = match (r.decimal("hours")?, r.decimal("seconds")?, started, ended) {
                (Some(h), _, _, _) => h,
                (None, Some(s), _, _) => {
                    let secs: i64 = s
                        .trunc()
                        .try_into()
                        .map_err(|_| err("seconds", "too large"))?;
                    hours::from_seconds(secs)
                }
                (None, None, Some(s), Some(e)) if e >= s => {
                    hours::from_seconds((e - s).num_seconds())
                }
                (None, None, Some(_), Some(e)) => {
                    return Err(err("ended_at", format!("{e} is before the start")));
                }
                // A running timer (started, not ended): no hours worked yet.
                (None, None, Some(_), None) => return Ok(Vec::new()),
                (None, None, None, _) => {
                    return Err(err(
                        "hours",
                        "the record has no hours, seconds or start and end",
                    ));
                }
            };
            if hours.is_sign_negative() {
                return Err(err("hours", format!("{hours} is negative")));
            }
            let work_date = match (r.date("work_date")?, started) {
                (Some(d), _) => d,
                // The day at the start's own offset: an evening shift stays on its day.
                (None, Some(s)) => s.date_naive(),
                (None, None) => return Err(err("work_date", "the record has no day worked")),
            };
            let (started, ended) = (
                started.map(|t| t.with_timezone(&Utc)),
                ended.map(|t| t.with_timezone(&Utc)),
            );
            let employee = r
                .text("employee_id")
                .ok_or_else(|| err("employee_id", "the record names no person"))?;
            TimeEntry {
                provenance,
                company_id: ctx.company_id,
                employee_remote_id: employee,
                work_date,
                started_at: started,
                ended_at: ended,
                time_zone: None,
                hours,
                project_remote_id: r.text("project_id"),
                project_name: r.text("project_name"),
                task_name: r.text("task_name"),
                client_name: r.text("client_name"),
                notes: r.text("notes"),
                billable: r.boolean("billable"),
                rate: None,
                raw: payload,
            }
            .into()
        }
        other => return Err(err("", format!("`fields` cannot map {other}"))),
    };
    Ok(vec![record])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use maestro_core::ids::{CompanyId, ConnectionId};

    fn stream(text: &str) -> StreamSpec {
        let file = format!(
            r#"id = "t"
name = "T"
category = "custom"
summary = "s"
docs_url = "d"
[base_url]
production = "https://t.example"
[auth]
type = "bearer"
field = "k"
[[fields]]
key = "k"
label = "K"
help = "h"
secret = true
[rate_limit]
requests = 1
per_seconds = 1
text = "1/s"
[check]
path = "/me"
account = "/name"
{text}"#
        );
        maestro_kit::ProviderFile::parse("t.toml", &file)
            .unwrap()
            .streams
            .remove(0)
    }

    fn ctx() -> MapCtx<'static> {
        MapCtx {
            company_id: CompanyId::new(),
            connection_id: ConnectionId::new(),
            provider: "t",
            parent: None,
        }
    }

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    const PEOPLE: &str = r#"[[streams]]
name = "people"
entities = ["employee"]
path = "/people"
id = "/id"
[streams.fields]
full_name = "/name"
status = { pointer = "/state", values = { "on" = "active", "off" = "inactive" } }
"#;

    #[test]
    fn statuses_translate_and_an_unlisted_one_is_an_error_naming_it() {
        let s = stream(PEOPLE);
        let out = map(
            &ctx(),
            &s,
            &raw(r#"{"id": 1, "name": "Ana Díaz", "state": "off"}"#),
        )
        .unwrap();
        let CanonicalRecord::Employee(e) = &out[0] else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Inactive);
        assert_eq!(e.last_name.as_deref(), Some("Díaz"));
        let err = map(
            &ctx(),
            &s,
            &raw(r#"{"id": 2, "name": "Ben", "state": "suspended"}"#),
        )
        .unwrap_err();
        assert_eq!(err.path, "state");
        assert!(err.message.contains("suspended"), "{err:?}");
        let err = map(&ctx(), &s, &raw(r#"{"name": "No Id"}"#)).unwrap_err();
        assert_eq!(err.path, "id");
    }

    #[test]
    fn time_entries_take_hours_or_seconds_or_start_and_end() {
        let s = stream(
            r#"[[streams]]
name = "shifts"
entities = ["time_entry"]
path = "/shifts"
id = "/id"
[streams.fields]
employee_id = "/who"
started_at = "/from"
ended_at = "/to"
hours = "/h"
"#,
        );
        let one = |text: &str| map(&ctx(), &s, &raw(text));
        let CanonicalRecord::TimeEntry(t) = &one(r#"{"id": "a", "who": 7, "from": "2026-11-02T14:00:00Z", "to": "2026-11-02T22:30:00Z"}"#).unwrap()[0] else {
            panic!()
        };
        assert_eq!(t.hours, Decimal::new(85, 1));
        assert_eq!(t.work_date.to_string(), "2026-11-02");
        assert_eq!(t.employee_remote_id, "7");
        let CanonicalRecord::TimeEntry(t) =
            &one(r#"{"id": "b", "who": 7, "from": "2026-11-02T14:00:00Z", "h": "2.25"}"#).unwrap()
                [0]
        else {
            panic!()
        };
        assert_eq!(t.hours, Decimal::new(225, 2));
        assert!(
            one(r#"{"id": "c", "who": 7, "from": "2026-11-02T14:00:00Z"}"#)
                .unwrap()
                .is_empty(),
            "a running timer"
        );
        assert_eq!(
            one(r#"{"id": "d", "who": 7, "from": "yesterday", "h": 1}"#)
                .unwrap_err()
                .path,
            "from"
        );
    }

    #[test]
    fn an_evening_shift_stays_on_its_day_and_an_end_before_the_start_is_refused() {
        let s = stream(
            r#"[[streams]]
name = "shifts"
entities = ["time_entry"]
path = "/shifts"
id = "/id"
[streams.fields]
employee_id = "/who"
started_at = "/from"
ended_at = "/to"
"#,
        );
        let evening = raw(
            r#"{"id": "e", "who": 7, "from": "2026-11-02T20:00:00-08:00", "to": "2026-11-02T23:00:00-08:00"}"#,
        );
        let CanonicalRecord::TimeEntry(t) = &map(&ctx(), &s, &evening).unwrap()[0] else {
            panic!()
        };
        assert_eq!(t.work_date.to_string(), "2026-11-02");
        assert_eq!(t.hours, Decimal::new(3, 0));
        let backwards = raw(
            r#"{"id": "f", "who": 7, "from": "2026-11-02T20:00:00Z", "to": "2026-11-02T19:00:00Z"}"#,
        );
        assert_eq!(map(&ctx(), &s, &backwards).unwrap_err().path, "ended_at");
    }
}
