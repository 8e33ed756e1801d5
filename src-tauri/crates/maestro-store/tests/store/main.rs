//! Integration tests of the encrypted store: encryption at rest, keys, migrations, history,
//! company scoping, the audit chain, re-keying and backups.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod audit_chain;
mod audit_erasure;
mod backups;
mod batch;
mod encryption;
mod history_migration;
mod os_keychain;
mod record_history;
mod rekey;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{EntityKind, Provenance};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::records::{self, PutOutcome, RecordWrite};
use maestro_store::{MemorySecretStore, NewKey, Passphrase, Store, Unlock};
use serde_json::json;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn t(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, minute, 0).unwrap()
}

pub fn pass() -> Passphrase {
    Passphrase::new(PASSPHRASE)
}

pub async fn new_passphrase_store(dir: &Path) -> Store {
    Store::create(dir, NewKey::Passphrase(pass()))
        .await
        .unwrap()
}

/// A new passphrase store whose audit log holds `entries`, each appended (at its time) in a
/// transaction of its own.
pub async fn store_with_audit(
    dir: &Path,
    entries: impl IntoIterator<Item = (AuditEvent, DateTime<Utc>)>,
) -> Store {
    let store = new_passphrase_store(dir).await;
    for (event, at) in entries {
        let mut tx = store.write().await.unwrap();
        audit::append(tx.conn(), &event, at).await.unwrap();
        tx.commit().await.unwrap();
    }
    store
}

/// The audit chain's verification, with no progress reported.
pub async fn verify_chain(store: &Store) -> audit::Verification {
    let mut conn = store.pool().acquire().await.unwrap();
    audit::verify(&mut conn, |_| {}).await.unwrap()
}

pub async fn reopen(dir: &Path) -> Result<Store, maestro_store::StoreError> {
    Store::open(dir, &Unlock::passphrase(pass())).await
}

pub fn keychain() -> Arc<MemorySecretStore> {
    Arc::new(MemorySecretStore::default())
}

/// A new keychain-protected store in `dir` holding one employee, with its keychain.
pub async fn keychain_store_with_one_employee(
    dir: &Path,
) -> (Arc<MemorySecretStore>, Store, Fixture) {
    let keys = keychain();
    let store = Store::create(dir, NewKey::Keychain(keys.clone()))
        .await
        .unwrap();
    let fx = fixture(&store, "Acme").await;
    put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    (keys, store, fx)
}

/// A company with one connection, ready to take records.
pub struct Fixture {
    pub company: CompanyId,
    pub connection: ConnectionId,
}

pub async fn fixture(store: &Store, name: &str) -> Fixture {
    let mut tx = store.write().await.unwrap();
    let company = maestro_store::companies::insert(tx.conn(), name, t(0))
        .await
        .unwrap();
    let connection = maestro_store::connections::insert(
        tx.conn(),
        company.id,
        "bamboohr",
        "BambooHR",
        &json!({"subdomain": "acme"}),
        t(0),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Fixture {
        company: company.id,
        connection: connection.id,
    }
}

pub async fn put_employee(
    store: &Store,
    fx: &Fixture,
    remote_id: &str,
    title: &str,
    at: DateTime<Utc>,
) -> PutOutcome {
    let data = json!({"remote_id": remote_id, "job_title": title, "ssn": "123-45-6789"});
    let raw = json!({"id": remote_id, "jobTitle": title});
    let mut tx = store.write().await.unwrap();
    let out = put_in(
        tx.conn(),
        fx,
        EntityKind::Employee,
        remote_id,
        data,
        raw,
        at,
    )
    .await;
    tx.commit().await.unwrap();
    out
}

/// Puts one BambooHR record of `kind` inside an open transaction.
pub async fn put_in(
    conn: &mut sqlx::SqliteConnection,
    fx: &Fixture,
    kind: EntityKind,
    remote_id: &str,
    data: serde_json::Value,
    raw: serde_json::Value,
    at: DateTime<Utc>,
) -> PutOutcome {
    let provenance = Provenance::new(fx.connection, "bamboohr", remote_id);
    let raw = maestro_core::model::RawPayload::from(raw);
    records::put(
        conn,
        &RecordWrite {
            company_id: fx.company,
            kind,
            provenance: &provenance,
            data: &data,
            raw: &raw,
            sync_run_id: None,
        },
        at,
    )
    .await
    .unwrap()
}

pub async fn current(store: &Store, company: CompanyId) -> Vec<records::StoredRecord> {
    let mut conn = store.pool().acquire().await.unwrap();
    records::current_page(&mut conn, company, None, None, 10_000)
        .await
        .unwrap()
}
