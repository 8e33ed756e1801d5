//! `maestro sync`: sync now, with a live progress line per run.

use std::process::ExitCode;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use maestro_app::App;
use maestro_sync::{Mode, SyncEvent};

use crate::commands::parse_kind;

/// Syncs one connection (or all) and prints what changed.
pub async fn run(
    app: &App,
    connection: Option<&str>,
    entity: Option<&str>,
    full: bool,
    company: Option<&str>,
) -> Result<ExitCode> {
    let company = app.company(company).await?;
    let entity = entity.map(parse_kind).transpose()?;
    let connections: Vec<_> = app
        .connections(company.id)
        .await?
        .into_iter()
        .filter(|c| {
            connection.is_none_or(|sel| {
                c.id.to_string() == sel
                    || c.provider.eq_ignore_ascii_case(sel)
                    || c.display_name.eq_ignore_ascii_case(sel)
            })
        })
        .collect();
    if connections.is_empty() {
        bail!(
            "no connection {}for {}; add one with `maestro connect <provider>`",
            connection.map(|c| format!("'{c}' ")).unwrap_or_default(),
            company.name
        );
    }
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut events = app.sync_events();
    let watcher_bar = bar.clone();
    let watcher = tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            match event {
                SyncEvent::RunStarted {
                    entity, resumed, ..
                } => watcher_bar.set_message(format!(
                    "{}{entity}…",
                    if resumed { "resuming " } else { "reading " }
                )),
                SyncEvent::RunProgress {
                    seen,
                    created,
                    updated,
                    deleted,
                    ..
                } => watcher_bar.set_message(format!(
                    "{seen} read, {created} new, {updated} changed, {deleted} deleted"
                )),
                _ => {}
            }
            watcher_bar.tick();
        }
    });
    let mode = if full { Mode::Full } else { Mode::Incremental };
    let mut failed = false;
    for conn in connections {
        bar.set_message(format!("{}…", conn.display_name));
        let outcomes = app
            .sync_connection(company.id, conn.id, entity, mode)
            .await?;
        bar.suspend(|| {
            println!("{}:", conn.display_name);
            for o in &outcomes {
                match (&o.summary, &o.error) {
                    (Some(s), _) => println!(
                        "  {:<20} {:>7} read {:>6} new {:>6} changed {:>6} deleted",
                        o.entity.as_str(),
                        s.seen,
                        s.created,
                        s.updated,
                        s.deleted
                    ),
                    (None, Some(e)) => {
                        failed = true;
                        println!("  {:<20} failed: {e}", o.entity.as_str());
                    }
                    (None, None) => {}
                }
            }
        });
    }
    bar.finish_and_clear();
    watcher.abort();
    if failed {
        eprintln!("Some data could not be synced; `maestro alerts` shows what to do.");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
