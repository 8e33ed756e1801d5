//! Creating time entries idempotently. Harvest takes no idempotency header, so the key goes into
//! the notes as `[maestro:<key>]`, and before each `POST` the person's entries on that day are
//! searched for it: a retry after a lost answer finds the entry instead of writing it twice.
//! An account that tracks start and end times refuses entries given as hours, so there the
//! entry is written from 9:00am for its length.

use http::Method;
use maestro_http::{ApiRequest, HttpError, IdempotencyKey};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

use super::{HarvestHooks, api};
use crate::connector::{NewTimeEntry, WriteOutcome};
use crate::error::{ConnectorError, Result};
use crate::kit::FileConnector;

/// The text that marks an entry as written with `key`.
pub fn marker(key: &IdempotencyKey) -> String {
    format!("[maestro:{key}]")
}

/// `POST /v2/time_entries` once per idempotency key.
pub(super) async fn create_time_entry(
    hooks: &HarvestHooks,
    c: &FileConnector,
    entry: &NewTimeEntry,
    key: &IdempotencyKey,
) -> Result<WriteOutcome> {
    let user_id = harvest_id("user_remote_id", &entry.user_remote_id)?;
    let project_id = harvest_id("project_remote_id", &entry.project_remote_id)?;
    let task_id = harvest_id("task_remote_id", &entry.task_remote_id)?;
    let hours = exact_number(entry.hours)?;
    let marker = marker(key);
    let notes = match entry.notes.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => format!("{n} {marker}"),
        _ => marker.clone(),
    };
    let mut body = json!({
        "user_id": user_id,
        "project_id": project_id,
        "task_id": task_id,
        "spent_date": entry.date.format("%Y-%m-%d").to_string(),
        "notes": notes,
    });
    let timestamps = hooks
        .company(c)
        .await?
        .is_some_and(|co| co.wants_timestamp_timers == Some(true));
    if timestamps {
        let (start, end) = start_and_end(entry.hours)?;
        body["started_time"] = json!(start);
        body["ended_time"] = json!(end);
    } else {
        body["hours"] = hours;
    }
    let retry = c.retry();
    let mut attempt = 0;
    loop {
        attempt += 1;
        if let Some(id) = find_marked(c, user_id, entry.date, &marker).await? {
            return Ok(WriteOutcome {
                remote_id: id.to_string(),
                applied_now: false,
            });
        }
        let url = c.session().url("/v2/time_entries")?;
        // Sent without an idempotency key so the session does not retry the POST blindly;
        // this loop retries it only after looking for the marker again.
        let request = ApiRequest::json(Method::POST, url, body.clone());
        match c.session().send(&request).await {
            Ok(resp) => {
                let created: api::EntryNotes = resp.json()?;
                return Ok(WriteOutcome {
                    remote_id: created.id.to_string(),
                    applied_now: true,
                });
            }
            Err(e) if e.is_retryable() && attempt < retry.max_attempts => {
                let wait = match &e {
                    HttpError::Throttled {
                        retry_after: Some(d),
                        ..
                    } if *d <= retry.max_retry_after => *d,
                    HttpError::Throttled {
                        retry_after: Some(_),
                        ..
                    } => return Err(e.into()),
                    _ => retry.backoff(attempt),
                };
                tracing::debug!(attempt, error = %e, "retrying Harvest time entry creation");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The id of `user_id`'s entry on `date` whose notes carry `marker`.
async fn find_marked(
    c: &FileConnector,
    user_id: u64,
    date: chrono::NaiveDate,
    marker: &str,
) -> Result<Option<u64>> {
    let day = date.format("%Y-%m-%d").to_string();
    let entries = c
        .list_raw(
            "time_entries",
            &[
                ("user_id", user_id.to_string()),
                ("from", day.clone()),
                ("to", day),
            ],
        )
        .await?;
    for raw in entries {
        let e: api::EntryNotes = maestro_http::decode::json("Harvest", raw.get().as_bytes())?;
        if e.notes.as_deref().is_some_and(|n| n.contains(marker)) {
            return Ok(Some(e.id));
        }
    }
    Ok(None)
}

/// "9:00am" and the end `hours` later, in Harvest's 12-hour times; the length must be whole
/// minutes and end the same day.
fn start_and_end(hours: Decimal) -> Result<(String, String)> {
    let minutes = hours * Decimal::from(60);
    let whole = minutes.trunc();
    let refused = |why: &str| ConnectorError::Config {
        field: "hours".into(),
        message: format!("{hours} h cannot be written as start and end times: {why}"),
    };
    if minutes != whole || whole.is_sign_negative() {
        return Err(refused("not a whole number of minutes"));
    }
    let minutes: i64 = whole.try_into().map_err(|_| refused("too long"))?;
    let end = 9 * 60 + minutes;
    if end >= 24 * 60 {
        return Err(refused("it would end after midnight"));
    }
    let clock = |m: i64| {
        let (h, min) = (m / 60, m % 60);
        let (h12, half) = match h {
            0 => (12, "am"),
            1..=11 => (h, "am"),
            12 => (12, "pm"),
            _ => (h - 12, "pm"),
        };
        format!("{h12}:{min:02}{half}")
    };
    Ok((clock(9 * 60), clock(end)))
}

/// A Harvest id given as text.
fn harvest_id(field: &str, value: &str) -> Result<u64> {
    value.trim().parse().map_err(|_| ConnectorError::Config {
        field: field.into(),
        message: format!("`{value}` is not a Harvest id (digits)"),
    })
}

/// `hours` as a JSON number whose text is exactly the decimal (Harvest takes a number).
fn exact_number(hours: Decimal) -> Result<Value> {
    let text = hours.normalize().to_string();
    let number = text
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .filter(|n| {
            api::exact::from_value::<serde_json::Error>(&Value::Number(n.clone())).ok()
                == Some(hours)
        });
    number
        .map(Value::Number)
        .ok_or_else(|| ConnectorError::Config {
            field: "hours".into(),
            message: format!("{hours} cannot be sent to Harvest exactly"),
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_accounts_get_start_and_end_times() {
        assert_eq!(
            start_and_end(Decimal::new(75, 1)).unwrap(),
            ("9:00am".to_owned(), "4:30pm".to_owned())
        );
        assert_eq!(start_and_end(Decimal::new(3, 0)).unwrap().1, "12:00pm");
        assert!(start_and_end(Decimal::new(1001, 3)).is_err());
        assert!(start_and_end(Decimal::new(16, 0)).is_err());
    }

    #[test]
    fn hours_go_out_as_exact_numbers() {
        let v = exact_number(Decimal::new(125, 2)).unwrap();
        assert_eq!(v.to_string(), "1.25");
        assert_eq!(exact_number(Decimal::new(8, 0)).unwrap().to_string(), "8.0");
        assert!(exact_number(Decimal::from_str_exact("0.1234567890123456789").unwrap()).is_err());
    }
}
