//! The person page's benefits: enrollments with the system that says so, next to what payroll
//! deducted on the person's latest pay statement.

use maestro_app::benefit_checks::{DeductionsView, EnrollmentView, PersonBenefitsView};
use maestro_core::money::Money;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::parse_id;
use crate::dto::MoneyDto;
use crate::error::IpcError;
use crate::state::DesktopState;

fn money(m: &Money) -> MoneyDto {
    MoneyDto {
        amount: m.amount.to_string(),
        currency: m.currency.code().to_owned(),
        period: None,
    }
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentDto {
    /// The plan's name.
    pub plan: String,
    /// "medical", "dental", "retirement"…
    pub kind: String,
    /// "active", "pending", "waived" or "terminated"; null when the system gives none.
    pub status: Option<String>,
    /// What the employee pays per pay period.
    pub employee_amount: Option<MoneyDto>,
    /// What the employee pays as a percentage of pay ("4" is 4 %), never money.
    pub employee_percent: Option<String>,
    /// What the company pays per pay period.
    pub company_amount: Option<MoneyDto>,
    /// What the company pays as a percentage of pay.
    pub company_percent: Option<String>,
    /// Coverage start (YYYY-MM-DD).
    pub coverage_start: Option<String>,
    /// Coverage end.
    pub coverage_end: Option<String>,
    /// First deduction day.
    pub deduction_start: Option<String>,
    /// Last deduction day.
    pub deduction_end: Option<String>,
    /// Connector id of the system that says so ("bamboohr").
    pub provider: String,
    /// That connection's name.
    pub connection: String,
    /// The payroll line on the latest statement that matches it, if any.
    pub deducted_as: Option<String>,
}

impl From<&EnrollmentView> for EnrollmentDto {
    fn from(e: &EnrollmentView) -> Self {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        Self {
            plan: e.plan.clone(),
            kind: text(&e.kind),
            status: e.status.as_ref().map(text),
            employee_amount: e.employee_amount.as_ref().map(money),
            employee_percent: e.employee_percent.map(|p| p.normalize().to_string()),
            company_amount: e.company_amount.as_ref().map(money),
            company_percent: e.company_percent.map(|p| p.normalize().to_string()),
            coverage_start: day(e.coverage_start),
            coverage_end: day(e.coverage_end),
            deduction_start: day(e.deduction_start),
            deduction_end: day(e.deduction_end),
            provider: e.provider.clone(),
            connection: e.connection.clone(),
            deducted_as: e.deducted_as.clone(),
        }
    }
}

/// One deduction line of the latest pay statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeductionDto {
    /// The payroll's label.
    pub name: String,
    /// Amount withheld.
    pub amount: MoneyDto,
    /// The kind of benefit the label reads as ("medical"…), null when none.
    pub kind: Option<String>,
    /// Whether an enrollment explains it.
    pub matched: bool,
}

/// What payroll deducted on the latest statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PayrollDeductionsDto {
    /// Connector id of the payroll ("gusto").
    pub provider: String,
    /// That connection's name.
    pub connection: String,
    /// First day of the period.
    pub period_start: String,
    /// Last day of the period.
    pub period_end: String,
    /// Pay day.
    pub check_date: Option<String>,
    /// The lines.
    pub deductions: Vec<DeductionDto>,
}

impl From<&DeductionsView> for PayrollDeductionsDto {
    fn from(d: &DeductionsView) -> Self {
        Self {
            provider: d.provider.clone(),
            connection: d.connection.clone(),
            period_start: d.period_start.to_string(),
            period_end: d.period_end.to_string(),
            check_date: d.check_date.map(|c| c.to_string()),
            deductions: d
                .deductions
                .iter()
                .map(|l| DeductionDto {
                    name: l.name.clone(),
                    amount: money(&l.amount),
                    kind: l.kind.as_ref().map(text),
                    matched: l.matched,
                })
                .collect(),
        }
    }
}

/// A person's benefits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonBenefitsDto {
    /// Enrollments, by plan.
    pub enrollments: Vec<EnrollmentDto>,
    /// What payroll deducted on the latest statement, when payroll has one.
    pub payroll: Option<PayrollDeductionsDto>,
}

impl From<&PersonBenefitsView> for PersonBenefitsDto {
    fn from(v: &PersonBenefitsView) -> Self {
        Self {
            enrollments: v.enrollments.iter().map(EnrollmentDto::from).collect(),
            payroll: v.payroll.as_ref().map(PayrollDeductionsDto::from),
        }
    }
}

/// A person's benefit enrollments and what payroll deducts (`identityId` from `people`).
#[tauri::command]
#[specta::specta]
pub async fn person_benefits(
    state: State<'_, DesktopState>,
    identity_id: String,
) -> Result<PersonBenefitsDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let id = parse_id(&identity_id, "identityId")?;
    Ok(PersonBenefitsDto::from(
        &app.person_benefits(company.id, id).await?,
    ))
}
