//! When connections sync on their own: the owner's view and controls (interval, pause and
//! resume per connection or for everything, "sync now"), and the background scheduler that runs
//! due connections through [`App::sync_connection`] incrementally. The rules are in
//! [`maestro_sync::scheduler::policy`].

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::connections::{self, Connection};
use maestro_store::schedules::{self, Schedule};
use maestro_sync::Mode;
use maestro_sync::scheduler::policy::{self, Entry};
use maestro_sync::scheduler::runner::{provider_interval, request_run};
use maestro_sync::scheduler::{JobFuture, Scheduler, SeededJitter, SyncJob, SystemSleeper};
use serde::Serialize;

pub use maestro_sync::scheduler::{
    ScheduleState, SchedulerConfig, SchedulerEvent, SchedulerHandle, Sleeper,
};

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// The shortest interval the owner may choose.
pub fn min_interval() -> Duration {
    Duration::minutes(1)
}

/// The longest interval the owner may choose.
pub fn max_interval() -> Duration {
    Duration::days(7)
}

/// One connection's schedule as the owner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionSchedule {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Its name.
    pub display_name: String,
    /// Its connector id.
    pub provider: String,
    /// Seconds between runs in effect.
    pub interval_seconds: i64,
    /// The provider's default, in seconds.
    pub default_interval_seconds: i64,
    /// Whether the owner chose the interval (else the provider's default applies).
    pub custom_interval: bool,
    /// Paused for this connection.
    pub paused: bool,
    /// Where it stands now, and why.
    pub state: ScheduleState,
    /// When it runs next (none: at once).
    pub next_run_at: Option<DateTime<Utc>>,
    /// When the last run started.
    pub last_run_at: Option<DateTime<Utc>>,
    /// When a run last finished without errors.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last run failed.
    pub last_error: Option<String>,
    /// Failed runs in a row.
    pub consecutive_failures: u32,
    /// No scheduled run before this instant.
    pub backoff_until: Option<DateTime<Utc>>,
}

/// Every schedule of a company, and the installation-wide pause.
#[derive(Debug, Clone, Serialize)]
pub struct Schedules {
    /// Every schedule of the installation is paused.
    pub paused_globally: bool,
    /// One per connection.
    pub connections: Vec<ConnectionSchedule>,
}

/// What a pause or resume applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleTarget {
    /// Every connection of every company.
    All,
    /// One connection.
    Connection {
        /// Its company.
        company_id: CompanyId,
        /// The connection.
        connection_id: ConnectionId,
    },
}

fn view(
    connection: &Connection,
    schedule: Schedule,
    now: DateTime<Utc>,
    paused_globally: bool,
) -> ConnectionSchedule {
    let default = provider_interval(&connection.provider);
    let interval = policy::interval_of(&schedule, default);
    let entry = Entry {
        schedule,
        connection_status: connection.status.clone(),
    };
    let state = policy::state(&entry, now, paused_globally);
    let s = entry.schedule;
    ConnectionSchedule {
        connection_id: connection.id,
        display_name: connection.display_name.clone(),
        provider: connection.provider.clone(),
        interval_seconds: interval.num_seconds(),
        default_interval_seconds: default.num_seconds(),
        custom_interval: s.interval_seconds.is_some(),
        paused: s.paused,
        state,
        next_run_at: s.next_run_at,
        last_run_at: s.last_run_at,
        last_success_at: s.last_success_at,
        last_error: s.last_error,
        consecutive_failures: s.consecutive_failures,
        backoff_until: s.backoff_until,
    }
}

/// Runs scheduled syncs through the app: incremental, every readable entity; a run with any
/// failing entity counts as failed (its messages are kept for the owner).
struct AppJob(App);

impl SyncJob for AppJob {
    fn run(&self, company_id: CompanyId, connection_id: ConnectionId) -> JobFuture<'_> {
        Box::pin(async move {
            let outcomes = self
                .0
                .sync_connection(company_id, connection_id, None, Mode::Incremental)
                .await
                .map_err(|e| e.message)?;
            // Once a day, what is past its retention goes (maestro_app::retention).
            if let Err(e) = self.0.purge_retention_if_due(company_id).await {
                tracing::warn!(error = %e.message, "the daily retention purge failed");
            }
            let failures: Vec<String> = outcomes
                .iter()
                .filter_map(|o| o.error.as_ref().map(|e| format!("{}: {e}", o.entity)))
                .collect();
            if failures.is_empty() {
                Ok(())
            } else {
                Err(failures.join("; "))
            }
        })
    }
}

impl App {
    /// The schedules of a company's connections.
    pub async fn schedules(&self, company_id: CompanyId) -> Result<Schedules> {
        let now = self.now();
        let mut conn = self.conn().await?;
        let paused_globally = schedules::global_paused(&mut conn).await?;
        let saved = schedules::list(&mut conn, company_id).await?;
        let list = connections::list(&mut conn, company_id).await?;
        let connections = list
            .iter()
            .map(|c| {
                let schedule = saved
                    .iter()
                    .find(|s| s.connection_id == c.id)
                    .cloned()
                    .unwrap_or_else(|| Schedule::new(company_id, c.id, now));
                view(c, schedule, now, paused_globally)
            })
            .collect();
        Ok(Schedules {
            paused_globally,
            connections,
        })
    }

