//! HTTP plumbing shared by the three emulators: loopback listener whose connections can be killed
//! mid-request, the per-provider context (faults, rate limit, request log) and the middleware that
//! applies them, and provider-shaped error responses.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::adversarial::{self, Adversarial};
use crate::config::{Provider, RateLimit};
use crate::faults::{Action, FaultPlan, malform};
use crate::rate_limit::RateLimiter;

/// Locks a std mutex, recovering from poisoning (a panicked handler must not wedge the sandbox).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One API request as received (for tests asserting request counts and page sizes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/v2/time_entries`.
    pub path: String,
    /// Raw query string (without `?`), empty when none.
    pub query: String,
}

/// Per-provider runtime context: faults, rate limit, request log.
pub(crate) struct Ctx {
    pub provider: Provider,
    pub base_url: String,
    pub faults: Mutex<FaultPlan>,
    pub limiter: Mutex<Option<RateLimiter>>,
    pub count: AtomicU64,
    pub log: Mutex<Vec<RequestRecord>>,
    /// Adversarial answers, for providers with a provider file.
    pub adversarial: Mutex<Adversarial>,
    /// The provider's file and spec, when it has one.
    pub builtin: Option<&'static maestro_kit::BuiltIn>,
}

impl Ctx {
    pub(crate) fn new(
        provider: Provider,
        base_url: String,
        faults: FaultPlan,
        limit: Option<RateLimit>,
    ) -> Self {
        Ctx {
            provider,
            base_url,
            faults: Mutex::new(faults),
            limiter: Mutex::new(limit.map(RateLimiter::new)),
            count: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            adversarial: Mutex::new(Adversarial::default()),
            builtin: maestro_kit::builtin_file(provider.name()),
        }
    }

    /// Clears the request count and log, and turns adversarial answers off.
    pub(crate) fn reset_stats(&self) {
        self.count.store(0, Ordering::SeqCst);
        lock(&self.log).clear();
        *lock(&self.adversarial) = Adversarial::default();
    }
}

// ---------------------------------------------------------------------------------------------
// Listener whose connections can be killed from a handler

/// A TCP stream that starts failing all I/O once its kill flag is set.
pub(crate) struct KillStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

fn killed() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "sandbox fault: connection dropped",
    )
}

impl AsyncRead for KillStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl KillStream {
    /// A stream over `inner` that fails once `kill` is set.
    pub(crate) fn new(inner: TcpStream, kill: Arc<AtomicBool>) -> Self {
        KillStream { inner, kill }
    }

    /// The handle that kills this stream (the connect info of a TLS listener's connections).
    pub(crate) fn handle(&self) -> ConnHandle {
        ConnHandle(self.kill.clone())
    }
}

/// Loopback listener producing [`KillStream`]s.
pub(crate) struct KillListener(pub TcpListener);

impl Listener for KillListener {
    type Io = KillStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    return (
                        KillStream {
                            inner,
                            kill: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                Err(e) => {
                    tracing::debug!("sandbox accept error: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// Connect info giving handlers the power to kill their connection.
#[derive(Clone)]
pub(crate) struct ConnHandle(Arc<AtomicBool>);

impl ConnHandle {
    fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, KillListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, KillListener>) -> Self {
        ConnHandle(stream.io().kill.clone())
    }
}

/// A running server.
pub(crate) struct ServerHandle {
    pub shutdown: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<()>,
}

/// Binds 127.0.0.1:0 (loopback only, always).
pub(crate) async fn bind(port: u16) -> io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, format!("http://{addr}")))
}

/// Serves `router` on `listener` until the returned handle is shut down.
pub(crate) fn serve(listener: TcpListener, router: Router) -> ServerHandle {
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let svc = router.into_make_service_with_connect_info::<ConnHandle>();
        let result = axum::serve(KillListener(listener), svc)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::warn!("sandbox server stopped: {e}");
        }
    });
    ServerHandle {
        shutdown: Some(tx),
        task,
    }
}

// ---------------------------------------------------------------------------------------------
// Provider-shaped errors

