//! The app end to end against the sandbox: connect BambooHR, Harvest and Gusto as the wizard
//! does, full sync equal to the sandbox's ground truth, incremental sync picking up only a
//! change, a deletion detected, and a revoked key raising a "reconnect" alert whose fix works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_http::RetryPolicy;
use maestro_http::oauth::{BrowserOpener, OAuthError};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;
use url::Url;

/// The sandbox approves sign-ins without a person: follow the page from here.
struct Follow;

impl BrowserOpener for Follow {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        let url = url.clone();
        tokio::spawn(async move {
            let _ = reqwest::Client::new().get(url).send().await;
        });
        Ok(())
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn setup() -> (tempfile::TempDir, Sandbox, App, CompanyId) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(3_000),
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
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap().id;
    (dir, sandbox, app, company)
}

async fn connect(app: &App, sandbox: &Sandbox, provider: &str) -> ConnectionId {
    let company = app.company(None).await.unwrap();
    let provider = match provider {
        "bamboohr" => maestro_sandbox::Provider::BambooHr,
        "harvest" => maestro_sandbox::Provider::Harvest,
        _ => maestro_sandbox::Provider::Gusto,
    };
    let input = maestro_app::demo::sandbox_input(sandbox, provider).unwrap();
    let (connection, report) = app.connect(&company, input, &Follow).await.unwrap();
    assert!(report.account.contains("Bluebird"), "{report:?}");
    connection.id
}

async fn count(app: &App, company: CompanyId, connection: ConnectionId, kind: EntityKind) -> usize {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(&mut conn, company, Some(kind), None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.connection_id == connection)
        .count()
}

