//! The canonical HR model: one shape per entity, whatever the provider.
//!
//! Modelled on Merge's HRIS common models and Finch's pay statements. Every entity carries:
//! - `provenance`: which connection and remote record it came from ([`Provenance`]);
//! - `company_id`: the company it belongs to (companies are never mixed in a query);
//! - `raw`: the provider payload, kept for field mapping and custom fields.
//!
//! **References** between records are plain remote id strings in fields named `*_remote_id`
//! (e.g. `Employee::manager_remote_id`). A reference is interpreted within the same connection
//! as the record holding it (`provenance.connection_id`); the sync layer resolves it to a local
//! [`RecordId`](crate::ids::RecordId).
//!
//! Serde: snake_case fields and enum values, dates `YYYY-MM-DD`, instants RFC 3339 UTC, money as
//! `{"amount":"12.34","currency":"USD"}`, quantities (hours, days) as exact decimal strings.
//! Sensitive values are wrapped in [`Sensitive`](crate::sensitive::Sensitive) and are always
//! `Option`, because they are synced only when the owner opts in.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ids::{CompanyId, ConnectionId};

mod benefits;
mod employment;
mod other;
mod payroll;
mod person;
mod raw;
mod time;

pub use benefits::{
    BenefitEnrollment, BenefitKind, BenefitPlan, Dependent, EnrollmentStatus, Relationship,
};
pub use employment::{
    Compensation, Department, Employment, EmploymentType, FlsaStatus, Location, LocationType,
    PayFrequency, PayPeriod,
};
pub use other::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, BankAccount, BankAccountType,
    Candidate, SignatureDocument, SignatureRequest, SignatureRequestStatus, Signer, SignerStatus,
};
pub use payroll::{
    Contribution, Deduction, Earning, EarningKind, PayStatement, PaymentMethod, PayrollRun,
    PayrollRunStatus, PayrollRunType, PayrollTotals, Tax, TaxKind,
};
pub use person::{
    Company, Contractor, ContractorType, Employee, EmploymentStatus, PhoneKind, PhoneNumber,
};
pub use raw::RawPayload;
pub use time::{
    TimeEntry, TimeOffBalance, TimeOffKind, TimeOffPolicy, TimeOffRequest, TimeOffStatus, TimeUnit,
    TimesheetEntry,
};

/// Every canonical entity type, with a stable snake_case name used in storage and APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// [`Company`].
    Company,
    /// [`Employee`].
    Employee,
    /// [`Employment`].
    Employment,
    /// [`Compensation`].
    Compensation,
    /// [`Department`].
    Department,
    /// [`Location`].
    Location,
    /// [`TimeOffPolicy`].
    TimeOffPolicy,
    /// [`TimeOffRequest`].
    TimeOffRequest,
    /// [`TimeOffBalance`].
    TimeOffBalance,
    /// [`TimeEntry`].
    TimeEntry,
    /// [`TimesheetEntry`].
    TimesheetEntry,
    /// [`PayrollRun`].
    PayrollRun,
    /// [`PayStatement`].
    PayStatement,
    /// [`BenefitPlan`].
    BenefitPlan,
    /// [`BenefitEnrollment`].
    BenefitEnrollment,
    /// [`BankAccount`].
    BankAccount,
    /// [`Dependent`].
    Dependent,
    /// [`BackgroundCheck`].
    BackgroundCheck,
    /// [`SignatureRequest`].
    SignatureRequest,
    /// [`Contractor`].
    Contractor,
    /// [`Candidate`].
    Candidate,
}

/// An entity kind name that is not one of [`EntityKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entity kind {0:?}")]
pub struct UnknownEntityKind(pub String);

