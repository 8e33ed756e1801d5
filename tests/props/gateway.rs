//! The local API's outside input: arbitrary JSON:API query parameters and GraphQL documents
//! get a JSON answer with a 2xx or 4xx status — a clear error, never a 5xx or a dropped
//! connection — within a time bound.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::model::EntityKind;
use maestro_gateway::{Gateway, GatewayConfig};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// The longest one request may take.
const CASE_BOUND: Duration = Duration::from_secs(10);

const TYPES: [&str; 6] = [
    "employees",
    "time_entries",
    "departments",
    "alerts",
    "no_such_type",
    "employees/00000000-0000-0000-0000-000000000000",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("-".to_owned()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("last_name,-first_name,,".to_owned()),
        Just("%00%ff%zz".to_owned()),
        Just("employments.compensations.pay_statements".to_owned()),
        "[a-z_.,\\-\\[\\]%0-9]{0,40}",
        ".{0,20}",
    ]
}

fn parameter() -> impl Strategy<Value = (String, String)> {
    let key = prop_oneof![
        Just("sort".to_owned()),
        Just("include".to_owned()),
        Just("page[size]".to_owned()),
        Just("page[cursor]".to_owned()),
        Just("page[number]".to_owned()),
        text().prop_map(|t| format!("filter[{t}]")),
        text().prop_map(|t| format!("fields[{t}]")),
        text(),
    ];
    (key, text())
}

fn graphql_document() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("id"),
        Just("firstName"),
        Just("lastName"),
        Just("attributes"),
        Just("employments { id payRate { amount currency } }"),
        Just("payStatements { id }"),
        Just("timeEntries { id }"),
        Just("nope"),
    ];
    let arg = prop_oneof![
        Just("first: 5".to_owned()),
        Just("first: -1".to_owned()),
        Just("first: 99999999999".to_owned()),
        Just("after: \"\"".to_owned()),
        text().prop_map(|t| format!("after: {}", json!(t))),
        text().prop_map(|t| format!("filter: {}", json!(t))),
    ];
    prop_oneof![
        (arg, prop::collection::vec(field, 1..5))
            .prop_map(|(a, fs)| format!("{{ employees({a}) {{ nodes {{ {} }} }} }}", fs.join(" "))),
        (1usize..60).prop_map(|n| format!(
            "{{ employees(first: 1) {{ nodes {{ {} }} }} }}",
            (0..n)
                .map(|i| format!("a{i}: employments {{ id }}"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
        (1usize..300).prop_map(|n| format!("{}{}", "{ a ".repeat(n), "}".repeat(n))),
        ".{0,200}",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_queries_get_a_clear_answer() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        employees: 8,
        time_entries: Some(20),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
        .await
        .unwrap();
    app.sync_connection(
        company.id,
        bamboo.id,
        Some(EntityKind::Employee),
        Mode::Full,
    )
    .await
    .unwrap();
    let gateway = Gateway::start(app.clone(), GatewayConfig::loopback_ephemeral())
        .await
        .unwrap();
    let key = maestro_gateway::create_key(
        &app,
        company.id,
        "props",
        &["*:read".into()],
        Some(1_000_000),
    )
    .await
    .unwrap()
    .secret
    .expose()
    .clone();
    let http = reqwest::Client::new();
    let base = gateway.base_url();
    let handle = tokio::runtime::Handle::current();
    let send = |req: reqwest::RequestBuilder| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let started = Instant::now();
                let resp = tokio::time::timeout(CASE_BOUND, req.send()).await;
                let resp = match resp {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => return Err(format!("no answer: {e}")),
                    Err(_) => return Err(format!("no answer within {CASE_BOUND:?}")),
                };
                let status = resp.status();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                Ok((status, body, started.elapsed()))
            })
        })
    };
    let config = || Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };

    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    TestRunner::new(config())
        .run(
            &(0..TYPES.len(), prop::collection::vec(parameter(), 0..5)),
            |(t, params)| {
                let mut url = reqwest::Url::parse(&format!("{base}/api/v1/{}", TYPES[t])).unwrap();
                url.query_pairs_mut().extend_pairs(params.iter());
                let (status, body, took) =
                    send(http.get(url.clone()).bearer_auth(&key)).map_err(TestCaseError::fail)?;
                *statuses.borrow_mut().entry(status.as_u16()).or_default() += 1;
                prop_assert!(!status.is_server_error(), "{url}: {status} {body}");
                prop_assert!(took < CASE_BOUND);
                if status.is_client_error() {
                    prop_assert!(
                        body["errors"][0]["detail"].is_string()
                            || body["errors"][0]["title"].is_string(),
                        "{url}: {status} without a JSON:API error: {body}"
                    );
                } else {
                    prop_assert!(body.get("data").is_some(), "{url}: {body}");
                }
                Ok(())
            },
        )
        .unwrap();
    println!(
        "gateway: {cases} JSON:API queries, statuses {:?}",
        statuses.borrow()
    );

    let answered = Cell::new(0usize);
    TestRunner::new(config())
        .run(&graphql_document(), |doc| {
            let (status, body, took) = send(
                http.post(format!("{base}/graphql"))
                    .bearer_auth(&key)
                    .json(&json!({ "query": doc })),
            )
            .map_err(TestCaseError::fail)?;
            prop_assert!(!status.is_server_error(), "{doc}: {status} {body}");
            prop_assert!(took < CASE_BOUND);
            prop_assert!(
                body.get("data").is_some() || body.get("errors").is_some(),
                "{doc}: {status} {body}"
            );
            answered.set(answered.get() + 1);
            Ok(())
        })
        .unwrap();
    println!("gateway: {} GraphQL documents answered", answered.get());
    crate::assert_peak_memory_bounded("gateway");
}
