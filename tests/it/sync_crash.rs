//! `kill -9` of a syncing process at random moments, many times over, against the sandbox's
//! ground truth: after every kill the store opens intact, holds whole pages only, no record
//! twice and no gap in any record's history; a final uninterrupted run resumes from the
//! checkpoint (reading fewer pages than a full sync) and the store then equals the sandbox
//! exactly. A second round changes some hours at the provider and crashes again, to show new
//! versions chain onto the old ones without gaps.
//!
//! The sandbox runs in this process (it outlives the victim); the victim is `sync-runner`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use maestro_app::{App, ConnectInput};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::oauth::{BrowserOpener, OAuthError};
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use maestro_store::{NewKey, Passphrase};

use crate::victim::Victim;
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::Row;
use url::Url;

/// Passphrase of every store these tests create.
pub(crate) const PASSPHRASE: &str = "sync crash test passphrase, long enough";
/// Harvest's page size (`per_page=2000`).
pub(crate) const PAGE: usize = 2_000;
/// Ten pages: enough room for eight kills that each land within about a page.
const ENTRIES: usize = 20_000;
const KILLS: usize = 8;

/// API-key providers never open a browser.
struct NoBrowser;

impl BrowserOpener for NoBrowser {
    fn open(&self, _url: &Url) -> Result<(), OAuthError> {
        Err(OAuthError::NoRefreshToken {
            provider: "test".into(),
        })
    }
}

