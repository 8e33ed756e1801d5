//! Cross-crate tests.
mod checkr;
mod conflicts;
mod connect_sync;
mod crash;
mod crash_soak;
mod custom_connector;
mod fault_matrix;
mod health;
mod identity;
mod oauth_sandbox;
mod reauthorize;
mod redaction;
mod rippling;
mod routes;
mod scheduler_app;
mod sync_crash;
mod victim;
