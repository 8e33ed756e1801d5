//! Canonical HR model for Integration Maestro.
//!
//! This crate holds the types every other crate agrees on: exact [`money`], typed [`ids`],
//! an injectable [`clock`], [`sensitive`] values that never reach logs, the shared error
//! classification in [`error`], the canonical entities in [`model`], and the canonical JSON
//! text they are hashed and stored as ([`canonical_json`]).
//!
//! It performs no I/O and has no async code.

pub mod canonical_json;
pub mod clock;
pub mod error;
pub mod ids;
pub mod model;
pub mod money;
pub mod sensitive;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ErrorKind;
pub use ids::{CompanyId, ConnectionId, RecordId};
pub use money::{Currency, Money, MoneyError, RoundingMode};
pub use sensitive::Sensitive;
