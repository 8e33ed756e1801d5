//! A bookkeeper's companies: N companies in one store (one data folder, as in the app), each
//! connecting BambooHR, Gusto and Harvest accounts of its own on the sandbox, with the
//! sandbox's emulated rate limits on. The app's background scheduler (as the desktop app and
//! `maestro` run it) syncs them until every connection has synced once; meanwhile the
//! dashboard's reads are timed every few milliseconds; then the scheduler keeps running and
//! the CPU time and thread wake-ups of the stretches with no sync running are measured (Harvest's
//! 5-minute syncs keep coming due, so those are counted apart). Prints one labelled figure per line (see tests/bench.md).
//!
//! `companies-bench [--companies 50] [--people 200] [--time-entries N] [--idle-secs 60]
//! [--probe-ms 20] [--rounds 1]`; rounds after the first ask every connection to sync now (an
//! incremental run, as every scheduled run after the first is). The sandboxes (one per company: a provider's rate limit is per account)
//! run in a child process, the same binary started with `--host`, so their CPU and memory are
//! not counted as the app's; it samples each account's request count every 100 ms to find the
//! most requests any account received within one window of its provider's limit.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use maestro_app::demo::{SandboxSignIn, sandbox_input};
use maestro_app::schedule::{ScheduleTarget, SchedulerEvent, SchedulerHandle};
use maestro_app::{App, ConnectInput};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_tests::measure::{self, cpu_secs, status_mb};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};

/// The tools every company connects.
const PROVIDERS: [Provider; 3] = [Provider::BambooHr, Provider::Gusto, Provider::Harvest];

/// How often the sandbox host samples each account's request count.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The longest the first round of syncs may take before the bench gives up.
const ROUND_TIMEOUT: Duration = Duration::from_secs(600);

