//! [`ClientCredentials`]: the client credentials grant (RFC 6749 §4.4) as a token source held in
//! memory, for providers that give a company a client id and secret instead of a sign-in
//! (TriNet; later ADP and Paychex).
//!
//! Written here rather than through the `oauth2` crate because providers bend the standard in
//! ways it refuses: TriNet documents a `GET` with the grant in the query and answers in Apigee's
//! shape, numbers as strings (`"expires_in": "3599"`) and `"token_type": "BearerToken"`. The
//! request is small: the grant (and scopes) in a form body (`POST`) or the query (`GET`), the
//! client authenticated with HTTP Basic or in the body.
//!
//! The token is fetched on first use, kept until shortly before it expires, fetched again then
//! or after a 401, and never saved or logged: the id and secret are the lasting credential.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use chrono::{DateTime, Utc};
use maestro_core::clock::Clock;
use maestro_core::sensitive::Sensitive;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::grants::capped_body;
use super::{ClientAuth, OAuthError, TokenSet};
use crate::auth::AccessTokenSource;
use crate::error::HttpError;

/// The lead time before expiry at which a held token is fetched again: one minute.
pub const DEFAULT_CLIENT_CREDENTIALS_MARGIN_SECS: i64 = 60;

/// The HTTP method of the token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenMethod {
    /// `POST` with a form body, as RFC 6749 says.
    #[default]
    Post,
    /// `GET` with the grant in the query (TriNet).
    Get,
}

/// One company's client credentials at one token endpoint. `Debug` hides the id and secret.
#[derive(Clone)]
pub struct ClientCredentialsConfig {
    /// Name shown to the owner in error messages, e.g. `"TriNet"`.
    pub provider_name: String,
    /// The token endpoint.
    pub token_url: Url,
    /// The client id.
    pub client_id: Sensitive<String>,
    /// The client secret.
    pub client_secret: Sensitive<String>,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// The HTTP method of the token request.
    pub method: TokenMethod,
    /// Scopes to request (none: the provider assigns them to the client).
    pub scopes: Vec<String>,
}

impl fmt::Debug for ClientCredentialsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsConfig")
            .field("provider", &self.provider_name)
            .field("token_url", &self.token_url.as_str())
            .field("client_auth", &self.client_auth)
            .field("method", &self.method)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Hands out a client-credentials access token, fetched when none is held or it is about to
/// expire; one fetch at a time.
pub struct ClientCredentials {
    config: ClientCredentialsConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    margin: chrono::Duration,
    held: Mutex<Option<TokenSet>>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("config", &self.config)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// A source holding no token yet. `http` should not follow redirects (see
    /// [`super::token_http_client`]).
    pub fn new(
        config: ClientCredentialsConfig,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        ClientCredentials {
            config,
            http,
            clock,
            margin: chrono::Duration::seconds(DEFAULT_CLIENT_CREDENTIALS_MARGIN_SECS),
            held: Mutex::new(None),
        }
    }

