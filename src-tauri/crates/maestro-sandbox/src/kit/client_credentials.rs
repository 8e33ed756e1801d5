//! The token endpoint of a provider file with `client_credentials` auth, and the check of the
//! tokens it issued. Shaped after TriNet's documentation
//! (apidocs.trinet.com/business-business-b2b-applications-new): `GET <token_url>?grant_type=
//! client_credentials` with `Authorization: Basic base64(clientId:clientSecret)`, answered in
//! Apigee's shape with numbers as strings (`"expires_in": "3599"`). A `POST` form is served
//! when the file says so (the standard; ADP, Paychex), the client in the body when it says so.
//!
//! TriNet documents no refusal. What this emulator sends, and why:
//! - a wrong or missing client id or secret: 401 `{"ErrorCode": "invalid_client", "Error":
//!   "Client credentials are invalid"}`, Apigee's default for its token policy (the documented
//!   answer is Apigee's), after the connection was revoked too;
//! - another grant: 400 `{"ErrorCode": "unsupported_grant_type", ...}`;
//! - a missing, unknown or expired access token on the API: 401 with Apigee's default fault
//!   body (see `server::error_response`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maestro_kit::file::{AuthSpec, ClientAuthSpec};
use rand::RngCore;
use serde_json::json;

use super::KitState;
use crate::server::{header_str, lock};

/// How long an issued token lives: TriNet's documented `expires_in` ("3599").
pub(crate) const LIFETIME: Duration = Duration::from_secs(3599);

/// The access tokens issued, with their expiry.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: Mutex<HashMap<String, Instant>>,
}

impl Tokens {
    fn issue(&self) -> String {
        let mut b = [0u8; 21];
        rand::rng().fill_bytes(&mut b);
        let token = URL_SAFE_NO_PAD.encode(b);
        lock(&self.issued).insert(token.clone(), Instant::now() + LIFETIME);
        token
    }

    /// Whether `token` was issued and has not expired.
    pub(crate) fn valid(&self, token: &str) -> bool {
        lock(&self.issued)
            .get(token)
            .is_some_and(|at| Instant::now() < *at)
    }

    /// Makes every issued token expired (to exercise fetching a new one).
    pub(crate) fn expire_all(&self) {
        let now = Instant::now();
        for at in lock(&self.issued).values_mut() {
            *at = now;
        }
    }

    /// Forgets every token (a reset or a revocation).
    pub(crate) fn clear(&self) {
        lock(&self.issued).clear();
    }

    /// How many tokens were issued since the last reset.
    pub(crate) fn count(&self) -> usize {
        lock(&self.issued).len()
    }
}

/// The path the token endpoint is served at, when the file's auth is client credentials: its
/// `token_url` (a path on this server, or an absolute URL's path).
pub(crate) fn token_path(s: &KitState) -> Option<String> {
    let AuthSpec::ClientCredentials { token_url, .. } = &s.builtin.file.auth else {
        return None;
    };
    match url::Url::parse(token_url) {
        Ok(u) => Some(u.path().to_owned()),
        Err(_) => Some(token_url.clone()),
    }
}

/// The bearer token of an API request, if it is one this endpoint issued and still valid.
pub(crate) fn bearer_ok(s: &KitState, headers: &HeaderMap) -> (bool, bool) {
    let given = header_str(headers, "authorization").and_then(|h| h.strip_prefix("Bearer "));
    let ok = given.is_some_and(|t| s.tokens.valid(t)) && !s.revoked.load(Ordering::SeqCst);
    (given.is_some(), ok)
}

fn apigee(status: StatusCode, code: &str, text: &str) -> Response {
    (
        status,
        axum::Json(json!({"ErrorCode": code, "Error": text})),
    )
        .into_response()
}

/// The token endpoint.
pub(crate) async fn token(
    State(s): State<std::sync::Arc<KitState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let AuthSpec::ClientCredentials {
        client_auth,
        method: documented,
        ..
    } = &s.builtin.file.auth
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if method.as_str() != documented {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let source = if method == Method::GET {
        q.unwrap_or_default().into_bytes()
    } else {
        body.to_vec()
    };
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(&source).into_owned().collect();
    if params.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return apigee(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant type",
        );
    }
    let given = match client_auth {
        ClientAuthSpec::Basic => header_str(&headers, "authorization")
            .and_then(|h| h.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                let (id, secret) = pair.split_once(':')?;
                let dec = |t: &str| {
                    url::form_urlencoded::parse(format!("x={t}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                };
                Some((dec(id)?, dec(secret)?))
            }),
        ClientAuthSpec::Body => params
            .get("client_id")
            .cloned()
            .zip(params.get("client_secret").cloned()),
    };
    let expected = lock(&s.data)
        .client()
        .map(|(id, secret)| (id.to_owned(), secret.to_owned()));
    let good = given.is_some() && given == expected && !s.revoked.load(Ordering::SeqCst);
    let Some((client_id, _)) = expected.filter(|_| good) else {
        if s.ctx.provider == crate::Provider::Paychex {
            // Paychex's own error body: API-102, the client could not be authenticated.
            return crate::server::error_response(
                s.ctx.provider,
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "The client could not be authenticated due to missing or invalid client credentials.",
            );
        }
        return apigee(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials are invalid",
        );
    };
    let access = s.tokens.issue();
    if s.ctx.provider == crate::Provider::Paychex {
        // Paychex's `Authentication` answer (spec): `expires_in` typed a string, `scope` always
        // "oob", no refresh token.
        return axum::Json(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": LIFETIME.as_secs().to_string(),
            "scope": "oob",
        }))
        .into_response();
    }
    let issued_at = chrono::Utc::now().timestamp_millis();
    // Every member of TriNet's documented sample answer, numbers as strings.
    axum::Json(json!({
        "refresh_token_expires_in": "0",
        "api_product_list": "[trinet-product]",
        "api_product_list_json": ["trinet-product"],
        "organization_name": "trinetapi",
        "developer.email": "developer@trinet.example",
        "token_type": "BearerToken",
        "issued_at": issued_at.to_string(),
        "client_id": client_id,
        "access_token": access,
        "application_name": "2df894e8-2946-4e2a-ae50-aeeaf9b903d0",
        "scope": "basic-read read",
        "expires_in": LIFETIME.as_secs().to_string(),
        "refresh_count": "0",
        "status": "approved",
    }))
    .into_response()
}
