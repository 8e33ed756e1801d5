//! Cross-crate tests.
mod crash;
mod redaction;
