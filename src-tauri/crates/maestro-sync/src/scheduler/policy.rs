//! Every scheduling decision, as pure functions of saved schedules and an injected instant.
//!
//! **Default interval.** From the connector's manifest: time tracking every 5 minutes (hours
//! change all day and feed payroll), payroll and HRIS every 15 minutes, everything else every
//! 60 minutes. A provider whose documented budget is under 60 requests a minute gets twice
//! that, under 10 a minute four times, so a scheduled sync never eats its rate budget.
//!
//! **Jitter.** Every computed wait is moved by up to ±[`JITTER_PERCENT`] % at random, so
//! connections added together do not keep firing together.
//!
//! **Catch-up.** The next run is counted from when a run *ends*, never from when it was due:
//! after hours asleep, suspended or offline a schedule is due once, runs once, and is then due
//! one interval later.
//!
//! **Backoff.** After `n` failures in a row the next run waits `min(cap, interval · 2ⁿ)`
//! (jittered); a success resets the streak.
//!
//! **What runs.** A connection needing reconnection never runs (it would fail the same way).
//! "Sync now" runs otherwise even when paused or backing off: the owner asked. Else a paused
//! schedule (its own pause or the global one) waits, a backing-off one waits out its backoff,
//! and the rest run once their next run has come.

use chrono::{DateTime, Duration, Utc};
use maestro_connectors::{Category, Manifest};
use maestro_http::RateLimit;
use maestro_store::schedules::Schedule;
use serde::Serialize;

/// How far (in percent of the wait) jitter may move a run either way.
pub const JITTER_PERCENT: i64 = 10;

/// The longest backoff after repeated failures, unless configured otherwise.
pub fn default_backoff_cap() -> Duration {
    Duration::hours(6)
}

/// The connection status that stops scheduled runs until the owner reconnects.
pub const NEEDS_RECONNECT: &str = "needs_reconnect";

/// The default interval for a provider (see the module documentation for the rule).
pub fn default_interval(manifest: &Manifest) -> Duration {
    let base = match manifest.category {
        Category::TimeTracking => Duration::minutes(5),
        Category::Payroll | Category::Hris => Duration::minutes(15),
        _ => Duration::minutes(60),
    };
    base * rate_limit_factor(manifest.rate_limit)
}

/// How much a tight rate budget stretches the category's interval: ×4 under 10 requests a
/// minute, ×2 under 60, else ×1.
pub fn rate_limit_factor(limit: RateLimit) -> i32 {
    let window = limit.window.as_secs().max(1);
    let per_minute = u64::from(limit.requests).saturating_mul(60) / window;
    match per_minute {
        0..10 => 4,
        10..60 => 2,
        _ => 1,
    }
}

/// A source of random numbers for jitter.
pub trait Jitter: Send {
    /// A uniformly chosen number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64;
}

/// No jitter at all: every wait is exact. For tests and simulations.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJitter;

impl Jitter for NoJitter {
    fn below(&mut self, n: u64) -> u64 {
        // The middle of 0..2s+1 is s: an offset of zero.
        n / 2
    }
}

/// SplitMix64: small, fast and good enough to spread runs; seeded for reproducible tests or
/// from the operating system's randomness.
#[derive(Debug, Clone)]
pub struct SeededJitter {
    state: u64,
}

