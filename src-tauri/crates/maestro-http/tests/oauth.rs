//! OAuth 2.0 against a local authorization server that behaves like Gusto's: authorization code
//! with PKCE S256, single-use codes, exact redirect_uri, rotating refresh tokens where the old one
//! is revoked once the new access token is first used, and a protected `/v1/me`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use maestro_core::clock::{Clock, ManualClock};
use maestro_core::sensitive::Sensitive;
use maestro_http::oauth::{
    BrowserOpener, OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
    authorize_with_pkce, client_credentials, refresh, token_http_client,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use url::Url;

const CLIENT_ID: &str = "maestro-test-client";
const CLIENT_SECRET: &str = "client-secret-7f3a9";

// ---------------------------------------------------------------------------------------------
// The Gusto-like authorization server
// ---------------------------------------------------------------------------------------------

struct CodeGrant {
    redirect_uri: String,
    challenge: String,
    used: bool,
}

struct AccessInfo {
    /// The refresh token this access token was obtained with (revoked on first use).
    predecessor: Option<String>,
    used: bool,
}

#[derive(Default)]
struct Db {
    codes: HashMap<String, CodeGrant>,
    /// refresh token -> revoked
    refresh_tokens: HashMap<String, bool>,
    access_tokens: HashMap<String, AccessInfo>,
    authorize_requests: Vec<HashMap<String, String>>,
    token_calls: usize,
    refresh_calls: usize,
    verifier_failures: usize,
    counter: u64,
}

impl Db {
    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!(
            "{prefix}-{}-{}",
            self.counter,
            uuid::Uuid::new_v4().simple()
        )
    }

    fn issue(
        &mut self,
        with_refresh: bool,
        predecessor: Option<String>,
    ) -> (String, Option<String>) {
        let access = self.fresh("at");
        self.access_tokens.insert(
            access.clone(),
            AccessInfo {
                predecessor,
                used: false,
            },
        );
        let refresh = with_refresh.then(|| {
            let rt = self.fresh("rt");
            self.refresh_tokens.insert(rt.clone(), false);
            rt
        });
        (access, refresh)
    }
}

#[derive(Default)]
struct Server {
    db: Mutex<Db>,
    deny: AtomicBool,
    no_rotation: AtomicBool,
    token_delay_ms: AtomicU64,
    /// A member (name, value) added to refresh answers: the refresh token's lifetime.
    refresh_lifetime: Mutex<Option<(String, serde_json::Value)>>,
}

type Shared = Arc<Server>;

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn token_response(access: &str, refresh: Option<&str>) -> Response {
    token_answer(access, refresh, None)
}

/// A token answer, with `extra` (a member name and value) added when given.
fn token_answer(
    access: &str,
    refresh: Option<&str>,
    extra: Option<(String, serde_json::Value)>,
) -> Response {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "created_at": 1_735_689_600,
        "expires_in": 7200,
        "scope": "employees:read companies:read",
    });
    if let Some(rt) = refresh {
        body["refresh_token"] = json!(rt);
    }
    if let Some((member, value)) = extra {
        body[member] = value;
    }
    Json(body).into_response()
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    s.db.lock().unwrap().authorize_requests.push(q.clone());
    let (Some(redirect_uri), Some(state)) = (q.get("redirect_uri"), q.get("state")) else {
        return (StatusCode::BAD_REQUEST, "missing redirect_uri or state").into_response();
    };
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
        || !redirect_uri.starts_with("http://127.0.0.1:")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let mut target = Url::parse(redirect_uri).unwrap();
    if s.deny.load(Ordering::SeqCst) {
        target
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The user denied the request")
            .append_pair("state", state);
    } else {
        let mut db = s.db.lock().unwrap();
        let code = db.fresh("code");
        db.codes.insert(
            code.clone(),
            CodeGrant {
                redirect_uri: redirect_uri.clone(),
                challenge: q.get("code_challenge").cloned().unwrap_or_default(),
                used: false,
            },
        );
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", state);
    }
    Redirect::to(target.as_str()).into_response()
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let delay = s.token_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let mut db = s.db.lock().unwrap();
    db.token_calls += 1;
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    match f.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = f.get("code").cloned().unwrap_or_default();
            let Some(grant) = db.codes.get_mut(&code) else {
                return oauth_error("invalid_grant", "unknown code");
            };
            if grant.used {
                return oauth_error("invalid_grant", "code already used");
            }
            grant.used = true; // single use, even when the rest of the request is wrong
            if f.get("redirect_uri") != Some(&grant.redirect_uri) {
                return oauth_error("invalid_grant", "redirect_uri does not match");
            }
            let verifier = f.get("code_verifier").cloned().unwrap_or_default();
            let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if expected != grant.challenge {
                db.verifier_failures += 1;
                return oauth_error("invalid_grant", "PKCE verification failed");
            }
            let (at, rt) = db.issue(true, None);
            token_response(&at, rt.as_deref())
        }
        Some("refresh_token") => {
            db.refresh_calls += 1;
            let old = f.get("refresh_token").cloned().unwrap_or_default();
            match db.refresh_tokens.get(&old) {
                Some(false) => {}
                _ => {
                    return oauth_error(
                        "invalid_grant",
                        "The provided authorization grant is invalid, expired, revoked",
                    );
                }
            }
            let lifetime = s.refresh_lifetime.lock().unwrap().clone();
            if s.no_rotation.load(Ordering::SeqCst) {
                let (at, _) = db.issue(false, None);
                token_answer(&at, None, lifetime)
            } else {
                let (at, rt) = db.issue(true, Some(old));
                token_answer(&at, rt.as_deref(), lifetime)
            }
        }
        Some("client_credentials") => {
            let (at, _) = db.issue(false, None);
            token_response(&at, None)
        }
        _ => oauth_error("unsupported_grant_type", "unsupported grant"),
    }
}

