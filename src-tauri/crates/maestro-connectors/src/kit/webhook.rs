//! Webhooks of providers described by a file: the signature checked as the file's `[webhook]`
//! says (header, HMAC-SHA256 in hex or base64 of the raw body, or a static token; optional
//! prefix and timestamp window), then the payload read into [`WebhookEvent`]s with the file's
//! pointers (event type, record id, record type → canonical kind).

use chrono::{DateTime, Utc};
use maestro_core::sensitive::Sensitive;
use maestro_http::webhook::{self as sig, SignatureError};
use maestro_kit::file::WebhookSpec;
use serde_json::Value;

use super::manifest;
use crate::connector::WebhookEvent;
use crate::error::{ConnectorError, Result};

/// Checks the signature of `body` with `secret` (for Checkr, the account's API key).
pub(crate) fn verify(
    spec: &WebhookSpec,
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &Sensitive<String>,
    now: DateTime<Utc>,
) -> Result<()> {
    let given = sig::header(headers, &spec.signature_header)?.trim();
    let given = match &spec.prefix {
        Some(prefix) => given
            .strip_prefix(prefix.as_str())
            .ok_or(SignatureError::Malformed)?,
        None => given,
    };
    if let Some(name) = &spec.timestamp_header {
        let at = sig::header(headers, name)?;
        let tolerance = spec.tolerance_secs.unwrap_or(300);
        sig::check_timestamp(
            at,
            now.timestamp(),
            i64::try_from(tolerance).unwrap_or(i64::MAX),
        )?;
    }
    let key = secret.expose().as_bytes();
    match spec.scheme.as_str() {
        "hmac_sha256_hex" => sig::verify_hex(key, &[body], given)?,
        "hmac_sha256_base64" => sig::verify_base64(key, &[body], given)?,
        // A static token: compared through its MAC, so the comparison takes constant time.
        "token" => sig::verify_hex(key, &[key], &sig::sign_hex(key, &[given.as_bytes()]))?,
        other => {
            return Err(ConnectorError::Config {
                field: "webhook.scheme".into(),
                message: format!("`{other}` is not a signature scheme the kit checks"),
            });
        }
    }
    Ok(())
}

/// The events in a verified payload (one event, or a list of them).
pub(crate) fn events(provider: &str, spec: &WebhookSpec, body: &[u8]) -> Result<Vec<WebhookEvent>> {
    let value: Value = maestro_http::decode::json(provider, body)?;
    let list = match (&spec.events, value) {
        (Some(path), value) => walk(&value, path),
        (None, Value::Array(items)) => items,
        (None, one) => vec![one],
    };
    Ok(list.iter().map(|e| event(spec, e)).collect())
}

/// The values at `path` in `value`, a `*` segment standing for every item of a list (a list
/// or member that is not there gives nothing).
fn walk(value: &Value, path: &str) -> Vec<Value> {
    let mut at = vec![value];
    for seg in path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        at = at
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match (seg.as_str(), v) {
                    ("*", Value::Array(items)) => items.iter().collect(),
                    (key, Value::Object(m)) => m.get(key).into_iter().collect(),
                    (index, Value::Array(items)) => index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get(i))
                        .into_iter()
                        .collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    at.into_iter().cloned().collect()
}

