use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use hmac::{Hmac, Mac};
use maestro_sandbox::{Provider, WebhookEvent};
use serde_json::Value;
use sha2::Sha256;

use crate::start;

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(|State(s): State<Seen>, h: HeaderMap, b: Bytes| async move {
                s.lock().unwrap().push((h, b));
                "ok"
            }),
        )
        .with_state(seen.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, seen)
}

fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    hex::encode(m.finalize().into_bytes())
}

#[tokio::test]
async fn webhook_signatures_verify_independently() {
    let sb = start().await;
    let (url, seen) = receiver().await;
    let creds = sb.credentials();
    let emp = sb.company().people[3].clone();
    let d = sb
        .send_webhook(
            Provider::Gusto,
            &url,
            WebhookEvent {
                event_type: "employee.updated".into(),
                entity_id: emp.gusto_uuid.clone(),
                changed_fields: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(d.status, 200);
    let d = sb
        .send_webhook(
            Provider::BambooHr,
            &url,
            WebhookEvent {
                event_type: "employee_with_fields.updated".into(),
                entity_id: emp.bamboo_id.to_string(),
                changed_fields: vec!["jobTitle".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(d.status, 200);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let (h, body) = &seen[0];
    let expected = hmac_hex(creds.gusto.webhook_verification_token.as_bytes(), body);
    assert_eq!(h["x-gusto-signature"].to_str().unwrap(), expected);
    let v: Value = serde_json::from_slice(body).unwrap();
    for k in [
        "uuid",
        "event_type",
        "resource_type",
        "resource_uuid",
        "entity_type",
        "entity_uuid",
        "timestamp",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["entity_type"], "Employee");
    assert_eq!(v["resource_uuid"], creds.gusto.company_uuid.as_str());
    assert!(v["timestamp"].is_i64());
    let (h, body) = &seen[1];
    let ts = h["x-bamboohr-timestamp"].to_str().unwrap();
    let mut signed = body.to_vec();
    signed.extend_from_slice(ts.as_bytes());
    let expected = hmac_hex(creds.bamboohr.webhook_private_key.as_bytes(), &signed);
    assert_eq!(h["x-bamboohr-signature"].to_str().unwrap(), expected);
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["employees"][0]["fields"]["jobTitle"], emp.title);
    assert!(
        sb.send_webhook(
            Provider::Harvest,
            &url,
            WebhookEvent {
                event_type: "x".into(),
                entity_id: "1".into(),
                changed_fields: vec![]
            }
        )
        .await
        .is_err()
    );
    sb.shutdown().await;
}
