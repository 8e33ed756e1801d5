//! OAuth 2.0 authorization code for any provider file whose auth is `oauth2`: the file's
//! authorize and token URLs are served (by their paths) on the provider's own port, by the
//! same authorization server as Gusto's and Harvest's ([`crate::oauth::OAuthStore`]: codes
//! issued at once, PKCE checked, refresh tokens rotated). The client id is the dataset's key,
//! the secret is derived from the seed. API requests then need a bearer token it issued;
//! an expired, revoked or unknown token gets the 401 every kit answer refuses with.
//! The token answer holds the members the spec's token operation declares (Justworks:
//! `expires_at`, no `expires_in`), else the RFC 6749 ones.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::SecondsFormat;
use maestro_kit::BuiltIn;
use maestro_kit::file::AuthSpec;
use serde_json::{Map, Value, json};

use super::KitState;
use crate::oauth::{OAuthStore, RefreshRule};
use crate::seed::{Company, mix};
use crate::server::{lock, parse_params};

/// How long an access token lives when the file says nothing the emulator can read: a day
/// (Justworks' reconstruction: 24 hours).
const LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The path part of an authorize or token URL (absolute, or already a path).
pub(crate) fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.path().to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// The demo client secret of a provider file's OAuth client.
pub(crate) fn client_secret(c: &Company, builtin: &BuiltIn) -> String {
    let tag = builtin
        .file
        .id
        .bytes()
        .fold(1900u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
    format!("{:016x}{:016x}", mix(c.seed, tag, 0), mix(c.seed, tag, 1))
}

/// The demo's pre-issued (access, refresh) token pair of a provider file's OAuth client, as
/// Gusto's demo has one: for tests and tools that need a token without signing in.
pub(crate) fn preissued(c: &Company, builtin: &BuiltIn) -> (String, String) {
    let secret = client_secret(c, builtin);
    let tag = secret.len() as u64 + 1950;
    (
        format!(
            "at-{:016x}{:016x}",
            mix(c.seed, tag, 0),
            mix(c.seed, tag, 1)
        ),
        format!(
            "rt-{:016x}{:016x}",
            mix(c.seed, tag, 2),
            mix(c.seed, tag, 3)
        ),
    )
}

/// The authorization server of `builtin`, when its file signs in with OAuth, with the demo's
/// pre-issued pair registered.
pub(crate) fn store(builtin: &BuiltIn, c: &Company, client_id: String) -> Option<OAuthStore> {
    if !matches!(builtin.file.auth, AuthSpec::OAuth2 { .. }) {
        return None;
    }
    let mut store =
        OAuthStore::new(client_id, client_secret(c, builtin), LIFETIME).with_rule(rule(builtin));
    let (access, refresh) = preissued(c, builtin);
    store.preissue(&access, &refresh);
    Some(store)
}

/// The refresh-token rule of the file's `[auth.refresh_token]`, else Gusto's.
fn rule(builtin: &BuiltIn) -> RefreshRule {
    let AuthSpec::OAuth2 {
        refresh_token: Some(r),
        ..
    } = &builtin.file.auth
    else {
        return RefreshRule::RetireOnUse;
    };
    RefreshRule::Rolling {
        lifetime: chrono::Duration::days(r.lifetime_days.into()),
        rotate_after: chrono::Duration::hours(r.rotate_after_hours.into()),
        previous_valid: chrono::Duration::hours(r.previous_valid_hours.into()),
    }
}

/// The token answer's member for the refresh token's remaining seconds, when the file names one.
fn refresh_member(builtin: &BuiltIn) -> Option<&str> {
    match &builtin.file.auth {
        AuthSpec::OAuth2 {
            refresh_token: Some(r),
            ..
        } => Some(&r.expires_in_member),
        _ => None,
    }
}

type S = State<Arc<KitState>>;

/// Adds the file's authorize (GET) and token (POST) endpoints to `r`, for an `oauth2` file.
pub(crate) fn routes(mut r: Router<Arc<KitState>>, builtin: &BuiltIn) -> Router<Arc<KitState>> {
    if let AuthSpec::OAuth2 {
        authorize_url,
        token_url,
        ..
    } = &builtin.file.auth
    {
        r = r
            .route(&path_of(authorize_url), get(authorize))
            .route(&path_of(token_url), post(token));
    }
    r
}

async fn authorize(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut r = match &s.oauth {
        Some(o) => lock(o).authorize_response(&q),
        None => return StatusCode::NOT_FOUND.into_response(),
    };
    with_callback_fields(&s, &mut r);
    r
}

/// Adds to a redirect carrying a code the parameters the file's `callback_fields` keep that
/// name the account (QuickBooks: `realmId`, the company the owner picked).
fn with_callback_fields(s: &KitState, r: &mut Response) {
    let AuthSpec::OAuth2 {
        callback_fields, ..
    } = &s.builtin.file.auth
    else {
        return;
    };
    let (account_field, account) = lock(&s.data).account();
    let Some(location) = r
        .headers()
        .get(axum::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| url::Url::parse(l).ok())
    else {
        return;
    };
    if !location.query_pairs().any(|(k, _)| k == "code") {
        return;
    }
    let mut location = location;
    for (param, field) in callback_fields {
        if field == account_field {
            location.query_pairs_mut().append_pair(param, &account);
        }
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(location.as_str()) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
}

/// The members the spec's token operation declares for its answer, if any.
fn declared(s: &KitState) -> Vec<String> {
    let AuthSpec::OAuth2 { token_url, .. } = &s.builtin.file.auth else {
        return Vec::new();
    };
    s.builtin
        .spec
        .operation("POST", &path_of(token_url), "")
        .and_then(|op| op.response_schema().cloned())
        .map(|schema| {
            s.builtin
                .spec
                .resolve(&schema)
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

async fn token(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let Some(o) = &s.oauth else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let p = parse_params(&headers, &body);
    let issued = lock(o).token(&p);
    match issued {
        Ok(t) => {
            let expires_at = chrono::Utc::now()
                + chrono::Duration::seconds(i64::try_from(t.expires_in).unwrap_or(i64::MAX / 2));
            let all = json!({
                "token_type": "bearer",
                "access_token": t.access_token,
                "refresh_token": t.refresh_token,
                "expires_in": t.expires_in,
                "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            });
            let mut all = all;
            if let (Some(scope), Value::Object(m)) = (p.get("scope"), &mut all) {
                m.insert("scope".into(), json!(scope));
            }
            let members = declared(&s);
            let body: Map<String, Value> = match all {
                Value::Object(m) if !members.is_empty() => {
                    m.into_iter().filter(|(k, _)| members.contains(k)).collect()
                }
                Value::Object(mut m) => {
                    m.remove("expires_at");
                    m
                }
                _ => Map::new(),
            };
            let mut body = body;
            if let (Some(member), Some(seconds)) = (refresh_member(s.builtin), t.refresh_expires_in)
            {
                body.insert(member.to_owned(), json!(seconds));
            }
            (StatusCode::OK, axum::Json(Value::Object(body))).into_response()
        }
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(e.body()),
        )
            .into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_are_served_by_their_path() {
        assert_eq!(
            path_of("https://public-api.justworks.com/oauth/token"),
            "/oauth/token"
        );
        assert_eq!(path_of("/oauth/authorize"), "/oauth/authorize");
    }

    mod intuit_rotation {
        //! A connection's tokens through QuickBooks' emulator (Intuit's documented refresh rule,
        //! from its file's `[auth.refresh_token]`), driven by the connector's own token manager,
        //! with the process "killed" between receiving a rotated refresh token and saving it.

        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};

        use async_trait::async_trait;
        use maestro_core::clock::SystemClock;
        use maestro_core::sensitive::Sensitive;
        use maestro_http::oauth::{
            OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
            token_http_client,
        };

        use super::*;
        use crate::config::{Provider, SandboxConfig};
        use crate::faults::FaultPlan;
        use crate::server::{Ctx, bind};

        /// What is on disk; the first `failures` saves fail (the write never lands).
        struct Disk {
            tokens: Mutex<TokenSet>,
            failures: AtomicUsize,
        }

        impl Disk {
            fn holding(tokens: TokenSet) -> Arc<Self> {
                Arc::new(Disk {
                    tokens: Mutex::new(tokens),
                    failures: AtomicUsize::new(0),
                })
            }
            fn fail_next(&self, n: usize) {
                self.failures.store(n, Ordering::SeqCst);
            }
            fn read(&self) -> TokenSet {
                self.tokens.lock().unwrap().clone()
            }
        }

        #[async_trait]
        impl TokenPersistence for Disk {
            async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
                let left = self.failures.load(Ordering::SeqCst);
                if left > 0 {
                    self.failures.store(left - 1, Ordering::SeqCst);
                    return Err(OAuthError::Persist("killed before the write landed".into()));
                }
                *self.tokens.lock().unwrap() = tokens.clone();
                Ok(())
            }
        }

        struct Emulator {
            state: Arc<KitState>,
            base: String,
            config: OAuthClientConfig,
            _server: crate::server::ServerHandle,
        }

        impl Emulator {
            /// QuickBooks' emulator (its file's `[auth.refresh_token]` is Intuit's rule).
            async fn start() -> Self {
                let quickbooks = maestro_kit::builtin_file("quickbooks").unwrap();
                Self::serve(quickbooks, crate::kit::quickbooks::dataset).await
            }

            /// Serves `builtin`'s emulator with the data `make` builds.
            async fn serve(
                builtin: &'static BuiltIn,
                make: fn(&Company, &'static BuiltIn) -> Box<dyn crate::kit::Dataset>,
            ) -> Self {
                let company = Arc::new(crate::seed::generate(&SandboxConfig::default()));
                let (listener, base) = bind(0).await.unwrap();
                let ctx = Arc::new(Ctx::new(
                    Provider::Justworks,
                    base.clone(),
                    FaultPlan::default(),
                    None,
                ));
                let state = Arc::new(KitState::new(ctx, builtin, company.clone(), make));
                let server = crate::serve_kit(listener, &state);
                let AuthSpec::OAuth2 { token_url, .. } = &builtin.file.auth else {
                    unreachable!()
                };
                let at = |p: &str| url::Url::parse(&format!("{base}{p}")).unwrap();
                let config = OAuthClientConfig::new(
                    "QuickBooks",
                    state.key(),
                    at("/oauth/authorize"),
                    at(&path_of(token_url)),
                )
                .with_secret(client_secret(&company, builtin));
                Emulator {
                    state,
                    base,
                    config,
                    _server: server,
                }
            }

            /// The demo's pair, as a sign-in a while ago left it on disk.
            fn signed_in(&self) -> TokenSet {
                let (access, refresh) = preissued(&self.state.company, self.state.builtin);
                TokenSet {
                    access_token: Sensitive::new(access),
                    refresh_token: Some(Sensitive::new(refresh)),
                    expires_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
                    scope: None,
                    refresh_expires_at: None,
                }
            }

            /// A process starting from what is on disk.
            fn manager(&self, disk: &Arc<Disk>) -> TokenManager {
                TokenManager::new(
                    self.config.clone(),
                    token_http_client().unwrap(),
                    disk.read(),
                    disk.clone(),
                    Arc::new(SystemClock),
                )
            }

            fn age(&self, hours: i64) {
                lock(self.state.oauth.as_ref().unwrap())
                    .age_refresh_tokens(chrono::Duration::hours(hours));
            }

            /// Reads the company (the connection test's call) with `token`.
            async fn read(&self, token: &Sensitive<String>) -> u16 {
                let realm = self.state.account_id();
                reqwest::Client::new()
                    .get(format!(
                        "{}/v3/company/{realm}/companyinfo/{realm}?minorversion=75",
                        self.base
                    ))
                    .bearer_auth(token.expose())
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        }

        fn refresh_of(t: &TokenSet) -> String {
            t.refresh_token.as_ref().unwrap().expose().clone()
        }

        #[tokio::test]
        async fn a_rotation_killed_before_its_save_leaves_a_working_connection() {
            let emulator = Emulator::start().await;
            let disk = Disk::holding(emulator.signed_in());
            let first = refresh_of(&disk.read());

            // A day on, the refresh rotates; the process dies before the write lands.
            emulator.age(25);
            disk.fail_next(1);
            let killed = emulator.manager(&disk);
            let error = killed.access_token().await.unwrap_err();
            assert!(matches!(error, OAuthError::Persist(_)), "{error:?}");
            drop(killed);
            assert_eq!(refresh_of(&disk.read()), first);

            // Restarted from the disk: Intuit still honours the previous refresh token and
            // answers it with the new one, which is saved, with its 100-day life, and works.
            let restarted = emulator.manager(&disk);
            let token = restarted.access_token().await.unwrap();
            assert_eq!(emulator.read(&token).await, 200);
            let saved = disk.read();
            assert_eq!(saved.access_token, token);
            let second = refresh_of(&saved);
            assert_ne!(second, first);
            let life = saved.refresh_expires_at.unwrap() - chrono::Utc::now();
            assert!(
                life > chrono::Duration::days(99) && life <= chrono::Duration::days(100),
                "{life}"
            );

            // Saving fails for longer than the previous token's day: the rotated pair kept in
            // memory is saved once the disk takes it, without a refresh the provider would
            // refuse by then.
            emulator.age(25);
            disk.fail_next(1);
            let flaky = emulator.manager(&disk);
            // (A refresh a 401 would force: the access token's own hour is not up.)
            assert!(matches!(
                flaky.force_refresh().await.unwrap_err(),
                OAuthError::Persist(_)
            ));
            emulator.age(25);
            let token = flaky.force_refresh().await.unwrap();
            assert_eq!(emulator.read(&token).await, 200);
            let third = refresh_of(&disk.read());
            assert_ne!(third, second);
            drop(flaky);
            let restarted = emulator.manager(&disk);
            let token = restarted.force_refresh().await.unwrap();
            assert_eq!(emulator.read(&token).await, 200);
        }

        #[tokio::test]
        async fn what_is_not_recoverable_a_kill_then_more_than_a_day_down() {
            let emulator = Emulator::start().await;
            let disk = Disk::holding(emulator.signed_in());
            emulator.age(25);
            disk.fail_next(1);
            let killed = emulator.manager(&disk);
            assert!(killed.access_token().await.is_err());
            drop(killed);

            // Down for more than the day Intuit keeps the previous refresh token: the only one
            // on disk is refused, and the owner must sign in again.
            emulator.age(25);
            let restarted = emulator.manager(&disk);
            let error = restarted.access_token().await.unwrap_err();
            assert!(error.needs_reconnect(), "{error:?}");
        }

        #[tokio::test]
        async fn quickbooks_answers_with_the_refresh_tokens_life_and_rotates_daily() {
            let quickbooks = maestro_kit::builtin_file("quickbooks").unwrap();
            assert_eq!(
                rule(quickbooks),
                RefreshRule::Rolling {
                    lifetime: chrono::Duration::days(100),
                    rotate_after: chrono::Duration::hours(24),
                    previous_valid: chrono::Duration::hours(24),
                }
            );
            let emulator = Emulator::serve(quickbooks, crate::kit::quickbooks::dataset).await;
            let (_, first) = preissued(&emulator.state.company, quickbooks);
            let refresh = |rt: String| {
                let config = emulator.config.clone();
                async move {
                    let answer: Value = reqwest::Client::new()
                        .post(config.token_url.clone())
                        .form(&[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", rt.as_str()),
                            ("client_id", config.client_id.as_str()),
                            ("client_secret", config.client_secret.unwrap().expose()),
                        ])
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    answer
                }
            };
            let life = |a: &Value| a["x_refresh_token_expires_in"].as_u64().unwrap();

            let same = refresh(first.clone()).await;
            assert_eq!(same["refresh_token"], json!(first));
            assert!((8_639_990..=8_640_000).contains(&life(&same)), "{same}");

            emulator.age(25);
            let rotated = refresh(first.clone()).await;
            assert_ne!(rotated["refresh_token"], json!(first));
            assert!((8_639_990..=8_640_000).contains(&life(&rotated)));
            // The previous one, within its day, is answered with the new one.
            let again = refresh(first).await;
            assert_eq!(again["refresh_token"], rotated["refresh_token"]);
        }

        #[tokio::test]
        async fn a_refresh_token_unused_for_its_life_is_refused() {
            let emulator = Emulator::start().await;
            let disk = Disk::holding(emulator.signed_in());
            emulator.age(24 * 100 + 1);
            let error = emulator.manager(&disk).access_token().await.unwrap_err();
            assert!(error.needs_reconnect(), "{error:?}");
        }
    }
}
