//! The fault matrix: each failure a provider or the machine can throw at a Harvest sync, through
//! `App::sync_connection` against the sandbox, ends either in a retry that completes or in a
//! clear error or alert — and in every case the pages already stored stay whole, nothing is
//! stored twice, history has no gaps, and once the fault is gone the next run resumes and the
//! store equals the sandbox's ground truth.
//!
//! Faults that must land mid-run are armed when the sandbox has seen the request for page 2
//! (requests: page 1, page 2, page 3, …), so they hit page 3 while pages 1–2 are stored whole.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use maestro_app::sync::EntityOutcome;
use maestro_app::{App, AppError, ErrorCode};
use maestro_connectors::{ConnectorContext, Registry};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_core::sensitive::Sensitive;
use maestro_http::{Auth, ClientOptions, RetryPolicy};
use maestro_sandbox::{FaultPlan, MalformedKind, Provider, Sandbox};
use maestro_store::{Passphrase, Store, Unlock};
use maestro_sync::{Mode, RunRequest, SyncEngine};
use rust_decimal::Decimal;
use sqlx::Row;
use url::Url;

use crate::sync_crash::{
    PAGE, PASSPHRASE, assert_entries_equal, assert_store_sound, checkpoint, connect, init_app,
    sandbox, stored_entries, truth_entries,
};

/// Five pages of time entries.
const ENTRIES: usize = 10_000;
const PAGES: u64 = 5;
/// Requests of a whole, fault-free run: one per page (reading entries needs nothing else; the
/// account currency once asked of `/v2/company` is not in Harvest's spec).
const FULL_RUN_REQUESTS: u64 = PAGES;
/// The request for page 2 is the sandbox's second: arm mid-run faults when it arrives.
const PAGE_2_REQUEST: u64 = 2;

struct Case {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    sandbox: Arc<Sandbox>,
    app: App,
    company: CompanyId,
    harvest: ConnectionId,
}

async fn case() -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let sandbox = Arc::new(sandbox(ENTRIES).await);
    let (app, company) = init_app(&dir).await;
    let app = app.with_retry_policy(RetryPolicy::fast());
    let harvest = connect(&app, &sandbox, Provider::Harvest).await;
    sandbox.reset_requests(Provider::Harvest);
    Case {
        _tmp: tmp,
        dir,
        sandbox,
        app,
        company,
        harvest,
    }
}

impl Case {
    /// A full sync of Harvest time entries, as the app runs it.
    async fn sync(&self) -> Result<EntityOutcome, AppError> {
        let mut outcomes = self
            .app
            .sync_connection(
                self.company,
                self.harvest,
                Some(EntityKind::TimeEntry),
                Mode::Full,
            )
            .await?;
        assert_eq!(outcomes.len(), 1);
        Ok(outcomes.remove(0))
    }

    /// Syncs and expects success.
    async fn sync_ok(&self, context: &str) -> maestro_sync::RunSummary {
        let outcome = self.sync().await.unwrap();
        assert!(outcome.error.is_none(), "{context}: {outcome:?}");
        outcome.summary.unwrap()
    }

    /// Syncs and expects the run to fail with a provider error; returns its message.
    async fn sync_failing(&self, context: &str) -> String {
        let outcome = self.sync().await.unwrap();
        assert!(outcome.summary.is_none(), "{context}: {outcome:?}");
        outcome
            .error
            .unwrap_or_else(|| panic!("{context}: no error"))
    }

    /// The store is sound and holds exactly the first `pages` pages of the listing, with the
    /// interrupted run kept in the checkpoint.
    async fn assert_whole_pages(&self, pages: usize, context: &str) {
        assert_store_sound(&self.app, context).await;
        let truth = truth_entries(&self.sandbox);
        let stored = stored_entries(self.app.store().pool(), self.harvest).await;
        assert_entries_equal(&stored, &truth[..pages * PAGE], context);
        assert!(
            checkpoint(&self.app, self.harvest, "time_entry").await["in_progress"].is_object(),
            "{context}: the interrupted run was not kept in the checkpoint"
        );
    }

    /// The store is sound and equals the sandbox's ground truth.
    async fn assert_final(&self, context: &str) {
        assert_store_sound(&self.app, context).await;
        assert_entries_equal(
            &stored_entries(self.app.store().pool(), self.harvest).await,
            &truth_entries(&self.sandbox),
            context,
        );
        assert!(
            checkpoint(&self.app, self.harvest, "time_entry").await["in_progress"].is_null(),
            "{context}: the run is still marked in progress"
        );
    }

