//! The background scheduler through the app against the sandbox, on a manual clock: new
//! connections sync at once, a change at the provider arrives at the next interval, a paused
//! connection waits while "sync now" still runs it, and a revoked key stops scheduled runs of
//! that connection (only) until it is reconnected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use maestro_app::App;
use maestro_app::schedule::{
    ScheduleState, ScheduleTarget, SchedulerConfig, SchedulerEvent, SchedulerHandle,
};
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_http::RetryPolicy;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::scheduler::ManualTime;
use tokio::sync::broadcast;

async fn connect(app: &App, sandbox: &Sandbox, provider: Provider) -> ConnectionId {
    let company = app.company(None).await.unwrap();
    app.connect_sandbox_provider(&company, sandbox, provider)
        .await
        .unwrap()
        .id
}

async fn count(app: &App, company: CompanyId, connection: ConnectionId, kind: EntityKind) -> usize {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(&mut conn, company, Some(kind), None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.connection_id == connection)
        .count()
}

/// Collects events until `n` scheduled runs have finished and the loop is idle again; returns
/// (started, finished with their errors).
async fn runs(
    events: &mut broadcast::Receiver<SchedulerEvent>,
    n: usize,
) -> (Vec<ConnectionId>, Vec<(ConnectionId, Option<String>)>) {
    let mut started = Vec::new();
    let mut finished = Vec::new();
    loop {
        let event = tokio::time::timeout(StdDuration::from_secs(120), events.recv())
            .await
            .expect("scheduled syncs did not finish")
            .unwrap();
        match event {
            SchedulerEvent::Started { connection_id, .. } => started.push(connection_id),
            SchedulerEvent::Finished {
                connection_id,
                error,
                ..
            } => finished.push((connection_id, error)),
            SchedulerEvent::Idle { running: 0, .. } if finished.len() >= n => break,
            SchedulerEvent::Problem { message } => panic!("scheduler problem: {message}"),
            _ => {}
        }
    }
    (started, finished)
}

fn state(app_schedules: &maestro_app::schedule::Schedules, id: ConnectionId) -> ScheduleState {
    app_schedules
        .connections
        .iter()
        .find(|s| s.connection_id == id)
        .unwrap()
        .state
}

fn nudge(handle: &SchedulerHandle, time: &ManualTime, by: Duration) {
    time.advance(by);
    handle.wake();
}

