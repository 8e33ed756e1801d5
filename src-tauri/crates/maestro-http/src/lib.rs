//! The connector HTTP toolkit: everything a connector needs besides its endpoints and mapping.
//! Errors are classified first ([`HttpError`]) and retries decided second ([`client`]):
//! exponential backoff with full jitter honouring `Retry-After`, a per-connection retry budget
//! and rate limiter, paginators, decoding that names the failing field, idempotency keys,
//! webhook signatures, and OAuth 2.0 with PKCE.

pub mod auth;
pub mod backoff;
pub mod client;
pub mod decode;
mod error;
pub mod idempotency;
pub mod identity;
pub mod oauth;
pub mod paginate;
pub mod rate_limit;
pub mod url_policy;
pub mod webhook;

pub use auth::{AccessTokenSource, Auth};
pub use backoff::{RetryBudget, RetryPolicy};
pub use client::{
    ApiRequest, ApiResponse, Body, ClientOptions, ErrorRules, ProviderSession, build_client,
};
pub use error::{HttpError, Result};
pub use idempotency::IdempotencyKey;
pub use paginate::PageCursor;
pub use rate_limit::{AccountLimiters, RateLimit, RateLimiter};
