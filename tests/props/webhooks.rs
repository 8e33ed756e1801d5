//! Webhook verification and payload parsing with arbitrary bodies and headers: a body signed
//! correctly is parsed into events or refused with a classified error; a wrong or missing
//! signature is always refused; nothing panics.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use maestro_connectors::{Connector, ConnectorContext, Registry};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, ClientOptions, RetryPolicy, build_client};
use maestro_sandbox::hmac_hex;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use url::Url;

use crate::junk;

const SECRET: &str = "whsec-property-test";

fn connector(id: &str, config: &[(&str, &str)]) -> Arc<dyn Connector> {
    let ctx = ConnectorContext {
        company_id: CompanyId::new(),
        connection_id: ConnectionId::new(),
        config: config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        base_url: Url::parse("http://127.0.0.1:9/").unwrap(),
        auth_base_url: None,
        auth: Auth::None,
        http: build_client(&ClientOptions {
            tls13_only: false,
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
        })
        .unwrap(),
        clock: Arc::new(SystemClock),
        retry: RetryPolicy::fast(),
        limiter: None,
    };
    Registry::builtin().get(id).unwrap().build(ctx).unwrap()
}

/// Payloads in the shapes each provider documents, to damage.
fn samples(id: &str) -> Vec<serde_json::Value> {
    match id {
        "gusto" => vec![json!({
            "uuid": "8b4a6bce-8c43-4ebd-9a9a-1a1b2c3d4e5f",
            "event_type": "employee.updated",
            "resource_type": "Company",
            "resource_uuid": "c1d2e3f4-0000-4000-8000-000000000001",
            "entity_type": "Employee",
            "entity_uuid": "e1d2e3f4-0000-4000-8000-000000000002",
            "timestamp": 1_764_000_000
        })],
        // Checkr's generic event (info.description, "Webhooks"), `include_object` on.
        "checkr" => vec![json!({
            "id": "1002d6bca6acdfcbb8442178",
            "object": "event",
            "type": "report.completed",
            "created_at": "2018-08-17T01:12:43Z",
            "webhook_url": "https://notify.company.com/checkr",
            "data": {"object": {
                "id": "4722c07dd9a10c3985ae432a", "object": "report", "status": "complete",
                "result": "clear", "candidate_id": "e44aa283528e6fde7d542194"
            }}
        })],
        _ => vec![
            json!({"employees": [{
                "id": "41", "action": "Updated", "timestamp": "2026-12-07T10:00:00+00:00",
                "changedFields": ["firstName"], "fields": {"firstName": "Ada"}
            }]}),
            json!({"type": "employee.updated", "data": {"employeeId": "41"},
                   "timestamp": "2026-12-07T10:00:00Z"}),
        ],
    }
}

#[test]
fn arbitrary_webhooks_are_parsed_or_refused_without_panic() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let secret = Sensitive::new(SECRET.to_owned());
    for (id, config) in [
        (
            "gusto",
            vec![("company_uuid", "c1d2e3f4-0000-4000-8000-000000000001")],
        ),
        (
            "bamboohr",
            vec![("subdomain", "bluebird"), ("api_key", "k")],
        ),
        ("checkr", vec![]),
    ] {
        let c = connector(id, &config);
        let samples = samples(id);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let (parsed, refused) = (Cell::new(0usize), Cell::new(0usize));
        let strategy = (
            0..samples.len(),
            junk::mutations(),
            prop::collection::vec(any::<u8>(), 0..64),
            any::<bool>(),
            any::<bool>(),
            prop_oneof![
                Just(None),
                Just(Some(-400i64)),
                Just(Some(0)),
                any::<i64>().prop_map(Some)
            ],
        );
        runner
            .run(
                &strategy,
                |(which, damage, raw, use_raw, sign_right, skew)| {
                    let body = if use_raw {
                        raw
                    } else {
                        junk::apply(samples[which].to_string().as_bytes(), &damage)
                    };
                    let now = Utc::now();
                    let ts = match skew {
                        None => now.timestamp().to_string(),
                        Some(s) => now.timestamp().saturating_add(s).to_string(),
                    };
                    let mut headers = http::HeaderMap::new();
                    let signature = match (id, sign_right) {
                        ("gusto" | "checkr", true) => hmac_hex(SECRET.as_bytes(), &[&body]),
                        (_, true) => hmac_hex(SECRET.as_bytes(), &[&body, ts.as_bytes()]),
                        (_, false) => hmac_hex(b"someone else", &[&body]),
                    };
                    if id == "gusto" {
                        headers.insert("x-gusto-signature", signature.parse().unwrap());
                    } else if id == "checkr" {
                        headers.insert("x-checkr-signature", signature.parse().unwrap());
                    } else {
                        headers.insert("x-bamboohr-signature", signature.parse().unwrap());
                        headers.insert("x-bamboohr-timestamp", ts.parse().unwrap());
                    }
                    match c.verify_webhook(&headers, &body, &secret, now) {
                        Ok(_) => {
                            prop_assert!(sign_right, "{id}: a wrong signature was accepted");
                            parsed.set(parsed.get() + 1);
                        }
                        Err(e) => {
                            prop_assert!(
                                e.kind() != maestro_core::error::ErrorKind::Internal,
                                "{id}: unclassified: {e}"
                            );
                            refused.set(refused.get() + 1);
                        }
                    }
                    Ok(())
                },
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        println!(
            "webhooks: {id}: {cases} cases ({} parsed, {} refused)",
            parsed.get(),
            refused.get()
        );
    }
    crate::assert_peak_memory_bounded("webhooks");
}
