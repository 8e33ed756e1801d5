//! Webhooks: `X-BambooHR-Signature` is the hex HMAC-SHA256 of the raw body followed by
//! `X-BambooHR-Timestamp`, keyed with the webhook's private key.

use chrono::{DateTime, Utc};
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_http::webhook::{SignatureError, check_timestamp, header, verify_hex};
use serde_json::Value;

use super::map;
use crate::connector::WebhookEvent;
use crate::error::Result;

/// How far a webhook's timestamp may be from now before it is taken for a replay.
const TOLERANCE_SECS: i64 = 300;

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn entity_of(event_type: &str) -> Option<EntityKind> {
    if event_type.starts_with("employee") {
        Some(EntityKind::Employee)
    } else if event_type.starts_with("company.") {
        Some(EntityKind::Company)
    } else {
        None
    }
}

/// The timestamp as Unix seconds (BambooHR sends seconds; RFC 3339 is accepted too).
fn unix_seconds(ts: &str) -> Result<String, SignatureError> {
    let ts = ts.trim();
    if ts.parse::<i64>().is_ok() {
        return Ok(ts.to_owned());
    }
    DateTime::parse_from_rfc3339(ts)
        .map(|d| d.timestamp().to_string())
        .map_err(|_| SignatureError::Malformed)
}

/// Checks the signature and the timestamp, then reads the events.
pub(super) fn verify(
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &Sensitive<String>,
    now: DateTime<Utc>,
) -> Result<Vec<WebhookEvent>> {
    let signature = header(headers, "x-bamboohr-signature")?;
    let timestamp = header(headers, "x-bamboohr-timestamp")?;
    verify_hex(
        secret.expose().as_bytes(),
        &[body, timestamp.as_bytes()],
        signature,
    )?;
    check_timestamp(&unix_seconds(timestamp)?, now.timestamp(), TOLERANCE_SECS)?;

    let payload: Value = serde_json::from_slice(body).map_err(|e| {
        map::bad(
            "webhook",
            "(payload)",
            format!(
                "the webhook body is not JSON ({e}); set the webhook format to JSON in BambooHR"
            ),
        )
    })?;
    // Current events: {"type": "employee.updated", "data": {"employeeId": "100", …}}.
    if let Some(event_type) = payload.get("type").and_then(Value::as_str) {
        return Ok(vec![WebhookEvent {
            event_type: event_type.to_owned(),
            entity: entity_of(event_type),
            remote_id: text(payload.pointer("/data/employeeId")),
        }]);
    }
    // Legacy `employee_with_fields` events: {"employees": [{"id": "100", "action": "Updated"}]}.
    let employees = payload.get("employees").and_then(Value::as_array);
    Ok(employees
        .map(|list| {
            list.iter()
                .map(|e| WebhookEvent {
                    event_type: format!(
                        "employee.{}",
                        e.get("action")
                            .and_then(Value::as_str)
                            .unwrap_or("updated")
                            .to_ascii_lowercase()
                    ),
                    entity: Some(EntityKind::Employee),
                    remote_id: text(e.get("id")),
                })
                .collect()
        })
        .unwrap_or_default())
}
