//! Load test of the local API on loopback: seeds 1,000 people (the sandbox's BambooHR, synced
//! through the real engine), then lists all of them over REST (`page[size]=1000`) and over
//! GraphQL (`employees(first: 1000)`) with a few concurrent clients, bounded in both time and
//! request count, and prints requests/second and p50/p99 latency for each.
//!
//! `REST` serves every attribute; `REST/5f` asks for the same five fields as the GraphQL query
//! (a sparse fieldset).
//!
//! With `--time-entries N`, it then syncs N Harvest time entries and times one sorted page of
//! 50 of them, with the memory that page added at its peak.
//!
//! With `--ws-events N`, it syncs N Harvest time entries while one WebSocket client reads
//! every event (events/s, checked complete and in order) and another stops reading (it must be
//! closed as too slow), with the memory the sync added at its peak.
//!
//! Latency runs from sending a request to having read its whole body and counted the resources
//! in it (the body is parsed, without building a JSON tree of it).
//!
//! Usage: `gateway-bench [--employees N] [--requests N] [--seconds S] [--concurrency C]
//! [--time-entries N] [--ws-events N]`.

#[path = "gateway_bench/ws.rs"]
mod ws;

use std::sync::Arc;
use std::time::{Duration, Instant};

use maestro_app::App;
use maestro_core::clock::SystemClock;
use maestro_core::model::EntityKind;
use maestro_gateway::{Gateway, GatewayConfig};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::companies::Company;
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;
use tokio::sync::Mutex;

struct Args {
    employees: usize,
    requests: usize,
    seconds: u64,
    concurrency: usize,
    /// Time entries synced for the sorted-page figure (0: not measured).
    time_entries: usize,
    /// Time entries whose sync is watched over the WebSocket (0: not measured).
    ws_events: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        employees: 1000,
        requests: 200,
        seconds: 30,
        concurrency: 4,
        time_entries: 0,
        ws_events: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("{flag} takes a number, not '{value}'"))?;
        match flag.as_str() {
            "--employees" => a.employees = n,
            "--requests" => a.requests = n,
            "--seconds" => a.seconds = n as u64,
            "--concurrency" => a.concurrency = n.max(1),
            "--time-entries" => a.time_entries = n,
            "--ws-events" => a.ws_events = n,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

struct Figures {
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    records: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `call` from `concurrency` workers until `max` requests or `limit` time.
async fn load<F, Fut>(
    concurrency: usize,
    max: usize,
    limit: Duration,
    call: F,
) -> Result<Figures, String>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<usize, String>> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(max)));
    let records = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (call, issued, latencies, records) = (
            call.clone(),
            issued.clone(),
            latencies.clone(),
            records.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                if started.elapsed() >= limit
                    || issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= max
                {
                    return Ok::<(), String>(());
                }
                let t = Instant::now();
                let n = call().await?;
                latencies.lock().await.push(t.elapsed());
                records.store(n, std::sync::atomic::Ordering::SeqCst);
            }
        }));
    }
    for w in workers {
        w.await.map_err(|e| e.to_string())??;
    }
    let elapsed = started.elapsed();
    let mut l = latencies.lock().await.clone();
    l.sort();
    Ok(Figures {
        requests: l.len(),
        elapsed,
        p50: percentile(&l, 50.0),
        p99: percentile(&l, 99.0),
        records: records.load(std::sync::atomic::Ordering::SeqCst),
    })
}

fn report(name: &str, f: &Figures) {
    println!(
        "{name:<8} {:>5} requests in {:>6.2} s  {:>7.1} req/s  p50 {:>7.1} ms  p99 {:>7.1} ms  ({} people per response)",
        f.requests,
        f.elapsed.as_secs_f64(),
        f.requests as f64 / f.elapsed.as_secs_f64().max(1e-9),
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.records,
    );
}