/// An error response in the provider's documented shape.
pub(crate) fn error_response(
    provider: Provider,
    status: StatusCode,
    category: &str,
    message: &str,
) -> Response {
    match provider {
        // Gusto: {"errors":[{"error_key","category","message"}]} (spec Unprocessable-Entity-Error-Object /
        // Not-Found-Error-Object). The spec gives no 401/5xx body; the same shape is used (assumption).
        Provider::Gusto => (
            status,
            axum::Json(serde_json::json!({
                "errors": [{"error_key": "base", "category": category, "message": message}]
            })),
        )
            .into_response(),
        // BambooHR: status + X-BambooHR-Error-Message header, empty body.
        Provider::BambooHr => {
            let mut r = status.into_response();
            if let Ok(v) = HeaderValue::from_str(message) {
                r.headers_mut().insert("x-bamboohr-error-message", v);
            }
            r
        }
        // Harvest: {"code","message"} per the community spec (jolicode harvest-openapi-generator);
        // unverified against the live API.
        Provider::Harvest => (
            status,
            axum::Json(serde_json::json!({"code": status.as_u16(), "message": message})),
        )
            .into_response(),
        // Toggl: every non-2xx body is a plain string (spec: `schema: {type: string}`).
        Provider::Toggl => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.to_owned(),
        )
            .into_response(),
        // Clockify: `{"message", "code"}` as its API answers errors (the spec declares no error
        // body; shape from Clockify's API docs examples).
        Provider::Clockify => (
            status,
            axum::Json(serde_json::json!({"message": message, "code": status.as_u16()})),
        )
            .into_response(),
        // Rippling: the REST spec declares no error body; `{"detail"}` is an assumption (its
        // provider file reads `detail`, then `message`).
        Provider::Rippling => {
            (status, axum::Json(serde_json::json!({"detail": message}))).into_response()
        }
        // Checkr: `{"error"}` (spec schemas UnauthorizedError, ForbiddenError, BadRequestError).
        Provider::Checkr => {
            (status, axum::Json(serde_json::json!({"error": message}))).into_response()
        }
        // GoodHire: `{code, message}` (the unofficial spec's Error schema; `code` is text).
        Provider::GoodHire => (
            status,
            axum::Json(serde_json::json!({"code": category, "message": message})),
        )
            .into_response(),
        // Zenefits: the error body is not documented; `{"error": {"message"}}` is an assumption
        // (its provider file reads `/error/message`, then `/message`).
        Provider::Zenefits => (
            status,
            axum::Json(serde_json::json!({"error": {"message": message}})),
        )
            .into_response(),
        // Justworks: the (unofficial) spec declares 401 and 403 without a body and no error
        // schema; `{"message"}` is an assumption (its provider file reads `/message` first).
        Provider::Justworks => {
            (status, axum::Json(serde_json::json!({"message": message}))).into_response()
        }
        // Paychex: `{"errors":[{code, description, resolution}]}` with the spec's code for the
        // status (API-102 for 401, API-75 for 406…; its examples).
        Provider::Paychex => (
            status,
            axum::Json(crate::kit::paychex::errors(status.as_u16(), message)),
        )
            .into_response(),
        // TriNet: the error body is not documented; Apigee's default fault (its token answer
        // is Apigee's) is an assumption (its provider file reads `/fault/faultstring`).
        Provider::TriNet => (
            status,
            axum::Json(serde_json::json!({
                "fault": {"faultstring": message, "detail": {"errorcode": category}}
            })),
        )
            .into_response(),
        // ADP: `confirmMessage.processMessages[].userMessage.messageTxt` (the spec's
        // confirmMessage; ADP's "API common exceptions" page), with the status as its code.
        Provider::Adp => (
            status,
            axum::Json(serde_json::json!({"confirmMessage": {
                "requestStatusCode": {"codeValue": "failed"},
                "processMessages": [{
                    "messageTypeCode": {"codeValue": "error"},
                    "userMessage": {"codeValue": category, "messageTxt": message},
                }],
            }})),
        )
            .into_response(),
        // QuickBooks: `Fault.Error[]` (IntuitRestServiceDef.xsd), with the code Intuit's docs
        // give for the case.
        Provider::QuickBooks => (
            status,
            axum::Json(crate::kit::quickbooks::fault(status.as_u16(), message)),
        )
            .into_response(),
    }
}

