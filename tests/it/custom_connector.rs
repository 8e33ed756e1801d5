//! A user-defined connector end to end: a provider file with declarative field mappings, added
//! to the store, connected to a small test server, synced, and its people in the roster;
//! malformed files refused with the line and field at fault; the file survives reopening.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maestro_app::{App, ConnectInput};
use maestro_core::clock::SystemClock;
use maestro_core::model::EntityKind;
use maestro_http::RetryPolicy;
use maestro_store::{MemorySecretStore, NewKey, Passphrase};
use maestro_sync::Mode;
use serde_json::{Value, json};
use url::Url;

/// The owner's file: the shop's own shift log, described as data.
pub const FILE: &str = r#"
id = "corner-shifts"
name = "Corner Shifts"
category = "time_tracking"
summary = "The shop's own shift log: staff and their shifts."
docs_url = "https://shifts.example/docs"

[base_url]
production = "https://shifts.example"

[auth]
type = "api_key"
in = "header"
name = "X-Key"
field = "key"

[[fields]]
key = "key"
label = "Access key"
help = "Settings → Access keys in the shift log."
secret = true

[rate_limit]
requests = 20
per_seconds = 1
text = "20 requests a second"

[check]
path = "/api/v2/me"
account = "/company/name"

[[streams]]
name = "staff"
entities = ["employee"]
path = "/api/v2/staff"
records = "/data"
id = "/id"
paginator = { type = "page_number", param = "page", size_param = "per_page", size = 2, stop = { type = "total_pages", pointer = "/meta/total_pages" } }

[streams.fields]
full_name = "/name"
work_email = "/email"
status = { pointer = "/state", values = { "on" = "active", "off" = "inactive" } }

[[streams]]
name = "shifts"
entities = ["time_entry"]
path = "/api/v2/shifts"
records = "/data"
id = "/id"
paginator = { type = "page_number", param = "page", size_param = "per_page", size = 3, stop = { type = "short_page" } }
incremental = { param = "since", format = "rfc3339", filters_on = "changed" }

[streams.fields]
employee_id = "/staff_id"
started_at = "/from"
ended_at = "/to"
notes = "/note"
updated_at = "/changed"
"#;

const KEY: &str = "corner-key-0001";

fn staff() -> Vec<Value> {
    vec![
        json!({"id": 1, "name": "Ana Díaz", "email": "ana@corner.example", "state": "on"}),
        json!({"id": 2, "name": "Ben Okafor", "email": "ben@corner.example", "state": "on"}),
        json!({"id": 3, "name": "Chloé Martin", "email": "chloe@corner.example", "state": "off"}),
    ]
}

fn shifts() -> Vec<Value> {
    (0..7)
        .map(|i| {
            json!({"id": format!("s{i}"), "staff_id": (i % 3) + 1,
                "from": format!("2026-11-0{}T14:00:00Z", i + 1),
                "to": format!("2026-11-0{}T22:30:00Z", i + 1),
                "note": "Close", "changed": "2026-11-09T00:00:00Z"})
        })
        .collect()
}

fn page(all: Vec<Value>, q: &BTreeMap<String, String>) -> (Vec<Value>, usize) {
    let per: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(50);
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let total = all.len().div_ceil(per).max(1);
    (
        all.into_iter().skip((page - 1) * per).take(per).collect(),
        total,
    )
}

