//! Idempotency keys: one per logical write, reused by every retry of it.

use serde::{Deserialize, Serialize};

/// A key that makes a write safe to retry: the provider (or our own pre-write lookup) applies
/// a given key once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A fresh random key.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// A key derived from stable input (e.g. an outbox row id), identical across restarts.
    pub fn from_stable(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for IdempotencyKey {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
