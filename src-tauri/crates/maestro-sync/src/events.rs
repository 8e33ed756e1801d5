//! The typed event stream of sync activity, for the UI, the CLI's progress bars and the
//! gateway's WebSocket.

use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use serde::Serialize;

/// Something that happened during syncing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A run began.
    RunStarted {
        /// Run id.
        run_id: String,
        /// Company.
        company_id: CompanyId,
        /// Connection.
        connection_id: ConnectionId,
        /// Entity.
        entity: EntityKind,
        /// Resumed from a checkpoint of an interrupted run.
        resumed: bool,
    },
    /// A page was stored.
    RunProgress {
        /// Run id.
        run_id: String,
        /// Records seen so far in this run.
        seen: u64,
        /// Created so far.
        created: u64,
        /// Updated so far.
        updated: u64,
        /// Deleted so far.
        deleted: u64,
    },
    /// A record got a new version.
    RecordChanged {
        /// Company.
        company_id: CompanyId,
        /// Entity.
        entity: EntityKind,
        /// Local record id.
        record_id: String,
        /// New version.
        version: i64,
        /// "created", "updated" or "deleted".
        change: String,
    },
    /// A run ended.
    RunFinished {
        /// Run id.
        run_id: String,
        /// "succeeded" or "failed".
        status: String,
        /// Totals.
        summary: crate::engine::RunSummary,
        /// The error, for a failed run.
        error: Option<String>,
    },
}
