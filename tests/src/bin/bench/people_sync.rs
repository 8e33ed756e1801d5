//! The people-sync rows of the employee table: which providers run, Harvest's connection, and
//! (with `BENCH_PHASES=1`) where a people sync's time and memory go after its pages are
//! stored: each step `App::sync_connection` runs after the engine, run again on its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use maestro_app::{App, ConnectInput};
use maestro_core::ids::CompanyId;
use serde::{Deserialize, Serialize};

/// The providers of the employee table: `--employee-providers a,b` (default all three).
pub fn providers(arg: Option<String>) -> Vec<String> {
    arg.unwrap_or_else(|| "bamboohr,gusto,harvest".into())
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The sandbox's arguments for `n` people synced from `provider`: only that provider holds
/// them all (seeding every provider with 100,000 people takes many gigabytes), and one time
/// entry.
pub fn sandbox_args(n: usize, provider: &str) -> Vec<String> {
    [
        "--employees",
        &n.to_string(),
        "--only",
        provider,
        "--time-entries",
        "1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Harvest's connection to the sandbox (its users are the seeded people).
pub fn harvest_input(base_url: &str, account: &str, token: &str) -> Result<ConnectInput> {
    Ok(ConnectInput {
        provider: "harvest".into(),
        values: [
            ("account_id".to_owned(), account.to_owned()),
            ("access_token".to_owned(), token.to_owned()),
        ]
        .into_iter()
        .collect(),
        base_url: Some(base_url.parse()?),
        ..ConnectInput::default()
    })
}

/// One step after a people sync, measured on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phase {
    /// The step.
    pub name: String,
    /// Its wall time.
    pub ms: f64,
    /// Resident memory it added at its peak (MiB).
    pub added_mb: f64,
}

/// Runs `f` with the peak reset first; its time and the memory it added at its peak.
async fn measured<T>(name: &str, f: impl std::future::Future<Output = T>) -> (T, Phase) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = super::rss_mb("VmRSS:");
    let t = Instant::now();
    let out = f.await;
    let phase = Phase {
        name: name.to_owned(),
        ms: t.elapsed().as_secs_f64() * 1000.0,
        added_mb: super::peak_rss_mb() - before,
    };
    (out, phase)
}

/// With `BENCH_PHASES=1`: the steps after a people sync's pages, each again on its own (the
/// links exist by now, so identity resolution reads and plans but writes nothing).
pub async fn phases(app: &App, company: CompanyId) -> Result<Vec<Phase>> {
    if std::env::var("BENCH_PHASES").is_err() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let (r, p) = measured("identity resolution", app.resolve_identities(company)).await;
    r?;
    out.push(p);
    let (r, p) = measured("conflict detection", app.detect_conflicts(company)).await;
    r?;
    out.push(p);
    let (r, p) = measured("hire checks", app.check_hire_checks(company)).await;
    r?;
    out.push(p);
    let (r, p) = measured("benefit checks", app.check_benefits(company)).await;
    r?;
    out.push(p);
    let (r, p) = measured("sign-in expiry", app.check_sign_in_expiry(company)).await;
    r?;
    out.push(p);
    let (r, p) = measured(
        "compliance calendar",
        app.check_compliance_calendar(company),
    )
    .await;
    r?;
    out.push(p);
    Ok(out)
}

/// The phases of one row, one line each under the table.
pub fn print_phases(provider: &str, n: usize, phases: &[Phase]) {
    for p in phases {
        println!(
            "  {provider} {n}: {} {:.0} ms, {:.1} MiB added",
            p.name, p.ms, p.added_mb
        );
    }
}

/// With `BENCH_PHASES=1`: resident memory sampled every 2 ms through a whole people sync
/// (`App::sync_connection`), to split its peak at the engine's end (`RunFinished`): the pages
/// read and stored, then the steps after them.
pub struct RssTrace {
    stop: Arc<AtomicBool>,
    sampler: std::thread::JoinHandle<Vec<(Instant, f64)>>,
    run_end: tokio::task::JoinHandle<Option<Instant>>,
    before: f64,
}

impl RssTrace {
    /// Starts sampling (None without `BENCH_PHASES`).
    pub fn start(app: &App) -> Option<Self> {
        std::env::var("BENCH_PHASES").ok()?;
        let before = super::rss_mb("VmRSS:");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let sampler = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                samples.push((Instant::now(), super::rss_mb("VmRSS:")));
                std::thread::sleep(Duration::from_millis(2));
            }
            samples
        });
        let mut events = app.sync_events();
        let run_end = tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match events.recv().await {
                    Ok(maestro_sync::SyncEvent::RunFinished { .. }) => return Some(Instant::now()),
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        Some(RssTrace {
            stop,
            sampler,
            run_end,
            before,
        })
    }

    /// Stops sampling: the engine's run and the steps after it as two phases (their time
    /// and the resident memory each added at its peak over what was resident before the sync).
    pub async fn finish(self) -> Vec<Phase> {
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.sampler.join().unwrap_or_default();
        let Some(end) = self.run_end.await.ok().flatten() else {
            return Vec::new();
        };
        let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
            return Vec::new();
        };
        let phase = |name: &str, from: Instant, to: Instant| Phase {
            name: name.to_owned(),
            ms: to.saturating_duration_since(from).as_secs_f64() * 1000.0,
            added_mb: samples
                .iter()
                .filter(|(t, _)| (from..=to).contains(t))
                .map(|(_, mb)| *mb)
                .fold(self.before, f64::max)
                - self.before,
        };
        vec![
            phase(
                &format!(
                    "sync: the engine's run (resident before it {:.1} MiB)",
                    self.before
                ),
                first.0,
                end,
            ),
            phase("sync: the steps after it", end, last.0),
        ]
    }
}