async fn me(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let mut db = s.db.lock().unwrap();
    let Some(info) = db.access_tokens.get_mut(&token) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let first_use = !info.used;
    info.used = true;
    let predecessor = info.predecessor.clone();
    if first_use {
        // Gusto: the old refresh token is revoked once the new access token is first used.
        if let Some(old) = predecessor {
            db.refresh_tokens.insert(old, true);
        }
    }
    Json(json!({"resource_owner": {"type": "CompanyAdmin"}})).into_response()
}

async fn redirecting_token() -> Response {
    Redirect::temporary("/oauth/token").into_response()
}

struct TestServer {
    base: Url,
    state: Shared,
}

impl TestServer {
    async fn start() -> Self {
        let state: Shared = Arc::default();
        let app = Router::new()
            .route("/oauth/authorize", get(authorize))
            .route("/oauth/token", post(token))
            .route("/oauth/token-moved", post(redirecting_token))
            .route("/v1/me", get(me))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer {
            base: Url::parse(&format!("http://{addr}")).unwrap(),
            state,
        }
    }

    fn config(&self) -> OAuthClientConfig {
        OAuthClientConfig::new(
            "Gusto",
            CLIENT_ID,
            self.base.join("/oauth/authorize").unwrap(),
            self.base.join("/oauth/token").unwrap(),
        )
        .with_secret(CLIENT_SECRET)
        .with_scopes(["employees:read", "companies:read"])
        .with_authorize_param("prompt", "consent")
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Db> {
        self.state.db.lock().unwrap()
    }

    /// A token pair as if issued by an earlier sign-in.
    fn seed(&self, expires_at: DateTime<Utc>) -> TokenSet {
        let (at, rt) = self.db().issue(true, None);
        TokenSet {
            access_token: Sensitive::new(at),
            refresh_token: rt.map(Sensitive::new),
            expires_at: Some(expires_at),
            scope: Some("employees:read".into()),
            refresh_expires_at: None,
        }
    }

    /// Calls the protected endpoint (marks the access token as used).
    async fn call_me(&self, token: &Sensitive<String>) -> StatusCode {
        reqwest::Client::new()
            .get(self.base.join("/v1/me").unwrap())
            .bearer_auth(token.expose())
            .send()
            .await
            .unwrap()
            .status()
    }

    fn refresh_calls(&self) -> usize {
        self.db().refresh_calls
    }

    fn is_revoked(&self, rt: &Sensitive<String>) -> bool {
        self.db().refresh_tokens[rt.expose()]
    }

    /// Every token, code and secret the server has handed out.
    fn secrets(&self) -> Vec<String> {
        let db = self.db();
        let mut all: Vec<String> = db.access_tokens.keys().cloned().collect();
        all.extend(db.refresh_tokens.keys().cloned());
        all.extend(db.codes.keys().cloned());
        all.push(CLIENT_SECRET.into());
        all
    }

    fn assert_no_secrets(&self, text: &str) {
        for secret in self.secrets() {
            assert!(!text.contains(&secret), "secret leaked into: {text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Test doubles
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Mode {
    Follow,
    TamperState,
    /// A forged callback reaches the listener first, then the owner's genuine one.
    ForgedFirst,
    TamperChallenge,
    Ignore,
}

struct Visit {
    final_url: Url,
    status: u16,
    body: String,
}

/// Plays the browser: GETs the authorization URL and follows the redirect to the loopback listener.
struct TestBrowser {
    mode: Mode,
    tasks: Mutex<Vec<JoinHandle<Visit>>>,
}

impl TestBrowser {
    fn new(mode: Mode) -> Self {
        TestBrowser {
            mode,
            tasks: Mutex::default(),
        }
    }

    async fn visits(&self) -> Vec<Visit> {
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        let mut visits = Vec::new();
        for task in tasks {
            visits.push(task.await.unwrap());
        }
        visits
    }
}

fn replace_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

impl BrowserOpener for TestBrowser {
    fn open(&self, url: &Url) -> Result<(), OAuthError> {
        if let Mode::ForgedFirst = self.mode {
            let forged = replace_param(url, "state", "forged-state");
            let genuine = url.clone();
            let task = tokio::spawn(async move {
                let client = reqwest::Client::new();
                let first = client.get(forged).send().await.unwrap();
                let body = first.text().await.unwrap();
                let second = client.get(genuine).send().await.unwrap();
                Visit {
                    final_url: second.url().clone(),
                    status: second.status().as_u16(),
                    body: format!("{body}\n---\n{}", second.text().await.unwrap()),
                }
            });
            self.tasks.lock().unwrap().push(task);
            return Ok(());
        }
        let url = match self.mode {
            Mode::Ignore | Mode::ForgedFirst => return Ok(()),
            Mode::Follow => url.clone(),
            Mode::TamperState => replace_param(url, "state", "forged-state"),
            Mode::TamperChallenge => {
                let other = URL_SAFE_NO_PAD.encode(Sha256::digest(b"a-verifier-we-do-not-hold"));
                replace_param(url, "code_challenge", &other)
            }
        };
        let task = tokio::spawn(async move {
            let response = reqwest::Client::new().get(url).send().await.unwrap();
            Visit {
                final_url: response.url().clone(),
                status: response.status().as_u16(),
                body: response.text().await.unwrap(),
            }
        });
        self.tasks.lock().unwrap().push(task);
        Ok(())
    }
}

#[derive(Default)]
struct MemoryStore {
    saved: Mutex<Vec<TokenSet>>,
}

impl MemoryStore {
    fn with(tokens: TokenSet) -> Self {
        MemoryStore {
            saved: Mutex::new(vec![tokens]),
        }
    }
    fn latest(&self) -> TokenSet {
        self.saved.lock().unwrap().last().cloned().unwrap()
    }
    fn count(&self) -> usize {
        self.saved.lock().unwrap().len()
    }
}

#[async_trait]
impl TokenPersistence for MemoryStore {
    async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        self.saved.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

/// A store that crashes (fails) on every save.
struct BrokenStore;

#[async_trait]
impl TokenPersistence for BrokenStore {
    async fn save(&self, _tokens: &TokenSet) -> Result<(), OAuthError> {
        Err(OAuthError::Persist("the disk is full".into()))
    }
}

fn t0() -> DateTime<Utc> {
    "2025-01-01T09:00:00Z".parse().unwrap()
}

fn manager(
    server: &TestServer,
    tokens: TokenSet,
    store: Arc<dyn TokenPersistence>,
    clock: Arc<dyn Clock>,
) -> TokenManager {
    TokenManager::new(
        server.config(),
        token_http_client().unwrap(),
        tokens,
        store,
        clock,
    )
}

const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Authorization code + PKCE through the loopback listener
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn code_flow_with_pkce_through_loopback() {
    let server = TestServer::start().await;
    let browser = TestBrowser::new(Mode::Follow);
    let http = token_http_client().unwrap();

    let tokens = authorize_with_pkce(&server.config(), &browser, &http, SIGN_IN_TIMEOUT)
        .await
        .unwrap();

    assert!(tokens.refresh_token.is_some());
    let expires_in = tokens.expires_at.unwrap() - Utc::now();
    assert!(
        expires_in > chrono::Duration::seconds(7100)
            && expires_in <= chrono::Duration::seconds(7200)
    );
    assert_eq!(
        tokens.scope.as_deref(),
        Some("employees:read companies:read")
    );
    assert_eq!(server.call_me(&tokens.access_token).await, StatusCode::OK);

    // What the server saw on the authorization request.
    let request = server.db().authorize_requests[0].clone();
    assert_eq!(request["code_challenge_method"], "S256");
    assert_eq!(request["response_type"], "code");
    assert_eq!(request["scope"], "employees:read companies:read");
    assert_eq!(request["prompt"], "consent");
    let redirect = Url::parse(&request["redirect_uri"]).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_eq!(redirect.path(), "/callback");
    assert_ne!(redirect.port(), Some(0));
    assert!(request["state"].len() >= 16);

    // The browser landed on the loopback page.
    let visits = browser.visits().await;
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].status, 200);
    assert!(
        visits[0]
            .body
            .contains("You can close this window and return to Integration Maestro")
    );
    assert_eq!(visits[0].final_url.port(), redirect.port());

    // The listener is gone once the flow is over.
    assert!(reqwest::get(visits[0].final_url.clone()).await.is_err());

    // Codes are single use.
    let code = visits[0]
        .final_url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay: serde_json::Value = reqwest::Client::new()
        .post(server.base.join("/oauth/token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", "whatever"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replay["error"], "invalid_grant");
    assert_eq!(replay["error_description"], "code already used");

    let debug = format!("{tokens:?} {:?}", server.config());
    assert!(debug.contains("<redacted>"));
    server.assert_no_secrets(&debug);
}

#[tokio::test]
async fn wrong_verifier_is_rejected() {
    let server = TestServer::start().await;
    let browser = TestBrowser::new(Mode::TamperChallenge);
    let error = authorize_with_pkce(
        &server.config(),
        &browser,
        &token_http_client().unwrap(),
        SIGN_IN_TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, OAuthError::CodeRejected { ref description, .. }
        if description.as_deref() == Some("PKCE verification failed")),
        "{error:?}"
    );
    assert_eq!(server.db().verifier_failures, 1);
    assert_eq!(
        error.to_string(),
        "Gusto did not accept the sign-in; try connecting again"
    );
    server.assert_no_secrets(&format!("{error} {error:?}"));
}

#[tokio::test]
async fn tampered_state_is_ignored_and_its_code_never_exchanged() {
    let server = TestServer::start().await;
    let browser = TestBrowser::new(Mode::TamperState);
    let error = authorize_with_pkce(
        &server.config(),
        &browser,
        &token_http_client().unwrap(),
        Duration::from_millis(700),
    )
    .await
    .unwrap_err();
    // Only the forged answer came before the deadline: the sign-in ends saying so.
    assert_eq!(error, OAuthError::StateMismatch);
    assert!(!error.needs_reconnect());
    // The server issued a code for the forged request, and nobody tried to redeem it.
    assert_eq!(server.db().codes.len(), 1);
    assert_eq!(server.db().token_calls, 0);
    let visits = browser.visits().await;
    assert_eq!(visits[0].status, 400);
    assert!(visits[0].body.contains("ignored"), "{}", visits[0].body);
    server.assert_no_secrets(&format!("{error} {error:?}"));
}

#[tokio::test]
async fn a_forged_callback_does_not_end_the_sign_in() {
    let server = TestServer::start().await;
    let browser = TestBrowser::new(Mode::ForgedFirst);
    let tokens = authorize_with_pkce(
        &server.config(),
        &browser,
        &token_http_client().unwrap(),
        SIGN_IN_TIMEOUT,
    )
    .await
    .unwrap();
    assert!(tokens.refresh_token.is_some());
    // Two codes were issued; only the genuine one was redeemed.
    assert_eq!(server.db().codes.len(), 2);
    assert_eq!(server.db().token_calls, 1);
    let visits = browser.visits().await;
    assert!(visits[0].body.contains("ignored"), "{}", visits[0].body);
    assert!(visits[0].body.contains("You can close this window"));
}

#[tokio::test]
async fn access_denied_is_reported() {
    let server = TestServer::start().await;
    server.state.deny.store(true, Ordering::SeqCst);
    let browser = TestBrowser::new(Mode::Follow);
    let error = authorize_with_pkce(
        &server.config(),
        &browser,
        &token_http_client().unwrap(),
        SIGN_IN_TIMEOUT,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error,
        OAuthError::AccessDenied {
            description: Some("The user denied the request".into())
        }
    );
    assert_eq!(server.db().token_calls, 0);
    assert!(
        browser.visits().await[0]
            .body
            .contains("Access was not granted")
    );
}

#[tokio::test]
async fn sign_in_times_out() {
    let server = TestServer::start().await;
    let browser = TestBrowser::new(Mode::Ignore);
    let error = authorize_with_pkce(
        &server.config(),
        &browser,
        &token_http_client().unwrap(),
        Duration::from_millis(200),
    )
    .await
    .unwrap_err();
    assert_eq!(error, OAuthError::Timeout);
}

#[tokio::test]
async fn client_credentials_grant() {
    let server = TestServer::start().await;
    let tokens = client_credentials(&server.config(), &token_http_client().unwrap())
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_none());
    assert_eq!(server.call_me(&tokens.access_token).await, StatusCode::OK);

    let mut wrong = server.config();
    wrong.client_secret = Some(Sensitive::new("not-the-secret".into()));
    let error = client_credentials(&wrong, &token_http_client().unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, OAuthError::InvalidClient { .. }),
        "{error:?}"
    );
    assert!(error.needs_reconnect());
}

#[tokio::test]
async fn token_endpoint_redirects_are_not_followed() {
    let server = TestServer::start().await;
    let mut config = server.config();
    config.token_url = server.base.join("/oauth/token-moved").unwrap();
    let rt = server.seed(t0()).refresh_token.unwrap();
    for http in [token_http_client().unwrap(), reqwest::Client::new()] {
        let error = refresh(&config, &http, &rt).await.unwrap_err();
        assert!(
            matches!(error, OAuthError::Http(ref m) if m.contains("redirected")),
            "{error:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Refresh and the token manager
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn refreshes_ahead_of_expiry_on_a_manual_clock() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let initial = server.seed(t0() + chrono::Duration::seconds(7200));
    let store = Arc::new(MemoryStore::default());
    let manager = manager(&server, initial.clone(), store.clone(), clock.clone());

    assert_eq!(manager.access_token().await.unwrap(), initial.access_token);
    clock.advance(chrono::Duration::seconds(7200 - 301)); // 5 min 1 s left
    assert_eq!(manager.access_token().await.unwrap(), initial.access_token);
    assert_eq!(server.refresh_calls(), 0);

    clock.advance(chrono::Duration::seconds(2)); // 4 min 59 s left
    let renewed = manager.access_token().await.unwrap();
    assert_ne!(renewed, initial.access_token);
    assert_eq!(server.refresh_calls(), 1);
    let held = manager.tokens().await;
    assert_eq!(
        held.expires_at,
        Some(clock.now() + chrono::Duration::seconds(7200))
    );
    assert_ne!(held.refresh_token, initial.refresh_token);
    assert_eq!(store.count(), 1);
    assert_eq!(store.latest(), held);

    // Served from memory until the next refresh is due.
    assert_eq!(manager.access_token().await.unwrap(), renewed);
    assert_eq!(server.refresh_calls(), 1);
    assert_eq!(server.call_me(&renewed).await, StatusCode::OK);
    assert!(server.is_revoked(initial.refresh_token.as_ref().unwrap()));

    // A wider margin refreshes earlier.
    let wide = TokenManager::new(
        server.config(),
        token_http_client().unwrap(),
        server.seed(clock.now() + chrono::Duration::seconds(7200)),
        store.clone(),
        clock.clone(),
    )
    .with_refresh_margin(chrono::Duration::hours(3));
    wide.access_token().await.unwrap();
    assert_eq!(server.refresh_calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let server = TestServer::start().await;
    server.state.token_delay_ms.store(200, Ordering::SeqCst);
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::default());
    let manager = Arc::new(manager(
        &server,
        server.seed(t0() - chrono::Duration::seconds(1)),
        store.clone(),
        clock,
    ));

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(server.refresh_calls(), 1);
    assert_eq!(store.count(), 1);
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(server.call_me(&tokens[0]).await, StatusCode::OK);
}

#[tokio::test]
async fn rotation_survives_a_crash_between_refresh_and_save() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let stored = server.seed(t0() - chrono::Duration::minutes(1)); // what the store holds
    let old_rt = stored.refresh_token.clone().unwrap();

    // The server rotates, then saving the rotated token fails.
    let crashing = manager(
        &server,
        stored.clone(),
        Arc::new(BrokenStore),
        clock.clone(),
    );
    let error = crashing.access_token().await.unwrap_err();
    assert_eq!(error, OAuthError::Persist("the disk is full".into()));
    assert_eq!(
        error.to_string(),
        "could not save the renewed authorization: the disk is full"
    );
    assert_eq!(server.refresh_calls(), 1);
    // The new access token was never handed out, so never used, so the old refresh token lives.
    {
        let db = server.db();
        let successor = db
            .access_tokens
            .values()
            .find(|i| i.predecessor.as_deref() == Some(old_rt.expose()))
            .unwrap();
        assert!(!successor.used);
    }
    assert!(!server.is_revoked(&old_rt));
    assert_eq!(crashing.tokens().await, stored);
    server.assert_no_secrets(&format!("{error} {error:?} {crashing:?}"));
    drop(crashing);

    // After the "restart": a fresh manager from the stored (old) refresh token.
    let store = Arc::new(MemoryStore::with(stored.clone()));
    let restarted = manager(&server, store.latest(), store.clone(), clock);
    let token = restarted.access_token().await.unwrap();
    assert_eq!(server.call_me(&token).await, StatusCode::OK);
    assert_eq!(server.refresh_calls(), 2);
    let saved = store.latest();
    assert_eq!(saved.access_token, token);
    assert_ne!(saved.refresh_token.as_ref(), Some(&old_rt));
    // Using the new access token revoked the old refresh token, which is why it had to be saved.
    assert!(server.is_revoked(&old_rt));
}

/// A store whose first `failures` saves fail (a disk that is full for a moment).
struct FlakyStore {
    failures: Mutex<usize>,
    inner: MemoryStore,
}

impl FlakyStore {
    fn failing(failures: usize, tokens: TokenSet) -> Self {
        FlakyStore {
            failures: Mutex::new(failures),
            inner: MemoryStore::with(tokens),
        }
    }
}

#[async_trait]
impl TokenPersistence for FlakyStore {
    async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        {
            let mut failures = self.failures.lock().unwrap();
            if *failures > 0 {
                *failures -= 1;
                return Err(OAuthError::Persist("the disk is full".into()));
            }
        }
        self.inner.save(tokens).await
    }
}

#[tokio::test]
async fn a_rotation_whose_save_failed_is_saved_on_the_next_try_without_another_refresh() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    // Two minutes left: inside the refresh margin, still usable.
    let stored = server.seed(t0() + chrono::Duration::minutes(2));
    let old_rt = stored.refresh_token.clone().unwrap();
    let store = Arc::new(FlakyStore::failing(1, stored.clone()));
    let manager = manager(&server, stored.clone(), store.clone(), clock.clone());

    // The provider rotates; the save fails. The current token still works, so it is used and
    // the rotated pair stays in memory, unused.
    let token = manager.access_token().await.unwrap();
    assert_eq!(token, stored.access_token);
    assert_eq!(server.refresh_calls(), 1);
    assert_eq!(store.inner.count(), 1);
    assert!(!server.is_revoked(&old_rt));

    // Once the current token has expired, the kept pair is saved first and used: no second
    // refresh (a provider that keeps the old token only for a while would otherwise lose it).
    clock.advance(chrono::Duration::minutes(3));
    let renewed = manager.access_token().await.unwrap();
    assert_ne!(renewed, stored.access_token);
    assert_eq!(server.refresh_calls(), 1);
    let saved = store.inner.latest();
    assert_eq!(saved.access_token, renewed);
    assert_ne!(saved.refresh_token.as_ref(), Some(&old_rt));
    assert_eq!(server.call_me(&renewed).await, StatusCode::OK);

    // A restart from what was saved still refreshes.
    let restarted = self::manager(&server, saved.clone(), store.clone(), clock);
    let again = restarted.force_refresh().await.unwrap();
    assert_eq!(server.call_me(&again).await, StatusCode::OK);
    assert_eq!(server.refresh_calls(), 2);
}

#[tokio::test]
async fn the_refresh_tokens_own_expiry_is_read_saved_and_reset_by_rotation() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::default());
    let manager = manager(&server, server.seed(t0()), store.clone(), clock.clone());

    // Intuit's member, as digits in a string (its SDK samples) or as a number.
    *server.state.refresh_lifetime.lock().unwrap() =
        Some(("x_refresh_token_expires_in".into(), json!("8726400")));
    manager.force_refresh().await.unwrap();
    let first = store.latest();
    assert_eq!(
        first.refresh_expires_at,
        Some(t0() + chrono::Duration::seconds(8_726_400))
    );
    let serialized = serde_json::to_value(&first).unwrap();
    assert_eq!(
        serialized["refresh_expires_at"],
        json!(first.refresh_expires_at.unwrap())
    );

    // The standard member; a rotation a day later moves the expiry on.
    clock.advance(chrono::Duration::days(1));
    *server.state.refresh_lifetime.lock().unwrap() =
        Some(("refresh_token_expires_in".into(), json!(8_640_000)));
    manager.force_refresh().await.unwrap();
    let second = store.latest();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        second.refresh_expires_at,
        Some(t0() + chrono::Duration::days(1) + chrono::Duration::seconds(8_640_000))
    );

    // Not rotated and not reported: the known expiry is kept.
    server.state.no_rotation.store(true, Ordering::SeqCst);
    *server.state.refresh_lifetime.lock().unwrap() = None;
    manager.force_refresh().await.unwrap();
    assert_eq!(store.latest().refresh_expires_at, second.refresh_expires_at);

    // Unreadable: ignored, and the renewed tokens are kept all the same.
    server.state.no_rotation.store(false, Ordering::SeqCst);
    *server.state.refresh_lifetime.lock().unwrap() =
        Some(("x_refresh_token_expires_in".into(), json!("in a while")));
    let token = manager.force_refresh().await.unwrap();
    let latest = store.latest();
    assert_eq!(latest.access_token, token);
    assert_ne!(latest.refresh_token, second.refresh_token);
    assert_eq!(latest.refresh_expires_at, None);

    // Tokens saved before this field existed still load.
    let mut old = serde_json::to_value(&latest).unwrap();
    old.as_object_mut().unwrap().remove("refresh_expires_at");
    let loaded: TokenSet = serde_json::from_value(old).unwrap();
    assert_eq!(loaded, latest);
}

