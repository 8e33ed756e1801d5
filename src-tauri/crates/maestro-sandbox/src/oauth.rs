//! OAuth 2.0 authorization-code server shared by the Gusto and Harvest emulators.
//!
//! No human is involved: `authorize` issues a code at once and redirects. Codes are single-use and
//! live 10 minutes; PKCE (S256 or plain) is verified when a challenge was given. Refresh tokens
//! follow one of two documented rules ([`RefreshRule`]): Gusto's (each refresh returns a new
//! refresh token, and the old one stays valid until the new access token is first used, then it
//! is revoked), or Intuit's (a rolling lifetime reported in the answer, a new value about once a
//! day, the previous one accepted for a while after the rotation).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How refresh tokens live and rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum RefreshRule {
    /// Gusto's: a new refresh token on every refresh; the old one is revoked once the new
    /// access token is first used. No expiry is reported.
    #[default]
    RetireOnUse,
    /// A lifetime counted again at every refresh and reported in the answer; the same refresh
    /// token handed back until it is `rotate_after` old, then a new one; the previous one still
    /// accepted for `previous_valid` after the rotation, answered with the new one. Intuit's
    /// own client library documents «Your previous refresh tokens expire 24 hours after you
    /// receive a new one» (intuit/oauth-jsclient README, "Refresh access_token"), its FAQ that
    /// refresh tokens live 100 days and their value changes about every 24 hours
    /// (developer.intuit.com, qbo/docs/develop/authentication-and-authorization/faq). Its help
    /// article "Validity of Refresh Token" says the previous one expires when a new one is
    /// returned; the README's 24 hours is modelled (a client that saves before use survives
    /// both).
    Rolling {
        lifetime: chrono::Duration,
        rotate_after: chrono::Duration,
        previous_valid: chrono::Duration,
    },
}

