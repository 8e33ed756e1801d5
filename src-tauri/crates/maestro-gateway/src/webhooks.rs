//! `POST /webhooks/{connection}`: provider webhooks, verified with the connector's documented
//! scheme (Gusto: hex HMAC-SHA256 of the body; BambooHR: hex HMAC-SHA256 of body + timestamp
//! within a tolerance) and turned into incremental syncs of what they name. A bad signature
//! gets 401, is logged and audited, and is never processed.
//!
//! Gusto's subscription handshake (`{"verification_token": …}`, unsigned) is answered by
//! [`crate::handshake`]: a token nobody confirmed never becomes the signing secret.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::audit::AuditEvent;
use maestro_store::connections::Connection;
use maestro_sync::Mode;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::state::Shared;
use crate::tls::Peer;

const ACTOR: &str = "webhook";

/// Deliveries accepted per connection per minute (providers batch far below this; a flood of
/// forged requests cannot fill the audit log faster).
const WEBHOOKS_PER_MINUTE: u32 = 600;

async fn find_connection(
    shared: &Shared,
    id: ConnectionId,
) -> Result<Option<Connection>, ApiError> {
    let mut conn = shared
        .app
        .store()
        .pool()
        .acquire()
        .await
        .map_err(|e| ApiError::internal(maestro_store::StoreError::from(e)))?;
    for company in maestro_store::companies::list(&mut conn).await? {
        if let Some(c) = maestro_store::connections::list(&mut conn, company.id)
            .await?
            .into_iter()
            .find(|c| c.id == id)
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

fn ok_json(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

/// The handler. Deliveries that do not verify (unknown connection, no or bad signature,
/// refused handshake) count against the sender address's budget of unauthenticated requests;
/// an address that spent it gets 429 before anything is looked up or audited.
pub async fn receive(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ip = peer.0.ip();
    if let Some(wait) = shared.unauthenticated.exhausted(ip) {
        return Err(crate::unauth::too_many(wait));
    }
    let result = deliver(&shared, peer, connection, headers, body).await;
    if let Err(e) = &result
        && matches!(
            e.status,
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND
        )
    {
        let _ = shared.unauthenticated.charge(ip);
    }
    result
}

async fn deliver(
    shared: &Arc<Shared>,
    peer: Peer,
    connection: String,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let shared = shared.clone();
    let unknown = || ApiError::not_found("no connection receives webhooks at this address");
    // Look the connection up first: only real connections get a budget, keyed by their id.
    let id: ConnectionId = connection.parse().map_err(|_| unknown())?;
    let connection = find_connection(&shared, id).await?.ok_or_else(unknown)?;
    if let Err(wait) = shared
        .limits
        .check(&format!("webhook:{id}"), WEBHOOKS_PER_MINUTE)
    {
        return Err(ApiError {
            retry_after: Some(wait.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many webhook deliveries for this connection; try again later",
            )
        });
    }
    let company = connection.company_id;
    let secret = shared.app.webhook_signing_secret(company, id).await?;
    if connection.provider == "gusto"
        && let Some(token) = handshake_token(&body)
    {
        return crate::handshake::answer(&shared, company, id, secret, token, peer.0.ip()).await;
    }
    let Some(secret) = secret else {
        audit(
            &shared,
            company,
            id,
            "webhook.rejected",
            json!({"reason": "no secret saved"}),
        )
        .await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_webhook_secret",
            "this connection has no webhook secret saved: for Gusto, confirm the verification \
             token it sent (Settings → Local API, or `maestro serve`); for other providers, \
             save the secret with `maestro webhook-secret set`",
        ));
    };
    let connector = shared.app.connector(company, id).await?;
    let verified = connector.verify_webhook(&headers, &body, &secret, shared.app.now());
    let events = match verified {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(
                connection = %id,
                provider = %connection.provider,
                reason = %e,
                "webhook refused: the signature did not verify"
            );
            audit(
                &shared,
                company,
                id,
                "webhook.rejected",
                json!({"provider": connection.provider, "reason": e.to_string()}),
            )
            .await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "the webhook signature did not verify; it was not processed",
            ));
        }
    };
    let readable: BTreeSet<EntityKind> = connector
        .manifest()
        .entities
        .iter()
        .filter(|e| e.read)
        .map(|e| e.kind)
        .collect();
    let mut entities: BTreeSet<EntityKind> = BTreeSet::new();
    for e in &events {
        match e.entity {
            Some(k) if readable.contains(&k) => {
                entities.insert(k);
            }
            Some(_) => {}
            None => entities.extend(readable.iter().copied()),
        }
    }
    audit(
        &shared,
        company,
        id,
        "webhook.received",
        json!({
            "provider": connection.provider,
            "events": events.iter().map(|e| &e.event_type).collect::<Vec<_>>(),
            "syncing": entities.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    let task_shared = shared.clone();
    let to_sync: Vec<EntityKind> = entities.iter().copied().collect();
    tokio::spawn(async move {
        let lock = task_shared.sync_lock(id);
        let _guard = lock.lock().await;
        for entity in to_sync {
            if let Err(e) = task_shared
                .app
                .sync_connection(company, id, Some(entity), Mode::Incremental)
                .await
            {
                tracing::warn!(connection = %id, entity = %entity, error = %e.message,
                    "webhook-triggered sync failed");
            }
        }
    });
    Ok(ok_json(
        StatusCode::ACCEPTED,
        json!({
            "received": events.len(),
            "syncing": entities.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        }),
    ))
}

fn handshake_token(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    if obj.contains_key("event_type") {
        return None;
    }
    obj.get("verification_token")?.as_str().map(str::to_owned)
}

/// Writes an audit entry of a webhook of connection `id`.
pub(crate) async fn audit(
    shared: &Shared,
    company: CompanyId,
    id: ConnectionId,
    action: &str,
    detail: Value,
) -> Result<(), ApiError> {
    shared
        .app
        .audit(
            AuditEvent::new(ACTOR, action, &id.to_string())
                .company(company)
                .detail(detail),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::GatewayConfig;

    /// A gateway state over a fresh store (the directory lives as long as the state).
    pub(crate) async fn shared() -> (tempfile::TempDir, Arc<Shared>) {
        let dir = tempfile::tempdir().unwrap();
        let app = maestro_app::App::init(
            &dir.path().join("data"),
            maestro_store::NewKey::Keychain(Arc::new(maestro_store::MemorySecretStore::default())),
            "Bluebird Bakery",
            Arc::new(maestro_core::clock::SystemClock),
        )
        .await
        .unwrap();
        let shared = Arc::new(Shared::new(
            app,
            GatewayConfig::loopback_ephemeral(),
            ([127, 0, 0, 1], 7878).into(),
        ));
        (dir, shared)
    }

    #[tokio::test]
    async fn bogus_connection_paths_do_not_grow_the_rate_limiter() {
        let (_dir, shared) = shared().await;
        for i in 0..300 {
            let path = if i % 2 == 0 {
                ConnectionId::new().to_string()
            } else {
                format!("not-a-connection-{i}")
            };
            let err = receive(
                State(shared.clone()),
                // Each from its own address, so the per-address budget does not hide the limiter.
                ConnectInfo(Peer(([10, 0, (i / 256) as u8, (i % 256) as u8], 9).into())),
                Path(path),
                HeaderMap::new(),
                Bytes::from_static(b"{}"),
            )
            .await
            .expect_err("an unknown connection is refused");
            assert_eq!(err.status, StatusCode::NOT_FOUND);
        }
        assert_eq!(shared.limits.len(), 0, "unknown connections got budgets");
    }
}