/// Command-line settings.
#[derive(Debug, Clone)]
struct Options {
    companies: usize,
    people: usize,
    time_entries: Option<usize>,
    idle: Duration,
    probe_every: Duration,
    rounds: u64,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let get = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
        };
        let num = |name: &str, default: u64| -> Result<u64> {
            get(name).map_or(Ok(default), |v| {
                v.parse().with_context(|| format!("{name} {v}"))
            })
        };
        Ok(Options {
            companies: usize::try_from(num("--companies", 50)?)?,
            people: usize::try_from(num("--people", 200)?)?,
            time_entries: get("--time-entries")
                .map(|v| v.parse())
                .transpose()
                .context("--time-entries")?,
            idle: Duration::from_secs(num("--idle-secs", 60)?),
            probe_every: Duration::from_millis(num("--probe-ms", 20)?),
            rounds: num("--rounds", 1)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox host (child process)

/// One connection as the host describes it: what the wizard would collect.
#[derive(Debug, Serialize, Deserialize)]
struct Account {
    provider: String,
    values: std::collections::BTreeMap<String, String>,
    base_url: Option<String>,
    oauth_client: Option<(String, Option<String>)>,
}

impl Account {
    fn from_input(input: ConnectInput) -> Self {
        Account {
            provider: input.provider.clone(),
            values: input.values.clone(),
            base_url: input.base_url.as_ref().map(ToString::to_string),
            oauth_client: input.oauth_client.clone(),
        }
    }

    fn input(&self) -> Result<ConnectInput> {
        Ok(ConnectInput {
            provider: self.provider.clone(),
            values: self.values.clone(),
            base_url: self.base_url.as_deref().map(str::parse).transpose()?,
            oauth_client: self.oauth_client.clone(),
            ..ConnectInput::default()
        })
    }
}

/// One company's sandbox accounts.
#[derive(Debug, Serialize, Deserialize)]
struct HostedCompany {
    name: String,
    accounts: Vec<Account>,
}

/// What one provider's accounts received, as the sandbox counted it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ProviderRequests {
    provider: String,
    /// The provider's limit: requests per window.
    limit: u32,
    window_secs: f64,
    /// Requests received by all accounts while sampled (429s included).
    total: u64,
    /// The most one account received within one window (an upper bound: measured over the
    /// window plus one sampling interval).
    max_in_window: u64,
}

/// A rolling count of one account's requests.
struct AccountWindow {
    window: Duration,
    samples: VecDeque<(Instant, u64)>,
    first: Option<u64>,
    last: u64,
    max_in_window: u64,
}

impl AccountWindow {
    fn new(window: Duration) -> Self {
        AccountWindow {
            window,
            samples: VecDeque::new(),
            first: None,
            last: 0,
            max_in_window: 0,
        }
    }

    /// Adds a sample of the account's request count: the requests since the latest sample at
    /// least one window old (or the first one) count as one window's.
    fn sample(&mut self, now: Instant, count: u64) {
        self.samples.push_back((now, count));
        while self
            .samples
            .get(1)
            .is_some_and(|(t, _)| now.duration_since(*t) >= self.window)
        {
            self.samples.pop_front();
        }
        let base = self.samples.front().map_or(count, |(_, c)| *c);
        self.max_in_window = self.max_in_window.max(count.saturating_sub(base));
        self.first.get_or_insert(count);
        self.last = count;
    }
}

/// Runs `companies` sandboxes, prints their accounts (one JSON line per company, then
/// `ready`), samples their request counts, and prints the request report when stdin says
/// `report` (ends at end of input).
async fn host(companies: usize, people: usize, time_entries: Option<usize>) -> Result<()> {
    let limits = SandboxConfig::default().rate_limits;
    let mut sandboxes = Vec::new();
    let mut out = std::io::stdout().lock();
    for i in 0..companies {
        let name = format!("Client {i:02}");
        let sandbox = Sandbox::start(SandboxConfig {
            seed: 1000 + i as u64,
            company_name: name.clone(),
            employees: people,
            time_entries,
            ..SandboxConfig::default()
        })
        .await?;
        let accounts = PROVIDERS
            .iter()
            .map(|p| Ok(Account::from_input(sandbox_input(&sandbox, *p)?)))
            .collect::<Result<Vec<_>>>()?;
        writeln!(
            out,
            "{}",
            serde_json::to_string(&HostedCompany { name, accounts })?
        )?;
        sandboxes.push(sandbox);
    }
    writeln!(out, "ready")?;
    out.flush()?;
    drop(out);
    let sandboxes = Arc::new(sandboxes);
    let windows: Arc<Mutex<Vec<(Provider, AccountWindow)>>> = Arc::new(Mutex::new(
        sandboxes
            .iter()
            .flat_map(|_| PROVIDERS)
            .map(|p| {
                let window = limits.get(p).map_or(Duration::from_secs(1), |l| l.window);
                (p, AccountWindow::new(window))
            })
            .collect(),
    ));
    let sampler = {
        let (sandboxes, windows) = (sandboxes.clone(), windows.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tick.tick().await;
                let now = Instant::now();
                let mut w = windows.lock().unwrap_or_else(|e| e.into_inner());
                let counts = sandboxes
                    .iter()
                    .flat_map(|s| PROVIDERS.map(|p| s.request_count(p)));
                for ((_, window), count) in w.iter_mut().zip(counts) {
                    window.sample(now, count);
                }
            }
        })
    };
    let lines = tokio::task::spawn_blocking(|| {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(std::result::Result::ok)
            .find(|l| l.trim() == "report")
    })
    .await?;
    sampler.abort();
    if lines.is_some() {
        let w = windows.lock().unwrap_or_else(|e| e.into_inner());
        let report: Vec<ProviderRequests> = PROVIDERS
            .iter()
            .map(|p| {
                let mine = w.iter().filter(|(q, _)| q == p).map(|(_, a)| a);
                let limit = limits.get(*p);
                let mut r = ProviderRequests {
                    provider: p.name().to_owned(),
                    limit: limit.map_or(0, |l| l.max_requests),
                    window_secs: limit.map_or(0.0, |l| l.window.as_secs_f64()),
                    ..ProviderRequests::default()
                };
                for a in mine {
                    r.total += a.last - a.first.unwrap_or(a.last);
                    r.max_in_window = r.max_in_window.max(a.max_in_window);
                }
                r
            })
            .collect();
        println!("{}", serde_json::to_string(&report)?);
    }
    if let Ok(sandboxes) = Arc::try_unwrap(sandboxes) {
        for s in sandboxes {
            s.shutdown().await;
        }
    }
    Ok(())
}

/// The host process, seen from the app's side.
struct HostProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    companies: Vec<HostedCompany>,
}