fn event(spec: &WebhookSpec, e: &Value) -> WebhookEvent {
    let text = |p: &Option<String>| {
        p.as_deref()
            .and_then(|p| e.pointer(p))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.trim().is_empty())
    };
    let event_type = text(&spec.event_type).unwrap_or_default();
    let record_kind = text(&spec.record_kind)
        .or_else(|| event_type.split_once('.').map(|(kind, _)| kind.to_owned()));
    let entity = record_kind
        .and_then(|k| spec.kinds.get(&k))
        .and_then(|k| manifest::entity_kind(k));
    WebhookEvent {
        event_type,
        entity,
        remote_id: text(&spec.record_id),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use maestro_core::model::EntityKind;

    fn checkr() -> WebhookSpec {
        let file = maestro_kit::builtin_file("checkr").unwrap();
        file.file.webhook.clone().unwrap()
    }

    fn signed(name: &str, value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    const BODY: &[u8] = br#"{"id":"1002d6bca6acdfcbb8442178","object":"event","type":"report.completed","created_at":"2018-08-17T01:12:43Z","data":{"object":{"id":"4722c07dd9a10c3985ae432a","object":"report","status":"complete"}}}"#;

    #[test]
    fn a_checkr_signature_is_the_hex_hmac_of_the_body_with_the_api_key() {
        let key = Sensitive::new("83ebeabdec09f6670863766f792ead24d61fe3f9".to_owned());
        let spec = checkr();
        let good = sig::sign_hex(key.expose().as_bytes(), &[BODY]);
        let h = signed("x-checkr-signature", &good);
        verify(&spec, &h, BODY, &key, Utc::now()).unwrap();
        let events = events("Checkr", &spec, BODY).unwrap();
        assert_eq!(
            events,
            vec![WebhookEvent {
                event_type: "report.completed".into(),
                entity: Some(EntityKind::BackgroundCheck),
                remote_id: Some("4722c07dd9a10c3985ae432a".into()),
            }]
        );
        // One byte of the body changed, another key, no header, not hex: all refused.
        let tampered = String::from_utf8_lossy(BODY).replace("complete\"", "canceled\"");
        for (body, key, headers) in [
            (tampered.as_bytes(), key.clone(), h.clone()),
            (BODY, Sensitive::new("another-key".to_owned()), h.clone()),
            (BODY, key.clone(), http::HeaderMap::new()),
            (BODY, key.clone(), signed("x-checkr-signature", "not hex")),
        ] {
            let err = verify(&spec, &headers, body, &key, Utc::now()).unwrap_err();
            assert!(matches!(err, ConnectorError::Webhook(_)), "{err:?}");
        }
    }

    #[test]
    fn base64_prefixes_timestamps_and_tokens_follow_the_file() {
        let key = Sensitive::new("k".to_owned());
        let now = Utc::now();
        let mut spec = checkr();
        spec.scheme = "hmac_sha256_base64".into();
        spec.prefix = Some("v1=".into());
        spec.timestamp_header = Some("x-time".into());
        spec.tolerance_secs = Some(60);
        let mut h = signed(
            "x-checkr-signature",
            &format!("v1={}", sig::sign_base64(b"k", &[BODY])),
        );
        h.insert("x-time", now.timestamp().to_string().parse().unwrap());
        verify(&spec, &h, BODY, &key, now).unwrap();
        let later = now + chrono::Duration::seconds(120);
        assert!(matches!(
            verify(&spec, &h, BODY, &key, later),
            Err(ConnectorError::Webhook(SignatureError::Stale(_)))
        ));
        spec.scheme = "token".into();
        spec.timestamp_header = None;
        verify(
            &spec,
            &signed("x-checkr-signature", "v1=k"),
            BODY,
            &key,
            now,
        )
        .unwrap();
        assert!(
            verify(
                &spec,
                &signed("x-checkr-signature", "v1=j"),
                BODY,
                &key,
                now
            )
            .is_err()
        );
    }

    #[test]
    fn an_event_of_another_record_type_names_no_kind() {
        let body =
            br#"{"type":"candidate.created","data":{"object":{"id":"c1","object":"candidate"}}}"#;
        let e = events("Checkr", &checkr(), body).unwrap();
        assert_eq!(e[0].entity, None);
        assert_eq!(e[0].remote_id.as_deref(), Some("c1"));
        assert!(events("Checkr", &checkr(), b"{not json").is_err());
    }

    /// Intuit's documented legacy payload (docs: webhooks, "Webhook notification payload"),
    /// with two companies' changes, signed as the docs show: base64 of the HMAC-SHA256 of the
    /// raw body with the app's verifier token.
    const INTUIT: &[u8] = br#"{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Employee","id":"55","operation":"Update","lastUpdated":"2025-10-05T14:42:19-0700"},{"name":"TimeActivity","id":"1001","operation":"Delete","lastUpdated":"2025-10-05T14:42:20-0700"}]}},{"realmId":"1185883451","dataChangeEvent":{"entities":[{"name":"Invoice","id":"7","operation":"Create","lastUpdated":"2025-10-05T14:43:00-0700"}]}}]}"#;

    #[test]
    fn an_intuit_signature_is_checked_and_every_nested_entity_is_an_event() {
        let file = maestro_kit::builtin_file("quickbooks").unwrap();
        let spec = file.file.webhook.clone().unwrap();
        let token = Sensitive::new("a-verifier-token".to_owned());
        let good = sig::sign_base64(token.expose().as_bytes(), &[INTUIT]);
        let h = signed("intuit-signature", &good);
        verify(&spec, &h, INTUIT, &token, Utc::now()).unwrap();
        let found = events("QuickBooks Online", &spec, INTUIT).unwrap();
        assert_eq!(
            found,
            vec![
                WebhookEvent {
                    event_type: "Update".into(),
                    entity: Some(EntityKind::Employee),
                    remote_id: Some("55".into()),
                },
                WebhookEvent {
                    event_type: "Delete".into(),
                    entity: Some(EntityKind::TimeEntry),
                    remote_id: Some("1001".into()),
                },
                // An entity the file does not read: an event of no kind.
                WebhookEvent {
                    event_type: "Create".into(),
                    entity: None,
                    remote_id: Some("7".into()),
                },
            ]
        );
        // The hex form, another token, a changed body: refused.
        let hex = sig::sign_hex(token.expose().as_bytes(), &[INTUIT]);
        let tampered = String::from_utf8_lossy(INTUIT).replace("\"55\"", "\"56\"");
        for (body, key, headers) in [
            (INTUIT, token.clone(), signed("intuit-signature", &hex)),
            (INTUIT, Sensitive::new("other".to_owned()), h.clone()),
            (tampered.as_bytes(), token.clone(), h.clone()),
        ] {
            assert!(verify(&spec, &headers, body, &key, Utc::now()).is_err());
        }
        // Nothing where the path leads: no events, not an error.
        assert!(
            events("QuickBooks Online", &spec, br#"{"other":[]}"#)
                .unwrap()
                .is_empty()
        );
    }
}
