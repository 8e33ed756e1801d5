//! Justworks Partner API records (`/v1/company`, `/v1/members`, `/v1/deduction-types`,
//! `/v1/deductions`) → canonical records. The spec is an UNOFFICIAL reconstruction (see
//! `justworks.toml`): the members it types are read as typed; the ones it leaves as bare
//! objects (`emails`, `department`, `manager`, `current_pay`) are read in the shape the file
//! writes down as assumed, and anything else stays in the raw payload.
//!
//! Money, per Justworks' docs ("Formatting Notes"): integer minor units with two decimals
//! ("zero-decimal": $45.00 is `4500`) and always a currency beside it; percentages with four
//! decimals (3.7% is `37000`). Both become exact decimals, never floats.

use chrono::{DateTime, NaiveDate, Utc};
use maestro_core::model::{
    BenefitEnrollment, BenefitKind, BenefitPlan, CanonicalRecord, Company, Compensation, Employee,
    Employment, EmploymentStatus, EmploymentType, EnrollmentStatus, PayFrequency, PayPeriod,
    RawPayload,
};
use maestro_core::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{MapCtx, MapError, bad, decode, non_empty};

/// A `YYYY-MM-DD` date.
fn date(path: &str, text: Option<&str>) -> Result<Option<NaiveDate>, MapError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| bad(path, format!("`{t}` is not a date (YYYY-MM-DD)")))
}

/// An RFC 3339 time.
fn time(path: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, MapError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(t)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|_| bad(path, format!("`{t}` is not a date and time (RFC 3339)")))
}

/// An amount in Justworks' "zero-decimal" minor units (two decimals, whatever the currency:
/// the docs' rule), with its currency, exact.
pub(crate) fn money(path: &str, amount: i64, currency: Option<&str>) -> Result<Money, MapError> {
    let code = currency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            bad(
                &format!("{path}.currency"),
                "an amount without its currency",
            )
        })?;
    let currency = Currency::from_code_ignore_case(code).map_err(|_| {
        bad(
            &format!("{path}.currency"),
            format!("`{code}` is not a currency"),
        )
    })?;
    Ok(Money::new(Decimal::new(amount, 2), currency))
}

/// A percentage in Justworks' four-decimal units (`37000` is 3.7 %), exact; refused when it is
/// not between 0 and 100 %.
pub(crate) fn percent(path: &str, units: i64) -> Result<Decimal, MapError> {
    let p = Decimal::new(units, 4);
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
        return Err(bad(path, format!("{p} % is not a percentage of pay")));
    }
    Ok(p)
}

#[derive(Debug, Deserialize)]
struct CompanyRecord {
    id: String,
    display_name: Option<String>,
    legal_name: Option<String>,
    updated_at: Option<String>,
}

