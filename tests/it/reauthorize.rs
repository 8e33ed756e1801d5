//! Reconnecting an OAuth connection (Gusto) after its grant was revoked: the "reconnect"
//! alert, a fresh sign-in through the browser flow, and the alert cleared; plus a demo
//! sandbox restarted on the same ports, which saved connections find again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use maestro_app::App;
use maestro_app::demo::SandboxSignIn;
use maestro_core::clock::SystemClock;
use maestro_http::RetryPolicy;
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};

async fn app(dir: &tempfile::TempDir) -> App {
    App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast())
}

#[tokio::test]
async fn a_revoked_oauth_grant_is_fixed_by_signing_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app(&dir).await;
    let company = app.company(None).await.unwrap();
    let gusto = app
        .connect_sandbox_provider(&company, &sandbox, Provider::Gusto)
        .await
        .unwrap();
    assert!(app.uses_oauth(company.id, gusto.id).await.unwrap());

    sandbox.revoke(Provider::Gusto);
    let err = app
        .check_connection(company.id, gusto.id)
        .await
        .unwrap_err();
    assert!(err.message.contains("Gusto"), "{}", err.message);
    let alerts = app.open_alerts(company.id).await.unwrap();
    assert!(
        alerts.iter().any(|a| a.kind == "auth_revoked"),
        "{alerts:?}"
    );

    // Signing in again issues a new grant (the revoked tokens stay dead).
    let report = app
        .reauthorize(company.id, gusto.id, &SandboxSignIn)
        .await
        .unwrap();
    assert!(!report.account.is_empty());
    let alerts = app.open_alerts(company.id).await.unwrap();
    assert!(
        !alerts.iter().any(|a| a.kind == "auth_revoked"),
        "{alerts:?}"
    );
    let audit = String::from_utf8({
        let mut out = Vec::new();
        app.export_audit(&mut out).await.unwrap();
        out
    })
    .unwrap();
    assert!(audit.contains("credential.replace"));
}

#[tokio::test]
async fn an_api_key_connection_is_not_reauthorized_through_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app(&dir).await;
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
        .await
        .unwrap();
    assert!(!app.uses_oauth(company.id, bamboo.id).await.unwrap());
    let err = app
        .reauthorize(company.id, bamboo.id, &SandboxSignIn)
        .await
        .unwrap_err();
    assert!(err.message.contains("key"), "{}", err.message);
}

#[tokio::test]
async fn a_sandbox_restarted_on_its_ports_serves_saved_connections_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let port = |s: &Sandbox, p| url::Url::parse(&s.base_url(p)).unwrap().port().unwrap();
    let ports = PerProvider {
        gusto: port(&first, Provider::Gusto),
        bamboohr: port(&first, Provider::BambooHr),
        harvest: port(&first, Provider::Harvest),
        toggl: port(&first, Provider::Toggl),
        clockify: port(&first, Provider::Clockify),
        rippling: port(&first, Provider::Rippling),
        checkr: port(&first, Provider::Checkr),
        goodhire: port(&first, Provider::GoodHire),
        zenefits: port(&first, Provider::Zenefits),
        trinet: port(&first, Provider::TriNet),
        paychex: port(&first, Provider::Paychex),
        justworks: port(&first, Provider::Justworks),
        quickbooks: port(&first, Provider::QuickBooks),
        adp: port(&first, Provider::Adp),
    };
    let app = app(&dir).await;
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &first, Provider::BambooHr)
        .await
        .unwrap();
    first.shutdown().await;
    assert!(app.check_connection(company.id, bamboo.id).await.is_err());

    let again = Sandbox::start_at(SandboxConfig::default(), ports.clone())
        .await
        .unwrap();
    assert_eq!(port(&again, Provider::BambooHr), ports.bamboohr);
    app.check_connection(company.id, bamboo.id).await.unwrap();
    // A taken port is an error, not a silent move.
    assert!(
        Sandbox::start_at(SandboxConfig::default(), ports)
            .await
            .is_err()
    );
}
