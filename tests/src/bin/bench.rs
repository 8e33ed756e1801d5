//! The benchmark runner: full and incremental sync throughput against the sandbox on loopback,
//! compared with the raw fetch limit of the same sandbox, plus store figures. Prints a table.
//!
//! `bench [--sizes 1000,10000,100000] [--employee-sizes 1000] [--employee-providers bamboohr,gusto,harvest] [--sandbox-bin PATH]`. Each size runs in a fresh child
//! process (so its peak memory is its own); the sandbox runs in yet another process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use maestro_app::{App, ConnectInput};
use maestro_core::clock::SystemClock;
use maestro_core::model::EntityKind;
use maestro_http::{ClientOptions, build_client};
use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::{Mode, SyncEvent};
use maestro_tests::measure::{cpu_secs, peak_rss_mb, status_mb as rss_mb};
use serde::{Deserialize, Serialize};

#[path = "bench/history.rs"]
mod history;
#[path = "bench/people_sync.rs"]
mod people_sync;
#[path = "bench/roster.rs"]
mod roster;
#[path = "bench/store_size.rs"]
mod store_size;

/// A new encrypted store in a temporary folder (kept alive by the returned guard), with its
/// first company.
async fn fresh_app() -> Result<(tempfile::TempDir, App, maestro_store::companies::Company)> {
    let dir = tempfile::tempdir()?;
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bench",
        Arc::new(SystemClock),
    )
    .await?;
    let company = app.company(None).await?;
    Ok((dir, app, company))
}

/// A full sync of `entity`, with its wall time and the process's CPU seconds. Peak memory
/// from its start on is the sync's own: writing 5 to `clear_refs` resets VmHWM to the current
/// RSS.
async fn measured_full_sync(
    app: &App,
    company: maestro_core::ids::CompanyId,
    connection: maestro_core::ids::ConnectionId,
    entity: EntityKind,
) -> Result<(Vec<maestro_app::sync::EntityOutcome>, Duration, f64)> {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let cpu0 = cpu_secs();
    let started = Instant::now();
    let out = app
        .sync_connection(company, connection, Some(entity), Mode::Full)
        .await?;
    Ok((out, started.elapsed(), cpu_secs() - cpu0))
}

/// One size's figures.
#[derive(Debug, Serialize, Deserialize)]
struct Figures {
    n: usize,
    requests: u64,
    raw_secs: f64,
    sync_secs: f64,
    cpu_secs: f64,
    peak_rss_mb: f64,
    incremental_ms: f64,
    /// Seconds a full run took to version all N entries, changed at once.
    all_changed_secs: f64,
    store_insert_per_sec: f64,
    as_of_ms: f64,
    /// The unified roster (`App::people`) over the N stored entries, whose hours it sums.
    roster_ms: f64,
    /// Resident memory the roster query added at its peak.
    roster_added_mb: f64,
    /// The store right after the full sync, by part.
    #[serde(default)]
    store: store_size::StoreSize,
}

struct SandboxProcess {
    child: Child,
    /// Kept open: a closed pipe would make the sandbox's next print fail.
    _stdout: BufReader<std::process::ChildStdout>,
    harvest: String,
    bamboohr: String,
    gusto: String,
    creds: serde_json::Value,
    token: String,
    account: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sandbox(bin: &PathBuf, n: usize) -> Result<SandboxProcess> {
    start_sandbox_with(bin, &["--time-entries", &n.to_string()])
}

/// Starts the sandbox process with `args` (plus a fixed seed and no emulated rate limits:
/// the raw fetch and the sync share one token, and Harvest's 100 requests per 15 s would
/// stall whichever runs second).
fn start_sandbox_with(bin: &PathBuf, args: &[&str]) -> Result<SandboxProcess> {
    let mut child = Command::new(bin)
        .args(args)
        .args(["--seed", "11", "--no-rate-limits"])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let out = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no sandbox stdout"))?;
    let mut harvest = None;
    let mut bamboohr = None;
    let mut gusto = None;
    let mut json = String::new();
    let mut in_json = false;
    let mut reader = BufReader::new(out);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            bail!("the sandbox exited before it was ready");
        }
        let line = line.trim_end().to_owned();
        if line.starts_with("press Ctrl-C") {
            break;
        }
        if line.starts_with("control:") {
            continue;
        }
        if in_json {
            json.push_str(&line);
        } else if line == "credentials:" {
            in_json = true;
        } else {
            let url = line.split_whitespace().last().map(str::to_owned);
            let name = line.to_ascii_lowercase();
            if name.starts_with("harvest") {
                harvest = url;
            } else if name.starts_with("bamboohr") {
                bamboohr = url;
            } else if name.starts_with("gusto") {
                gusto = url;
            }
        }
    }
    let creds: serde_json::Value = serde_json::from_str(&json).context("sandbox credentials")?;
    Ok(SandboxProcess {
        child,
        _stdout: reader,
        harvest: harvest.ok_or_else(|| anyhow!("no Harvest URL printed"))?,
        bamboohr: bamboohr.ok_or_else(|| anyhow!("no BambooHR URL printed"))?,
        gusto: gusto.ok_or_else(|| anyhow!("no Gusto URL printed"))?,
        token: creds["harvest"]["personal_access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        account: creds["harvest"]["account_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        creds,
    })
}

