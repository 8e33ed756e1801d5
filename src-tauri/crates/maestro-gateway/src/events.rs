//! `/ws`: live events over a WebSocket for a client that subscribes — records changed, sync
//! progress, and alerts raised — in the order they happened, for the key's company only.
//!
//! The client sends `{"subscribe": ["sync", "records", "alerts"]}` (any subset); the server
//! answers `{"type": "subscribed", "topics": [...]}` and then streams events as JSON text
//! messages, a batch written at a time. Nothing is ever skipped: a client that stops taking
//! what is written while more than [`crate::GatewayConfig::event_backlog`] events wait for it,
//! or that falls so far behind that the engine's channel let events go, is closed with code
//! 1008 and a reason saying so ([`SLOW_REASON`]: it reconnects and reads what changed through
//! the REST API). The backlog a slow client costs is bounded, never buffered without end.
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
use futures::SinkExt;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sync::SyncEvent;
use serde_json::{Value, json};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

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
                let mut event = Some(event);
                let (mut out, mut finished, mut taken) = (Vec::new(), false, 0);
                // This event and those already waiting, up to a batch: one flush for them all.
                while let Some(e) = event.take() {
                    match e {
                        Ok(e) => {
                            finished |= matches!(&e, SyncEvent::RunFinished { run_id, .. } if runs.contains_key(run_id));
                            out.extend(relevant(&e, &principal, &topics, &mut runs));
                        }
                        Err(RecvError::Lagged(n)) => {
                            let behind = usize::try_from(n).unwrap_or(usize::MAX);
                            return too_slow(socket, events, behind).await;
                        }
                        Err(RecvError::Closed) => return,
                    }
                    taken += 1;
                    if taken < WRITE_BATCH {
                        event = match events.try_recv() {
                            Ok(e) => Some(Ok(e)),
                            Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
                        };
                    }
                }
                // A burst the client takes is fine however long; a client that does not take
                // what is written while the stream runs on is dropped.
                tokio::select! {
                    written = write_all(&mut socket, out) => if written.is_err() {
                        return;
                    },
                    behind = fell_behind(&events, shared.config.event_backlog) => {
                        return too_slow(socket, events, behind).await;
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

/// Most events written before one flush.
const WRITE_BATCH: usize = 256;

/// How often a write the client is not taking looks at how far behind the stream it is.
const BACKLOG_CHECK: std::time::Duration = std::time::Duration::from_millis(20);

/// Longest a write may wait for the client to take it, whatever the backlog (once the stream
/// has gone quiet, a client that stopped reading is dropped after this).
const WRITE_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// How long the close of a slow client may wait for it to take what was already written.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends `out`, then flushes once.
async fn write_all(socket: &mut WebSocket, out: Vec<Value>) -> Result<(), axum::Error> {
    if out.is_empty() {
        return Ok(());
    }
    for v in out {
        socket.feed(Message::Text(v.to_string().into())).await?;
    }
    socket.flush().await
}

/// Resolves (with how far behind it is) once the socket's client is more than `backlog`
/// events behind the stream, or has taken nothing for [`WRITE_STALL`]; it is looked at while a write waits for the client to take what
/// was written (a client that reads is never dropped for a burst of events).
async fn fell_behind(events: &Receiver<SyncEvent>, backlog: usize) -> usize {
    let started = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(BACKLOG_CHECK).await;
        let behind = events.len();
        if behind > backlog || started.elapsed() >= WRITE_STALL {
            return behind;
        }
    }
}

/// Closes the socket of a client `behind` events behind the stream: it stops receiving
/// events at once (the backlog is let go), and the close frame (code 1008 and the reason)
/// follows what was already written, for as long as [`CLOSE_GRACE`] lets the client take it.
async fn too_slow(mut socket: WebSocket, events: Receiver<SyncEvent>, behind: usize) {
    drop(events);
    tracing::warn!(
        behind,
        "local API: event socket closed, the client fell behind"
    );
    let close = Message::Close(Some(CloseFrame {
        code: close_code::POLICY,
        reason: SLOW_REASON.into(),
    }));
    let _ = tokio::time::timeout(CLOSE_GRACE, socket.send(close)).await;
}

/// The close reason a client that fell behind reads.
pub const SLOW_REASON: &str = "too slow: this client fell behind the event stream; reconnect, \
                               then read what changed through /api/v1";

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
