//! Gusto payloads → canonical records. Each function takes the typed item and its raw JSON,
//! which is kept verbatim in `raw`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::{
    Address, BenefitEnrollment, BenefitKind, BenefitPlan, Company, Compensation, Contribution,
    Deduction, Department, Earning, EarningKind, Employee, Employment, EmploymentStatus,
    EmploymentType, EnrollmentStatus, FlsaStatus, Location, LocationType, PayPeriod, PayStatement,
    PaymentMethod, PayrollRun, PayrollRunStatus, PayrollRunType, PayrollTotals, PhoneKind,
    PhoneNumber, Provenance, Tax, TaxKind, TimeOffKind, TimeOffPolicy, TimeUnit,
};
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use serde_json::Value;

use super::api;
use crate::error::{ConnectorError, Result};

/// Who the records belong to.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub company_id: CompanyId,
    pub connection_id: ConnectionId,
    /// Today, to tell paid payrolls from approved ones.
    pub today: NaiveDate,
}

impl Ctx {
    fn prov(&self, remote_id: &str) -> Provenance {
        Provenance::new(self.connection_id, "gusto", remote_id)
    }
}

fn mapping(entity: &str, remote_id: &str, message: &str) -> ConnectorError {
    ConnectorError::Mapping {
        provider: "Gusto".into(),
        entity: entity.into(),
        remote_id: remote_id.into(),
        message: message.into(),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The primary job (or the first one).
pub fn primary_job(e: &api::Employee) -> Option<&api::Job> {
    let jobs = e.jobs.as_deref().unwrap_or_default();
    jobs.iter()
        .find(|j| j.primary == Some(true))
        .or(jobs.first())
}

pub fn employee(c: &Ctx, e: &api::Employee, raw: &Value) -> Employee {
    let job = primary_job(e);
    let status = if e.terminated == Some(true) {
        EmploymentStatus::Terminated
    } else if e.onboarded == Some(false) {
        EmploymentStatus::Pending
    } else {
        EmploymentStatus::Active
    };
    let first = non_empty(&e.first_name);
    let last = non_empty(&e.last_name);
    let display = [first.as_deref(), last.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let hire = e.hired_at.or(job.and_then(|j| j.hire_date));
    let custom_fields = raw
        .get("custom_fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("name")?.as_str()?.to_owned(), f.get("value")?.clone())))
        .collect::<BTreeMap<_, _>>();
    Employee {
        provenance: c.prov(&e.uuid),
        company_id: c.company_id,
        first_name: first,
        middle_name: non_empty(&e.middle_initial),
        last_name: last,
        preferred_name: non_empty(&e.preferred_first_name),
        display_full_name: (!display.is_empty()).then_some(display),
        employee_number: non_empty(&e.employee_code),
        work_email: non_empty(&e.work_email),
        personal_email: non_empty(&e.email),
        phone_numbers: non_empty(&e.phone)
            .map(|number| PhoneNumber {
                number,
                kind: PhoneKind::Other,
            })
            .into_iter()
            .collect(),
        date_of_birth: e.date_of_birth.map(Sensitive::new),
        ssn: None,
        employment_status: status,
        hire_date: hire,
        start_date: hire,
        termination_date: termination_date(c, e),
        manager_remote_id: non_empty(&e.manager_uuid),
        department_remote_id: non_empty(&e.department_uuid),
        work_location_remote_id: job.and_then(|j| non_empty(&j.location_uuid)),
        home_location_remote_id: None,
        custom_fields,
        raw: raw.into(),
    }
}

/// The latest termination in effect or still ahead. `active` is "whether the employee's
/// termination has gone into effect" (spec), so an inactive one whose day is still to come is
/// scheduled, and an inactive one whose day has passed was cancelled or reversed: it sets no
/// termination date. One without `active` counts.
fn termination_date(c: &Ctx, e: &api::Employee) -> Option<NaiveDate> {
    e.terminations
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            let day = t.effective_date?;
            (t.active != Some(false) || day > c.today).then_some(day)
        })
        .max()
}

fn period(unit: Option<&str>) -> Option<PayPeriod> {
    match unit? {
        "Hour" => Some(PayPeriod::Hour),
        "Week" => Some(PayPeriod::Week),
        "Month" => Some(PayPeriod::Month),
        "Year" => Some(PayPeriod::Year),
        _ => None, // "Paycheck" (owners) has no canonical period
    }
}

fn flsa(s: Option<&str>) -> Option<FlsaStatus> {
    match s? {
        "Exempt" | "Commission Only Exempt" => Some(FlsaStatus::Exempt),
        "Salaried Nonexempt" => Some(FlsaStatus::SalariedNonExempt),
        "Nonexempt" | "Commission Only Nonexempt" => Some(FlsaStatus::NonExempt),
        "Owner" => Some(FlsaStatus::Owner),
        _ => None,
    }
}

fn employment_type(s: Option<&str>) -> Option<EmploymentType> {
    match s? {
        "full_time" => Some(EmploymentType::FullTime),
        "part_time_under_twenty_hours" | "part_time_twenty_plus_hours" => {
            Some(EmploymentType::PartTime)
        }
        "seasonal" => Some(EmploymentType::Seasonal),
        _ => None,
    }
}

pub fn employment(c: &Ctx, e: &api::Employee, j: &api::Job, raw: &Value) -> Employment {
    let current = j
        .compensations
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|comp| Some(&comp.uuid) == j.current_compensation_uuid.as_ref());
    Employment {
        provenance: c.prov(&j.uuid),
        company_id: c.company_id,
        employee_remote_id: j.employee_uuid.clone().unwrap_or_else(|| e.uuid.clone()),
        job_title: non_empty(&j.title),
        pay_rate: j.rate,
        pay_period: period(j.payment_unit.as_deref()),
        pay_frequency: None,
        flsa_status: flsa(current.and_then(|comp| comp.flsa_status.as_deref())),
        employment_type: employment_type(e.current_employment_status.as_deref()),
        effective_date: j.hire_date,
        raw: raw.into(),
    }
}

/// A compensation row, or `None` when it has no rate (scope missing) or no canonical period.
pub fn compensation(
    c: &Ctx,
    e: &api::Employee,
    j: &api::Job,
    comp: &api::Compensation,
    raw: &Value,
) -> Option<Compensation> {
    Some(Compensation {
        provenance: c.prov(&comp.uuid),
        company_id: c.company_id,
        employee_remote_id: comp.employee_uuid.clone().unwrap_or_else(|| e.uuid.clone()),
        employment_remote_id: Some(comp.job_uuid.clone().unwrap_or_else(|| j.uuid.clone())),
        effective_date: comp.effective_date.or(j.hire_date)?,
        rate: comp.rate?,
        period: period(comp.payment_unit.as_deref())?,
        flsa_status: flsa(comp.flsa_status.as_deref()),
        reason: None,
        raw: raw.into(),
    })
}

pub fn department(c: &Ctx, d: &api::Department, raw: &Value) -> Department {
    Department {
        provenance: c.prov(&d.uuid),
        company_id: c.company_id,
        name: d.title.clone().unwrap_or_default(),
        parent_remote_id: None,
        raw: raw.into(),
    }
}

fn address(l: &api::Location) -> Address {
    Address {
        street_1: non_empty(&l.street_1),
        street_2: non_empty(&l.street_2),
        city: non_empty(&l.city),
        state: non_empty(&l.state),
        postal_code: non_empty(&l.zip),
        country: non_empty(&l.country).map(|c| match c.as_str() {
            "USA" | "United States" => "US".to_owned(),
            _ => c,
        }),
    }
}

pub fn location(c: &Ctx, l: &api::Location, raw: &Value) -> Location {
    let mut provenance = c.prov(&l.uuid);
    provenance.remote_modified_at = l
        .updated_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    Location {
        provenance,
        company_id: c.company_id,
        name: None,
        location_type: Some(LocationType::Work),
        address: address(l),
        time_zone: None,
        phone: non_empty(&l.phone_number),
        raw: raw.into(),
    }
}

pub fn company(c: &Ctx, co: &api::Company, raw: &Value) -> Company {
    let locations = co.locations.as_deref().unwrap_or_default();
    let main = locations
        .iter()
        .find(|l| l.mailing_address == Some(true))
        .or(locations.first());
    let admin = co.primary_payroll_admin.as_ref();
    Company {
        provenance: c.prov(&co.uuid),
        company_id: c.company_id,
        name: non_empty(&co.trade_name)
            .or(non_empty(&co.name))
            .unwrap_or_default(),
        legal_name: non_empty(&co.name),
        eins: non_empty(&co.ein).into_iter().collect(),
        entity_type: non_empty(&co.entity_type),
        email: admin.and_then(|a| non_empty(&a.email)),
        phone: admin.and_then(|a| non_empty(&a.phone)),
        address: main.map(address),
        raw: raw.into(),
    }
}

fn sum(items: &[Option<Money>]) -> Option<Money> {
    let present: Vec<&Money> = items.iter().flatten().collect();
    if present.is_empty() {
        return None;
    }
    Money::sum(Currency::USD, present).ok()
}

pub fn payroll_run(c: &Ctx, p: &api::Payroll, raw: &Value) -> Result<PayrollRun> {
    let id = p.id().unwrap_or_default();
    let period = p.pay_period.as_ref();
    let start = period.and_then(|pp| pp.start_date);
    let end = period.and_then(|pp| pp.end_date);
    let (Some(period_start), Some(period_end)) = (start, end) else {
        return Err(mapping("payroll_run", id, "the payroll has no pay period"));
    };
    let failed = p
        .processing_request
        .as_ref()
        .and_then(|r| r.status.as_deref())
        == Some("processing_failed");
    let status = match (p.processed == Some(true), failed) {
        (_, true) => PayrollRunStatus::Failed,
        (true, _) if p.check_date.is_some_and(|d| d <= c.today) => PayrollRunStatus::Paid,
        (true, _) => PayrollRunStatus::Approved,
        (false, _) => PayrollRunStatus::Draft,
    };
    let run_type = match (p.off_cycle, p.final_termination_payroll) {
        (_, Some(true)) => PayrollRunType::Termination,
        (Some(true), _) => PayrollRunType::OffCycle,
        _ => PayrollRunType::Regular,
    };
    let totals = p
        .totals
        .as_ref()
        .map(|t| PayrollTotals {
            gross_pay: t.gross_pay,
            net_pay: t.net_pay,
            employee_taxes: t.employee_taxes,
            employer_taxes: t.employer_taxes,
            employee_deductions: sum(&[t.employee_benefits_deductions, t.other_deductions]),
            employer_contributions: t.benefits,
        })
        .unwrap_or_default();
    Ok(PayrollRun {
        provenance: c.prov(id),
        company_id: c.company_id,
        status,
        run_type: Some(run_type),
        period_start,
        period_end,
        check_date: p.check_date,
        totals,
        raw: raw.into(),
    })
}

fn earning_kind(name: &str) -> EarningKind {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        _ if n.contains("double overtime") => EarningKind::DoubleOvertime,
        _ if n.contains("overtime") => EarningKind::Overtime,
        _ if n.starts_with("regular") => EarningKind::Regular,
        _ if n.contains("salary") => EarningKind::Salary,
        _ if n.contains("bonus") => EarningKind::Bonus,
        _ if n.contains("commission") => EarningKind::Commission,
        _ if n.contains("tips") => EarningKind::Tips,
        _ if n.contains("holiday") => EarningKind::Holiday,
        _ if n.contains("sick") => EarningKind::Sick,
        _ if n.contains("severance") => EarningKind::Severance,
        _ if n.contains("reimbursement") => EarningKind::Reimbursement,
        _ if n.contains("pto") || n.contains("paid time off") || n.contains("vacation") => {
            EarningKind::Pto
        }
        _ => EarningKind::Other,
    }
}

