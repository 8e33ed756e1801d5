//! Mappers: one provider record (its JSON text) → canonical records. Typed Rust, one small
//! function per stream; the engine does everything else.

mod adp;
mod checkr;
mod clockify;
mod goodhire;
pub(crate) mod hours;
mod justworks;
mod paychex;
mod quickbooks;
mod rippling;
mod toggl;
mod trinet;
mod zenefits;

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{CanonicalRecord, Employee, EmploymentStatus, Provenance, RawPayload};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// What a mapper knows besides the record.
#[derive(Debug, Clone, Copy)]
pub struct MapCtx<'a> {
    /// The company the records belong to.
    pub company_id: CompanyId,
    /// The connection reading them.
    pub connection_id: ConnectionId,
    /// The provider's id (provenance).
    pub provider: &'a str,
    /// The parent record of a partitioned stream (Clockify's user, for its time zone).
    pub parent: Option<&'a RawValue>,
}

/// Why a record could not be mapped: the field path inside the record, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    /// Path inside the record, e.g. `timeInterval.start`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Maps one record. A record may give several canonical records (a report row with several
/// entries) or none (a running timer, not yet time worked).
pub type Mapper = fn(&MapCtx<'_>, &RawValue) -> Result<Vec<CanonicalRecord>, MapError>;

impl MapCtx<'_> {
    /// Provenance of a record with `remote_id`, last changed at `modified`.
    pub fn provenance(&self, remote_id: String, modified: Option<DateTime<Utc>>) -> Provenance {
        Provenance {
            connection_id: self.connection_id,
            provider: self.provider.to_owned(),
            remote_id,
            remote_modified_at: modified,
        }
    }
}

/// An employee as a time tracker knows one: a full name (split at its last space, unless
/// first and last are given), a work email and a status; everything else unknown.
pub fn known_employee(
    ctx: &MapCtx<'_>,
    provenance: Provenance,
    full_name: Option<String>,
    work_email: Option<String>,
    status: EmploymentStatus,
    raw: RawPayload,
) -> Employee {
    let (first_name, last_name) = full_name.as_deref().map(split_name).unwrap_or((None, None));
    Employee {
        provenance,
        company_id: ctx.company_id,
        first_name,
        middle_name: None,
        last_name,
        preferred_name: None,
        display_full_name: full_name,
        employee_number: None,
        work_email,
        personal_email: None,
        phone_numbers: Vec::new(),
        date_of_birth: None,
        ssn: None,
        employment_status: status,
        hire_date: None,
        start_date: None,
        termination_date: None,
        manager_remote_id: None,
        department_remote_id: None,
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw,
    }
}

/// Decodes a record as `T`, naming the failing field on error.
pub fn decode<T: DeserializeOwned>(raw: &RawValue) -> Result<T, MapError> {
    maestro_http::decode::json::<T>("provider", raw.get().as_bytes()).map_err(|e| match e {
        maestro_http::HttpError::Decode { path, message, .. } => MapError { path, message },
        other => MapError {
            path: "(record)".into(),
            message: other.to_string(),
        },
    })
}

/// A mapping error at `path` (a field of the record) saying what is wrong with it.
pub fn bad(path: &str, message: impl Into<String>) -> MapError {
    MapError {
        path: path.into(),
        message: message.into(),
    }
}

/// A `YYYY-MM-DD` date, or the date part of a timestamp that starts with one; blank is none.
pub fn date_prefix(path: &str, text: Option<&str>) -> Result<Option<NaiveDate>, MapError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    t.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(Some)
        .ok_or_else(|| bad(path, format!("`{t}` is not a date (YYYY-MM-DD)")))
}

/// Text that is present and not blank.
pub fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Splits a full name at its last space: ("Ana María", "López") — a guess, kept only where the
/// provider has no separate fields; the full name is kept as given.
pub fn split_name(full: &str) -> (Option<String>, Option<String>) {
    let full = full.trim();
    match full.rsplit_once(' ') {
        Some((first, last)) => (non_empty(Some(first)), non_empty(Some(last))),
        None => (non_empty(Some(full)), None),
    }
}

