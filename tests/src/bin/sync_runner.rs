//! `sync-runner DATA_DIR`: a victim process for sync crash tests.
//!
//! Opens the App in `DATA_DIR` with the passphrase in `MAESTRO_PASSPHRASE` (the test creates the
//! store and connects Harvest and BambooHR beforehand), then runs a full sync of Harvest time
//! entries and then of BambooHR employees through `App::sync_connection`, exactly as the app
//! does. It prints one line per step and flushes, so a test can time a `kill -9`:
//!
//! - `ready` once the store is open,
//! - `started ENTITY resumed=BOOL` when a run begins (or resumes from its checkpoint),
//! - `page ENTITY seen=N` after each stored page,
//! - `finished ENTITY STATUS` when a run ends,
//! - `done ENTITY ok` or `done ENTITY error=MESSAGE` per synced entity.
//!
//! It exits 0 when every entity synced, 1 otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::model::EntityKind;
use maestro_store::Passphrase;
use maestro_sync::{Mode, SyncEvent};
use tokio::sync::broadcast::error::RecvError;

/// What is synced, in order: (connector id, entity).
const PLAN: [(&str, EntityKind); 2] = [
    ("harvest", EntityKind::TimeEntry),
    ("bamboohr", EntityKind::Employee),
];

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .context("usage: sync-runner DATA_DIR")?,
    );
    let passphrase =
        Passphrase::new(std::env::var("MAESTRO_PASSPHRASE").context("MAESTRO_PASSPHRASE unset")?);
    let app = App::open(&dir, Some(passphrase), Arc::new(SystemClock))
        .await?
        .with_actor("sync-runner");
    let status = app.status().await?;
    let company = status
        .companies
        .first()
        .context("the store holds no company")?;
    let company_id = company.company.id;
    let connections: HashMap<String, _> = company
        .connections
        .iter()
        .map(|c| (c.provider.clone(), c.id))
        .collect();

    let mut events = app.sync_events();
    let printer = tokio::spawn(async move {
        let mut entities = HashMap::new();
        loop {
            match events.recv().await {
                Ok(SyncEvent::RunStarted {
                    run_id,
                    entity,
                    resumed,
                    ..
                }) => {
                    say(&format!("started {entity} resumed={resumed}"));
                    entities.insert(run_id, entity);
                }
                Ok(SyncEvent::RunProgress { run_id, seen, .. }) => {
                    if let Some(entity) = entities.get(&run_id) {
                        say(&format!("page {entity} seen={seen}"));
                    }
                }
                Ok(SyncEvent::RunFinished { run_id, status, .. }) => {
                    if let Some(entity) = entities.get(&run_id) {
                        say(&format!("finished {entity} {status}"));
                    }
                }
                Ok(SyncEvent::RecordChanged { .. }) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
    say("ready");

    let mut failed = false;
    for (provider, entity) in PLAN {
        let connection = *connections
            .get(provider)
            .with_context(|| format!("no {provider} connection in the store"))?;
        let outcomes = app
            .sync_connection(company_id, connection, Some(entity), Mode::Full)
            .await?;
        for o in outcomes {
            match o.error {
                None => say(&format!("done {} ok", o.entity)),
                Some(e) => {
                    failed = true;
                    say(&format!("done {} error={e}", o.entity));
                }
            }
        }
    }
    drop(app);
    printer.abort();
    if failed {
        bail!("a sync failed");
    }
    Ok(())
}