    /// Sets how often a connection syncs, in seconds; `None` returns to the provider's
    /// default. The next run is one interval after the last one (at once if that has passed).
    /// Audited.
    pub async fn set_schedule(
        &self,
        company_id: CompanyId,
        connection_id: ConnectionId,
        interval_seconds: Option<i64>,
    ) -> Result<ConnectionSchedule> {
        let interval = interval_seconds.map(Duration::seconds);
        if let Some(i) = interval
            && (i < min_interval() || i > max_interval())
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                "choose an interval between 1 minute and 7 days",
            )
            .with_field("interval"));
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        let connection = connections::get(tx.conn(), company_id, connection_id).await?;
        let mut schedule =
            schedules::get_or_default(tx.conn(), company_id, connection_id, now).await?;
        schedule.interval_seconds = interval.map(|i| i.num_seconds());
        let effective = policy::interval_of(&schedule, provider_interval(&connection.provider));
        if schedule.backoff_until.is_none()
            && let Some(last) = schedule.last_run_at
        {
            schedule.next_run_at = Some(policy::next_run(
                effective,
                last,
                &mut SeededJitter::from_entropy(),
            ));
        }
        schedule.updated_at = now;
        schedules::save(tx.conn(), &schedule).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "schedule.set", &connection_id.to_string())
                .company(company_id)
                .detail(serde_json::json!({
                    "interval_seconds": schedule.interval_seconds,
                    "effective_seconds": effective.num_seconds(),
                })),
            now,
        )
        .await?;
        let paused_globally = schedules::global_paused(tx.conn()).await?;
        tx.commit().await?;
        Ok(view(&connection, schedule, now, paused_globally))
    }

    /// Pauses scheduled syncs of one connection, or of everything. "Sync now" still works.
    pub async fn pause_schedule(&self, target: ScheduleTarget) -> Result<()> {
        self.set_paused(target, true).await
    }

    /// Resumes scheduled syncs; one that fell due while paused runs once, at once.
    pub async fn resume_schedule(&self, target: ScheduleTarget) -> Result<()> {
        self.set_paused(target, false).await
    }

    async fn set_paused(&self, target: ScheduleTarget, paused: bool) -> Result<()> {
        let now = self.now();
        let action = if paused {
            "schedule.pause"
        } else {
            "schedule.resume"
        };
        let mut tx = self.store().write().await?;
        let event = match target {
            ScheduleTarget::All => {
                schedules::set_global_paused(tx.conn(), paused, now).await?;
                AuditEvent::new(&self.actor, action, "all")
            }
            ScheduleTarget::Connection {
                company_id,
                connection_id,
            } => {
                connections::get(tx.conn(), company_id, connection_id).await?;
                let mut schedule =
                    schedules::get_or_default(tx.conn(), company_id, connection_id, now).await?;
                schedule.paused = paused;
                schedule.updated_at = now;
                schedules::save(tx.conn(), &schedule).await?;
                AuditEvent::new(&self.actor, action, &connection_id.to_string()).company(company_id)
            }
        };
        audit::append(tx.conn(), &event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// "Sync now": the running scheduler (here or in the desktop app) starts it as soon as a
    /// slot is free, even when paused or backing off. Use [`SchedulerHandle::wake`] to have a
    /// scheduler of this process act at once.
    pub async fn sync_now(&self, company_id: CompanyId, connection_id: ConnectionId) -> Result<()> {
        request_run(self.store(), company_id, connection_id, self.now()).await?;
        self.audit(
            AuditEvent::new(&self.actor, "schedule.sync_now", &connection_id.to_string())
                .company(company_id),
        )
        .await?;
        Ok(())
    }

    /// Starts the background scheduler on the current tokio runtime, waiting with `sleeper`
    /// (tests pass a manual one). Stop it with [`SchedulerHandle::shutdown`].
    pub fn start_scheduler(
        &self,
        sleeper: Arc<dyn Sleeper>,
        config: SchedulerConfig,
    ) -> SchedulerHandle {
        Scheduler::new(
            self.store().clone(),
            self.clock.clone(),
            sleeper,
            Arc::new(AppJob(self.clone())),
        )
        .with_config(config)
        .start()
    }

    /// Starts the background scheduler on the wall clock with the default settings (at most
    /// [`maestro_sync::scheduler::DEFAULT_MAX_CONCURRENT`] connections at a time).
    pub fn start_background_scheduler(&self) -> SchedulerHandle {
        self.start_scheduler(
            Arc::new(SystemSleeper::new(self.clock.clone())),
            SchedulerConfig::default(),
        )
    }
}
