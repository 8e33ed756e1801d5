//! Payroll runs and pay statements (after Finch's pay statement model).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::money::{Money, MoneyError, decimal_str_option};

/// Status of a payroll run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayrollRunStatus {
    /// Being prepared; may change.
    Draft,
    /// Approved / submitted, not yet paid.
    Approved,
    /// Being processed by the provider.
    Processing,
    /// Paid out.
    Paid,
    /// Failed.
    Failed,
    /// Cancelled before payment.
    Cancelled,
    /// Closed (final, e.g. after reconciliation).
    Closed,
}

/// Why a payroll was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayrollRunType {
    /// The regular scheduled payroll.
    Regular,
    /// An off-cycle payroll (bonus, missed pay).
    OffCycle,
    /// A correction of an earlier payroll.
    Correction,
    /// A final payroll for a termination.
    Termination,
    /// A sign-on bonus payroll.
    SignOnBonus,
}

/// Company-level totals of a payroll run (all in the run's currency).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayrollTotals {
    /// Total gross pay.
    pub gross_pay: Option<Money>,
    /// Total net pay.
    pub net_pay: Option<Money>,
    /// Total taxes withheld from employees.
    pub employee_taxes: Option<Money>,
    /// Total employer taxes.
    pub employer_taxes: Option<Money>,
    /// Total employee deductions.
    pub employee_deductions: Option<Money>,
    /// Total employer contributions (benefits, retirement match).
    pub employer_contributions: Option<Money>,
}

/// One payroll run for a pay period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayrollRun {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Status.
    pub status: PayrollRunStatus,
    /// Regular, off-cycle…
    pub run_type: Option<PayrollRunType>,
    /// First day of the pay period (inclusive).
    pub period_start: NaiveDate,
    /// Last day of the pay period (inclusive).
    pub period_end: NaiveDate,
    /// Pay day.
    pub check_date: Option<NaiveDate>,
    /// Totals, when the provider reports them.
    #[serde(default)]
    pub totals: PayrollTotals,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// The type of an earning line (Finch `earnings[].type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarningKind {
    /// Regular hourly wages (Finch `wage`).
    Regular,
    /// Salary.
    Salary,
    /// Overtime.
    Overtime,
    /// Double overtime.
    DoubleOvertime,
    /// Paid time off.
    Pto,
    /// Sick pay.
    Sick,
    /// Holiday pay.
    Holiday,
    /// Bonus.
    Bonus,
    /// Commission.
    Commission,
    /// Tips.
    Tips,
    /// Reimbursement.
    Reimbursement,
    /// Severance.
    Severance,
    /// Contractor (1099) payment.
    #[serde(rename = "form_1099")]
    Form1099,
    /// Anything else (the provider's label is in `name`).
    Other,
}

/// One earning line of a pay statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earning {
    /// Type of earning.
    pub kind: EarningKind,
    /// The provider's label (e.g. "Regular Hours").
    pub name: String,
    /// Amount.
    pub amount: Money,
    /// Hours, for hour-based earnings.
    #[serde(default, with = "decimal_str_option")]
    pub hours: Option<Decimal>,
}

/// A deduction withheld from the employee's pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    /// The provider's label (e.g. "401(k)").
    pub name: String,
    /// Amount withheld.
    pub amount: Money,
    /// Whether it is taken before taxes.
    pub pre_tax: bool,
}

/// The level of government a tax goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxKind {
    /// Federal income tax.
    Federal,
    /// State tax.
    State,
    /// Local / city tax.
    Local,
    /// Social security and Medicare.
    Fica,
}

/// A tax line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tax {
    /// The provider's label (e.g. "Federal Income Tax").
    pub name: String,
    /// Level of government, when known.
    pub kind: Option<TaxKind>,
    /// Amount.
    pub amount: Money,
    /// `true` if paid by the employer, `false` if withheld from the employee.
    pub employer: bool,
}

/// An employer contribution (benefits, retirement match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    /// The provider's label.
    pub name: String,
    /// Amount.
    pub amount: Money,
}

/// How the net pay was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Paper check.
    Check,
    /// Direct deposit.
    DirectDeposit,
}

/// One employee's pay for one payroll run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayStatement {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee.
    pub employee_remote_id: String,
    /// Remote id of the payroll run, if the provider has one.
    pub payroll_run_remote_id: Option<String>,
    /// First day of the pay period.
    pub period_start: Option<NaiveDate>,
    /// Last day of the pay period.
    pub period_end: Option<NaiveDate>,
    /// Pay day.
    pub check_date: Option<NaiveDate>,
    /// Gross pay.
    pub gross_pay: Money,
    /// Net pay.
    pub net_pay: Money,
    /// Total hours paid.
    #[serde(default, with = "decimal_str_option")]
    pub total_hours: Option<Decimal>,
    /// Check or direct deposit.
    pub payment_method: Option<PaymentMethod>,
    /// Earning lines.
    #[serde(default)]
    pub earnings: Vec<Earning>,
    /// Deductions withheld from the employee.
    #[serde(default)]
    pub employee_deductions: Vec<Deduction>,
    /// Taxes, employee and employer.
    #[serde(default)]
    pub taxes: Vec<Tax>,
    /// Employer contributions.
    #[serde(default)]
    pub employer_contributions: Vec<Contribution>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

impl PayStatement {
    /// Net pay implied by the lines: gross − employee deductions − employee taxes.
    ///
    /// Compare with `net_pay` to flag a statement whose lines do not add up.
    pub fn computed_net_pay(&self) -> Result<Money, MoneyError> {
        let withheld = self
            .employee_deductions
            .iter()
            .map(|d| &d.amount)
            .chain(self.taxes.iter().filter(|t| !t.employer).map(|t| &t.amount));
        let withheld = Money::sum(self.gross_pay.currency, withheld)?;
        self.gross_pay.checked_sub(&withheld)
    }

    /// Sum of the earning lines, in the gross pay's currency.
    pub fn earnings_total(&self) -> Result<Money, MoneyError> {
        Money::sum(
            self.gross_pay.currency,
            self.earnings.iter().map(|e| &e.amount),
        )
    }
}
