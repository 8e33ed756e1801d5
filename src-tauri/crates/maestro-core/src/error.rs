//! Shared error classification.
//!
//! Every crate keeps its own `thiserror` enum; each variant maps to one [`ErrorKind`], which is
//! what retry logic, alerts and the UI branch on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure an error is, independent of which crate raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A temporary failure (network blip, 5xx); retrying later may succeed.
    Transient,
    /// The remote side asked us to slow down (HTTP 429, rate budget exhausted).
    Throttled,
    /// Credentials are missing, expired or revoked; a human must reconnect.
    Auth,
    /// The input or the data is invalid; retrying the same thing will fail again.
    Validation,
    /// The requested thing does not exist.
    NotFound,
    /// The operation conflicts with the current state (duplicate, stale version).
    Conflict,
    /// A bug or an unexpected state on our side.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Transient,
        ErrorKind::Throttled,
        ErrorKind::Auth,
        ErrorKind::Validation,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::Internal,
    ];

    /// Stable snake_case name, identical to the serde form.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transient => "transient",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Auth => "auth",
            ErrorKind::Validation => "validation",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether retrying the same operation later may succeed (transient or throttled).
    pub const fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Throttled)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn serde_matches_as_str() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            let back: ErrorKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *kind);
        }
    }

    #[test]
    fn retryable() {
        assert!(ErrorKind::Transient.is_retryable());
        assert!(ErrorKind::Throttled.is_retryable());
        assert!(!ErrorKind::Auth.is_retryable());
        assert_eq!(ErrorKind::NotFound.to_string(), "not_found");
    }
}
