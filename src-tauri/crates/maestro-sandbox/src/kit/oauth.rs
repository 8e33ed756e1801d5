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
use crate::oauth::OAuthStore;
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
    let mut store = OAuthStore::new(client_id, client_secret(c, builtin), LIFETIME);
    let (access, refresh) = preissued(c, builtin);
    store.preissue(&access, &refresh);
    Some(store)
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
    match &s.oauth {
        Some(o) => lock(o).authorize_response(&q),
        None => StatusCode::NOT_FOUND.into_response(),
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
}