fn authorised(h: &HeaderMap) -> Result<(), Response> {
    match h.get("x-key").and_then(|v| v.to_str().ok()) {
        Some(KEY) => Ok(()),
        _ => Err((StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"}))).into_response()),
    }
}

/// The shop's server on a loopback port.
async fn server() -> String {
    let app = axum::Router::new()
        .route(
            "/api/v2/me",
            get(|h: HeaderMap| async move {
                authorised(&h)?;
                Ok::<_, Response>(Json(json!({"company": {"name": "Corner Shop"}})))
            }),
        )
        .route(
            "/api/v2/staff",
            get(
                |h: HeaderMap, Query(q): Query<BTreeMap<String, String>>| async move {
                    authorised(&h)?;
                    let (data, total) = page(staff(), &q);
                    Ok::<_, Response>(Json(json!({"data": data, "meta": {"total_pages": total}})))
                },
            ),
        )
        .route(
            "/api/v2/shifts",
            get(
                |h: HeaderMap, Query(q): Query<BTreeMap<String, String>>| async move {
                    authorised(&h)?;
                    let (data, _) = page(shifts(), &q);
                    Ok::<_, Response>(Json(json!({"data": data})))
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn new_app(dir: &std::path::Path, key: NewKey) -> App {
    App::init(dir, key, "Corner Shop", Arc::new(SystemClock))
        .await
        .unwrap()
        .with_retry_policy(RetryPolicy::fast())
}

const PASSPHRASE: &str = "corner shop test passphrase";

#[tokio::test]
async fn a_users_file_connects_syncs_and_shows_in_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = new_app(&data, NewKey::Passphrase(Passphrase::new(PASSPHRASE))).await;
    let manifest = app
        .add_connector_file("corner-shifts.toml", FILE)
        .await
        .unwrap();
    assert_eq!(manifest.id, "corner-shifts");
    assert!(app.connectors().iter().any(|m| m.id == "corner-shifts"));

    let base = server().await;
    let company = app.company(None).await.unwrap();
    let (conn, report) = app
        .connect(
            &company,
            ConnectInput {
                provider: "corner-shifts".into(),
                values: BTreeMap::from([("key".to_owned(), KEY.to_owned())]),
                base_url: Some(Url::parse(&base).unwrap()),
                ..ConnectInput::default()
            },
            &maestro_app::demo::SandboxSignIn,
        )
        .await
        .unwrap();
    assert_eq!(report.account, "Corner Shop");
    let outcomes = app
        .sync_connection(company.id, conn.id, None, Mode::Full)
        .await
        .unwrap();
    let created = |kind: EntityKind| {
        outcomes
            .iter()
            .find(|o| o.entity == kind)
            .and_then(|o| o.summary)
            .map(|s| s.created)
    };
    assert_eq!(created(EntityKind::Employee), Some(3));
    assert_eq!(created(EntityKind::TimeEntry), Some(7));
    let people = app.people(company.id).await.unwrap();
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    for n in ["Ana Díaz", "Ben Okafor", "Chloé Martin"] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
    app.close().await;

    // The file is kept in the store: the connector is there again after reopening.
    maestro_connectors::kit::custom::uninstall("corner-shifts");
    let reopened = App::open(
        &data,
        Some(Passphrase::new(PASSPHRASE)),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    assert!(
        reopened
            .connectors()
            .iter()
            .any(|m| m.id == "corner-shifts")
    );
    reopened.close().await;
}

#[tokio::test]
async fn malformed_files_are_refused_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let app = new_app(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
    )
    .await;
    let line_of = |needle: &str| FILE.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases = [
        (
            FILE.replacen(
                "size_param = \"per_page\", size = 2",
                "size_param = \"per_page\", sise = 2",
                1,
            ),
            line_of("size = 2"),
            "sise",
        ),
        (
            FILE.replacen("work_email = \"/email\"", "work_mail = \"/email\"", 1),
            line_of("work_email"),
            "work_mail",
        ),
        (
            FILE.replacen("\"off\" = \"inactive\"", "\"off\" = \"gone\"", 1),
            line_of("\"off\""),
            "gone",
        ),
        (
            FILE.replacen("id = \"corner-shifts\"", "id = \"harvest\"", 1),
            0,
            "built-in",
        ),
    ];
    for (text, line, word) in cases {
        let err = app
            .add_connector_file("corner-shifts.toml", &text)
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains(word), "{message}");
        if line > 0 {
            assert!(message.contains(&format!("line {line}")), "{message}");
        }
    }
    assert!(
        app.custom_connector_files().await.unwrap().is_empty(),
        "nothing saved"
    );
    assert!(
        !app.connectors()
            .iter()
            .any(|m| m.id == "harvest" && m.name != "Harvest")
    );
}
