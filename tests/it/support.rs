//! Set-up the end-to-end tests share: a sandbox with an app on a fresh store, and a sync that
//! must finish without errors.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::RetryPolicy;
use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;

/// The default sandbox and an app ("Bluebird Bakery") on a new store in a temporary directory
/// (kept alive by the returned guard), retrying fast.
pub async fn sandbox_app() -> (tempfile::TempDir, Sandbox, App) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    (dir, sandbox, app)
}

/// A full sync of `connection` in which no step failed.
pub async fn sync_clean(app: &App, company: CompanyId, connection: ConnectionId) {
    for o in app
        .sync_connection(company, connection, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
}

/// Connects each of the sandbox's `providers` to `company` and syncs it fully and cleanly;
/// returns the connections in the same order.
pub async fn connect_and_sync(
    app: &App,
    sandbox: &Sandbox,
    company: &maestro_store::companies::Company,
    providers: &[maestro_sandbox::Provider],
) -> Vec<maestro_store::connections::Connection> {
    let mut out = Vec::new();
    for &p in providers {
        let c = app
            .connect_sandbox_provider(company, sandbox, p)
            .await
            .unwrap();
        sync_clean(app, company.id, c.id).await;
        out.push(c);
    }
    out
}