/// The company → the company (display name, else legal name). Its tax id, addresses and
/// phones stay in the raw payload: the spec types them loosely (a string, bare objects).
pub fn company(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let c: CompanyRecord = decode(raw)?;
    let legal = non_empty(c.legal_name.as_deref());
    let name = non_empty(c.display_name.as_deref())
        .or_else(|| legal.clone())
        .ok_or_else(|| bad("display_name", "a company without a name"))?;
    Ok(vec![
        Company {
            provenance: ctx.provenance(c.id, time("updated_at", c.updated_at.as_deref())?),
            company_id: ctx.company_id,
            name,
            legal_name: legal,
            eins: Vec::new(),
            entity_type: None,
            email: None,
            phone: None,
            address: None,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Name {
    given_name: Option<String>,
    family_name: Option<String>,
    preferred_name: Option<String>,
    full_preferred_name: Option<String>,
}

/// An email of a member: `{address, type}` (assumed; the spec types it as a bare object).
#[derive(Debug, Deserialize)]
struct Email {
    address: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A related record (department, manager): its `id` and, for a department, its `name`
/// (assumed; the spec types both as bare objects).
#[derive(Debug, Deserialize)]
struct Related {
    id: Option<String>,
}

/// A member's current pay: `{amount, currency, type}` (assumed, like the spec's other money).
#[derive(Debug, Deserialize)]
struct Pay {
    amount: Option<i64>,
    currency: Option<String>,
    #[serde(rename = "type")]
    basis: Option<String>,
    effective_date: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Member {
    id: String,
    work_id: Option<String>,
    name: Option<Name>,
    active: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    emails: Vec<Email>,
    department: Option<Related>,
    manager: Option<Related>,
    job_title: Option<String>,
    current_pay: Option<Pay>,
    current_pay_frequency: Option<String>,
    employment_start_date: Option<String>,
    employment_termination_date: Option<String>,
    updated_at: Option<String>,
}

/// The period a current pay's `type` names: salaried pay is per year, hourly per hour;
/// anything else is not guessed at.
fn pay_period(basis: Option<&str>) -> Option<PayPeriod> {
    let b = basis?.trim().to_ascii_lowercase();
    if b.contains("hour") {
        Some(PayPeriod::Hour)
    } else if b.contains("salar") || b.contains("annual") || b.contains("year") {
        Some(PayPeriod::Year)
    } else {
        None
    }
}

/// `current_pay_frequency` in words (`weekly`, `biweekly`, `semimonthly`, `monthly`, with or
/// without `_`/`-`); anything else none.
fn pay_frequency(text: Option<&str>) -> Option<PayFrequency> {
    let t = text?
        .trim()
        .to_ascii_lowercase()
        .replace(['_', '-', ' '], "");
    match t.as_str() {
        "weekly" => Some(PayFrequency::Weekly),
        "biweekly" => Some(PayFrequency::Biweekly),
        "semimonthly" => Some(PayFrequency::Semimonthly),
        "monthly" => Some(PayFrequency::Monthly),
        _ => None,
    }
}

/// A member → an employee, its current employment, and its current pay as a compensation
/// when the pay has an amount, a currency and a basis this mapper knows.
///
/// Status: `active` true is active; otherwise terminated when a termination date is given,
/// inactive when not. The work email is the email whose `type` is `work` (any case); none
/// other is taken for it. A `type` naming a contractor makes the employment a contractor's.
pub fn member(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let m: Member = decode(raw)?;
    let updated = time("updated_at", m.updated_at.as_deref())?;
    let start = date("employment_start_date", m.employment_start_date.as_deref())?;
    let end = date(
        "employment_termination_date",
        m.employment_termination_date.as_deref(),
    )?;
    let status = match (m.active, end) {
        (Some(true), _) => EmploymentStatus::Active,
        (_, Some(_)) => EmploymentStatus::Terminated,
        (Some(false), None) => EmploymentStatus::Inactive,
        (None, None) => EmploymentStatus::Active,
    };
    let name = m.name.as_ref();
    let first = non_empty(name.and_then(|n| n.given_name.as_deref()));
    let last = non_empty(name.and_then(|n| n.family_name.as_deref()));
    let full = match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.clone().or_else(|| l.clone()),
    };
    let preferred = non_empty(name.and_then(|n| n.preferred_name.as_deref()))
        .or_else(|| non_empty(name.and_then(|n| n.full_preferred_name.as_deref())));
    let work_email = m
        .emails
        .iter()
        .find(|e| {
            e.kind
                .as_deref()
                .is_some_and(|k| k.trim().eq_ignore_ascii_case("work"))
        })
        .and_then(|e| non_empty(e.address.as_deref()))
        .map(|a| a.to_lowercase());
    let employee = Employee {
        provenance: ctx.provenance(m.id.clone(), updated),
        company_id: ctx.company_id,
        first_name: first,
        middle_name: None,
        last_name: last,
        preferred_name: preferred,
        display_full_name: full,
        employee_number: non_empty(m.work_id.as_deref()),
        work_email,
        personal_email: None,
        phone_numbers: Vec::new(),
        date_of_birth: None,
        ssn: None,
        employment_status: status,
        hire_date: start,
        start_date: start,
        termination_date: end,
        manager_remote_id: m.manager.as_ref().and_then(|r| non_empty(r.id.as_deref())),
        department_remote_id: m
            .department
            .as_ref()
            .and_then(|r| non_empty(r.id.as_deref())),
        work_location_remote_id: None,
        home_location_remote_id: None,
        custom_fields: Default::default(),
        raw: RawPayload::from_raw(raw),
    };
    let pay = match &m.current_pay {
        Some(p) => match (p.amount, pay_period(p.basis.as_deref())) {
            (Some(amount), Some(period)) => Some((
                money("current_pay", amount, p.currency.as_deref())?,
                period,
                date("current_pay.effective_date", p.effective_date.as_deref())?,
            )),
            _ => None,
        },
        None => None,
    };
    let contractor = m
        .kind
        .as_deref()
        .is_some_and(|k| k.to_ascii_lowercase().contains("contractor"));
    let employment = Employment {
        provenance: ctx.provenance(m.id.clone(), updated),
        company_id: ctx.company_id,
        employee_remote_id: m.id.clone(),
        job_title: non_empty(m.job_title.as_deref()),
        pay_rate: pay.as_ref().map(|(rate, _, _)| *rate),
        pay_period: pay.as_ref().map(|(_, period, _)| *period),
        pay_frequency: pay_frequency(m.current_pay_frequency.as_deref()),
        flsa_status: None,
        employment_type: contractor.then_some(EmploymentType::Contractor),
        effective_date: start,
        raw: RawPayload::from_raw(raw),
    };
    let mut out = vec![employee.into(), employment.into()];
    if let Some((rate, period, since)) = pay
        && let Some(effective_date) = since.or(start)
    {
        out.push(
            Compensation {
                provenance: ctx.provenance(m.id.clone(), updated),
                company_id: ctx.company_id,
                employee_remote_id: m.id,
                employment_remote_id: None,
                effective_date,
                rate,
                period,
                flsa_status: None,
                reason: None,
                raw: RawPayload::from_raw(raw),
            }
            .into(),
        );
    }
    Ok(out)
}

/// The benefit a deduction type is for, from its code and description; `None` for a
/// deduction that is not a benefit (garnishments, loans, advances, anything unrecognised).
///
/// The rule (Justworks documents no list of codes): the words, in either, of medical or
/// health (not "health savings"), dental, vision, life, disability, 401(k)/403(b)/retirement/
/// pension, HSA or "health savings", FSA or "flexible spending", commuter/transit/parking.
pub(crate) fn benefit_kind(code: &str, description: Option<&str>) -> Option<BenefitKind> {
    let text = format!("{} {}", code, description.unwrap_or_default())
        .to_ascii_lowercase()
        .replace(['(', ')', '-', '_'], " ");
    let has = |w: &str| text.split_whitespace().any(|t| t == w) || text.contains(w);
    if has("garnish") || has("loan") || has("advance") || has("levy") {
        return None;
    }
    Some(if has("hsa") || has("health savings") {
        BenefitKind::Hsa
    } else if has("fsa") || has("flexible spending") {
        BenefitKind::Fsa
    } else if has("dental") {
        BenefitKind::Dental
    } else if has("vision") {
        BenefitKind::Vision
    } else if has("medical") || has("health") {
        BenefitKind::Medical
    } else if has("401k")
        || has("401 k")
        || has("403b")
        || has("403 b")
        || has("retirement")
        || has("pension")
    {
        BenefitKind::Retirement
    } else if has("disability") {
        BenefitKind::Disability
    } else if has("life") {
        BenefitKind::Life
    } else if has("commuter") || has("transit") || has("parking") {
        BenefitKind::Commuter
    } else {
        return None;
    })
}

#[derive(Debug, Deserialize)]
struct DeductionType {
    code: String,
    description: Option<String>,
}

/// A deduction type → a benefit plan when it is a benefit ([`benefit_kind`]); none otherwise.
pub fn deduction_type(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let t: DeductionType = decode(raw)?;
    let Some(kind) = benefit_kind(&t.code, t.description.as_deref()) else {
        return Ok(Vec::new());
    };
    Ok(vec![
        BenefitPlan {
            provenance: ctx.provenance(t.code.clone(), None),
            company_id: ctx.company_id,
            name: non_empty(t.description.as_deref()).unwrap_or_else(|| t.code.clone()),
            kind,
            carrier: None,
            description: non_empty(t.description.as_deref()),
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[derive(Debug, Deserialize)]
struct Deduction {
    id: String,
    member_id: Option<String>,
    amount_type: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    deduction_type_code: Option<String>,
    frequency: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
}

/// What a deduction's `amount` is: a fixed amount or a percentage of pay (the spec gives
/// `amount_type` no values: `fixed`/`flat`/`amount` and `percent…` are read; anything else is
/// neither, so its amount is not read as money).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AmountType {
    Fixed,
    Percentage,
    Unknown,
}

fn amount_type(text: Option<&str>) -> AmountType {
    let t = text.unwrap_or_default().trim().to_ascii_lowercase();
    if t.starts_with("percent") {
        AmountType::Percentage
    } else if ["fixed", "flat", "amount", "fixed_amount"].contains(&t.as_str()) {
        AmountType::Fixed
    } else {
        AmountType::Unknown
    }
}

/// A deduction → a benefit enrollment, under this rule:
/// - only when its type is a benefit ([`benefit_kind`] of the type's code and description,
///   which the deductions stream keeps from its parent, the deduction type);
/// - only when it is taken `every_paycheck` (a `one_time` deduction is no enrollment);
/// - the employee's contribution per pay period is the amount when it is a fixed amount
///   (minor units with its currency), or the percentage of pay (four decimals, 0–100 %) when
///   it is a percentage; an unknown `amount_type` gives neither (the raw payload keeps it);
/// - the plan is the deduction type (its code); `start_date` and `end_date` are when the
///   deduction is taken (coverage dates are not in the spec); active when there is no end
///   date, otherwise the dates tell (no clock here).
pub fn deduction(ctx: &MapCtx<'_>, raw: &RawValue) -> Result<Vec<CanonicalRecord>, MapError> {
    let d: Deduction = decode(raw)?;
    let parent: Option<DeductionType> = match ctx.parent {
        Some(p) => {
            Some(decode(p).map_err(|e| bad(&format!("(deduction type).{}", e.path), e.message))?)
        }
        None => None,
    };
    let code = non_empty(d.deduction_type_code.as_deref())
        .or_else(|| parent.as_ref().map(|p| p.code.clone()))
        .ok_or_else(|| bad("deduction_type_code", "a deduction without its type"))?;
    let description = parent
        .as_ref()
        .filter(|p| p.code == code)
        .and_then(|p| p.description.as_deref());
    if benefit_kind(&code, description).is_none() {
        return Ok(Vec::new());
    }
    if d.frequency.as_deref().map(str::trim) != Some("every_paycheck") {
        return Ok(Vec::new());
    }
    let member = non_empty(d.member_id.as_deref())
        .ok_or_else(|| bad("member_id", "a deduction without its member"))?;
    let amount = d
        .amount
        .ok_or_else(|| bad("amount", "a deduction without an amount"))?;
    let (employee_contribution, employee_contribution_percent) =
        match amount_type(d.amount_type.as_deref()) {
            AmountType::Fixed => (Some(money("amount", amount, d.currency.as_deref())?), None),
            AmountType::Percentage => (None, Some(percent("amount", amount)?)),
            AmountType::Unknown => (None, None),
        };
    let end = date("end_date", d.end_date.as_deref())?;
    Ok(vec![
        BenefitEnrollment {
            provenance: ctx.provenance(d.id, None),
            company_id: ctx.company_id,
            employee_remote_id: member,
            plan_remote_id: code,
            status: end.is_none().then_some(EnrollmentStatus::Active),
            employee_contribution,
            company_contribution: None,
            coverage_start: None,
            coverage_end: None,
            employee_contribution_percent,
            company_contribution_percent: None,
            deduction_start: date("start_date", d.start_date.as_deref())?,
            deduction_end: end,
            raw: RawPayload::from_raw(raw),
        }
        .into(),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use super::super::test_support::raw;
    use super::*;

    fn ctx() -> MapCtx<'static> {
        super::super::test_support::ctx("justworks", None)
    }

    const MEMBER: &str = r#"{
        "id": "mem_1", "company_id": "co_1", "work_id": "E-7",
        "name": {"given_name": "Ana", "family_name": "López", "preferred_name": "Ani"},
        "active": true, "type": "employee",
        "emails": [{"address": "ana@home.example", "type": "personal"},
                   {"address": "Ana.Lopez@Bluebird.example", "type": "WORK"}],
        "department": {"id": "dep_2", "name": "Kitchen"},
        "manager": {"id": "mem_9"},
        "job_title": "Baker",
        "current_pay": {"amount": 5512350, "currency": "USD", "type": "salary"},
        "current_pay_frequency": "semi_monthly",
        "employment_start_date": "2021-03-01",
        "updated_at": "2026-11-30T10:00:00Z"
    }"#;

    #[test]
    fn a_member_gives_its_employee_employment_and_exact_current_pay() {
        let records = member(&ctx(), &raw(MEMBER)).unwrap();
        assert_eq!(records.len(), 3);
        let CanonicalRecord::Employee(e) = &records[0] else {
            panic!("{:?}", records[0]);
        };
        assert_eq!(e.first_name.as_deref(), Some("Ana"));
        assert_eq!(e.last_name.as_deref(), Some("López"));
        assert_eq!(e.preferred_name.as_deref(), Some("Ani"));
        assert_eq!(e.work_email.as_deref(), Some("ana.lopez@bluebird.example"));
        assert_eq!(e.personal_email, None);
        assert_eq!(e.employment_status, EmploymentStatus::Active);
        assert_eq!(e.start_date, NaiveDate::from_ymd_opt(2021, 3, 1));
        assert_eq!(e.department_remote_id.as_deref(), Some("dep_2"));
        assert_eq!(e.manager_remote_id.as_deref(), Some("mem_9"));
        assert_eq!(e.employee_number.as_deref(), Some("E-7"));
        let CanonicalRecord::Employment(j) = &records[1] else {
            panic!("{:?}", records[1]);
        };
        assert_eq!(j.job_title.as_deref(), Some("Baker"));
        // 5512350 minor units are exactly $55,123.50, never a float.
        let rate = j.pay_rate.unwrap();
        assert_eq!(rate.amount, Decimal::from_str("55123.50").unwrap());
        assert_eq!(rate.currency, Currency::USD);
        assert_eq!(j.pay_period, Some(PayPeriod::Year));
        assert_eq!(j.pay_frequency, Some(PayFrequency::Semimonthly));
        let CanonicalRecord::Compensation(c) = &records[2] else {
            panic!("{:?}", records[2]);
        };
        assert_eq!(c.rate, rate);
        assert_eq!(
            c.effective_date,
            NaiveDate::from_ymd_opt(2021, 3, 1).unwrap()
        );
    }

    #[test]
    fn pay_in_another_currency_keeps_it_and_pay_without_one_is_refused() {
        let eur = MEMBER.replace(
            "\"USD\", \"type\": \"salary\"",
            "\"eur\", \"type\": \"hourly\"",
        );
        let records = member(&ctx(), &raw(&eur)).unwrap();
        let CanonicalRecord::Compensation(c) = &records[2] else {
            panic!();
        };
        assert_eq!(c.rate, Money::new(Decimal::new(5512350, 2), Currency::EUR));
        assert_eq!(c.period, PayPeriod::Hour);
        let none = MEMBER.replace("\"currency\": \"USD\", ", "");
        let err = member(&ctx(), &raw(&none)).unwrap_err();
        assert_eq!(err.path, "current_pay.currency");
        // A basis this mapper does not know gives no pay rather than a guess.
        let odd = MEMBER.replace("\"salary\"", "\"commission\"");
        let records = member(&ctx(), &raw(&odd)).unwrap();
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn a_terminated_member_and_one_without_a_work_email() {
        let gone = MEMBER
            .replace("\"active\": true", "\"active\": false")
            .replace(
                "\"employment_start_date\"",
                "\"employment_termination_date\": \"2026-10-31\", \"employment_start_date\"",
            )
            .replace("\"WORK\"", "\"personal\"");
        let records = member(&ctx(), &raw(&gone)).unwrap();
        let CanonicalRecord::Employee(e) = &records[0] else {
            panic!();
        };
        assert_eq!(e.employment_status, EmploymentStatus::Terminated);
        assert_eq!(e.termination_date, NaiveDate::from_ymd_opt(2026, 10, 31));
        assert_eq!(
            e.work_email, None,
            "a personal email is never the work email"
        );
        let bad_date = MEMBER.replace("2021-03-01", "03/01/2021");
        assert_eq!(
            member(&ctx(), &raw(&bad_date)).unwrap_err().path,
            "employment_start_date"
        );
    }

    #[test]
    fn zero_decimal_money_and_four_decimal_percentages_are_exact() {
        assert_eq!(
            money("amount", 4500, Some("USD")).unwrap(),
            Money::new(Decimal::from_str("45.00").unwrap(), Currency::USD)
        );
        assert_eq!(
            money("amount", 1, Some("USD")).unwrap().amount,
            Decimal::new(1, 2)
        );
        assert_eq!(money("x", 4500, None).unwrap_err().path, "x.currency");
        assert_eq!(
            percent("amount", 37000).unwrap(),
            Decimal::from_str("3.7").unwrap()
        );
        assert_eq!(percent("amount", 37000).unwrap().to_string(), "3.7000");
        assert!(percent("amount", 1_000_001).is_err());
        assert!(percent("amount", -1).is_err());
    }

    #[test]
    fn deduction_types_that_are_benefits_become_plans_and_others_nothing() {
        assert_eq!(
            benefit_kind("MEDICAL", Some("Medical insurance")),
            Some(BenefitKind::Medical)
        );
        assert_eq!(
            benefit_kind("401K", Some("401(k) pre-tax")),
            Some(BenefitKind::Retirement)
        );
        assert_eq!(benefit_kind("HSA", None), Some(BenefitKind::Hsa));
        assert_eq!(
            benefit_kind("X", Some("Health savings account")),
            Some(BenefitKind::Hsa)
        );
        assert_eq!(
            benefit_kind("COMMUTER", Some("Transit")),
            Some(BenefitKind::Commuter)
        );
        assert_eq!(benefit_kind("GARNISHMENT", Some("Child support")), None);
        assert_eq!(benefit_kind("LOAN", Some("Loan repayment")), None);
        assert_eq!(benefit_kind("OTHER", Some("Uniform")), None);
        let plan = deduction_type(
            &ctx(),
            &raw(r#"{"code":"DENTAL","description":"Dental plan"}"#),
        )
        .unwrap();
        let CanonicalRecord::BenefitPlan(p) = &plan[0] else {
            panic!();
        };
        assert_eq!(
            (p.name.as_str(), p.kind),
            ("Dental plan", BenefitKind::Dental)
        );
        let none = deduction_type(
            &ctx(),
            &raw(r#"{"code":"GARNISHMENT","description":"Levy"}"#),
        );
        assert!(none.unwrap().is_empty());
    }

    const DEDUCTION: &str = r#"{"id":"ded_1","member_id":"mem_1","amount_type":"fixed",
        "amount":12550,"currency":"USD","deduction_type_code":"MEDICAL",
        "frequency":"every_paycheck","start_date":"2026-01-01"}"#;

    #[test]
    fn a_benefit_deduction_is_an_enrollment_with_its_contribution_per_pay_period() {
        let parent = raw(r#"{"code":"MEDICAL","description":"Medical insurance"}"#);
        let ctx = super::super::test_support::ctx("justworks", Some(&parent));
        let records = deduction(&ctx, &raw(DEDUCTION)).unwrap();
        let CanonicalRecord::BenefitEnrollment(e) = &records[0] else {
            panic!("{records:?}");
        };
        assert_eq!(e.employee_remote_id, "mem_1");
        assert_eq!(e.plan_remote_id, "MEDICAL");
        assert_eq!(
            e.employee_contribution,
            Some(Money::new(
                Decimal::from_str("125.50").unwrap(),
                Currency::USD
            ))
        );
        assert_eq!(e.status, Some(EnrollmentStatus::Active));
        assert_eq!(e.deduction_start, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(e.employee_contribution_percent, None);
        // A percentage of pay is no amount: 37000 is exactly 3.7 %.
        let pct = DEDUCTION
            .replace("\"fixed\"", "\"percentage\"")
            .replace("12550", "37000");
        let records = deduction(&ctx, &raw(&pct)).unwrap();
        let CanonicalRecord::BenefitEnrollment(e) = &records[0] else {
            panic!();
        };
        assert_eq!(e.employee_contribution, None);
        assert_eq!(
            e.employee_contribution_percent,
            Some(Decimal::from_str("3.7").unwrap())
        );
        let too_much = pct.replace("37000", "2000000");
        assert_eq!(deduction(&ctx, &raw(&too_much)).unwrap_err().path, "amount");
        // One-time deductions and deductions that are not benefits are no enrollments.
        let once = DEDUCTION.replace("every_paycheck", "one_time");
        assert!(deduction(&ctx, &raw(&once)).unwrap().is_empty());
        let garnish = raw(r#"{"code":"GARNISHMENT","description":"Child support"}"#);
        let ctx = super::super::test_support::ctx("justworks", Some(&garnish));
        let other = DEDUCTION.replace("MEDICAL", "GARNISHMENT");
        assert!(deduction(&ctx, &raw(&other)).unwrap().is_empty());
    }
}