    /// Runs again after the fault is gone: the run resumes from the checkpoint (only the pages
    /// not yet stored are requested) and completes; one incremental run follows it (one
    /// request), for what changed after the interrupted run began.
    async fn resume_and_complete(&self, stored_pages: u64, context: &str) {
        let interrupted =
            checkpoint(&self.app, self.harvest, "time_entry").await["in_progress"]["run_id"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{context}: no run in progress to resume"));
        let runs_before = self.runs().await;
        self.sandbox
            .set_faults(Provider::Harvest, FaultPlan::default());
        self.sandbox.reset_requests(Provider::Harvest);
        self.sync_ok(context).await;
        assert_eq!(
            self.runs().await,
            runs_before + 1,
            "{context}: want {interrupted} resumed and one incremental run after it"
        );
        assert_eq!(
            self.last_run_mode().await,
            "incremental",
            "{context}: the run after the resumed one"
        );
        let status: String = sqlx::query("SELECT status FROM sync_runs WHERE id = ?1")
            .bind(&interrupted)
            .fetch_one(self.app.store().pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(status, "succeeded", "{context}: the resumed run");
        assert_eq!(
            self.sandbox.request_count(Provider::Harvest),
            PAGES - stored_pages + 1,
            "{context}: the resumed run should read only the pages not yet stored, and the \
             incremental run after it one page of changes"
        );
        self.assert_final(context).await;
    }

    async fn runs(&self) -> i64 {
        sqlx::query("SELECT count(*) FROM sync_runs")
            .fetch_one(self.app.store().pool())
            .await
            .unwrap()
            .get(0)
    }

    /// The most recent sync run's mode.
    async fn last_run_mode(&self) -> String {
        sqlx::query("SELECT mode FROM sync_runs ORDER BY started_at DESC LIMIT 1")
            .fetch_one(self.app.store().pool())
            .await
            .unwrap()
            .get(0)
    }

    /// The most recent sync run's status and error message.
    async fn last_run(&self) -> (String, Option<String>) {
        let row = sqlx::query(
            "SELECT status, error_message FROM sync_runs ORDER BY started_at DESC LIMIT 1",
        )
        .fetch_one(self.app.store().pool())
        .await
        .unwrap();
        (row.get("status"), row.get("error_message"))
    }
}

/// Runs `then` once the sandbox has received `n` Harvest requests; the handle returns true
/// when it fired.
fn when_requests<F, Fut>(sandbox: &Arc<Sandbox>, n: u64, then: F) -> Armed
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let sandbox = sandbox.clone();
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            if sandbox.request_count(Provider::Harvest) >= n {
                then().await;
                return true;
            }
            tokio::select! {
                () = stopped.notified() => return false,
                () = tokio::time::sleep(Duration::from_millis(1)) => {}
            }
        }
    });
    Armed { task, stop }
}

/// An action waiting for the sandbox's request count.
struct Armed {
    task: tokio::task::JoinHandle<bool>,
    stop: Arc<tokio::sync::Notify>,
}

/// Sets the Harvest fault plan once page 2 has been requested.
fn fault_after_page_2(sandbox: &Arc<Sandbox>, plan: FaultPlan) -> Armed {
    let s = sandbox.clone();
    when_requests(sandbox, PAGE_2_REQUEST, move || async move {
        s.set_faults(Provider::Harvest, plan);
    })
}

