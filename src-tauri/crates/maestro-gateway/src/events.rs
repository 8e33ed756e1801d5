//! `/ws`: live events over a WebSocket for a client that subscribes — records changed, sync
//! progress, and alerts raised — in the order they happened, for the key's company only.
//!
//! The client sends `{"subscribe": ["sync", "records", "alerts"]}` (any subset); the server
//! answers `{"type": "subscribed", "topics": [...]}` and then streams events as JSON text
//! messages. A client that falls behind is told how many events it missed (`lagged`).
//!
//! A client sees only what its key may read: records and sync runs of the entity kinds it has
//! a read scope for, and alerts only with `alerts:read`. The key is looked up again every
//! [`KEY_RECHECK`]; once it is revoked (or deleted) the socket is closed with code 1008.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sync::SyncEvent;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::error::ApiError;
use crate::guard::{audit_access, require};
use crate::keys::{Access, EVENTS_SCOPE, Principal};
use crate::resources::ResourceType;
use crate::state::Shared;

/// How often alerts are looked for besides at the end of each run (alerts raised outside a run,
/// or just after one, still arrive within this time).
const ALERT_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// How often an open socket's key is looked up again (a revoked key loses its socket within
/// this time).
const KEY_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Topics a client can subscribe to.
const TOPICS: &[&str] = &["sync", "records", "alerts"];

/// `GET /ws` (upgrade).
pub async fn handler(
    State(shared): State<Arc<Shared>>,
    Extension(principal): Extension<Principal>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    require(&principal, EVENTS_SCOPE, Access::Read)?;
    audit_access(&shared, &principal, "events.subscribe", "/ws", 0).await?;
    Ok(upgrade.on_upgrade(move |socket| serve(shared, principal, socket)))
}

async fn serve(shared: Arc<Shared>, principal: Principal, mut socket: WebSocket) {
    let company = principal.company_id();
    // Subscribe to the engine before acknowledging, so nothing after the ack is missed.
    let mut events = shared.app.sync_events();
    let topics = loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => match parse_subscribe(text.as_str(), &principal) {
                Ok(t) => break t,
                Err(msg) => {
                    let _ = socket
                        .send(Message::Text(
                            json!({"type": "error", "detail": msg}).to_string().into(),
                        ))
                        .await;
                }
            },
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            Some(Ok(_)) => {}
        }
    };
    let ack = json!({"type": "subscribed", "topics": topics.iter().collect::<Vec<_>>()});
    if socket
        .send(Message::Text(ack.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut runs: HashMap<String, ()> = HashMap::new();
    let mut alerts_sent: HashSet<String> = HashSet::new();
    if let Ok(open) = shared.app.open_alerts(company).await {
        alerts_sent.extend(open.into_iter().map(|a| a.id));
    }
    let watch_alerts = topics.contains("alerts");
    let mut ticker = tokio::time::interval(ALERT_POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut recheck = tokio::time::interval(KEY_RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
            _ = recheck.tick() => {
                if !key_still_valid(&shared, &principal).await {
                    tracing::warn!(key_id = %principal.key.id, "local API: revoked key's event socket closed");
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: close_code::POLICY,
                            reason: "this API key was revoked".into(),
                        })))
                        .await;
                    return;
                }
            }
            _ = ticker.tick(), if watch_alerts => {
                for a in new_alerts(&shared, company, &mut alerts_sent).await {
                    if socket.send(Message::Text(a.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
            event = events.recv() => {
                let (out, finished) = match event {
                    Ok(e) => {
                        let ours_finished = matches!(&e, SyncEvent::RunFinished { run_id, .. } if runs.contains_key(run_id));
                        (relevant(&e, &principal, &topics, &mut runs), ours_finished)
                    }
                    Err(RecvError::Lagged(n)) => (vec![json!({"type": "lagged", "missed": n})], false),
                    Err(RecvError::Closed) => return,
                };
                for v in out {
                    if socket.send(Message::Text(v.to_string().into())).await.is_err() {
                        return;
                    }
                }
                if finished && topics.contains("alerts") {
                    for a in new_alerts(&shared, company, &mut alerts_sent).await {
                        if socket.send(Message::Text(a.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// False once the key is revoked or gone; a store that cannot answer right now keeps the
/// socket (the next check decides).
async fn key_still_valid(shared: &Shared, principal: &Principal) -> bool {
    let Ok(mut conn) = shared.app.store().pool().acquire().await else {
        return true;
    };
    match maestro_store::api_keys::get(&mut conn, principal.company_id(), &principal.key.id).await {
        Ok(key) => key.revoked_at.is_none(),
        Err(maestro_store::StoreError::NotFound(_)) => false,
        Err(_) => true,
    }
}

/// True when the key may read records of `kind`.
fn reads(principal: &Principal, kind: EntityKind) -> bool {
    principal.allows(ResourceType::Record(kind).name(), Access::Read)
}

fn parse_subscribe(text: &str, principal: &Principal) -> Result<HashSet<String>, String> {
    let v: Value = serde_json::from_str(text).map_err(|_| "send JSON".to_owned())?;
    let list = v
        .get("subscribe")
        .and_then(Value::as_array)
        .ok_or_else(|| "send {\"subscribe\": [\"sync\", \"records\", \"alerts\"]}".to_owned())?;
    let mut out = HashSet::new();
    for t in list {
        let t = t.as_str().unwrap_or_default();
        if !TOPICS.contains(&t) {
            return Err(format!(
                "unknown topic '{t}'; topics: {}",
                TOPICS.join(", ")
            ));
        }
        out.insert(t.to_owned());
    }
    if out.is_empty() {
        return Err("subscribe to at least one topic".into());
    }
    let alerts = ResourceType::Alert.name();
    if out.contains("alerts") && !principal.allows(alerts, Access::Read) {
        return Err(format!(
            "this API key may not read alerts; give it the scope {alerts}:read"
        ));
    }
    Ok(out)
}

/// The events of `event` this client should see: its company's, of kinds its key may read.
fn relevant(
    event: &SyncEvent,
    principal: &Principal,
    topics: &HashSet<String>,
    runs: &mut HashMap<String, ()>,
) -> Vec<Value> {
    let company = principal.company_id();
    let value = serde_json::to_value(event).unwrap_or(Value::Null);
    match event {
        SyncEvent::RunStarted {
            run_id,
            company_id,
            entity,
            ..
        } => {
            if *company_id != company || !reads(principal, *entity) {
                return Vec::new();
            }
            runs.insert(run_id.clone(), ());
            if topics.contains("sync") {
                vec![value]
            } else {
                Vec::new()
            }
        }
        SyncEvent::RunProgress { run_id, .. } => {
            if runs.contains_key(run_id) && topics.contains("sync") {
                vec![value]
            } else {
                Vec::new()
            }
        }
        SyncEvent::RunFinished { run_id, .. } => {
            if runs.remove(run_id).is_some() && topics.contains("sync") {
                vec![value]
            } else {
                Vec::new()
            }
        }
        SyncEvent::RecordChanged {
            company_id, entity, ..
        } => {
            if *company_id == company && reads(principal, *entity) && topics.contains("records") {
                vec![value]
            } else {
                Vec::new()
            }
        }
    }
}

async fn new_alerts(shared: &Shared, company: CompanyId, sent: &mut HashSet<String>) -> Vec<Value> {
    let Ok(open) = shared.app.open_alerts(company).await else {
        return Vec::new();
    };
    open.into_iter()
        .filter(|a| sent.insert(a.id.clone()))
        .map(|a| json!({"type": "alert", "alert": a}))
        .collect()
}