#[tokio::test]
async fn contrast_using_the_new_token_without_saving_revokes_the_old_one() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let stored = server.seed(t0() - chrono::Duration::minutes(1));
    let old_rt = stored.refresh_token.clone().unwrap();

    // A careless client: refresh, use the new access token, never save the rotated refresh token.
    let rotated = refresh(&server.config(), &token_http_client().unwrap(), &old_rt)
        .await
        .unwrap();
    assert_ne!(rotated.refresh_token.as_ref(), Some(&old_rt));
    assert_eq!(server.call_me(&rotated.access_token).await, StatusCode::OK);
    assert!(server.is_revoked(&old_rt));

    // After a restart, only the old refresh token is on disk: the connection is lost.
    let restarted = manager(&server, stored, Arc::new(MemoryStore::default()), clock);
    let error = restarted.access_token().await.unwrap_err();
    assert!(
        matches!(error, OAuthError::InvalidGrant { .. }),
        "{error:?}"
    );
    assert!(error.needs_reconnect());
    assert_eq!(
        error.to_string(),
        "Gusto no longer accepts the saved authorization; reconnect it"
    );
}

#[tokio::test]
async fn revoked_refresh_token_needs_reconnect() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let stored = server.seed(t0() - chrono::Duration::minutes(1));
    server
        .db()
        .refresh_tokens
        .insert(stored.refresh_token.clone().unwrap().into_inner(), true);

    let manager = manager(&server, stored, Arc::new(MemoryStore::default()), clock);
    let error = manager.access_token().await.unwrap_err();
    assert!(
        matches!(error, OAuthError::InvalidGrant { ref provider, .. } if provider == "Gusto"),
        "{error:?}"
    );
    assert!(error.needs_reconnect());
    assert_eq!(error.kind(), maestro_core::ErrorKind::Auth);
    assert_eq!(
        error.to_string(),
        "Gusto no longer accepts the saved authorization; reconnect it"
    );
    // Remembered: no further requests hammer the provider.
    assert_eq!(manager.force_refresh().await.unwrap_err(), error);
    assert_eq!(manager.access_token().await.unwrap_err(), error);
    assert_eq!(server.refresh_calls(), 1);
    server.assert_no_secrets(&format!("{error} {error:?} {manager:?}"));
}

