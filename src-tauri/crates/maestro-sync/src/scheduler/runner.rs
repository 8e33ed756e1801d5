//! The scheduler loop: reads the saved schedules, starts what [`policy`] says is due (at most
//! [`SchedulerConfig::max_concurrent`] at a time), records each outcome, and sleeps until the
//! next run, a finished run, a "sync now" or shutdown, whichever comes first, but never longer
//! than the poll interval, so a clock that jumped (sleep, suspend) is noticed.
//!
//! [`policy`]: super::policy

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use maestro_connectors::Registry;
use maestro_core::clock::Clock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::schedules::{self, Schedule};
use maestro_store::{Store, StoreError, companies, connections};
use serde::Serialize;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::policy::{self, Entry, Jitter, SeededJitter};
use super::time::Sleeper;

/// What a [`SyncJob`] returns: `Err` carries why the run failed, in plain words.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Syncs one connection when the scheduler says so (the app runs an incremental sync; tests
/// count calls).
pub trait SyncJob: Send + Sync + 'static {
    /// Runs one sync of `connection_id`.
    fn run(&self, company_id: CompanyId, connection_id: ConnectionId) -> JobFuture<'_>;
}

/// Connections syncing at the same time by default, across all companies.
///
/// Sized for a bookkeeper's many companies, where almost all of a scheduled sync's time is
/// spent waiting on the provider, not on this computer: each company's tools are separate
/// accounts with their own rate budgets, and a people sync of 200 asks one request per person
/// (measured by `companies-bench`, 50 companies × 200 people: a Gusto run takes about 61 s, of
/// which most is waiting out Gusto's 200 requests a minute; a BambooHR run 21 s). With 2 at a
/// time 5 companies took 229 s for one round, so 50 would take about 38 minutes and none would
/// stay within its 5- or 15-minute interval; with 16 the 50 took 314 s, every connection
/// starting within its interval, while each sync's own memory stays bounded (issue 19, target 1).
pub const DEFAULT_MAX_CONCURRENT: usize = 16;

/// How the scheduler behaves.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Connections syncing at the same time, across all companies
    /// ([`DEFAULT_MAX_CONCURRENT`] unless configured).
    pub max_concurrent: usize,
    /// The longest the loop sleeps before re-reading the clock and the saved schedules (which
    /// another process, such as the CLI, may have changed).
    pub poll_interval: Duration,
    /// The longest backoff after repeated failures.
    pub backoff_cap: Duration,
    /// How long shutdown waits for running syncs before stopping them (each page is committed
    /// with its checkpoint, so a stopped sync resumes where it was).
    pub shutdown_grace: std::time::Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            poll_interval: Duration::seconds(60),
            backoff_cap: policy::default_backoff_cap(),
            shutdown_grace: std::time::Duration::from_secs(30),
        }
    }
}

/// What the scheduler is doing, for the dashboard, the tray icon and tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SchedulerEvent {
    /// A scheduled sync started.
    Started {
        /// The company.
        company_id: CompanyId,
        /// The connection.
        connection_id: ConnectionId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A scheduled sync ended.
    Finished {
        /// The company.
        company_id: CompanyId,
        /// The connection.
        connection_id: ConnectionId,
        /// Why it failed, if it did.
        error: Option<String>,
        /// When it runs next.
        next_run_at: Option<DateTime<Utc>>,
    },
    /// The loop went to sleep.
    Idle {
        /// Syncs still running.
        running: usize,
        /// When it looks again at the latest.
        wake_at: DateTime<Utc>,
    },
    /// The saved schedules could not be read or written; the loop tries again later.
    Problem {
        /// What went wrong.
        message: String,
    },
}

/// The provider default used when a connection's connector is not in this build.
fn fallback_interval() -> Duration {
    Duration::minutes(60)
}

/// The default interval of a provider id (see [`policy::default_interval`]).
pub fn provider_interval(provider: &str) -> Duration {
    Registry::current()
        .get(provider)
        .map_or_else(fallback_interval, |d| policy::default_interval(d.manifest))
}

/// Asks for a sync of a connection as soon as a slot is free, even when paused or backing off.
/// Saved, so a scheduler in another process (the desktop app) picks it up too.
pub async fn request_run(
    store: &Store,
    company_id: CompanyId,
    connection_id: ConnectionId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    connections::get(tx.conn(), company_id, connection_id).await?;
    let mut schedule = schedules::get_or_default(tx.conn(), company_id, connection_id, now).await?;
    schedule.requested_at = Some(now);
    schedule.updated_at = now;
    schedules::save(tx.conn(), &schedule).await?;
    tx.commit().await
}

