//! What every request passes before it reaches data: the client network allowlist, the API
//! key (401 without a valid one, 429 once the client address spent its budget of those), its
//! per-key rate limit (429 with Retry-After), and the audit entry of each data access.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use maestro_store::api_keys;
use maestro_store::audit::{self, AuditEvent};

use crate::error::ApiError;
use crate::keys::{Access, Principal};
use crate::state::Shared;

/// Most budgets kept at once. Keys and connections are few; the cap only matters if something
/// ever keys budgets by outside input, and then it bounds memory.
const MAX_BUDGETS: usize = 4096;

/// A budget untouched this long has refilled completely (every quota is per minute), so
/// forgetting it changes nothing.
const IDLE_REFILLED: std::time::Duration = std::time::Duration::from_secs(60);

struct Budget {
    per_minute: u32,
    limiter: Arc<DefaultDirectRateLimiter>,
    last_used: Instant,
}

/// Per-key request budgets, in a bounded map: idle (refilled) budgets are forgotten when it
/// fills, then the least recently used.
pub struct RateLimits {
    limiters: Mutex<HashMap<String, Budget>>,
    cap: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::with_capacity(MAX_BUDGETS)
    }
}

impl RateLimits {
    /// Budgets for at most `cap` keys at once.
    pub fn with_capacity(cap: usize) -> Self {
        RateLimits {
            limiters: Mutex::default(),
            cap: cap.max(1),
        }
    }

    /// How many budgets are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.limiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Takes one request from the key's budget; Err(seconds to wait) when it is spent.
    pub fn check(&self, key_id: &str, per_minute: u32) -> Result<(), u64> {
        let limiter = {
            let mut map = self
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            if !map.contains_key(key_id) && map.len() >= self.cap {
                evict(&mut map, now);
            }
            let entry = map.entry(key_id.to_owned()).or_insert_with(|| Budget {
                per_minute,
                limiter: Arc::new(limiter_for(per_minute)),
                last_used: now,
            });
            if entry.per_minute != per_minute {
                entry.per_minute = per_minute;
                entry.limiter = Arc::new(limiter_for(per_minute));
            }
            entry.last_used = now;
            entry.limiter.clone()
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Frees room in a full map: every refilled budget, or else the least recently used one.
fn evict(map: &mut HashMap<String, Budget>, now: Instant) {
    let before = map.len();
    map.retain(|_, b| now.duration_since(b.last_used) < IDLE_REFILLED);
    if map.len() < before {
        return;
    }
    let oldest = map
        .iter()
        .min_by_key(|(_, b)| b.last_used)
        .map(|(k, _)| k.clone());
    if let Some(k) = oldest {
        map.remove(&k);
    }
}

fn limiter_for(per_minute: u32) -> DefaultDirectRateLimiter {
    let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_minute(n))
}

/// Refuses clients outside the allowlist (403).
pub async fn allowlist(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<crate::tls::Peer>>()
        .map(|c| c.0.0.ip());
    match peer {
        Some(ip) if shared.config.allows(ip) => next.run(request).await,
        other => {
            tracing::warn!(peer = ?other, "local API: client outside the allowlist refused");
            ApiError::new(
                StatusCode::FORBIDDEN,
                "address_not_allowed",
                "this computer's address is not on the local API's allowlist",
            )
            .into_response()
        }
    }
}

/// The bearer key of a request (`Authorization: Bearer mk_live_…`).
fn presented_key(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

/// Requires a valid, unrevoked key within its rate limit; puts the [`Principal`] into the
/// request.
pub async fn authenticate(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = presented_key(&request);
    let peer = request
        .extensions()
        .get::<ConnectInfo<crate::tls::Peer>>()
        .map(|c| c.0.0.ip());
    // A client that spent its budget of keyless requests is not even looked at.
    if presented.is_none()
        && let Some(wait) = peer.and_then(|ip| shared.unauthenticated.exhausted(ip))
    {
        return crate::unauth::too_many(wait).into_response();
    }
    match principal_for(&shared, presented).await {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(e)
            if e.status == StatusCode::UNAUTHORIZED
                && peer
                    .and_then(|ip| shared.unauthenticated.charge(ip))
                    .is_some() =>
        {
            let wait = peer
                .and_then(|ip| shared.unauthenticated.exhausted(ip))
                .unwrap_or(1);
            crate::unauth::too_many(wait).into_response()
        }
        Err(e) => {
            let mut resp = e.clone().into_response();
            if e.status == StatusCode::UNAUTHORIZED {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"maestro\""),
                );
            }
            resp
        }
    }
}

async fn principal_for(shared: &Shared, presented: Option<String>) -> Result<Principal, ApiError> {
    let unauthorized =
        |detail: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail.to_owned());
    let Some(presented) = presented else {
        return Err(unauthorized(
            "send an API key as 'Authorization: Bearer mk_live_…' (create one with \
             `maestro api-key create`)",
        ));
    };
    let key = {
        let mut conn = shared
            .app
            .store()
            .pool()
            .acquire()
            .await
            .map_err(|e| ApiError::internal(maestro_store::StoreError::from(e)))?;
        api_keys::find_by_hash(&mut conn, &api_keys::hash_key(&presented)).await?
    };
    let Some(key) = key else {
        tracing::warn!("local API: unknown API key refused");
        return Err(unauthorized("this API key is not known"));
    };
    if key.revoked_at.is_some() {
        tracing::warn!(key_id = %key.id, "local API: revoked API key refused");
        return Err(unauthorized("this API key was revoked"));
    }
    if let Err(wait) = shared.limits.check(&key.id, key.rate_per_minute) {
        return Err(ApiError {
            retry_after: Some(wait.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this key may make {} requests per minute; try again in {} s",
                    key.rate_per_minute,
                    wait.max(1)
                ),
            )
        });
    }
    touch(shared, &key.id).await?;
    Ok(Principal { key })
}

