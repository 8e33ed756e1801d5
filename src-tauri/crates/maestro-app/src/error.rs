//! The one error type of the application layer, with a code the UI and CLI act on.

use maestro_core::error::ErrorKind;
use maestro_store::StoreError;
use serde::Serialize;

/// What the caller can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Run `init` / the first-run screen.
    NotInitialised,
    /// Ask for the passphrase (again).
    WrongKey,
    /// A passphrase is needed and none was given.
    PassphraseRequired,
    /// Fix the input named in the message.
    Validation,
    /// Something named does not exist.
    NotFound,
    /// Free disk space and retry.
    DiskFull,
    /// Try again shortly.
    Busy,
    /// A provider no longer accepts the saved sign-in: reconnect it.
    NeedsReconnect,
    /// A provider is unreachable, failing or rate-limiting; try later.
    ProviderUnavailable,
    /// A backup cannot be used.
    BadBackup,
    /// The audit log is not intact.
    AuditBroken,
    /// Anything else; details are in the log.
    Internal,
}

/// An application error: a code plus a message a small-business owner understands.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of problem this is.
    pub code: ErrorCode,
    /// Plain-language explanation and what to do.
    pub message: String,
    /// The form field at fault, when there is one.
    pub field: Option<String>,
    /// The store error behind it (its text is already in `message`).
    source: Option<StoreError>,
}

impl AppError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            source: None,
        }
    }

    /// Names the form field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// The shared retry/UX classification.
    pub fn kind(&self) -> ErrorKind {
        match &self.source {
            Some(e) => e.kind(),
            None => match self.code {
                ErrorCode::Validation | ErrorCode::BadBackup => ErrorKind::Validation,
                ErrorCode::NotFound => ErrorKind::NotFound,
                ErrorCode::Busy => ErrorKind::Transient,
                ErrorCode::WrongKey | ErrorCode::PassphraseRequired => ErrorKind::Auth,
                _ => ErrorKind::Internal,
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        let code = match &err {
            StoreError::NotInitialised(_) => ErrorCode::NotInitialised,
            StoreError::WrongKey { .. } => ErrorCode::WrongKey,
            StoreError::PassphraseRequired => ErrorCode::PassphraseRequired,
            StoreError::DiskFull => ErrorCode::DiskFull,
            StoreError::Busy => ErrorCode::Busy,
            StoreError::BadBackup { .. } => ErrorCode::BadBackup,
            StoreError::NotFound(_) => ErrorCode::NotFound,
            StoreError::WeakPassphrase { .. }
            | StoreError::Invalid(_)
            | StoreError::AlreadyInitialised(_)
            | StoreError::KeychainUnavailable(_)
            | StoreError::KeyMissing => ErrorCode::Validation,
            _ => ErrorCode::Internal,
        };
        let message = match code {
            ErrorCode::Internal => {
                tracing::error!(error = ?err, "internal store error");
                format!(
                    "Something went wrong inside Integration Maestro ({err}). Details are in the log."
                )
            }
            _ => err.to_string(),
        };
        Self {
            code,
            message,
            field: None,
            source: Some(err),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        if err.raw_os_error() == Some(28) {
            return StoreError::DiskFull.into();
        }
        Self::new(
            ErrorCode::Internal,
            format!("a file could not be written: {err}"),
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<maestro_http::HttpError> for AppError {
    fn from(err: maestro_http::HttpError) -> Self {
        let code = if err.needs_reconnect() {
            ErrorCode::NeedsReconnect
        } else if err.is_retryable() {
            ErrorCode::ProviderUnavailable
        } else {
            ErrorCode::Validation
        };
        Self::new(code, err.to_string())
    }
}
