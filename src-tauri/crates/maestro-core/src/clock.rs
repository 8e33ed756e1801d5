//! Injected time. [`SystemClock`] is the only place that reads the wall clock; tests use
//! [`ManualClock`].

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned call to Utc::now
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to; for tests and deterministic simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Jumps to `instant` (backwards is allowed).
    pub fn set(&self, instant: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = instant;
    }

    /// Moves forward by `by` (a negative duration moves backwards); saturates at the
    /// representable range instead of panicking.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now
            .checked_add_signed(by)
            .unwrap_or(if by < Duration::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
    }
}

/// Starts at the Unix epoch.
impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new(DateTime::<Utc>::UNIX_EPOCH)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(t("2025-01-01T00:00:00Z"));
        assert_eq!(clock.now(), t("2025-01-01T00:00:00Z"));
        clock.advance(Duration::minutes(90));
        assert_eq!(clock.now(), t("2025-01-01T01:30:00Z"));
        clock.set(t("2024-12-31T23:00:00Z"));
        assert_eq!(clock.now(), t("2024-12-31T23:00:00Z"));
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
        assert_eq!(ManualClock::default().now(), DateTime::<Utc>::UNIX_EPOCH);
    }

    #[test]
    fn shared_as_dyn_clock() {
        let manual = Arc::new(ManualClock::new(t("2025-06-01T12:00:00Z")));
        let shared: Arc<dyn Clock> = manual.clone();
        manual.advance(Duration::seconds(5));
        assert_eq!(shared.now(), t("2025-06-01T12:00:05Z"));
        fn takes_clock(c: impl Clock) -> DateTime<Utc> {
            c.now()
        }
        assert_eq!(takes_clock(&*manual), t("2025-06-01T12:00:05Z"));
        assert_eq!(takes_clock(shared), t("2025-06-01T12:00:05Z"));
    }

    #[test]
    fn system_clock_is_recent() {
        assert!(SystemClock.now() > t("2025-01-01T00:00:00Z"));
    }
}