/// Waits for an armed action and asserts it fired.
async fn fired(armed: Armed, what: &str) {
    armed.stop.notify_one();
    assert!(armed.task.await.unwrap(), "{what} never happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_bursts_are_waited_out() {
    let c = case().await;
    c.sandbox.set_faults(
        Provider::Harvest,
        FaultPlan {
            rate_limit_burst: 2,
            retry_after_secs: 1,
            ..FaultPlan::default()
        },
    );
    let started = Instant::now();
    c.sync_ok("429 burst").await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After (1 s, twice) was not honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(
        c.sandbox.request_count(Provider::Harvest),
        FULL_RUN_REQUESTS + 2,
        "each 429 is retried once"
    );
    c.assert_final("429 burst").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_bursts_are_retried() {
    let c = case().await;
    c.sandbox.set_faults(
        Provider::Harvest,
        FaultPlan {
            server_errors: 3,
            server_error_status: 502,
            ..FaultPlan::default()
        },
    );
    c.sync_ok("5xx burst").await;
    assert_eq!(
        c.sandbox.request_count(Provider::Harvest),
        FULL_RUN_REQUESTS + 3
    );
    c.assert_final("5xx burst").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_retried() {
    let c = case().await;
    c.sandbox.set_faults(
        Provider::Harvest,
        FaultPlan {
            dropped_connections: 2,
            ..FaultPlan::default()
        },
    );
    c.sync_ok("dropped connections").await;
    assert_eq!(
        c.sandbox.request_count(Provider::Harvest),
        FULL_RUN_REQUESTS + 2
    );
    c.assert_final("dropped connections").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_that_persist_fail_the_run_clearly_and_the_next_run_resumes() {
    let c = case().await;
    let armed = fault_after_page_2(
        &c.sandbox,
        FaultPlan {
            server_errors: u32::MAX,
            ..FaultPlan::default()
        },
    );
    let message = c.sync_failing("5xx forever").await;
    fired(armed, "the 5xx fault").await;
    assert!(
        message.contains("Harvest had a problem on its side (HTTP 503)")
            && message.contains("tried 5 times"),
        "{message}"
    );
    let (status, error) = c.last_run().await;
    assert_eq!(status, "failed");
    assert_eq!(error.as_deref(), Some(message.as_str()));
    c.assert_whole_pages(2, "5xx forever").await;
    c.resume_and_complete(2, "after the 5xx cleared").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_resumed_sync_holds_changes_made_after_the_interruption() {
    let c = case().await;
    let armed = fault_after_page_2(
        &c.sandbox,
        FaultPlan {
            server_errors: u32::MAX,
            ..FaultPlan::default()
        },
    );
    c.sync_failing("interrupted").await;
    fired(armed, "the 5xx fault").await;
    c.assert_whole_pages(2, "interrupted").await;
    // The owner corrects an entry the interrupted run had already stored, then syncs again.
    let first = &truth_entries(&c.sandbox)[0];
    let id: u64 = first.0.parse().unwrap();
    c.sandbox
        .set_time_entry_hours(id, first.1 + Decimal::new(150, 2))
        .unwrap();
    c.resume_and_complete(2, "resumed after a correction").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_retried() {
    // The App's connectors use the default 60 s request timeout (maestro-app connect.rs builds
    // the client with `ClientOptions::default()` and offers no way to shorten it), so a
    // timeout is provoked on the same connector and sync engine built with a 3 s timeout: the
    // first two requests are held for 6.5 s, past it.
    let c = case().await;
    let creds = c.sandbox.credentials().harvest;
    let def = Registry::builtin().get("harvest").copied().unwrap();
    let connector = def
        .build(ConnectorContext {
            company_id: c.company,
            connection_id: c.harvest,
            config: [("account_id".to_owned(), creds.account_id)]
                .into_iter()
                .collect(),
            base_url: Url::parse(&c.sandbox.base_url(Provider::Harvest)).unwrap(),
            auth_base_url: None,
            auth: Auth::Bearer(Sensitive::new(creds.personal_access_token)),
            http: maestro_http::build_client(&ClientOptions {
                tls13_only: false,
                request_timeout: Duration::from_secs(3),
                ..ClientOptions::default()
            })
            .unwrap(),
            clock: Arc::new(SystemClock),
            retry: RetryPolicy::fast(),
            limiter: None,
        })
        .unwrap();
    c.sandbox.set_faults(
        Provider::Harvest,
        FaultPlan {
            delays: 2,
            delay_ms: 6_500,
            ..FaultPlan::default()
        },
    );
    let engine = SyncEngine::new(c.app.store().clone(), Arc::new(SystemClock));
    let summary = engine
        .run(
            connector.as_ref(),
            RunRequest {
                company_id: c.company,
                connection_id: c.harvest,
                entity: EntityKind::TimeEntry,
                mode: Mode::Full,
            },
        )
        .await
        .unwrap();
    assert_eq!(summary.seen, ENTRIES as u64);
    let requests = c.sandbox.request_count(Provider::Harvest);
    // Both held requests timed out and were sent again (a slow page on a loaded machine may
    // add one more).
    assert!(
        (FULL_RUN_REQUESTS + 2..=FULL_RUN_REQUESTS + 3).contains(&requests),
        "{requests} requests: {:#?}",
        c.sandbox.requests(Provider::Harvest)
    );
    c.assert_final("timeouts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_page_fails_naming_the_field_and_the_next_run_completes() {
    let c = case().await;
    let armed = fault_after_page_2(
        &c.sandbox,
        FaultPlan {
            malformed: 1,
            malformed_kind: MalformedKind::WrongType {
                field: "hours".into(),
            },
            ..FaultPlan::default()
        },
    );
    let message = c.sync_failing("malformed page").await;
    fired(armed, "the malformed page").await;
    assert!(
        message.contains("Harvest sent data we could not read") && message.contains("hours"),
        "the error should name the field: {message}"
    );
    c.assert_whole_pages(2, "malformed page").await;
    c.resume_and_complete(2, "after the malformed page").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_stops_writing_and_the_next_run_resumes() {
    // The owner quits mid-sync or the scheduler gives up on it: the run's future is dropped
    // while a page it read waits to be stored. Nothing may store it afterwards.
    let c = case().await;
    // Page 1 answers slowly, so the run has begun (its start is committed) before it arrives.
    c.sandbox.set_faults(
        Provider::Harvest,
        FaultPlan {
            delays: 1,
            delay_ms: 2_000,
            ..FaultPlan::default()
        },
    );
    let page_1_read = Arc::new(tokio::sync::Notify::new());
    let read = page_1_read.clone();
    // Page 1 is answered 2 s after it is asked for, then decoded and prepared; page 2 is not
    // asked for before page 1's transaction begins, so the time is the only sign of it.
    let armed_read = when_requests(&c.sandbox, 1, move || async move {
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        read.notify_one();
    });
    // Boxed, so that dropping it below drops the run itself.
    let mut run = Box::pin(c.sync());
    // The store is taken while the run is still polled: its start is visible to readers a
    // moment before its transaction lets go of the store, and a run no longer polled would
    // never let go (the test then waited for the store for ever).
    let blocker = tokio::select! {
        outcome = &mut run => panic!("the run ended before it was cancelled: {outcome:?}"),
        blocker = async {
            while c.runs().await == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            c.app.store().write().await.unwrap()
        } => blocker,
    };
    // With the store held, page 1 is read and prepared, and waits for the store.
    tokio::select! {
        outcome = &mut run => panic!("the run ended before it was cancelled: {outcome:?}"),
        () = async {
            page_1_read.notified().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        } => {}
    }
    fired(armed_read, "the request for page 1").await;
    drop(run);
    drop(blocker);
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let stored: i64 = sqlx::query("SELECT count(*) FROM records")
        .fetch_one(c.app.store().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0, "a page was stored after its run was cancelled");
    c.assert_whole_pages(0, "cancelled run").await;
    c.resume_and_complete(0, "after the cancelled run").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_run_raises_a_reconnect_alert_and_nothing_is_half_written() {
    let c = case().await;
    let armed = fault_after_page_2(
        &c.sandbox,
        FaultPlan {
            revoke_tokens: true,
            ..FaultPlan::default()
        },
    );
    let message = c.sync_failing("revoked token").await;
    fired(armed, "the revocation").await;
    assert!(message.contains("reconnect"), "{message}");
    let alerts = c.app.open_alerts(c.company).await.unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].action.as_deref(), Some("reconnect"));
    assert!(
        alerts[0].title.contains("Harvest needs to be reconnected"),
        "{alerts:?}"
    );
    let status = c.app.status().await.unwrap();
    assert_eq!(status.companies[0].connections[0].status, "needs_reconnect");
    c.assert_whole_pages(2, "revoked token").await;

    // The owner issues a new token (the sandbox's reset re-seeds the same data) and reconnects.
    c.sandbox.reset(Provider::Harvest);
    let token = c.sandbox.credentials().harvest.personal_access_token;
    c.app
        .reconnect(
            c.company,
            c.harvest,
            [("access_token".to_owned(), token)].into_iter().collect(),
        )
        .await
        .unwrap();
    assert!(c.app.open_alerts(c.company).await.unwrap().is_empty());
    c.resume_and_complete(2, "after reconnecting").await;
}

/// Sets `max_page_count` on every connection of the store (SQLite keeps it per connection):
/// `Some(extra)` allows `extra` pages beyond the current size — a full disk —, `None` lifts
/// the limit.
async fn limit_pages(store: &Store, extra: Option<i64>) {
    let pool = store.pool();
    // The read pool holds at most 4 connections; holding 4 at once reaches every one of them.
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(pool.acquire().await.unwrap());
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(200), pool.acquire())
            .await
            .is_err(),
        "the pool has more than 4 connections; the disk-full simulation would miss some"
    );
    // And the one writer connection.
    conns.push(store.writer_pool().acquire().await.unwrap());
    for conn in &mut conns {
        let size: i64 = sqlx::query("PRAGMA page_count")
            .fetch_one(&mut **conn)
            .await
            .unwrap()
            .get(0);
        let max = extra.map_or(1_073_741_823, |e| size + e);
        let set: i64 = sqlx::query(&format!("PRAGMA max_page_count = {max}"))
            .fetch_one(&mut **conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(set, max);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_whole_pages_says_so_and_the_next_run_completes() {
    let c = case().await;
    // Pages 1–2 are stored, then the provider fails: a run in progress to resume.
    let armed = fault_after_page_2(
        &c.sandbox,
        FaultPlan {
            server_errors: u32::MAX,
            ..FaultPlan::default()
        },
    );
    c.sync_failing("setting up").await;
    fired(armed, "the 5xx fault").await;
    c.sandbox
        .set_faults(Provider::Harvest, FaultPlan::default());

    // The disk fills up: the database may grow by 8 pages (32 KiB), far less than a page of
    // 2,000 entries needs.
    limit_pages(c.app.store(), Some(8)).await;
    let err = c.sync().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DiskFull, "{err:?}");
    assert!(
        err.message.starts_with("the disk is full"),
        "{}",
        err.message
    );
    limit_pages(c.app.store(), None).await;
    // The failing page left nothing behind.
    c.assert_whole_pages(2, "disk full").await;
    c.resume_and_complete(2, "after space returned").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefly_locked_database_makes_the_sync_wait_then_proceed() {
    let c = case().await;
    // Another process (here: a second store handle on the same file) holds the write lock.
    let other = Store::open(&c.dir, &Unlock::passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .unwrap();
    let lock = other.pool().begin_with("BEGIN EXCLUSIVE").await.unwrap();
    let sync = tokio::spawn({
        let app = c.app.clone();
        let (company, harvest) = (c.company, c.harvest);
        async move {
            app.sync_connection(company, harvest, Some(EntityKind::TimeEntry), Mode::Full)
                .await
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The run's first write (its start record) is waiting, so it has not called Harvest.
    assert_eq!(c.sandbox.request_count(Provider::Harvest), 0);
    assert!(!sync.is_finished());
    lock.commit().await.unwrap();
    let outcomes = sync.await.unwrap().unwrap();
    assert!(outcomes[0].error.is_none(), "{outcomes:?}");
    other.close().await;
    c.assert_final("after the lock was released").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_past_the_busy_timeout_fails_clearly_and_the_next_run_resumes() {
    let c = case().await;
    let other = Store::open(&c.dir, &Unlock::passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .unwrap();
    let holder = other.clone();
    // When page 2 is requested, take the write lock for 12 s (the busy timeout is 10 s).
    let armed = when_requests(&c.sandbox, PAGE_2_REQUEST, move || async move {
        let lock = holder.pool().begin_with("BEGIN EXCLUSIVE").await.unwrap();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(12)).await;
            lock.commit().await.unwrap();
        });
    });
    let started = Instant::now();
    let err = c.sync().await.unwrap_err();
    fired(armed, "the lock").await;
    assert_eq!(err.code, ErrorCode::Busy, "{err:?}");
    assert!(
        err.message.contains("the database is busy"),
        "{}",
        err.message
    );
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "gave up before the busy timeout: {:?}",
        started.elapsed()
    );
    // Wait for the holder to let go, then check: page 1 whole, page 2 not half-written.
    let deadline = Instant::now() + Duration::from_secs(30);
    while other.pool().begin_with("BEGIN IMMEDIATE").await.is_err() {
        assert!(Instant::now() < deadline, "the lock was never released");
    }
    other.close().await;
    c.assert_whole_pages(1, "database locked").await;
    c.resume_and_complete(1, "after the lock was released")
        .await;
}