    /// Fetch again when less than `margin` of the token's life is left.
    #[must_use]
    pub fn with_refresh_margin(mut self, margin: chrono::Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The provider's display name.
    pub fn provider_name(&self) -> &str {
        &self.config.provider_name
    }

    /// A valid access token: the one held, unless it expires within the margin.
    pub async fn access_token(&self) -> Result<Sensitive<String>, OAuthError> {
        let mut held = self.held.lock().await;
        if let Some(tokens) = held.as_ref()
            && !tokens.expires_within(self.clock.now(), self.margin)
        {
            return Ok(tokens.access_token.clone());
        }
        let tokens = self.fetch().await?;
        let token = tokens.access_token.clone();
        *held = Some(tokens);
        Ok(token)
    }

    /// After a 401 for `rejected`: fetches a new token unless another caller already replaced
    /// that one (many refused requests cause one fetch).
    pub async fn refresh_after_rejection(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<Sensitive<String>, OAuthError> {
        let mut held = self.held.lock().await;
        if let Some(tokens) = held.as_ref()
            && tokens.access_token != *rejected
        {
            return Ok(tokens.access_token.clone());
        }
        *held = None;
        let tokens = self.fetch().await?;
        let token = tokens.access_token.clone();
        *held = Some(tokens);
        Ok(token)
    }

    /// One token request.
    pub async fn fetch(&self) -> Result<TokenSet, OAuthError> {
        let c = &self.config;
        let now = self.clock.now();
        let mut params: Vec<(&str, String)> = vec![("grant_type", "client_credentials".into())];
        if !c.scopes.is_empty() {
            params.push(("scope", c.scopes.join(" ")));
        }
        if c.client_auth == ClientAuth::RequestBody {
            params.push(("client_id", c.client_id.expose().clone()));
            params.push(("client_secret", c.client_secret.expose().clone()));
        }
        let mut request = match c.method {
            TokenMethod::Post => self.http.post(c.token_url.clone()).form(&params),
            TokenMethod::Get => {
                let mut url = c.token_url.clone();
                url.query_pairs_mut().extend_pairs(params.iter());
                self.http.get(url)
            }
        };
        if c.client_auth == ClientAuth::BasicAuth {
            request = request.header(http::header::AUTHORIZATION, basic(c)?);
        }
        let response = request
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| OAuthError::Http(describe(&e)))?;
        let status = response.status();
        if status.is_redirection() || response.url().path() != c.token_url.path() {
            return Err(OAuthError::Http(
                "the token endpoint redirected elsewhere; the request was not followed".into(),
            ));
        }
        if status == http::StatusCode::TOO_MANY_REQUESTS {
            // The gateway's limits cover its token endpoint too: a 429 is throttling, not an
            // outage, so the request loop waits and reports it as such.
            let retry_after_secs = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            return Err(OAuthError::Throttled { retry_after_secs });
        }
        if status.is_server_error() {
            return Err(OAuthError::Http(format!(
                "the token endpoint answered HTTP {status}"
            )));
        }
        let body = capped_body(response)
            .await
            .map_err(|e| OAuthError::Http(e.to_string()))?;
        if !status.is_success() {
            return Err(refusal(&c.provider_name, status.as_u16(), &body));
        }
        let tokens = parse_token_response(&c.provider_name, &body, now)?;
        tracing::info!(provider = %c.provider_name, "client credentials token obtained");
        Ok(tokens)
    }
}

#[async_trait]
impl AccessTokenSource for ClientCredentials {
    async fn access_token(&self) -> Result<Sensitive<String>, HttpError> {
        ClientCredentials::access_token(self)
            .await
            .map_err(|e| crate::auth::oauth_to_http(self.provider_name(), &e))
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<(), HttpError> {
        self.refresh_after_rejection(rejected)
            .await
            .map(|_| ())
            .map_err(|e| crate::auth::oauth_to_http(self.provider_name(), &e))
    }
}

/// `Basic base64(id:secret)`, each part form-encoded first (RFC 6749 §2.3.1; the same bytes as
/// TriNet's documented `base64("clientId:clientSecret")` for ids and secrets of letters and
/// digits).
fn basic(c: &ClientCredentialsConfig) -> Result<http::HeaderValue, OAuthError> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!(
        "{}:{}",
        enc(c.client_id.expose()),
        enc(c.client_secret.expose())
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = http::HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
        OAuthError::BadResponse("the client id or secret cannot be sent in a header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A refused token request. A 401, or an `invalid_client` / `unauthorized_client` code in the
/// RFC 6749 `error` member or Apigee's `ErrorCode`, means the id or secret is wrong; the
/// provider's own words (`error_description`, Apigee's `Error`) are kept, never the body.
fn refusal(provider: &str, status: u16, body: &[u8]) -> OAuthError {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_owned);
    let code = text("error").or_else(|| text("ErrorCode"));
    let words = text("error_description")
        .or_else(|| text("Error"))
        .or_else(|| code.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    let client = status == 401
        || matches!(
            code.as_deref(),
            Some("invalid_client" | "unauthorized_client")
        );
    if client {
        OAuthError::ClientRefused {
            provider: provider.to_owned(),
            reason: words,
        }
    } else {
        OAuthError::BadResponse(format!("{provider} refused the token request ({words})"))
    }
}

/// Reads a token answer: `access_token` (a non-empty string), `expires_in` as a number or a
/// string of digits (Apigee), `scope` if given. `token_type` is not checked beyond being text:
/// TriNet says `BearerToken` and the token goes in `Authorization: Bearer` all the same.
/// Errors name the member, never its value.
pub fn parse_token_response(
    provider: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<TokenSet, OAuthError> {
    let bad = |what: &str| {
        OAuthError::BadResponse(format!(
            "{provider} sent a token response that could not be read ({what})"
        ))
    };
    let json: Value = serde_json::from_slice(body).map_err(|_| bad("not JSON"))?;
    let access_token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no `access_token`"))?;
    if json.get("token_type").is_some_and(|t| !t.is_string()) {
        return Err(bad("`token_type` is not text"));
    }
    let expires_in = match json.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(|| bad("`expires_in`"))?),
        Some(Value::String(s)) => Some(s.trim().parse::<u64>().map_err(|_| bad("`expires_in`"))?),
        Some(_) => return Err(bad("`expires_in`")),
    };
    let expires_at = expires_in
        .and_then(|s| i64::try_from(s).ok())
        .and_then(chrono::Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d));
    Ok(TokenSet {
        access_token: Sensitive::new(access_token.to_owned()),
        refresh_token: None,
        expires_at,
        scope: json.get("scope").and_then(Value::as_str).map(str::to_owned),
        refresh_expires_at: None,
    })
}

fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
    }

