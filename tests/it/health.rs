//! Health alerts after sync runs, against the sandbox: repeated failures, a provider limiting
//! us, a full read that suddenly returns nothing, and a field suddenly empty for everyone —
//! each raised once and resolved when its cause is gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_http::RetryPolicy;
use maestro_sandbox::{FaultPlan, Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;

async fn setup() -> (
    tempfile::TempDir,
    Sandbox,
    App,
    CompanyId,
    maestro_core::ids::ConnectionId,
) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(100),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap();
    let connections = app.connect_sandbox(&company, &sandbox).await.unwrap();
    let bamboo = connections
        .iter()
        .find(|c| c.provider == "bamboohr")
        .unwrap()
        .id;
    (dir, sandbox, app, company.id, bamboo)
}

async fn alert_kinds(app: &App, company: CompanyId) -> Vec<String> {
    app.open_alerts(company)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect()
}

#[tokio::test]
async fn repeated_failures_and_rate_limits_raise_alerts_that_clear_themselves() {
    let (_dir, sandbox, app, company, bamboo) = setup().await;
    sandbox.set_faults(
        Provider::BambooHr,
        FaultPlan {
            server_errors: 1_000,
            ..FaultPlan::default()
        },
    );
    for _ in 0..3 {
        let out = app
            .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
            .await
            .unwrap();
        assert!(out[0].error.is_some());
    }
    let alerts = app.open_alerts(company).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, "repeated_failures");
    assert!(
        alerts[0].title.contains("failed 3 times in a row"),
        "{}",
        alerts[0].title
    );

    // A limit we cannot wait out inline is an alert of its own.
    sandbox.set_faults(
        Provider::BambooHr,
        FaultPlan {
            rate_limit_burst: 1,
            retry_after_secs: 600,
            ..FaultPlan::default()
        },
    );
    let out = app
        .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    assert!(
        out[0].error.as_deref().unwrap().contains("limiting"),
        "{out:?}"
    );
    assert!(
        alert_kinds(&app, company)
            .await
            .contains(&"rate_budget_exhausted".to_owned())
    );

    // Healthy again: both resolve.
    sandbox.set_faults(Provider::BambooHr, FaultPlan::default());
    let out = app
        .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    assert!(out[0].error.is_none(), "{out:?}");
    // Only the compliance calendar's dated items (new-hire reports, final pay, filings, which
    // every sync re-checks) stay: they are not about the connection's health.
    let kinds = alert_kinds(&app, company).await;
    assert!(kinds.iter().all(|k| k == "compliance_due"), "{kinds:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_empty_full_read_deletes_nothing_and_raises_an_alert() {
    let (_dir, sandbox, app, company, bamboo) = setup().await;
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let before = app.status().await.unwrap().companies[0]
        .records
        .iter()
        .find(|(k, _)| *k == EntityKind::Employee)
        .unwrap()
        .1;
    for e in sandbox.bamboohr_employees() {
        let id = e["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| e["id"].to_string());
        sandbox.delete_employee(Provider::BambooHr, &id).unwrap();
    }
    let out = app
        .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    assert_eq!(out[0].summary.unwrap().deleted, 0);
    let after = app.status().await.unwrap().companies[0]
        .records
        .iter()
        .find(|(k, _)| *k == EntityKind::Employee)
        .unwrap()
        .1;
    assert_eq!(before, after, "nothing deleted on a suspicious empty read");
    let alerts = app.open_alerts(company).await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "suspicious_emptiness" && a.title.contains("returned no employee")),
        "{alerts:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_field_suddenly_empty_for_everyone_is_flagged_and_clears() {
    let (_dir, sandbox, app, company, bamboo) = setup().await;
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let ids: Vec<String> = sandbox
        .bamboohr_employees()
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| e["id"].to_string())
        })
        .collect();
    for id in &ids {
        sandbox
            .set_employee_field(Provider::BambooHr, id, "workEmail", serde_json::Value::Null)
            .unwrap();
    }
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let alerts = app.open_alerts(company).await.unwrap();
    let flagged = alerts
        .iter()
        .find(|a| a.title.contains("sent no work_email for anyone"));
    assert!(flagged.is_some(), "{alerts:?}");

    for (i, id) in ids.iter().enumerate() {
        sandbox
            .set_employee_field(
                Provider::BambooHr,
                id,
                "workEmail",
                serde_json::json!(format!("p{i}@bluebird.example")),
            )
            .unwrap();
    }
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let alerts = app.open_alerts(company).await.unwrap();
    assert!(
        !alerts.iter().any(|a| a.title.contains("work_email")),
        "{alerts:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_acknowledged_alert_stays_until_its_cause_is_gone() {
    let (_dir, sandbox, app, company, bamboo) = setup().await;
    sandbox.revoke(Provider::BambooHr);
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let alert = app.open_alerts(company).await.unwrap().remove(0);
    assert_eq!(alert.state, "open");
    let tail = &alert.id[alert.id.len() - 8..];
    app.acknowledge_alert(company, tail).await.unwrap();
    assert!(app.acknowledge_alert(company, "nope").await.is_err());

    // Failing again refreshes it but keeps it acknowledged.
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let again = app.open_alerts(company).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id.as_str(), again[0].state.as_str()),
        (alert.id.as_str(), "acknowledged")
    );

    // Fixed: gone.
    sandbox.reset(Provider::BambooHr);
    let key = sandbox.credentials().bamboohr.api_key;
    app.reconnect(
        company,
        bamboo,
        [("api_key".to_owned(), key)].into_iter().collect(),
    )
    .await
    .unwrap();
    assert!(app.open_alerts(company).await.unwrap().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tracked_hours_that_differ_from_paid_hours_are_flagged_and_clear_when_they_agree() {
    // Realistic data: payroll pays what Harvest tracked, except one seeded person (+2 h).
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap();
    let connections = app.connect_sandbox(&company, &sandbox).await.unwrap();
    for c in &connections {
        app.sync_connection(company.id, c.id, None, Mode::Full)
            .await
            .unwrap();
    }
    let hours: Vec<_> = app
        .open_alerts(company.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == "discrepancy_hours")
        .collect();
    assert_eq!(hours.len(), 1, "{hours:#?}");
    let alert = &hours[0];
    let person = sandbox
        .company()
        .people
        .iter()
        .find(|p| {
            alert
                .title
                .starts_with(&format!("{} {}'s", p.first_name, p.last_name))
        })
        .unwrap()
        .clone();
    assert!(
        alert.detail.contains("but payroll paid"),
        "{}",
        alert.detail
    );
    // "For 2026-11-01 to 2026-11-14, …": the period's first day.
    let start: chrono::NaiveDate = alert.detail[4..14].parse().unwrap();

    // The missing two hours are tracked after all: the next sync clears the alert.
    sandbox
        .add_time_entries(person.harvest_id, start, rust_decimal::Decimal::from(2), 1)
        .unwrap();
    let harvest = connections
        .iter()
        .find(|c| c.provider == "harvest")
        .unwrap();
    app.sync_connection(
        company.id,
        harvest.id,
        Some(EntityKind::TimeEntry),
        Mode::Incremental,
    )
    .await
    .unwrap();
    let left: Vec<_> = app
        .open_alerts(company.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == "discrepancy_hours")
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    sandbox.shutdown().await;
}