impl EntityKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [EntityKind] = &[
        EntityKind::Company,
        EntityKind::Employee,
        EntityKind::Employment,
        EntityKind::Compensation,
        EntityKind::Department,
        EntityKind::Location,
        EntityKind::TimeOffPolicy,
        EntityKind::TimeOffRequest,
        EntityKind::TimeOffBalance,
        EntityKind::TimeEntry,
        EntityKind::TimesheetEntry,
        EntityKind::PayrollRun,
        EntityKind::PayStatement,
        EntityKind::BenefitPlan,
        EntityKind::BenefitEnrollment,
        EntityKind::BankAccount,
        EntityKind::Dependent,
        EntityKind::BackgroundCheck,
        EntityKind::SignatureRequest,
        EntityKind::Contractor,
        EntityKind::Candidate,
    ];

    /// Stable snake_case name, identical to the serde form (`"pay_statement"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Company => "company",
            EntityKind::Employee => "employee",
            EntityKind::Employment => "employment",
            EntityKind::Compensation => "compensation",
            EntityKind::Department => "department",
            EntityKind::Location => "location",
            EntityKind::TimeOffPolicy => "time_off_policy",
            EntityKind::TimeOffRequest => "time_off_request",
            EntityKind::TimeOffBalance => "time_off_balance",
            EntityKind::TimeEntry => "time_entry",
            EntityKind::TimesheetEntry => "timesheet_entry",
            EntityKind::PayrollRun => "payroll_run",
            EntityKind::PayStatement => "pay_statement",
            EntityKind::BenefitPlan => "benefit_plan",
            EntityKind::BenefitEnrollment => "benefit_enrollment",
            EntityKind::BankAccount => "bank_account",
            EntityKind::Dependent => "dependent",
            EntityKind::BackgroundCheck => "background_check",
            EntityKind::SignatureRequest => "signature_request",
            EntityKind::Contractor => "contractor",
            EntityKind::Candidate => "candidate",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = UnknownEntityKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntityKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEntityKind(s.to_owned()))
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// The connection that read it.
    pub connection_id: ConnectionId,
    /// Connector id, e.g. `"gusto"`, `"bamboohr"`.
    pub provider: String,
    /// The provider's id for this record.
    pub remote_id: String,
    /// When the provider says it last changed, if it says.
    pub remote_modified_at: Option<DateTime<Utc>>,
}

impl Provenance {
    /// Provenance without a remote modification time.
    pub fn new(
        connection_id: ConnectionId,
        provider: impl Into<String>,
        remote_id: impl Into<String>,
    ) -> Self {
        Provenance {
            connection_id,
            provider: provider.into(),
            remote_id: remote_id.into(),
            remote_modified_at: None,
        }
    }
}

/// A postal address; every part optional because providers fill them unevenly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// First street line.
    pub street_1: Option<String>,
    /// Second street line (suite, unit).
    pub street_2: Option<String>,
    /// City or locality.
    pub city: Option<String>,
    /// State, province or region (e.g. `"CA"`).
    pub state: Option<String>,
    /// Postal or ZIP code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code (e.g. `"US"`).
    pub country: Option<String>,
}

/// Implemented by every canonical entity struct.
pub trait CanonicalEntity: Serialize + DeserializeOwned + Clone + fmt::Debug {
    /// The entity's kind.
    const KIND: EntityKind;

    /// Where the record came from.
    fn provenance(&self) -> &Provenance;

    /// The provider payload it was mapped from.
    fn raw(&self) -> &RawPayload;

    /// Replaces the provider payload (a stored record's payload is kept apart from its data).
    fn set_raw(&mut self, raw: RawPayload);

    /// The company it belongs to.
    fn company_id(&self) -> CompanyId;

    /// Shortcut for `provenance().remote_id`.
    fn remote_id(&self) -> &str {
        &self.provenance().remote_id
    }
}