/// A scheduler, configured but not yet started.
pub struct Scheduler {
    store: Store,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    job: Arc<dyn SyncJob>,
    config: SchedulerConfig,
    jitter: Box<dyn Jitter>,
    events: broadcast::Sender<SchedulerEvent>,
}

impl Scheduler {
    /// A scheduler over `store` running `job`, with the default configuration and jitter from
    /// the operating system's randomness.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
        job: Arc<dyn SyncJob>,
    ) -> Self {
        Scheduler {
            store,
            clock,
            sleeper,
            job,
            config: SchedulerConfig::default(),
            jitter: Box::new(SeededJitter::from_entropy()),
            events: broadcast::channel(1024).0,
        }
    }

    /// Uses `config`.
    pub fn with_config(mut self, config: SchedulerConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses `jitter` (tests pass a seeded one or none).
    pub fn with_jitter(mut self, jitter: Box<dyn Jitter>) -> Self {
        self.jitter = jitter;
        self
    }

    /// Scheduler activity, from the first loop on.
    pub fn subscribe(&self) -> broadcast::Receiver<SchedulerEvent> {
        self.events.subscribe()
    }

    /// Starts the loop on the current tokio runtime. Dropping the handle stops it as
    /// [`SchedulerHandle::shutdown`] does, without waiting.
    pub fn start(self) -> SchedulerHandle {
        let slots = Arc::new(Semaphore::new(self.config.max_concurrent.max(1)));
        let inner = Arc::new(Inner {
            store: self.store,
            clock: self.clock,
            sleeper: self.sleeper,
            job: self.job,
            config: self.config,
            jitter: Mutex::new(self.jitter),
            events: self.events,
            wake: Notify::new(),
            running: Mutex::new(HashSet::new()),
            slots,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run_loop(inner.clone(), stopped));
        SchedulerHandle { inner, stop, task }
    }
}

/// A running scheduler.
pub struct SchedulerHandle {
    inner: Arc<Inner>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SchedulerHandle {
    /// Scheduler activity from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SchedulerEvent> {
        self.inner.events.subscribe()
    }

    /// Makes the loop look at the saved schedules now (after the owner changed one).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// "Sync now": saves the request and starts it as soon as a slot is free.
    pub async fn sync_now(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
    ) -> Result<(), StoreError> {
        request_run(
            &self.inner.store,
            company_id,
            connection_id,
            self.inner.clock.now(),
        )
        .await?;
        self.wake();
        Ok(())
    }

    /// The connections syncing right now.
    pub fn running(&self) -> Vec<ConnectionId> {
        let mut out: Vec<_> = self.inner.lock_running().iter().copied().collect();
        out.sort();
        out
    }

    /// Stops starting syncs, waits for running ones (up to the configured grace), and ends.
    pub async fn shutdown(self) {
        self.stop.send_replace(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the scheduler loop ended abnormally");
        }
    }
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    job: Arc<dyn SyncJob>,
    config: SchedulerConfig,
    jitter: Mutex<Box<dyn Jitter>>,
    events: broadcast::Sender<SchedulerEvent>,
    wake: Notify,
    running: Mutex<HashSet<ConnectionId>>,
    slots: Arc<Semaphore>,
}

/// Removes a connection from the running set however its run ends (even by panic or abort).
struct RunningGuard {
    inner: Arc<Inner>,
    connection_id: ConnectionId,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.inner.lock_running().remove(&self.connection_id);
    }
}

async fn run_loop(inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut jobs = JoinSet::new();
    loop {
        if *stop.borrow_and_update() {
            break;
        }
        while jobs.try_join_next().is_some() {}
        let now = inner.clock.now();
        let next = match inner.start_due(&mut jobs, now).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "the scheduler could not read or save schedules");
                inner.emit(SchedulerEvent::Problem {
                    message: e.to_string(),
                });
                None
            }
        };
        let cap = now + inner.config.poll_interval;
        let wake_at = next.map_or(cap, |n| n.min(cap));
        inner.emit(SchedulerEvent::Idle {
            running: jobs.len(),
            wake_at,
        });
        tokio::select! {
            changed = stop.changed() => if changed.is_err() { break },
            _ = inner.wake.notified() => {}
            _ = inner.sleeper.sleep_until(wake_at) => {}
            Some(_) = jobs.join_next(), if !jobs.is_empty() => {}
        }
    }
    let drain = async { while jobs.join_next().await.is_some() {} };
    if tokio::time::timeout(inner.config.shutdown_grace, drain)
        .await
        .is_err()
    {
        tracing::info!("stopping running syncs; they resume from their checkpoints");
        jobs.abort_all();
        while jobs.join_next().await.is_some() {}
    }
}

