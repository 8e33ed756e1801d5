//! Fault injection: scripted failures for the next N API requests of one provider.
//!
//! Counters are independent: a request may be delayed *and* fail. Of drop / 5xx / forced 429,
//! at most one applies per request (in that order). Faults never apply to `/_sandbox/*`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How to corrupt a JSON response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MalformedKind {
    /// Cut the body in half (invalid JSON).
    #[default]
    Truncated,
    /// Valid JSON, but every value of the named field becomes the string `"abc"`
    /// (e.g. `"hours": "abc"`). Falls back to truncation when the field is absent.
    WrongType {
        /// Field name to corrupt, e.g. `hours`.
        field: String,
    },
    /// As `WrongType`, but answers without the field pass unchanged (a stream read after its
    /// parent: only the child's pages are corrupted).
    WrongTypeWhereFound {
        /// Field name to corrupt.
        field: String,
    },
}

/// A script of faults for one provider. All counters count *API* requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultPlan {
    /// The next N requests answer with `server_error_status`.
    pub server_errors: u32,
    /// Status for `server_errors` (0 = 503).
    pub server_error_status: u16,
    /// The next N requests are delayed by `delay_ms` before being handled.
    pub delays: u32,
    /// Delay for `delays`, in milliseconds.
    pub delay_ms: u64,
    /// The next N requests get their connection closed without any response.
    pub dropped_connections: u32,
    /// The next N successful JSON responses are corrupted per `malformed_kind`.
    pub malformed: u32,
    /// How to corrupt them.
    pub malformed_kind: MalformedKind,
    /// The next N requests get a provider-shaped 429 regardless of the real budget.
    pub rate_limit_burst: u32,
    /// `Retry-After` seconds for forced 429s (0 = 1).
    pub retry_after_secs: u64,
    /// The next N requests find an hourly quota spent: Toggl answers 402 with
    /// `X-Toggl-Quota-Resets-In` (`retry_after_secs`); others answer as `rate_limit_burst`.
    pub quota_exhausted: u32,
    /// When set through `set_faults`, revoke every token/key of the provider immediately.
    pub revoke_tokens: bool,
    /// The next N requests are answered normally; the faults above apply to the ones after
    /// (a write's own request, past the lookups that come before it).
    pub pass_first: u32,
    /// The next N requests are handled (a write is applied), then, after `delay_ms`, their
    /// connection is closed without the answer: the client cannot tell whether it happened.
    pub lost_answers: u32,
}

/// What the middleware must do to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Proceed,
    Drop,
    ServerError(u16),
    RateLimited(u64),
    QuotaExhausted(u64),
}

/// The faults chosen for one request.
#[derive(Debug, Clone)]
pub(crate) struct Decision {
    pub delay: Option<Duration>,
    pub action: Action,
    pub malformed: Option<MalformedKind>,
    /// Handle the request, then drop the answer (after this wait).
    pub lose_answer: Option<Duration>,
}

impl FaultPlan {
    /// Consumes the faults that apply to the next request.
    pub(crate) fn take(&mut self) -> Decision {
        if self.pass_first > 0 {
            self.pass_first -= 1;
            // No fault at all for this one.
            return FaultPlan::default().take();
        }
        let lose_answer = (self.lost_answers > 0).then(|| {
            self.lost_answers -= 1;
            Duration::from_millis(self.delay_ms)
        });
        let delay = if self.delays > 0 {
            self.delays -= 1;
            Some(Duration::from_millis(self.delay_ms))
        } else {
            None
        };
        let action = if self.dropped_connections > 0 {
            self.dropped_connections -= 1;
            Action::Drop
        } else if self.server_errors > 0 {
            self.server_errors -= 1;
            Action::ServerError(if self.server_error_status == 0 {
                503
            } else {
                self.server_error_status
            })
        } else if self.rate_limit_burst > 0 {
            self.rate_limit_burst -= 1;
            Action::RateLimited(self.retry_after_secs.max(1))
        } else if self.quota_exhausted > 0 {
            self.quota_exhausted -= 1;
            Action::QuotaExhausted(self.retry_after_secs.max(1))
        } else {
            Action::Proceed
        };
        let malformed = if action == Action::Proceed && self.malformed > 0 {
            self.malformed -= 1;
            Some(self.malformed_kind.clone())
        } else {
            None
        };
        Decision {
            delay,
            action,
            malformed,
            lose_answer,
        }
    }
}

/// Corrupts a JSON body.
pub(crate) fn malform(body: &[u8], kind: &MalformedKind) -> Vec<u8> {
    if let MalformedKind::WrongTypeWhereFound { field } = kind {
        let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) else {
            return body.to_vec();
        };
        if !replace_field(&mut v, field) {
            return body.to_vec();
        }
        return serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec());
    }
    if let MalformedKind::WrongType { field } = kind
        && let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body)
        && replace_field(&mut v, field)
        && let Ok(out) = serde_json::to_vec(&v)
    {
        return out;
    }
    let cut = (body.len() / 2).max(1).min(body.len().saturating_sub(1));
    body[..cut].to_vec()
}

fn replace_field(v: &mut serde_json::Value, field: &str) -> bool {
    let mut hit = false;
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if k == field {
                    *val = serde_json::Value::String("abc".into());
                    hit = true;
                } else {
                    hit |= replace_field(val, field);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                hit |= replace_field(item, field);
            }
        }
        _ => {}
    }
    hit
}