macro_rules! canonical {
    ($($ty:ident),* $(,)?) => {
        $(
            impl CanonicalEntity for $ty {
                const KIND: EntityKind = EntityKind::$ty;

                fn provenance(&self) -> &Provenance {
                    &self.provenance
                }

                fn raw(&self) -> &RawPayload {
                    &self.raw
                }

                fn set_raw(&mut self, raw: RawPayload) {
                    self.raw = raw;
                }

                fn company_id(&self) -> CompanyId {
                    self.company_id
                }
            }
        )*

        /// Any canonical entity, tagged with its kind: `{"kind":"employee","data":{…}}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "data", rename_all = "snake_case")]
        #[allow(clippy::large_enum_variant)]
        pub enum CanonicalRecord {
            $(
                #[doc = concat!("A [`", stringify!($ty), "`].")]
                $ty($ty),
            )*
        }

        impl CanonicalRecord {
            /// The record's kind.
            pub fn kind(&self) -> EntityKind {
                match self {
                    $(CanonicalRecord::$ty(_) => EntityKind::$ty,)*
                }
            }

            /// Where the record came from.
            pub fn provenance(&self) -> &Provenance {
                match self {
                    $(CanonicalRecord::$ty(e) => &e.provenance,)*
                }
            }

            /// The provider payload.
            pub fn raw(&self) -> &RawPayload {
                match self {
                    $(CanonicalRecord::$ty(e) => &e.raw,)*
                }
            }

            /// Moves the provider payload out, leaving `null` (for storing it without a copy).
            pub fn take_raw(&mut self) -> RawPayload {
                match self {
                    $(CanonicalRecord::$ty(e) => std::mem::take(&mut e.raw),)*
                }
            }

            /// The company it belongs to.
            pub fn company_id(&self) -> CompanyId {
                match self {
                    $(CanonicalRecord::$ty(e) => e.company_id,)*
                }
            }

            /// Decodes a record of a known kind from its JSON form (as stored).
            pub fn from_json(
                kind: EntityKind,
                value: serde_json::Value,
            ) -> Result<CanonicalRecord, serde_json::Error> {
                Ok(match kind {
                    $(EntityKind::$ty => CanonicalRecord::$ty(serde_json::from_value(value)?),)*
                })
            }

            /// Encodes the entity itself (without the kind tag) as JSON.
            pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                match self {
                    $(CanonicalRecord::$ty(e) => serde_json::to_value(e),)*
                }
            }

            /// Appends the entity's canonical JSON text (keys sorted, no kind tag) without its
            /// payload: [`CanonicalRecord::to_json`] less `raw`, written as
            /// [`crate::canonical_json::write_value`] writes it, without building the tree.
            pub fn write_data_text(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
                match self {
                    $(CanonicalRecord::$ty(e) => {
                        crate::canonical_json::write_canonical_of(e, &["raw"], out)
                    })*
                }
            }
        }

        $(
            impl From<$ty> for CanonicalRecord {
                fn from(entity: $ty) -> Self {
                    CanonicalRecord::$ty(entity)
                }
            }
        )*
    };
}

canonical!(
    Company,
    Employee,
    Employment,
    Compensation,
    Department,
    Location,
    TimeOffPolicy,
    TimeOffRequest,
    TimeOffBalance,
    TimeEntry,
    TimesheetEntry,
    PayrollRun,
    PayStatement,
    BenefitPlan,
    BenefitEnrollment,
    BankAccount,
    Dependent,
    BackgroundCheck,
    SignatureRequest,
    Contractor,
    Candidate,
);

#[cfg(test)]
mod tests;

/// Canonical field names that hold [`Sensitive`](crate::sensitive::Sensitive) values. Exports and
/// other plain-text outputs mask these unless the owner explicitly asks for them.
pub const SENSITIVE_FIELDS: &[&str] = &[
    "ssn",
    "date_of_birth",
    "routing_number",
    "account_number",
    "tax_id",
];

/// Provider payload keys that carry the same sensitive values under the providers' own names
/// (BambooHR `birthDate`, Gusto `date_of_birth` and `ssn`, bank numbers…).
pub const SENSITIVE_RAW_KEYS: &[&str] = &[
    "ssn",
    "social_security_number",
    "socialSecurityNumber",
    "date_of_birth",
    "dateOfBirth",
    "birthDate",
    "birth_date",
    "dob",
    "routing_number",
    "routingNumber",
    "account_number",
    "accountNumber",
    "tax_id",
    "taxId",
];

/// Removes every sensitive key ([`SENSITIVE_FIELDS`], [`SENSITIVE_RAW_KEYS`]) from a JSON
/// value, at any depth.
pub fn strip_sensitive(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| {
                !SENSITIVE_FIELDS.contains(&k.as_str()) && !SENSITIVE_RAW_KEYS.contains(&k.as_str())
            });
            map.values_mut().for_each(strip_sensitive);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_sensitive),
        _ => {}
    }
}

impl CanonicalRecord {
    /// The same record without sensitive values: canonical sensitive fields emptied and the
    /// provider payload stripped of the providers' names for them. Used when the owner has not
    /// opted in to syncing SSNs, birth dates and bank numbers for a connection.
    pub fn without_sensitive(&self) -> Result<CanonicalRecord, serde_json::Error> {
        let mut data = self.to_json()?;
        strip_sensitive(&mut data);
        CanonicalRecord::from_json(self.kind(), data)
    }

    /// True for kinds that can carry sensitive values.
    pub fn may_hold_sensitive(&self) -> bool {
        matches!(
            self.kind(),
            EntityKind::Employee
                | EntityKind::Dependent
                | EntityKind::BankAccount
                | EntityKind::Contractor
                | EntityKind::BenefitEnrollment
        )
    }
}