fn tax_kind(name: &str) -> Option<TaxKind> {
    let n = name.to_ascii_lowercase();
    if n.contains("social security") || n.contains("medicare") || n.contains("fica") {
        Some(TaxKind::Fica)
    } else if n.contains("federal") || n.contains("futa") {
        Some(TaxKind::Federal)
    } else if n.contains("local") || n.contains("city") || n.contains("county") {
        Some(TaxKind::Local)
    } else if n.contains("state") || n.contains("sui") || n.contains("sdi") {
        Some(TaxKind::State)
    } else {
        None
    }
}

/// One employee's statement in a payroll, or `None` when it has no gross pay (excluded or not
/// processed).
pub fn pay_statement(
    c: &Ctx,
    p: &api::Payroll,
    ec: &api::EmployeeCompensation,
    raw: &Value,
) -> Option<PayStatement> {
    let payroll_id = p.id().unwrap_or_default();
    let (gross_pay, net_pay) = (ec.gross_pay?, ec.net_pay?);
    if ec.excluded == Some(true) {
        return None;
    }
    let hourly = ec.hourly_compensations.as_deref().unwrap_or_default();
    let fixed = ec.fixed_compensations.as_deref().unwrap_or_default();
    let earnings = hourly
        .iter()
        .chain(fixed)
        .filter_map(|l| {
            let name = l.name.clone().unwrap_or_default();
            Some(Earning {
                kind: earning_kind(&name),
                name,
                amount: l.amount?,
                hours: l.hours,
            })
        })
        .collect();
    let hours: Vec<_> = hourly.iter().filter_map(|l| l.hours).collect();
    let benefits = ec.benefits.as_deref().unwrap_or_default();
    let employee_deductions = ec
        .deductions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|d| d.amount_type.as_deref() != Some("percent"))
        .filter_map(|d| Some((d.name.clone(), d.amount?)))
        .chain(
            benefits
                .iter()
                .filter_map(|b| Some((b.name.clone(), b.employee_deduction?))),
        )
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(name, amount)| Deduction {
            name: name.unwrap_or_default(),
            amount,
            pre_tax: false,
        })
        .collect();
    Some(PayStatement {
        provenance: c.prov(&format!("{payroll_id}:{}", ec.employee_uuid)),
        company_id: c.company_id,
        employee_remote_id: ec.employee_uuid.clone(),
        payroll_run_remote_id: Some(payroll_id.to_owned()),
        period_start: p.pay_period.as_ref().and_then(|pp| pp.start_date),
        period_end: p.pay_period.as_ref().and_then(|pp| pp.end_date),
        check_date: p.check_date,
        gross_pay,
        net_pay,
        total_hours: (!hours.is_empty()).then(|| hours.iter().sum()),
        payment_method: match ec.payment_method.as_deref() {
            Some("Direct Deposit") => Some(PaymentMethod::DirectDeposit),
            Some("Check") => Some(PaymentMethod::Check),
            _ => None,
        },
        earnings,
        employee_deductions,
        taxes: ec
            .taxes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|t| {
                Some(Tax {
                    kind: tax_kind(&t.name),
                    name: t.name.clone(),
                    amount: t.amount?,
                    employer: t.employer,
                })
            })
            .collect(),
        employer_contributions: benefits
            .iter()
            .filter_map(|b| Some((b.name.clone(), b.company_contribution?)))
            .filter(|(_, amount)| !amount.is_zero())
            .map(|(name, amount)| Contribution {
                name: name.unwrap_or_default(),
                amount,
            })
            .collect(),
        raw: raw.into(),
    })
}

