//! ADP Workforce Now records (`/hr/v2/workers`, `/payroll/v1/workers/{aoid}/pay-statements`) →
//! canonical records, by the members of specs/adp.json (Ballerina's derivation of ADP's API
//! Explorer). Money is `{amountValue: number, currencyCode}`: the number is read as written
//! (never through a float). Dates are `YYYY-MM-DD`. A worker's job is its primary work
//! assignment (else its first).

use maestro_core::Sensitive;
use maestro_core::model::{
    CanonicalRecord, Employee, Employment, EmploymentStatus, EmploymentType, PayFrequency,
    PayPeriod, PayStatement, RawPayload,
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
    let amount = Money::parse(text.trim_matches('"'), currency)
        .map_err(|e| bad(&format!("{path}.amountValue"), e.to_string()))?;
    Ok(Some(amount))
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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    pay_detail_uri: Link,
    pay_date: Option<String>,
    gross_pay_amount: Option<Amount>,
    net_pay_amount: Option<Amount>,
    total_hours: Option<Box<RawValue>>,
}

#[derive(Debug, Deserialize)]
struct Parent {
    #[serde(rename = "associateOID")]
    associate_oid: String,
}

/// A pay statement → a pay statement of the worker it was read for (the partition's parent):
/// pay date, gross and net pay as exact money, total hours paid where ADP gives them. Its id is
/// its detail link (the spec gives it no id); ADP's list gives no pay period, so none is set.
pub fn pay_statement(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let s: Statement = decode(raw)?;
    let parent = ctx
        .parent
        .ok_or_else(|| bad("(record)", "a pay statement read without its worker"))?;
    let worker: Parent = decode(parent)?;
    let gross = money("grossPayAmount", s.gross_pay_amount.as_ref())?
        .ok_or_else(|| bad("grossPayAmount.amountValue", "missing"))?;
    let net = match money("netPayAmount", s.net_pay_amount.as_ref())? {
        Some(n) => n,
        None => Money {
            amount: Decimal::ZERO,
            currency: gross.currency,
        },
    };
    Ok(vec![
        PayStatement {
            provenance: ctx.provenance(s.pay_detail_uri.href.clone(), None),
            company_id: ctx.company_id,
            employee_remote_id: worker.associate_oid,
            payroll_run_remote_id: None,
            period_start: None,
            period_end: None,
            check_date: date_prefix("payDate", s.pay_date.as_deref())?,
            gross_pay: gross,
            net_pay: net,
            total_hours: exact("totalHours", s.total_hours.as_deref())?,
            payment_method: None,
            earnings: Vec::new(),
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

    #[test]
    fn a_pay_statement_belongs_to_its_worker_with_exact_pay_and_hours() {
        let parent = raw(r#"{"associateOID": "G3WX9K2A"}"#);
        let c = MapCtx {
            parent: Some(&parent),
            ..ctx()
        };
        let s = raw(
            r#"{"payDate": "2024-07-05", "grossPayAmount": {"amountValue": 1848.00, "currencyCode": "USD"},
                "netPayAmount": {"amountValue": 1402.37, "currencyCode": "USD"}, "totalHours": 80.5,
                "payDetailUri": {"href": "/payroll/v1/workers/G3WX9K2A/pay-statements/PS-1"}}"#,
        );
        let CanonicalRecord::PayStatement(p) = &pay_statement(&c, &s).unwrap()[0] else {
            panic!()
        };
        assert_eq!(p.employee_remote_id, "G3WX9K2A");
        assert_eq!(
            p.provenance.remote_id,
            "/payroll/v1/workers/G3WX9K2A/pay-statements/PS-1"
        );
        assert_eq!(p.gross_pay.amount.to_string(), "1848.00");
        assert_eq!(p.net_pay.amount.to_string(), "1402.37");
        assert_eq!(p.total_hours.unwrap().to_string(), "80.5");
        assert_eq!(p.check_date, NaiveDate::from_ymd_opt(2024, 7, 5));
        assert!(pay_statement(&ctx(), &s).is_err(), "no parent, no worker");
    }
}