/// Records the key's last use, at most once a minute per key.
async fn touch(shared: &Shared, key_id: &str) -> Result<(), ApiError> {
    let due = {
        let mut seen = shared
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        match seen.get(key_id) {
            Some(t) if now.duration_since(*t).as_secs() < 60 => false,
            _ => {
                seen.insert(key_id.to_owned(), now);
                true
            }
        }
    };
    if due {
        let mut tx = shared.app.store().write().await?;
        api_keys::touch(tx.conn(), key_id, shared.app.now()).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// 403 unless the key grants `access` to `entity`.
pub fn require(principal: &Principal, entity: &str, access: Access) -> Result<(), ApiError> {
    if principal.allows(entity, access) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "this API key may not {} {entity}; give it the scope {entity}:{}",
            match access {
                Access::Read => "read",
                Access::Write => "change",
            },
            match access {
                Access::Read => "read",
                Access::Write => "write",
            }
        ),
    ))
}

/// Writes the audit entry of one data access: key id, route and record count.
pub async fn audit_access(
    shared: &Shared,
    principal: &Principal,
    action: &str,
    route: &str,
    records: usize,
) -> Result<(), ApiError> {
    let mut tx = shared.app.store().write().await?;
    audit::append(
        tx.conn(),
        &AuditEvent::new(&principal.actor(), action, route)
            .company(principal.company_id())
            .records(i64::try_from(records).unwrap_or(i64::MAX))
            .detail(serde_json::json!({ "api_key_id": principal.key.id })),
        shared.app.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_bounded_and_keep_the_busy_ones() {
        let limits = RateLimits::with_capacity(8);
        assert!(limits.check("busy", 2).is_ok());
        for i in 0..100 {
            assert!(limits.check(&format!("k{i}"), 10).is_ok());
            assert!(limits.len() <= 8);
            // The busy key is used between newcomers, so it is never the least recent.
            let _ = limits.check("busy", 2);
        }
        assert!(
            limits.check("busy", 2).is_err(),
            "the spent budget was forgotten"
        );
    }
}