#[tokio::test]
async fn refresh_keeps_the_old_refresh_token_when_none_is_returned() {
    let server = TestServer::start().await;
    server.state.no_rotation.store(true, Ordering::SeqCst);
    let clock = Arc::new(ManualClock::new(t0()));
    let stored = server.seed(t0());
    let old_rt = stored.refresh_token.clone().unwrap();

    let renewed = refresh(&server.config(), &token_http_client().unwrap(), &old_rt)
        .await
        .unwrap();
    assert_eq!(renewed.refresh_token.as_ref(), Some(&old_rt));
    assert_ne!(renewed.access_token, stored.access_token);

    // Without rotation a failed save does not block the new access token.
    let manager = manager(&server, stored, Arc::new(BrokenStore), clock);
    let token = manager.access_token().await.unwrap();
    assert_eq!(server.call_me(&token).await, StatusCode::OK);
    assert_eq!(manager.tokens().await.refresh_token, Some(old_rt));
}

#[tokio::test]
async fn refresh_after_a_401_happens_once() {
    let server = TestServer::start().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let stored = server.seed(t0() + chrono::Duration::hours(2));
    let store = Arc::new(MemoryStore::default());
    let manager = manager(&server, stored.clone(), store.clone(), clock);

    let first = manager
        .refresh_after_rejection(&stored.access_token)
        .await
        .unwrap();
    // A second request rejected with the same old token reuses the refreshed one.
    let second = manager
        .refresh_after_rejection(&stored.access_token)
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(server.refresh_calls(), 1);

    let forced = manager.force_refresh().await.unwrap();
    assert_ne!(forced, first);
    assert_eq!(server.refresh_calls(), 2);
    assert_eq!(store.count(), 2);
}