#[tokio::test]
async fn the_background_scheduler_keeps_connections_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(300),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    // A day behind the sandbox's own clock, so incremental "changed since" windows always
    // include what the sandbox changes now.
    // (Whole seconds: the store keeps instants to the microsecond.)
    let start = SystemClock.now() - Duration::days(1);
    let time = Arc::new(ManualTime::new(
        chrono::DateTime::from_timestamp(start.timestamp(), 0).unwrap(),
    ));
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        time.clone(),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap().id;
    let bamboo = connect(&app, &sandbox, Provider::BambooHr).await;
    let harvest = connect(&app, &sandbox, Provider::Harvest).await;

    let before = app.schedules(company).await.unwrap();
    assert!(!before.paused_globally);
    assert_eq!(state(&before, bamboo), ScheduleState::Due);
    let defaults: Vec<_> = before
        .connections
        .iter()
        .map(|s| (s.connection_id, s.interval_seconds, s.custom_interval))
        .collect();
    assert!(defaults.contains(&(bamboo, 900, false)), "{defaults:?}");
    assert!(defaults.contains(&(harvest, 300, false)), "{defaults:?}");

    let handle = app.start_scheduler(time.clone(), SchedulerConfig::default());
    let mut events = handle.subscribe();

    // Never synced: both run at once and bring in everything.
    let (_, finished) = runs(&mut events, 2).await;
    assert!(finished.iter().all(|(_, e)| e.is_none()), "{finished:?}");
    assert_eq!(
        count(&app, company, bamboo, EntityKind::Employee).await,
        sandbox.bamboohr_employees().len()
    );
    assert_eq!(
        count(&app, company, harvest, EntityKind::TimeEntry).await,
        sandbox.harvest_time_entry_count()
    );
    let now = time.now();
    for s in &app.schedules(company).await.unwrap().connections {
        assert_eq!(s.last_success_at, Some(now));
        let gap = s.next_run_at.unwrap() - now;
        let interval = Duration::seconds(s.interval_seconds);
        assert!(
            gap >= interval * 9 / 10 && gap <= interval * 11 / 10,
            "{gap} for {interval}"
        );
    }

    // A change at BambooHR arrives with the next scheduled run.
    let first = sandbox.bamboohr_employees()[0]["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| sandbox.bamboohr_employees()[0]["id"].to_string());
    sandbox
        .set_employee_field(
            Provider::BambooHr,
            &first,
            "preferredName",
            serde_json::json!("Rafa the Baker"),
        )
        .unwrap();
    nudge(&handle, &time, Duration::minutes(17));
    let (started, finished) = runs(&mut events, 2).await;
    assert_eq!(started.len(), 2, "each runs once: {started:?}");
    assert!(finished.iter().all(|(_, e)| e.is_none()), "{finished:?}");
    let mut conn = app.store().pool().acquire().await.unwrap();
    let employees = maestro_store::records::current_page(
        &mut conn,
        company,
        Some(EntityKind::Employee),
        None,
        100_000,
    )
    .await
    .unwrap();
    drop(conn);
    let changed = employees
        .iter()
        .find(|r| r.connection_id == bamboo && r.remote_id == first)
        .unwrap();
    assert_eq!(changed.version, 2);
    assert_eq!(changed.raw.to_value()["preferredName"], "Rafa the Baker");

    // Paused: BambooHR waits while Harvest keeps going; "sync now" still runs it.
    app.pause_schedule(ScheduleTarget::Connection {
        company_id: company,
        connection_id: bamboo,
    })
    .await
    .unwrap();
    nudge(&handle, &time, Duration::minutes(20));
    let (started, _) = runs(&mut events, 1).await;
    assert_eq!(started, vec![harvest]);
    assert_eq!(
        state(&app.schedules(company).await.unwrap(), bamboo),
        ScheduleState::Paused
    );
    app.sync_now(company, bamboo).await.unwrap();
    handle.wake();
    let (started, finished) = runs(&mut events, 1).await;
    assert_eq!(started, vec![bamboo]);
    assert_eq!(finished[0].1, None);

    // The key is revoked: the run fails, the connection needs reconnecting, and scheduled runs
    // leave it alone while Harvest carries on.
    sandbox.revoke(Provider::BambooHr);
    app.resume_schedule(ScheduleTarget::Connection {
        company_id: company,
        connection_id: bamboo,
    })
    .await
    .unwrap();
    app.sync_now(company, bamboo).await.unwrap();
    handle.wake();
    let (_, finished) = runs(&mut events, 1).await;
    assert_eq!(finished[0].0, bamboo);
    assert!(finished[0].1.is_some());
    let after = app.schedules(company).await.unwrap();
    assert_eq!(state(&after, bamboo), ScheduleState::NeedsReconnect);
    let bamboo_view = after
        .connections
        .iter()
        .find(|s| s.connection_id == bamboo)
        .unwrap();
    assert_eq!(bamboo_view.consecutive_failures, 1);
    assert!(bamboo_view.last_error.is_some());

    nudge(&handle, &time, Duration::hours(1));
    let (started, _) = runs(&mut events, 1).await;
    assert_eq!(started, vec![harvest]);

    // The owner's own interval applies from the last run.
    let set = app
        .set_schedule(company, harvest, Some(3_600))
        .await
        .unwrap();
    assert!(set.custom_interval);
    assert_eq!(set.interval_seconds, 3_600);
    assert!(app.set_schedule(company, harvest, Some(10)).await.is_err());

    handle.shutdown().await;
    sandbox.shutdown().await;
}
