//! A rolling-window request budget per provider.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// Outcome of one admission check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admission {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Budget per window.
    pub limit: u32,
    /// Requests left in the current window after this one.
    pub remaining: u32,
    /// Time until the oldest counted request leaves the window.
    pub reset_in: Duration,
}

/// Sliding-log limiter: at most `max_requests` in any `window`.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    log: VecDeque<Instant>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            log: VecDeque::new(),
        }
    }

    pub(crate) fn check(&mut self, now: Instant) -> Admission {
        while let Some(&front) = self.log.front() {
            if now.duration_since(front) >= self.limit.window {
                self.log.pop_front();
            } else {
                break;
            }
        }
        let max = self.limit.max_requests as usize;
        let allowed = self.log.len() < max;
        if allowed {
            self.log.push_back(now);
        }
        let reset_in = self
            .log
            .front()
            .map(|&f| self.limit.window.saturating_sub(now.duration_since(f)))
            .unwrap_or(self.limit.window);
        Admission {
            allowed,
            limit: self.limit.max_requests,
            remaining: max.saturating_sub(self.log.len()) as u32,
            reset_in,
        }
    }
}
