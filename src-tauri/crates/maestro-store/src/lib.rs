//! The encrypted local store of Integration Maestro.
//!
//! One SQLite file, encrypted as a whole with SQLCipher and opened through sqlx. Its key is a
//! random 256-bit key in the OS keychain, or is stretched from the owner's passphrase with
//! Argon2id; a wrong key is a clear [`StoreError::WrongKey`] and changes nothing. Repositories
//! are modules of free functions taking a connection, so callers compose several of them in one
//! [`WriteTx`]; everything is scoped by company.

pub mod alerts;
pub mod api_keys;
pub mod api_read;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod checkpoints;
pub mod companies;
pub mod conflicts;
pub mod connections;
pub mod current_texts;
pub mod digest;
pub mod erasure;
mod error;
pub mod identities;
pub mod key;
pub mod layout;
pub mod outbox;
pub mod packed;
pub mod people_scan;
pub mod person_records;
pub mod records;
pub mod retention;
pub mod schedules;
pub mod settings;
pub mod shutdown;
mod store;
pub mod sync_runs;
pub mod time;

pub use error::{Result, StoreError};
pub use key::{DbKey, KdfParams, MemorySecretStore, OsKeychain, Passphrase, SecretStore};
pub use layout::{KeyMeta, Layout};
/// The SQL toolkit the store is built on, for callers composing repository calls.
pub use sqlx;
#[doc(hidden)]
pub use store::testing;
pub use store::{NewKey, Store, Unlock, WriteTx};
