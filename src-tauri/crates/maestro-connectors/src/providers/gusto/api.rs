//! Raw Gusto payloads (embedded API v2025-06-15), only the fields we map. Amounts are decoded
//! exactly while deserialising, so a bad value fails with its field path (`[3].jobs[0].rate`).

use chrono::NaiveDate;
use maestro_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `GET /v1/companies/{company_id}/employees` items and `GET /v1/employees/{employee_id}`.
#[derive(Debug, Deserialize)]
pub struct Employee {
    pub uuid: String,
    pub first_name: Option<String>,
    pub middle_initial: Option<String>,
    pub last_name: Option<String>,
    pub preferred_first_name: Option<String>,
    pub email: Option<String>,
    pub work_email: Option<String>,
    pub phone: Option<String>,
    pub manager_uuid: Option<String>,
    pub department_uuid: Option<String>,
    pub employee_code: Option<String>,
    pub current_employment_status: Option<String>,
    pub terminated: Option<bool>,
    pub onboarded: Option<bool>,
    pub date_of_birth: Option<NaiveDate>,
    pub hired_at: Option<NaiveDate>,
    pub jobs: Option<Vec<Job>>,
    pub terminations: Option<Vec<Termination>>,
}

/// `Job`: rate is a decimal string.
#[derive(Debug, Deserialize)]
pub struct Job {
    pub uuid: String,
    pub employee_uuid: Option<String>,
    pub hire_date: Option<NaiveDate>,
    pub title: Option<String>,
    pub primary: Option<bool>,
    #[serde(default, deserialize_with = "usd")]
    pub rate: Option<Money>,
    pub payment_unit: Option<String>,
    pub current_compensation_uuid: Option<String>,
    pub location_uuid: Option<String>,
    pub compensations: Option<Vec<Compensation>>,
}

/// `Compensation`: rate is a decimal string.
#[derive(Debug, Deserialize)]
pub struct Compensation {
    pub uuid: String,
    pub job_uuid: Option<String>,
    pub employee_uuid: Option<String>,
    #[serde(default, deserialize_with = "usd")]
    pub rate: Option<Money>,
    pub payment_unit: Option<String>,
    pub flsa_status: Option<String>,
    pub effective_date: Option<NaiveDate>,
}

/// `Termination`: `active` is "whether the employee's termination has gone into effect".
#[derive(Debug, Deserialize)]
pub struct Termination {
    pub effective_date: Option<NaiveDate>,
    pub active: Option<bool>,
}

/// `Department`.
#[derive(Debug, Deserialize)]
pub struct Department {
    pub uuid: String,
    pub version: Option<String>,
    pub title: Option<String>,
}

/// `Location`.
#[derive(Debug, Deserialize)]
pub struct Location {
    pub uuid: String,
    pub street_1: Option<String>,
    pub street_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
    pub phone_number: Option<String>,
    pub updated_at: Option<String>,
    pub mailing_address: Option<bool>,
}

/// `Company`.
#[derive(Debug, Deserialize)]
pub struct Company {
    pub uuid: String,
    pub name: Option<String>,
    pub trade_name: Option<String>,
    pub ein: Option<String>,
    pub entity_type: Option<String>,
    pub company_status: Option<String>,
    /// "Company's first invoiceable event date" (its first payroll or contractor payment),
    /// as text: an unreadable one is treated as unknown.
    pub join_date: Option<String>,
    pub locations: Option<Vec<Location>>,
    pub primary_payroll_admin: Option<Admin>,
}

