//! Paychex Flex records (spec `WorkerResource`, `PayRateResource`, `PayPeriodResource`,
//! `CheckResource`, read from each answer's `content`) → canonical records.
//!
//! Paychex writes days as `YYYY-MM-DDT00:00:00Z`: they are read as dates (the day part). Every
//! amount and hour count is a string, read exactly as a decimal; amounts are USD (Paychex Flex
//! serves US employers and the spec names no currency). The SSN (`legalId`) and birth date are
//! never kept, not even in the raw payload.

use maestro_core::model::{
    CanonicalRecord, Compensation, Contractor, ContractorType, Deduction, Earning, EarningKind,
    Employee, Employment, EmploymentStatus, EmploymentType, FlsaStatus, PayPeriod, PayStatement,
    PayrollRun, PayrollRunStatus, PayrollTotals, RawPayload, Tax, TaxKind,
};
use maestro_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, date_prefix, decode, non_empty};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Name {
    given_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    preferred_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Communication {
    #[serde(rename = "type")]
    kind: Option<String>,
    usage_type: Option<String>,
    uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Status {
    status_type: Option<String>,
    /// In every example, though the spec's `Status` schema leaves it out.
    effective_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Org {
    organization_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Supervisor {
    worker_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Worker {
    worker_id: String,
    employee_id: Option<String>,
    worker_type: Option<String>,
    employment_type: Option<String>,
    exemption_type: Option<String>,
    hire_date: Option<String>,
    #[serde(default)]
    name: Name,
    #[serde(default)]
    communications: Vec<Communication>,
    location_id: Option<String>,
    job: Option<Job>,
    organization: Option<Org>,
    supervisor: Option<Supervisor>,
    #[serde(default)]
    current_status: Status,
}

/// The record without the members never kept (`legalId`: the SSN or EIN; `birthDate`).
fn without_sensitive(raw: &RawValue) -> RawPayload {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.get()) {
        Ok(mut m) => {
            m.remove("legalId");
            m.remove("birthDate");
            RawPayload::from_value(&serde_json::Value::Object(m))
        }
        Err(_) => RawPayload::from_raw(raw),
    }
}

/// `currentStatus.statusType` (ACTIVE, INACTIVE, TERMINATED, PENDING, IN_PROGRESS: a worker
/// added through the API and not yet completed in Flex). An unknown value is an error.
fn status(s: &Status) -> Result<EmploymentStatus, MapError> {
    Ok(match s.status_type.as_deref().map(str::trim) {
        None | Some("") | Some("ACTIVE") => EmploymentStatus::Active,
        Some("INACTIVE") => EmploymentStatus::Inactive,
        Some("TERMINATED") => EmploymentStatus::Terminated,
        Some("PENDING") | Some("IN_PROGRESS") => EmploymentStatus::Pending,
        Some(other) => {
            return Err(bad(
                "currentStatus.statusType",
                format!("`{other}` is not a Paychex worker status"),
            ));
        }
    })
}

/// The first email of `usage` (BUSINESS or PERSONAL).
fn email(w: &Worker, usage: &str) -> Option<String> {
    w.communications
        .iter()
        .filter(|c| c.kind.as_deref() == Some("EMAIL"))
        .filter(|c| c.usage_type.as_deref() == Some(usage))
        .find_map(|c| non_empty(c.uri.as_deref()))
}

fn is_contractor(w: &Worker) -> bool {
    matches!(
        w.worker_type.as_deref(),
        Some("CONTRACTOR") | Some("INDEPENDENT_CONTRACTOR")
    )
}

/// A worker (`GET /companies/{companyId}/workers`, with communications) → an employee, or a
/// contractor when `workerType` is CONTRACTOR or INDEPENDENT_CONTRACTOR; and the employee's
/// employment (job title, full or part time, overtime class, from the hire date).
pub fn worker(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let state = status(&w.current_status)?;
    let hire = date_prefix("hireDate", w.hire_date.as_deref())?;
    let since = date_prefix(
        "currentStatus.effectiveDate",
        w.current_status.effective_date.as_deref(),
    )?;
    let id = w.worker_id.trim().to_owned();
    if id.is_empty() {
        return Err(bad("workerId", "a worker without an id"));
    }
    if is_contractor(&w) {
        // An independent contractor that is a company carries the company's name as its
        // given name (spec `NameResource.givenName`).
        let business = w.worker_type.as_deref() == Some("INDEPENDENT_CONTRACTOR")
            && w.name
                .family_name
                .as_deref()
                .is_none_or(|f| f.trim().is_empty());
        return Ok(vec![
            Contractor {
                provenance: ctx.provenance(id, None),
                company_id: ctx.company_id,
                contractor_type: Some(if business {
                    ContractorType::Business
                } else {
                    ContractorType::Individual
                }),
                first_name: non_empty(w.name.given_name.as_deref()).filter(|_| !business),
                last_name: non_empty(w.name.family_name.as_deref()),
                business_name: non_empty(w.name.given_name.as_deref()).filter(|_| business),
                email: email(&w, "BUSINESS").or_else(|| email(&w, "PERSONAL")),
                phone: None,
                tax_id: None,
                status: state,
                start_date: hire,
                address: None,
                raw: without_sensitive(raw),
            }
            .into(),
        ]);
    }
    let employment_type = match w.employment_type.as_deref() {
        Some("FULL_TIME") => Some(EmploymentType::FullTime),
        Some("PART_TIME") => Some(EmploymentType::PartTime),
        _ => None,
    };
    let employment = Employment {
        provenance: ctx.provenance(id.clone(), None),
        company_id: ctx.company_id,
        employee_remote_id: id.clone(),
        job_title: w.job.as_ref().and_then(|j| non_empty(j.title.as_deref())),
        pay_rate: None,
        pay_period: None,
        pay_frequency: None,
        flsa_status: flsa(w.exemption_type.as_deref()),
        employment_type,
        effective_date: hire,
        raw: without_sensitive(raw),
    };
    let display = [
        w.name.given_name.as_deref(),
        w.name.middle_name.as_deref(),
        w.name.family_name.as_deref(),
    ]
    .into_iter()
    .filter_map(non_empty_ref)
    .collect::<Vec<_>>()
    .join(" ");
    let employee = Employee {
        provenance: ctx.provenance(id, None),
        company_id: ctx.company_id,
        first_name: non_empty(w.name.given_name.as_deref()),
        middle_name: non_empty(w.name.middle_name.as_deref()),
        last_name: non_empty(w.name.family_name.as_deref()),
        preferred_name: non_empty(w.name.preferred_name.as_deref()),
        display_full_name: non_empty(Some(&display)),
        employee_number: non_empty(w.employee_id.as_deref()),
        work_email: email(&w, "BUSINESS"),
        personal_email: email(&w, "PERSONAL"),
        phone_numbers: Vec::new(),
        date_of_birth: None,
        ssn: None,
        employment_status: state,
        hire_date: hire,
        start_date: hire,
        termination_date: since.filter(|_| state == EmploymentStatus::Terminated),
        manager_remote_id: w
            .supervisor
            .as_ref()
            .and_then(|s| non_empty(s.worker_id.as_deref())),
        department_remote_id: w
            .organization
            .as_ref()
            .and_then(|o| non_empty(o.organization_id.as_deref())),
        work_location_remote_id: non_empty(w.location_id.as_deref()),
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: without_sensitive(raw),
    };
    Ok(vec![employee.into(), employment.into()])
}

fn non_empty_ref(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// `exemptionType` (EXEMPT, NON_EXEMPT).
fn flsa(t: Option<&str>) -> Option<FlsaStatus> {
    match t {
        Some("EXEMPT") => Some(FlsaStatus::Exempt),
        Some("NON_EXEMPT") => Some(FlsaStatus::NonExempt),
        _ => None,
    }
}

/// A decimal string read exactly (`"40.20"`, `"25.25"`); blank is none.
fn decimal(path: &str, text: Option<&str>) -> Result<Option<Decimal>, MapError> {
    let Some(t) = non_empty_ref(text) else {
        return Ok(None);
    };
    t.parse::<Decimal>()
        .map(Some)
        .map_err(|_| bad(path, format!("`{t}` is not a number")))
}

/// An amount string in USD, exactly (`"506.65"`); blank is none.
fn usd(path: &str, text: Option<&str>) -> Result<Option<Money>, MapError> {
    Ok(decimal(path, text)?.map(|d| Money::new(d, Currency::USD)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rate {
    rate_id: String,
    rate_type: Option<String>,
    amount: Option<String>,
    start_date: Option<String>,
    effective_date: Option<String>,
    description: Option<String>,
}

/// The worker kept from the partition's parent (`/workerId`, `/exemptionType`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateOwner {
    worker_id: String,
    exemption_type: Option<String>,
}

/// A pay rate (`GET /workers/{workerId}/compensation/payrates`) → a compensation row: hourly,
/// daily or annual. A per-pay-period salary or a piecework rate has no period the canonical
/// record can carry (it depends on the company's pay frequency, or on units), so it gives
/// none; it stays in Paychex.
pub fn pay_rate(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let r: Rate = decode(raw)?;
    let owner: RateOwner = ctx
        .parent
        .map(decode)
        .transpose()?
        .ok_or_else(|| bad("(record)", "a pay rate read without its worker"))?;
    let period = match r.rate_type.as_deref() {
        Some("HOURLY_RATE") => PayPeriod::Hour,
        Some("DAILY_RATE") => PayPeriod::Day,
        Some("ANNUAL_SALARY") => PayPeriod::Year,
        Some("PER_PAY_PERIOD_SALARY") | Some("PIECEWORK_RATE") => return Ok(Vec::new()),
        other => {
            return Err(bad(
                "rateType",
                format!("`{}` is not a Paychex rate type", other.unwrap_or("")),
            ));
        }
    };
    let rate = usd("amount", r.amount.as_deref())?.ok_or_else(|| bad("amount", "missing"))?;
    let effective = match date_prefix("effectiveDate", r.effective_date.as_deref())? {
        Some(d) => d,
        None => date_prefix("startDate", r.start_date.as_deref())?
            .ok_or_else(|| bad("startDate", "a pay rate without a start date"))?,
    };
    Ok(vec![
        Compensation {
            provenance: ctx.provenance(r.rate_id, None),
            company_id: ctx.company_id,
            employee_remote_id: owner.worker_id,
            employment_remote_id: None,
            effective_date: effective,
            rate,
            period,
            flsa_status: flsa(owner.exemption_type.as_deref()),
            reason: non_empty(r.description.as_deref()),
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    pay_period_id: String,
    status: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    check_date: Option<String>,
}

/// `status` (spec enum) → the canonical run status.
fn run_status(s: Option<&str>) -> Result<PayrollRunStatus, MapError> {
    Ok(match s {
        Some("ENTRY") | Some("INITIAL") => PayrollRunStatus::Draft,
        Some("PROCESSING") => PayrollRunStatus::Processing,
        Some("COMPLETED") | Some("COMPLETED_BY_MEC") | Some("RELEASED") | Some("REISSUED") => {
            PayrollRunStatus::Paid
        }
        Some("REVERSED") => PayrollRunStatus::Cancelled,
        other => {
            return Err(bad(
                "status",
                format!(
                    "`{}` is not a Paychex pay period status",
                    other.unwrap_or("")
                ),
            ));
        }
    })
}

/// A pay period (`GET /companies/{companyId}/payperiods`) → a payroll run.
pub fn pay_period(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let p: Period = decode(raw)?;
    let start = date_prefix("startDate", p.start_date.as_deref())?
        .ok_or_else(|| bad("startDate", "missing"))?;
    let end =
        date_prefix("endDate", p.end_date.as_deref())?.ok_or_else(|| bad("endDate", "missing"))?;
    Ok(vec![
        PayrollRun {
            provenance: ctx.provenance(p.pay_period_id, None),
            company_id: ctx.company_id,
            status: run_status(p.status.as_deref())?,
            run_type: None,
            period_start: start,
            period_end: end,
            check_date: date_prefix("checkDate", p.check_date.as_deref())?,
            totals: PayrollTotals::default(),
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

/// One line of a processed check. The spec's `PayComponentResource` names `payAmount`,
/// `payHours` and `payRate` (what a check is written with); the processed checks in its own
/// examples carry `amount`, `hours` and `rate`. Both are read, the processed names first.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    name: Option<String>,
    classification_type: Option<String>,
    effect_on_pay: Option<String>,
    amount: Option<String>,
    pay_amount: Option<String>,
    hours: Option<String>,
    pay_hours: Option<String>,
    paid_by: Option<String>,
}

impl Line {
    fn amount(&self, path: &str) -> Result<Money, MapError> {
        usd(path, self.amount.as_deref().or(self.pay_amount.as_deref()))?
            .ok_or_else(|| bad(path, "a line without an amount"))
    }

    fn hours(&self, path: &str) -> Result<Option<Decimal>, MapError> {
        decimal(path, self.hours.as_deref().or(self.pay_hours.as_deref()))
    }

    fn label(&self) -> String {
        non_empty(self.name.as_deref()).unwrap_or_else(|| "Unnamed".into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    paycheck_id: String,
    worker_id: String,
    pay_period_id: Option<String>,
    check_date: Option<String>,
    net_pay: Option<String>,
    #[serde(default)]
    earnings: Vec<Line>,
    #[serde(default)]
    deductions: Vec<Line>,
    #[serde(default)]
    taxes: Vec<Line>,
}

/// The pay period kept from the partition's parent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct KeptPeriod {
    start_date: Option<String>,
    end_date: Option<String>,
    check_date: Option<String>,
}

/// An earning's `classificationType` (REGULAR, OVERTIME, SUPPLEMENTAL…; free text in the
/// spec) → the canonical kind; the label is kept in `name`.
fn earning_kind(classification: Option<&str>, name: &str) -> EarningKind {
    let c = classification.unwrap_or("").to_ascii_uppercase();
    let n = name.to_ascii_uppercase();
    if c.contains("OVERTIME") || n.contains("OVERTIME") {
        EarningKind::Overtime
    } else if n.contains("SALARY") {
        EarningKind::Salary
    } else if n.contains("BONUS") {
        EarningKind::Bonus
    } else if c == "REGULAR" {
        EarningKind::Regular
    } else {
        EarningKind::Other
    }
}

/// A tax line's level, from its label (the spec gives only `name` and `paidBy`).
fn tax_kind(name: &str) -> Option<TaxKind> {
    let n = name.to_ascii_lowercase();
    if n.contains("medicare") || n.contains("social security") {
        Some(TaxKind::Fica)
    } else if n.contains("federal") {
        Some(TaxKind::Federal)
    } else if n.contains("state") || n.contains("disability") {
        Some(TaxKind::State)
    } else if n.contains("local") || n.contains("city") {
        Some(TaxKind::Local)
    } else {
        None
    }
}

/// A processed check (`GET /companies/{companyId}/checks?payperiodid=`, processed media type)
/// → a pay statement for its pay period (dates kept from the period). Gross pay is the sum of
/// the earnings that add to pay (`effectOnPay` ADDITION, and ADDITION_WITH_IN_OUT: Paychex
/// Flex's "Add to pay for tax calculation – the item adds to the pay but is subtracted from net
/// pay", myapps.paychex.com/pngHelp_static/helpHtml/Effect_on_Pay.htm, such as the personal
/// use of a company car; `netPay` already leaves it out); hours are the sum of the earnings'
/// hours, none when no earning gives hours; taxes withheld and paid by the employer are told
/// apart by `paidBy`. A check without `netPay` is not processed yet: it gives none.
///
/// `memoed` (spec `PayComponentResource.memoed`: "memoing the payHours or payUnits so that
/// they are informational when using a payAmount") makes a line's hours informational, not
/// its amount: a memoed earning is still paid and a memoed deduction still taken, so both
/// count; the memoed hours are the hours the line states and are kept.
pub fn check(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let c: Check = decode(raw)?;
    let period: KeptPeriod = ctx.parent.map(decode).transpose()?.unwrap_or_default();
    let Some(net) = usd("netPay", c.net_pay.as_deref())? else {
        return Ok(Vec::new());
    };
    let mut earnings = Vec::new();
    let mut hours: Option<Decimal> = None;
    for (i, e) in c.earnings.iter().enumerate() {
        let adds = e
            .effect_on_pay
            .as_deref()
            .is_none_or(|x| x == "ADDITION" || x == "ADDITION_WITH_IN_OUT");
        if !adds {
            continue;
        }
        let name = e.label();
        let h = e.hours(&format!("earnings[{i}].hours"))?;
        if let Some(h) = h {
            hours = Some(hours.unwrap_or_default() + h);
        }
        earnings.push(Earning {
            kind: earning_kind(e.classification_type.as_deref(), &name),
            name,
            amount: e.amount(&format!("earnings[{i}].amount"))?,
            hours: h,
        });
    }
    let gross = Money::sum(Currency::USD, earnings.iter().map(|e| &e.amount))
        .map_err(|e| bad("earnings", e.to_string()))?;
    let mut deductions = Vec::new();
    for (i, d) in c.deductions.iter().enumerate() {
        deductions.push(Deduction {
            name: d.label(),
            amount: d.amount(&format!("deductions[{i}].amount"))?,
            pre_tax: false,
        });
    }
    let mut taxes = Vec::new();
    for (i, t) in c.taxes.iter().enumerate() {
        let name = t.label();
        taxes.push(Tax {
            kind: tax_kind(&name),
            amount: t.amount(&format!("taxes[{i}].amount"))?,
            employer: t.paid_by.as_deref() == Some("EMPLOYER_LIABILITY"),
            name,
        });
    }
    let check_date = match date_prefix("checkDate", c.check_date.as_deref())? {
        Some(d) => Some(d),
        None => date_prefix("(period).checkDate", period.check_date.as_deref())?,
    };
    Ok(vec![
        PayStatement {
            provenance: ctx.provenance(c.paycheck_id, None),
            company_id: ctx.company_id,
            employee_remote_id: c.worker_id,
            payroll_run_remote_id: c.pay_period_id,
            period_start: date_prefix("(period).startDate", period.start_date.as_deref())?,
            period_end: date_prefix("(period).endDate", period.end_date.as_deref())?,
            check_date,
            gross_pay: gross,
            net_pay: net,
            total_hours: hours,
            payment_method: None,
            earnings,
            employee_deductions: deductions,
            taxes,
            employer_contributions: Vec::new(),
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::kit::mappers::test_support::{ctx, raw};

    fn dec(t: &str) -> Decimal {
        t.parse().unwrap()
    }

    /// The spec's own example worker (COMPANIES_WORKERS_COMM_GET, trimmed), status changed.
    const WORKER: &str = r#"{"workerId":"00H2A1IUKDU2H84400C9","employeeId":"105","workerType":"EMPLOYEE","employmentType":"FULL_TIME","exemptionType":"NON_EXEMPT","birthDate":"1990-08-03T00:00:00Z","hireDate":"2019-09-03T00:00:00Z","name":{"familyName":"Walker","middleName":"L","givenName":"Paul","preferredName":"paul"},"legalId":{"legalIdType":"SSN","legalIdValue":"888889999"},"locationId":"970003436212414","job":{"jobTitleId":"970003436212358","title":"Developer"},"organization":{"organizationId":"970003163104801","name":"1 Branch 1 - north"},"supervisor":{"workerId":"00H2A1IUK6G2MM6ET8JT"},"currentStatus":{"statusType":"TERMINATED","statusReason":"RESIGNED","effectiveDate":"2024-03-31T00:00:00Z"},"communications":[{"type":"EMAIL","uri":"testhome@gmail.com","usageType":"PERSONAL"},{"type":"EMAIL","uri":"testwork@gmail.com","usageType":"BUSINESS"}]}"#;

    #[test]
    fn a_worker_is_an_employee_with_dates_as_days_and_no_ssn_kept() {
        let out = worker(&ctx("paychex", None), &raw(WORKER)).unwrap();
        let CanonicalRecord::Employee(e) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(e.work_email.as_deref(), Some("testwork@gmail.com"));
        assert_eq!(e.personal_email.as_deref(), Some("testhome@gmail.com"));
        assert_eq!(e.employment_status, EmploymentStatus::Terminated);
        assert_eq!(e.hire_date.unwrap().to_string(), "2019-09-03");
        assert_eq!(e.termination_date.unwrap().to_string(), "2024-03-31");
        assert_eq!(e.manager_remote_id.as_deref(), Some("00H2A1IUK6G2MM6ET8JT"));
        assert_eq!(e.display_full_name.as_deref(), Some("Paul L Walker"));
        let kept = serde_json::to_string(&e.raw).unwrap();
        assert!(
            !kept.contains("888889999") && !kept.contains("1990-08-03"),
            "{kept}"
        );
        let CanonicalRecord::Employment(j) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(j.job_title.as_deref(), Some("Developer"));
        assert_eq!(j.flsa_status, Some(FlsaStatus::NonExempt));
    }

    #[test]
    fn contractors_and_unknown_statuses() {
        let c = WORKER.replace(r#""workerType":"EMPLOYEE""#, r#""workerType":"CONTRACTOR""#);
        let out = worker(&ctx("paychex", None), &raw(&c)).unwrap();
        assert!(
            matches!(&out[..], [CanonicalRecord::Contractor(_)]),
            "{out:?}"
        );
        let bad = WORKER.replace("TERMINATED", "RETIRED");
        let e = worker(&ctx("paychex", None), &raw(&bad)).unwrap_err();
        assert_eq!(e.path, "currentStatus.statusType");
    }

    #[test]
    fn pay_rates_are_exact_strings_in_usd() {
        let parent = raw(r#"{"workerId":"W1","exemptionType":"EXEMPT"}"#);
        let rate = r#"{"rateId":"970000054610137","startDate":"2021-02-17T00:00:00Z","rateType":"HOURLY_RATE","amount":"40.20","default":true}"#;
        let out = pay_rate(&ctx("paychex", Some(&parent)), &raw(rate)).unwrap();
        let CanonicalRecord::Compensation(c) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(c.rate, Money::new(dec("40.20"), Currency::USD));
        assert_eq!(c.period, PayPeriod::Hour);
        assert_eq!(c.employee_remote_id, "W1");
        assert_eq!(c.effective_date.to_string(), "2021-02-17");
        let per_period = rate.replace("HOURLY_RATE", "PER_PAY_PERIOD_SALARY");
        assert!(
            pay_rate(&ctx("paychex", Some(&parent)), &raw(&per_period))
                .unwrap()
                .is_empty()
        );
        let float = rate.replace("40.20", "4O.2");
        assert_eq!(
            pay_rate(&ctx("paychex", Some(&parent)), &raw(&float))
                .unwrap_err()
                .path,
            "amount"
        );
    }

    #[test]
    fn a_processed_check_is_a_statement_with_its_hours_and_period() {
        // The spec's PROCESSED_CHECK_GET example (two hourly earnings of 20 h, one deduction,
        // taxes withheld and paid by the employer).
        let check_json = r#"{"payPeriodId":"970002146440893","paycheckId":"00H2A1IUJVF8Y2EPA6XD","workerId":"00H2A1IUJKSLXZ07NHIA","checkDate":"2019-05-12T20:00:00Z","netPay":"506.65","earnings":[{"name":"Hourly","classificationType":"Regular","effectOnPay":"ADDITION","memoed":false,"amount":"400.0","rate":"20","hours":"20.0"},{"name":"Hourly","classificationType":"Regular","effectOnPay":"ADDITION","memoed":false,"amount":"400.0","rate":"20","hours":"20.0"}],"deductions":[{"name":"IRA EE","classificationType":"IRA","effectOnPay":"REDUCTION","memoed":false,"amount":"200.0"}],"informational":[{"name":"Info","effectOnPay":"INFORMATIONAL","amount":"50.0"}],"taxes":[{"name":"Employee Medicare Tax","paidBy":"EMPLOYEE_WITHHOLDING","amount":"11.6"},{"name":"Employer Medicare Tax","paidBy":"EMPLOYER_LIABILITY","amount":"11.6"}]}"#;
        let period =
            raw(r#"{"startDate":"2019-04-28T00:00:00Z","endDate":"2019-05-11T00:00:00Z"}"#);
        let out = check(&ctx("paychex", Some(&period)), &raw(check_json)).unwrap();
        let CanonicalRecord::PayStatement(s) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(s.gross_pay, Money::new(dec("800.0"), Currency::USD));
        assert_eq!(s.net_pay, Money::new(dec("506.65"), Currency::USD));
        assert_eq!(s.total_hours, Some(dec("40.0")));
        assert_eq!(s.period_start.unwrap().to_string(), "2019-04-28");
        assert_eq!(s.period_end.unwrap().to_string(), "2019-05-11");
        assert_eq!(s.check_date.unwrap().to_string(), "2019-05-12");
        assert_eq!(s.payroll_run_remote_id.as_deref(), Some("970002146440893"));
        assert_eq!(s.employee_deductions.len(), 1);
        assert!(s.taxes[1].employer && !s.taxes[0].employer);
        assert_eq!(s.taxes[0].kind, Some(TaxKind::Fica));
        // Not processed (no net pay yet): no statement.
        let unprocessed = check_json.replace(r#""netPay":"506.65","#, "");
        assert!(
            check(&ctx("paychex", Some(&period)), &raw(&unprocessed))
                .unwrap()
                .is_empty()
        );
    }

    /// The trimmed spec (a faithful copy of the operations and examples used).
    fn spec() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../maestro-kit/specs/paychex.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn a_memoed_line_is_still_paid_or_taken_as_the_spec_says() {
        let spec = spec();
        let memo = spec["components"]["schemas"]["PayComponentResource"]["properties"]["memoed"]
            ["description"]
            .as_str()
            .unwrap();
        assert!(
            memo.contains(
                "payHours or payUnits so that they are informational when using a payAmount"
            ),
            "{memo}"
        );
        // The spec's own processed check, its first earning and its deduction memoed.
        let mut example =
            spec["components"]["examples"]["JSONEXAMPLES"]["value"]["PROCESSED_CHECK_GET"]["value"]
                ["content"][0]
                .clone();
        example["earnings"][0]["memoed"] = serde_json::json!(true);
        example["deductions"][0]["memoed"] = serde_json::json!(true);
        let out = check(&ctx("paychex", None), &raw(&example.to_string())).unwrap();
        let CanonicalRecord::PayStatement(s) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(s.gross_pay, Money::new(dec("800.0"), Currency::USD));
        assert_eq!(s.earnings.len(), 2);
        assert_eq!(s.total_hours, Some(dec("40.0")));
        assert_eq!(s.employee_deductions.len(), 1);
        assert_eq!(
            s.employee_deductions[0].amount,
            Money::new(dec("200.0"), Currency::USD)
        );
    }

    #[test]
    fn an_addition_with_in_out_is_in_gross_pay_not_in_net() {
        let spec = spec();
        let effects = &spec["components"]["schemas"]["PayComponentResource"]["properties"]["effectOnPay"]
            ["enum"];
        assert!(
            effects
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("ADDITION_WITH_IN_OUT"))
        );
        let mut example =
            spec["components"]["examples"]["JSONEXAMPLES"]["value"]["PROCESSED_CHECK_GET"]["value"]
                ["content"][0]
                .clone();
        example["earnings"][1]["effectOnPay"] = serde_json::json!("ADDITION_WITH_IN_OUT");
        example["earnings"][1]["amount"] = serde_json::json!("35.10");
        example["earnings"][1]["hours"] = serde_json::Value::Null;
        let out = check(&ctx("paychex", None), &raw(&example.to_string())).unwrap();
        let CanonicalRecord::PayStatement(s) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(s.gross_pay, Money::new(dec("435.10"), Currency::USD));
        assert_eq!(s.net_pay, Money::new(dec("506.65"), Currency::USD));
        assert_eq!(s.total_hours, Some(dec("20.0")));
    }

    #[test]
    fn pay_periods_are_runs_with_day_dates() {
        let p = r#"{"payPeriodId":"850000524255195","intervalCode":"BI_WEEKLY","status":"REVERSED","startDate":"2017-09-09T00:00:00Z","endDate":"2017-09-22T00:00:00Z","checkDate":"2017-09-29T00:00:00Z","checkCount":1}"#;
        let out = pay_period(&ctx("paychex", None), &raw(p)).unwrap();
        let CanonicalRecord::PayrollRun(r) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(r.status, PayrollRunStatus::Cancelled);
        assert_eq!(r.period_end.to_string(), "2017-09-22");
    }
}