fn main() {
    // The allocator as the desktop app that hosts the API sets it, before any thread starts.
    maestro_malloc::tune();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|runtime| runtime.block_on(run()));
    if let Err(e) = outcome {
        eprintln!("gateway-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let a = args()?;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let dir = tempfile::tempdir().map_err(|e| err(&e))?;
    let sandbox = Sandbox::start(SandboxConfig {
        employees: a.employees,
        time_entries: Some(a.time_entries.max(a.ws_events).max(10)),
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| err(&e))?;
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bench Bakery",
        Arc::new(SystemClock),
    )
    .await
    .map_err(|e| err(&e))?;
    let company = app.company(None).await.map_err(|e| err(&e))?;
    let seed = Instant::now();
    let bamboo = app
        .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
        .await
        .map_err(|e| err(&e))?;
    app.sync_connection(
        company.id,
        bamboo.id,
        Some(EntityKind::Employee),
        Mode::Full,
    )
    .await
    .map_err(|e| err(&e))?;
    println!(
        "seeded {} people through a BambooHR sync in {:.1} s",
        a.employees,
        seed.elapsed().as_secs_f64()
    );
    let key = bench_key(&app, &company, "bench", &["employees:read"]).await?;
    let gateway = Gateway::start(app.clone(), GatewayConfig::loopback_ephemeral())
        .await
        .map_err(|e| err(&e))?;
    let http = reqwest::Client::new();
    let limit = Duration::from_secs(a.seconds);
    println!(
        "listing all {} people; {} clients, at most {} requests or {} s per API",
        a.employees, a.concurrency, a.requests, a.seconds
    );

    /// One JSON:API list request; the number of resources it returned.
    async fn rest_list(h: reqwest::Client, k: String, url: String) -> Result<usize, String> {
        let resp = h
            .get(url)
            .bearer_auth(k)
            .header("accept", "application/vnd.api+json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("REST answered {}", resp.status()));
        }
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        let doc: Listed = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(doc.data.len())
    }

    let rest_url = format!("{}/api/v1/employees?page[size]=1000", gateway.base_url());
    let sparse_url = format!(
        "{rest_url}&fields[employees]=first_name,last_name,work_email,employment_status,start_date"
    );
    let (h, k) = (http.clone(), key.clone());
    let rest = load(a.concurrency, a.requests, limit, move || {
        let (h, k, url) = (h.clone(), k.clone(), rest_url.clone());
        rest_list(h, k, url)
    })
    .await?;
    report("REST", &rest);

    let (h, k) = (http.clone(), key.clone());
    let sparse = load(a.concurrency, a.requests, limit, move || {
        let (h, k, url) = (h.clone(), k.clone(), sparse_url.clone());
        rest_list(h, k, url)
    })
    .await?;
    report("REST/5f", &sparse);

    let gql_url = format!("{}/graphql", gateway.base_url());
    let mut counts = vec![("REST", rest.records), ("REST/5f", sparse.records)];
    for (name, fields) in [
        (
            "GraphQL",
            "id firstName lastName workEmail employmentStatus startDate",
        ),
        ("GQL/all", "id attributes"),
    ] {
        let query = serde_json::json!({
            "query": format!("{{ employees(first: 1000) {{ nodes {{ {fields} }} }} }}")
        });
        let (h, k, url) = (http.clone(), key.clone(), gql_url.clone());
        let gql = load(a.concurrency, a.requests, limit, move || {
            let (h, k, url, q) = (h.clone(), k.clone(), url.clone(), query.clone());
            graphql_list(h, k, url, q)
        })
        .await?;
        report(name, &gql);
        counts.push((name, gql.records));
    }
    let expected = a.employees.min(1000);
    if counts.iter().any(|(_, n)| *n != expected) {
        return Err(format!(
            "expected {expected} people per response, got {counts:?}"
        ));
    }
    client_parse_cost(
        &http,
        &key,
        &format!("{}/api/v1/employees?page[size]=1000", gateway.base_url()),
    )
    .await?;
    if a.ws_events > 0 {
        ws::events(&app, &company, &sandbox, &gateway, a.ws_events).await?;
    }
    if a.time_entries > 0 {
        sorted_page(
            &app,
            &company,
            &sandbox,
            &gateway,
            a.time_entries,
            a.ws_events == 0,
        )
        .await?;
    }
    gateway.shutdown().await;
    sandbox.shutdown().await;
    Ok(())
}

/// What a list response is counted by: its resources, each parsed and skipped.
#[derive(serde::Deserialize)]
struct Listed {
    data: Vec<serde::de::IgnoredAny>,
}

/// What a GraphQL list response is counted by.
#[derive(serde::Deserialize)]
struct GraphqlListed {
    data: Option<GraphqlEmployees>,
    errors: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct GraphqlEmployees {
    employees: Listed2,
}

#[derive(serde::Deserialize)]
struct Listed2 {
    nodes: Vec<serde::de::IgnoredAny>,
}

/// One GraphQL list request; the number of people it returned.
async fn graphql_list(
    h: reqwest::Client,
    k: String,
    url: String,
    q: serde_json::Value,
) -> Result<usize, String> {
    let resp = h
        .post(url)
        .bearer_auth(k)
        .json(&q)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    let doc: GraphqlListed = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    if let Some(e) = doc.errors {
        return Err(format!("GraphQL answered {e}"));
    }
    Ok(doc.data.map_or(0, |d| d.employees.nodes.len()))
}

/// Prints the size of one REST response and what building a JSON tree of it would add to a
/// client (earlier versions of this bench did that inside the timed request).
async fn client_parse_cost(http: &reqwest::Client, key: &str, url: &str) -> Result<(), String> {
    let body = http
        .get(url)
        .bearer_auth(key)
        .header("accept", "application/vnd.api+json")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let tree: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let took = started.elapsed();
    drop(tree);
    println!(
        "REST response {:.0} KiB; a client building a JSON tree of it spends {:.1} ms more (not in the figures above)",
        body.len() as f64 / 1024.0,
        took.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// A new API key with `scopes` and a rate limit the bench never reaches; its secret.
pub(crate) async fn bench_key(
    app: &App,
    company: &Company,
    name: &str,
    scopes: &[&str],
) -> Result<String, String> {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    Ok(
        maestro_gateway::create_key(app, company.id, name, &scopes, Some(1_000_000))
            .await
            .map_err(|e| e.to_string())?
            .secret
            .expose()
            .clone(),
    )
}

/// Resident memory of this process in MiB (`field` of /proc/self/status: VmRSS, VmHWM).
pub(crate) fn rss_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Two requests over `n` time entries synced from Harvest (synced here unless `sync` is false:
/// the WebSocket figure synced them), each with its time and the memory
/// it added at its peak: 50 people with their entries included, and a sorted page of 50 (the
/// whole type is read to sort it).
async fn sorted_page(
    app: &App,
    company: &Company,
    sandbox: &Sandbox,
    gateway: &maestro_gateway::RunningGateway,
    n: usize,
    sync: bool,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    if sync {
        let harvest = app
            .connect_sandbox_provider(company, sandbox, Provider::Harvest)
            .await
            .map_err(|e| err(&e))?;
        for entity in [EntityKind::Employee, EntityKind::TimeEntry] {
            app.sync_connection(company.id, harvest.id, Some(entity), Mode::Full)
                .await
                .map_err(|e| err(&e))?;
        }
    }
    let key = bench_key(
        app,
        company,
        "bench-entries",
        &["time_entries:read", "employees:read"],
    )
    .await?;
    let base = gateway.base_url();
    for (what, path, key_of_count) in [
        (
            format!("50 Harvest people with their time entries included, out of {n}"),
            "/api/v1/employees?filter[provider]=harvest&include=time_entries&page[size]=50",
            "included",
        ),
        (
            format!("sorted page of 50 out of {n} time entries"),
            "/api/v1/time_entries?sort=-work_date,hours&page[size]=50",
            "data",
        ),
    ] {
        // What earlier requests freed goes back to the system first; Linux then resets the
        // peak (VmHWM) on writing 5 to clear_refs.
        maestro_malloc::release_free_memory();
        std::fs::write("/proc/self/clear_refs", "5").map_err(|e| err(&e))?;
        let before = rss_mib("VmRSS:");
        let started = Instant::now();
        let resp = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(&key)
            .header("accept", "application/vnd.api+json")
            .send()
            .await
            .map_err(|e| err(&e))?;
        if !resp.status().is_success() {
            return Err(format!("{what}: answered {}", resp.status()));
        }
        let doc: serde_json::Value = resp.json().await.map_err(|e| err(&e))?;
        let took = started.elapsed();
        let got = doc[key_of_count].as_array().map_or(0, Vec::len);
        if got == 0 {
            return Err(format!("{what}: nothing in {key_of_count}"));
        }
        println!(
            "{what}: {:.0} ms, {:.1} MiB added at its peak ({got} in {key_of_count})",
            took.as_secs_f64() * 1000.0,
            rss_mib("VmHWM:") - before
        );
    }
    Ok(())
}
