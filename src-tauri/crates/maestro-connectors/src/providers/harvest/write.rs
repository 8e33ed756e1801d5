//! Creating time entries idempotently. Harvest takes no idempotency header, so the key goes into
//! the notes as `[maestro:<key>]`, and before each `POST` the person's entries on that day are
//! searched for it: a retry after a lost answer finds the entry instead of writing it twice.

use http::Method;
use maestro_http::{ApiRequest, HttpError, IdempotencyKey};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

use super::{Harvest, api};
use crate::connector::{NewTimeEntry, WriteOutcome};
use crate::error::{ConnectorError, Result};

/// The text that marks an entry as written with `key`.
pub fn marker(key: &IdempotencyKey) -> String {
    format!("[maestro:{key}]")
}

impl Harvest {
    /// `POST /v2/time_entries` once per idempotency key.
    pub(super) async fn create_time_entry(
        &self,
        entry: &NewTimeEntry,
        key: &IdempotencyKey,
    ) -> Result<WriteOutcome> {
        let user_id = harvest_id("user_remote_id", &entry.user_remote_id)?;
        let marker = marker(key);
        let notes = match entry.notes.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => format!("{n} {marker}"),
            _ => marker.clone(),
        };
        let body = json!({
            "user_id": user_id,
            "project_id": harvest_id("project_remote_id", &entry.project_remote_id)?,
            "task_id": harvest_id("task_remote_id", &entry.task_remote_id)?,
            "spent_date": entry.date.format("%Y-%m-%d").to_string(),
            "hours": exact_number(entry.hours)?,
            "notes": notes,
        });
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(id) = self.find_marked(user_id, entry.date, &marker).await? {
                return Ok(WriteOutcome {
                    remote_id: id.to_string(),
                    applied_now: false,
                });
            }
            let url = self.session.url("/v2/time_entries")?;
            // Sent without an idempotency key so the session does not retry the POST blindly;
            // this loop retries it only after looking for the marker again.
            let request = ApiRequest::json(Method::POST, url, body.clone());
            match self.session.send(&request).await {
                Ok(resp) => {
                    let created: api::EntryNotes = resp.json()?;
                    return Ok(WriteOutcome {
                        remote_id: created.id.to_string(),
                        applied_now: true,
                    });
                }
                Err(e) if e.is_retryable() && attempt < self.retry.max_attempts => {
                    let wait = match &e {
                        HttpError::Throttled {
                            retry_after: Some(d),
                            ..
                        } if *d <= self.retry.max_retry_after => *d,
                        HttpError::Throttled {
                            retry_after: Some(_),
                            ..
                        } => return Err(e.into()),
                        _ => self.retry.backoff(attempt),
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
        &self,
        user_id: u64,
        date: chrono::NaiveDate,
        marker: &str,
    ) -> Result<Option<u64>> {
        let day = date.format("%Y-%m-%d").to_string();
        let mut url = self.list_url(
            "/v2/time_entries",
            &[
                ("user_id", user_id.to_string()),
                ("from", day.clone()),
                ("to", day),
            ],
        )?;
        loop {
            let (entries, next) = self
                .list_page(url, "time_entries", |e: api::EntryNotes, _raw| e)
                .await?;
            if let Some(found) = entries
                .iter()
                .find(|e| e.notes.as_deref().is_some_and(|n| n.contains(marker)))
            {
                return Ok(Some(found.id));
            }
            match next {
                Some(maestro_http::PageCursor::Url(link)) => url = self.same_host(&link)?,
                _ => return Ok(None),
            }
        }
    }
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
    fn hours_go_out_as_exact_numbers() {
        let v = exact_number(Decimal::new(125, 2)).unwrap();
        assert_eq!(v.to_string(), "1.25");
        assert_eq!(exact_number(Decimal::new(8, 0)).unwrap().to_string(), "8.0");
        assert!(exact_number(Decimal::from_str_exact("0.1234567890123456789").unwrap()).is_err());
    }
}
