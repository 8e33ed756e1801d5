//! The roster column of the time-entry table: the People roster (`App::people`) over the N
//! stored entries, with the Harvest users the entries belong to synced too, so it has people to
//! sum hours for (25 at the sandbox's default seed). `BENCH_ROSTER_ONLY=1` runs it five times
//! after the sync and exits (profiling, and comparing roster builds without the other columns).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use maestro_app::App;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_sync::Mode;

/// One roster call: its time, the resident memory it added at its peak, the people it listed.
pub struct Roster {
    /// Milliseconds.
    pub ms: f64,
    /// MiB added to the process's peak (VmHWM reset just before).
    pub added_mb: f64,
    /// Rows of the roster.
    pub people: usize,
}

/// Syncs the Harvest users of `harvest` (the people the entries were tracked by), so the
/// roster lists them with their hours.
pub async fn sync_people(app: &App, company: CompanyId, harvest: ConnectionId) -> Result<()> {
    let out = app
        .sync_connection(company, harvest, Some(EntityKind::Employee), Mode::Full)
        .await?;
    if let Some(error) = out.iter().find_map(|o| o.error.as_ref()) {
        bail!("syncing the Harvest users: {error}");
    }
    Ok(())
}

/// Times one roster call, with the peak memory it added.
pub async fn measure(app: &App, company: CompanyId) -> Result<Roster> {
    // Linux resets the peak (VmHWM) on writing 5 to clear_refs.
    std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak RSS")?;
    let before = super::rss_mb("VmRSS:");
    let t = Instant::now();
    let people = app.people(company).await?.len();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(Roster {
        ms,
        added_mb: super::peak_rss_mb() - before,
        people,
    })
}

/// `BENCH_ROSTER_ONLY=1`: five roster calls, printed, then the process exits.
pub async fn only_roster(app: &App, company: CompanyId, n: usize) -> Result<()> {
    for run in 1..=5 {
        let r = measure(app, company).await?;
        eprintln!(
            "roster over {n} entries, run {run}: {:.1} ms, +{:.1} MiB, {} people",
            r.ms, r.added_mb, r.people
        );
    }
    Ok(())
}