/// A sandbox with `entries` Harvest time entries and no rate limits (the tests count requests,
/// and 429s are injected on purpose where wanted).
pub(crate) async fn sandbox(entries: usize) -> Sandbox {
    Sandbox::start(SandboxConfig {
        time_entries: Some(entries),
        rate_limits: PerProvider {
            gusto: None,
            bamboohr: None,
            harvest: None,
            toggl: None,
            clockify: None,
            rippling: None,
            checkr: None,
            goodhire: None,
            zenefits: None,
            justworks: None,
            trinet: None,
            paychex: None,
            // Providers added later: no limit either.
            ..PerProvider::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A new passphrase-protected App in `dir` with one company.
pub(crate) async fn init_app(dir: &Path) -> (App, CompanyId) {
    let app = App::init(
        dir,
        NewKey::Passphrase(Passphrase::new(PASSPHRASE)),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let company = app.company(None).await.unwrap().id;
    (app, company)
}

/// Connects Harvest, BambooHR, Toggl Track or Clockify (API keys) to the sandbox as the wizard
/// does.
pub(crate) async fn connect(app: &App, sandbox: &Sandbox, provider: Provider) -> ConnectionId {
    let c = sandbox.credentials();
    let (id, values) = match provider {
        Provider::Harvest => (
            "harvest",
            [
                ("account_id", c.harvest.account_id),
                ("access_token", c.harvest.personal_access_token),
            ],
        ),
        Provider::BambooHr => (
            "bamboohr",
            [
                ("subdomain", c.bamboohr.company_domain),
                ("api_key", c.bamboohr.api_key),
            ],
        ),
        Provider::Toggl => (
            "toggl",
            [
                ("api_token", c.toggl.api_token),
                ("workspace_id", c.toggl.workspace_id),
            ],
        ),
        Provider::Clockify => (
            "clockify",
            [
                ("api_key", c.clockify.api_key),
                ("workspace_id", c.clockify.workspace_id),
            ],
        ),
        Provider::Gusto => panic!("Gusto needs OAuth; not used here"),
        Provider::Rippling => panic!("Rippling has no time entries; not used here"),
        Provider::Checkr => panic!("Checkr has no time entries; not used here"),
        Provider::GoodHire => panic!("GoodHire has no time entries; not used here"),
        Provider::Zenefits => panic!("Zenefits has no time entries; not used here"),
        Provider::TriNet => panic!("TriNet has no time entries; not used here"),
        Provider::Paychex => panic!("Paychex has no time entries; not used here"),
        Provider::Justworks => panic!("Justworks has no time entries; not used here"),
        Provider::QuickBooks => panic!("QuickBooks signs in with OAuth; not used here"),
        Provider::Adp => panic!("ADP has no time entries; not used here"),
    };
    let company = app.company(None).await.unwrap();
    let (connection, _) = app
        .connect(
            &company,
            ConnectInput {
                provider: id.into(),
                values: values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                base_url: Some(Url::parse(&sandbox.base_url(provider)).unwrap()),
                ..ConnectInput::default()
            },
            &NoBrowser,
        )
        .await
        .unwrap();
    connection.id
}

/// Parses a JSON number or string as an exact decimal (never through f64 arithmetic: the
/// number's own text is parsed).
pub(crate) fn decimal(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        other => panic!("not a decimal: {other}"),
    }
}

/// The sandbox's time entries in API order (newest first): (id, hours).
pub(crate) fn truth_entries(sandbox: &Sandbox) -> Vec<(String, Decimal)> {
    sandbox
        .harvest_time_entries(0, usize::MAX)
        .iter()
        .map(|e| (e["id"].to_string(), decimal(&e["hours"])))
        .collect()
}

/// The store's current (not deleted) time entries of `connection`: remote id → hours.
pub(crate) async fn stored_entries(
    pool: &sqlx::SqlitePool,
    connection: ConnectionId,
) -> BTreeMap<String, Decimal> {
    let rows = sqlx::query(
        "SELECT r.remote_id, v.data FROM records r
         JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.current_version
         WHERE r.connection_id = ?1 AND r.kind = 'time_entry' AND r.deleted = 0",
    )
    .bind(connection.to_string())
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for row in rows {
        let text = maestro_store::packed::unpack(row.get("data"), "data").unwrap();
        let data: Value = serde_json::from_str(&text).unwrap();
        let id: String = row.get("remote_id");
        assert!(
            out.insert(id.clone(), decimal(&data["hours"])).is_none(),
            "time entry {id} is stored twice"
        );
    }
    out
}

/// Asserts the stored time entries are exactly `truth` (ids, hours, count).
pub(crate) fn assert_entries_equal(
    stored: &BTreeMap<String, Decimal>,
    truth: &[(String, Decimal)],
    context: &str,
) {
    let want: BTreeMap<String, Decimal> = truth.iter().cloned().collect();
    assert_eq!(
        want.len(),
        truth.len(),
        "{context}: the sandbox repeats ids"
    );
    let missing: Vec<_> = want.keys().filter(|k| !stored.contains_key(*k)).collect();
    let extra: Vec<_> = stored.keys().filter(|k| !want.contains_key(*k)).collect();
    let wrong: Vec<_> = want
        .iter()
        .filter(|(k, h)| stored.get(*k).is_some_and(|s| s != *h))
        .map(|(k, h)| (k, h, stored[k]))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && wrong.is_empty(),
        "{context}: {} missing (first {:?}), {} unexpected (first {:?}), {} with wrong hours \
         (first {:?})",
        missing.len(),
        missing.first(),
        extra.len(),
        extra.first(),
        wrong.len(),
        wrong.first()
    );
    let total_stored: Decimal = stored.values().sum();
    let total_truth: Decimal = want.values().sum();
    assert_eq!(total_stored, total_truth, "{context}: total hours");
}

/// Integrity, no remote id twice, and every record's history without gaps: versions 1..n
/// (each is current until the next one begins, so a gapless numbering is a gapless history),
/// each beginning no earlier than the one before, and the record's current version and
/// deleted flag matching its last version.
pub(crate) async fn assert_store_sound(app: &App, context: &str) {
    let problems = app.store().integrity_problems().await.unwrap();
    assert!(problems.is_empty(), "{context}: integrity: {problems:?}");
    let pool = app.store().pool();
    let one = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_one(pool)
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    let dup = one("SELECT count(*) FROM (SELECT 1 FROM records
         GROUP BY company_id, connection_id, kind, remote_id HAVING count(*) > 1)")
    .await;
    assert_eq!(dup, 0, "{context}: remote ids stored more than once");
    let numbering = one("SELECT count(*) FROM records r JOIN (
            SELECT record_id, count(*) AS n, min(version) AS lo, max(version) AS hi
            FROM record_versions GROUP BY record_id) v ON v.record_id = r.record_id
         WHERE v.lo != 1 OR v.hi != v.n OR r.current_version != v.hi")
    .await;
    assert_eq!(
        numbering, 0,
        "{context}: records whose versions are not 1..current"
    );
    let orphans = one("SELECT count(*) FROM records r
         WHERE NOT EXISTS (SELECT 1 FROM record_versions v WHERE v.record_id = r.record_id)")
    .await;
    assert_eq!(orphans, 0, "{context}: records without any version");
    let unordered = one(
        "SELECT count(*) FROM record_versions a JOIN record_versions b
           ON b.record_id = a.record_id AND b.version = a.version + 1
         WHERE b.valid_from < a.valid_from",
    )
    .await;
    assert_eq!(
        unordered, 0,
        "{context}: a version begins before the one it supersedes"
    );
    let current_flag = one(
        "SELECT count(*) FROM record_versions v JOIN records r ON r.record_id = v.record_id
         WHERE v.version = r.current_version AND v.deleted != r.deleted",
    )
    .await;
    assert_eq!(
        current_flag, 0,
        "{context}: the current version's deleted flag is not the record's"
    );
}

/// The checkpoint of a stream, as stored JSON (`Value::Null` when none).
pub(crate) async fn checkpoint(app: &App, connection: ConnectionId, entity: &str) -> Value {
    sqlx::query("SELECT cursor FROM checkpoints WHERE connection_id = ?1 AND entity = ?2")
        .bind(connection.to_string())
        .bind(entity)
        .fetch_optional(app.store().pool())
        .await
        .unwrap()
        .map(|r| serde_json::from_str(r.get::<&str, _>("cursor")).unwrap())
        .unwrap_or(Value::Null)
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    sandbox: Sandbox,
    company: CompanyId,
    harvest: ConnectionId,
    bamboo: ConnectionId,
}

async fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let sandbox = sandbox(ENTRIES).await;
    let (app, company) = init_app(&dir).await;
    let harvest = connect(&app, &sandbox, Provider::Harvest).await;
    let bamboo = connect(&app, &sandbox, Provider::BambooHr).await;
    app.close().await;
    Fixture {
        _tmp: tmp,
        dir,
        sandbox,
        company,
        harvest,
        bamboo,
    }
}

async fn open(dir: &Path) -> App {
    App::open(
        dir,
        Some(Passphrase::new(PASSPHRASE)),
        Arc::new(SystemClock),
    )
    .await
    .expect("reopen after kill -9")
}

/// After a kill: the store is sound and holds exactly the first whole pages of the sandbox's
/// listing, each entry once with its hours, and the run's counters agree. Returns the number
/// of entries stored.
async fn check_after_kill(f: &Fixture, truth: &[(String, Decimal)], context: &str) -> usize {
    let app = open(&f.dir).await;
    assert_store_sound(&app, context).await;
    let stored = stored_entries(app.store().pool(), f.harvest).await;
    let n = stored.len();
    assert!(
        n % PAGE == 0 || n == truth.len(),
        "{context}: {n} time entries is not a whole number of pages"
    );
    assert_entries_equal(&stored, &truth[..n], context);

    // The interrupted run's counters were written with its pages.
    let cp = checkpoint(&app, f.harvest, "time_entry").await;
    if let Some(run_id) = cp["in_progress"]["run_id"].as_str() {
        let seen: i64 = sqlx::query("SELECT records_seen FROM sync_runs WHERE id = ?1")
            .bind(run_id)
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            usize::try_from(seen).unwrap(),
            n,
            "{context}: the interrupted run counted {seen} records, the store has {n}"
        );
    }
    app.close().await;
    n
}

/// Kills runners at random moments `kills` times, checking the store after each; returns a
/// line per run for the log.
async fn kill_repeatedly(
    f: &Fixture,
    truth: &[(String, Decimal)],
    kills: usize,
    page_ms: u64,
    round: &str,
) -> Vec<String> {
    let mut rng = rand::rng();
    let mut log = Vec::new();
    let mut stored = {
        let app = open(&f.dir).await;
        let n = stored_entries(app.store().pool(), f.harvest).await.len();
        app.close().await;
        n
    };
    for run in 1..=kills {
        let mut runner = Victim::spawn(
            env!("CARGO_BIN_EXE_sync-runner"),
            &f.dir,
            &[],
            &[("MAESTRO_PASSPHRASE", PASSPHRASE)],
        );
        runner.wait_for("ready").await;
        // A random moment within roughly the next two pages: opening the connector, waiting on
        // the provider, or in the middle of storing a page. Near the end, kill sooner so a run
        // is still in progress for the final resume. Pages after the first come faster than
        // the calibration's (up to three within its two), so "near" is four pages.
        let pages_left = truth.len().div_ceil(PAGE) - stored / PAGE;
        let span = if pages_left > 4 {
            page_ms * 2
        } else {
            page_ms / 3
        };
        let delay = Duration::from_millis(rng.random_range(0..=span));
        tokio::time::sleep(delay).await;
        let lines = runner.kill().await;
        let context = format!("{round} run {run} (killed {delay:?} after ready)");
        let checking = Instant::now();
        let n = check_after_kill(f, truth, &context).await;
        let checked_in = checking.elapsed();
        stored = n;
        let printed_pages = lines
            .iter()
            .filter(|l| l.starts_with("page time_entry"))
            .count();
        log.push(format!(
            "{context}: printed {printed_pages} pages, store holds {n} time entries \
             (checked in {checked_in:?}); {lines:?}"
        ));
    }
    log
}

/// Runs a runner to the end and returns its lines and the Harvest requests it made.
async fn run_to_end(f: &Fixture) -> (Vec<String>, u64) {
    f.sandbox.reset_requests(Provider::Harvest);
    let runner = Victim::spawn(
        env!("CARGO_BIN_EXE_sync-runner"),
        &f.dir,
        &[],
        &[("MAESTRO_PASSPHRASE", PASSPHRASE)],
    );
    let (status, lines, stderr) = runner.finish().await;
    assert!(
        status.success(),
        "the final run failed ({status}): {lines:?} {stderr}"
    );
    (lines, f.sandbox.request_count(Provider::Harvest))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_sync_loses_and_doubles_nothing() {
    let started = Instant::now();
    let f = fixture().await;
    let truth = truth_entries(&f.sandbox);
    assert_eq!(truth.len(), ENTRIES);
    let pages_total = ENTRIES.div_ceil(PAGE);

    // Learn how long a page takes here: the first runner is killed after its first page.
    let mut runner = Victim::spawn(
        env!("CARGO_BIN_EXE_sync-runner"),
        &f.dir,
        &[],
        &[("MAESTRO_PASSPHRASE", PASSPHRASE)],
    );
    runner.wait_for("ready").await;
    let ready = Instant::now();
    runner.wait_for("page time_entry").await;
    let page_ms = u64::try_from(ready.elapsed().as_millis()).unwrap_or(1_000);
    let lines = runner.kill().await;
    let n = check_after_kill(&f, &truth, "calibration run").await;
    assert!(n >= PAGE, "calibration run: {n} entries; {lines:?}");
    let mut log = vec![format!(
        "calibration run: ~{page_ms} ms per page, store holds {n}"
    )];

    log.extend(kill_repeatedly(&f, &truth, KILLS, page_ms, "round 1").await);

    // The last kill must have left a run in progress, or nothing is being resumed.
    let app = open(&f.dir).await;
    let cp = checkpoint(&app, f.harvest, "time_entry").await;
    let before = stored_entries(app.store().pool(), f.harvest).await.len();
    app.close().await;
    assert!(
        cp["in_progress"].is_object() && before < ENTRIES,
        "the kills did not land mid-run (store holds {before}); {log:#?}"
    );

    // A final uninterrupted run resumes where the last stored page left off.
    log.push(format!("round 1 kills done at {:?}", started.elapsed()));
    let (lines, requests) = run_to_end(&f).await;
    log.push(format!(
        "final run done at {:?}: {lines:?}",
        started.elapsed()
    ));
    assert!(
        lines.contains(&"started time_entry resumed=true".to_owned()),
        "{lines:?}"
    );
    let remaining_pages = pages_total - before / PAGE;
    // One request per remaining page, then one for the incremental run that follows a resumed
    // one (what changed since the interrupted run began).
    assert_eq!(
        requests,
        u64::try_from(remaining_pages + 1).unwrap(),
        "the resumed run should read only the {remaining_pages} pages not yet stored \
         (a full read is {pages_total} requests), and the incremental run after it one",
    );
    let requests_log = f.sandbox.requests(Provider::Harvest);
    let listed: Vec<_> = requests_log
        .iter()
        .filter(|r| r.path == "/v2/time_entries")
        .collect();
    let (resumed, follow_up) = listed.split_at(remaining_pages);
    assert!(
        resumed.iter().all(|r| r.query.contains("cursor=")),
        "the resumed run started again from the first page: {requests_log:?}"
    );
    assert!(
        follow_up.len() == 1 && follow_up[0].query.contains("updated_since="),
        "the run after the resumed one reads only changes: {requests_log:?}"
    );

    let app = open(&f.dir).await;
    assert_store_sound(&app, "after the final run").await;
    assert_entries_equal(
        &stored_entries(app.store().pool(), f.harvest).await,
        &truth,
        "after the final run",
    );
    let versions: i64 = sqlx::query("SELECT max(current_version) FROM records")
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        versions, 1,
        "nothing changed, so nothing has a second version"
    );
    assert_employees_equal(&app, &f).await;
    assert!(
        checkpoint(&app, f.harvest, "time_entry").await["in_progress"].is_null(),
        "the finished run is still marked in progress"
    );
    app.close().await;

    // Round 2: hours change at Harvest on every page; a new full run is killed and resumed.
    let mut changed = Vec::new();
    for (i, (id, hours)) in truth.iter().enumerate().step_by(PAGE) {
        let id_num: u64 = id.parse().unwrap();
        let new_hours = *hours + Decimal::new(25 + i64::try_from(i % 7).unwrap(), 2);
        f.sandbox.set_time_entry_hours(id_num, new_hours).unwrap();
        changed.push(id.clone());
    }
    let truth2 = truth_entries(&f.sandbox);
    let mut runner = Victim::spawn(
        env!("CARGO_BIN_EXE_sync-runner"),
        &f.dir,
        &[],
        &[("MAESTRO_PASSPHRASE", PASSPHRASE)],
    );
    runner.wait_for("ready").await;
    runner.wait_for("page time_entry").await;
    let delay = rand::rng().random_range(0..=page_ms * 3);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let lines = runner.kill().await;
    let app = open(&f.dir).await;
    assert_store_sound(&app, "round 2 after the kill").await;
    let mid = stored_entries(app.store().pool(), f.harvest).await;
    assert_eq!(
        mid.len(),
        ENTRIES,
        "round 2: records went missing: {lines:?}"
    );
    app.close().await;
    let (lines, _) = run_to_end(&f).await;
    let app = open(&f.dir).await;
    assert_store_sound(&app, "round 2 after the final run").await;
    assert_entries_equal(
        &stored_entries(app.store().pool(), f.harvest).await,
        &truth2,
        "round 2 after the final run",
    );
    let mut conn = app.store().pool().acquire().await.unwrap();
    for id in &changed {
        let record_id: String = sqlx::query(
            "SELECT record_id FROM records WHERE connection_id = ?1 AND remote_id = ?2",
        )
        .bind(f.harvest.to_string())
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
        let history = maestro_store::records::history(
            &mut conn,
            f.company,
            maestro_core::ids::RecordId::from_str(&record_id).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![1, 2],
            "time entry {id}: {lines:?}"
        );
        assert_eq!(history[0].valid_to, Some(history[1].valid_from));
        let old = truth.iter().find(|(t, _)| t == id).unwrap().1;
        let new = truth2.iter().find(|(t, _)| t == id).unwrap().1;
        assert_eq!(decimal(&history[0].data["hours"]), old);
        assert_eq!(decimal(&history[1].data["hours"]), new);
    }
    let second_versions: i64 =
        sqlx::query("SELECT count(*) FROM records WHERE current_version > 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .get(0);
    assert_eq!(
        usize::try_from(second_versions).unwrap(),
        changed.len(),
        "only the changed entries get a new version"
    );
    drop(conn);
    app.close().await;
    f.sandbox.shutdown().await;
    eprintln!(
        "{}\nround 2 changed {} entries; total {:?}",
        log.join("\n"),
        changed.len(),
        started.elapsed()
    );
}

/// The BambooHR employees synced by the runner equal the sandbox's, by id.
async fn assert_employees_equal(app: &App, f: &Fixture) {
    let ids: Vec<String> = sqlx::query(
        "SELECT remote_id FROM records WHERE connection_id = ?1 AND kind = 'employee'
         AND deleted = 0 ORDER BY remote_id",
    )
    .bind(f.bamboo.to_string())
    .fetch_all(app.store().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("remote_id"))
    .collect();
    let mut want: Vec<String> = f
        .sandbox
        .bamboohr_employees()
        .iter()
        .map(|e| match &e["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(ids, want, "BambooHR employees (each once)");
}
