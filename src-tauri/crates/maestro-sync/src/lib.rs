//! The sync engine of Integration Maestro: runs per connection × entity with checkpoints in
//! the same transaction as each page, deletion detection, and a typed event stream.

pub mod engine;
pub mod events;

pub use engine::{Mode, RunRequest, RunSummary, SyncEngine, SyncError};
pub use events::SyncEvent;
