//! The scheduler loop on a manual clock over a real (encrypted, temporary) store, with a fake
//! sync job that counts runs and runs in flight: intervals and jitter, catch-up after a long
//! sleep, pause and resume, backoff and its reset, "needs reconnect", "sync now", the
//! concurrency limit, persistence across restarts and a clean shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::schedules::{self, Schedule};
use maestro_store::{MemorySecretStore, NewKey, Store, companies, connections};
use maestro_sync::scheduler::{
    JobFuture, ManualTime, NoJitter, Scheduler, SchedulerConfig, SchedulerEvent, SchedulerHandle,
    SeededJitter, SyncJob,
};
use tokio::sync::{Semaphore, broadcast};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    time: Arc<ManualTime>,
    company: CompanyId,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
    )
    .await
    .unwrap();
    let time = Arc::new(ManualTime::new("2026-03-02T08:00:00Z".parse().unwrap()));
    let mut tx = store.write().await.unwrap();
    let company = companies::insert(tx.conn(), "Bluebird Bakery", time.now())
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    Fixture {
        _dir: dir,
        store,
        time,
        company,
    }
}

impl Fixture {
    async fn connect(&self, provider: &str) -> ConnectionId {
        let mut tx = self.store.write().await.unwrap();
        let c = connections::insert(
            tx.conn(),
            self.company,
            provider,
            provider,
            &serde_json::json!({}),
            self.time.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        c.id
    }

    async fn schedule(&self, connection: ConnectionId) -> Schedule {
        let mut conn = self.store.pool().acquire().await.unwrap();
        schedules::get(&mut conn, self.company, connection)
            .await
            .unwrap()
            .expect("a saved schedule")
    }

    async fn edit(&self, connection: ConnectionId, change: impl FnOnce(&mut Schedule)) {
        let mut tx = self.store.write().await.unwrap();
        let mut s = schedules::get_or_default(tx.conn(), self.company, connection, self.time.now())
            .await
            .unwrap();
        change(&mut s);
        schedules::save(tx.conn(), &s).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn pause_all(&self, paused: bool) {
        let mut tx = self.store.write().await.unwrap();
        schedules::set_global_paused(tx.conn(), paused, self.time.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn set_status(&self, connection: ConnectionId, status: &str) {
        let mut tx = self.store.write().await.unwrap();
        connections::set_status(tx.conn(), self.company, connection, status, self.time.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    fn start(&self, job: &Arc<FakeJob>, config: SchedulerConfig) -> Running {
        let scheduler = Scheduler::new(
            self.store.clone(),
            self.time.clone(),
            self.time.clone(),
            job.clone(),
        )
        .with_config(config)
        .with_jitter(Box::new(NoJitter));
        let events = scheduler.subscribe();
        Running {
            handle: scheduler.start(),
            events,
            wake_at: None,
        }
    }
}

/// Counts runs; optionally fails for some connections, or holds every run until the gate
/// lets it through.
struct FakeJob {
    time: Arc<ManualTime>,
    calls: Mutex<Vec<(ConnectionId, DateTime<Utc>)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    gate: Option<Arc<Semaphore>>,
    failing: Mutex<HashSet<ConnectionId>>,
}

impl FakeJob {
    fn new(time: &Arc<ManualTime>, gate: Option<Arc<Semaphore>>) -> Arc<FakeJob> {
        Arc::new(FakeJob {
            time: time.clone(),
            calls: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            gate,
            failing: Mutex::default(),
        })
    }

    fn runs_of(&self, connection: ConnectionId) -> Vec<DateTime<Utc>> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| *c == connection)
            .map(|(_, at)| *at)
            .collect()
    }

    fn total(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    fn fail(&self, connection: ConnectionId, failing: bool) {
        let mut set = self.failing.lock().unwrap();
        if failing {
            set.insert(connection);
        } else {
            set.remove(&connection);
        }
    }
}

impl SyncJob for FakeJob {
    fn run(&self, _company_id: CompanyId, connection_id: ConnectionId) -> JobFuture<'_> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push((connection_id, self.time.now()));
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            if let Some(gate) = &self.gate {
                gate.acquire().await.unwrap().forget();
            }
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if self.failing.lock().unwrap().contains(&connection_id) {
                Err("the provider was unavailable".into())
            } else {
                Ok(())
            }
        })
    }
}

struct Running {
    handle: SchedulerHandle,
    events: broadcast::Receiver<SchedulerEvent>,
    /// When the loop said it would look again.
    wake_at: Option<DateTime<Utc>>,
}

const PATIENCE: StdDuration = StdDuration::from_secs(20);

impl Running {
    async fn next_event(&mut self) -> SchedulerEvent {
        let event = tokio::time::timeout(PATIENCE, self.events.recv())
            .await
            .expect("the scheduler went quiet")
            .unwrap();
        if let SchedulerEvent::Idle { wake_at, .. } = &event {
            self.wake_at = Some(*wake_at);
        }
        event
    }

    /// Waits until nothing runs and the loop has gone back to sleep with nothing pending;
    /// returns the events seen on the way.
    async fn settle(&mut self) -> Vec<SchedulerEvent> {
        let mut seen = Vec::new();
        loop {
            let event = self.next_event().await;
            if let SchedulerEvent::Problem { message } = &event {
                panic!("scheduler problem: {message}");
            }
            let idle = matches!(event, SchedulerEvent::Idle { running: 0, .. });
            seen.push(event);
            if idle {
                break;
            }
        }
        // Absorb passes still pending (a wake and a clock move may both have woken it).
        while let Ok(Ok(event)) =
            tokio::time::timeout(StdDuration::from_millis(150), self.events.recv()).await
        {
            if let SchedulerEvent::Idle { wake_at, .. } = &event {
                self.wake_at = Some(*wake_at);
            }
            let idle = matches!(event, SchedulerEvent::Idle { running: 0, .. });
            seen.push(event);
            if !idle {
                seen.extend(Box::pin(self.settle()).await);
                break;
            }
        }
        seen
    }

    /// Moves the clock (as waking from sleep would) and lets the scheduler act on it.
    async fn advance(&mut self, time: &ManualTime, by: Duration) -> Vec<SchedulerEvent> {
        time.advance(by);
        // The clock move wakes the loop if it passed the loop's deadline; else nudge it, so
        // exactly one pass follows.
        if self.wake_at.is_none_or(|w| time.now() < w) {
            self.handle.wake();
        }
        self.settle().await
    }
}

fn started(events: &[SchedulerEvent]) -> Vec<ConnectionId> {
    events
        .iter()
        .filter_map(|e| match e {
            SchedulerEvent::Started { connection_id, .. } => Some(*connection_id),
            _ => None,
        })
        .collect()
}

fn config() -> SchedulerConfig {
    SchedulerConfig {
        backoff_cap: Duration::hours(1),
        ..SchedulerConfig::default()
    }
}

#[tokio::test]
async fn runs_once_per_interval_with_jitter_within_ten_percent() {
    let fx = fixture().await;
    let harvest = fx.connect("harvest").await; // time tracking: every 5 minutes
    let job = FakeJob::new(&fx.time, None);
    let scheduler = Scheduler::new(
        fx.store.clone(),
        fx.time.clone(),
        fx.time.clone(),
        job.clone(),
    )
    .with_jitter(Box::new(SeededJitter::new(11)));
    let mut run = Running {
        events: scheduler.subscribe(),
        handle: scheduler.start(),
        wake_at: None,
    };
    // Never synced: due at once.
    run.settle().await;
    assert_eq!(job.runs_of(harvest).len(), 1);

    let mut gaps = Vec::new();
    for _ in 0..6 {
        let last = *job.runs_of(harvest).last().unwrap();
        let next = fx.schedule(harvest).await.next_run_at.unwrap();
        let gap = next - last;
        assert!(
            gap >= Duration::seconds(270) && gap <= Duration::seconds(330),
            "5 minutes ± 10 %: {gap}"
        );
        gaps.push(gap);
        // Just before: nothing. At the time: one run.
        run.advance(&fx.time, next - fx.time.now() - Duration::seconds(1))
            .await;
        assert_eq!(job.runs_of(harvest).last(), Some(&last));
        let events = run.advance(&fx.time, Duration::seconds(1)).await;
        assert_eq!(started(&events), vec![harvest]);
        assert_eq!(job.runs_of(harvest).last(), Some(&next));
    }
    gaps.dedup();
    assert!(gaps.len() > 1, "jitter varies the interval: {gaps:?}");
    run.handle.shutdown().await;
}

#[tokio::test]
async fn a_sleep_of_several_hours_catches_up_with_exactly_one_run() {
    let fx = fixture().await;
    let gusto = fx.connect("gusto").await; // payroll: every 15 minutes
    let job = FakeJob::new(&fx.time, None);
    let mut run = fx.start(&job, config());
    run.settle().await;
    assert_eq!(job.total(), 1);

    // The laptop sleeps for six hours: 24 runs were missed.
    let events = run.advance(&fx.time, Duration::hours(6)).await;
    assert_eq!(started(&events), vec![gusto]);
    assert_eq!(job.total(), 2);
    let s = fx.schedule(gusto).await;
    assert_eq!(s.next_run_at, Some(fx.time.now() + Duration::minutes(15)));
    for _ in 0..14 {
        run.advance(&fx.time, Duration::minutes(1)).await;
    }
    assert_eq!(job.total(), 2);
    run.advance(&fx.time, Duration::minutes(1)).await;
    assert_eq!(job.total(), 3);

    // Schedules survive a restart: a new scheduler does not run early.
    run.handle.shutdown().await;
    let mut again = fx.start(&job, config());
    again.advance(&fx.time, Duration::minutes(10)).await;
    assert_eq!(job.total(), 3);
    again.advance(&fx.time, Duration::minutes(5)).await;
    assert_eq!(job.total(), 4);
    again.handle.shutdown().await;
}

#[tokio::test]
async fn pause_and_resume_per_connection_and_globally() {
    let fx = fixture().await;
    let a = fx.connect("gusto").await;
    let b = fx.connect("bamboohr").await;
    let job = FakeJob::new(&fx.time, None);
    let mut run = fx.start(&job, config());
    run.settle().await;
    assert_eq!(job.total(), 2);

    fx.edit(a, |s| s.paused = true).await;
    let events = run.advance(&fx.time, Duration::minutes(20)).await;
    assert_eq!(started(&events), vec![b]);

    fx.pause_all(true).await;
    let events = run.advance(&fx.time, Duration::hours(2)).await;
    assert!(started(&events).is_empty());

    // "Sync now" is the owner asking: it runs even while everything is paused.
    run.handle.sync_now(fx.company, a).await.unwrap();
    let events = run.settle().await;
    assert_eq!(started(&events), vec![a]);
    assert!(fx.schedule(a).await.requested_at.is_none());
    let events = run.advance(&fx.time, Duration::hours(1)).await;
    assert!(started(&events).is_empty());

    // Resuming everything: b (overdue) runs once; a stays paused on its own.
    fx.pause_all(false).await;
    let events = run.advance(&fx.time, Duration::seconds(1)).await;
    assert_eq!(started(&events), vec![b]);
    fx.edit(a, |s| s.paused = false).await;
    let events = run.advance(&fx.time, Duration::minutes(16)).await;
    let mut both = started(&events);
    both.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(both, expected);
    run.handle.shutdown().await;
}

#[tokio::test]
async fn failures_back_off_exponentially_up_to_the_cap_and_a_success_resets() {
    let fx = fixture().await;
    let harvest = fx.connect("harvest").await; // every 5 minutes
    let job = FakeJob::new(&fx.time, None);
    job.fail(harvest, true);
    let mut run = fx.start(&job, config()); // cap: 1 hour
    run.settle().await;
    let s = fx.schedule(harvest).await;
    assert_eq!(s.consecutive_failures, 1);
    assert_eq!(
        s.last_error.as_deref(),
        Some("the provider was unavailable")
    );
    assert_eq!(s.backoff_until, Some(fx.time.now() + Duration::minutes(10)));

    for (failures, wait) in [(2, 10), (3, 20), (4, 40), (5, 60), (6, 60)] {
        run.advance(&fx.time, Duration::minutes(wait) - Duration::seconds(1))
            .await;
        assert_eq!(
            fx.schedule(harvest).await.consecutive_failures,
            failures - 1
        );
        run.advance(&fx.time, Duration::seconds(1)).await;
        let s = fx.schedule(harvest).await;
        assert_eq!(s.consecutive_failures, failures);
        let expected = (Duration::minutes(5) * 2_i32.pow(failures)).min(Duration::hours(1));
        assert_eq!(s.backoff_until, Some(fx.time.now() + expected));
    }

    job.fail(harvest, false);
    run.advance(&fx.time, Duration::hours(1)).await;
    let s = fx.schedule(harvest).await;
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.backoff_until, None);
    assert_eq!(s.last_error, None);
    assert_eq!(s.last_success_at, Some(fx.time.now()));
    assert_eq!(s.next_run_at, Some(fx.time.now() + Duration::minutes(5)));
    assert_eq!(job.total(), 7);
    run.handle.shutdown().await;
}

#[tokio::test]
async fn a_connection_needing_reconnect_waits_until_reconnected() {
    let fx = fixture().await;
    let bamboo = fx.connect("bamboohr").await;
    let harvest = fx.connect("harvest").await;
    fx.set_status(bamboo, "needs_reconnect").await;
    let job = FakeJob::new(&fx.time, None);
    let mut run = fx.start(&job, config());
    let events = run.settle().await;
    assert_eq!(started(&events), vec![harvest]);
    run.handle.sync_now(fx.company, bamboo).await.unwrap();
    assert!(started(&run.settle().await).is_empty());
    let events = run.advance(&fx.time, Duration::hours(1)).await;
    assert_eq!(started(&events), vec![harvest]);
    assert!(job.runs_of(bamboo).is_empty());

    fx.set_status(bamboo, "active").await;
    let events = run.advance(&fx.time, Duration::seconds(1)).await;
    assert_eq!(started(&events), vec![bamboo]);
    run.handle.shutdown().await;
}

#[tokio::test]
async fn no_more_than_the_global_limit_run_at_once() {
    let fx = fixture().await;
    let mut all = Vec::new();
    for provider in ["gusto", "bamboohr", "harvest", "gusto", "harvest"] {
        all.push(fx.connect(provider).await);
    }
    let gate = Arc::new(Semaphore::new(0));
    let job = FakeJob::new(&fx.time, Some(gate.clone()));
    let mut run = fx.start(
        &job,
        SchedulerConfig {
            max_concurrent: 2,
            ..config()
        },
    );

    let mut began = Vec::new();
    while began.len() < 2 {
        if let SchedulerEvent::Started { connection_id, .. } = run.next_event().await {
            began.push(connection_id);
        }
    }
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(job.total(), 2);
    assert_eq!(job.in_flight.load(Ordering::SeqCst), 2);
    assert_eq!(run.handle.running().len(), 2);

    // Each finished sync frees a slot for the next one.
    for done in 1..=3 {
        gate.add_permits(1);
        loop {
            if let SchedulerEvent::Started { .. } = run.next_event().await {
                break;
            }
        }
        assert_eq!(job.total(), 2 + done);
        assert!(job.in_flight.load(Ordering::SeqCst) <= 2);
    }
    gate.add_permits(10);
    run.settle().await;
    assert_eq!(job.total(), 5);
    assert_eq!(job.max_in_flight.load(Ordering::SeqCst), 2);
    for c in &all {
        assert_eq!(job.runs_of(*c).len(), 1);
    }
    run.handle.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_a_running_sync_finish_and_starts_nothing_new() {
    let fx = fixture().await;
    let gusto = fx.connect("gusto").await;
    let gate = Arc::new(Semaphore::new(0));
    let job = FakeJob::new(&fx.time, Some(gate.clone()));
    let mut run = fx.start(&job, config());
    while !matches!(run.next_event().await, SchedulerEvent::Started { .. }) {}

    let stopping = tokio::spawn(run.handle.shutdown());
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert!(!stopping.is_finished(), "waits for the running sync");
    gate.add_permits(1);
    tokio::time::timeout(PATIENCE, stopping)
        .await
        .unwrap()
        .unwrap();
    let s = fx.schedule(gusto).await;
    assert_eq!(s.last_success_at, Some(fx.time.now()));

    // Stopped: a clock move starts nothing.
    fx.time.advance(Duration::hours(3));
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(job.total(), 1);
}

#[tokio::test]
async fn shutdown_stops_a_sync_that_outlasts_the_grace() {
    let fx = fixture().await;
    fx.connect("harvest").await;
    let gate = Arc::new(Semaphore::new(0));
    let job = FakeJob::new(&fx.time, Some(gate));
    let mut run = fx.start(
        &job,
        SchedulerConfig {
            shutdown_grace: StdDuration::from_millis(100),
            ..config()
        },
    );
    while !matches!(run.next_event().await, SchedulerEvent::Started { .. }) {}
    tokio::time::timeout(PATIENCE, run.handle.shutdown())
        .await
        .unwrap();
    assert_eq!(job.total(), 1);
}
