//! How a request proves who it is: API key schemes or an OAuth access token.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use maestro_core::sensitive::Sensitive;

use crate::error::HttpError;

/// A source of OAuth access tokens that refreshes them (see `oauth::TokenManager`).
#[async_trait]
pub trait AccessTokenSource: Send + Sync {
    /// A valid access token, refreshed ahead of expiry if needed.
    async fn access_token(&self) -> Result<Sensitive<String>, HttpError>;
    /// The provider refused `rejected` with a 401: refresh (once, however many requests
    /// were refused with the same token).
    async fn refresh_after_unauthorized(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<(), HttpError>;
}

/// Turns an OAuth failure into the HTTP error the request loop and the UI understand.
pub(crate) fn oauth_to_http(provider: &str, e: &crate::oauth::OAuthError) -> HttpError {
    use crate::oauth::OAuthError;
    match e {
        OAuthError::Http(detail) => HttpError::Connect {
            provider: provider.to_owned(),
            detail: detail.clone(),
        },
        OAuthError::Timeout => HttpError::Timeout {
            provider: provider.to_owned(),
        },
        OAuthError::Throttled { retry_after_secs } => HttpError::Throttled {
            provider: provider.to_owned(),
            retry_after: retry_after_secs.map(std::time::Duration::from_secs),
        },
        other => HttpError::Auth {
            provider: provider.to_owned(),
            status: 401,
            message: other.to_string(),
            needs_reconnect: other.needs_reconnect(),
        },
    }
}

#[async_trait]
impl AccessTokenSource for crate::oauth::TokenManager {
    async fn access_token(&self) -> Result<Sensitive<String>, HttpError> {
        crate::oauth::TokenManager::access_token(self)
            .await
            .map_err(|e| oauth_to_http(self.provider_name(), &e))
    }

    async fn refresh_after_unauthorized(
        &self,
        rejected: &Sensitive<String>,
    ) -> Result<(), HttpError> {
        self.refresh_after_rejection(rejected)
            .await
            .map(|_| ())
            .map_err(|e| oauth_to_http(self.provider_name(), &e))
    }
}

/// The credential scheme of a connection.
#[derive(Clone)]
pub enum Auth {
    /// No credentials (public endpoints, the sandbox's control API).
    None,
    /// `Authorization: Bearer <token>` with a fixed token (personal access tokens).
    Bearer(Sensitive<String>),
    /// HTTP Basic (BambooHR: the API key as user name, any password).
    Basic {
        /// User name.
        username: Sensitive<String>,
        /// Password.
        password: Sensitive<String>,
    },
    /// A custom header carrying a key.
    Header {
        /// Header name.
        name: HeaderName,
        /// Header value.
        value: Sensitive<String>,
    },
    /// A key in a query parameter (`?api_key=…`).
    Query {
        /// Parameter name.
        name: String,
        /// The key.
        value: Sensitive<String>,
    },
    /// OAuth 2.0 bearer tokens from a refreshing source.
    OAuth(Arc<dyn AccessTokenSource>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Bearer(_) => "Auth::Bearer(<redacted>)",
            Auth::Basic { .. } => "Auth::Basic(<redacted>)",
            Auth::Header { .. } => "Auth::Header(<redacted>)",
            Auth::Query { .. } => "Auth::Query(<redacted>)",
            Auth::OAuth(_) => "Auth::OAuth(<redacted>)",
        })
    }
}

fn sensitive_header(value: &str, provider: &str) -> Result<HeaderValue, HttpError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| HttpError::Invalid {
        provider: provider.to_owned(),
        message: "the saved credential contains characters a header cannot carry".into(),
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Auth {
    /// `url` with the query key added, for [`Auth::Query`]; unchanged otherwise.
    pub fn with_query_key(&self, url: &url::Url) -> url::Url {
        let mut url = url.clone();
        if let Auth::Query { name, value } = self {
            url.query_pairs_mut().append_pair(name, value.expose());
        }
        url
    }

    /// Adds the credential headers to `headers`; returns the OAuth access token used, if any
    /// (so a 401 can name the token it refused).
    pub async fn apply(
        &self,
        headers: &mut HeaderMap,
        provider: &str,
    ) -> Result<Option<Sensitive<String>>, HttpError> {
        match self {
            // Added to the URL by the session (see `with_query_key`).
            Auth::None | Auth::Query { .. } => {}
            Auth::Bearer(token) => {
                headers.insert(
                    http::header::AUTHORIZATION,
                    sensitive_header(&format!("Bearer {}", token.expose()), provider)?,
                );
            }
            Auth::Basic { username, password } => {
                let raw = format!("{}:{}", username.expose(), password.expose());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                headers.insert(
                    http::header::AUTHORIZATION,
                    sensitive_header(&format!("Basic {encoded}"), provider)?,
                );
            }
            Auth::Header { name, value } => {
                headers.insert(name.clone(), sensitive_header(value.expose(), provider)?);
            }
            Auth::OAuth(source) => {
                let token = source.access_token().await?;
                headers.insert(
                    http::header::AUTHORIZATION,
                    sensitive_header(&format!("Bearer {}", token.expose()), provider)?,
                );
                return Ok(Some(token));
            }
        }
        Ok(None)
    }
}
