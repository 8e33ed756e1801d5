//! OAuth 2.0 for connectors: authorization code with PKCE through the system browser and a
//! loopback redirect (RFC 8252), client credentials (also as [`ClientCredentials`], a token source
//! held in memory for providers that bend the standard), refresh, and a [`TokenManager`] that
//! refreshes ahead of expiry, one refresh at a time, and saves a rotated refresh token durably
//! before the new access token is used.
//!
//! The [`oauth2`] crate builds the authorization URL, the PKCE pair and `state`, and performs the
//! token requests; its HTTP calls go through the caller's reqwest client via a small closure (see
//! [`token_http_client`] for a client with redirects disabled). The loopback listener is a tiny
//! hand-written HTTP/1.1 responder on `127.0.0.1`.

mod browser;
mod client_credentials;
mod error;
mod grants;
mod loopback;
mod manager;

use chrono::{DateTime, Utc};
use maestro_core::sensitive::Sensitive;
use serde::{Deserialize, Serialize};
use url::Url;

pub use browser::{BrowserOpener, SystemBrowser};
pub use client_credentials::{
    ClientCredentials, ClientCredentialsConfig, DEFAULT_CLIENT_CREDENTIALS_MARGIN_SECS,
    TokenMethod, parse_token_response,
};
pub use error::OAuthError;
pub use grants::{
    authorize_keeping, authorize_with_pkce, client_credentials, refresh, token_http_client,
};
pub use manager::{DEFAULT_REFRESH_MARGIN_SECS, TokenManager, TokenPersistence};

/// How the client authenticates itself at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (Gusto, Harvest).
    #[default]
    RequestBody,
    /// HTTP Basic with the url-encoded id and secret (QuickBooks, most others).
    BasicAuth,
}

/// One provider's OAuth 2.0 client registration.
#[derive(Debug, Clone)]
pub struct OAuthClientConfig {
    /// Name shown to the owner in error messages, e.g. `"Gusto"`.
    pub provider_name: String,
    /// The registered client id.
    pub client_id: String,
    /// The client secret, when the provider issued one.
    pub client_secret: Option<Sensitive<String>>,
    /// Where the authorization code flow starts.
    pub authorize_url: Url,
    /// The token endpoint.
    pub token_url: Url,
    /// Scopes to request (empty when the provider assigns them itself, as Gusto does).
    pub scopes: Vec<String>,
    /// Extra query parameters for the authorization URL (e.g. `("prompt", "consent")`).
    pub extra_authorize_params: Vec<(String, String)>,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
}

impl OAuthClientConfig {
    /// A configuration with no secret, no scopes, no extra parameters and credentials in the body.
    pub fn new(
        provider_name: impl Into<String>,
        client_id: impl Into<String>,
        authorize_url: Url,
        token_url: Url,
    ) -> Self {
        OAuthClientConfig {
            provider_name: provider_name.into(),
            client_id: client_id.into(),
            client_secret: None,
            authorize_url,
            token_url,
            scopes: Vec::new(),
            extra_authorize_params: Vec::new(),
            client_auth: ClientAuth::default(),
        }
    }

    /// Sets the client secret.
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(Sensitive::new(secret.into()));
        self
    }

    /// Sets the scopes to request.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an extra authorization URL parameter.
    #[must_use]
    pub fn with_authorize_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.extra_authorize_params
            .push((name.into(), value.into()));
        self
    }

    /// Sets how the client authenticates at the token endpoint.
    #[must_use]
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }
}

/// The tokens of one connection. Serialisable for the encrypted store; `Debug` redacts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The bearer access token.
    pub access_token: Sensitive<String>,
    /// The refresh token, when the grant issued one.
    pub refresh_token: Option<Sensitive<String>>,
    /// When the access token expires (`None`: the provider did not say).
    pub expires_at: Option<DateTime<Utc>>,
    /// The granted scopes as the provider reported them (space separated).
    pub scope: Option<String>,
    /// When the refresh token itself lapses, as the provider reported it in the token answer
    /// (`refresh_token_expires_in`, or Intuit's `x_refresh_token_expires_in`); `None` when it
    /// did not say. After that the owner must sign in again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

impl TokenSet {
    /// Whether the access token expires within `margin` of `now` (never, when the expiry is unknown).
    pub fn expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at.signed_duration_since(now) <= margin)
    }
}
