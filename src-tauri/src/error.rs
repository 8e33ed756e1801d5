//! The one error shape that crosses IPC: `{ code, message, field }`, built from
//! [`maestro_app::AppError`].

use maestro_app::{AppError, ErrorCode};
use serde::{Deserialize, Serialize};
use specta::Type;

/// What the UI can do about a failed command (mirrors [`maestro_app::ErrorCode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorCode {
    /// No store yet: show the first-run screen.
    NotInitialised,
    /// The passphrase did not open the store: ask again.
    WrongKey,
    /// The store is locked or needs a passphrase: show the unlock screen.
    PassphraseRequired,
    /// Fix the input named by `field`.
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

/// A failed command, in words the owner understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IpcError {
    /// What kind of problem it is.
    pub code: IpcErrorCode,
    /// Plain-language explanation and what to do.
    pub message: String,
    /// The form field at fault, when there is one.
    pub field: Option<String>,
}

impl IpcError {
    /// An error with a code and message and no field.
    pub fn new(code: IpcErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names the form field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// The store is not open yet.
    pub fn locked() -> Self {
        Self::new(
            IpcErrorCode::PassphraseRequired,
            "Your data is locked. Unlock it first.",
        )
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Codes travel by their serde name, so a code added to `ErrorCode` later arrives as
/// `Internal` here instead of breaking the build of the shell.
fn code_of(code: ErrorCode) -> IpcErrorCode {
    serde_json::to_value(code)
        .and_then(serde_json::from_value)
        .unwrap_or(IpcErrorCode::Internal)
}

impl From<AppError> for IpcError {
    fn from(err: AppError) -> Self {
        if err.code == ErrorCode::Internal {
            tracing::error!(error = ?err, "command failed");
        }
        Self {
            code: code_of(err.code),
            message: err.message,
            field: err.field,
        }
    }
}

impl From<maestro_store::StoreError> for IpcError {
    fn from(err: maestro_store::StoreError) -> Self {
        AppError::from(err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_errors_keep_code_message_and_field() {
        let err: IpcError = AppError::new(ErrorCode::Validation, "API key is required")
            .with_field("api_key")
            .into();
        assert_eq!(err.code, IpcErrorCode::Validation);
        assert_eq!(err.message, "API key is required");
        assert_eq!(err.field.as_deref(), Some("api_key"));
        let wrong: IpcError = AppError::new(ErrorCode::WrongKey, "wrong passphrase").into();
        assert_eq!(wrong.code, IpcErrorCode::WrongKey);
    }

    #[test]
    fn serialises_with_snake_case_codes() {
        let json = serde_json::to_value(IpcError::new(IpcErrorCode::NeedsReconnect, "m"))
            .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"code": "needs_reconnect", "message": "m", "field": null})
        );
    }
}
