//! The sync engine of Integration Maestro: runs per connection × entity with checkpoints in
//! the same transaction as each page, deletion detection, and a typed event stream.

pub mod conflicts;
pub mod engine;
pub mod events;
pub mod identity;
pub mod routes;
pub mod scheduler;

pub use engine::{Mode, RunRequest, RunSummary, SyncEngine, SyncError};
pub use events::SyncEvent;
