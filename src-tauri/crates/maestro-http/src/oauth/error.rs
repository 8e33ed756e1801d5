//! [`OAuthError`]: what can go wrong while connecting or keeping a connection authorized.

use maestro_core::error::ErrorKind;

/// An OAuth failure, worded for the owner. Messages never contain tokens, codes or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The refresh token was revoked or expired: the connection must be reconnected.
    #[error("{provider} no longer accepts the saved authorization; reconnect it")]
    InvalidGrant {
        /// Provider name.
        provider: String,
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// No refresh token is stored, so the expired access token cannot be renewed.
    #[error("{provider} authorization has expired and cannot be renewed; reconnect it")]
    NoRefreshToken {
        /// Provider name.
        provider: String,
    },
    /// The provider refused the authorization code (wrong PKCE verifier, reused or stale code).
    #[error("{provider} did not accept the sign-in; try connecting again")]
    CodeRejected {
        /// Provider name.
        provider: String,
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The provider rejected the app's client id or secret.
    #[error("{provider} rejected this app's client credentials; check the connection settings")]
    InvalidClient {
        /// Provider name.
        provider: String,
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The token endpoint refused a client id and secret the owner typed in (client
    /// credentials): one of them is wrong, or the integration was disconnected.
    #[error(
        "{provider} refused the client id or secret ({reason}); check both, or create new ones where they were issued, and connect again"
    )]
    ClientRefused {
        /// Provider name.
        provider: String,
        /// The provider's own words (its error description), never the request.
        reason: String,
    },
    /// The sign-in timed out and the only answers that came carried a `state` this sign-in
    /// did not issue (a forgery, or a stale tab); they were ignored.
    #[error("the sign-in answer did not match the request that was sent; try connecting again")]
    StateMismatch,
    /// The owner declined access on the provider's consent page.
    #[error("access was not granted{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AccessDenied {
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The provider answered the authorization request with another error.
    #[error("the provider could not complete the sign-in ({error}){}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Authorization {
        /// The OAuth `error` code.
        error: String,
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The sign-in was not completed in time.
    #[error("the sign-in was not completed in time; try connecting again")]
    Timeout,
    /// The system browser could not be opened.
    #[error("could not open the web browser: {0}")]
    Browser(String),
    /// The loopback listener could not be started.
    #[error("could not listen for the sign-in answer on this computer: {0}")]
    Listener(String),
    /// Saving a renewed authorization failed; the new access token was discarded.
    #[error("could not save the renewed authorization: {0}")]
    Persist(String),
    /// The token endpoint asked us to slow down (429), with how long to wait when it said.
    #[error("the authorization server is throttling requests; try again later")]
    Throttled {
        /// Seconds the provider asked us to wait (`Retry-After`), if given.
        retry_after_secs: Option<u64>,
    },
    /// The token endpoint could not be reached or answered with a server error.
    #[error("could not reach the authorization server: {0}")]
    Http(String),
    /// The token endpoint answered something we could not use.
    #[error("the authorization server gave an unexpected answer: {0}")]
    BadResponse(String),
}

impl OAuthError {
    /// Whether the owner must reconnect the provider (no automatic recovery is possible).
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            OAuthError::InvalidGrant { .. }
                | OAuthError::NoRefreshToken { .. }
                | OAuthError::InvalidClient { .. }
                | OAuthError::ClientRefused { .. }
        )
    }

    /// The shared classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OAuthError::InvalidGrant { .. }
            | OAuthError::NoRefreshToken { .. }
            | OAuthError::InvalidClient { .. }
            | OAuthError::ClientRefused { .. }
            | OAuthError::CodeRejected { .. }
            | OAuthError::StateMismatch
            | OAuthError::AccessDenied { .. }
            | OAuthError::Authorization { .. } => ErrorKind::Auth,
            OAuthError::Timeout | OAuthError::Http(_) => ErrorKind::Transient,
            OAuthError::Throttled { .. } => ErrorKind::Throttled,
            OAuthError::Browser(_)
            | OAuthError::Listener(_)
            | OAuthError::Persist(_)
            | OAuthError::BadResponse(_) => ErrorKind::Internal,
        }
    }
}