impl Inner {
    fn emit(&self, event: SchedulerEvent) {
        let _ = self.events.send(event);
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashSet<ConnectionId>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every connection of every company with its saved (or default) schedule and its
    /// provider's default interval, and the global pause.
    async fn load(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Entry>, HashMap<ConnectionId, Duration>, bool), StoreError> {
        let mut conn = self.store.pool().acquire().await?;
        let global_paused = schedules::global_paused(&mut conn).await?;
        let mut entries = Vec::new();
        let mut defaults = HashMap::new();
        for company in companies::list(&mut conn).await? {
            let mut saved: HashMap<ConnectionId, Schedule> = schedules::list(&mut conn, company.id)
                .await?
                .into_iter()
                .map(|s| (s.connection_id, s))
                .collect();
            for c in connections::list(&mut conn, company.id).await? {
                defaults.insert(c.id, provider_interval(&c.provider));
                entries.push(Entry {
                    schedule: saved
                        .remove(&c.id)
                        .unwrap_or_else(|| Schedule::new(company.id, c.id, now)),
                    connection_status: c.status,
                });
            }
        }
        Ok((entries, defaults, global_paused))
    }

    /// Starts what is due while slots are free; returns when something waiting becomes due.
    async fn start_due(
        self: &Arc<Self>,
        jobs: &mut JoinSet<()>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (entries, defaults, global_paused) = self.load(now).await?;
        for entry in policy::due(&entries, now, global_paused) {
            let company_id = entry.schedule.company_id;
            let connection_id = entry.schedule.connection_id;
            if self.lock_running().contains(&connection_id) {
                continue;
            }
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                break;
            };
            let mut tx = self.store.write().await?;
            let mut schedule =
                schedules::get_or_default(tx.conn(), company_id, connection_id, now).await?;
            // A run that ended since `load` has moved its next run on: check again.
            let fresh = Entry {
                schedule: schedule.clone(),
                connection_status: entry.connection_status.clone(),
            };
            if !policy::state(&fresh, now, global_paused).is_due() {
                continue;
            }
            policy::on_start(&mut schedule, now);
            schedules::save(tx.conn(), &schedule).await?;
            tx.commit().await?;
            self.lock_running().insert(connection_id);
            let guard = RunningGuard {
                inner: self.clone(),
                connection_id,
            };
            self.emit(SchedulerEvent::Started {
                company_id,
                connection_id,
                at: now,
            });
            tracing::info!(%connection_id, "scheduled sync starting");
            let default = defaults
                .get(&connection_id)
                .copied()
                .unwrap_or_else(fallback_interval);
            jobs.spawn(self.clone().run_one(company_id, guard, default, permit));
        }
        Ok(policy::next_wake(&entries, now, global_paused))
    }

    async fn run_one(
        self: Arc<Self>,
        company_id: CompanyId,
        guard: RunningGuard,
        default_interval: Duration,
        _slot: OwnedSemaphorePermit,
    ) {
        let connection_id = guard.connection_id;
        let result = self.job.run(company_id, connection_id).await;
        let now = self.clock.now();
        let next_run_at = match self
            .record(company_id, connection_id, default_interval, &result, now)
            .await
        {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(%connection_id, error = %e, "could not save the outcome of a scheduled sync");
                self.emit(SchedulerEvent::Problem {
                    message: e.to_string(),
                });
                None
            }
        };
        drop(guard);
        self.emit(SchedulerEvent::Finished {
            company_id,
            connection_id,
            error: result.err(),
            next_run_at,
        });
    }

    async fn record(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        default_interval: Duration,
        result: &Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut tx = self.store.write().await?;
        let mut schedule =
            schedules::get_or_default(tx.conn(), company_id, connection_id, now).await?;
        let interval = policy::interval_of(&schedule, default_interval);
        {
            let mut jitter = self.jitter.lock().unwrap_or_else(PoisonError::into_inner);
            match result {
                Ok(()) => policy::on_success(&mut schedule, interval, now, &mut **jitter),
                Err(message) => policy::on_failure(
                    &mut schedule,
                    interval,
                    self.config.backoff_cap,
                    now,
                    message,
                    &mut **jitter,
                ),
            }
        }
        schedules::save(tx.conn(), &schedule).await?;
        tx.commit().await?;
        Ok(schedule.next_run_at)
    }
}