fn too_many(provider: Provider, retry_after: u64) -> Response {
    let mut r = error_response(
        provider,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too Many Requests",
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// An hourly quota spent: Toggl's 402 with the seconds until it resets (support.toggl.com
/// article 11484112; header name from Nango's provider registry), others a 429.
fn quota_spent(provider: Provider, resets_in: u64) -> Response {
    if provider != Provider::Toggl {
        return too_many(provider, resets_in);
    }
    let mut r = error_response(
        provider,
        StatusCode::PAYMENT_REQUIRED,
        "quota",
        "You have hit your hourly limit for API calls. The quota resets in the time given.",
    );
    for (name, value) in [
        ("x-toggl-quota-remaining", "0".to_owned()),
        ("x-toggl-quota-resets-in", resets_in.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

fn set_rate_headers(
    headers: &mut HeaderMap,
    limit: u32,
    remaining: u32,
    reset_in: std::time::Duration,
) {
    // Gusto documents X-RateLimit-Reset as "the datetime when the rate limit window will reset".
    let reset_at = chrono::Utc::now() + chrono::Duration::milliseconds(reset_in.as_millis() as i64);
    let pairs = [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        (
            "x-ratelimit-reset",
            reset_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
}

/// Middleware: request log, faults, rate limit, malformed bodies. Skips `/_sandbox/*`.
pub(crate) async fn api_layer(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sandbox") {
        return next.run(req).await;
    }
    ctx.count.fetch_add(1, Ordering::SeqCst);
    lock(&ctx.log).push(RequestRecord {
        method: req.method().to_string(),
        path,
        query: req.uri().query().unwrap_or("").to_string(),
    });
    let conn = req.extensions().get::<ConnectInfo<ConnHandle>>().cloned();
    let decision = lock(&ctx.faults).take();
    if let Some(d) = decision.delay {
        tokio::time::sleep(d).await;
    }
    match decision.action {
        Action::Proceed => {}
        Action::Drop => {
            if let Some(ConnectInfo(c)) = conn {
                c.kill();
            }
            // Nothing will be written: the connection fails on the first write.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Action::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return error_response(
                ctx.provider,
                status,
                "server_error",
                "Injected server error",
            );
        }
        Action::RateLimited(secs) => return too_many(ctx.provider, secs),
        Action::QuotaExhausted(secs) => return quota_spent(ctx.provider, secs),
    }
    let admission = lock(&ctx.limiter).as_mut().map(|l| l.check(Instant::now()));
    if let Some(a) = admission
        && !a.allowed
    {
        let secs = a.reset_in.as_secs() + u64::from(a.reset_in.subsec_nanos() > 0);
        let mut r = too_many(ctx.provider, secs.max(1));
        if ctx.provider == Provider::Gusto {
            set_rate_headers(r.headers_mut(), a.limit, 0, a.reset_in);
        }
        return r;
    }
    let mode = lock(&ctx.adversarial).clone();
    let stream = match ctx.builtin {
        Some(b) if mode.is_on() => {
            adversarial::stream_at(b, req.method().as_str(), req.uri().path())
        }
        _ => None,
    };
    let req = match stream {
        Some(s) if mode.short_pages > 0 => shorten(req, s, mode.short_pages).await,
        _ => req,
    };
    let mut resp = next.run(req).await;
    if let Some(wait) = decision.lose_answer {
        // Handled (a write applied), then the answer is lost with the connection.
        tokio::time::sleep(wait).await;
        if let Some(ConnectInfo(c)) = &conn {
            c.kill();
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if let (Some(b), Some(s)) = (ctx.builtin, stream)
        && resp.status().is_success()
    {
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let out = adversarial::transform(b, s, &mode, &bytes).unwrap_or_else(|| bytes.to_vec());
        let mut parts = parts;
        parts.headers.remove(header::CONTENT_LENGTH);
        resp = Response::from_parts(parts, Body::from(out));
    }
    if ctx.provider == Provider::Gusto
        && let Some(a) = admission
    {
        set_rate_headers(resp.headers_mut(), a.limit, a.remaining, a.reset_in);
    }
    if let Some(kind) = decision.malformed {
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if resp.status().is_success() && is_json {
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let bad = malform(&bytes, &kind);
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(bad));
        }
    }
    resp
}

/// The request with its page size held to `short` (in the query, or in a JSON body).
async fn shorten(req: Request, stream: &maestro_kit::file::StreamSpec, short: u32) -> Request {
    let (mut parts, body) = req.into_parts();
    if let Some(q) = adversarial::shorter_query(stream, parts.uri.query().unwrap_or(""), short)
        && let Ok(uri) = format!("{}?{q}", parts.uri.path()).parse()
    {
        parts.uri = uri;
    }
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let body = adversarial::shorter_body(stream, &bytes, short).unwrap_or_else(|| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Request::from_parts(parts, Body::from(body))
}

// ---------------------------------------------------------------------------------------------
// Small helpers used by the provider modules

/// A JSON response with status and extra headers.
pub(crate) fn json_with(
    status: StatusCode,
    headers: &[(&str, String)],
    value: serde_json::Value,
) -> Response {
    let mut r = (status, axum::Json(value)).into_response();
    for (k, v) in headers {
        if let (Ok(name), Ok(val)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            r.headers_mut().insert(name, val);
        }
    }
    r
}

/// Reads a header as a string.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Parses a request body as JSON or `application/x-www-form-urlencoded` into string pairs.
pub(crate) fn parse_params(
    headers: &HeaderMap,
    body: &[u8],
) -> std::collections::HashMap<String, String> {
    let is_json = header_str(headers, "content-type").is_some_and(|c| c.contains("json"));
    let mut out = std::collections::HashMap::new();
    if is_json {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(body)
        {
            for (k, v) in m {
                let s = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                out.insert(k, s);
            }
        }
    } else {
        for (k, v) in url::form_urlencoded::parse(body) {
            out.insert(k.into_owned(), v.into_owned());
        }
    }
    out
}

/// Parses a query string into pairs (later duplicates win).
pub(crate) fn query_map(query: Option<&str>) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
