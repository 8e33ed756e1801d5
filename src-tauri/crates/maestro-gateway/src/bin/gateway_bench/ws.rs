//! The WebSocket figure: N Harvest time entries synced while one client reads every event and
//! another stops reading. Prints the fast client's events/s and whether its stream was
//! complete and in order (each progress event's totals equal the record events before it, the
//! run's first and last events frame them), what the stalled client got and how it was closed,
//! and the memory the sync added at its peak.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use maestro_app::App;
use maestro_core::model::EntityKind;
use maestro_gateway::RunningGateway;
use maestro_sandbox::{Provider, Sandbox};
use maestro_store::companies::Company;
use maestro_sync::Mode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::{bench_key, rss_mib};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The fields of an event the checks read.
#[derive(serde::Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    created: u64,
    #[serde(default)]
    updated: u64,
    #[serde(default)]
    deleted: u64,
}

/// What the fast client saw.
struct Fast {
    changed: u64,
    first_change: Option<Instant>,
    finished: Instant,
    problem: Option<String>,
}

async fn subscribed(url: &str, key: &str) -> Result<Socket, String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    let auth = format!("Bearer {key}").parse().map_err(|_| "bad key")?;
    request.headers_mut().insert("authorization", auth);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    let subscribe = serde_json::json!({"subscribe": ["sync", "records"]}).to_string();
    socket
        .send(Message::Text(subscribe.into()))
        .await
        .map_err(|e| e.to_string())?;
    match socket.next().await {
        Some(Ok(Message::Text(t))) if t.contains("subscribed") => Ok(socket),
        other => Err(format!("no subscription: {other:?}")),
    }
}

/// Reads one run's events to its end, checking the stream is complete and in order.
async fn read_all(mut socket: Socket) -> Fast {
    let mut fast = Fast {
        changed: 0,
        first_change: None,
        finished: Instant::now(),
        problem: None,
    };
    let mut started = false;
    loop {
        let msg = match tokio::time::timeout(Duration::from_secs(120), socket.next()).await {
            Ok(Some(Ok(m))) => m,
            other => {
                fast.problem = Some(format!("stream ended: {other:?}"));
                return fast;
            }
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(frame) => {
                fast.problem = Some(format!("closed: {frame:?}"));
                return fast;
            }
            _ => continue,
        };
        let Ok(e) = serde_json::from_str::<Event>(text.as_str()) else {
            fast.problem = Some(format!("not an event: {text}"));
            return fast;
        };
        match e.kind.as_str() {
            "run_started" if !started => started = true,
            _ if !started => {
                fast.problem = Some(format!("{} before run_started", e.kind));
                return fast;
            }
            "record_changed" => {
                fast.changed += 1;
                fast.first_change.get_or_insert_with(Instant::now);
            }
            "run_progress" if e.created + e.updated + e.deleted != fast.changed => {
                fast.problem = Some(format!(
                    "progress says {} changed, {} record events came before it",
                    e.created + e.updated + e.deleted,
                    fast.changed
                ));
                return fast;
            }
            "run_finished" => {
                fast.finished = Instant::now();
                return fast;
            }
            _ => {}
        }
    }
}

/// What the stalled client holds once it reads again: how many events, and the close.
async fn drain(mut socket: Socket) -> (u64, String) {
    let mut events = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => events += 1,
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                return (
                    events,
                    format!("closed with code {} \"{}\"", u16::from(f.code), f.reason),
                );
            }
            Ok(Some(Ok(Message::Close(None)))) => {
                return (events, "closed without a code".into());
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return (events, format!("connection failed: {e}")),
            Ok(None) => return (events, "connection ended without a close frame".into()),
            Err(_) => return (events, "still open 30 s after reading again".into()),
        }
    }
}

/// Syncs `n` Harvest time entries with a fast and a stalled WebSocket client.
pub async fn events(
    app: &App,
    company: &Company,
    sandbox: &Sandbox,
    gateway: &RunningGateway,
    n: usize,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let harvest = app
        .connect_sandbox_provider(company, sandbox, Provider::Harvest)
        .await
        .map_err(|e| err(&e))?;
    app.sync_connection(
        company.id,
        harvest.id,
        Some(EntityKind::Employee),
        Mode::Full,
    )
    .await
    .map_err(|e| err(&e))?;
    let key = bench_key(
        app,
        company,
        "bench-events",
        &["events:read", "time_entries:read", "employees:read"],
    )
    .await?;
    let url = format!("ws://{}/ws", gateway.addr());
    let fast = tokio::spawn(read_all(subscribed(&url, &key).await?));
    let stalled = subscribed(&url, &key).await?;
    maestro_malloc::release_free_memory();
    std::fs::write("/proc/self/clear_refs", "5").map_err(|e| err(&e))?;
    let before = rss_mib("VmRSS:");
    let started = Instant::now();
    let outcome = app
        .sync_connection(
            company.id,
            harvest.id,
            Some(EntityKind::TimeEntry),
            Mode::Full,
        )
        .await
        .map_err(|e| err(&e))?;
    let synced = started.elapsed();
    let created = outcome
        .first()
        .and_then(|o| o.summary)
        .map_or(0, |s| s.created);
    let fast = fast.await.map_err(|e| err(&e))?;
    let peak = rss_mib("VmHWM:") - before;
    let (held, close) = drain(stalled).await;
    let streamed = fast
        .first_change
        .map_or(Duration::ZERO, |t| fast.finished.duration_since(t));
    let verdict = match (&fast.problem, fast.changed == created) {
        (Some(p), _) => format!("NOT complete: {p}"),
        (None, false) => format!("NOT complete: {} of {created}", fast.changed),
        (None, true) => "complete and in order".to_owned(),
    };
    println!(
        "WebSocket, {n} time entries synced in {:.1} s: fast client {} record events, {:.0} events/s, {verdict}",
        synced.as_secs_f64(),
        fast.changed,
        fast.changed as f64 / streamed.as_secs_f64().max(1e-9),
    );
    println!("WebSocket stalled client: {held} events before it read again, then {close}");
    println!("WebSocket sync with both clients: {peak:.1} MiB added at its peak");
    Ok(())
}
