//! The local API end to end against the sandbox: keys and scopes, the allowlist, rate limits,
//! the LAN-binding refusal, JSON:API documents validated against the JSON:API schema, GraphQL
//! agreeing with REST, WebSocket events of a sync in order, writes through the outbox, and
//! each provider's webhook signature accepted when right and refused when tampered with.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use maestro_app::App;
use maestro_core::ids::ConnectionId;
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_gateway::{Gateway, GatewayConfig, GatewayError, TlsSetting};
use maestro_sandbox::{Provider, WebhookEvent};
use maestro_sync::Mode;
use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;
use support::Env;

const JSONAPI: &str = "application/vnd.api+json";

impl Env {
    async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .header("accept", JSONAPI)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn graphql(&self, key: &str, query: &str) -> Value {
        self.http
            .post(self.url("/graphql"))
            .bearer_auth(key)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn sync(&self, connection: ConnectionId, entity: EntityKind) {
        let out = self
            .app
            .sync_connection(self.company, connection, Some(entity), Mode::Full)
            .await
            .unwrap();
        assert!(out.iter().all(|o| o.error.is_none()), "{out:?}");
    }
}

async fn env_with(employees: usize, config: GatewayConfig) -> Env {
    support::start(employees, 50, config).await
}

async fn env() -> Env {
    env_with(12, GatewayConfig::loopback_ephemeral()).await
}

fn schema() -> jsonschema::Validator {
    let text = include_str!("jsonapi-1.1.schema.json");
    jsonschema::validator_for(&serde_json::from_str(text).unwrap()).unwrap()
}

fn assert_jsonapi(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a JSON:API document: {errors:?}\n{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_scopes_and_jsonapi_documents() {
    let env = env().await;
    let bamboo = env.connection(Provider::BambooHr).await;
    env.sync(bamboo, EntityKind::Employee).await;
    env.sync(bamboo, EntityKind::Employment).await;
    let validator = schema();

    // No key, an unknown key, a revoked key: 401 with a JSON:API error document.
    let resp = env
        .http
        .get(env.url("/api/v1/employees"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(resp.headers()["content-type"], JSONAPI);
    assert_jsonapi(&validator, &resp.json().await.unwrap());
    let (status, _) = env.get("mk_live_0000", "/api/v1/employees").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A key without the scope: 403; with it: 200.
    let alerts_only = env.key(&["alerts:read"], None).await;
    let (status, doc) = env.get(&alerts_only, "/api/v1/employees").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{doc}");
    assert_jsonapi(&validator, &doc);
    let (status, _) = env.get(&alerts_only, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);

    let reader = env.key(&["employees:read", "employments:read"], None).await;
    let (status, doc) = env.get(&reader, "/api/v1/employees?page[size]=5").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_jsonapi(&validator, &doc);
    assert_eq!(doc["jsonapi"]["version"], "1.1");
    assert_eq!(doc["data"].as_array().unwrap().len(), 5);
    let first = &doc["data"][0];
    assert_eq!(first["type"], "employees");
    assert!(first["attributes"]["last_name"].is_string());
    for field in ["date_of_birth", "ssn", "raw", "provenance"] {
        assert!(first["attributes"].get(field).is_none(), "{field} served");
    }

    // Cursor pagination covers every person exactly once.
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/employees?page[size]=5".to_owned());
    while let Some(path) = next {
        let (status, doc) = env.get(&reader, &path).await;
        assert_eq!(status, StatusCode::OK, "{doc}");
        assert_jsonapi(&validator, &doc);
        seen.extend(
            doc["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone()),
        );
        next = doc["links"]["next"].as_str().map(str::to_owned);
    }
    let total = env.sandbox.bamboohr_employees().len();
    assert_eq!(seen.len(), total);
    seen.dedup();
    assert_eq!(seen.len(), total);

    // Sorted pages (offset cursors) cover every person exactly once, in order.
    let mut sorted_walk: Vec<(String, String)> = Vec::new();
    let mut next = Some("/api/v1/employees?sort=-last_name&page[size]=7".to_owned());
    while let Some(path) = next {
        let (status, doc) = env.get(&reader, &path).await;
        assert_eq!(status, StatusCode::OK, "{doc}");
        sorted_walk.extend(doc["data"].as_array().unwrap().iter().map(|r| {
            (
                r["attributes"]["last_name"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        }));
        next = doc["links"]["next"].as_str().map(str::to_owned);
    }
    let mut in_order = sorted_walk.clone();
    in_order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(sorted_walk, in_order);
    assert_eq!(sorted_walk.len(), total);

    // include + sparse fieldsets + sort + filter.
    let (status, doc) = env
        .get(
            &reader,
            "/api/v1/employees?include=employments&fields[employees]=last_name,employments\
             &sort=-last_name&page[size]=50",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_jsonapi(&validator, &doc);
    let data = doc["data"].as_array().unwrap();
    let names: Vec<&str> = data
        .iter()
        .map(|r| r["attributes"]["last_name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert!(
        data.iter()
            .all(|r| r["attributes"].as_object().unwrap().len() == 1)
    );
    let included = doc["included"].as_array().unwrap();
    assert!(!included.is_empty());
    assert!(included.iter().all(|r| r["type"] == "employments"));
    let linked: usize = data
        .iter()
        .map(|r| {
            r["relationships"]["employments"]["data"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(linked, included.len());
    let someone = names[0];
    let (_, doc) = env
        .get(
            &reader,
            &format!("/api/v1/employees?filter[last_name]={someone}"),
        )
        .await;
    assert!(!doc["data"].as_array().unwrap().is_empty());
    assert!(
        doc["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["attributes"]["last_name"] == someone)
    );

    // One resource and a related link.
    let id = data[0]["id"].as_str().unwrap();
    let (status, one) = env.get(&reader, &format!("/api/v1/employees/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_jsonapi(&validator, &one);
    let (status, rel) = env
        .get(&reader, &format!("/api/v1/employees/{id}/employments"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_jsonapi(&validator, &rel);
    // The include (which reads only the page's children) and the related link agree.
    let ids = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    let linked = ids(&data[0]["relationships"]["employments"]["data"]);
    assert!(!linked.is_empty());
    assert_eq!(linked, ids(&rel["data"]));
    let (status, doc) = env.get(&reader, "/api/v1/employees/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_jsonapi(&validator, &doc);
    let (status, doc) = env.get(&reader, "/api/v1/employees?include=pets").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_jsonapi(&validator, &doc);

    // 406 for an Accept that excludes JSON:API; 415 for a body of another media type.
    let resp = env
        .http
        .get(env.url("/api/v1/employees"))
        .bearer_auth(&reader)
        .header("accept", "application/vnd.api+json; charset=utf-8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let writer = env.key(&["employees:write"], None).await;
    let resp = env
        .http
        .patch(env.url(&format!("/api/v1/employees/{id}")))
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body(
            json!({"data": {"type": "employees", "id": id, "attributes": {"job_title": "Baker"}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A reader may not write.
    let resp = env
        .http
        .patch(env.url(&format!("/api/v1/employees/{id}")))
        .bearer_auth(&reader)
        .header("content-type", JSONAPI)
        .body(
            json!({"data": {"type": "employees", "id": id, "attributes": {"job_title": "Baker"}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // The OpenAPI document lists the routes.
    let openapi: Value = env
        .http
        .get(env.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["paths"]["/api/v1/employees/{id}"]["patch"].is_object());

    // Every data access is audited with the key id, route and count; revocation is immediate.
    let entries = audit_entries(&env.app).await;
    let reads: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "api.read" && e["target"] == "/api/v1/employees")
        .collect();
    assert!(reads.len() >= 4);
    assert!(reads.iter().any(|e| e["record_count"] == 5));
    assert!(
        reads
            .iter()
            .all(|e| e["actor"].as_str().unwrap().starts_with("api-key:"))
    );
    let key_id = maestro_gateway::list_keys(&env.app, env.company)
        .await
        .unwrap()[1]
        .id
        .clone();
    maestro_gateway::revoke_key(&env.app, env.company, &key_id)
        .await
        .unwrap();
    let (status, _) = env.get(&reader, "/api/v1/employees").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn audit_entries(app: &App) -> Vec<Value> {
    let mut out = Vec::new();
    app.export_audit(&mut out).await.unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let env = env().await;
    let key = env.key(&["*:read"], Some(3)).await;
    for _ in 0..3 {
        let (status, _) = env.get(&key, "/api/v1/alerts").await;
        assert_eq!(status, StatusCode::OK);
    }
    let resp = env
        .http
        .get(env.url("/api/v1/alerts"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another key has its own budget.
    let other = env.key(&["*:read"], Some(3)).await;
    let (status, _) = env.get(&other, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowlist_and_lan_binding_rules() {
    // A client outside the allowlist is refused before its key is even looked at.
    let config = GatewayConfig {
        allowlist: GatewayConfig::parse_allowlist(&["10.0.0.0/8".into()]).unwrap(),
        ..GatewayConfig::loopback_ephemeral()
    };
    let env = env_with(3, config).await;
    let key = env.key(&["*:read"], None).await;
    let (status, doc) = env.get(&key, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(doc["errors"][0]["code"], "address_not_allowed");

    // A LAN binding without TLS and an allowlist is refused at start-up, in plain words.
    let lan = GatewayConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        ..GatewayConfig::default()
    };
    let err = Gateway::start(env.app.clone(), lan.clone())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, GatewayError::Config(_)));
    assert!(err.to_string().contains("TLS"), "{err}");
    let tls_only = GatewayConfig {
        tls: TlsSetting::Generated,
        ..lan.clone()
    };
    let err = Gateway::start(env.app.clone(), tls_only)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("allowlist"), "{err}");
    assert!(GatewayConfig::parse_allowlist(&["not a net".into()]).is_err());

    // With both it starts, serves TLS 1.3 with the reported certificate, and the fingerprint
    // stays the same across restarts.
    let ok = GatewayConfig {
        tls: TlsSetting::Generated,
        allowlist: GatewayConfig::parse_allowlist(&["127.0.0.1/32".into()]).unwrap(),
        ..lan
    };
    let running = Gateway::start(env.app.clone(), ok.clone()).await.unwrap();
    let fingerprint = running.tls_fingerprint().unwrap().to_owned();
    assert_eq!(fingerprint.len(), 32 * 3 - 1);
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
        .tls_version_max(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/api/v1/alerts", running.addr().port());
    assert!(
        client.get(&url).bearer_auth(&key).send().await.is_err(),
        "TLS 1.2 accepted"
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let resp = client.get(&url).bearer_auth(&key).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    running.shutdown().await;
    let again = Gateway::start(env.app.clone(), ok).await.unwrap();
    assert_eq!(again.tls_fingerprint(), Some(fingerprint.as_str()));
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_nested_matches_rest_and_limits_hold() {
    let env = env().await;
    let gusto = env.connection(Provider::Gusto).await;
    for kind in [
        EntityKind::Employee,
        EntityKind::Employment,
        EntityKind::PayStatement,
    ] {
        env.sync(gusto, kind).await;
    }
    let key = env
        .key(
            &["employees:read", "employments:read", "pay_statements:read"],
            None,
        )
        .await;
    let gql = env
        .graphql(
            &key,
            "{ employees(first: 100) { nodes { id firstName attributes
                 employments { id jobTitle payRate { amount currency } attributes }
                 payStatements { id grossPay { amount } attributes earnings { kind amount { amount currency } hours } } }
               pageInfo { hasNextPage } } }",
        )
        .await;
    assert!(gql.get("errors").is_none(), "{gql}");
    let nodes = gql["data"]["employees"]["nodes"].as_array().unwrap();
    let (status, rest) = env
        .get(
            &key,
            "/api/v1/employees?include=employments,pay_statements&page[size]=100",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    let data = rest["data"].as_array().unwrap();
    assert_eq!(nodes.len(), data.len());
    assert!(!nodes.is_empty());
    let included = rest["included"].as_array().unwrap();
    let find = |t: &str, id: &Value| {
        included
            .iter()
            .find(|r| r["type"] == t && r["id"] == *id)
            .unwrap()
            .clone()
    };
    let mut statements = 0;
    for (node, resource) in nodes.iter().zip(data) {
        assert_eq!(node["id"], resource["id"]);
        assert_eq!(node["attributes"], resource["attributes"]);
        let rest_emp = resource["relationships"]["employments"]["data"]
            .as_array()
            .unwrap();
        let gql_emp = node["employments"].as_array().unwrap();
        assert_eq!(rest_emp.len(), gql_emp.len());
        for (g, r) in gql_emp.iter().zip(rest_emp) {
            assert_eq!(g["attributes"], find("employments", &r["id"])["attributes"]);
        }
        let rest_ps = resource["relationships"]["pay_statements"]["data"]
            .as_array()
            .unwrap();
        let gql_ps = node["payStatements"].as_array().unwrap();
        assert_eq!(rest_ps.len(), gql_ps.len());
        for (g, r) in gql_ps.iter().zip(rest_ps) {
            let attrs = find("pay_statements", &r["id"])["attributes"].clone();
            assert_eq!(g["attributes"], attrs);
            assert_eq!(g["grossPay"]["amount"], attrs["gross_pay"]["amount"]);
            assert_eq!(
                g["earnings"].as_array().unwrap().len(),
                attrs["earnings"].as_array().unwrap().len()
            );
            statements += 1;
        }
    }
    assert!(statements > 0, "no pay statements compared");

    // Scope, depth and complexity limits.
    let people_only = env.key(&["employees:read"], None).await;
    let denied = env
        .graphql(
            &people_only,
            "{ employees(first: 5) { nodes { payStatements { id } } } }",
        )
        .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{denied}"
    );
    let nested = "{ employees(first: 1) { nodes { employments { payStatements { earnings { amount { currency } } } } } } }";
    let ok = env.graphql(&key, nested).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    let shallow = Gateway::start(
        env.app.clone(),
        GatewayConfig {
            graphql_max_depth: 4,
            ..GatewayConfig::loopback_ephemeral()
        },
    )
    .await
    .unwrap();
    let deep: Value = env
        .http
        .post(format!("{}/graphql", shallow.base_url()))
        .bearer_auth(&key)
        .json(&json!({ "query": nested }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = deep["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(text.to_lowercase().contains("nested too deep"), "{deep}");
    shallow.shutdown().await;
    let costly = env
        .graphql(
            &key,
            "{ employees(first: 1000) { nodes { id firstName lastName workEmail attributes
               employments { id jobTitle attributes payStatements { id attributes earnings { kind name hours } } }
               payStatements { id attributes earnings { kind name hours amount { amount currency } } } } } }",
        )
        .await;
    let text = costly["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(text.to_lowercase().contains("complex"), "{costly}");
}

async fn next<S>(s: &mut S) -> Value
where
    S: futures::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let msg = tokio::time::timeout(Duration::from_secs(30), s.next())
        .await
        .expect("no event within 30 s")
        .unwrap()
        .unwrap();
    serde_json::from_str::<Value>(msg.to_text().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_streams_a_syncs_events_in_order() {
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let env = env().await;
    let bamboo = env.connection(Provider::BambooHr).await;
    let ws_url = format!("ws://{}/ws", env.gateway.addr());

    // Without a key the upgrade is refused.
    let err = tokio_tungstenite::connect_async(ws_url.as_str())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("401"), "{err}");

    let key = env
        .key(&["events:read", "employees:read", "alerts:read"], None)
        .await;
    let mut request = ws_url.as_str().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
        .send(Message::Text(
            json!({"subscribe": ["sync", "records"]}).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = next(&mut socket).await;
    assert_eq!(ack["type"], "subscribed");

    let app = env.app.clone();
    let company = env.company;
    let sync = tokio::spawn(async move {
        app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
            .await
            .unwrap()
    });
    let mut events = Vec::new();
    loop {
        let e = next(&mut socket).await;
        let done = e["type"] == "run_finished";
        events.push(e);
        if done {
            break;
        }
    }
    let outcome = sync.await.unwrap();
    let summary = outcome[0].summary.unwrap();
    assert_eq!(events[0]["type"], "run_started", "{events:?}");
    let run_id = events[0]["run_id"].clone();
    assert!(
        events
            .iter()
            .filter(|e| e.get("run_id").is_some())
            .all(|e| e["run_id"] == run_id)
    );
    let changed = events
        .iter()
        .filter(|e| e["type"] == "record_changed")
        .count();
    assert_eq!(changed as u64, summary.created);
    // Progress counts only grow, and the last one matches the run's totals.
    let progress: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "run_progress")
        .map(|e| e["seen"].as_u64().unwrap())
        .collect();
    assert!(!progress.is_empty());
    assert!(progress.windows(2).all(|w| w[0] <= w[1]));
    let finished = events.last().unwrap();
    assert_eq!(finished["status"], "succeeded");
    assert_eq!(
        finished["summary"]["created"].as_u64(),
        Some(summary.created)
    );

    // An alert raised by a failing sync reaches a client subscribed to alerts.
    let mut request = ws_url.as_str().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    let (mut alerts, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    alerts
        .send(Message::Text(
            json!({"subscribe": ["alerts"]}).to_string().into(),
        ))
        .await
        .unwrap();
    assert_eq!(next(&mut alerts).await["type"], "subscribed");
    env.sandbox.revoke(Provider::BambooHr);
    let _ = env
        .app
        .sync_connection(env.company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await;
    let alert = next(&mut alerts).await;
    assert_eq!(alert["type"], "alert", "{alert}");
    assert!(alert["alert"]["id"].is_string(), "{alert}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_verify_each_provider_and_trigger_a_sync() {
    let env = env().await;
    let gusto = env.connection(Provider::Gusto).await;
    let bamboo = env.connection(Provider::BambooHr).await;
    let harvest = env.connection(Provider::Harvest).await;
    env.sync(bamboo, EntityKind::Employee).await;
    env.sync(gusto, EntityKind::Employee).await;
    let creds = env.sandbox.credentials();
    maestro_gateway::set_webhook_secret(
        &env.app,
        env.company,
        bamboo,
        &Sensitive::new(creds.bamboohr.webhook_private_key.clone()),
    )
    .await
    .unwrap();

    // Gusto's handshake token waits for the owner's confirmation, then becomes the secret; a
    // different one is refused.
    let gusto_url = env.url(&format!("/webhooks/{gusto}"));
    let token = creds.gusto.webhook_verification_token.clone();
    let resp = env
        .http
        .post(&gusto_url)
        .json(&json!({"verification_token": token, "webhook_subscription_uuid": creds.gusto.webhook_subscription_uuid}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    env.gateway
        .confirm_webhook_token(env.company, gusto, &Sensitive::new(token.clone()))
        .await
        .unwrap();
    let resp = env
        .http
        .post(&gusto_url)
        .json(&json!({"verification_token": "someone-else"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Correctly signed samples are accepted; tampered ones refused with 401.
    let gusto_person = env.sandbox.gusto_employees()[0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let bamboo_person = env.sandbox.bamboohr_employees()[0]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| env.sandbox.bamboohr_employees()[0]["id"].to_string());
    env.sandbox
        .set_employee_field(
            Provider::BambooHr,
            &bamboo_person,
            "lastName",
            json!("Quillfeather"),
        )
        .unwrap();
    for (provider, url, person, connection) in [
        (
            Provider::Gusto,
            gusto_url.clone(),
            gusto_person.clone(),
            gusto,
        ),
        (
            Provider::BambooHr,
            env.url(&format!("/webhooks/{bamboo}")),
            bamboo_person.clone(),
            bamboo,
        ),
    ] {
        let event = WebhookEvent {
            event_type: "employee.updated".into(),
            entity_id: person,
            changed_fields: vec!["lastName".into()],
        };
        let sent = env
            .sandbox
            .send_webhook(provider, &url, event)
            .await
            .unwrap();
        assert_eq!(sent.status, 202, "{provider:?} signed webhook refused");

        let mut tampered = sent.body.clone();
        let last = tampered.len() - 2;
        tampered[last] ^= 0x01;
        let mut req = env
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(tampered);
        req = match provider {
            Provider::Gusto => req.header("x-gusto-signature", &sent.signature),
            _ => req
                .header("x-bamboohr-signature", &sent.signature)
                .header("x-bamboohr-timestamp", sent.timestamp.clone().unwrap()),
        };
        let resp = req.send().await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{provider:?} tampered accepted"
        );
        let _ = connection;
    }
    // Harvest has no webhooks: nothing to verify with, so refused.
    let resp = env
        .http
        .post(env.url(&format!("/webhooks/{harvest}")))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let entries = audit_entries(&env.app).await;
    let rejected = entries
        .iter()
        .filter(|e| e["action"] == "webhook.rejected")
        .count();
    assert!(rejected >= 3, "{rejected}");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "webhook.received")
            .count(),
        2
    );

    // The BambooHR event triggered an incremental sync that picked up the new title.
    let reader = env.key(&["employees:read", "sync_runs:read"], None).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, doc) = env
            .get(
                &reader,
                &format!(
                    "/api/v1/sync_runs?filter[mode]=incremental&filter[connection_id]={bamboo}"
                ),
            )
            .await;
        let done = doc["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|r| r["attributes"]["status"] == "succeeded"));
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no incremental sync: {doc}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, doc) = env
        .get(
            &reader,
            &format!(
                "/api/v1/employees?filter[provider]=bamboohr&filter[remote_id]={bamboo_person}"
            ),
        )
        .await;
    let person = &doc["data"][0]["attributes"];
    assert_eq!(person["remote_id"], bamboo_person.as_str(), "{doc}");
    assert_eq!(person["last_name"], "Quillfeather", "{doc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_queues_the_change_in_the_outbox_and_it_reaches_the_provider() {
    let env = env().await;
    let gusto = env.connection(Provider::Gusto).await;
    env.sync(gusto, EntityKind::Employee).await;
    let key = env.key(&["employees:write"], None).await;
    let (_, doc) = env.get(&key, "/api/v1/employees?page[size]=1").await;
    let person = &doc["data"][0];
    let id = person["id"].as_str().unwrap();
    let remote = person["attributes"]["remote_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"data": {"type": "employees", "id": id,
        "attributes": {"first_name": "Marguerite"}}});
    let send = |body: Value| {
        env.http
            .patch(env.url(&format!("/api/v1/employees/{id}")))
            .bearer_auth(&key)
            .header("content-type", JSONAPI)
            .body(body.to_string())
            .send()
    };
    let resp = send(body.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let queued: Value = resp.json().await.unwrap();
    assert_eq!(
        queued["data"]["attributes"]["status"], "pending",
        "{queued}"
    );
    assert_eq!(queued["meta"]["queued_now"], true);
    // The same request again is not queued twice.
    let again: Value = send(body).await.unwrap().json().await.unwrap();
    assert_eq!(again["meta"]["queued_now"], false);
    assert_eq!(again["data"]["id"], queued["data"]["id"]);
    // Read-only fields and mismatched ids are refused.
    let resp = send(json!({"data": {"type": "employees", "id": id, "attributes": {"ssn": "1"}}}))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = send(
        json!({"data": {"type": "employees", "id": "other", "attributes": {"first_name": "X"}}}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // The outbox writes it to Gusto.
    let run = env.app.process_outbox(env.company).await.unwrap();
    assert_eq!(run.attempts.len(), 1, "{run:?}");
    let person = env
        .sandbox
        .gusto_employees()
        .into_iter()
        .find(|p| p["uuid"] == remote.as_str())
        .unwrap();
    assert_eq!(person["first_name"], "Marguerite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkr_webhook_is_checked_with_the_api_key_its_provider_file_names() {
    let env = env().await;
    let checkr = env.connection(Provider::Checkr).await;
    let api_key = env.sandbox.credentials().checkr.api_key;
    let url = env.url(&format!("/webhooks/{checkr}"));
    let body = serde_json::to_vec(&json!({
        "id": "evt_1", "object": "event", "type": "report.completed",
        "data": {"object": {"id": "rep_1", "object": "report", "status": "complete"}}
    }))
    .unwrap();
    let post = |body: Vec<u8>, signature: String| {
        env.http
            .post(&url)
            .header("content-type", "application/json")
            .header("x-checkr-signature", signature)
            .body(body)
            .send()
    };
    // No webhook secret was saved: Checkr signs with the account's API key, as its file says.
    let signed = maestro_sandbox::hmac_hex(api_key.as_bytes(), &[&body]);
    let resp = post(body.clone(), signed.clone()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let mut tampered = body.clone();
    tampered[10] ^= 0x01;
    let resp = post(tampered, signed).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let other = maestro_sandbox::hmac_hex(b"someone else's key", &[&body]);
    let resp = post(body, other).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