#[tokio::test]
async fn connect_full_sync_incremental_and_deletion_against_the_sandbox() {
    let (_dir, sandbox, app, company) = setup().await;
    let bamboo = connect(&app, &sandbox, "bamboohr").await;
    let harvest = connect(&app, &sandbox, "harvest").await;
    let gusto = connect(&app, &sandbox, "gusto").await;

    for connection in [bamboo, harvest, gusto] {
        let outcomes = app
            .sync_connection(company, connection, None, Mode::Full)
            .await
            .unwrap();
        for o in &outcomes {
            assert!(o.error.is_none(), "{o:?}");
        }
    }
    assert_eq!(
        count(&app, company, bamboo, EntityKind::Employee).await,
        sandbox.bamboohr_employees().len()
    );
    assert_eq!(
        count(&app, company, gusto, EntityKind::Employee).await,
        sandbox.gusto_employees().len()
    );
    assert_eq!(
        count(&app, company, harvest, EntityKind::TimeEntry).await,
        sandbox.harvest_time_entry_count()
    );

    // Running again changes nothing.
    let again = app
        .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let s = again[0].summary.unwrap();
    assert_eq!((s.created, s.updated, s.deleted), (0, 0, 0));

    // One change at the provider: an incremental run stores exactly that.
    let first = sandbox.bamboohr_employees()[0]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| sandbox.bamboohr_employees()[0]["id"].to_string());
    sandbox
        .set_employee_field(
            Provider::BambooHr,
            &first,
            "jobTitle",
            serde_json::json!("Head Baker"),
        )
        .unwrap();
    let inc = app
        .sync_connection(
            company,
            bamboo,
            Some(EntityKind::Employee),
            Mode::Incremental,
        )
        .await
        .unwrap();
    let s = inc[0].summary.unwrap();
    assert_eq!((s.created, s.updated, s.deleted), (0, 1, 0), "{s:?}");
    assert!(
        s.seen < sandbox.bamboohr_employees().len() as u64,
        "incremental read only the change: {s:?}"
    );

    // A person deleted at the provider is detected.
    let second = sandbox.bamboohr_employees()[1]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| sandbox.bamboohr_employees()[1]["id"].to_string());
    sandbox
        .delete_employee(Provider::BambooHr, &second)
        .unwrap();
    let inc = app
        .sync_connection(
            company,
            bamboo,
            Some(EntityKind::Employee),
            Mode::Incremental,
        )
        .await
        .unwrap();
    assert_eq!(inc[0].summary.unwrap().deleted, 1);
    assert_eq!(
        count(&app, company, bamboo, EntityKind::Employee).await,
        sandbox.bamboohr_employees().len()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_key_raises_a_reconnect_alert_and_reconnecting_clears_it() {
    let (_dir, sandbox, app, company) = setup().await;
    let bamboo = connect(&app, &sandbox, "bamboohr").await;
    sandbox.revoke(Provider::BambooHr);

    let outcomes = app
        .sync_connection(company, bamboo, None, Mode::Full)
        .await
        .unwrap();
    assert_eq!(
        outcomes.len(),
        1,
        "a credential failure stops the other entities"
    );
    assert!(
        outcomes[0].error.as_deref().unwrap().contains("refused"),
        "{outcomes:?}"
    );
    let alerts = app.open_alerts(company).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].action.as_deref(), Some("reconnect"));
    assert!(alerts[0].title.contains("BambooHR needs to be reconnected"));
    let status = app.status().await.unwrap();
    assert_eq!(status.companies[0].connections[0].status, "needs_reconnect");

    // The owner issues a new key at BambooHR (the sandbox's reset) and reconnects.
    sandbox.reset(Provider::BambooHr);
    let key = sandbox.credentials().bamboohr.api_key;
    app.reconnect(company, bamboo, values(&[("api_key", &key)]))
        .await
        .unwrap();
    assert!(app.open_alerts(company).await.unwrap().is_empty());
    let status = app.status().await.unwrap();
    assert_eq!(status.companies[0].connections[0].status, "active");
    let outcomes = app
        .sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    assert!(outcomes[0].error.is_none());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn incremental_schedules_still_read_everything_on_the_full_read_cadence() {
    let (_dir, sandbox, app, company) = setup().await;
    let harvest = connect(&app, &sandbox, "harvest").await;
    app.sync_connection(company, harvest, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    // A person removed at Harvest: its updated_since feed cannot say so.
    let gone = sandbox
        .harvest_users()
        .into_iter()
        .find(|u| u["is_contractor"] == false)
        .unwrap()["id"]
        .to_string();
    sandbox.delete_employee(Provider::Harvest, &gone).unwrap();

    let out = app
        .sync_connection(
            company,
            harvest,
            Some(EntityKind::Employee),
            Mode::Incremental,
        )
        .await
        .unwrap();
    let s = out[0].summary.unwrap();
    assert!(!s.full, "within the cadence the run is incremental");
    assert_eq!(s.deleted, 0);

    app.set_full_sync_cadence(company, 0).await.unwrap();
    let out = app
        .sync_connection(
            company,
            harvest,
            Some(EntityKind::Employee),
            Mode::Incremental,
        )
        .await
        .unwrap();
    let s = out[0].summary.unwrap();
    assert!(s.full, "due for a full read");
    assert_eq!(s.deleted, 1, "the full read finds the deletion");
    assert!(app.set_full_sync_cadence(company, -1).await.is_err());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn birth_dates_and_ssns_are_synced_only_after_the_owner_opts_in() {
    let (_dir, sandbox, app, company) = setup().await;
    let bamboo = connect(&app, &sandbox, "bamboohr").await;
    let gusto = connect(&app, &sandbox, "gusto").await;
    let stored = |app: &App| {
        let app = app.clone();
        async move {
            let mut conn = app.store().pool().acquire().await.unwrap();
            maestro_store::records::current_page(
                &mut conn,
                company,
                Some(EntityKind::Employee),
                None,
                10_000,
            )
            .await
            .unwrap()
        }
    };
    for c in [bamboo, gusto] {
        app.sync_connection(company, c, Some(EntityKind::Employee), Mode::Full)
            .await
            .unwrap();
    }
    let records = stored(&app).await;
    assert!(!records.is_empty());
    let birth = sandbox.company().people[0].birth_date.to_string();
    for r in &records {
        assert!(r.data["date_of_birth"].is_null(), "{}", r.data);
        let text = format!("{}{}", r.data, r.raw);
        assert!(
            !text.contains("birthDate") && !text.contains(&birth),
            "{text}"
        );
    }

    // The owner opts in for BambooHR: the next full read brings birth dates, for it only.
    app.set_sync_sensitive(company, bamboo, true).await.unwrap();
    app.sync_connection(company, bamboo, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let records = stored(&app).await;
    let with_birth: Vec<_> = records
        .iter()
        .filter(|r| !r.data["date_of_birth"].is_null())
        .collect();
    assert!(!with_birth.is_empty());
    assert!(with_birth.iter().all(|r| r.connection_id == bamboo));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_same_account_cannot_be_connected_twice_so_nothing_counts_double() {
    let (_dir, sandbox, app, _company) = setup().await;
    connect(&app, &sandbox, "bamboohr").await;
    connect(&app, &sandbox, "harvest").await;
    let owner = app.company(None).await.unwrap();

    // The same BambooHR account again, its subdomain typed with spaces around it and with
    // sensitive data this time: refused, pointing at the subdomain, and nothing is added.
    let mut again = maestro_app::demo::sandbox_input(&sandbox, Provider::BambooHr).unwrap();
    let subdomain = format!(" {} ", again.values["subdomain"]);
    again.values.insert("subdomain".into(), subdomain);
    again.sync_sensitive = true;
    let err = app.connect(&owner, again, &Follow).await.unwrap_err();
    assert_eq!(err.code, maestro_app::ErrorCode::Validation);
    assert_eq!(err.field.as_deref(), Some("subdomain"));
    assert!(
        err.message.contains("already connected as “BambooHR”"),
        "{}",
        err.message
    );
    let harvest_again = maestro_app::demo::sandbox_input(&sandbox, Provider::Harvest).unwrap();
    let err = app
        .connect(&owner, harvest_again, &Follow)
        .await
        .unwrap_err();
    assert!(err.message.contains("Harvest account is already connected"));
    let status = app.status().await.unwrap();
    assert_eq!(status.companies[0].connections.len(), 2);

    // Another account of the same tool is fine, and named so the two can be told apart.
    let mut branch = maestro_app::demo::sandbox_input(&sandbox, Provider::BambooHr).unwrap();
    branch
        .values
        .insert("subdomain".into(), "bluebird-annex".into());
    let (annex, _) = app.connect(&owner, branch, &Follow).await.unwrap();
    assert_eq!(annex.display_name, "BambooHR (bluebird-annex)");
    let status = app.status().await.unwrap();
    assert_eq!(status.companies[0].connections.len(), 3);
    sandbox.shutdown().await;
}