impl SeededJitter {
    /// A generator that always yields the same sequence for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededJitter { state: seed }
    }

    /// A generator seeded from the operating system's randomness.
    pub fn from_entropy() -> Self {
        SeededJitter::new(uuid::Uuid::new_v4().as_u64_pair().0)
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Jitter for SeededJitter {
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// `wait` moved by up to ±[`JITTER_PERCENT`] %, to the millisecond.
pub fn jittered(wait: Duration, jitter: &mut dyn Jitter) -> Duration {
    let span = (wait.num_milliseconds() / 100)
        .saturating_mul(JITTER_PERCENT)
        .max(0);
    let width = u64::try_from(span).unwrap_or(0).saturating_mul(2) + 1;
    let offset = i64::try_from(jitter.below(width)).unwrap_or(span) - span;
    wait + Duration::milliseconds(offset)
}

/// When a schedule with `interval` runs next, counted from `from` (the end of a run).
pub fn next_run(interval: Duration, from: DateTime<Utc>, jitter: &mut dyn Jitter) -> DateTime<Utc> {
    from + jittered(interval, jitter)
}

/// The wait after `failures` failed runs in a row: `min(cap, interval · 2^failures)`, before
/// jitter.
pub fn backoff(interval: Duration, failures: u32, cap: Duration) -> Duration {
    let factor = 1_i64.checked_shl(failures).filter(|f| *f > 0);
    factor
        .and_then(|f| interval.num_milliseconds().checked_mul(f))
        .map(Duration::milliseconds)
        .map_or(cap, |d| d.min(cap))
}

/// The interval a schedule follows: the owner's choice, else the provider's `default`.
pub fn interval_of(schedule: &Schedule, default: Duration) -> Duration {
    schedule
        .interval_seconds
        .filter(|s| *s > 0)
        .map_or(default, Duration::seconds)
}

/// Records that a run starts now: it is no longer requested.
pub fn on_start(schedule: &mut Schedule, now: DateTime<Utc>) {
    schedule.last_run_at = Some(now);
    schedule.requested_at = None;
    schedule.updated_at = now;
}

/// Records a run that finished without errors at `now`: the failure streak ends and the next
/// run is one (jittered) interval away.
pub fn on_success(
    schedule: &mut Schedule,
    interval: Duration,
    now: DateTime<Utc>,
    jitter: &mut dyn Jitter,
) {
    schedule.consecutive_failures = 0;
    schedule.backoff_until = None;
    schedule.last_error = None;
    schedule.last_success_at = Some(now);
    schedule.next_run_at = Some(next_run(interval, now, jitter));
    schedule.updated_at = now;
}

/// Records a run that failed at `now` with `message`: the streak grows and the next run waits
/// out the (jittered) backoff.
pub fn on_failure(
    schedule: &mut Schedule,
    interval: Duration,
    cap: Duration,
    now: DateTime<Utc>,
    message: &str,
    jitter: &mut dyn Jitter,
) {
    schedule.consecutive_failures = schedule.consecutive_failures.saturating_add(1);
    let until = now
        + jittered(
            backoff(interval, schedule.consecutive_failures, cap),
            jitter,
        );
    schedule.backoff_until = Some(until);
    schedule.next_run_at = Some(until);
    schedule.last_error = Some(message.to_owned());
    schedule.updated_at = now;
}

/// A saved (or default) schedule with the status of its connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The schedule.
    pub schedule: Schedule,
    /// The connection's status ("active", "paused", "needs_reconnect"…).
    pub connection_status: String,
}

/// Where a schedule stands at an instant, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ScheduleState {
    /// "Sync now" was asked for: it runs as soon as a slot is free.
    Requested,
    /// Its time has come: it runs as soon as a slot is free.
    Due,
    /// Waiting for its next run.
    Waiting {
        /// When it runs.
        until: DateTime<Utc>,
    },
    /// Waiting out a backoff after failures.
    BackingOff {
        /// When it may run again.
        until: DateTime<Utc>,
    },
    /// Paused by the owner for this connection.
    Paused,
    /// Paused by the owner for every connection.
    PausedGlobally,
    /// The provider refused the saved sign-in: nothing runs until it is reconnected.
    NeedsReconnect,
}

impl ScheduleState {
    /// Whether it should start now.
    pub fn is_due(self) -> bool {
        matches!(self, ScheduleState::Requested | ScheduleState::Due)
    }
}

/// Where `entry` stands at `now` (see the module documentation for the rule).
pub fn state(entry: &Entry, now: DateTime<Utc>, global_paused: bool) -> ScheduleState {
    let s = &entry.schedule;
    if entry.connection_status == NEEDS_RECONNECT {
        return ScheduleState::NeedsReconnect;
    }
    if s.requested_at.is_some() {
        return ScheduleState::Requested;
    }
    if s.paused || entry.connection_status == "paused" {
        return ScheduleState::Paused;
    }
    if global_paused {
        return ScheduleState::PausedGlobally;
    }
    if let Some(until) = s.backoff_until.filter(|u| *u > now) {
        return ScheduleState::BackingOff { until };
    }
    match s.next_run_at {
        Some(until) if until > now => ScheduleState::Waiting { until },
        _ => ScheduleState::Due,
    }
}

/// The entries to start at `now`, most urgent first: "sync now" requests (oldest first), then
/// the most overdue. Each appears once however many intervals it missed.
pub fn due(entries: &[Entry], now: DateTime<Utc>, global_paused: bool) -> Vec<&Entry> {
    let mut out: Vec<&Entry> = entries
        .iter()
        .filter(|e| state(e, now, global_paused).is_due())
        .collect();
    out.sort_by_key(|e| {
        (
            e.schedule.requested_at.is_none(),
            e.schedule.requested_at,
            e.schedule.next_run_at,
        )
    });
    out
}