/// `Company.primary_payroll_admin`.
#[derive(Debug, Deserialize)]
pub struct Admin {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// `Payroll-Minimal` (list) and `Payroll-Show` (single, with `employee_compensations`).
#[derive(Debug, Deserialize)]
pub struct Payroll {
    pub uuid: Option<String>,
    pub payroll_uuid: Option<String>,
    pub processed: Option<bool>,
    pub check_date: Option<NaiveDate>,
    pub off_cycle: Option<bool>,
    pub final_termination_payroll: Option<bool>,
    pub pay_period: Option<PayPeriod>,
    pub totals: Option<Totals>,
    pub processing_request: Option<ProcessingRequest>,
    pub employee_compensations: Option<Vec<EmployeeCompensation>>,
}

impl Payroll {
    /// The payroll's id (`payroll_uuid`, or `uuid`).
    pub fn id(&self) -> Option<&str> {
        self.payroll_uuid.as_deref().or(self.uuid.as_deref())
    }
}

/// `Payroll-Pay-Period-Type`.
#[derive(Debug, Deserialize)]
pub struct PayPeriod {
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// `Payroll-Processing-Request`.
#[derive(Debug, Deserialize)]
pub struct ProcessingRequest {
    pub status: Option<String>,
}

/// `Payroll-Totals-Type`: every amount a decimal string.
#[derive(Debug, Deserialize)]
pub struct Totals {
    #[serde(default, deserialize_with = "usd")]
    pub gross_pay: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub net_pay: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub employee_taxes: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub employer_taxes: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub employee_benefits_deductions: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub other_deductions: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub benefits: Option<Money>,
}

/// One employee's pay in a payroll: gross/net are JSON numbers, line amounts mostly strings.
#[derive(Debug, Deserialize)]
pub struct EmployeeCompensation {
    pub employee_uuid: String,
    pub excluded: Option<bool>,
    #[serde(default, deserialize_with = "usd")]
    pub gross_pay: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub net_pay: Option<Money>,
    pub payment_method: Option<String>,
    pub fixed_compensations: Option<Vec<Line>>,
    pub hourly_compensations: Option<Vec<Line>>,
    pub taxes: Option<Vec<TaxLine>>,
    pub deductions: Option<Vec<Line>>,
    pub benefits: Option<Vec<BenefitLine>>,
}

/// A fixed/hourly compensation or a deduction line.
#[derive(Debug, Deserialize)]
pub struct Line {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "usd")]
    pub amount: Option<Money>,
    #[serde(default, deserialize_with = "decimal")]
    pub hours: Option<Decimal>,
    pub amount_type: Option<String>,
}

/// A tax line (amount is a number).
#[derive(Debug, Deserialize)]
pub struct TaxLine {
    pub name: String,
    pub employer: bool,
    #[serde(deserialize_with = "usd")]
    pub amount: Option<Money>,
}

/// A benefit line of a payroll (amounts are numbers).
#[derive(Debug, Deserialize)]
pub struct BenefitLine {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "usd")]
    pub employee_deduction: Option<Money>,
    #[serde(default, deserialize_with = "usd")]
    pub company_contribution: Option<Money>,
}

/// `Time-Off-Policy`.
#[derive(Debug, Deserialize)]
pub struct TimeOffPolicy {
    pub uuid: String,
    pub name: Option<String>,
    pub policy_type: Option<String>,
}

/// `Company-Benefit`.
#[derive(Debug, Deserialize)]
pub struct CompanyBenefit {
    pub uuid: String,
    pub benefit_type: Option<u32>,
    pub description: Option<String>,
}

/// `Employee-Benefit`.
#[derive(Debug, Deserialize)]
pub struct EmployeeBenefit {
    pub uuid: String,
    pub employee_uuid: Option<String>,
    pub company_benefit_uuid: Option<String>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "usd")]
    pub employee_deduction: Option<Money>,
    pub deduct_as_percentage: Option<bool>,
    #[serde(default, deserialize_with = "usd")]
    pub company_contribution: Option<Money>,
    pub contribute_as_percentage: Option<bool>,
    pub contribution: Option<Contribution>,
    pub effective_date: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
}

/// `Employee-Benefit.contribution`: `value` is an amount string, a percentage or tiers.
#[derive(Debug, Deserialize)]
pub struct Contribution {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<Value>,
}

/// A webhook event (`Event`).
#[derive(Debug, Deserialize)]
pub struct Event {
    pub event_type: String,
    pub entity_type: Option<String>,
    pub entity_uuid: Option<String>,
}

/// An amount in USD from a decimal string or a JSON number (read from its text, never as f64
/// arithmetic); null or absent is `None`.
fn usd<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    let Some(text) = number_text(d)? else {
        return Ok(None);
    };
    let mut money = Money::parse(&text, Currency::USD).map_err(serde::de::Error::custom)?;
    if money.amount.scale() < 2 {
        money.amount.rescale(2);
    }
    Ok(Some(money))
}

/// An exact decimal (hours) from a string or number.
fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let Some(text) = number_text(d)? else {
        return Ok(None);
    };
    Decimal::from_str_exact(text.trim())
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a decimal number")))
}

/// The text of a string or number value. Numbers are printed from `serde_json::Number`, whose
/// shortest round-trip form reproduces the sent digits for any amount below 15 significant
/// digits.
fn number_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected an amount, found {other}"
        ))),
    }
}
