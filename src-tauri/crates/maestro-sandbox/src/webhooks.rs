//! Signed webhook delivery, byte-for-byte as the providers sign them.
//!
//! * Gusto: `X-Gusto-Signature` = hex HMAC-SHA256 of the raw body, keyed with the subscription's
//!   `verification_token`; thin payload `{uuid, event_type, resource_type, resource_uuid,
//!   entity_type, entity_uuid, timestamp}`.
//! * BambooHR: `X-BambooHR-Timestamp` (unix seconds) and `X-BambooHR-Signature` = hex HMAC-SHA256
//!   over raw body followed by the timestamp, keyed with the webhook `privateKey` (hex encoding is
//!   the PHP `hash_hmac` default of BambooHR's example; unverified). Payload: `employee.*` and
//!   `company.*` events `{type, timestamp, data: {companyId, employeeId, changedFields}}` (spec
//!   `webhooks`); legacy `employee_with_fields.*` events
//!   `{"employees":[{id, action, timestamp, changedFields, fields}]}`.
//! * Harvest has no webhooks.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// An event to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// e.g. `employee.updated` (Gusto) or `employee.updated` / `employee.created` (BambooHR).
    pub event_type: String,
    /// The entity: Gusto employee uuid / BambooHR employee id.
    pub entity_id: String,
    /// BambooHR: fields reported as changed (their current values are posted in `fields`).
    #[serde(default)]
    pub changed_fields: Vec<String>,
}

/// What was sent and how the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Receiver's HTTP status.
    pub status: u16,
    /// Raw body sent.
    pub body: Vec<u8>,
    /// Signature header value sent.
    pub signature: String,
    /// Timestamp header value sent (BambooHR only).
    pub timestamp: Option<String>,
}

/// Hex HMAC-SHA256 of `parts` concatenated, keyed with `key`.
pub fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC accepts keys of any length; this branch is unreachable.
        return String::new();
    };
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Gusto event body.
pub(crate) fn gusto_payload(company_uuid: &str, event: &WebhookEvent) -> Vec<u8> {
    let entity = event.event_type.split('.').next().unwrap_or("employee");
    json!({
        "uuid": uuid::Uuid::new_v4().to_string(),
        "event_type": event.event_type,
        "resource_type": "Company",
        "resource_uuid": company_uuid,
        "entity_type": camel(entity),
        "entity_uuid": event.entity_id,
        "timestamp": chrono::Utc::now().timestamp(),
    })
    .to_string()
    .into_bytes()
}

/// BambooHR event body. `employee.*` and `company.*` events have the current shape
/// (`EmployeeUpdatedWebhookPayload` and kin: `{type, timestamp, data: {companyId, employeeId,
/// changedFields}}`); `employee_with_fields.*` events the legacy one with the changed fields'
/// values.
pub(crate) fn bamboohr_payload(
    event: &WebhookEvent,
    company_id: &str,
    fields: Map<String, Value>,
) -> Vec<u8> {
    let now = chrono::Utc::now();
    let Some(action) = event.event_type.strip_prefix("employee_with_fields.") else {
        let mut data = Map::new();
        data.insert("companyId".into(), json!(company_id));
        if event.event_type.starts_with("employee.") {
            data.insert("employeeId".into(), json!(event.entity_id));
        }
        if event.event_type == "employee.updated" {
            data.insert("changedFields".into(), json!(event.changed_fields));
        }
        return json!({
            "type": event.event_type,
            "timestamp": now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "data": data,
        })
        .to_string()
        .into_bytes();
    };
    let action = match action {
        "created" => "Created",
        "deleted" => "Deleted",
        _ => "Updated",
    };
    json!({
        "employees": [{
            "id": event.entity_id,
            "action": action,
            "timestamp": now.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            "changedFields": event.changed_fields,
            "fields": fields,
        }]
    })
    .to_string()
    .into_bytes()
}

/// POSTs `body` with the given headers.
pub(crate) async fn post(
    target: &str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    signature: String,
    timestamp: Option<String>,
) -> Result<WebhookDelivery, reqwest::Error> {
    let client = reqwest::Client::new();
    let mut req = client
        .post(target)
        .header("content-type", "application/json")
        .header("user-agent", "maestro-sandbox-webhooks");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp = req.body(body.clone()).send().await?;
    Ok(WebhookDelivery {
        status: resp.status().as_u16(),
        body,
        signature,
        timestamp,
    })
}
