//! The grants: authorization code with PKCE, client credentials, refresh.
//!
//! The `oauth2` crate builds the authorization URL (PKCE S256 challenge, random `state`) and
//! performs the token requests; its HTTP calls go through [`send`], a closure over the caller's
//! reqwest client that refuses redirects and never puts a response body into an error.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::time::Duration;

use chrono::{DateTime, Utc};
use maestro_core::clock::{Clock, SystemClock};
use maestro_core::sensitive::Sensitive;
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::loopback::Loopback;
use super::{BrowserOpener, ClientAuth, OAuthClientConfig, OAuthError, TokenSet};

/// The members of a token answer beyond RFC 6749's that say when the refresh token lapses.
/// Read leniently (a number, or digits in a string as Intuit's samples show; anything else is
/// ignored with a warning): a rotated refresh token must never be discarded over them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RefreshExpiry {
    /// The common name (e.g. GitHub apps, iRacing).
    #[serde(default)]
    refresh_token_expires_in: Option<Value>,
    /// Intuit's name (QuickBooks Online).
    #[serde(default)]
    x_refresh_token_expires_in: Option<Value>,
}

impl ExtraTokenFields for RefreshExpiry {}

impl RefreshExpiry {
    /// Seconds until the refresh token lapses, when a member says so readably.
    fn seconds(&self, provider: &str) -> Option<u64> {
        [
            ("x_refresh_token_expires_in", &self.x_refresh_token_expires_in),
            ("refresh_token_expires_in", &self.refresh_token_expires_in),
        ]
        .into_iter()
        .find_map(|(name, value)| {
            let value = value.as_ref().filter(|v| !v.is_null())?;
            let seconds = match value {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            };
            if seconds.is_none() {
                tracing::warn!(%provider, member = name,
                    "the token answer's refresh-token lifetime is not a number of seconds; ignored");
            }
            seconds
        })
    }
}

/// A token answer: RFC 6749's members plus [`RefreshExpiry`].
type TokenAnswer = StandardTokenResponse<RefreshExpiry, BasicTokenType>;

/// An `oauth2` client with the authorization and token endpoints set.
type Client = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// [`Client`] before its endpoints are set.
type Unconfigured = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
>;

/// A transport failure, described without any request or response body.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct SendError(String);

/// Which grant a token request belongs to (decides how `invalid_grant` is reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    Code,
    Refresh,
    ClientCredentials,
}

/// A reqwest client fit for token requests: redirects disabled, bounded timeouts.
pub fn token_http_client() -> Result<reqwest::Client, OAuthError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("IntegrationMaestro/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OAuthError::Http(describe(&e)))
}

