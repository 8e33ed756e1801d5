//! HTTP errors, classified first (what went wrong) so retries are decided second.

use std::time::Duration;

use maestro_core::error::ErrorKind;

/// A failed provider call, classified.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// No answer in time.
    #[error("{provider} did not answer in time")]
    Timeout {
        /// Provider display name.
        provider: String,
    },
    /// The connection could not be made or broke mid-way.
    #[error("could not reach {provider} ({detail}); check the internet connection or the address")]
    Connect {
        /// Provider display name.
        provider: String,
        /// What the network layer said.
        detail: String,
    },
    /// The provider asked us to slow down.
    #[error("{provider} is limiting how fast we can ask for data{}", retry_after.map(|d| format!("; it asked us to wait {} s", d.as_secs())).unwrap_or_default())]
    Throttled {
        /// Provider display name.
        provider: String,
        /// How long the provider asked us to wait.
        retry_after: Option<Duration>,
    },
    /// Credentials were refused: expired, revoked or wrong.
    #[error("{provider} refused the saved credentials ({message}); reconnect it")]
    Auth {
        /// Provider display name.
        provider: String,
        /// HTTP status (401/403).
        status: u16,
        /// The provider's explanation, if any.
        message: String,
        /// True when the owner has to reconnect (a refresh cannot fix it).
        needs_reconnect: bool,
    },
    /// The provider rejected what we sent.
    #[error("{provider} rejected the request: {message}")]
    Validation {
        /// Provider display name.
        provider: String,
        /// HTTP status (400/422…).
        status: u16,
        /// The provider's explanation.
        message: String,
    },
    /// The thing asked for does not exist.
    #[error("{provider} has no such record ({message})")]
    NotFound {
        /// Provider display name.
        provider: String,
        /// The provider's explanation.
        message: String,
    },
    /// The record changed at the provider since we read it.
    #[error("{provider} reports a conflicting change ({message}); it will be re-read")]
    Conflict {
        /// Provider display name.
        provider: String,
        /// The provider's explanation.
        message: String,
    },
    /// The provider failed (5xx).
    #[error("{provider} had a problem on its side (HTTP {status}); we will try again")]
    Server {
        /// Provider display name.
        provider: String,
        /// HTTP status.
        status: u16,
    },
    /// The answer was not what the provider documents.
    #[error("{provider} sent data we could not read at `{path}`: {message}")]
    Decode {
        /// Provider display name.
        provider: String,
        /// Path of the failing field, e.g. `time_entries[3].hours`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Retries did not help (or this connection's retry budget is spent).
    #[error("{last} (tried {attempts} times)")]
    RetriesExhausted {
        /// Provider display name.
        provider: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: Box<HttpError>,
    },
    /// A request we could not even build (bad URL…).
    #[error("invalid request to {provider}: {message}")]
    Invalid {
        /// Provider display name.
        provider: String,
        /// What was wrong.
        message: String,
    },
}

impl HttpError {
    /// The shared classification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Timeout { .. } | Self::Connect { .. } | Self::Server { .. } => {
                ErrorKind::Transient
            }
            Self::Throttled { .. } => ErrorKind::Throttled,
            Self::Auth { .. } => ErrorKind::Auth,
            Self::Validation { .. } | Self::Invalid { .. } => ErrorKind::Validation,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Decode { .. } => ErrorKind::Validation,
            Self::RetriesExhausted { last, .. } => last.kind(),
        }
    }

    /// Whether trying the same request again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. }
                | Self::Connect { .. }
                | Self::Server { .. }
                | Self::Throttled { .. }
        )
    }

    /// True when the owner must reconnect the provider.
    pub fn needs_reconnect(&self) -> bool {
        match self {
            Self::Auth {
                needs_reconnect, ..
            } => *needs_reconnect,
            Self::RetriesExhausted { last, .. } => last.needs_reconnect(),
            _ => false,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = HttpError> = std::result::Result<T, E>;
