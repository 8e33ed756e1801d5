//! Gusto's webhook subscription handshake, without trusting whoever calls first.
//!
//! Gusto POSTs `{"verification_token": …}` (unsigned) to the subscription URL; the subscriber
//! must send that token to `PUT /v1/webhook_subscriptions/{uuid}/verify` (system token) before
//! Gusto delivers events, and Gusto then signs every event with it (hex HMAC-SHA256 of the
//! body). Anyone who can reach the URL can POST such a body, so the token is never taken on its
//! own word:
//!
//! - When the owner has saved the connection's secret, a handshake is answered 200 only if its
//!   token equals the saved one (compared in constant time), and 401 otherwise.
//! - When nothing is saved, the token is only held as a *pending* candidate: in memory, at most
//!   [`PER_CONNECTION`] per connection (newest kept) for [`PENDING_TTL`], never used to verify
//!   anything, answered 202. The owner sees the candidates
//!   ([`crate::RunningGateway::pending_webhook_tokens`]), verifies one with Gusto (Gusto accepts
//!   only its own token, so a planted one fails there) and confirms it
//!   ([`crate::RunningGateway::confirm_webhook_token`], or `maestro webhook-secret set`); only
//!   then does it become the signing secret, in an owner-audited write.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::sensitive::Sensitive;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::Shared;

/// Pending candidates kept per connection.
pub const PER_CONNECTION: usize = 4;

/// How long a pending candidate waits for the owner.
pub const PENDING_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest token accepted (Gusto's are UUIDs).
const MAX_TOKEN_LEN: usize = 256;

/// A verification token that arrived at a connection's webhook address and waits for the
/// owner's confirmation.
#[derive(Debug, Clone)]
pub struct PendingWebhookToken {
    /// The token (shown to the owner to verify with Gusto; never logged).
    pub token: Sensitive<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The address it came from.
    pub from: IpAddr,
}

struct Held {
    token: PendingWebhookToken,
    arrived: Instant,
}

/// Pending candidates per connection (bounded; only real Gusto connections get an entry).
#[derive(Default)]
pub struct PendingTokens {
    inner: Mutex<HashMap<ConnectionId, Vec<Held>>>,
}

impl PendingTokens {
    fn remember(&self, id: ConnectionId, token: PendingWebhookToken) -> usize {
        let mut map = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = map.entry(id).or_default();
        list.retain(|h| h.arrived.elapsed() < PENDING_TTL);
        let token_value = token.token.expose().clone();
        list.retain(|h| !ct_eq(h.token.token.expose().as_bytes(), token_value.as_bytes()));
        list.push(Held {
            token,
            arrived: Instant::now(),
        });
        if list.len() > PER_CONNECTION {
            let extra = list.len() - PER_CONNECTION;
            list.drain(..extra);
        }
        list.len()
    }

    /// The candidates of `id`, oldest first.
    pub fn list(&self, id: ConnectionId) -> Vec<PendingWebhookToken> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .map(|l| {
                l.iter()
                    .filter(|h| h.arrived.elapsed() < PENDING_TTL)
                    .map(|h| h.token.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True when `token` is a live candidate of `id`.
    pub fn contains(&self, id: ConnectionId, token: &str) -> bool {
        self.list(id)
            .iter()
            .any(|p| ct_eq(p.token.expose().as_bytes(), token.as_bytes()))
    }

    /// Forgets the candidates of `id`.
    pub fn clear(&self, id: ConnectionId) {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }
}

/// Equality that takes the same time wherever the inputs differ (and whatever their lengths):
/// both sides are hashed, and the digests compared without an early exit.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter()
        .zip(db.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn ok_json(status: StatusCode, v: serde_json::Value) -> Response {
    (status, axum::Json(v)).into_response()
}

/// Answers a handshake of connection `id` as the module describes.
pub async fn answer(
    shared: &Shared,
    company: CompanyId,
    id: ConnectionId,
    saved: Option<Sensitive<String>>,
    token: String,
    from: IpAddr,
) -> Result<Response, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_handshake",
            "the verification token is empty or too long",
        ));
    }
    match saved {
        Some(s) if ct_eq(s.expose().as_bytes(), token.as_bytes()) => {
            crate::webhooks::audit(
                shared,
                company,
                id,
                "webhook.handshake",
                json!({"result": "matches saved secret"}),
            )
            .await?;
            Ok(ok_json(StatusCode::OK, json!({"verified": true})))
        }
        Some(_) => {
            tracing::warn!(connection = %id, "webhook handshake refused: token differs from the saved secret");
            crate::webhooks::audit(
                shared,
                company,
                id,
                "webhook.rejected",
                json!({"reason": "handshake token differs"}),
            )
            .await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_handshake",
                "this verification token is not the one saved for the connection",
            ))
        }
        None => {
            // Unverified: it costs the sender's unauthenticated budget like a failure.
            let _ = shared.unauthenticated.charge(from);
            let pending = shared.pending_tokens.remember(
                id,
                PendingWebhookToken {
                    token: Sensitive::new(token),
                    received_at: shared.app.now(),
                    from,
                },
            );
            crate::webhooks::audit(
                shared,
                company,
                id,
                "webhook.handshake_pending",
                json!({"from": from.to_string(), "pending": pending,
                    "result": "held until the owner confirms it"}),
            )
            .await?;
            Ok(ok_json(
                StatusCode::ACCEPTED,
                json!({"verified": false, "pending": "owner confirmation"}),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality_is_equality() {
        assert!(ct_eq(b"6590f590-3dba", b"6590f590-3dba"));
        assert!(!ct_eq(b"6590f590-3dba", b"6590f590-3dbb"));
        assert!(!ct_eq(b"6590f590-3dba", b"6590f590-3db"));
        assert!(!ct_eq(b"", b"x"));
    }

    #[test]
    fn pending_candidates_are_bounded_per_connection() {
        let pending = PendingTokens::default();
        let id = ConnectionId::new();
        for i in 0..50 {
            pending.remember(
                id,
                PendingWebhookToken {
                    token: Sensitive::new(format!("t{i}")),
                    received_at: Utc::now(),
                    from: IpAddr::from([127, 0, 0, 1]),
                },
            );
        }
        let list = pending.list(id);
        assert_eq!(list.len(), PER_CONNECTION);
        assert!(pending.contains(id, "t49"));
        assert!(!pending.contains(id, "t0"));
        pending.clear(id);
        assert!(pending.list(id).is_empty());
    }
}
