//! `/ws`: live events over a WebSocket for a client that subscribes — records changed, sync
//! progress, and alerts raised — in the order they happened, for the key's company only.
//!
//! The client sends `{"subscribe": ["sync", "records", "alerts"]}` (any subset); the server
//! answers `{"type": "subscribed", "topics": [...]}` and then streams events as JSON text
//! messages. A client that falls behind is told how many events it missed (`lagged`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use maestro_core::ids::CompanyId;
use maestro_sync::SyncEvent;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::error::ApiError;
use crate::guard::{audit_access, require};
use crate::keys::{Access, EVENTS_SCOPE, Principal};
use crate::state::Shared;

/// How often alerts are looked for besides at the end of each run (alerts raised outside a run,
/// or just after one, still arrive within this time).
const ALERT_POLL: std::time::Duration = std::time::Duration::from_secs(1);

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
            Some(Ok(Message::Text(text))) => match parse_subscribe(text.as_str()) {
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
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
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
                        (relevant(&e, company, &topics, &mut runs), ours_finished)
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

fn parse_subscribe(text: &str) -> Result<HashSet<String>, String> {
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
    Ok(out)
}

/// The events of `event` this client should see.
fn relevant(
    event: &SyncEvent,
    company: CompanyId,
    topics: &HashSet<String>,
    runs: &mut HashMap<String, ()>,
) -> Vec<Value> {
    let value = serde_json::to_value(event).unwrap_or(Value::Null);
    match event {
        SyncEvent::RunStarted {
            run_id, company_id, ..
        } => {
            if *company_id != company {
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
        SyncEvent::RecordChanged { company_id, .. } => {
            if *company_id == company && topics.contains("records") {
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
