//! Errors of the sandbox's Rust API.

/// What can go wrong starting or driving the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Binding or serving a loopback socket failed.
    #[error("sandbox I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A control call referred to something that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The operation is not supported for this provider (e.g. Harvest webhooks).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Sending a webhook failed.
    #[error("webhook delivery failed: {0}")]
    Webhook(#[from] reqwest::Error),
    /// Invalid input to a control call.
    #[error("invalid: {0}")]
    Invalid(String),
}
