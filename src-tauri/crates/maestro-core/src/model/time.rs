//! Time off, tracked time and payroll hours.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::payroll::EarningKind;
use super::{Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::money::{Money, decimal_str, decimal_str_option};

/// The unit a time-off amount is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Hours.
    Hours,
    /// Days.
    Days,
}

/// The kind of leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOffKind {
    /// Vacation / paid time off.
    Vacation,
    /// Sick leave.
    Sick,
    /// Personal days.
    Personal,
    /// Jury duty.
    JuryDuty,
    /// Volunteering.
    Volunteer,
    /// Bereavement.
    Bereavement,
    /// Public or company holiday.
    Holiday,
    /// Parental leave.
    Parental,
    /// Anything else (the provider's label is in `raw`).
    Other,
}

/// A time-off policy (e.g. "PTO 15 days").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeOffPolicy {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Name.
    pub name: String,
    /// Kind of leave.
    pub kind: Option<TimeOffKind>,
    /// Unit balances and requests are counted in.
    pub unit: Option<TimeUnit>,
    /// Whether the leave is paid.
    pub paid: Option<bool>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Status of a time-off request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeOffStatus {
    /// Waiting for approval.
    Requested,
    /// Approved.
    Approved,
    /// Declined.
    Declined,
    /// Cancelled by the requester.
    Cancelled,
    /// Deleted in the provider.
    Deleted,
}

/// A request for leave over a range of calendar dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeOffRequest {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Remote id of the policy it draws from.
    pub policy_remote_id: Option<String>,
    /// Remote id of the approver.
    pub approver_remote_id: Option<String>,
    /// Status.
    pub status: TimeOffStatus,
    /// Kind of leave.
    pub kind: Option<TimeOffKind>,
    /// First day off (inclusive).
    pub start_date: NaiveDate,
    /// Last day off (inclusive).
    pub end_date: NaiveDate,
    /// Amount requested, in `unit`.
    #[serde(default, with = "decimal_str_option")]
    pub amount: Option<Decimal>,
    /// Unit of `amount`.
    pub unit: Option<TimeUnit>,
    /// The employee's note.
    pub note: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// An employee's balance in one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeOffBalance {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Remote id of the policy.
    pub policy_remote_id: String,
    /// Available balance, in `unit`.
    #[serde(with = "decimal_str")]
    pub balance: Decimal,
    /// Amount used so far, in `unit`.
    #[serde(default, with = "decimal_str_option")]
    pub used: Option<Decimal>,
    /// Unit of `balance` and `used`.
    pub unit: TimeUnit,
    /// Date the balance is valid for.
    pub as_of: Option<NaiveDate>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Tracked time from a time-tracking tool (Harvest, Toggl, Clockify).
///
/// `work_date` is the local calendar day the work belongs to. `started_at`/`ended_at` are
/// instants in UTC when the tool records them (Harvest often gives only a date and hours); a
/// running timer has `started_at` but no `ended_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeEntry {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the person (user) who tracked it.
    pub employee_remote_id: String,
    /// Local calendar date of the work.
    pub work_date: NaiveDate,
    /// Start instant, if recorded.
    pub started_at: Option<DateTime<Utc>>,
    /// End instant; `None` while a timer runs.
    pub ended_at: Option<DateTime<Utc>>,
    /// IANA time zone of the tracker, when given (e.g. `"Europe/Paris"`).
    pub time_zone: Option<String>,
    /// Duration in hours, exact.
    #[serde(with = "decimal_str")]
    pub hours: Decimal,
    /// Remote id of the project.
    pub project_remote_id: Option<String>,
    /// Project name.
    pub project_name: Option<String>,
    /// Task name.
    pub task_name: Option<String>,
    /// Client name.
    pub client_name: Option<String>,
    /// Free-text description.
    pub notes: Option<String>,
    /// Whether the time is billable to a client.
    #[serde(default)]
    pub billable: bool,
    /// Billable (or cost) hourly rate, if the tool has one.
    pub rate: Option<Money>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Hours for payroll: one employee, one day, one earning type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimesheetEntry {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// The day worked.
    pub work_date: NaiveDate,
    /// Hours, exact.
    #[serde(with = "decimal_str")]
    pub hours: Decimal,
    /// Regular, overtime, PTO…
    pub earning_kind: EarningKind,
    /// Free-text description.
    pub notes: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}
