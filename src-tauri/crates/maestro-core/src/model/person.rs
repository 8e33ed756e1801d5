//! Company, employees and contractors.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Address, Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::sensitive::Sensitive;

/// The employer as a provider describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Display name.
    pub name: String,
    /// Registered legal name.
    pub legal_name: Option<String>,
    /// Federal employer identification number(s) (EIN), as given.
    #[serde(default)]
    pub eins: Vec<String>,
    /// Legal entity type (e.g. `"LLC"`), as given.
    pub entity_type: Option<String>,
    /// Main contact email.
    pub email: Option<String>,
    /// Main phone number.
    pub phone: Option<String>,
    /// Headquarters or mailing address.
    pub address: Option<Address>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Employment status of a person (Merge `employment_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    /// Currently working.
    Active,
    /// Hired, not started yet (onboarding).
    Pending,
    /// On leave or otherwise not active, but not terminated.
    Inactive,
    /// Employment ended.
    Terminated,
}

/// What a phone number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// Work line.
    Work,
    /// Home line.
    Home,
    /// Mobile phone.
    Mobile,
    /// Anything else.
    Other,
}

/// A phone number as given by the provider (not normalised).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// The number as text.
    pub number: String,
    /// What it is for.
    pub kind: PhoneKind,
}

/// A person employed by the company (Merge `Employee`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employee {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Given name.
    pub first_name: Option<String>,
    /// Middle name(s).
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Name the person goes by.
    pub preferred_name: Option<String>,
    /// Full name as the provider displays it.
    pub display_full_name: Option<String>,
    /// Employer-assigned employee number.
    pub employee_number: Option<String>,
    /// Work email (the main identity-resolution key).
    pub work_email: Option<String>,
    /// Personal email.
    pub personal_email: Option<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Date of birth (sensitive; synced only on opt-in).
    pub date_of_birth: Option<Sensitive<NaiveDate>>,
    /// Social security number or national id (sensitive; synced only on opt-in).
    pub ssn: Option<Sensitive<String>>,
    /// Current employment status.
    pub employment_status: EmploymentStatus,
    /// Date hired (most recent hire if rehired).
    pub hire_date: Option<NaiveDate>,
    /// First working day.
    pub start_date: Option<NaiveDate>,
    /// Last day of employment, if terminated.
    pub termination_date: Option<NaiveDate>,
    /// Remote id of the manager's employee record.
    pub manager_remote_id: Option<String>,
    /// Remote id of the department (or team).
    pub department_remote_id: Option<String>,
    /// Remote id of the work location.
    pub work_location_remote_id: Option<String>,
    /// Remote id of the home location.
    pub home_location_remote_id: Option<String>,
    /// Provider custom fields, by provider field name.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Whether a contractor is a person or a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractorType {
    /// A self-employed person.
    Individual,
    /// A company.
    Business,
}

/// A 1099 contractor (individual or business).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contractor {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Individual or business.
    pub contractor_type: Option<ContractorType>,
    /// Given name (individuals).
    pub first_name: Option<String>,
    /// Family name (individuals).
    pub last_name: Option<String>,
    /// Business name (businesses, or an individual's trade name).
    pub business_name: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// SSN or EIN (sensitive; synced only on opt-in).
    pub tax_id: Option<Sensitive<String>>,
    /// Engagement status (active, inactive, terminated…).
    pub status: EmploymentStatus,
    /// First day of the engagement.
    pub start_date: Option<NaiveDate>,
    /// Mailing address.
    pub address: Option<Address>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}
