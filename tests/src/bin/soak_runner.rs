//! `soak-runner DATA_DIR MODE`: a victim process for the crash soak (`it/crash_soak.rs`).
//!
//! Opens the App in `DATA_DIR` with the passphrase in `MAESTRO_PASSPHRASE` (the test creates
//! the store and connects Harvest beforehand) and does one thing, as the app does it:
//!
//! - `full` / `incremental`: syncs Harvest time entries in that mode;
//! - `outbox`: runs the company's due writes until none is due;
//! - `rekey`: re-encrypts the store under the passphrase in `MAESTRO_NEW_PASSPHRASE`.
//!
//! The clock runs `MAESTRO_CLOCK_OFFSET_MINUTES` ahead of the wall clock (default 0), so a
//! later runner sees the writes a killed one had claimed as due again.
//!
//! It prints `ready` once the store is open, `page N` after each stored page, `attempt RESULT`
//! per write, and `done` at the end, flushing each line so the test can time a `kill -9`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use maestro_app::App;
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::model::EntityKind;
use maestro_store::{NewKey, Passphrase};
use maestro_sync::{Mode, SyncEvent};
use tokio::sync::broadcast::error::RecvError;

/// The wall clock moved by a fixed offset.
struct OffsetClock(Duration);

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + self.0
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn passphrase(var: &str) -> anyhow::Result<Passphrase> {
    Ok(Passphrase::new(
        std::env::var(var).with_context(|| format!("{var} unset"))?,
    ))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), Some(mode)) = (args.next(), args.next()) else {
        bail!("usage: soak-runner DATA_DIR full|incremental|outbox|rekey");
    };
    let dir = PathBuf::from(dir);
    let mode = mode.to_string_lossy().into_owned();
    let offset: i64 = std::env::var("MAESTRO_CLOCK_OFFSET_MINUTES")
        .ok()
        .map(|v| v.parse())
        .transpose()
        .context("MAESTRO_CLOCK_OFFSET_MINUTES is not a number")?
        .unwrap_or(0);
    let clock = Arc::new(OffsetClock(Duration::minutes(offset)));
    let app = App::open(&dir, Some(passphrase("MAESTRO_PASSPHRASE")?), clock)
        .await?
        .with_actor("soak-runner");
    let status = app.status().await?;
    let company = status
        .companies
        .first()
        .context("the store holds no company")?;
    let company_id = company.company.id;
    let harvest = company
        .connections
        .iter()
        .find(|c| c.provider == "harvest")
        .map(|c| c.id)
        .context("no Harvest connection in the store")?;

    let mut events = app.sync_events();
    let printer = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(SyncEvent::RunProgress { seen, .. }) => say(&format!("page {seen}")),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
    say("ready");

    match mode.as_str() {
        "full" | "incremental" => {
            let sync_mode = if mode == "full" {
                Mode::Full
            } else {
                Mode::Incremental
            };
            let outcomes = app
                .sync_connection(company_id, harvest, Some(EntityKind::TimeEntry), sync_mode)
                .await?;
            if let Some(e) = outcomes.iter().find_map(|o| o.error.as_ref()) {
                bail!("the sync failed: {e}");
            }
        }
        "outbox" => loop {
            let run = app.process_outbox(company_id).await?;
            for a in &run.attempts {
                say(&format!(
                    "attempt {}",
                    serde_json::to_string(&a.result).unwrap_or_default()
                ));
            }
            if run.attempts.is_empty() {
                break;
            }
        },
        "rekey" => {
            let new = passphrase("MAESTRO_NEW_PASSPHRASE")?;
            let app = app.rekey(NewKey::Passphrase(new)).await?;
            app.close().await;
            say("done");
            printer.abort();
            return Ok(());
        }
        other => bail!("unknown mode {other}"),
    }
    app.close().await;
    printer.abort();
    say("done");
    Ok(())
}
