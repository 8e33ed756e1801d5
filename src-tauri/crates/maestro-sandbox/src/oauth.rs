//! OAuth 2.0 authorization-code server shared by the Gusto and Harvest emulators.
//!
//! No human is involved: `authorize` issues a code at once and redirects. Codes are single-use and
//! live 10 minutes; PKCE (S256 or plain) is verified when a challenge was given. Refresh tokens
//! rotate per Gusto's docs: each refresh returns a new refresh token, and the old one stays valid
//! until the new access token is first used, then it is revoked.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A failed token request: status + RFC 6749 error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }
    pub(crate) fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

#[derive(Debug, Clone)]
struct AuthCode {
    client_id: String,
    redirect_uri: Option<String>,
    challenge: Option<(String, String)>,
    issued: Instant,
    used: bool,
}

#[derive(Debug, Clone)]
struct AccessToken {
    expires_at: Instant,
    /// Refresh token to revoke when this access token is first used.
    retire_on_use: Option<String>,
}

/// Result of checking a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    Expired,
    Invalid,
}

/// Issued token pair.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub created_at: i64,
}

/// Authorization server state for one provider.
#[derive(Debug)]
pub(crate) struct OAuthStore {
    pub client_id: String,
    pub client_secret: String,
    lifetime: Duration,
    codes: HashMap<String, AuthCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, bool>,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

impl OAuthStore {
    /// The authorization endpoint as both providers answer it: approve at once and redirect
    /// (302) to the client's redirect URI, or 400 with the OAuth error body.
    pub(crate) fn authorize_response(
        &mut self,
        q: &HashMap<String, String>,
    ) -> axum::response::Response {
        use axum::http::{HeaderValue, StatusCode, header};
        use axum::response::IntoResponse;
        match self.authorize(q) {
            Ok(location) => match HeaderValue::from_str(&location) {
                Ok(v) => {
                    let mut r = StatusCode::FOUND.into_response();
                    r.headers_mut().insert(header::LOCATION, v);
                    r
                }
                Err(_) => StatusCode::BAD_REQUEST.into_response(),
            },
            Err(e) => (StatusCode::BAD_REQUEST, axum::Json(e.body())).into_response(),
        }
    }

