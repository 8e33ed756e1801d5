//! Benefit plans, enrollments and dependents.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::money::{Money, decimal_str_option};
use crate::sensitive::Sensitive;

/// The kind of benefit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitKind {
    /// Medical insurance.
    Medical,
    /// Dental insurance.
    Dental,
    /// Vision insurance.
    Vision,
    /// Life insurance.
    Life,
    /// Disability insurance.
    Disability,
    /// Retirement plan (401(k), 403(b), pension).
    Retirement,
    /// Health savings account.
    Hsa,
    /// Flexible spending account.
    Fsa,
    /// Commuter benefit.
    Commuter,
    /// Anything else (the provider's label is in `raw`).
    Other,
}

/// A benefit plan offered by the company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenefitPlan {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Plan name.
    pub name: String,
    /// Kind of benefit.
    pub kind: BenefitKind,
    /// Carrier or administrator (e.g. "Aetna").
    pub carrier: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Status of an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Enrolled and covered.
    Active,
    /// Elected, coverage not started or awaiting approval.
    Pending,
    /// Declined by the employee.
    Waived,
    /// Coverage ended.
    Terminated,
}

/// An employee's enrollment in a plan, with per-pay-period contributions.
///
/// A contribution is either money per pay period (`*_contribution`, exact amount and currency)
/// or a share of pay (`*_contribution_percent`, e.g. `5` for 5 % of gross): a percentage is not
/// money, so it never goes into a [`Money`] field, and at most one of the pair is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenefitEnrollment {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Remote id of the plan.
    pub plan_remote_id: String,
    /// Status.
    pub status: Option<EnrollmentStatus>,
    /// Employee contribution per pay period.
    pub employee_contribution: Option<Money>,
    /// Company contribution per pay period.
    pub company_contribution: Option<Money>,
    /// First covered day.
    pub coverage_start: Option<NaiveDate>,
    /// Last covered day.
    pub coverage_end: Option<NaiveDate>,
    /// Employee contribution as a percentage of pay (`5` is 5 %), when it is not an amount.
    #[serde(default, with = "decimal_str_option")]
    pub employee_contribution_percent: Option<Decimal>,
    /// Company contribution as a percentage of pay (`5` is 5 %), when it is not an amount.
    #[serde(default, with = "decimal_str_option")]
    pub company_contribution_percent: Option<Decimal>,
    /// First payroll day the deduction is taken, when the provider says (may differ from
    /// coverage).
    #[serde(default)]
    pub deduction_start: Option<NaiveDate>,
    /// Last payroll day the deduction is taken, when the provider says.
    #[serde(default)]
    pub deduction_end: Option<NaiveDate>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// A dependent's relationship to the employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Spouse.
    Spouse,
    /// Domestic partner.
    DomesticPartner,
    /// Child (including step and foster).
    Child,
    /// Anything else.
    Other,
}

/// A dependent of an employee (for benefits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependent {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Relationship to the employee.
    pub relationship: Option<Relationship>,
    /// Date of birth (sensitive; synced only on opt-in).
    pub date_of_birth: Option<Sensitive<NaiveDate>>,
    /// SSN (sensitive; synced only on opt-in).
    pub ssn: Option<Sensitive<String>>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}
