//! Test harness: helpers the bench runners share.

pub mod measure;