#[tokio::test]
async fn tokens_are_redacted_and_serde_round_trips() {
    let server = TestServer::start().await;
    let tokens = server.seed(t0());
    let debug = format!("{tokens:?} {tokens:#?}");
    assert!(debug.contains("<redacted>"));
    server.assert_no_secrets(&debug);

    let json = serde_json::to_string(&tokens).unwrap();
    let back: TokenSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, tokens);
}

#[tokio::test]
async fn an_endless_token_response_is_cut_off_not_read_into_memory() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A token endpoint that answers 200 with a chunked body that never ends.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let piece = vec![b' '; 64 * 1024];
                let mut frame = format!("{:x}\r\n", piece.len()).into_bytes();
                frame.extend_from_slice(&piece);
                frame.extend_from_slice(b"\r\n");
                // Up to 1 GiB unless the client hangs up first.
                for _ in 0..16 * 1024 {
                    if stream.write_all(&frame).await.is_err() {
                        return;
                    }
                    counter.fetch_add(piece.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    let base = format!("http://{addr}");
    let config = OAuthClientConfig::new(
        "Gusto",
        CLIENT_ID,
        Url::parse(&format!("{base}/oauth/authorize")).unwrap(),
        Url::parse(&format!("{base}/oauth/token")).unwrap(),
    );
    let error = refresh(
        &config,
        &token_http_client().unwrap(),
        &Sensitive::new("rt-1".to_owned()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, OAuthError::Http(ref m) if m.contains("larger than")),
        "{error:?}"
    );
    // Stopped near the cap, far from the gigabyte on offer.
    assert!(sent.load(Ordering::SeqCst) < 64 * 1024 * 1024, "read on");
}

// ---------------------------------------------------------------------------------------------
// Client credentials held in memory (TriNet's GET with Basic, Apigee's string numbers)
// ---------------------------------------------------------------------------------------------

mod client_credentials_source {
    use super::*;
    use maestro_http::AccessTokenSource;
    use maestro_http::oauth::{
        ClientAuth, ClientCredentials, ClientCredentialsConfig, TokenMethod,
    };

    #[derive(Default)]
    struct Issuer {
        issued: Vec<String>,
        requests: Vec<(String, Option<String>, String)>,
    }

    async fn issuer() -> (Url, Arc<Mutex<Issuer>>, JoinHandle<()>) {
        let state = Arc::new(Mutex::new(Issuer::default()));
        let handler = |State(s): State<Arc<Mutex<Issuer>>>,
                       method: axum::http::Method,
                       headers: HeaderMap,
                       uri: axum::http::Uri,
                       body: String| async move {
            let auth = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut s = s.lock().unwrap();
            s.requests.push((
                method.to_string(),
                auth.clone(),
                format!("{}|{body}", uri.query().unwrap_or_default()),
            ));
            let good = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
            );
            if auth.as_deref() != Some(good.as_str()) {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"ErrorCode": "invalid_client", "Error": "Client credentials are invalid"})),
                )
                    .into_response();
            }
            let token = format!("tok-{}", s.issued.len() + 1);
            s.issued.push(token.clone());
            Json(json!({"token_type": "BearerToken", "access_token": token,
                "expires_in": "3599", "scope": "basic-read read", "status": "approved"}))
            .into_response()
        };
        let app = Router::new()
            .route("/oauth/accesstoken", get(handler).post(handler))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/oauth/accesstoken",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (url, state, task)
    }

    fn config(url: Url, secret: &str, method: TokenMethod) -> ClientCredentialsConfig {
        ClientCredentialsConfig {
            provider_name: "TriNet".into(),
            token_url: url,
            client_id: Sensitive::new(CLIENT_ID.into()),
            client_secret: Sensitive::new(secret.into()),
            client_auth: ClientAuth::BasicAuth,
            method,
            scopes: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_token_is_fetched_with_get_and_basic_kept_until_shortly_before_expiry() {
        let (url, state, _task) = issuer().await;
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let source = ClientCredentials::new(
            config(url, CLIENT_SECRET, TokenMethod::Get),
            token_http_client().unwrap(),
            clock.clone(),
        );
        assert_eq!(source.access_token().await.unwrap().expose(), "tok-1");
        assert_eq!(source.access_token().await.unwrap().expose(), "tok-1");
        {
            let s = state.lock().unwrap();
            assert_eq!(s.requests.len(), 1, "the held token is reused");
            let (method, _, query) = &s.requests[0];
            assert_eq!(method, "GET");
            assert_eq!(query, "grant_type=client_credentials|");
        }
        // 3599 s of life: kept at 58 minutes, fetched again within the last minute.
        clock.advance(chrono::Duration::seconds(3480));
        assert_eq!(source.access_token().await.unwrap().expose(), "tok-1");
        clock.advance(chrono::Duration::seconds(80));
        assert_eq!(source.access_token().await.unwrap().expose(), "tok-2");
        assert_eq!(state.lock().unwrap().requests.len(), 2);
    }

    #[tokio::test]
    async fn a_401_fetches_once_however_many_requests_were_refused_with_that_token() {
        let (url, state, _task) = issuer().await;
        let source = ClientCredentials::new(
            config(url, CLIENT_SECRET, TokenMethod::Post),
            token_http_client().unwrap(),
            Arc::new(ManualClock::new(Utc::now())),
        );
        let first = AccessTokenSource::access_token(&source).await.unwrap();
        source.refresh_after_unauthorized(&first).await.unwrap();
        source.refresh_after_unauthorized(&first).await.unwrap();
        assert_eq!(source.access_token().await.unwrap().expose(), "tok-2");
        let s = state.lock().unwrap();
        assert_eq!(s.requests.len(), 2);
        assert_eq!(s.requests[1].0, "POST");
        assert_eq!(s.requests[1].2, "|grant_type=client_credentials");
    }

    #[tokio::test]
    async fn a_throttled_token_endpoint_reads_as_throttling_with_its_wait() {
        let app = Router::new().route(
            "/oauth/accesstoken",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "7")],
                    "slow down",
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/oauth/accesstoken",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let _task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let source = ClientCredentials::new(
            config(url, CLIENT_SECRET, TokenMethod::Get),
            token_http_client().unwrap(),
            Arc::new(ManualClock::new(Utc::now())),
        );
        let e = source.access_token().await.unwrap_err();
        assert_eq!(
            e,
            OAuthError::Throttled {
                retry_after_secs: Some(7)
            }
        );
        let http = AccessTokenSource::access_token(&source).await.unwrap_err();
        assert!(
            matches!(http, maestro_http::HttpError::Throttled { retry_after: Some(d), .. } if d.as_secs() == 7),
            "{http:?}"
        );
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_clearly_without_the_secret_in_the_error() {
        let (url, _state, _task) = issuer().await;
        let source = ClientCredentials::new(
            config(url, "wrong-secret-123", TokenMethod::Get),
            token_http_client().unwrap(),
            Arc::new(ManualClock::new(Utc::now())),
        );
        let e = source.access_token().await.unwrap_err();
        assert!(matches!(e, OAuthError::ClientRefused { .. }), "{e:?}");
        assert!(e.needs_reconnect());
        let text = e.to_string();
        assert!(
            text.starts_with("TriNet refused the client id or secret"),
            "{text}"
        );
        assert!(
            !text.contains("wrong-secret-123")
                && !format!("{source:?}").contains("wrong-secret-123")
        );
        let http = AccessTokenSource::access_token(&source).await.unwrap_err();
        assert!(
            http.to_string().contains("refused the client id or secret"),
            "{http}"
        );
    }
}
