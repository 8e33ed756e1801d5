//! A per-account rate limiter: a sliding window seeded from the provider's documented limit,
//! adapted from `X-RateLimit-*` headers, and paused by `Retry-After`; and [`AccountLimiters`],
//! which gives every session of one provider account the same limiter. Uses tokio's clock, so
//! tests run it on paused time.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderMap;
use tokio::time::Instant;

/// The longest pause a provider's header can impose on a connection. A longer `Retry-After`
/// or `X-RateLimit-Reset` is taken as this long: a provider still limiting afterwards says
/// so again, while a wrong or hostile value cannot stall a connection for years (or overflow
/// the clock).
pub const MAX_PAUSE: Duration = Duration::from_secs(60 * 60);

/// A documented request limit: `requests` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub window: Duration,
}

impl RateLimit {
    /// `requests` per `seconds`.
    pub const fn per_seconds(requests: u32, seconds: u64) -> Self {
        Self {
            requests,
            window: Duration::from_secs(seconds),
        }
    }
}

#[derive(Debug)]
struct State {
    limit: RateLimit,
    /// When each request of the last window counts as made, oldest first.
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl State {
    /// Counts a request at `at`, keeping `sent` in order.
    fn count_at(&mut self, at: Instant) {
        let i = self.sent.partition_point(|t| *t <= at);
        self.sent.insert(i, at);
    }
}

/// Waits before each request so a provider account stays within its provider's limit.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

/// A request counted by [`RateLimiter::acquire`]: hand it to [`RateLimiter::answered`] when
/// the answer arrives, so the request counts from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent(Instant);

impl RateLimiter {
    /// A limiter seeded with the documented limit.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            state: Mutex::new(State {
                limit,
                sent: VecDeque::new(),
                paused_until: None,
            }),
        }
    }

    /// The limit currently applied.
    pub fn limit(&self) -> RateLimit {
        self.state
            .lock()
            .map(|s| s.limit)
            .unwrap_or(RateLimit::per_seconds(1, 1))
    }

    /// Waits until one more request may be sent, then counts it as sent now.
    pub async fn acquire(&self) -> Sent {
        loop {
            let wait = {
                let Ok(mut s) = self.state.lock() else {
                    return Sent(Instant::now());
                };
                let now = Instant::now();
                let window = s.limit.window;
                while s
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    s.sent.pop_front();
                }
                match s.paused_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        s.paused_until = None;
                        if s.sent.len() < s.limit.requests as usize {
                            s.count_at(now);
                            return Sent(now);
                        }
                        match s.sent.front() {
                            Some(oldest) => (*oldest + window).saturating_duration_since(now),
                            None => Duration::ZERO,
                        }
                    }
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }

    /// Moves the count of a request `sent` earlier to now, when its answer arrived: the
    /// provider counts a request when it receives it, which may be any time until the answer
    /// (a loaded machine or network can hold a request back for seconds). Counting it at the
    /// latest keeps the next window's first request from reaching the provider while the
    /// provider still counts this one.
    pub fn answered(&self, sent: Sent) {
        let now = Instant::now();
        let Ok(mut s) = self.state.lock() else { return };
        let i = s.sent.partition_point(|t| *t < sent.0);
        if s.sent.get(i) == Some(&sent.0) {
            s.sent.remove(i);
        }
        s.count_at(now);
    }

    /// Counts `requests` made to the account without this limiter (a sign-in's visit to the
    /// provider's page and its token exchange) as made now, so later requests leave room for
    /// them. Never waits: they have been made.
    pub fn count_made(&self, requests: u32) {
        let now = Instant::now();
        if let Ok(mut s) = self.state.lock() {
            for _ in 0..requests {
                s.count_at(now);
            }
        }
    }

    /// Holds every request of this connection back for `duration` (a `Retry-After`), at most
    /// [`MAX_PAUSE`].
    pub fn pause_for(&self, duration: Duration) {
        // Computed before locking, and without any arithmetic that can panic.
        let now = Instant::now();
        let until = now.checked_add(duration.min(MAX_PAUSE)).unwrap_or(now);
        if let Ok(mut s) = self.state.lock()
            && s.paused_until.is_none_or(|p| p < until)
        {
            s.paused_until = Some(until);
        }
    }

    /// Adapts to what the provider reports: a different `X-RateLimit-Limit`, or nothing
    /// `X-RateLimit-Remaining` with an `X-RateLimit-Reset` (seconds from now, or a Unix time).
    pub fn observe(&self, headers: &HeaderMap, now_unix: i64) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        if let Some(limit) = num("x-ratelimit-limit").filter(|l| *l > 0)
            && let Ok(mut s) = self.state.lock()
        {
            s.limit.requests = u32::try_from(limit).unwrap_or(u32::MAX);
        }
        // Reset: seconds from now, a Unix time, or (Gusto) an RFC 3339 instant.
        let reset = num("x-ratelimit-reset").or_else(|| {
            headers
                .get("x-ratelimit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| chrono::DateTime::parse_from_rfc3339(v.trim()).ok())
                .map(|t| t.timestamp())
        });
        if num("x-ratelimit-remaining") == Some(0)
            && let Some(reset) = reset
        {
            // A Unix time far from now (or a clock before 1970) must not overflow: the
            // difference saturates and the pause is capped at MAX_PAUSE.
            let secs = if reset > 1_000_000_000 {
                reset.saturating_sub(now_unix)
            } else {
                reset
            };
            if let Ok(secs) = u64::try_from(secs)
                && secs > 0
            {
                self.pause_for(Duration::from_secs(secs));
            }
        }
    }
}