pub fn time_off_policy(c: &Ctx, t: &api::TimeOffPolicy, raw: &Value) -> TimeOffPolicy {
    let kind = t.policy_type.as_deref().map(|k| match k {
        "vacation" => TimeOffKind::Vacation,
        "sick" => TimeOffKind::Sick,
        "bereavement" => TimeOffKind::Bereavement,
        "jury_duty" => TimeOffKind::JuryDuty,
        "parental_leave" => TimeOffKind::Parental,
        "personal_day" => TimeOffKind::Personal,
        "volunteer" => TimeOffKind::Volunteer,
        "floating_holiday" => TimeOffKind::Holiday,
        _ => TimeOffKind::Other,
    });
    TimeOffPolicy {
        provenance: c.prov(&t.uuid),
        company_id: c.company_id,
        name: t.name.clone().unwrap_or_default(),
        kind,
        unit: Some(TimeUnit::Hours),
        paid: Some(true),
        raw: raw.into(),
    }
}

/// Gusto's benefit type ids (`GET /v1/benefits`) → kind and label.
fn benefit_type(id: Option<u32>) -> (BenefitKind, Option<&'static str>) {
    match id {
        Some(1) => (BenefitKind::Medical, Some("Medical Insurance")),
        Some(2) => (BenefitKind::Dental, Some("Dental Insurance")),
        Some(3) => (BenefitKind::Vision, Some("Vision Insurance")),
        Some(6) => (BenefitKind::Hsa, Some("Health Savings Account")),
        Some(7) => (BenefitKind::Fsa, Some("Health FSA")),
        Some(11) => (BenefitKind::Fsa, Some("Dependent Care FSA")),
        Some(5) => (BenefitKind::Retirement, Some("401(k)")),
        Some(8) => (BenefitKind::Retirement, Some("SIMPLE IRA")),
        Some(9) => (BenefitKind::Retirement, Some("403(b)")),
        Some(105) => (BenefitKind::Retirement, Some("Roth 401(k)")),
        Some(108) => (BenefitKind::Retirement, Some("SEP-IRA")),
        Some(109) => (BenefitKind::Retirement, Some("SARSEP")),
        Some(110) => (BenefitKind::Retirement, Some("Roth 403(b)")),
        Some(107 | 993) => (BenefitKind::Life, Some("Life Insurance")),
        Some(991 | 992 | 996..=999) => (BenefitKind::Disability, Some("Disability Insurance")),
        Some(10 | 113 | 114) => (BenefitKind::Commuter, Some("Commuter Benefits")),
        _ => (BenefitKind::Other, None),
    }
}

