//! `BENCH_HISTORY_ONLY=1 bench --child N`: the history columns of the time-entry table on
//! their own, for profiling and A/B runs. One in-process sandbox and store: the first full sync
//! of N entries, three point-in-time reads, every entry changed at the provider and a full run
//! (timed against the first sync of the same process), three point-in-time reads again (now
//! over two versions of each entry). Before the changed run it prints `changed run: pid P` and
//! waits `BENCH_PAUSE` seconds (default 0), so a profiler can attach to that run alone.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use maestro_core::model::EntityKind;
use maestro_sync::Mode;

use super::SyncedHarvest;

/// Runs the history figures for `n` entries and prints them on stderr.
pub async fn only_history(n: usize) -> Result<()> {
    let h = SyncedHarvest::new(n).await?;
    eprintln!("first full sync of {n}: {:.2} s", h.first_sync_secs);
    if std::env::var_os("BENCH_COLUMNS").is_some() {
        print_column_bytes(&mut *h.app.store().pool().acquire().await?).await?;
    }
    as_of_runs(&h, n, "one version each").await?;
    h.change_entries(n)?;
    let pause: u64 = std::env::var("BENCH_PAUSE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    eprintln!("changed run: pid {}", std::process::id());
    tokio::time::sleep(Duration::from_secs(pause)).await;
    let started = Instant::now();
    let updated = h.sync(Mode::Full).await?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!("changed run done");
    if updated != n as u64 {
        bail!("{updated} of {n} changed entries were versioned");
    }
    eprintln!(
        "every entry changed, full run: {secs:.2} s ({:.2}x the first sync)",
        secs / h.first_sync_secs
    );
    as_of_runs(&h, n, "two versions each").await?;
    h.sandbox.shutdown().await;
    Ok(())
}

/// Three point-in-time reads of every entry as of now, each timed and printed.
async fn as_of_runs(h: &SyncedHarvest, n: usize, what: &str) -> Result<()> {
    for run in 1..=3 {
        let mut c = h.app.store().pool().acquire().await?;
        let t = Instant::now();
        let rows = maestro_store::records::as_of(
            &mut c,
            h.company,
            Some(EntityKind::TimeEntry),
            chrono::Utc::now(),
        )
        .await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if rows.len() != n {
            bail!("point-in-time read returned {} of {n}", rows.len());
        }
        eprintln!("point-in-time read ({what}), run {run}: {ms:.0} ms");
    }
    Ok(())
}

/// `BENCH_COLUMNS=1`: the bytes each column of `records` and `record_versions` holds (as
/// stored, summed over rows) and each table's and index's pages, so the store's size can be
/// put down to what holds it.
async fn print_column_bytes(conn: &mut sqlx::SqliteConnection) -> Result<()> {
    for table in ["records", "record_versions"] {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut *conn)
                .await?;
        for column in columns {
            let bytes: i64 = sqlx::query_scalar(&format!(
                "SELECT coalesce(sum(length(CAST({column} AS BLOB))), 0) FROM {table}"
            ))
            .fetch_one(&mut *conn)
            .await?;
            eprintln!("  {table}.{column}: {:.1} MB", bytes as f64 / 1e6);
        }
    }
    let objects = sqlx::query_as::<_, (String, i64, i64, i64)>(
        "SELECT name, sum(pgsize), sum(payload), sum(unused) FROM dbstat
         GROUP BY name ORDER BY 2 DESC LIMIT 16",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, pages, payload, unused) in objects {
        eprintln!(
            "  {name}: {:.1} MB in pages, {:.1} MB payload, {:.1} MB unused",
            pages as f64 / 1e6,
            payload as f64 / 1e6,
            unused as f64 / 1e6
        );
    }
    Ok(())
}