/// One [`RateLimiter`] per provider account, shared by every session that calls the account:
/// a provider counts the requests of the account (or the grant), not of one session, so a
/// connection test, a sync and a webhook set-up running side by side must share one count.
/// Accounts are named by the caller ([`AccountLimiters::get`]); a limiter lives as long as the
/// registry, so a run that starts right after another still sees its requests.
#[derive(Debug, Default, Clone)]
pub struct AccountLimiters {
    by_account: Arc<Mutex<HashMap<String, Arc<RateLimiter>>>>,
}

impl AccountLimiters {
    /// The limiter of `account`, seeded with `limit` when the account is first seen.
    pub fn get(&self, account: &str, limit: RateLimit) -> Arc<RateLimiter> {
        let Ok(mut map) = self.by_account.lock() else {
            return Arc::new(RateLimiter::new(limit));
        };
        map.entry(account.to_owned())
            .or_insert_with(|| Arc::new(RateLimiter::new(limit)))
            .clone()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spreads_requests_over_the_window() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(3, 10));
        let start = Instant::now();
        for _ in 0..7 {
            limiter.acquire().await;
        }
        // 3 at t=0, 3 at t=10, the 7th at t=20.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(20) && elapsed < Duration::from_secs(21),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_counts_from_its_answer() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(2, 10));
        let start = Instant::now();
        let first = limiter.acquire().await;
        limiter.acquire().await;
        // The first answer came 4 s after it was sent: it counts until t=14, not t=10.
        tokio::time::advance(Duration::from_secs(4)).await;
        limiter.answered(first);
        limiter.acquire().await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(10),
            "the second one left at t=10"
        );
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(14));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_made_elsewhere_take_their_room() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(3, 10));
        let start = Instant::now();
        limiter.count_made(2);
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn one_account_one_count() {
        let limiters = AccountLimiters::default();
        let limit = RateLimit::per_seconds(2, 10);
        let (a, b) = (
            limiters.get("gusto/1", limit),
            limiters.get("gusto/1", limit),
        );
        let other = limiters.get("gusto/2", limit);
        let start = Instant::now();
        a.acquire().await;
        b.acquire().await;
        other.acquire().await;
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "another account has its own room"
        );
        a.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_everyone() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(100, 1));
        limiter.pause_for(Duration::from_secs(7));
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn adapts_to_rate_limit_headers() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(200, 60));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "50".parse().unwrap());
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "12".parse().unwrap());
        limiter.observe(&h, 0);
        assert_eq!(limiter.limit().requests, 50);
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(12));
    }

    #[tokio::test(start_paused = true)]
    async fn an_absurd_reset_is_capped_not_a_panic() {
        // i64::MAX as a Unix time, a reset 31 years away in seconds, and a clock before 1970:
        // none may overflow (a panic here would poison the lock and end all limiting).
        for (reset, now) in [
            (i64::MAX.to_string(), 0),
            ("999999999".to_owned(), 0),
            ("1000000001".to_owned(), i64::MIN),
        ] {
            let limiter = RateLimiter::new(RateLimit::per_seconds(1, 1));
            let mut h = HeaderMap::new();
            h.insert("x-ratelimit-remaining", "0".parse().unwrap());
            h.insert("x-ratelimit-reset", reset.parse().unwrap());
            limiter.observe(&h, now);
            let start = Instant::now();
            limiter.acquire().await;
            assert_eq!(start.elapsed(), MAX_PAUSE, "reset {reset}");
            // The limiter still limits afterwards: its lock is not poisoned.
            let start = Instant::now();
            limiter.acquire().await;
            assert!(start.elapsed() >= Duration::from_secs(1), "reset {reset}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_pause_is_capped() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(100, 1));
        limiter.pause_for(Duration::MAX);
        let start = Instant::now();
        limiter.acquire().await;
        assert_eq!(start.elapsed(), MAX_PAUSE);
    }

    #[tokio::test(start_paused = true)]
    async fn understands_an_rfc3339_reset() {
        let limiter = RateLimiter::new(RateLimit::per_seconds(200, 60));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "2026-11-25T20:00:30Z".parse().unwrap());
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T20:00:00Z")
            .unwrap()
            .timestamp();
        limiter.observe(&h, now);
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(30));
    }
}
