//! What every request passes before it reaches data: the client network allowlist, the API
//! key (401 without a valid one), its per-key rate limit (429 with Retry-After), and the
//! audit entry of each data access.

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

/// Per-key request budgets.
#[derive(Default)]
pub struct RateLimits {
    limiters: Mutex<HashMap<String, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

impl RateLimits {
    /// Takes one request from the key's budget; Err(seconds to wait) when it is spent.
    pub fn check(&self, key_id: &str, per_minute: u32) -> Result<(), u64> {
        let limiter = {
            let mut map = self
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = map
                .entry(key_id.to_owned())
                .or_insert_with(|| (per_minute, Arc::new(limiter_for(per_minute))));
            if entry.0 != per_minute {
                *entry = (per_minute, Arc::new(limiter_for(per_minute)));
            }
            entry.1.clone()
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
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
    match principal_for(&shared, presented).await {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
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
