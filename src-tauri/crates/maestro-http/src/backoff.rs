//! Retry policy: exponential backoff with full jitter and a cap, the server's `Retry-After`
//! honoured, and a per-connection retry budget so a failing provider is not hammered.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;

/// How a connection retries.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Backoff base: the first retry waits up to this long.
    pub base: Duration,
    /// Longest backoff between attempts (not applied to a server's `Retry-After`).
    pub cap: Duration,
    /// Longest `Retry-After` we wait for inline; longer ones are surfaced as throttling.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy with tiny waits, for tests.
    pub fn fast() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        }
    }

    /// The wait before retry number `retry` (1-based): a random duration in
    /// `[0, min(cap, base · 2^(retry-1))]` ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
        let ceiling = self.base.saturating_mul(exp).min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// A token bucket of retries shared by all requests of one connection: each retry spends
/// tokens, each success earns one back, so sustained failure stops retries quickly while
/// occasional blips are retried freely.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: Mutex<u32>,
    capacity: u32,
}

/// Tokens a retry costs.
const RETRY_COST: u32 = 5;

impl RetryBudget {
    /// A full budget of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Mutex::new(capacity),
            capacity,
        }
    }

    /// Takes the cost of one retry; false when the budget is spent.
    pub fn try_spend(&self) -> bool {
        match self.tokens.lock() {
            Ok(mut t) if *t >= RETRY_COST => {
                *t -= RETRY_COST;
                true
            }
            _ => false,
        }
    }

    /// A request succeeded: earn one token back.
    pub fn record_success(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            *t = (*t + 1).min(self.capacity);
        }
    }

    /// Tokens left.
    pub fn remaining(&self) -> u32 {
        self.tokens.lock().map(|t| *t).unwrap_or(0)
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(100)
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date; also an RFC 3339 time, as Checkr's
/// `X-Ratelimit-Reset` gives it (`2018-02-02T16:39:00Z` in its docs).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    chrono::DateTime::parse_from_rfc2822(v)
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(v))
        .ok()
        .map(|at| {
            (at.with_timezone(&chrono::Utc) - now)
                .to_std()
                .unwrap_or_default()
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_within_exponential_bounds_and_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(1),
        };
        for retry in 1..=8 {
            let bound = (100u64 << (retry - 1)).min(1000);
            for _ in 0..200 {
                assert!(p.backoff(retry) <= Duration::from_millis(bound));
            }
        }
        // Full jitter spreads values: not all the same.
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(4)).collect();
        assert!(samples.len() > 10);
    }

    #[test]
    fn budget_stops_sustained_retries_and_recovers() {
        let b = RetryBudget::new(20);
        assert!(b.try_spend() && b.try_spend() && b.try_spend() && b.try_spend());
        assert!(!b.try_spend());
        for _ in 0..5 {
            b.record_success();
        }
        assert!(b.try_spend());
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T20:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 20:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("2026-11-25T20:01:00Z", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("2026-11-25T19:59:00Z", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
