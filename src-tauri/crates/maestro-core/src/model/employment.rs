//! Jobs, pay rates, compensation history, departments and locations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Address, Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::money::Money;

/// The period a pay rate is expressed in (Merge `pay_period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayPeriod {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week.
    Week,
    /// Per two weeks.
    TwoWeeks,
    /// Per half month.
    HalfMonth,
    /// Per month.
    Month,
    /// Per quarter.
    Quarter,
    /// Per year.
    Year,
}

/// How often the person is paid (Merge `pay_frequency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayFrequency {
    /// Every week.
    Weekly,
    /// Every two weeks.
    Biweekly,
    /// Twice a month.
    Semimonthly,
    /// Every month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// Twice a year.
    Semiannually,
    /// Once a year.
    Annually,
    /// Thirteen times a year.
    ThirteenMonthly,
    /// Pro rata (irregular).
    ProRata,
}

/// US FLSA overtime classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlsaStatus {
    /// Exempt from overtime.
    Exempt,
    /// Salaried but entitled to overtime.
    SalariedNonExempt,
    /// Hourly, entitled to overtime.
    NonExempt,
    /// Owner (not covered).
    Owner,
}

/// The kind of working relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentType {
    /// Full-time employee.
    FullTime,
    /// Part-time employee.
    PartTime,
    /// Intern.
    Intern,
    /// Contractor.
    Contractor,
    /// Freelancer.
    Freelance,
    /// Seasonal worker.
    Seasonal,
    /// Temporary worker.
    Temporary,
}

/// A job held by an employee, with its current pay (Merge `Employment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employment {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee holding the job.
    pub employee_remote_id: String,
    /// Job title.
    pub job_title: Option<String>,
    /// Pay rate per `pay_period`.
    pub pay_rate: Option<Money>,
    /// The period `pay_rate` is expressed in.
    pub pay_period: Option<PayPeriod>,
    /// How often the person is paid.
    pub pay_frequency: Option<PayFrequency>,
    /// Overtime classification.
    pub flsa_status: Option<FlsaStatus>,
    /// Full-time, part-time, contractor…
    pub employment_type: Option<EmploymentType>,
    /// Date from which this job and pay apply.
    pub effective_date: Option<NaiveDate>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// One row of compensation history: a rate that applied from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compensation {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Remote id of the job (employment) it applies to, if the provider has one.
    pub employment_remote_id: Option<String>,
    /// Date from which the rate applies.
    pub effective_date: NaiveDate,
    /// The rate per `period`.
    pub rate: Money,
    /// The period `rate` is expressed in.
    pub period: PayPeriod,
    /// Overtime classification at that time.
    pub flsa_status: Option<FlsaStatus>,
    /// Why it changed (raise, promotion…), as given.
    pub reason: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// A department or team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Name.
    pub name: String,
    /// Remote id of the parent department, if nested.
    pub parent_remote_id: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Whether a location is an office or someone's home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationType {
    /// A home address.
    Home,
    /// A work site.
    Work,
}

/// A work site or home address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Name (e.g. "Main office").
    pub name: Option<String>,
    /// Home or work.
    pub location_type: Option<LocationType>,
    /// Postal address.
    #[serde(default)]
    pub address: Address,
    /// IANA time zone (e.g. `"America/Chicago"`), when the provider gives one.
    pub time_zone: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}
