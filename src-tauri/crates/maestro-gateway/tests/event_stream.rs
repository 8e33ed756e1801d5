//! The WebSocket event stream over a sync of thousands of records (more than one page, more
//! than one write batch): a client that reads gets every event, complete and in order; a
//! client that stops reading is closed with 1008 and [`SLOW_REASON`] by the server while it
//! still is not reading (not only once it reads again), after what was already written to it,
//! and the sync goes on without it.
//!
//! The stalled client's socket takes only a small receive buffer, but the server's kernel send
//! buffer still absorbs thousands of events on loopback, so the sync is large and the gateway
//! waits for at most a few dozen events beyond what was written (`event_backlog`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use maestro_core::model::EntityKind;
use maestro_gateway::{GatewayConfig, SLOW_REASON};
use maestro_sandbox::Provider;
use maestro_sync::Mode;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::Env;

/// A subscribed socket of `key` over `stream`, acknowledged.
async fn subscribed<S: AsyncRead + AsyncWrite + Unpin>(
    env: &Env,
    key: &str,
    stream: S,
) -> WebSocketStream<S> {
    let (mut socket, _) = tokio_tungstenite::client_async(env.ws_request(key), stream)
        .await
        .unwrap();
    socket
        .send(Message::Text(
            json!({"subscribe": ["sync", "records"]}).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("subscribed"), "{ack:?}");
    socket
}

/// A TCP connection to the gateway whose receive buffer is `rcvbuf` bytes (the kernel's
/// default when None).
async fn tcp(env: &Env, rcvbuf: Option<u32>) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(size) = rcvbuf {
        socket.set_recv_buffer_size(size).unwrap();
    }
    socket.connect(env.gateway.addr()).await.unwrap()
}

/// Events of one run as a client read them, checked to be in order: the run's start first,
/// each progress event counting exactly the record events before it, every record once.
/// Returns the record ids, and whether the run's end was among them.
fn check_order(events: &[Value]) -> (Vec<String>, bool) {
    assert_eq!(
        events.first().map(|e| &e["type"]),
        Some(&json!("run_started"))
    );
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut finished = false;
    for e in &events[1..] {
        assert!(!finished, "an event after the run's end: {e}");
        match e["type"].as_str().unwrap() {
            "record_changed" => {
                assert_eq!(e["change"], "created", "{e}");
                let id = e["record_id"].as_str().unwrap().to_owned();
                assert!(seen.insert(id.clone()), "record {id} announced twice");
                ids.push(id);
            }
            "run_progress" => {
                let counted = ["created", "updated", "deleted"]
                    .iter()
                    .map(|k| e[k].as_u64().unwrap())
                    .sum::<u64>();
                assert_eq!(counted, ids.len() as u64, "{e}");
            }
            "run_finished" => {
                assert_eq!(e["status"], "succeeded", "{e}");
                assert_eq!(e["summary"]["created"].as_u64(), Some(ids.len() as u64));
                finished = true;
            }
            other => panic!("unexpected event {other}: {e}"),
        }
    }
    (ids, finished)
}

/// Connects Harvest and syncs its people; a key that reads their time entries and events.
async fn harvest_with_people(env: &Env) -> (maestro_core::ids::ConnectionId, String) {
    let harvest = env.connection(Provider::Harvest).await;
    env.app
        .sync_connection(env.company, harvest, Some(EntityKind::Employee), Mode::Full)
        .await
        .unwrap();
    let key = env
        .key(
            &["events:read", "time_entries:read", "employees:read"],
            None,
        )
        .await;
    (harvest, key)
}

/// Spawns the full sync of the connection's time entries; resolves to the records created.
fn sync_entries(
    env: &Env,
    harvest: maestro_core::ids::ConnectionId,
) -> tokio::task::JoinHandle<u64> {
    let (app, company) = (env.app.clone(), env.company);
    tokio::spawn(async move {
        let out = app
            .sync_connection(company, harvest, Some(EntityKind::TimeEntry), Mode::Full)
            .await
            .unwrap();
        assert!(out.iter().all(|o| o.error.is_none()), "{out:?}");
        out[0].summary.unwrap().created
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_gets_every_event_of_a_large_sync_in_order() {
    const ENTRIES: usize = 5_000;
    let env = support::start(10, ENTRIES, GatewayConfig::loopback_ephemeral()).await;
    let (harvest, key) = harvest_with_people(&env).await;
    let mut socket = subscribed(&env, &key, tcp(&env, None).await).await;
    let sync = sync_entries(&env, harvest);
    let mut events = Vec::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(60), socket.next())
            .await
            .expect("no event within 60 s")
            .unwrap()
            .unwrap();
        let Message::Text(text) = msg else {
            panic!("not an event: {msg:?}");
        };
        let e: Value = serde_json::from_str(text.as_str()).unwrap();
        let done = e["type"] == "run_finished";
        events.push(e);
        if done {
            break;
        }
    }
    let created = sync.await.unwrap();
    assert_eq!(created, ENTRIES as u64);
    let (ids, finished) = check_order(&events);
    assert!(finished);
    assert_eq!(ids.len(), ENTRIES);
    // Exactly the records the store now holds.
    let (mut stored, mut path) = (
        HashSet::new(),
        Some("/api/v1/time_entries?page[size]=1000".to_owned()),
    );
    while let Some(p) = path.take() {
        let page: Value = env
            .http
            .get(env.url(&p))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for r in page["data"].as_array().unwrap() {
            stored.insert(r["id"].as_str().unwrap().to_owned());
        }
        path = page["links"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(stored, ids.into_iter().collect::<HashSet<_>>());
}

/// Counts the gateway's warnings that an event socket's client fell behind (the `behind`
/// field of its log event), wherever in the process they happen.
struct FellBehind(Arc<AtomicU64>);

impl tracing::Subscriber for FellBehind {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target().starts_with("maestro_gateway")
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.fields().any(|f| f.name() == "behind") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_while_it_is_stalled() {
    const ENTRIES: usize = 30_000;
    let dropped = Arc::new(AtomicU64::new(0));
    tracing::subscriber::set_global_default(FellBehind(dropped.clone())).unwrap();
    let config = GatewayConfig {
        event_backlog: 64,
        ..GatewayConfig::loopback_ephemeral()
    };
    let env = support::start(10, ENTRIES, config).await;
    let (harvest, key) = harvest_with_people(&env).await;
    let mut stalled = subscribed(&env, &key, tcp(&env, Some(4096)).await).await;
    let sync = sync_entries(&env, harvest);
    // Not reading: the server gives up on this client on its own.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while dropped.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server still waits for a client that stopped reading"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Reading again: what was written before the close, in order, then the close.
    let mut events = Vec::new();
    let close = loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), stalled.next())
            .await
            .expect("neither an event nor the close within 5 s")
            .expect("the connection ended without a close frame")
            .unwrap();
        match msg {
            Message::Text(t) => events.push(serde_json::from_str::<Value>(t.as_str()).unwrap()),
            Message::Close(frame) => break frame.expect("a close frame says why"),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    assert_eq!(close.reason.as_str(), SLOW_REASON);
    let (ids, finished) = check_order(&events);
    assert!(!finished && ids.len() < ENTRIES, "{} events", ids.len());
    assert_eq!(sync.await.unwrap(), ENTRIES as u64, "the sync was held up");
}
