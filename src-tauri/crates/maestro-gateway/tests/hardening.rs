//! Issue 18's security hardening of the local API, end to end: Gusto's unsigned handshake
//! cannot plant a webhook secret, a revoked key loses its WebSocket, events stay within the
//! key's scopes, the allowlist holds before any TLS handshake, GraphQL bodies are bounded, and
//! the loopback server checks Host/Origin and slows unauthenticated callers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use futures::{SinkExt, StreamExt};

use hmac::{Hmac, Mac};
use maestro_core::ids::ConnectionId;
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_gateway::GatewayConfig;
use maestro_sandbox::{Provider, WebhookEvent};
use reqwest::StatusCode;
use serde_json::json;

mod support;
use support::Env;

async fn env_with(config: GatewayConfig) -> Env {
    support::start(3, 5, config).await
}

async fn env() -> Env {
    env_with(GatewayConfig::loopback_ephemeral()).await
}

fn gusto_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Item 8: the first unsigned caller used to have its "verification token" saved as the
/// connection's signing secret, after which it could sign any event it liked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_gusto_handshake_cannot_plant_the_webhook_secret() {
    let env = env().await;
    let gusto = env.connection(Provider::Gusto).await;
    let url = env.url(&format!("/webhooks/{gusto}"));
    let planted = "attacker-chosen-token";
    let resp = env
        .http
        .post(&url)
        .json(&json!({"verification_token": planted}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());

    // An event signed with the planted token is refused.
    let person = env.sandbox.gusto_employees()[0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = env
        .sandbox
        .send_webhook(
            Provider::Gusto,
            &url,
            WebhookEvent {
                event_type: "employee.updated".into(),
                entity_id: person,
                changed_fields: vec!["first_name".into()],
            },
        )
        .await
        .unwrap();
    let resp = env
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-gusto-signature", gusto_signature(planted, &sent.body))
        .body(sent.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "an event signed with a token nobody confirmed was accepted"
    );

    // Gusto's own handshake arrives too; both wait for the owner, nothing is saved yet.
    let creds = env.sandbox.credentials();
    let real = creds.gusto.webhook_verification_token.clone();
    let resp = env
        .http
        .post(&url)
        .json(&json!({"verification_token": real}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let pending = env.gateway.pending_webhook_tokens(gusto);
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().any(|p| p.token.expose() == &real));
    assert!(
        !format!("{pending:?}").contains(&real),
        "a token in Debug output"
    );
    {
        let mut conn = env.app.store().pool().acquire().await.unwrap();
        let saved = maestro_store::api_keys::webhook_secret(&mut conn, env.company, gusto)
            .await
            .unwrap();
        assert!(saved.is_none(), "a handshake saved a secret by itself");
    }

    // The owner cannot confirm a token that never arrived; confirming Gusto's (the one Gusto's
    // verify endpoint accepts) makes it the secret.
    let never = Sensitive::new("never-arrived".to_owned());
    assert!(
        env.gateway
            .confirm_webhook_token(env.company, gusto, &never)
            .await
            .is_err()
    );
    env.gateway
        .confirm_webhook_token(env.company, gusto, &Sensitive::new(real.clone()))
        .await
        .unwrap();
    assert!(env.gateway.pending_webhook_tokens(gusto).is_empty());
    let entries = {
        let mut out = Vec::new();
        env.app.export_audit(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(entries.contains("webhook.secret_set"), "{entries}");
    assert!(entries.contains("webhook.handshake_pending"), "{entries}");
    assert!(!entries.contains(&real) && !entries.contains(planted));

    // Now Gusto's signed events verify, the planted token's do not, and a repeated handshake
    // is checked against the saved secret.
    let resp = env
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-gusto-signature", gusto_signature(&real, &sent.body))
        .body(sent.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let resp = env
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("x-gusto-signature", gusto_signature(planted, &sent.body))
        .body(sent.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    for (token, status) in [
        (real.as_str(), StatusCode::OK),
        (planted, StatusCode::UNAUTHORIZED),
    ] {
        let resp = env
            .http
            .post(&url)
            .json(&json!({"verification_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{token}");
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket of `key`, subscribed to `topics` and acknowledged.
async fn subscribed(env: &Env, key: &str, topics: &[&str]) -> Socket {
    use tokio_tungstenite::tungstenite::Message;
    let (mut socket, _) = tokio_tungstenite::connect_async(env.ws_request(key))
        .await
        .unwrap();
    socket
        .send(Message::Text(
            json!({ "subscribe": topics }).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = next_text(&mut socket, Duration::from_secs(10))
        .await
        .expect("no answer to subscribe");
    assert_eq!(ack["type"], "subscribed", "{ack}");
    socket
}

/// The next text message within `wait`; None when the socket closed or stayed silent.
async fn next_text(socket: &mut Socket, wait: Duration) -> Option<serde_json::Value> {
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match msg {
            Ok(Message::Text(t)) => return serde_json::from_str(t.as_str()).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Item 7: a revoked key kept its open socket, and its events, for as long as it liked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_key_closes_its_websocket() {
    use tokio_tungstenite::tungstenite::Message;
    let env = env().await;
    let key = env.key(&["events:read", "employees:read"], None).await;
    let mut socket = subscribed(&env, &key, &["sync", "records"]).await;
    let id = maestro_gateway::list_keys(&env.app, env.company)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .id;
    maestro_gateway::revoke_key(&env.app, env.company, &id)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let closed = loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => break false,
            Ok(None | Some(Err(_))) => break true,
            Ok(Some(Ok(Message::Close(frame)))) => {
                let frame = frame.expect("a close frame says why");
                assert_eq!(u16::from(frame.code), 1008, "{frame:?}");
                break true;
            }
            Ok(Some(Ok(_))) => {}
        }
    };
    assert!(closed, "the revoked key's socket stayed open");
}

/// Item 7: the `events` scope alone used to stream record ids and change types of every kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stay_within_the_keys_entity_scopes() {
    let env = env().await;
    let bamboo = env.connection(Provider::BambooHr).await;
    let reader = env.key(&["events:read", "employees:read"], None).await;
    let outsider = env.key(&["events:read", "time_entries:read"], None).await;
    let mut allowed = subscribed(&env, &reader, &["sync", "records"]).await;
    let mut denied = subscribed(&env, &outsider, &["sync", "records"]).await;
    env.app
        .sync_connection(
            env.company,
            bamboo,
            Some(EntityKind::Employee),
            maestro_sync::Mode::Full,
        )
        .await
        .unwrap();
    let mut kinds = Vec::new();
    loop {
        let e = next_text(&mut allowed, Duration::from_secs(30))
            .await
            .expect("the reader missed the run");
        kinds.push(e["type"].as_str().unwrap_or_default().to_owned());
        if e["type"] == "run_finished" {
            break;
        }
    }
    assert!(kinds.iter().any(|k| k == "record_changed"), "{kinds:?}");
    let leaked = next_text(&mut denied, Duration::from_millis(500)).await;
    assert!(
        leaked.is_none(),
        "a key without employees:read saw {leaked:?}"
    );

    // Alerts need the alerts scope.
    use tokio_tungstenite::tungstenite::Message;
    let (mut socket, _) = tokio_tungstenite::connect_async(env.ws_request(&outsider))
        .await
        .unwrap();
    socket
        .send(Message::Text(
            json!({"subscribe": ["alerts"]}).to_string().into(),
        ))
        .await
        .unwrap();
    let answer = next_text(&mut socket, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(answer["type"], "error", "{answer}");
}

/// Item 9: with TLS on, a client outside the allowlist used to get a full TLS handshake (and
/// then a 403); it is now dropped at accept, before any handshake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allowlist_holds_before_the_tls_handshake() {
    use tokio::io::AsyncReadExt;
    let config = GatewayConfig {
        tls: maestro_gateway::TlsSetting::Generated,
        allowlist: GatewayConfig::parse_allowlist(&["10.0.0.0/8".into()]).unwrap(),
        ..GatewayConfig::loopback_ephemeral()
    };
    let env = env_with(config).await;
    let key = env.key(&["*:read"], None).await;
    let cert_pem = {
        let mut conn = env.app.store().pool().acquire().await.unwrap();
        maestro_store::api_keys::tls_identity(&mut conn)
            .await
            .unwrap()
            .unwrap()
            .cert_pem
    };
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let url = format!(
        "https://localhost:{}/api/v1/alerts",
        env.gateway.addr().port()
    );
    let answer = client.get(&url).bearer_auth(&key).send().await;
    assert!(
        answer.is_err(),
        "a client outside the allowlist completed a TLS handshake: {:?}",
        answer.map(|r| r.status())
    );
    // At the TCP level: closed without a byte, while a TLS server would wait for a ClientHello.
    let mut raw = tokio::net::TcpStream::connect(env.gateway.addr())
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(2), raw.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "the connection stayed open: {read:?}"
    );
}

/// Item 9: REST refused bodies over its limit, but `/graphql` read any size into memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_bodies_have_the_rest_body_limit() {
    let env = env().await;
    let key = env.key(&["*:write"], None).await;
    let post = |pad: usize| {
        let body = json!({
            "query": "{ __typename }",
            "variables": { "pad": "x".repeat(pad) },
        });
        env.http
            .post(env.url("/graphql"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    assert_eq!(post(1024 * 1024).await.unwrap().status(), StatusCode::OK);
    let big = 3 * 1024 * 1024;
    assert_eq!(
        post(big).await.unwrap().status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "an oversized GraphQL body was read"
    );
    // REST answers the same to the same body.
    let resp = env
        .http
        .patch(env.url("/api/v1/employees/x"))
        .bearer_auth(&key)
        .header("content-type", "application/vnd.api+json")
        .body(
            json!({"data": {"type": "employees", "id": "x", "attributes": {"pad": "x".repeat(big)}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Item 11: a web page whose name rebinds to 127.0.0.1 reached the API with its own Host and
/// Origin; only this computer's names (with the bound port) and the app's own origins pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loopback_server_checks_host_and_origin() {
    let env = env().await;
    let key = env.key(&["*:read"], None).await;
    let port = env.gateway.addr().port();
    let get = |host: String, origin: Option<&'static str>| {
        let mut req = env
            .http
            .get(env.url("/api/v1/alerts"))
            .bearer_auth(&key)
            .header("host", host);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
    ] {
        assert_eq!(
            get(host.clone(), None).await.unwrap().status(),
            StatusCode::OK,
            "{host}"
        );
    }
    for host in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "localhost:1".to_owned(),
        "evil.example".to_owned(),
    ] {
        let resp = get(host.clone(), None).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{host}");
        let doc: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(doc["errors"][0]["code"], "host_not_allowed", "{host}");
    }
    let here = format!("127.0.0.1:{port}");
    assert_eq!(
        get(here.clone(), Some("tauri://localhost"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    for origin in ["https://evil.example", "null", "http://localhost:5173"] {
        let resp = get(here.clone(), Some(origin)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    // The browser's cross-site WebSocket is refused before the upgrade.
    let mut request = env.ws_request(&key);
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(request).await.err();
    assert!(
        err.as_ref().is_some_and(|e| e.to_string().contains("403")),
        "{err:?}"
    );
}

/// Item 11: requests without a valid key (and unverified webhooks) cost the server a lookup
/// each, without limit; each client address now has a budget of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_requests_are_rate_limited_per_address() {
    let env = env().await;
    let key = env.key(&["*:read"], None).await;
    let mut limited = None;
    for i in 0..200 {
        let req = env.http.get(env.url("/api/v1/alerts"));
        let req = if i % 2 == 0 {
            req
        } else {
            req.bearer_auth("mk_live_not-a-key")
        };
        let resp = req.send().await.unwrap();
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, resp));
            break;
        }
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let (count, resp) = limited.expect("200 unauthenticated requests were all answered");
    assert!(count >= 10, "limited after only {count}");
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Forged webhooks to made-up connections share the budget.
    let resp = env
        .http
        .post(env.url(&format!("/webhooks/{}", ConnectionId::new())))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    // A valid key from the same address is still served.
    let resp = env
        .http
        .get(env.url("/api/v1/alerts"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
