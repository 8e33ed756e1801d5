//! The store's side of the history targets at scale (`cargo bench -p maestro-store --bench
//! history -- [N]`, 100,000 by default): N Harvest-shaped time entries stored in pages of
//! 2,000 as a first sync stores them, then every one of them changed and stored again (a new
//! version each, as a full run after a mass edit at the provider), then a point-in-time read
//! of all of them before and after the change, and the store's size. No network and no
//! sandbox: the figures are the store's own.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use maestro_core::ids::CompanyId;
use maestro_core::model::{CanonicalRecord, EntityKind};
use maestro_store::{MemorySecretStore, NewKey, Store, batch, companies, records};
use serde_json::{Value, json};

/// A time entry as Harvest sends it (the shape the sandbox serves).
fn raw_entry(i: u64, hours: f64) -> Value {
    json!({
        "id": 1_000_000 + i, "spent_date": "2026-11-02", "hours": hours, "rounded_hours": hours,
        "notes": format!("Worked on item {i}"), "is_locked": false, "is_closed": false,
        "is_billed": false, "is_running": false, "billable": true, "budgeted": true,
        "billable_rate": 120.0, "cost_rate": 60.0, "started_time": null, "ended_time": null,
        "timer_started_at": null, "locked_reason": null, "invoice": null, "external_reference": null,
        "created_at": "2026-11-02T17:00:00Z", "updated_at": "2026-11-02T17:00:00Z",
        "user": {"id": 4_000 + i % 50, "name": "Ada Lovelace"},
        "client": {"id": 7, "name": "Acme", "currency": "USD"},
        "project": {"id": 9, "name": "Website", "code": "WEB"},
        "task": {"id": 11, "name": "Design"},
        "user_assignment": {"id": 13, "is_project_manager": false, "is_active": true},
        "task_assignment": {"id": 15, "billable": true, "is_active": true}
    })
}

fn record(company: CompanyId, i: u64, hours: f64) -> CanonicalRecord {
    let data = json!({
        "provenance": {
            "connection_id": "0190f4b2-7c1e-7a2b-9c3d-4e5f60718293",
            "provider": "harvest",
            "remote_id": (1_000_000 + i).to_string(),
            "remote_modified_at": "2026-11-02T17:00:00Z"
        },
        "company_id": company.to_string(),
        "employee_remote_id": (4_000 + i % 50).to_string(),
        "work_date": "2026-11-02",
        "started_at": null, "ended_at": null, "time_zone": null,
        "hours": format!("{hours:.2}"),
        "project_remote_id": "9", "project_name": "Website", "task_name": "Design",
        "client_name": "Acme", "notes": format!("Worked on item {i}"), "billable": true,
        "rate": null,
        "raw": raw_entry(i, hours)
    });
    CanonicalRecord::from_json(EntityKind::TimeEntry, data).expect("a time entry")
}

/// Stores all `n` entries with `hours`, a page of 2,000 a transaction (newest first, as
/// Harvest lists them); the seconds it took, preparing the pages included.
async fn store_all(store: &Store, company: CompanyId, n: u64, hours: f64, run: &str) -> f64 {
    let pages: Vec<Vec<CanonicalRecord>> = (0..n)
        .rev()
        .collect::<Vec<_>>()
        .chunks(2_000)
        .map(|ids| ids.iter().map(|i| record(company, *i, hours)).collect())
        .collect();
    let started = Instant::now();
    for page in pages {
        let prepared = batch::prepare_page(page).unwrap();
        let mut tx = store.write().await.unwrap();
        batch::put_prepared(tx.conn(), prepared, Some(run), Utc::now())
            .await
            .unwrap();
        tx.commit_bulk(store).await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// Seconds for a point-in-time read of every entry as of `at`.
async fn read_as_of(store: &Store, company: CompanyId, n: u64, at: chrono::DateTime<Utc>) -> f64 {
    let mut conn = store.pool().acquire().await.unwrap();
    let started = Instant::now();
    let rows = records::as_of(&mut conn, company, Some(EntityKind::TimeEntry), at)
        .await
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(rows.len() as u64, n);
    secs
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        )
        .await
        .unwrap();
        let company = {
            let mut tx = store.write().await.unwrap();
            let c = companies::insert(tx.conn(), "Bench", Utc::now())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            c.id
        };
        let first = store_all(&store, company, n, 7.25, "run-1").await;
        let before_change = Utc::now();
        let changed = store_all(&store, company, n, 8.5, "run-2").await;
        println!("store {n} new entries: {first:.2} s");
        println!(
            "store {n} changed entries: {changed:.2} s ({:.2}x)",
            changed / first
        );
        println!(
            "point-in-time read, as of now: {:.0} ms",
            read_as_of(&store, company, n, Utc::now()).await * 1000.0
        );
        println!(
            "point-in-time read, before the change: {:.0} ms",
            read_as_of(&store, company, n, before_change).await * 1000.0
        );
        store.close().await;
    });
}