impl HostProcess {
    fn start(opts: &Options) -> Result<Self> {
        let exe = std::env::current_exe()?;
        let mut cmd = Command::new(exe);
        cmd.args([
            "--host",
            &opts.companies.to_string(),
            "--people",
            &opts.people.to_string(),
        ]);
        if let Some(n) = opts.time_entries {
            cmd.args(["--time-entries", &n.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the sandbox host")?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| anyhow!("no host stdout"))?,
        );
        let mut companies = Vec::new();
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line)? == 0 {
                bail!("the sandbox host exited before it was ready");
            }
            if line.trim() == "ready" {
                break;
            }
            companies.push(serde_json::from_str(&line).context("a hosted company")?);
        }
        Ok(HostProcess {
            child,
            stdin,
            stdout,
            companies,
        })
    }

    /// The requests each provider's accounts received since the host was ready.
    fn report(&mut self) -> Result<Vec<ProviderRequests>> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("no host stdin"))?;
        writeln!(stdin, "report")?;
        stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        serde_json::from_str(&line).context("the host's request report")
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Throttling as the app saw it (maestro_http's retry events)

/// 429s the app's HTTP sessions received and the waits they honoured.
#[derive(Default)]
struct Throttling {
    retried: AtomicU64,
    waited_ms: AtomicU64,
    max_wait_ms: AtomicU64,
    gave_up: AtomicU64,
}

struct ThrottleLayer(Arc<Throttling>);

#[derive(Default)]
struct RetryFields {
    message: String,
    error: String,
    wait_ms: u64,
}

impl Visit for RetryFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "wait_ms" {
            self.wait_ms = value;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "error" => self.error = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for ThrottleLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: LayerContext<'_, S>) {
        if !event.metadata().target().starts_with("maestro_http") {
            return;
        }
        let mut f = RetryFields::default();
        event.record(&mut f);
        if !f.error.contains("is limiting how fast") {
            return;
        }
        if f.message.contains("giving up") {
            self.0.gave_up.fetch_add(1, Ordering::Relaxed);
        } else if f.message.contains("retrying") {
            self.0.retried.fetch_add(1, Ordering::Relaxed);
            self.0.waited_ms.fetch_add(f.wait_ms, Ordering::Relaxed);
            self.0.max_wait_ms.fetch_max(f.wait_ms, Ordering::Relaxed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measurements of this process

/// Bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(std::result::Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The `p`th percentile (0–100) of sorted `v`, in ms.
fn percentile(v: &[Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() - 1) as f64 * p / 100.0).round() as usize;
    v[i.min(v.len() - 1)].as_secs_f64() * 1000.0
}

/// What the dashboard asks for while the owner looks at one company: the desktop `status`
/// command's reads (the company, its status with record counts, the connections with their
/// latest runs), for a chosen company instead of the only one.
async fn dashboard(app: &App, company: CompanyId) -> Result<usize> {
    let chosen = app.company(Some(&company.to_string())).await?;
    let status = app.company_status(chosen.id).await?;
    let records: i64 = status
        .companies
        .iter()
        .find(|c| c.company.id == chosen.id)
        .map(|c| c.records.iter().map(|(_, n)| *n).sum())
        .unwrap_or(0);
    let cards = app.connection_overviews(chosen.id).await?;
    Ok(cards.len() + usize::try_from(records).unwrap_or(0))
}

/// Calls [`dashboard`] every `every` until `stop`; returns each call's latency.
async fn probe(
    app: App,
    company: CompanyId,
    every: Duration,
    stop: Arc<AtomicBool>,
) -> Result<Vec<Duration>> {
    let mut out = Vec::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let t = Instant::now();
        dashboard(&app, company).await?;
        out.push(t.elapsed());
    }
    Ok(out)
}

/// One connection's run in a round.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    started: Option<Duration>,
    finished: Option<Duration>,
    failed: bool,
}

/// What one round (every connection synced once) measured.
struct Round {
    took: Duration,
    cpu: f64,
    runs: HashMap<ConnectionId, Run>,
    errors: Vec<String>,
    max_running: usize,
    latencies: Vec<Duration>,
}

/// Runs `kick` (which makes every connection due), probes the dashboard of `probed` while
/// the scheduler syncs, and returns once each of `expected` connections has finished a run.
async fn round(
    app: &App,
    handle: &SchedulerHandle,
    events: &mut broadcast::Receiver<SchedulerEvent>,
    expected: usize,
    probed: CompanyId,
    every: Duration,
    kick: impl Future<Output = Result<()>>,
) -> Result<Round> {
    let cpu0 = cpu_secs();
    let stop = Arc::new(AtomicBool::new(false));
    let prober = tokio::spawn(probe(app.clone(), probed, every, stop.clone()));
    let t0 = Instant::now();
    kick.await?;
    handle.wake();
    let mut runs: HashMap<ConnectionId, Run> = HashMap::new();
    let mut errors: Vec<String> = Vec::new();
    let mut max_running = 0usize;
    let deadline = tokio::time::Instant::now() + ROUND_TIMEOUT;
    while runs.values().filter(|r| r.finished.is_some()).count() < expected {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .context("the round of syncs did not finish in time")?;
        match event {
            Ok(SchedulerEvent::Started { connection_id, .. }) => {
                // A connection with a short interval may be due again before the round ends:
                // its first run counts.
                let r = runs.entry(connection_id).or_default();
                if r.started.is_none() {
                    r.started = Some(t0.elapsed());
                }
                max_running = max_running.max(handle.running().len());
            }
            Ok(SchedulerEvent::Finished {
                connection_id,
                error,
                ..
            }) => {
                let r = runs.entry(connection_id).or_default();
                if r.finished.is_none() {
                    r.finished = Some(t0.elapsed());
                    r.failed = error.is_some();
                    errors.extend(error);
                }
            }
            Ok(SchedulerEvent::Problem { message }) => errors.push(message),
            Ok(SchedulerEvent::Idle { .. }) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => bail!("missed {n} scheduler events"),
            Err(e) => bail!("scheduler events ended: {e}"),
        }
    }
    let took = t0.elapsed();
    let cpu = cpu_secs() - cpu0;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = prober.await??;
    latencies.sort();
    Ok(Round {
        took,
        cpu,
        runs,
        errors,
        max_running,
        latencies,
    })
}

impl Round {
    /// Prints the round's figures, each line starting with `label`.
    fn print(&self, label: &str, provider_of: &HashMap<ConnectionId, String>, every: Duration) {
        let probe_secs: f64 = self.latencies.iter().map(Duration::as_secs_f64).sum();
        println!(
            "{label}: every connection synced once in {:.1} s",
            self.took.as_secs_f64()
        );
        println!(
            "{label}: {} runs, {} failed, at most {} at a time; CPU {:.1} s (of which the dashboard probe at most {:.1} s)",
            self.runs.len(),
            self.runs.values().filter(|r| r.failed).count(),
            self.max_running,
            self.cpu,
            probe_secs
        );
        for e in self.errors.iter().take(5) {
            println!("{label}: error: {e}");
        }
        for p in PROVIDERS {
            let mine = || {
                self.runs
                    .iter()
                    .filter(|(id, _)| provider_of.get(*id).is_some_and(|q| q == p.name()))
                    .map(|(_, r)| r)
            };
            let mut took: Vec<Duration> = mine()
                .filter_map(|r| Some(r.finished?.saturating_sub(r.started?)))
                .collect();
            took.sort();
            let waited = mine().filter_map(|r| r.started).max().unwrap_or_default();
            println!(
                "{label}: {:<8} run p50 {:.0} ms, max {:.0} ms; the last one started after {:.1} s",
                p.name(),
                percentile(&took, 50.0),
                percentile(&took, 100.0),
                waited.as_secs_f64()
            );
        }
        println!(
            "{label}: ipc dashboard of one company every {} ms while syncing: {} calls, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            every.as_millis(),
            self.latencies.len(),
            percentile(&self.latencies, 50.0),
            percentile(&self.latencies, 99.0),
            percentile(&self.latencies, 100.0)
        );
    }
}

/// What the process did in the idle phase, split by whether a sync was running.
#[derive(Default)]
struct Idle {
    /// Seconds with no sync running, and the CPU seconds and thread wake-ups in them.
    quiet_secs: f64,
    quiet_cpu: f64,
    quiet_wakeups: BTreeMap<String, u64>,
    /// Scheduler loop wake-ups in the quiet stretches (each one reads every schedule).
    quiet_loops: usize,
    /// Seconds with a sync running, their CPU seconds, and the runs started.
    busy_secs: f64,
    busy_cpu: f64,
    runs: usize,
}

/// Follows the scheduler for `length`: between two of its events the process is quiet when no
/// sync runs, and what it spends then is the idle cost.
async fn idle(
    handle: &SchedulerHandle,
    events: &mut broadcast::Receiver<SchedulerEvent>,
    length: Duration,
) -> Result<Idle> {
    let mut out = Idle::default();
    let end = tokio::time::Instant::now() + length;
    let mut at = Instant::now();
    let (mut cpu, mut woken) = (cpu_secs(), measure::wakeups_by_thread());
    let mut quiet = handle.running().is_empty();
    loop {
        let event = tokio::time::timeout_at(end, events.recv()).await;
        let (now, cpu2, woken2) = (Instant::now(), cpu_secs(), measure::wakeups_by_thread());
        let secs = now.duration_since(at).as_secs_f64();
        if quiet {
            out.quiet_secs += secs;
            out.quiet_cpu += cpu2 - cpu;
            measure::add_wakeups(&mut out.quiet_wakeups, &woken, &woken2);
        } else {
            out.busy_secs += secs;
            out.busy_cpu += cpu2 - cpu;
        }
        (at, cpu, woken) = (now, cpu2, woken2);
        match event {
            Err(_) => break,
            Ok(Ok(SchedulerEvent::Started { .. })) => out.runs += 1,
            Ok(Ok(SchedulerEvent::Idle { .. })) if quiet => out.quiet_loops += 1,
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => bail!("missed {n} scheduler events"),
            Ok(Err(e)) => bail!("scheduler events ended: {e}"),
            Ok(Ok(_)) => {}
        }
        quiet = handle.running().is_empty();
    }
    Ok(out)
}

impl Idle {
    fn print(&self, length: Duration) {
        let woken: u64 = self.quiet_wakeups.values().sum();
        let per_sec = |n: f64| n / self.quiet_secs.max(1e-9);
        println!(
            "idle: {} s with the scheduler running; no sync running for {:.1} s of them: CPU {:.3} s ({:.2} ms/s), {} thread wake-ups ({:.1}/s), {} scheduler loop wake-ups",
            length.as_secs(),
            self.quiet_secs,
            self.quiet_cpu,
            per_sec(self.quiet_cpu * 1000.0),
            woken,
            per_sec(woken as f64),
            self.quiet_loops
        );
        let mut by_thread: Vec<(&String, &u64)> =
            self.quiet_wakeups.iter().filter(|(_, n)| **n > 0).collect();
        by_thread.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = by_thread
            .iter()
            .take(6)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        println!(
            "idle: wake-ups with no sync running, by thread: {}",
            top.join(", ")
        );
        println!(
            "idle: syncs that came due meanwhile: {} runs, {:.1} s with one or more running, CPU {:.1} s",
            self.runs, self.busy_secs, self.busy_cpu
        );
    }
}

/// The median time of `n` calls of `f`, in ms.
async fn median_ms<F: Future<Output = Result<T>>, T>(n: usize, f: impl Fn() -> F) -> Result<f64> {
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        took.push(t.elapsed());
    }
    took.sort();
    Ok(percentile(&took, 50.0))
}