/// Runs the authorization code flow with PKCE (S256) and `state` through the system browser
/// and a loopback listener on `127.0.0.1`, then exchanges the code for tokens.
///
/// The listener is bound before the browser opens and closes when this returns. `timeout`
/// bounds the wait for the owner; `http` should not follow redirects (see [`token_http_client`]).
pub async fn authorize_with_pkce(
    config: &OAuthClientConfig,
    opener: &dyn BrowserOpener,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<TokenSet, OAuthError> {
    authorize_keeping(config, opener, http, timeout, &[])
        .await
        .map(|(tokens, _)| tokens)
}

/// [`authorize_with_pkce`], also returning the callback parameters named in `keep` that the
/// provider sent with the code (Intuit's `realmId`: the company the owner chose). Other
/// parameters are dropped; none is logged.
pub async fn authorize_keeping(
    config: &OAuthClientConfig,
    opener: &dyn BrowserOpener,
    http: &reqwest::Client,
    timeout: Duration,
    keep: &[&str],
) -> Result<(TokenSet, BTreeMap<String, String>), OAuthError> {
    let loopback = Loopback::bind().await?;
    let redirect = RedirectUrl::new(loopback.redirect_uri().to_owned())
        .map_err(|e| OAuthError::Listener(e.to_string()))?;
    let client = oauth_client(config).set_redirect_uri(redirect);

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(config.scopes.iter().cloned().map(Scope::new));
    for (name, value) in &config.extra_authorize_params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let (url, state) = request.url();
    let url: Url = url;

    tracing::info!(provider = %config.provider_name, "opening the browser for sign-in");
    opener.open(&url)?;
    let callback = loopback
        .wait_callback(state.secret().clone(), timeout)
        .await?;
    let kept: BTreeMap<String, String> = callback
        .params
        .into_iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .collect();
    let code = callback.code;

    let now = SystemClock.now();
    let send = |request: HttpRequest| send(http.clone(), request);
    let response = client
        .exchange_code(AuthorizationCode::new(code.into_inner()))
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .map_err(|e| map_error(e, config, Grant::Code))?;
    tracing::info!(provider = %config.provider_name, "sign-in completed");
    Ok((
        token_set(&response, now, None, &config.provider_name)?,
        kept,
    ))
}

/// Obtains a token with the client credentials grant (RFC 6749 §4.4).
pub async fn client_credentials(
    config: &OAuthClientConfig,
    http: &reqwest::Client,
) -> Result<TokenSet, OAuthError> {
    client_credentials_at(config, http, SystemClock.now()).await
}

/// Exchanges `refresh_token` for new tokens. When the provider returns no new refresh token the
/// old one is kept in the result.
pub async fn refresh(
    config: &OAuthClientConfig,
    http: &reqwest::Client,
    refresh_token: &Sensitive<String>,
) -> Result<TokenSet, OAuthError> {
    refresh_at(config, http, refresh_token, SystemClock.now()).await
}

/// [`client_credentials`] with the instant the request starts (for expiry arithmetic).
pub(crate) async fn client_credentials_at(
    config: &OAuthClientConfig,
    http: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<TokenSet, OAuthError> {
    let client = oauth_client(config);
    let send = |request: HttpRequest| send(http.clone(), request);
    let response = client
        .exchange_client_credentials()
        .add_scopes(config.scopes.iter().cloned().map(Scope::new))
        .request_async(&send)
        .await
        .map_err(|e| map_error(e, config, Grant::ClientCredentials))?;
    token_set(&response, now, None, &config.provider_name)
}

/// [`refresh`] with the instant the request starts (for expiry arithmetic).
pub(crate) async fn refresh_at(
    config: &OAuthClientConfig,
    http: &reqwest::Client,
    refresh_token: &Sensitive<String>,
    now: DateTime<Utc>,
) -> Result<TokenSet, OAuthError> {
    let client = oauth_client(config);
    let token = RefreshToken::new(refresh_token.expose().clone());
    let send = |request: HttpRequest| send(http.clone(), request);
    let response = client
        .exchange_refresh_token(&token)
        .request_async(&send)
        .await
        .map_err(|e| map_error(e, config, Grant::Refresh))?;
    token_set(&response, now, Some(refresh_token), &config.provider_name)
}

fn oauth_client(config: &OAuthClientConfig) -> Client {
    let client = Unconfigured::new(ClientId::new(config.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(config.authorize_url.clone()))
        .set_token_uri(TokenUrl::from_url(config.token_url.clone()))
        .set_auth_type(match config.client_auth {
            ClientAuth::RequestBody => AuthType::RequestBody,
            ClientAuth::BasicAuth => AuthType::BasicAuth,
        });
    match &config.client_secret {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.expose().clone())),
        None => client,
    }
}

/// Sends one token request with reqwest. Redirects are refused (a token request must never be
/// replayed elsewhere); 5xx and 429 become transport errors so they read as transient.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, SendError> {
    let target = Url::parse(&request.uri().to_string()).ok();
    let request = reqwest::Request::try_from(request).map_err(|e| SendError(describe(&e)))?;
    let response = http
        .execute(request)
        .await
        .map_err(|e| SendError(describe(&e)))?;
    let status = response.status();
    if status.is_redirection() || target.as_ref().is_some_and(|t| t != response.url()) {
        return Err(SendError(
            "the token endpoint redirected elsewhere; the request was not followed".into(),
        ));
    }
    if status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS {
        return Err(SendError(format!(
            "the token endpoint answered HTTP {status}"
        )));
    }
    let mut builder = http::Response::builder().status(status);
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = capped_body(response).await?;
    builder.body(body).map_err(|e| SendError(e.to_string()))
}

