//! Micro-benchmark of appending to the hash-chained audit log in the encrypted store
//! (`cargo bench -p maestro-store --bench audit_append`): one entry per transaction, as the
//! app writes them, and 100 entries in one transaction, as a sync page does.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::{MemorySecretStore, NewKey, Store};
use serde_json::json;

fn append(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(Store::create(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        ))
        .unwrap();
    let event = AuditEvent::new("bench", "sync.read", "harvest")
        .detail(json!({"entity": "time_entry", "records": 2000}));
    c.bench_function("audit append, 1 entry per transaction", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tx = store.write().await.unwrap();
                audit::append(tx.conn(), &event, Utc::now()).await.unwrap();
                tx.commit().await.unwrap();
            })
        })
    });
    c.bench_function("audit append, 100 entries in one transaction", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tx = store.write().await.unwrap();
                for _ in 0..100 {
                    audit::append(tx.conn(), &event, Utc::now()).await.unwrap();
                }
                tx.commit().await.unwrap();
            })
        })
    });
}

criterion_group!(benches, append);
criterion_main!(benches);