/// The earliest instant after `now` at which a waiting entry becomes due, if any.
pub fn next_wake(
    entries: &[Entry],
    now: DateTime<Utc>,
    global_paused: bool,
) -> Option<DateTime<Utc>> {
    entries
        .iter()
        .filter_map(|e| match state(e, now, global_paused) {
            ScheduleState::Waiting { until } | ScheduleState::BackingOff { until } => Some(until),
            _ => None,
        })
        .min()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use maestro_connectors::Registry;
    use maestro_core::ids::{CompanyId, ConnectionId};

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn entry(next: Option<&str>) -> Entry {
        let mut schedule = Schedule::new(
            CompanyId::new(),
            ConnectionId::new(),
            t("2026-01-01T00:00:00Z"),
        );
        schedule.next_run_at = next.map(t);
        Entry {
            schedule,
            connection_status: "active".into(),
        }
    }

    fn manifest(id: &str) -> &'static Manifest {
        Registry::builtin().get(id).unwrap().manifest
    }

    #[test]
    fn default_intervals_follow_category_and_rate_budget() {
        assert_eq!(default_interval(manifest("harvest")), Duration::minutes(5));
        assert_eq!(default_interval(manifest("gusto")), Duration::minutes(15));
        assert_eq!(
            default_interval(manifest("bamboohr")),
            Duration::minutes(15)
        );
        let mut tight = manifest("gusto").clone();
        tight.rate_limit = RateLimit::per_seconds(30, 60);
        assert_eq!(default_interval(&tight), Duration::minutes(30));
        tight.rate_limit = RateLimit::per_seconds(100, 3600);
        assert_eq!(default_interval(&tight), Duration::minutes(60));
        tight.category = Category::Benefits;
        assert_eq!(default_interval(&tight), Duration::hours(4));
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_spreads() {
        let interval = Duration::minutes(15);
        let from = t("2026-01-01T00:00:00Z");
        let mut rng = SeededJitter::new(42);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            let next = next_run(interval, from, &mut rng);
            assert!(next >= from + Duration::seconds(810), "{next}");
            assert!(next <= from + Duration::seconds(990), "{next}");
            seen.insert(next);
        }
        assert!(seen.len() > 1_000, "jitter spreads runs: {}", seen.len());
        assert!(seen.iter().any(|n| *n < from + Duration::seconds(830)));
        assert!(seen.iter().any(|n| *n > from + Duration::seconds(970)));
        assert_eq!(next_run(interval, from, &mut NoJitter), from + interval);
        // The same seed gives the same runs.
        let a: Vec<_> = (0..5).map(|_| SeededJitter::new(7).below(1000)).collect();
        assert!(a.iter().all(|x| *x == a[0]));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let i = Duration::minutes(15);
        let cap = Duration::hours(6);
        assert_eq!(backoff(i, 0, cap), i);
        assert_eq!(backoff(i, 1, cap), Duration::minutes(30));
        assert_eq!(backoff(i, 3, cap), Duration::hours(2));
        assert_eq!(backoff(i, 5, cap), cap);
        assert_eq!(backoff(i, 63, cap), cap);
        assert_eq!(backoff(i, u32::MAX, cap), cap);
    }

    #[test]
    fn failures_back_off_and_a_success_resets() {
        let i = Duration::minutes(10);
        let cap = Duration::hours(1);
        let mut e = entry(None);
        let now = t("2026-01-01T08:00:00Z");
        on_start(&mut e.schedule, now);
        on_failure(
            &mut e.schedule,
            i,
            cap,
            now,
            "Harvest is down",
            &mut NoJitter,
        );
        assert_eq!(e.schedule.consecutive_failures, 1);
        assert_eq!(e.schedule.backoff_until, Some(now + Duration::minutes(20)));
        assert_eq!(
            state(&e, now + Duration::minutes(19), false),
            ScheduleState::BackingOff {
                until: now + Duration::minutes(20)
            }
        );
        assert!(state(&e, now + Duration::minutes(20), false).is_due());
        for _ in 0..5 {
            on_failure(&mut e.schedule, i, cap, now, "still down", &mut NoJitter);
        }
        assert_eq!(e.schedule.consecutive_failures, 6);
        assert_eq!(e.schedule.backoff_until, Some(now + cap));
        assert_eq!(e.schedule.last_error.as_deref(), Some("still down"));
        let mut rng = SeededJitter::new(3);
        on_failure(&mut e.schedule, i, cap, now, "x", &mut rng);
        let until = e.schedule.backoff_until.unwrap();
        assert!(until >= now + Duration::minutes(54) && until <= now + Duration::minutes(66));

        let later = now + Duration::hours(2);
        on_success(&mut e.schedule, i, later, &mut NoJitter);
        assert_eq!(e.schedule.consecutive_failures, 0);
        assert_eq!(e.schedule.backoff_until, None);
        assert_eq!(e.schedule.last_error, None);
        assert_eq!(e.schedule.last_success_at, Some(later));
        assert_eq!(e.schedule.next_run_at, Some(later + i));
    }

    #[test]
    fn a_long_sleep_makes_a_schedule_due_once() {
        let i = Duration::minutes(15);
        let mut e = entry(Some("2026-01-01T08:15:00Z"));
        // Six hours asleep: 24 intervals missed.
        let wake = t("2026-01-01T14:15:00Z");
        assert_eq!(due(std::slice::from_ref(&e), wake, false).len(), 1);
        on_start(&mut e.schedule, wake);
        on_success(
            &mut e.schedule,
            i,
            wake + Duration::seconds(20),
            &mut NoJitter,
        );
        assert_eq!(
            state(&e, wake + Duration::seconds(21), false),
            ScheduleState::Waiting {
                until: wake + Duration::seconds(20) + i
            }
        );
        assert!(
            due(
                std::slice::from_ref(&e),
                wake + Duration::minutes(15),
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn pauses_reconnects_and_requests() {
        let now = t("2026-01-01T09:00:00Z");
        let mut e = entry(Some("2026-01-01T08:00:00Z"));
        assert_eq!(state(&e, now, false), ScheduleState::Due);
        assert_eq!(state(&e, now, true), ScheduleState::PausedGlobally);
        e.schedule.paused = true;
        assert_eq!(state(&e, now, false), ScheduleState::Paused);
        e.schedule.requested_at = Some(now);
        assert_eq!(state(&e, now, true), ScheduleState::Requested);
        e.connection_status = NEEDS_RECONNECT.into();
        assert_eq!(state(&e, now, false), ScheduleState::NeedsReconnect);
        e.connection_status = "paused".into();
        e.schedule.paused = false;
        e.schedule.requested_at = None;
        assert_eq!(state(&e, now, false), ScheduleState::Paused);
    }

    #[test]
    fn due_orders_requests_then_the_most_overdue_and_wakes_at_the_earliest() {
        let now = t("2026-01-01T09:00:00Z");
        let a = entry(Some("2026-01-01T08:50:00Z"));
        let b = entry(Some("2026-01-01T08:10:00Z"));
        let mut c = entry(Some("2026-01-01T10:00:00Z"));
        c.schedule.requested_at = Some(now);
        let d = entry(Some("2026-01-01T09:05:00Z"));
        let mut e = entry(Some("2026-01-01T09:01:00Z"));
        e.schedule.paused = true;
        let f = entry(None);
        let all = vec![a.clone(), b.clone(), c.clone(), d, e, f.clone()];
        let order: Vec<_> = due(&all, now, false)
            .into_iter()
            .map(|e| e.schedule.connection_id)
            .collect();
        assert_eq!(
            order,
            vec![
                c.schedule.connection_id,
                f.schedule.connection_id,
                b.schedule.connection_id,
                a.schedule.connection_id
            ]
        );
        assert_eq!(next_wake(&all, now, false), Some(t("2026-01-01T09:05:00Z")));
        assert_eq!(next_wake(&all, now, true), None);
        assert_eq!(
            due(&all, now, true)
                .into_iter()
                .map(|e| e.schedule.connection_id)
                .collect::<Vec<_>>(),
            vec![c.schedule.connection_id]
        );
    }

    #[test]
    fn owner_interval_overrides_the_default() {
        let mut e = entry(None);
        assert_eq!(
            interval_of(&e.schedule, Duration::minutes(5)),
            Duration::minutes(5)
        );
        e.schedule.interval_seconds = Some(3600);
        assert_eq!(
            interval_of(&e.schedule, Duration::minutes(5)),
            Duration::hours(1)
        );
    }
}