/// Every mapper compiled in, by the name provider files use.
pub fn builtin() -> Vec<(String, Mapper)> {
    vec![
        ("clockify.user".into(), clockify::user as Mapper),
        ("clockify.time_entry".into(), clockify::time_entry as Mapper),
        ("toggl.user".into(), toggl::user as Mapper),
        ("toggl.time_entry".into(), toggl::time_entry as Mapper),
        ("checkr.candidate".into(), checkr::candidate as Mapper),
        ("checkr.report".into(), checkr::report as Mapper),
        ("checkr.invitation".into(), checkr::invitation as Mapper),
        ("goodhire.report".into(), goodhire::report as Mapper),
        ("rippling.worker".into(), rippling::worker as Mapper),
        ("rippling.department".into(), rippling::department as Mapper),
        (
            "rippling.work_location".into(),
            rippling::work_location as Mapper,
        ),
        (
            "rippling.compensation".into(),
            rippling::compensation as Mapper,
        ),
        ("zenefits.person".into(), zenefits::person as Mapper),
        ("zenefits.employment".into(), zenefits::employment as Mapper),
        ("zenefits.department".into(), zenefits::department as Mapper),
        ("zenefits.location".into(), zenefits::location as Mapper),
        ("adp.worker".into(), adp::worker as Mapper),
        ("adp.employment".into(), adp::employment as Mapper),
        ("adp.pay_statement".into(), adp::pay_statement as Mapper),
        ("trinet.employee".into(), trinet::employee as Mapper),
        ("trinet.employment".into(), trinet::employment as Mapper),
        ("trinet.department".into(), trinet::department as Mapper),
        ("trinet.location".into(), trinet::location as Mapper),
        ("justworks.company".into(), justworks::company as Mapper),
        ("justworks.member".into(), justworks::member as Mapper),
        (
            "justworks.deduction_type".into(),
            justworks::deduction_type as Mapper,
        ),
        ("justworks.deduction".into(), justworks::deduction as Mapper),
        ("quickbooks.employee".into(), quickbooks::employee as Mapper),
        ("quickbooks.vendor".into(), quickbooks::vendor as Mapper),
        (
            "quickbooks.time_activity".into(),
            quickbooks::time_activity as Mapper,
        ),
        (
            "quickbooks.department".into(),
            quickbooks::department as Mapper,
        ),
        ("quickbooks.class".into(), quickbooks::class as Mapper),
        ("paychex.worker".into(), paychex::worker as Mapper),
        ("paychex.pay_rate".into(), paychex::pay_rate as Mapper),
        ("paychex.pay_period".into(), paychex::pay_period as Mapper),
        ("paychex.check".into(), paychex::check as Mapper),
        (
            "harvest.user".into(),
            crate::providers::harvest::user as Mapper,
        ),
        (
            "harvest.time_entry".into(),
            crate::providers::harvest::time_entry as Mapper,
        ),
    ]
}

/// Helpers for the mappers' unit tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod test_support {
    use maestro_core::ids::{CompanyId, ConnectionId};
    use serde_json::value::RawValue;

    use super::MapCtx;

    /// `text` as a raw JSON value.
    pub(crate) fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    /// A mapping context of `provider` for a new company and connection.
    pub(crate) fn ctx<'a>(provider: &'static str, parent: Option<&'a RawValue>) -> MapCtx<'a> {
        MapCtx {
            company_id: CompanyId::new(),
            connection_id: ConnectionId::new(),
            provider,
            parent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_last_space() {
        assert_eq!(
            split_name(" Ana María López "),
            (Some("Ana María".into()), Some("López".into()))
        );
        assert_eq!(split_name("Cher"), (Some("Cher".into()), None));
        assert_eq!(split_name(""), (None, None));
    }
}
