//! Waiting for an instant of the injected clock: the real [`SystemSleeper`], and
//! [`ManualTime`], a clock and sleeper that move only when a test tells them to.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use maestro_core::clock::{Clock, ManualClock};
use tokio::sync::watch;

/// Waits until an instant of the scheduler's clock.
pub trait Sleeper: Send + Sync {
    /// Returns once `deadline` has come, or earlier: callers re-read the clock and wait again
    /// if needed.
    fn sleep_until(&self, deadline: DateTime<Utc>)
    -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Sleeps on tokio's timer until the wall clock reaches the deadline. The timer does not count
/// time the computer spends suspended, so the scheduler never waits longer than its poll
/// interval in one go and re-reads the wall clock on waking: that is how runs missed during a
/// sleep are caught up.
#[derive(Clone)]
pub struct SystemSleeper {
    clock: Arc<dyn Clock>,
}

impl SystemSleeper {
    /// A sleeper measuring deadlines against `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        SystemSleeper { clock }
    }
}

impl Sleeper for SystemSleeper {
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let wait = (deadline - self.clock.now())
            .to_std()
            .unwrap_or(std::time::Duration::ZERO);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock and sleeper for tests and simulations: time stands still until [`advance`] or
/// [`set`] moves it, which wakes every sleeper whose deadline has come.
///
/// [`advance`]: ManualTime::advance
/// [`set`]: ManualTime::set
#[derive(Debug)]
pub struct ManualTime {
    clock: ManualClock,
    moved: watch::Sender<DateTime<Utc>>,
}

impl ManualTime {
    /// Time stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualTime {
            clock: ManualClock::new(start),
            moved: watch::Sender::new(start),
        }
    }

    /// Moves time forward by `by` (as a computer waking from sleep would see it).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.moved.send_replace(self.clock.now());
    }

    /// Jumps to `instant`.
    pub fn set(&self, instant: DateTime<Utc>) {
        self.clock.set(instant);
        self.moved.send_replace(instant);
    }
}

impl Clock for ManualTime {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

impl Sleeper for ManualTime {
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            while self.clock.now() < deadline {
                if moved.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

impl<S: Sleeper + ?Sized> Sleeper for Arc<S> {
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        (**self).sleep_until(deadline)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn manual_sleepers_wake_only_when_time_reaches_them() {
        let time = Arc::new(ManualTime::new(t("2026-01-01T00:00:00Z")));
        let sleeper = time.clone();
        let task = tokio::spawn(async move {
            sleeper.sleep_until(t("2026-01-01T01:00:00Z")).await;
        });
        time.advance(Duration::minutes(30));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!task.is_finished());
        time.advance(Duration::minutes(30));
        tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        // A deadline already past returns at once.
        time.sleep_until(t("2025-12-31T00:00:00Z")).await;
    }

    #[tokio::test]
    async fn the_system_sleeper_waits_for_the_deadline() {
        let time = Arc::new(ManualTime::new(t("2026-01-01T00:00:00Z")));
        let sleeper = SystemSleeper::new(time.clone());
        let started = std::time::Instant::now();
        sleeper.sleep_until(t("2026-01-01T00:00:00.080Z")).await;
        assert!(started.elapsed() >= std::time::Duration::from_millis(80));
        let started = std::time::Instant::now();
        sleeper.sleep_until(t("2025-01-01T00:00:00Z")).await;
        assert!(started.elapsed() < std::time::Duration::from_millis(80));
    }
}
