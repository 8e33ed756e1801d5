//! Routes: what flows where, planned from the canonical records already synced.
//!
//! Planning is pure: given the records of a source and a target system it produces the writes
//! to make ([`WriteOp`](maestro_connectors::WriteOp)), each with a deterministic idempotency key
//! derived from the route, the action, the source record and its version, and a field-by-field
//! diff for the owner. Running them is the outbox's job (in `maestro-app`).
//!
//! - [`hris`]: HRIS → payroll, new hires and terminations.
//! - [`hours`]: time tracking → payroll, hours per employee per pay period, with the
//!   calculation shown.
//! - [`checks`]: HRIS → background checks, an order for each new hire, always approved first.
//!
//! People are matched across systems by normalised work email ([`match_key`]). Identity links
//! (confirmed by the owner) will replace this function; every caller goes through it.

pub mod checks;
pub mod hours;
pub mod hris;

use maestro_core::ids::RecordId;
use serde::{Deserialize, Serialize};

/// Exact decimal numbers (hours), re-exported for callers that do not depend on the crate.
pub use rust_decimal::Decimal;

/// A route between two kinds of system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// HRIS → payroll: new hires and terminations.
    HrisToPayroll,
    /// Time tracking → payroll: hours per employee per pay period.
    TimeToPayroll,
    /// HRIS → background checks: an order for each new hire, after the owner's approval.
    HrisToBackgroundCheck,
}

impl Route {
    /// Every route this build plans.
    pub const ALL: &'static [Route] = &[
        Route::HrisToPayroll,
        Route::TimeToPayroll,
        Route::HrisToBackgroundCheck,
    ];

    /// Stable name, as stored and typed on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Route::HrisToPayroll => "hris_to_payroll",
            Route::TimeToPayroll => "time_to_payroll",
            Route::HrisToBackgroundCheck => "hris_to_background_checks",
        }
    }

    /// What the route does, in plain words.
    pub const fn label(self) -> &'static str {
        match self {
            Route::HrisToPayroll => "HRIS → payroll (new hires and terminations)",
            Route::TimeToPayroll => "Time tracking → payroll (hours per pay period)",
            Route::HrisToBackgroundCheck => {
                "HRIS → background checks (new hires, each order approved by you)"
            }
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Route {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "there is no route called '{s}'; routes: {}",
                    Route::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// The key two records of the same person share: the work email, trimmed and lower-cased.
/// `None` when there is no usable email.
///
/// This is the one place people are matched across systems; it will give way to the identity
/// links the owner confirms.
pub fn match_key(email: Option<&str>) -> Option<String> {
    let e = email?.trim().to_lowercase();
    (e.len() >= 3 && e.contains('@')).then_some(e)
}

/// "One live write per subject": the route, the action and the source record.
pub fn subject(route: Route, action: &str, source: RecordId) -> String {
    format!("{route}:{action}:{source}")
}

/// The idempotency key of a write: the subject plus the source record's version, so planning
/// the same record version again yields the same key.
pub fn idempotency_key(route: Route, action: &str, source: RecordId, version: i64) -> String {
    format!("{}:v{version}", subject(route, action, source))
}

/// One field of a planned write: what the target holds now and what it will hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Canonical field name.
    pub field: String,
    /// Current value at the target (None = not set, or the record does not exist yet).
    pub before: Option<String>,
    /// Value to be written.
    pub after: Option<String>,
}

impl FieldChange {
    /// A change of `field`.
    pub fn new(field: &str, before: Option<String>, after: Option<String>) -> Self {
        FieldChange {
            field: field.to_owned(),
            before,
            after,
        }
    }
}

/// Something a route did not plan, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Who or what (a person's name and email).
    pub who: String,
    /// Why, in plain words, with what to do.
    pub reason: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn emails_match_whatever_their_case_and_spaces() {
        assert_eq!(
            match_key(Some("  Ada.Lovelace@Bluebird.Example ")),
            Some("ada.lovelace@bluebird.example".into())
        );
        assert_eq!(match_key(Some("   ")), None);
        assert_eq!(match_key(Some("not-an-email")), None);
        assert_eq!(match_key(None), None);
    }

    #[test]
    fn keys_are_stable_and_change_with_the_version() {
        let r: RecordId = "0190b1d4-0000-7000-8000-000000000001".parse().unwrap();
        let k1 = idempotency_key(Route::HrisToPayroll, "create_employee", r, 1);
        assert_eq!(
            k1,
            idempotency_key(Route::HrisToPayroll, "create_employee", r, 1)
        );
        assert_ne!(
            k1,
            idempotency_key(Route::HrisToPayroll, "create_employee", r, 2)
        );
        assert!(k1.starts_with(&subject(Route::HrisToPayroll, "create_employee", r)));
        assert_eq!(
            "hris_to_payroll".parse::<Route>().unwrap(),
            Route::HrisToPayroll
        );
        assert!("payroll".parse::<Route>().is_err());
    }
}
