//! Cross-crate tests.
mod connect_sync;
mod crash;
mod oauth_sandbox;
mod redaction;