/// Fetches every page the way the connector does, discarding bodies: the ceiling for sync.
async fn raw_fetch(sb: &SandboxProcess) -> Result<(Duration, u64)> {
    let client = build_client(&ClientOptions {
        tls13_only: false,
        ..ClientOptions::default()
    })?;
    let mut url = format!("{}/v2/time_entries?per_page=2000", sb.harvest);
    let started = Instant::now();
    let mut requests = 0;
    loop {
        let body = client
            .get(&url)
            .bearer_auth(&sb.token)
            .header("Harvest-Account-Id", &sb.account)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        requests += 1;
        // Only the next link is read; the entries are skipped, not built.
        let page: RawPage = serde_json::from_slice(&body)?;
        match page.links.next {
            Some(next) => url = next,
            None => return Ok((started.elapsed(), requests)),
        }
    }
}

/// The part of a Harvest list page the raw fetch reads.
#[derive(Deserialize)]
struct RawPage {
    links: RawLinks,
}

#[derive(Deserialize)]
struct RawLinks {
    next: Option<String>,
}

async fn child(n: usize, sandbox_bin: PathBuf) -> Result<Figures> {
    let sb = start_sandbox(&sandbox_bin, n)?;
    // `BENCH_NO_RAW=1` skips the raw fetch, so the sync's memory is measured in a process
    // that has done nothing else (profiling only).
    let (raw, requests) = if std::env::var_os("BENCH_NO_RAW").is_some() {
        (Duration::ZERO, 0)
    } else {
        raw_fetch(&sb).await?
    };

    let (dir, app, company) = fresh_app().await?;
    let values = [
        ("account_id", sb.account.as_str()),
        ("access_token", sb.token.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let (conn, _) = app
        .connect(
            &company,
            ConnectInput {
                provider: "harvest".into(),
                values,
                base_url: Some(sb.harvest.parse()?),
                ..ConnectInput::default()
            },
            &maestro_app::demo::SandboxSignIn,
        )
        .await?;
    let rss_before = rss_mb("VmRSS:");
    let io0 = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let (out, sync, cpu) =
        measured_full_sync(&app, company.id, conn.id, EntityKind::TimeEntry).await?;
    let stored = out[0].summary.map(|s| s.created).unwrap_or(0);
    if stored != n as u64 {
        bail!("stored {stored} of {n} entries: {:?}", out[0].error);
    }
    let peak = peak_rss_mb();
    // Profiling the sync alone: `BENCH_SYNC_ONLY=1 perf record … bench --child N`.
    if std::env::var_os("BENCH_SYNC_ONLY").is_some() {
        eprintln!(
            "sync {sync:?}, cpu {cpu:.2} s, peak {peak:.1} MiB, before the sync {rss_before:.1} MiB"
        );
        eprintln!(
            "  io before: {}\n  io after: {}",
            io0.replace('\n', " "),
            std::fs::read_to_string("/proc/self/io")
                .unwrap_or_default()
                .replace('\n', " ")
        );
        let wal: u64 = std::fs::read_dir(dir.path().join("data"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with("-wal"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        eprintln!(
            "  write-ahead log after the sync: {:.1} MB",
            wal as f64 / 1e6
        );
        let mut c = app.store().pool().acquire().await?;
        let tables = sqlx::query_as::<_, (String, i64)>(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap_or_default();
        let sizes = sqlx::query_as::<_, (f64, f64, String)>(
            "SELECT avg(length(data)), avg(length(raw)), typeof(raw) FROM record_versions",
        )
        .fetch_one(&mut *c)
        .await?;
        eprintln!("  version columns: {sizes:?}");
        for (name, bytes) in tables.iter().take(14) {
            eprintln!("  {name}: {:.1} MB", *bytes as f64 / 1e6);
        }
        drop(sb);
        drop(c);
        drop(app);
        // exit() skips destructors: remove the store (hundreds of MB at 100,000) first.
        drop(dir);
        std::process::exit(0);
    }

    if std::env::var_os("BENCH_ROSTER_ONLY").is_some() {
        roster::sync_people(&app, company.id, conn.id).await?;
        roster::only_roster(&app, company.id, n).await?;
        app.close().await;
        drop(sb);
        drop(dir);
        std::process::exit(0);
    }
    let store = store_size::measure(&mut *app.store().pool().acquire().await?).await?;

    // The roster sums every entry's hours per person (the Harvest users, synced now).
    roster::sync_people(&app, company.id, conn.id).await?;
    let roster = roster::measure(&app, company.id).await?;

    // Point-in-time read of everything, as of now.
    let t = Instant::now();
    let mut c = app.store().pool().acquire().await?;
    let rows = maestro_store::records::as_of(
        &mut c,
        company.id,
        Some(EntityKind::TimeEntry),
        chrono::Utc::now(),
    )
    .await?;
    let as_of = t.elapsed();
    drop(c);
    if rows.len() != n {
        bail!("point-in-time read returned {} of {n}", rows.len());
    }
    app.close().await;
    Ok(Figures {
        n,
        requests,
        raw_secs: raw.as_secs_f64(),
        sync_secs: sync.as_secs_f64(),
        cpu_secs: cpu,
        peak_rss_mb: peak,
        incremental_ms: incremental_latency(n.min(10_000)).await?,
        all_changed_secs: version_all(n).await?,
        store_insert_per_sec: stored as f64 / sync.as_secs_f64(),
        as_of_ms: as_of.as_secs_f64() * 1000.0,
        roster_ms: roster.ms,
        roster_added_mb: roster.added_mb,
        store,
    })
}

/// Figures of one employee sync (BambooHR or Gusto).
#[derive(Debug, Serialize, Deserialize)]
struct EmployeeFigures {
    provider: String,
    n: usize,
    requests: u64,
    sync_secs: f64,
    cpu_secs: f64,
    peak_rss_mb: f64,
    roster_ms: f64,
    people: usize,
    /// With `BENCH_PHASES=1`, the steps after the pages, each measured on its own.
    #[serde(default)]
    phases: Vec<people_sync::Phase>,
}

/// How many requests the sandbox's `provider` server has answered.
async fn request_count(base: &str) -> Result<u64> {
    let stats: serde_json::Value = reqwest::get(format!("{base}/_sandbox/stats"))
        .await?
        .json()
        .await?;
    Ok(stats["request_count"].as_u64().unwrap_or(0))
}

/// Full sync of N employees from one provider into a new encrypted store, then the unified
/// roster query over them.
async fn employees_child(
    n: usize,
    provider: &str,
    sandbox_bin: PathBuf,
) -> Result<EmployeeFigures> {
    let args = people_sync::sandbox_args(n, provider);
    let sb = start_sandbox_with(
        &sandbox_bin,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    let (_dir, app, company) = fresh_app().await?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let (input, base) = match provider {
        "bamboohr" => (
            ConnectInput {
                provider: "bamboohr".into(),
                values: [
                    (
                        "subdomain".to_owned(),
                        text(&sb.creds["bamboohr"]["company_domain"]),
                    ),
                    ("api_key".to_owned(), text(&sb.creds["bamboohr"]["api_key"])),
                ]
                .into_iter()
                .collect(),
                base_url: Some(sb.bamboohr.parse()?),
                ..ConnectInput::default()
            },
            sb.bamboohr.clone(),
        ),
        "gusto" => (
            ConnectInput {
                provider: "gusto".into(),
                values: [(
                    "company_uuid".to_owned(),
                    text(&sb.creds["gusto"]["company_uuid"]),
                )]
                .into_iter()
                .collect(),
                base_url: Some(sb.gusto.parse()?),
                oauth_client: Some((
                    text(&sb.creds["gusto"]["client_id"]),
                    Some(text(&sb.creds["gusto"]["client_secret"])),
                )),
                ..ConnectInput::default()
            },
            sb.gusto.clone(),
        ),
        "harvest" => (
            people_sync::harvest_input(&sb.harvest, &sb.account, &sb.token)?,
            sb.harvest.clone(),
        ),
        other => bail!("no employee bench for {other}"),
    };
    let (conn, _) = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await?;
    let requests0 = request_count(&base).await?;
    let trace = people_sync::RssTrace::start(&app);
    let (out, sync, cpu) =
        measured_full_sync(&app, company.id, conn.id, EntityKind::Employee).await?;
    let peak = peak_rss_mb();
    let mut phases = match trace {
        Some(t) => t.finish().await,
        None => Vec::new(),
    };
    // The sandbox does not count its own `/_sandbox/stats` requests.
    let requests = request_count(&base).await?.saturating_sub(requests0);
    let stored = out[0].summary.map(|s| s.created).unwrap_or(0);
    if stored < n as u64 {
        bail!("stored {stored} of {n} employees: {:?}", out[0].error);
    }
    let t = Instant::now();
    let people = app.people(company.id).await?.len();
    let roster = t.elapsed();
    phases.extend(people_sync::phases(&app, company.id).await?);
    app.close().await;
    Ok(EmployeeFigures {
        provider: provider.to_owned(),
        n,
        requests,
        sync_secs: sync.as_secs_f64(),
        cpu_secs: cpu,
        peak_rss_mb: peak,
        roster_ms: roster.as_secs_f64() * 1000.0,
        people,
        phases,
    })
}

/// An in-process sandbox with `n` Harvest time entries, synced in full into a new store.
struct SyncedHarvest {
    /// Seconds its first full sync took (every entry new).
    first_sync_secs: f64,
    sandbox: Sandbox,
    _dir: tempfile::TempDir,
    app: App,
    company: maestro_core::ids::CompanyId,
    harvest: maestro_core::ids::ConnectionId,
}

impl SyncedHarvest {
    async fn new(n: usize) -> Result<Self> {
        let sandbox = Sandbox::start(SandboxConfig {
            time_entries: Some(n),
            ..SandboxConfig::default()
        })
        .await?;
        let (dir, app, company) = fresh_app().await?;
        let conns = app.connect_sandbox(&company, &sandbox).await?;
        let harvest = conns
            .iter()
            .find(|c| c.provider == "harvest")
            .ok_or_else(|| anyhow!("no harvest"))?
            .id;
        let mut synced = Self {
            first_sync_secs: 0.0,
            sandbox,
            _dir: dir,
            app,
            company: company.id,
            harvest,
        };
        let started = Instant::now();
        synced.sync(Mode::Full).await?;
        synced.first_sync_secs = started.elapsed().as_secs_f64();
        Ok(synced)
    }

    /// A run of the time entries; the entries it versioned.
    async fn sync(&self, mode: Mode) -> Result<u64> {
        let out = self
            .app
            .sync_connection(
                self.company,
                self.harvest,
                Some(EntityKind::TimeEntry),
                mode,
            )
            .await?;
        Ok(out
            .first()
            .and_then(|o| o.summary.as_ref())
            .map(|s| s.updated)
            .unwrap_or(0))
    }

    /// Changes the hours of the first `count` entries at the provider.
    fn change_entries(&self, count: usize) -> Result<()> {
        let ids = self
            .sandbox
            .harvest_time_entries(0, count)
            .iter()
            .map(|e| e["id"].as_u64().ok_or_else(|| anyhow!("entry without id")))
            .collect::<Result<Vec<_>>>()?;
        self.sandbox
            .set_time_entries_hours(&ids, rust_decimal::Decimal::new(1234, 2))?;
        Ok(())
    }
}

/// Time from the start of an incremental run until one changed entry is stored and announced.
async fn incremental_latency(n: usize) -> Result<f64> {
    let h = SyncedHarvest::new(n).await?;
    h.change_entries(1)?;
    let mut events = h.app.sync_events();
    let started = Instant::now();
    let waiter = tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if matches!(e, SyncEvent::RecordChanged { ref change, .. } if change == "updated") {
                return Some(Instant::now());
            }
        }
        None
    });
    h.sync(Mode::Incremental).await?;
    let announced = waiter.await?.ok_or_else(|| anyhow!("no change event"))?;
    h.sandbox.shutdown().await;
    Ok((announced - started).as_secs_f64() * 1000.0)
}

/// Seconds for a full run after every one of `n` entries changed at the provider (a mass edit
/// there, or a mapping changed by an app update): each becomes a new version.
async fn version_all(n: usize) -> Result<f64> {
    let h = SyncedHarvest::new(n).await?;
    h.change_entries(n)?;
    let started = Instant::now();
    let updated = h.sync(Mode::Full).await?;
    let secs = started.elapsed().as_secs_f64();
    h.sandbox.shutdown().await;
    if updated != n as u64 {
        bail!("{updated} of {n} changed entries were versioned");
    }
    Ok(secs)
}

/// Ends a child run as the app's binaries end: the store's connection threads finish first.
fn end_child(rt: tokio::runtime::Runtime) {
    drop(rt);
    maestro_store::shutdown::wait_for_connection_threads(maestro_store::shutdown::THREAD_EXIT_WAIT);
}

fn main() -> Result<()> {
    // The same allocator tuning as the app's binaries, so the figures are theirs.
    maestro_malloc::tune();
    let args: Vec<String> = std::env::args().collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sandbox_bin = get("--sandbox-bin").map(PathBuf::from).unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("maestro-sandbox")))
            .unwrap_or_default()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let (Some(n), Some(provider)) = (get("--employees-child"), get("--provider")) {
        let figures = rt.block_on(employees_child(n.parse()?, &provider, sandbox_bin))?;
        println!("{}", serde_json::to_string(&figures)?);
        end_child(rt);
        return Ok(());
    }
    if let (Some(n), Some(_)) = (get("--child"), std::env::var_os("BENCH_HISTORY_ONLY")) {
        rt.block_on(history::only_history(n.parse()?))?;
        end_child(rt);
        return Ok(());
    }
    if let Some(n) = get("--child") {
        let figures = rt.block_on(child(n.parse()?, sandbox_bin))?;
        println!("{}", serde_json::to_string(&figures)?);
        end_child(rt);
        return Ok(());
    }
    let sizes: Vec<usize> = get("--sizes")
        .unwrap_or_else(|| "1000,10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let exe = std::env::current_exe()?;
    println!(
        "| time entries | requests | raw fetch (s) | full sync (s) | records/s | share of raw limit | CPU (s) | peak RSS (MiB) | incremental, 1 change (ms) | every entry changed, full run (s) | point-in-time read (ms) | roster over the entries (ms, MiB added) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut store_sizes = Vec::new();
    for n in sizes {
        let out = Command::new(&exe)
            .args(["--child", &n.to_string(), "--sandbox-bin"])
            .arg(&sandbox_bin)
            .output()?;
        if !out.status.success() {
            bail!("size {n} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let line = String::from_utf8_lossy(&out.stdout);
        let f: Figures = serde_json::from_str(line.lines().last().unwrap_or(""))?;
        let raw_rate = f.n as f64 / f.raw_secs;
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.0} | {:.0}% | {:.2} | {:.1} | {:.1} | {:.2} ({} entries) | {:.1} | {:.0} ({:.1}) |",
            f.n,
            f.requests,
            f.raw_secs,
            f.sync_secs,
            f.store_insert_per_sec,
            100.0 * f.store_insert_per_sec / raw_rate,
            f.cpu_secs,
            f.peak_rss_mb,
            f.incremental_ms,
            f.all_changed_secs,
            f.n,
            f.as_of_ms,
            f.roster_ms,
            f.roster_added_mb
        );
        store_sizes.push((f.n, f.store));
    }
    println!();
    store_size::print_table(&store_sizes);
    let employee_sizes: Vec<usize> = get("--employee-sizes")
        .unwrap_or_else(|| "1000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    println!();
    println!(
        "| employees | provider | requests | full sync (s) | records/s | CPU (s) | peak RSS (MiB) | unified roster (ms) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for n in employee_sizes {
        for provider in &people_sync::providers(get("--employee-providers")) {
            let out = Command::new(&exe)
                .args([
                    "--employees-child",
                    &n.to_string(),
                    "--provider",
                    provider.as_str(),
                ])
                .arg("--sandbox-bin")
                .arg(&sandbox_bin)
                .output()?;
            if !out.status.success() {
                bail!(
                    "{provider} employees {n} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let line = String::from_utf8_lossy(&out.stdout);
            let f: EmployeeFigures = serde_json::from_str(line.lines().last().unwrap_or(""))?;
            println!(
                "| {} | {} | {} | {:.2} | {:.0} | {:.2} | {:.1} | {:.1} ({} people) |",
                f.n,
                f.provider,
                f.requests,
                f.sync_secs,
                f.n as f64 / f.sync_secs,
                f.cpu_secs,
                f.peak_rss_mb,
                f.roster_ms,
                f.people
            );
            people_sync::print_phases(provider, f.n, &f.phases);
        }
    }
    Ok(())
}
