//! Set-up the end-to-end tests share: a sandbox with an app on a fresh store, a sync that
//! must finish without errors, and every record version read back.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use maestro_app::App;
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_http::RetryPolicy;
use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_store::records::{self, StoredRecord};
use maestro_store::sqlx::{self, Row};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;

/// The default sandbox and an app ("Bluebird Bakery") on a new store in a temporary directory
/// (kept alive by the returned guard), retrying fast.
pub async fn sandbox_app() -> (tempfile::TempDir, Sandbox, App) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let app = app_in(dir.path(), Arc::new(SystemClock)).await;
    (dir, sandbox, app)
}

/// An app ("Bluebird Bakery") on a new store in `dir`/data, its key in an in-memory keychain,
/// on `clock`, retrying fast.
pub async fn app_in(dir: &Path, clock: Arc<dyn Clock>) -> App {
    App::init(
        &dir.join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        clock,
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast())
}

/// Every version of every record of the company, by record, read straight from the tables.
pub async fn every_record(app: &App, company: CompanyId) -> BTreeMap<RecordId, Vec<StoredRecord>> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    let ids: Vec<String> = sqlx::query("SELECT record_id FROM records WHERE company_id = ?1")
        .bind(company.to_string())
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("record_id"))
        .collect();
    let mut out = BTreeMap::new();
    for id in ids {
        let id: RecordId = id.parse().unwrap();
        out.insert(id, records::history(&mut conn, company, id).await.unwrap());
    }
    out
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