    pub(crate) fn new(client_id: String, client_secret: String, lifetime: Duration) -> Self {
        OAuthStore {
            client_id,
            client_secret,
            lifetime,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    /// Registers a pre-issued pair (the demo credentials).
    pub(crate) fn preissue(&mut self, access: &str, refresh: &str) {
        self.access.insert(
            access.to_string(),
            AccessToken {
                expires_at: Instant::now() + self.lifetime,
                retire_on_use: None,
            },
        );
        self.refresh.insert(refresh.to_string(), true);
    }

    /// Handles `GET authorize`; returns the redirect URL (with `code` or `error`) or an error for
    /// a request that must not be redirected (unknown client, bad redirect URI).
    pub(crate) fn authorize(&mut self, q: &HashMap<String, String>) -> Result<String, OAuthError> {
        let client_id = q.get("client_id").cloned().unwrap_or_default();
        if client_id != self.client_id {
            return Err(OAuthError::new(400, "invalid_client", "Unknown client_id"));
        }
        let redirect = q
            .get("redirect_uri")
            .cloned()
            .ok_or_else(|| OAuthError::new(400, "invalid_request", "redirect_uri is required"))?;
        let mut url = url::Url::parse(&redirect).map_err(|_| {
            OAuthError::new(400, "invalid_request", "redirect_uri is not a valid URL")
        })?;
        let state = q.get("state").cloned();
        if q.get("response_type").map(String::as_str) != Some("code") {
            url.query_pairs_mut()
                .append_pair("error", "unsupported_response_type");
            if let Some(s) = &state {
                url.query_pairs_mut().append_pair("state", s);
            }
            return Ok(url.to_string());
        }
        let challenge = match q.get("code_challenge") {
            Some(c) => {
                let method = q
                    .get("code_challenge_method")
                    .cloned()
                    .unwrap_or_else(|| "plain".into());
                if method != "S256" && method != "plain" {
                    url.query_pairs_mut()
                        .append_pair("error", "invalid_request");
                    return Ok(url.to_string());
                }
                Some((c.clone(), method))
            }
            None => None,
        };
        let code = random_token();
        self.codes.insert(
            code.clone(),
            AuthCode {
                client_id,
                redirect_uri: Some(redirect),
                challenge,
                issued: Instant::now(),
                used: false,
            },
        );
        url.query_pairs_mut().append_pair("code", &code);
        if let Some(s) = &state {
            url.query_pairs_mut().append_pair("state", s);
        }
        Ok(url.to_string())
    }

    fn check_client(&self, p: &HashMap<String, String>) -> Result<(), OAuthError> {
        let ok = p.get("client_id") == Some(&self.client_id)
            && p.get("client_secret") == Some(&self.client_secret);
        if ok {
            Ok(())
        } else {
            Err(OAuthError::new(
                401,
                "invalid_client",
                "Client authentication failed",
            ))
        }
    }

    fn issue(&mut self, retire_on_use: Option<String>) -> Issued {
        let access_token = random_token();
        let refresh_token = random_token();
        self.access.insert(
            access_token.clone(),
            AccessToken {
                expires_at: Instant::now() + self.lifetime,
                retire_on_use,
            },
        );
        self.refresh.insert(refresh_token.clone(), true);
        Issued {
            access_token,
            refresh_token,
            expires_in: self.lifetime.as_secs(),
            created_at: chrono::Utc::now().timestamp(),
        }
    }

    /// Handles `POST token` with the already-parsed parameters.
    pub(crate) fn token(&mut self, p: &HashMap<String, String>) -> Result<Issued, OAuthError> {
        let grant = p.get("grant_type").map(String::as_str).unwrap_or("");
        match grant {
            "authorization_code" => {
                self.check_client(p)?;
                let code = p.get("code").cloned().unwrap_or_default();
                let Some(entry) = self.codes.get_mut(&code) else {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "The authorization code is invalid",
                    ));
                };
                if entry.used || entry.issued.elapsed() > Duration::from_secs(600) {
                    entry.used = true;
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "The authorization code is expired or was already used",
                    ));
                }
                if entry.client_id != self.client_id {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "Code was issued to another client",
                    ));
                }
                if let Some(expected) = &entry.redirect_uri
                    && p.get("redirect_uri").is_some_and(|r| r != expected)
                {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "redirect_uri does not match",
                    ));
                }
                if let Some((challenge, method)) = &entry.challenge {
                    let verifier = p.get("code_verifier").cloned().unwrap_or_default();
                    let computed = if method == "S256" {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                    } else {
                        verifier
                    };
                    if &computed != challenge {
                        entry.used = true;
                        return Err(OAuthError::new(
                            400,
                            "invalid_grant",
                            "PKCE verification failed",
                        ));
                    }
                }
                entry.used = true;
                Ok(self.issue(None))
            }
            "refresh_token" => {
                self.check_client(p)?;
                let rt = p.get("refresh_token").cloned().unwrap_or_default();
                if self.refresh.get(&rt) != Some(&true) {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "The refresh token is invalid or revoked",
                    ));
                }
                Ok(self.issue(Some(rt)))
            }
            "" => Err(OAuthError::new(
                400,
                "invalid_request",
                "grant_type is required",
            )),
            _ => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "Unsupported grant_type",
            )),
        }
    }

    /// Checks a bearer token; the first use of a rotated access token retires the refresh token
    /// it was exchanged for.
    pub(crate) fn check(&mut self, token: &str) -> TokenCheck {
        let Some(entry) = self.access.get_mut(token) else {
            return TokenCheck::Invalid;
        };
        if Instant::now() >= entry.expires_at {
            return TokenCheck::Expired;
        }
        if let Some(old) = entry.retire_on_use.take() {
            self.refresh.insert(old, false);
        }
        TokenCheck::Valid
    }

    /// Revokes one access or refresh token.
    pub(crate) fn revoke_token(&mut self, token: &str) {
        self.access.remove(token);
        if let Some(v) = self.refresh.get_mut(token) {
            *v = false;
        }
    }

    /// Revokes everything.
    pub(crate) fn revoke_all(&mut self) {
        self.access.clear();
        for v in self.refresh.values_mut() {
            *v = false;
        }
        self.codes.clear();
    }

    /// Makes every access token expired (to exercise refresh paths).
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for t in self.access.values_mut() {
            t.expires_at = now;
        }
    }
}
