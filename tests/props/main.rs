//! Property tests of every parser that reads outside data: providers' answers (through each
//! connector's decoders and mappers), webhooks, backup files, and the local API's JSON:API query
//! parameters and GraphQL input. Each case must end in a value or a classified error — never a
//! panic — within a time bound; `PROPTEST_CASES` sets how many cases each property runs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod backup;
mod gateway;
mod junk;
mod providers;
mod webhooks;
