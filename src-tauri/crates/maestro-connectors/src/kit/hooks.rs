//! What a provider file cannot say, written in Rust beside it: checks of the form's values,
//! a connection test of its own, and writes. A provider without hooks is only its file and
//! its mappers.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::FileConnector;
use crate::connector::{CheckPackage, CheckReport, WriteOutcome, WriteRequest};
use crate::error::Result;

/// A provider's hand-written parts.
#[async_trait]
pub trait Hooks: Send + Sync + std::fmt::Debug {
    /// Checks the form's values when a connection is built (beyond the file's patterns).
    fn validate(&self, _config: &BTreeMap<String, String>) -> Result<()> {
        Ok(())
    }

    /// The connection test, when the file's one request is not enough; `None` to use it.
    async fn check(&self, _connector: &FileConnector) -> Option<Result<CheckReport>> {
        None
    }

    /// A write; `None` when this provider does not write `request`'s kind.
    async fn write(
        &self,
        _connector: &FileConnector,
        _request: &WriteRequest,
    ) -> Option<Result<WriteOutcome>> {
        None
    }

    /// The background-check packages of the account; `None` when this provider has none.
    async fn packages(&self, _connector: &FileConnector) -> Option<Result<Vec<CheckPackage>>> {
        None
    }
}