    #[test]
    fn apigee_answers_with_numbers_as_strings_are_read() {
        // TriNet's documented sample answer (business-business-b2b-applications-new).
        let body = br#"{"refresh_token_expires_in":"0","api_product_list":"[trinet-product]",
            "api_product_list_json":["trinet-product"],"organization_name":"trinetapi",
            "token_type":"BearerToken","issued_at":"1578602271626","client_id":"clientId",
            "access_token":"l0jHlkiVl7ZecLjkVHLphdcZ7ZMF","scope":"basic-read read",
            "expires_in":"3599","refresh_count":"0","status":"approved"}"#;
        let t = parse_token_response("TriNet", body, now()).unwrap();
        assert_eq!(t.access_token.expose(), "l0jHlkiVl7ZecLjkVHLphdcZ7ZMF");
        assert_eq!(t.expires_at, Some(now() + chrono::Duration::seconds(3599)));
        assert_eq!(t.scope.as_deref(), Some("basic-read read"));
        assert!(t.refresh_token.is_none());
    }

    #[test]
    fn standard_answers_are_read_and_broken_ones_name_the_member_not_the_token() {
        let t = parse_token_response(
            "X",
            br#"{"access_token":"abc","token_type":"Bearer","expires_in":60}"#,
            now(),
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(now() + chrono::Duration::seconds(60)));
        let no_expiry = parse_token_response("X", br#"{"access_token":"abc"}"#, now()).unwrap();
        assert_eq!(no_expiry.expires_at, None);
        for body in [
            &br#"{"access_token":"secret-tok","expires_in":"soon"}"#[..],
            br#"{"access_token":"secret-tok","expires_in":-5}"#,
            br#"{"access_token":""}"#,
            br#"{"token":"secret-tok"}"#,
            b"<html>",
        ] {
            let e = parse_token_response("X", body, now())
                .unwrap_err()
                .to_string();
            assert!(!e.contains("secret-tok"), "{e}");
            assert!(e.contains("X sent a token response"), "{e}");
        }
    }

    #[test]
    fn a_wrong_id_or_secret_reads_as_refused_client_credentials() {
        let apigee = refusal(
            "TriNet",
            401,
            br#"{"ErrorCode":"invalid_client","Error":"Client credentials are invalid"}"#,
        );
        assert!(apigee.needs_reconnect());
        assert_eq!(
            apigee.to_string(),
            "TriNet refused the client id or secret (Client credentials are invalid); check \
             both, or create new ones where they were issued, and connect again"
        );
        let rfc = refusal("Paychex", 400, br#"{"error":"invalid_client"}"#);
        assert!(matches!(rfc, OAuthError::ClientRefused { .. }));
        let other = refusal("X", 400, br#"{"error":"invalid_scope"}"#);
        assert!(matches!(other, OAuthError::BadResponse(_)));
        assert!(!other.needs_reconnect());
    }
}
