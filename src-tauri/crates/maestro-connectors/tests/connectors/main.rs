//! Connector tests: each provider against recorded fixtures shaped by its public spec
//! (wiremock) and against the local sandbox emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod adp;
mod bamboohr;
mod checkr;
mod checkr_orders;
mod conformance;
mod goodhire;
mod gusto;
mod harvest;
mod justworks;
mod paychex;
mod quickbooks;
mod rippling;
mod support;
mod trinet;
mod zenefits;
