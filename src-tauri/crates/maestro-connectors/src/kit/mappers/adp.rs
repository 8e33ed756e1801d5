//! ADP Workforce Now records (`/hr/v2/workers`, `/payroll/v1/workers/{aoid}/pay-statements/{id}`) →
//! canonical records, by the members of specs/adp.json (Ballerina's derivation of ADP's API
//! Explorer). Money is `{amountValue: number, currencyCode}`: the number is read as written
//! (never through a float). Dates are `YYYY-MM-DD`. A worker's job is its primary work
//! assignment (else its first).

use maestro_core::Sensitive;
use maestro_core::model::{
    CanonicalRecord, Earning, EarningKind, Employee, Employment, EmploymentStatus, EmploymentType,
    PayFrequency, PayPeriod, PayStatement, RawPayload,
};
use maestro_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, date_prefix, decode, non_empty};

/// `{codeValue, shortName, longName}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Code {
    code_value: Option<String>,
    short_name: Option<String>,
}

/// `{amountValue, currencyCode}`: the amount kept as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Amount {
    amount_value: Option<Box<RawValue>>,
    currency_code: Option<String>,
}

/// An amount as exact money; `path` names it in errors. A missing amount is none; a missing
/// currency is an error (ADP's amounts carry one).
fn money(path: &str, a: Option<&Amount>) -> Result<Option<Money>, MapError> {
    let Some(a) = a else { return Ok(None) };
    let Some(raw) = a.amount_value.as_deref() else {
        return Ok(None);
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    let code = non_empty(a.currency_code.as_deref()).ok_or_else(|| {
        bad(
            &format!("{path}.currencyCode"),
            "an amount without a currency",
        )
    })?;
    let currency = Currency::from_code_ignore_case(&code)
        .map_err(|e| bad(&format!("{path}.currencyCode"), e.to_string()))?;
    // `amountValue` is a JSON number, which may be written with an exponent (`1.848E+3`).
    let Some(amount) = exact(&format!("{path}.amountValue"), Some(raw))? else {
        return Ok(None);
    };
    Ok(Some(Money::new(amount, currency)))
}

/// A JSON number read exactly as a decimal.
fn exact(path: &str, raw: Option<&RawValue>) -> Result<Option<Decimal>, MapError> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(None);
    }
    text.trim_matches('"')
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .map(Some)
        .map_err(|_| bad(path, format!("`{text}` is not a number")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Name {
    given_name: Option<String>,
    middle_name: Option<String>,
    family_name1: Option<String>,
    formatted_name: Option<String>,
    nick_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Person {
    legal_name: Name,
    preferred_name: Option<Name>,
    birth_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Email {
    email_uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Communication {
    emails: Vec<Email>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Status {
    status_code: Option<Code>,
    effective_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WorkerDates {
    original_hire_date: Option<String>,
    rehire_date: Option<String>,
    termination_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct OrgUnit {
    name_code: Option<Code>,
    type_code: Option<Code>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ReportsTo {
    #[serde(rename = "associateOID")]
    associate_oid: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Remuneration {
    hourly_rate_amount: Option<Amount>,
    daily_rate_amount: Option<Amount>,
    weekly_rate_amount: Option<Amount>,
    biweekly_rate_amount: Option<Amount>,
    semi_monthly_rate_amount: Option<Amount>,
    monthly_rate_amount: Option<Amount>,
    annual_rate_amount: Option<Amount>,
    effective_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Assignment {
    primary_indicator: Option<bool>,
    hire_date: Option<String>,
    actual_start_date: Option<String>,
    termination_date: Option<String>,
    assignment_status: Option<Status>,
    job_title: Option<String>,
    home_organizational_units: Vec<OrgUnit>,
    reports_to: Vec<ReportsTo>,
    base_remuneration: Option<Remuneration>,
    pay_cycle_code: Option<Code>,
    worker_type_code: Option<Code>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct WorkerId {
    id_value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Worker {
    #[serde(rename = "associateOID")]
    associate_oid: String,
    #[serde(rename = "workerID", default)]
    worker_id: Option<WorkerId>,
    #[serde(default)]
    person: Person,
    #[serde(default)]
    business_communication: Communication,
    #[serde(default)]
    worker_dates: WorkerDates,
    #[serde(default)]
    worker_status: Option<Status>,
    #[serde(default)]
    work_assignments: Vec<Assignment>,
}

impl Worker {
    /// The primary work assignment, else the first.
    fn assignment(&self) -> Option<&Assignment> {
        self.work_assignments
            .iter()
            .find(|a| a.primary_indicator == Some(true))
            .or_else(|| self.work_assignments.first())
    }
}

/// The code's value, else its short name, trimmed and lower case.
fn code(c: Option<&Code>) -> Option<String> {
    let c = c?;
    non_empty(c.code_value.as_deref())
        .or_else(|| non_empty(c.short_name.as_deref()))
        .map(|s| s.to_ascii_lowercase())
}

/// ADP's worker and assignment status codes: `Active`/`A`, `Inactive`/`I`, leave `L`,
/// `Terminated`/`T` (the codes WFN shows; the spec gives no list). An unknown code is an error
/// naming it.
fn status(path: &str, code_value: Option<String>) -> Result<Option<EmploymentStatus>, MapError> {
    Ok(match code_value.as_deref() {
        None => None,
        Some("active" | "a") => Some(EmploymentStatus::Active),
        Some("inactive" | "i" | "leave" | "l" | "on leave") => Some(EmploymentStatus::Inactive),
        Some("terminated" | "t") => Some(EmploymentStatus::Terminated),
        Some(other) => {
            return Err(bad(
                path,
                format!("`{other}` is not one of Active, Inactive, Leave, Terminated"),
            ));
        }
    })
}

/// A worker → an employee: the legal name (the preferred given name kept apart), the first
/// business email, the worker id as employee number, date of birth (sensitive), hire date (the
/// assignment's, else the original hire date), start, termination, status (the worker's, else
/// the assignment's), department (the home unit typed Department), manager.
pub fn worker(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let job = w.assignment();
    let legal = &w.person.legal_name;
    let first = non_empty(legal.given_name.as_deref());
    let last = non_empty(legal.family_name1.as_deref());
    let full = non_empty(legal.formatted_name.as_deref()).or_else(|| match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.clone().or_else(|| l.clone()),
    });
    let preferred = w
        .person
        .preferred_name
        .as_ref()
        .and_then(|n| {
            non_empty(n.given_name.as_deref()).or_else(|| non_empty(n.nick_name.as_deref()))
        })
        .or_else(|| non_empty(legal.nick_name.as_deref()));
    let hired = match job.and_then(|j| j.hire_date.as_deref()) {
        Some(d) => date_prefix("workAssignments.hireDate", Some(d))?,
        None => date_prefix(
            "workerDates.originalHireDate",
            w.worker_dates
                .rehire_date
                .as_deref()
                .or(w.worker_dates.original_hire_date.as_deref()),
        )?,
    };
    let started = match job.and_then(|j| j.actual_start_date.as_deref()) {
        Some(d) => date_prefix("workAssignments.actualStartDate", Some(d))?,
        None => hired,
    };
    let ended = match job.and_then(|j| j.termination_date.as_deref()) {
        Some(d) => date_prefix("workAssignments.terminationDate", Some(d))?,
        None => date_prefix(
            "workerDates.terminationDate",
            w.worker_dates.termination_date.as_deref(),
        )?,
    };
    let worker_status = status(
        "workerStatus.statusCode",
        code(
            w.worker_status
                .as_ref()
                .and_then(|s| s.status_code.as_ref()),
        ),
    )?;
    let job_status = status(
        "workAssignments.assignmentStatus.statusCode",
        code(job.and_then(|j| j.assignment_status.as_ref()?.status_code.as_ref())),
    )?;
    let mut employment_status = worker_status
        .or(job_status)
        .unwrap_or(EmploymentStatus::Active);
    if employment_status == EmploymentStatus::Active && ended.is_some_and(|d| d <= ctx_today()) {
        employment_status = EmploymentStatus::Terminated;
    }
    let department = job.and_then(|j| {
        j.home_organizational_units
            .iter()
            .find(|u| code(u.type_code.as_ref()).as_deref() == Some("department"))
            .and_then(|u| u.name_code.as_ref()?.code_value.as_deref())
            .and_then(|c| non_empty(Some(c)))
    });
    let birth = date_prefix("person.birthDate", w.person.birth_date.as_deref())?;
    let employee = Employee {
        provenance: ctx.provenance(w.associate_oid.clone(), None),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: non_empty(legal.middle_name.as_deref()),
        last_name: last,
        preferred_name: preferred,
        display_full_name: full,
        employee_number: w
            .worker_id
            .as_ref()
            .and_then(|i| non_empty(i.id_value.as_deref())),
        work_email: w
            .business_communication
            .emails
            .iter()
            .find_map(|e| non_empty(e.email_uri.as_deref())),
        personal_email: None,
        phone_numbers: Vec::new(),
        date_of_birth: birth.map(Sensitive::new),
        ssn: None,
        employment_status,
        hire_date: hired,
        start_date: started,
        termination_date: ended,
        manager_remote_id: job.and_then(|j| {
            j.reports_to
                .iter()
                .find_map(|r| non_empty(r.associate_oid.as_deref()))
        }),
        department_remote_id: department,
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: RawPayload::from_raw(raw),
    };
    Ok(vec![employee.into()])
}

/// Today in UTC, for a termination date that has passed (a future one leaves the worker active).
fn ctx_today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// ADP's pay cycle codes (`payCycleCode.codeValue`): weekly `1`/`W`, bi-weekly `2`/`B`,
/// semi-monthly `3`/`S`, monthly `4`/`M` (WFN's; the spec gives no list). Unknown → none.
fn frequency(c: Option<&Code>) -> Option<PayFrequency> {
    match code(c)?.as_str() {
        "1" | "w" | "weekly" => Some(PayFrequency::Weekly),
        "2" | "b" | "biweekly" | "bi-weekly" => Some(PayFrequency::Biweekly),
        "3" | "s" | "semimonthly" | "semi-monthly" => Some(PayFrequency::Semimonthly),
        "4" | "m" | "monthly" => Some(PayFrequency::Monthly),
        _ => None,
    }
}

/// A worker's primary work assignment → an employment (its id the worker's), with the job
/// title, base pay as exact money at the first rate given in order hourly, annual, then the
/// other periods, the pay cycle, and full-time or part-time from the worker type code.
pub fn employment(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let w: Worker = decode(raw)?;
    let Some(job) = w.assignment() else {
        return Ok(Vec::new());
    };
    let base = job.base_remuneration.as_ref();
    let p = "workAssignments.baseRemuneration";
    let mut pay = None;
    if let Some(b) = base {
        for (amount, period, name) in [
            (&b.hourly_rate_amount, PayPeriod::Hour, "hourlyRateAmount"),
            (&b.annual_rate_amount, PayPeriod::Year, "annualRateAmount"),
            (
                &b.monthly_rate_amount,
                PayPeriod::Month,
                "monthlyRateAmount",
            ),
            (
                &b.semi_monthly_rate_amount,
                PayPeriod::HalfMonth,
                "semiMonthlyRateAmount",
            ),
            (
                &b.biweekly_rate_amount,
                PayPeriod::TwoWeeks,
                "biweeklyRateAmount",
            ),
            (&b.weekly_rate_amount, PayPeriod::Week, "weeklyRateAmount"),
            (&b.daily_rate_amount, PayPeriod::Day, "dailyRateAmount"),
        ] {
            if let Some(m) = money(&format!("{p}.{name}"), amount.as_ref())? {
                pay = Some((m, period));
                break;
            }
        }
    }
    let effective = match base.and_then(|b| b.effective_date.as_deref()) {
        Some(d) => date_prefix(&format!("{p}.effectiveDate"), Some(d))?,
        None => date_prefix("workAssignments.hireDate", job.hire_date.as_deref())?,
    };
    let kind = match code(job.worker_type_code.as_ref()).as_deref() {
        Some("f" | "ft" | "full time" | "fulltime" | "full-time") => Some(EmploymentType::FullTime),
        Some("p" | "pt" | "part time" | "parttime" | "part-time") => Some(EmploymentType::PartTime),
        Some("t" | "temporary") => Some(EmploymentType::Temporary),
        _ => None,
    };
    Ok(vec![
        Employment {
            provenance: ctx.provenance(w.associate_oid.clone(), None),
            company_id: ctx.company_id,
            employee_remote_id: w.associate_oid.clone(),
            job_title: non_empty(job.job_title.as_deref()),
            pay_rate: pay.map(|(m, _)| m),
            pay_period: pay.map(|(_, period)| period),
            pay_frequency: frequency(job.pay_cycle_code.as_ref()),
            flsa_status: None,
            employment_type: kind,
            effective_date: effective,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Link {
    href: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Period {
    start_date: Option<String>,
    end_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EarningLine {
    earning_code_name: Option<String>,
    earning_amount: Option<Amount>,
    pay_period_hours: Option<Box<RawValue>>,
}

/// One statement (`GET /payroll/v1/workers/{aoid}/pay-statements/{pay-statement-id}`, the
/// spec's `PayStatement`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    pay_date: Option<String>,
    #[serde(default)]
    pay_period: Period,
    gross_pay_amount: Option<Amount>,
    net_pay_amount: Option<Amount>,
    total_hours: Option<Box<RawValue>>,
    #[serde(default)]
    earnings: Vec<EarningLine>,
}

/// The statement's answer: the spec's `PayStatement` is the statement itself; an answer that
/// wraps it in `payStatement` (as ADP's own samples are said to) is read too.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wrapped {
    pay_statement: Option<Box<RawValue>>,
}

/// The list's reference to the statement, kept for its detail (`payDetailUri.href`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    pay_detail_uri: Link,
}

/// The associate OID in a statement's detail link: the `{aoid}` of
/// `/payroll/v1/workers/{aoid}/pay-statements/{pay-statement-id}` (absolute or relative).
fn worker_of(href: &str) -> Option<&str> {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    let mut parts = path.split('/').skip_while(|p| *p != "workers").skip(1);
    let aoid = parts.next().filter(|a| !a.trim().is_empty())?;
    (parts.next() == Some("pay-statements")).then_some(aoid)
}

/// `payDate`: `YYYY-MM-DD`, or `YYYY-MM` ("the month the payment represents", the spec says),
/// which names no day and gives none.
fn pay_date(text: Option<&str>) -> Result<Option<chrono::NaiveDate>, MapError> {
    match text.map(str::trim) {
        Some(t)
            if t.len() == 7
                && chrono::NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").is_ok() =>
        {
            Ok(None)
        }
        t => date_prefix("payDate", t),
    }
}

/// An earning's kind from its code name (`earningCodeName`; the spec gives no list: WFN's
/// usual names).
fn earning_kind(name: &str) -> EarningKind {
    let n = name.to_ascii_lowercase();
    if n.contains("double") {
        EarningKind::DoubleOvertime
    } else if n.contains("overtime") || n.starts_with("ot") {
        EarningKind::Overtime
    } else if n.contains("salary") {
        EarningKind::Salary
    } else if n.contains("regular") || n.contains("hourly") {
        EarningKind::Regular
    } else if n.contains("holiday") {
        EarningKind::Holiday
    } else if n.contains("sick") {
        EarningKind::Sick
    } else if n.contains("vacation") || n.contains("pto") || n.contains("paid time off") {
        EarningKind::Pto
    } else if n.contains("bonus") {
        EarningKind::Bonus
    } else if n.contains("commission") {
        EarningKind::Commission
    } else {
        EarningKind::Other
    }
}

/// A pay statement's detail → a pay statement of the worker in its detail link (kept from the
/// list, where it is the statement's only reference and so its id): pay date, pay period,
/// gross and net pay as exact money, total hours, and the earning lines with their hours.
pub fn pay_statement(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let s: Statement = match decode::<Wrapped>(raw)?.pay_statement {
        Some(inner) => decode(&inner)?,
        None => decode(raw)?,
    };
    let listed = ctx
        .parent
        .ok_or_else(|| bad("(record)", "a pay statement read without its detail link"))?;
    let listed: Listed = decode(listed)?;
    let href = listed.pay_detail_uri.href;
    let worker = worker_of(&href)
        .ok_or_else(|| {
            bad(
                "payDetailUri.href",
                format!("`{href}` names no worker (…/workers/{{aoid}}/pay-statements/…)"),
            )
        })?
        .to_owned();
    let gross = money("grossPayAmount", s.gross_pay_amount.as_ref())?
        .ok_or_else(|| bad("grossPayAmount.amountValue", "missing"))?;
    let net = match money("netPayAmount", s.net_pay_amount.as_ref())? {
        Some(n) => n,
        None => Money {
            amount: Decimal::ZERO,
            currency: gross.currency,
        },
    };
    let mut earnings = Vec::with_capacity(s.earnings.len());
    for (i, e) in s.earnings.iter().enumerate() {
        let at = format!("earnings[{i}]");
        let Some(amount) = money(&format!("{at}.earningAmount"), e.earning_amount.as_ref())? else {
            continue;
        };
        let name = non_empty(e.earning_code_name.as_deref()).unwrap_or_default();
        earnings.push(Earning {
            kind: earning_kind(&name),
            name,
            amount,
            hours: exact(
                &format!("{at}.payPeriodHours"),
                e.pay_period_hours.as_deref(),
            )?,
        });
    }
    Ok(vec![
        PayStatement {
            provenance: ctx.provenance(href, None),
            company_id: ctx.company_id,
            employee_remote_id: worker,
            payroll_run_remote_id: None,
            period_start: date_prefix("payPeriod.startDate", s.pay_period.start_date.as_deref())?,
            period_end: date_prefix("payPeriod.endDate", s.pay_period.end_date.as_deref())?,
            check_date: pay_date(s.pay_date.as_deref())?,
            gross_pay: gross,
            net_pay: net,
            total_hours: exact("totalHours", s.total_hours.as_deref())?,
            payment_method: None,
            earnings,
            employee_deductions: Vec::new(),
            taxes: Vec::new(),
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
    use chrono::NaiveDate;

    use super::super::test_support::raw;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("adp", None)
    }

    const WORKER: &str = r#"{
        "associateOID": "G3WX9K2A", "workerID": {"idValue": "E1001"},
        "person": {"legalName": {"givenName": "Ana", "middleName": "Luz", "familyName1": "Rivera",
                                 "formattedName": "Rivera, Ana"},
                   "preferredName": {"givenName": "Annie"}, "birthDate": "1990-04-02"},
        "businessCommunication": {"emails": [{"emailUri": "ana.rivera@bluebird.example"}]},
        "workerDates": {"originalHireDate": "2019-01-07"},
        "workerStatus": {"statusCode": {"codeValue": "Active"}},
        "workAssignments": [
          {"primaryIndicator": false, "jobTitle": "Old job", "hireDate": "2019-01-07"},
          {"primaryIndicator": true, "hireDate": "2021-03-15", "jobTitle": "Baker",
           "assignmentStatus": {"statusCode": {"codeValue": "A"}},
           "homeOrganizationalUnits": [
             {"nameCode": {"codeValue": "NORTH"}, "typeCode": {"codeValue": "Business Unit"}},
             {"nameCode": {"codeValue": "BAKERY"}, "typeCode": {"codeValue": "Department"}}],
           "reportsTo": [{"associateOID": "G3MGR001"}],
           "baseRemuneration": {"hourlyRateAmount": {"amountValue": 23.10, "currencyCode": "USD"},
                                "annualRateAmount": {"amountValue": 48048, "currencyCode": "USD"},
                                "effectiveDate": "2024-01-01"},
           "payCycleCode": {"codeValue": "2"},
           "workerTypeCode": {"codeValue": "P"}}
        ]}"#;

    #[test]
    fn a_worker_is_an_employee_with_the_primary_assignment() {
        let out = worker(&ctx(), &raw(WORKER)).unwrap();
        let CanonicalRecord::Employee(e) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(e.provenance.remote_id, "G3WX9K2A");
        assert_eq!(e.first_name.as_deref(), Some("Ana"));
        assert_eq!(e.middle_name.as_deref(), Some("Luz"));
        assert_eq!(e.last_name.as_deref(), Some("Rivera"));
        assert_eq!(e.preferred_name.as_deref(), Some("Annie"));
        assert_eq!(e.employee_number.as_deref(), Some("E1001"));
        assert_eq!(e.work_email.as_deref(), Some("ana.rivera@bluebird.example"));
        assert_eq!(e.hire_date, NaiveDate::from_ymd_opt(2021, 3, 15));
        assert_eq!(e.employment_status, EmploymentStatus::Active);
        assert_eq!(e.department_remote_id.as_deref(), Some("BAKERY"));
        assert_eq!(e.manager_remote_id.as_deref(), Some("G3MGR001"));
        assert_eq!(
            e.date_of_birth.as_ref().map(|d| *d.expose()),
            NaiveDate::from_ymd_opt(1990, 4, 2)
        );
    }

    #[test]
    fn base_pay_is_exact_money_and_hourly_first() {
        let out = employment(&ctx(), &raw(WORKER)).unwrap();
        let CanonicalRecord::Employment(j) = &out[0] else {
            panic!("{out:?}")
        };
        let pay = j.pay_rate.as_ref().unwrap();
        assert_eq!(pay.amount.to_string(), "23.10");
        assert_eq!(pay.currency.code(), "USD");
        assert_eq!(j.pay_period, Some(PayPeriod::Hour));
        assert_eq!(j.pay_frequency, Some(PayFrequency::Biweekly));
        assert_eq!(j.employment_type, Some(EmploymentType::PartTime));
        assert_eq!(j.job_title.as_deref(), Some("Baker"));
        assert_eq!(j.effective_date, NaiveDate::from_ymd_opt(2024, 1, 1));
    }

    #[test]
    fn a_terminated_worker_and_bad_values_are_named() {
        let t = WORKER
            .replace("\"codeValue\": \"Active\"", "\"codeValue\": \"Terminated\"")
            .replace(
                "\"hireDate\": \"2021-03-15\",",
                "\"hireDate\": \"2021-03-15\", \"terminationDate\": \"2024-06-30\",",
            );
        let CanonicalRecord::Employee(e) = &worker(&ctx(), &raw(&t)).unwrap()[0] else {
            panic!()
        };
        assert_eq!(e.employment_status, EmploymentStatus::Terminated);
        assert_eq!(e.termination_date, NaiveDate::from_ymd_opt(2024, 6, 30));
        let odd = WORKER.replace("\"codeValue\": \"Active\"", "\"codeValue\": \"Z\"");
        let err = worker(&ctx(), &raw(&odd)).unwrap_err();
        assert_eq!(err.path, "workerStatus.statusCode");
        let no_currency = WORKER.replace(
            ", \"currencyCode\": \"USD\"},\n                                \"annualRateAmount\"",
            "},\n                                \"annualRateAmount\"",
        );
        assert_ne!(no_currency, WORKER);
        let err = employment(&ctx(), &raw(&no_currency)).unwrap_err();
        assert!(
            err.path.ends_with("hourlyRateAmount.currencyCode"),
            "{err:?}"
        );
    }

    const DETAIL: &str = r#"{"payDate": "2024-07-05",
        "payPeriod": {"startDate": "2024-06-17", "endDate": "2024-06-30"},
        "grossPayAmount": {"amountValue": 1848.00, "currencyCode": "USD"},
        "netPayAmount": {"amountValue": 1402.37, "currencyCode": "USD"}, "totalHours": 80.5,
        "earnings": [
          {"earningCodeName": "Regular", "earningAmount": {"amountValue": 1771.10, "currencyCode": "USD"},
           "payPeriodHours": 77.0},
          {"earningCodeName": "Overtime", "earningAmount": {"amountValue": 76.90, "currencyCode": "USD"},
           "payPeriodHours": 3.5}]}"#;

    fn detail_ctx(parent: &RawValue) -> MapCtx<'_> {
        MapCtx {
            parent: Some(parent),
            ..ctx()
        }
    }

    #[test]
    fn a_pay_statement_belongs_to_the_worker_of_its_link_with_its_period_and_exact_pay() {
        let parent = raw(
            r#"{"payDetailUri": {"href": "/payroll/v1/workers/G3WX9K2A/pay-statements/PS-1"}}"#,
        );
        let s = raw(DETAIL);
        let CanonicalRecord::PayStatement(p) = &pay_statement(&detail_ctx(&parent), &s).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(p.employee_remote_id, "G3WX9K2A");
        assert_eq!(
            p.provenance.remote_id,
            "/payroll/v1/workers/G3WX9K2A/pay-statements/PS-1"
        );
        assert_eq!(p.period_start, NaiveDate::from_ymd_opt(2024, 6, 17));
        assert_eq!(p.period_end, NaiveDate::from_ymd_opt(2024, 6, 30));
        assert_eq!(p.check_date, NaiveDate::from_ymd_opt(2024, 7, 5));
        assert_eq!(p.gross_pay.amount.to_string(), "1848.00");
        assert_eq!(p.net_pay.amount.to_string(), "1402.37");
        assert_eq!(p.total_hours.unwrap().to_string(), "80.5");
        assert_eq!(p.earnings.len(), 2);
        assert_eq!(p.earnings[0].kind, EarningKind::Regular);
        assert_eq!(p.earnings[0].amount.amount.to_string(), "1771.10");
        assert_eq!(p.earnings[1].kind, EarningKind::Overtime);
        assert_eq!(p.earnings[1].hours.unwrap().to_string(), "3.5");
        assert_eq!(p.earnings_total().unwrap(), p.gross_pay);
        assert!(pay_statement(&ctx(), &s).is_err(), "no link, no worker");
        let nowhere = raw(r#"{"payDetailUri": {"href": "/payroll/v1/pay-statements/PS-1"}}"#);
        let err = pay_statement(&detail_ctx(&nowhere), &s).unwrap_err();
        assert_eq!(err.path, "payDetailUri.href");
    }

    #[test]
    fn an_amount_written_with_an_exponent_is_exact_money() {
        // The spec types `amountValue` as a JSON number, which may carry an exponent.
        let parent =
            raw(r#"{"payDetailUri": {"href": "/payroll/v1/workers/G3/pay-statements/9"}}"#);
        let s = raw(&DETAIL.replace("1848.00", "1.84800E+3"));
        let CanonicalRecord::PayStatement(p) = &pay_statement(&detail_ctx(&parent), &s).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(p.gross_pay.amount, Decimal::new(1848, 0));
        assert_eq!(p.gross_pay.currency.code(), "USD");
        let bad = raw(&DETAIL.replace("1848.00", "\"lots\""));
        let err = pay_statement(&detail_ctx(&parent), &bad).unwrap_err();
        assert_eq!(err.path, "grossPayAmount.amountValue");
    }

    #[test]
    fn a_month_pay_date_and_a_wrapped_answer_are_read() {
        let parent = raw(
            r#"{"payDetailUri": {"href": "https://api.adp.com/payroll/v1/workers/G3/pay-statements/9"}}"#,
        );
        // The spec: payDate "may be also passed as YYYY-MM" (the month the payment represents).
        let month = raw(&DETAIL.replace("\"2024-07-05\"", "\"2024-07\""));
        let CanonicalRecord::PayStatement(p) =
            &pay_statement(&detail_ctx(&parent), &month).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(p.check_date, None);
        assert_eq!(p.employee_remote_id, "G3");
        let wrapped = raw(&format!("{{\"payStatement\": {DETAIL}}}"));
        let CanonicalRecord::PayStatement(w) =
            &pay_statement(&detail_ctx(&parent), &wrapped).unwrap()[0]
        else {
            panic!()
        };
        assert_eq!(w.period_end, NaiveDate::from_ymd_opt(2024, 6, 30));
        let bad_day = raw(&DETAIL.replace("\"2024-07-05\"", "\"July 5\""));
        assert_eq!(
            pay_statement(&detail_ctx(&parent), &bad_day)
                .unwrap_err()
                .path,
            "payDate"
        );
    }
}