/// One refresh token under [`RefreshRule::Rolling`].
#[derive(Debug, Clone)]
struct Rolling {
    /// When this value was first handed out.
    issued: chrono::DateTime<chrono::Utc>,
    /// When it lapses unless a refresh moves it on.
    expires: chrono::DateTime<chrono::Utc>,
    /// Once rotated: accepted until then, and answered with this successor.
    retired: Option<(chrono::DateTime<chrono::Utc>, String)>,
}

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
    /// Seconds until the refresh token lapses, under [`RefreshRule::Rolling`].
    pub refresh_expires_in: Option<u64>,
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
    rule: RefreshRule,
    /// The refresh tokens' lives under [`RefreshRule::Rolling`].
    rolling: HashMap<String, Rolling>,
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
            rule: RefreshRule::default(),
            rolling: HashMap::new(),
        }
    }

    /// Sets how refresh tokens live and rotate (before any is issued).
    pub(crate) fn with_rule(mut self, rule: RefreshRule) -> Self {
        self.rule = rule;
        self
    }

    /// Starts the life of refresh token `token` now, under [`RefreshRule::Rolling`].
    fn start_rolling(&mut self, token: &str) {
        if let RefreshRule::Rolling { lifetime, .. } = self.rule {
            let now = chrono::Utc::now();
            self.rolling.insert(
                token.to_owned(),
                Rolling {
                    issued: now,
                    expires: now + lifetime,
                    retired: None,
                },
            );
        }
    }

    /// Makes every refresh token `by` older (to reach a rotation or the end of its life).
    pub(crate) fn age_refresh_tokens(&mut self, by: chrono::Duration) {
        for r in self.rolling.values_mut() {
            r.issued -= by;
            r.expires -= by;
            if let Some((until, _)) = &mut r.retired {
                *until -= by;
            }
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
        self.start_rolling(refresh);
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
        let refresh_token = random_token();
        self.refresh.insert(refresh_token.clone(), true);
        self.start_rolling(&refresh_token);
        self.issue_with(retire_on_use, refresh_token)
    }

    /// A new access token answered with `refresh_token` (already registered).
    fn issue_with(&mut self, retire_on_use: Option<String>, refresh_token: String) -> Issued {
        let access_token = random_token();
        self.access.insert(
            access_token.clone(),
            AccessToken {
                expires_at: Instant::now() + self.lifetime,
                retire_on_use,
            },
        );
        let now = chrono::Utc::now();
        let refresh_expires_in = self
            .rolling
            .get(&refresh_token)
            .map(|r| u64::try_from((r.expires - now).num_seconds()).unwrap_or(0));
        Issued {
            access_token,
            refresh_token,
            expires_in: self.lifetime.as_secs(),
            created_at: now.timestamp(),
            refresh_expires_in,
        }
    }

    /// A refresh under [`RefreshRule::Rolling`] with the (valid, not revoked) token `rt`.
    fn refresh_rolling(
        &mut self,
        rt: &str,
        lifetime: chrono::Duration,
        rotate_after: chrono::Duration,
        previous_valid: chrono::Duration,
    ) -> Result<Issued, OAuthError> {
        let now = chrono::Utc::now();
        let expired = || {
            OAuthError::new(
                400,
                "invalid_grant",
                "The refresh token is invalid, expired or revoked",
            )
        };
        // A previous value inside its window is answered as its newest successor.
        let mut current = rt.to_owned();
        loop {
            let record = self.rolling.get(&current).ok_or_else(expired)?;
            match &record.retired {
                Some((until, _)) if *until <= now => return Err(expired()),
                Some((_, successor)) => current = successor.clone(),
                None if record.expires <= now => return Err(expired()),
                None => break,
            }
        }
        if self.refresh.get(&current) != Some(&true) {
            return Err(expired());
        }
        let due = self
            .rolling
            .get(&current)
            .is_some_and(|r| now - r.issued >= rotate_after);
        let answered = if due {
            let fresh = random_token();
            self.refresh.insert(fresh.clone(), true);
            self.start_rolling(&fresh);
            if let Some(r) = self.rolling.get_mut(&current) {
                r.retired = Some((now + previous_valid, fresh.clone()));
            }
            fresh
        } else {
            if let Some(r) = self.rolling.get_mut(&current) {
                r.expires = now + lifetime;
            }
            current
        };
        Ok(self.issue_with(None, answered))
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
                match self.rule {
                    RefreshRule::RetireOnUse => Ok(self.issue(Some(rt))),
                    RefreshRule::Rolling {
                        lifetime,
                        rotate_after,
                        previous_valid,
                    } => self.refresh_rolling(&rt, lifetime, rotate_after, previous_valid),
                }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn intuit() -> OAuthStore {
        let mut store = OAuthStore::new("id".into(), "secret".into(), Duration::from_secs(3600))
            .with_rule(RefreshRule::Rolling {
                lifetime: chrono::Duration::days(100),
                rotate_after: chrono::Duration::hours(24),
                previous_valid: chrono::Duration::hours(24),
            });
        store.preissue("at-0", "rt-0");
        store
    }

    fn refresh(store: &mut OAuthStore, rt: &str) -> Result<Issued, OAuthError> {
        let p: HashMap<String, String> = [
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "id"),
            ("client_secret", "secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        store.token(&p)
    }

    #[test]
    fn within_a_day_the_same_refresh_token_comes_back_with_its_life_moved_on() {
        let mut store = intuit();
        store.age_refresh_tokens(chrono::Duration::hours(3));
        let issued = refresh(&mut store, "rt-0").unwrap();
        assert_eq!(issued.refresh_token, "rt-0");
        let left = issued.refresh_expires_in.unwrap();
        assert!((8_639_990..=8_640_000).contains(&left), "{left}");
        assert_eq!(store.check(&issued.access_token), TokenCheck::Valid);
    }

    #[test]
    fn a_day_on_it_rotates_and_the_previous_one_is_answered_with_the_new_one_for_a_day() {
        let mut store = intuit();
        store.age_refresh_tokens(chrono::Duration::hours(25));
        let rotated = refresh(&mut store, "rt-0").unwrap();
        assert_ne!(rotated.refresh_token, "rt-0");
        // Using the new access token does not retire the previous refresh token (Intuit).
        assert_eq!(store.check(&rotated.access_token), TokenCheck::Valid);
        let again = refresh(&mut store, "rt-0").unwrap();
        assert_eq!(again.refresh_token, rotated.refresh_token);
        assert_ne!(again.access_token, rotated.access_token);

        store.age_refresh_tokens(chrono::Duration::hours(24));
        let refused = refresh(&mut store, "rt-0").unwrap_err();
        assert_eq!((refused.status, refused.error), (400, "invalid_grant"));
        let next = refresh(&mut store, &rotated.refresh_token).unwrap();
        assert_ne!(next.refresh_token, rotated.refresh_token);
    }

    #[test]
    fn a_refresh_token_past_its_life_or_revoked_is_refused() {
        let mut store = intuit();
        store.age_refresh_tokens(chrono::Duration::days(100));
        assert_eq!(
            refresh(&mut store, "rt-0").unwrap_err().error,
            "invalid_grant"
        );
        let mut store = intuit();
        store.revoke_all();
        assert_eq!(
            refresh(&mut store, "rt-0").unwrap_err().error,
            "invalid_grant"
        );
    }

    #[test]
    fn gustos_rule_rotates_every_time_and_retires_the_old_token_on_first_use() {
        let mut store = OAuthStore::new("id".into(), "secret".into(), Duration::from_secs(3600));
        store.preissue("at-0", "rt-0");
        let rotated = refresh(&mut store, "rt-0").unwrap();
        assert_ne!(rotated.refresh_token, "rt-0");
        assert_eq!(rotated.refresh_expires_in, None);
        // Not used yet: the old one still works (and rotates again).
        let twice = refresh(&mut store, "rt-0").unwrap();
        assert_eq!(store.check(&twice.access_token), TokenCheck::Valid);
        assert_eq!(
            refresh(&mut store, "rt-0").unwrap_err().error,
            "invalid_grant"
        );
    }
}
