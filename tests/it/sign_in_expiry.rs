//! QuickBooks' refresh token has an end (100 days, reported as `x_refresh_token_expires_in`):
//! connected through the app, the end is saved with the tokens in the encrypted store; two
//! weeks before it the owner is told to reconnect, and a sync whose refresh moves the end on
//! resolves that by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use maestro_app::{App, ConnectInput};
use maestro_core::clock::ManualClock;
use maestro_core::ids::CompanyId;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::alerts::{self, Alert};

use crate::support::app_in;

async fn expiry_alerts(app: &App, company: CompanyId) -> Vec<Alert> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    alerts::open(&mut conn, company)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == maestro_app::sign_in_expiry::KIND)
        .collect()
}

#[tokio::test]
async fn quickbooks_sign_in_end_is_saved_warned_of_and_moved_on_by_a_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t0 = Utc::now();
    let clock = Arc::new(ManualClock::new(t0));
    let app = app_in(dir.path(), clock.clone()).await;
    let company = app.company(None).await.unwrap();
    let creds = sandbox.credentials().quickbooks;
    let input = ConnectInput {
        provider: "quickbooks".into(),
        values: Default::default(),
        base_url: Some(url::Url::parse(&sandbox.base_url(Provider::QuickBooks)).unwrap()),
        oauth_client: Some((creds.client_id.clone(), Some(creds.client_secret.clone()))),
        ..ConnectInput::default()
    };
    let (qb, _) = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await
        .unwrap();

    // A hundred days left: nothing to say.
    assert_eq!(app.check_sign_in_expiry(company.id).await.unwrap(), 0);

    // Ninety days on, with no sync meanwhile: ten days left, a warning with the reconnect fix.
    clock.advance(Duration::days(90));
    assert_eq!(app.check_sign_in_expiry(company.id).await.unwrap(), 1);
    let [warning] = expiry_alerts(&app, company.id).await.try_into().unwrap();
    assert_eq!(warning.severity, "warning");
    assert_eq!(warning.connection_id, Some(qb.id));
    assert_eq!(warning.action.as_deref(), Some("reconnect"));
    let end = [
        t0 + Duration::days(100) - Duration::minutes(1),
        t0 + Duration::days(100),
    ]
    .map(|t| t.date_naive().to_string());
    assert!(
        end.iter().any(|d| warning.title
            == format!(
                "QuickBooks Online's sign-in expires on {d}: reconnect before then or syncing stops"
            )),
        "{}",
        warning.title
    );
    assert!(warning.detail.contains("in 9 days") || warning.detail.contains("in 10 days"));

    // A sync refreshes the long-expired access token; Intuit moves the refresh token's end
    // 100 days on, the new end is saved, and the sync's own check resolves the warning.
    super::support::sync_clean(&app, company.id, qb.id).await;
    let saved_end = {
        let mut conn = app.store().pool().acquire().await.unwrap();
        let (_, secret) = maestro_store::connections::load_credential(&mut conn, company.id, qb.id)
            .await
            .unwrap()
            .unwrap();
        secret.expose()["tokens"]["refresh_expires_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    };
    let left = saved_end - app.now();
    assert!(
        left > Duration::days(99) && left <= Duration::days(100),
        "{left}"
    );
    assert!(expiry_alerts(&app, company.id).await.is_empty());
    assert_eq!(app.check_sign_in_expiry(company.id).await.unwrap(), 0);
}