pub fn benefit_plan(c: &Ctx, b: &api::CompanyBenefit, raw: &Value) -> BenefitPlan {
    let (kind, label) = benefit_type(b.benefit_type);
    BenefitPlan {
        provenance: c.prov(&b.uuid),
        company_id: c.company_id,
        name: non_empty(&b.description)
            .or(label.map(str::to_owned))
            .unwrap_or_default(),
        kind,
        carrier: None,
        description: label.map(str::to_owned),
        raw: raw.into(),
    }
}

pub fn benefit_enrollment(
    c: &Ctx,
    employee_uuid: &str,
    b: &api::EmployeeBenefit,
    raw: &Value,
) -> BenefitEnrollment {
    let company_contribution = match &b.contribution {
        Some(api::Contribution {
            kind: Some(kind),
            value,
        }) => match (kind.as_str(), value) {
            ("amount", Some(Value::String(s))) => Money::parse(s, Currency::USD).ok(),
            _ => None,
        },
        _ => b
            .company_contribution
            .filter(|_| b.contribute_as_percentage != Some(true)),
    };
    BenefitEnrollment {
        provenance: c.prov(&b.uuid),
        company_id: c.company_id,
        employee_remote_id: b
            .employee_uuid
            .clone()
            .unwrap_or_else(|| employee_uuid.to_owned()),
        plan_remote_id: b.company_benefit_uuid.clone().unwrap_or_default(),
        status: Some(if b.active == Some(false) {
            EnrollmentStatus::Terminated
        } else {
            EnrollmentStatus::Active
        }),
        employee_contribution: b
            .employee_deduction
            .filter(|_| b.deduct_as_percentage != Some(true)),
        company_contribution,
        coverage_start: b.effective_date,
        coverage_end: b.expiration_date,
        employee_contribution_percent: b
            .employee_deduction
            .as_ref()
            .filter(|_| b.deduct_as_percentage == Some(true))
            .map(|m| m.amount),
        company_contribution_percent: b
            .company_contribution
            .as_ref()
            .filter(|_| b.contribution.is_none() && b.contribute_as_percentage == Some(true))
            .map(|m| m.amount),
        deduction_start: None,
        deduction_end: None,
        raw: raw.into(),
    }
}