async fn run(opts: Options, throttling: Arc<Throttling>) -> Result<()> {
    let setup = Instant::now();
    let mut host = HostProcess::start(&opts)?;
    println!(
        "setup: {} companies x {} people x {} tools, sandbox host ready in {:.1} s",
        opts.companies,
        opts.people,
        PROVIDERS.len(),
        setup.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let first = host
        .companies
        .first()
        .ok_or_else(|| anyhow!("no companies"))?;
    let app = App::init(
        &data,
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        &first.name,
        Arc::new(SystemClock),
    )
    .await?;
    // Nothing runs until every company is connected.
    app.pause_schedule(ScheduleTarget::All).await?;
    let mut provider_of: HashMap<ConnectionId, String> = HashMap::new();
    let mut connections = Vec::new();
    let mut companies = Vec::new();
    for (i, hosted) in host.companies.iter().enumerate() {
        let company = if i == 0 {
            app.company(None).await?
        } else {
            app.add_company(&hosted.name).await?
        };
        for account in &hosted.accounts {
            let (connection, _) = app
                .connect(&company, account.input()?, &SandboxSignIn)
                .await
                .with_context(|| format!("connecting {} to {}", account.provider, hosted.name))?;
            provider_of.insert(connection.id, account.provider.clone());
            connections.push((company.id, connection.id));
        }
        companies.push(company.id);
    }
    println!(
        "setup: store created and {} connections made in {:.1} s",
        provider_of.len(),
        setup.elapsed().as_secs_f64()
    );
    let probed = *companies
        .get(companies.len() / 2)
        .ok_or_else(|| anyhow!("no companies"))?;

    let handle = app.start_background_scheduler();
    let mut events = handle.subscribe();
    measure::reset_peak();
    let rss0 = status_mb("VmRSS:");
    let first = round(
        &app,
        &handle,
        &mut events,
        provider_of.len(),
        probed,
        opts.probe_every,
        async { Ok(app.resume_schedule(ScheduleTarget::All).await?) },
    )
    .await?;
    let peak = measure::peak_rss_mb();
    first.print("round 1", &provider_of, opts.probe_every);
    // In step: each connection's first run started within its interval of the round's start.
    let mut worst = 0.0f64;
    for company in &companies {
        for s in app.schedules(*company).await?.connections {
            let started = first
                .runs
                .get(&s.connection_id)
                .and_then(|r| r.started)
                .unwrap_or(first.took);
            worst = worst.max(started.as_secs_f64() / s.interval_seconds.max(1) as f64);
        }
    }
    println!(
        "in step: {} (the latest first run started after {:.0}% of its connection's interval)",
        if worst <= 1.0 { "yes" } else { "no" },
        worst * 100.0
    );
    println!("memory: peak RSS {peak:.1} MiB while syncing (RSS {rss0:.1} MiB when it started)");
    println!(
        "throttled: {} 429s retried after their Retry-After (waited {:.1} s in all, at most {:.1} s), {} gave up",
        throttling.retried.load(Ordering::Relaxed),
        throttling.waited_ms.load(Ordering::Relaxed) as f64 / 1000.0,
        throttling.max_wait_ms.load(Ordering::Relaxed) as f64 / 1000.0,
        throttling.gave_up.load(Ordering::Relaxed)
    );
    for r in host.report()? {
        println!(
            "requests: {:<8} {} in all; at most {} to one account within {} s (limit {} per {} s)",
            r.provider, r.total, r.max_in_window, r.window_secs, r.limit, r.window_secs
        );
    }

    // Idle: the scheduler keeps running; Harvest's 5-minute syncs keep coming due, so the
    // idle figures are those of the stretches with no sync running.
    idle(&handle, &mut events, opts.idle)
        .await?
        .print(opts.idle);
    println!(
        "ipc idle: median of 20: dashboard {:.1} ms = the company's status {:.1} ms + connection cards {:.1} ms",
        median_ms(20, || dashboard(&app, probed)).await?,
        median_ms(20, || async { Ok(app.company_status(probed).await?) }).await?,
        median_ms(20, || async { Ok(app.connection_overviews(probed).await?) }).await?,
    );

    for n in 2..=opts.rounds {
        let again = round(
            &app,
            &handle,
            &mut events,
            provider_of.len(),
            probed,
            opts.probe_every,
            async {
                for (company, connection) in &connections {
                    app.sync_now(*company, *connection).await?;
                }
                Ok(())
            },
        )
        .await?;
        again.print(
            &format!("round {n} (sync now, incremental)"),
            &provider_of,
            opts.probe_every,
        );
    }
    handle.shutdown().await;

    let mut conn = app.store().pool().acquire().await?;
    let records: i64 = sqlx::query_scalar("SELECT count(*) FROM records")
        .fetch_one(&mut *conn)
        .await?;
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM record_versions")
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);
    app.close().await;
    println!(
        "store: {:.1} MB on disk after closing, {} records, {} versions",
        dir_bytes(&data) as f64 / 1e6,
        records,
        versions
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let opts = Options::parse(&args)?;
    if let Some(i) = args.iter().position(|a| a == "--host") {
        let n = args
            .get(i + 1)
            .ok_or_else(|| anyhow!("--host needs a count"))?
            .parse()?;
        let rt = tokio::runtime::Runtime::new()?;
        return rt.block_on(host(n, opts.people, opts.time_entries));
    }
    let throttling = Arc::new(Throttling::default());
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("maestro_http", tracing::Level::DEBUG);
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(ThrottleLayer(throttling.clone()).with_filter(filter)),
    )?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(opts, throttling))
}
