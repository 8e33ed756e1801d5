//! Budgets of unauthenticated requests per client address: requests without a valid API key,
//! and webhooks that do not verify (unknown connection, bad signature, unconfirmed handshake).
//! A client over its budget gets 429 with Retry-After before any lookup is made for it; a
//! valid key from the same address is still served. The map is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::error::ApiError;

/// The budget's window.
const WINDOW: Duration = Duration::from_secs(60);

/// Most addresses tracked at once.
const MAX_ADDRESSES: usize = 4096;

struct Window {
    start: Instant,
    count: u32,
}

/// Unauthenticated requests per address per minute.
pub struct Unauthenticated {
    per_minute: u32,
    cap: usize,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

/// The address budgets are kept for: IPv4 (also when mapped into IPv6) as is, IPv6 by its /64
/// (one host can use a whole /64).
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !u128::from(u64::MAX);
                IpAddr::V6(bits.into())
            }
        },
    }
}

impl Unauthenticated {
    /// `per_minute` unauthenticated requests per address (at least one).
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_ADDRESSES)
    }

    fn with_capacity(per_minute: u32, cap: usize) -> Self {
        Unauthenticated {
            per_minute: per_minute.max(1),
            cap: cap.max(1),
            windows: Mutex::default(),
        }
    }

    /// Seconds until `ip` may try again, when its budget is spent.
    pub fn exhausted(&self, ip: IpAddr) -> Option<u64> {
        let map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let w = map.get(&client(ip))?;
        let age = w.start.elapsed();
        (age < WINDOW && w.count >= self.per_minute).then(|| wait_secs(age))
    }

    /// Counts one unauthenticated request of `ip`; the seconds to wait when that spent the
    /// budget.
    pub fn charge(&self, ip: IpAddr) -> Option<u64> {
        let ip = client(ip);
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if !map.contains_key(&ip) && map.len() >= self.cap {
            map.retain(|_, w| now.duration_since(w.start) < WINDOW);
            if map.len() >= self.cap {
                let oldest = map.iter().min_by_key(|(_, w)| w.start).map(|(k, _)| *k);
                if let Some(k) = oldest {
                    map.remove(&k);
                }
            }
        }
        let w = map.entry(ip).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
        (w.count > self.per_minute).then(|| wait_secs(now.duration_since(w.start)))
    }

    /// How many addresses are tracked.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

fn wait_secs(age: Duration) -> u64 {
    WINDOW.saturating_sub(age).as_secs().max(1)
}

/// The 429 of a spent budget.
pub fn too_many(wait: u64) -> ApiError {
    ApiError {
        retry_after: Some(wait.max(1)),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many requests without a valid API key from this address; try again in {} s",
                wait.max(1)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn budgets_count_per_address_and_stay_bounded() {
        let budget = Unauthenticated::with_capacity(3, 16);
        let a: IpAddr = "192.168.1.9".parse().unwrap();
        for _ in 0..3 {
            assert!(budget.exhausted(a).is_none());
            assert!(budget.charge(a).is_none());
        }
        assert!(budget.exhausted(a).is_some());
        assert!(
            budget
                .charge("::ffff:192.168.1.9".parse().unwrap())
                .is_some()
        );
        // One IPv6 host is one /64.
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..3 {
            budget.charge(v6);
        }
        assert!(
            budget
                .exhausted("2001:db8::ffff".parse().unwrap())
                .is_some()
        );
        for i in 0..1000u32 {
            budget.charge(IpAddr::from(i.to_be_bytes()));
            assert!(budget.len() <= 16);
        }
    }
}