/// The largest token-endpoint answer read (a token response is a few KiB).
const MAX_TOKEN_BODY: usize = 1024 * 1024;

/// Reads a token-endpoint body, refusing one larger than [`MAX_TOKEN_BODY`] as it arrives
/// (a `Content-Length` is not needed to stop it).
pub(super) async fn capped_body(mut response: reqwest::Response) -> Result<Vec<u8>, SendError> {
    let too_big = || {
        SendError(format!(
            "the token endpoint's answer is larger than {} KiB; it was not read",
            MAX_TOKEN_BODY / 1024
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_TOKEN_BODY as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SendError(describe(&e)))?
    {
        if body.len() + chunk.len() > MAX_TOKEN_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An error and its sources on one line.
fn describe(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn map_error(
    error: RequestTokenError<SendError, BasicErrorResponse>,
    config: &OAuthClientConfig,
    grant: Grant,
) -> OAuthError {
    let provider = config.provider_name.clone();
    match error {
        RequestTokenError::ServerResponse(response) => {
            let description = response.error_description().cloned();
            match (response.error(), grant) {
                (BasicErrorResponseType::InvalidGrant, Grant::Refresh) => {
                    OAuthError::InvalidGrant {
                        provider,
                        description,
                    }
                }
                (BasicErrorResponseType::InvalidGrant, _) => OAuthError::CodeRejected {
                    provider,
                    description,
                },
                (
                    BasicErrorResponseType::InvalidClient
                    | BasicErrorResponseType::UnauthorizedClient,
                    _,
                ) => OAuthError::InvalidClient {
                    provider,
                    description,
                },
                (other, _) => OAuthError::BadResponse(format!(
                    "{provider} refused the token request ({}){}",
                    other.as_ref(),
                    description.map(|d| format!(": {d}")).unwrap_or_default()
                )),
            }
        }
        RequestTokenError::Request(e) => OAuthError::Http(e.0),
        // The body may hold tokens: report only where parsing failed.
        RequestTokenError::Parse(e, _body) => OAuthError::BadResponse(format!(
            "{provider} sent a token response that could not be read (at `{}`)",
            e.path()
        )),
        RequestTokenError::Other(text) => OAuthError::BadResponse(format!("{provider}: {text}")),
    }
}

fn token_set(
    response: &TokenAnswer,
    now: DateTime<Utc>,
    previous_refresh: Option<&Sensitive<String>>,
    provider: &str,
) -> Result<TokenSet, OAuthError> {
    let access_token = response.access_token().secret();
    if access_token.is_empty() {
        return Err(OAuthError::BadResponse(
            "the token response has an empty access token".into(),
        ));
    }
    let expires_at = response
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| now.checked_add_signed(d));
    let refresh_token = response
        .refresh_token()
        .map(|t| Sensitive::new(t.secret().clone()))
        .filter(|t| !t.expose().is_empty())
        .or_else(|| previous_refresh.cloned());
    let scope = response.scopes().map(|scopes| {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let refresh_expires_at = response
        .extra_fields()
        .seconds(provider)
        .and_then(|s| i64::try_from(s).ok())
        .and_then(chrono::Duration::try_seconds)
        .and_then(|d| now.checked_add_signed(d));
    Ok(TokenSet {
        access_token: Sensitive::new(access_token.clone()),
        refresh_token,
        expires_at,
        scope,
        refresh_expires_at,
    })
}
