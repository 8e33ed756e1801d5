//! Connector errors: an HTTP failure (already classified), bad configuration, or data that
//! does not map.

use maestro_core::error::ErrorKind;
use maestro_http::HttpError;
use maestro_http::webhook::SignatureError;

/// What went wrong in a connector.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectorError {
    /// The provider call failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// A configuration value is missing or malformed.
    #[error("{field}: {message}")]
    Config {
        /// The field key.
        field: String,
        /// What is wrong, in plain words.
        message: String,
    },
    /// The connector does not support this entity or operation.
    #[error("{provider} does not support {what}")]
    Unsupported {
        /// Provider name.
        provider: String,
        /// What was asked.
        what: String,
    },
    /// A record could not be turned into the canonical model.
    #[error("{provider} {entity} {remote_id} could not be read: {message}")]
    Mapping {
        /// Provider name.
        provider: String,
        /// Entity kind.
        entity: String,
        /// The record's id at the provider.
        remote_id: String,
        /// What was wrong.
        message: String,
    },
    /// A webhook failed verification.
    #[error(transparent)]
    Webhook(#[from] SignatureError),
}

impl ConnectorError {
    /// The shared classification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Http(e) => e.kind(),
            Self::Config { .. } | Self::Mapping { .. } => ErrorKind::Validation,
            Self::Unsupported { .. } => ErrorKind::Validation,
            Self::Webhook(_) => ErrorKind::Auth,
        }
    }

    /// True when the owner must reconnect the provider.
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, Self::Http(e) if e.needs_reconnect())
    }

    /// A missing required config value.
    pub fn missing(field: &str) -> Self {
        Self::Config {
            field: field.into(),
            message: "is required".into(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;
