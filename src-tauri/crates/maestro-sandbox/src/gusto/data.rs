//! Gusto ground truth, built from the seeded company. Records are stored as the JSON the API
//! returns (field names/types per the v2025-06-15 embedded spec).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::seed::{Company, Pay, Person, mix, version_of};

/// Regular biweekly payrolls seeded, newest last: about ten months, so the history reaches past
/// the payroll list's default six months and past one year-long window...
const PAYROLL_HISTORY: u64 = 22;
/// ...unless the company is so large that the pay lines would outgrow this many (they are all
/// held in memory): a 10,000-person benchmark company keeps 3 payrolls, as before the history.
const PAY_LINES_BUDGET: u64 = 30_000;

/// How many regular payrolls to seed for `people` people (at least 3).
fn payroll_history(people: usize) -> u64 {
    let people = u64::try_from(people).unwrap_or(u64::MAX).max(1);
    (PAY_LINES_BUDGET / people).clamp(3, PAYROLL_HISTORY)
}

/// Hours tracked in Harvest, per Harvest user: (day, hours × 100) of every finished entry.
/// Payroll pays hourly staff what they tracked (the realistic case), except one person when the
/// demo's discrepancies are on.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrackedHours {
    /// Entries per Harvest user id.
    pub by_user: std::collections::HashMap<u64, Vec<(NaiveDate, u32)>>,
    /// First day any entry covers (earlier periods are not tracked).
    pub first_day: Option<NaiveDate>,
}

impl TrackedHours {
    /// The finished entries (a running timer is not final), per user.
    pub(crate) fn from_entries<'a>(
        entries: impl IntoIterator<Item = &'a crate::harvest::data::Entry>,
    ) -> Self {
        let mut out = TrackedHours::default();
        for e in entries.into_iter().filter(|e| !e.is_running) {
            out.by_user
                .entry(e.user_id)
                .or_default()
                .push((e.spent_date, e.centi_hours));
            out.first_day = Some(out.first_day.map_or(e.spent_date, |d| d.min(e.spent_date)));
        }
        out
    }

    /// What `c` tracked in Harvest's realistic data set, for an emulated payroll to pay what was
    /// tracked as Gusto's does. A company beyond 2,000 people (a benchmark) is paid without
    /// tracking.
    pub(crate) fn of_company(c: &Company) -> Self {
        if c.people.len() > 2_000 {
            return TrackedHours::default();
        }
        Self::from_entries(&crate::harvest::data::build(c, None).entries)
    }

    /// Hours of `user` from `start` to `end`, when the period is covered by tracking.
    fn hours(&self, user: u64, start: NaiveDate, end: NaiveDate) -> Option<Decimal> {
        if self.first_day.is_none_or(|f| start < f) {
            return None;
        }
        let centi: u64 = self
            .by_user
            .get(&user)
            .map(|v| {
                v.iter()
                    .filter(|(d, _)| *d >= start && *d <= end)
                    .map(|(_, c)| u64::from(*c))
                    .sum()
            })
            .unwrap_or(0);
        Some(Decimal::new(i64::try_from(centi).unwrap_or(i64::MAX), 2))
    }
}

/// The person whose paid hours deliberately differ from tracked hours (demo discrepancy):
/// the first hourly person not already part of another discrepancy.
fn hours_mismatch(c: &Company) -> Option<usize> {
    c.rate_mismatch?;
    c.people
        .iter()
        .find(|p| {
            p.pay.is_hourly()
                && Some(p.index) != c.rate_mismatch
                && Some(p.index) != c.stale_termination
                && Some(p.index) != c.terminated
        })
        .map(|p| p.index)
}

/// Decimal → JSON number (shortest round-trip; exact for 2-3 decimal money/hours values).
pub(crate) fn num(d: Decimal) -> Value {
    d.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Decimal → string with `dp` decimal places.
pub(crate) fn dec(d: Decimal, dp: u32) -> String {
    let mut d = d.round_dp(dp);
    d.rescale(dp);
    d.to_string()
}

/// Gusto's mutable state.
#[derive(Debug, Clone)]
pub(crate) struct GustoData {
    pub company: Value,
    pub locations: Vec<Value>,
    pub departments: Vec<Value>,
    pub employees: Vec<Value>,
    pub pay_schedules: Vec<Value>,
    pub payrolls: Vec<Value>,
    pub time_off_policies: Vec<Value>,
    pub company_benefits: Vec<Value>,
    pub employee_benefits: Vec<Value>,
    pub version_counter: u64,
    pub today: NaiveDate,
}

impl GustoData {
    /// A fresh opaque version string.
    pub(crate) fn next_version(&mut self, id: &str) -> String {
        self.version_counter += 1;
        version_of(&format!("{id}:{}", self.version_counter))
    }

    pub(crate) fn employee_mut(&mut self, uuid: &str) -> Option<&mut Map<String, Value>> {
        self.employees
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find(|e| e.get("uuid").and_then(Value::as_str) == Some(uuid))
    }

    pub(crate) fn employee(&self, uuid: &str) -> Option<&Value> {
        self.employees
            .iter()
            .find(|e| e.get("uuid").and_then(Value::as_str) == Some(uuid))
    }

    /// Bumps an employee's version.
    pub(crate) fn touch_employee(&mut self, uuid: &str) {
        let v = self.next_version(uuid);
        if let Some(e) = self.employee_mut(uuid) {
            e.insert("version".into(), Value::String(v));
        }
    }

    /// A job and the uuid of the employee holding it.
    pub(crate) fn job_mut(&mut self, uuid: &str) -> Option<(String, &mut Map<String, Value>)> {
        self.employees
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find_map(|e| {
                let owner = e.get("uuid").and_then(Value::as_str)?.to_owned();
                let job = e
                    .get_mut("jobs")?
                    .as_array_mut()?
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .find(|j| j.get("uuid").and_then(Value::as_str) == Some(uuid))?;
                Some((owner, job))
            })
    }

    /// All jobs of all employees.
    pub(crate) fn jobs(&self) -> impl Iterator<Item = &Value> {
        self.employees
            .iter()
            .filter_map(|e| e.get("jobs").and_then(Value::as_array))
            .flatten()
    }
}

fn location_json(c: &Company, i: usize) -> Value {
    let l = &c.locations[i];
    json!({
        "uuid": l.gusto_uuid,
        "version": version_of(&l.gusto_uuid),
        "company_uuid": c.gusto_uuid,
        "phone_number": l.phone,
        "street_1": l.street,
        "street_2": null,
        "city": l.city,
        "state": l.state,
        "zip": l.zip,
        "country": "USA",
        "mailing_address": i == 0,
        "filing_address": i == 0,
        "created_at": format!("{}T16:00:00.000-08:00", c.today - Duration::days(2200)),
        "updated_at": format!("{}T16:00:00.000-08:00", c.today - Duration::days(400)),
        "active": true,
        "inactive": false,
    })
}

fn flsa(p: Pay) -> &'static str {
    if p.is_hourly() { "Nonexempt" } else { "Exempt" }
}

fn job_json(c: &Company, p: &Person) -> Value {
    let rate = dec(p.gusto_pay.rate(), 2);
    let unit = if p.gusto_pay.is_hourly() {
        "Hour"
    } else {
        "Year"
    };
    json!({
        "uuid": p.gusto_job_uuid,
        "version": version_of(&p.gusto_job_uuid),
        "employee_uuid": p.gusto_uuid,
        "hire_date": p.hire_date.to_string(),
        "title": p.title,
        "primary": true,
        "rate": rate,
        "payment_unit": unit,
        "current_compensation_uuid": p.gusto_compensation_uuid,
        "two_percent_shareholder": false,
        "state_wc_covered": null,
        "state_wc_class_code": null,
        "location_uuid": c.locations[p.location].gusto_uuid,
        "location": location_json(c, p.location),
        "compensations": [{
            "uuid": p.gusto_compensation_uuid,
            "version": version_of(&p.gusto_compensation_uuid),
            "job_uuid": p.gusto_job_uuid,
            "employee_uuid": p.gusto_uuid,
            "rate": rate,
            "payment_unit": unit,
            "flsa_status": flsa(p.gusto_pay),
            "effective_date": p.hire_date.to_string(),
            "title": p.title,
            "adjust_for_minimum_wage": false,
            "minimum_wages": [],
        }],
    })
}

fn employee_json(c: &Company, p: &Person) -> Value {
    let terminated = p.terminated_in_gusto;
    let terminations = match (terminated, p.terminated_on) {
        (true, Some(d)) => json!([{
            "uuid": version_of(&format!("term:{}", p.gusto_uuid)),
            "version": version_of(&format!("termv:{}", p.gusto_uuid)),
            "employee_uuid": p.gusto_uuid,
            "active": true,
            "cancelable": false,
            "effective_date": d.to_string(),
            "run_termination_payroll": false,
        }]),
        _ => json!([]),
    };
    let dept = &c.departments[p.department];
    json!({
        "uuid": p.gusto_uuid,
        "first_name": p.first_name,
        "middle_initial": null,
        "last_name": p.last_name,
        "email": p.home_email,
        "company_uuid": c.gusto_uuid,
        "manager_uuid": p.manager.map(|m| c.people[m].gusto_uuid.clone()),
        "version": version_of(&format!("emp:{}", p.gusto_uuid)),
        "current_employment_status": if p.full_time { "full_time" } else { "part_time_twenty_plus_hours" },
        "onboarding_status": "onboarding_completed",
        "preferred_first_name": null,
        "department_uuid": dept.gusto_uuid,
        "employee_code": &version_of(&p.gusto_uuid)[..6],
        "payment_method": "Direct Deposit",
        "department": dept.title,
        "terminated": terminated,
        "two_percent_shareholder": false,
        "onboarded": true,
        "historical": false,
        "has_ssn": true,
        "onboarding_documents_config": {"uuid": null, "i9_document": false},
        "jobs": [job_json(c, p)],
        "eligible_paid_time_off": [],
        "terminations": terminations,
        "garnishments": [],
        "custom_fields": custom_fields(c, p),
        "date_of_birth": p.birth_date.to_string(),
        "ssn": "",
        "phone": p.phone,
        "work_email": p.work_email,
        "title": p.title,
        "hired_at": p.hire_date.to_string(),
        "flsa_status": flsa(p.gusto_pay),
    })
}

/// Sizes of the seeded "Uniform size" custom field (a `radio` field).
const UNIFORM_SIZES: [&str; 4] = ["S", "M", "L", "XL"];

/// The employee's custom fields (`Employee-Custom-Field`): everyone has a uniform size.
fn custom_fields(c: &Company, p: &Person) -> Value {
    let field = version_of(&format!("ccf:{}:uniform", c.seed));
    let size = UNIFORM_SIZES[(mix(c.seed, 77, p.index as u64) % 4) as usize];
    json!([{
        "id": version_of(&format!("ecf:{}:uniform", p.gusto_uuid)),
        "company_custom_field_id": field,
        "name": "Uniform size",
        "type": "radio",
        "description": "Size of the work uniform",
        "value": size,
        "selection_options": UNIFORM_SIZES,
    }])
}

fn employed_during(p: &Person, start: NaiveDate, end: NaiveDate) -> bool {
    p.hire_date <= end
        && p.terminated_on
            .is_none_or(|t| t >= start || !p.terminated_in_gusto)
}

fn payroll_json(
    c: &Company,
    tracked: &TrackedHours,
    schedule_uuid: &str,
    start: NaiveDate,
    end: NaiveDate,
    n: u64,
) -> Value {
    let mismatch = hours_mismatch(c);
    let check_date = end + Duration::days(6);
    let uuid = version_of(&format!("payroll:{}:{n}", c.seed));
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &uuid[..8],
        &uuid[8..12],
        &uuid[12..16],
        &uuid[16..20],
        &uuid[20..32]
    );
    let mut comps = Vec::new();
    let (mut gross_t, mut net_t, mut ee_tax_t, mut er_tax_t, mut ben_t) = (
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    );
    for p in c.people.iter().filter(|p| employed_during(p, start, end)) {
        let (hours, gross) = match p.gusto_pay {
            Pay::Hourly(r) => {
                let hours = match tracked.hours(p.harvest_id, start, end) {
                    // Two hours more than tracked: the demo's "paid ≠ tracked" case.
                    Some(h) if Some(p.index) == mismatch => h + Decimal::from(2),
                    Some(h) => h,
                    None => {
                        let quarter_hours =
                            120 + (mix(c.seed, 11 + n, p.index as u64) % 200) as i64;
                        Decimal::new(quarter_hours * 25, 2)
                    }
                };
                (hours, (r * hours).round_dp(2))
            }
            Pay::Salary(s) => (Decimal::from(80), (s / Decimal::from(26)).round_dp(2)),
        };
        // What payroll deducts for benefits (crate::benefits): medical for salaried staff, the
        // 401(k) share of gross for whoever saves one.
        let mut benefit_lines = Vec::new();
        if crate::benefits::gusto_deducts_medical(p) {
            benefit_lines.push(json!({
                "name": crate::benefits::MEDICAL_DEDUCTION,
                "employee_deduction": num(crate::benefits::medical_employee_amount(p)),
                "company_contribution": num(crate::benefits::medical_company_amount(p)),
                "imputed": false,
            }));
        }
        let mut benefit = if crate::benefits::gusto_deducts_medical(p) {
            crate::benefits::medical_employee_amount(p)
        } else {
            Decimal::ZERO
        };
        if let Some(percent) = crate::benefits::retirement_percent(p) {
            let saved = (gross * percent / Decimal::from(100)).round_dp(2);
            let matched = (gross * Decimal::from(3) / Decimal::from(100)).round_dp(2);
            benefit += saved;
            benefit_lines.push(json!({
                "name": crate::benefits::RETIREMENT_DEDUCTION,
                "employee_deduction": num(saved),
                "company_contribution": num(matched),
                "imputed": false,
            }));
        }
        let ee_tax = (gross * Decimal::new(1_650, 4)).round_dp(2);
        let er_tax = (gross * Decimal::new(765, 4)).round_dp(2);
        let net = gross - ee_tax - benefit;
        gross_t += gross;
        net_t += net;
        ee_tax_t += ee_tax;
        er_tax_t += er_tax;
        ben_t += benefit;
        comps.push(json!({
            "employee_uuid": p.gusto_uuid,
            "excluded": false,
            "first_name": p.first_name,
            "preferred_first_name": null,
            "last_name": p.last_name,
            "gross_pay": num(gross),
            "net_pay": num(net),
            "check_amount": num(net),
            "payment_method": "Direct Deposit",
            "memo": null,
            "fixed_compensations": [],
            "hourly_compensations": [{
                "name": "Regular Hours",
                "hours": dec(hours, 3),
                "amount": dec(gross, 2),
                "job_uuid": p.gusto_job_uuid,
                "compensation_multiplier": 1.0,
                "flsa_status": flsa(p.gusto_pay),
            }],
            "paid_time_off": [],
            "benefits": benefit_lines,
            "deductions": [],
            "reimbursements": [],
            "version": version_of(&format!("{uuid}:{}", p.gusto_uuid)),
        }));
    }
    json!({
        "payroll_deadline": format!("{}T23:00:00Z", check_date - Duration::days(2)),
        "check_date": check_date.to_string(),
        "processed": true,
        "processed_date": (check_date - Duration::days(2)).to_string(),
        "calculated_at": format!("{}T18:30:00Z", check_date - Duration::days(3)),
        "uuid": uuid,
        "payroll_uuid": uuid,
        "company_uuid": c.gusto_uuid,
        "off_cycle": false,
        "off_cycle_reason": null,
        "auto_pilot": false,
        "external": false,
        "final_termination_payroll": false,
        "withholding_pay_period": "Every other week",
        "skip_regular_deductions": false,
        "fixed_withholding_rate": false,
        "pay_period": {"start_date": start.to_string(), "end_date": end.to_string(), "pay_schedule_uuid": schedule_uuid},
        "payroll_status_meta": {"cancellable": false, "expected_check_date": check_date.to_string(), "initial_check_date": check_date.to_string(), "expected_debit_time": format!("{}T23:00:00Z", check_date - Duration::days(2)), "payroll_late": false, "initial_debit_cutoff_time": format!("{}T23:00:00Z", check_date - Duration::days(2))},
        "totals": {
            "company_debit": dec(net_t + ee_tax_t + er_tax_t + ben_t, 2),
            "net_pay_debit": dec(net_t, 2),
            "tax_debit": dec(ee_tax_t + er_tax_t, 2),
            "reimbursement_debit": "0.00",
            "child_support_debit": "0.00",
            "reimbursements": "0.00",
            "net_pay": dec(net_t, 2),
            "gross_pay": dec(gross_t, 2),
            "employee_bonuses": "0.00",
            "employee_commissions": "0.00",
            "employee_cash_tips": "0.00",
            "employee_paycheck_tips": "0.00",
            "additional_earnings": "0.00",
            "owners_draw": "0.00",
            "check_amount": dec(net_t, 2),
            "employer_taxes": dec(er_tax_t, 2),
            "employee_taxes": dec(ee_tax_t, 2),
            "benefits": dec(ben_t, 2),
            "employee_benefits_deductions": dec(ben_t, 2),
            "imputed_pay": "0.00",
            "deferred_payroll_taxes": "0.00",
            "other_deductions": "0.00",
        },
        "employee_compensations": comps,
        "created_at": format!("{}T17:00:00Z", check_date - Duration::days(4)),
    })
}

/// An off-cycle correction for the period `start`..`end`, created but not yet calculated or
/// submitted (`processed: false`): the draft the payroll list returns only when asked for
/// unprocessed off-cycle payrolls.
fn draft_json(c: &Company, schedule_uuid: &str, start: NaiveDate, end: NaiveDate) -> Value {
    let uuid = version_of(&format!("payroll:{}:draft", c.seed));
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &uuid[..8],
        &uuid[8..12],
        &uuid[12..16],
        &uuid[16..20],
        &uuid[20..32]
    );
    let check_date = c.today + Duration::days(4);
    json!({
        "payroll_deadline": format!("{}T23:00:00Z", check_date - Duration::days(2)),
        "check_date": check_date.to_string(),
        "processed": false,
        "processed_date": null,
        "calculated_at": null,
        "uuid": uuid,
        "payroll_uuid": uuid,
        "company_uuid": c.gusto_uuid,
        "off_cycle": true,
        "off_cycle_reason": "Correction",
        "auto_pilot": false,
        "external": false,
        "final_termination_payroll": false,
        "withholding_pay_period": "Every other week",
        "skip_regular_deductions": false,
        "fixed_withholding_rate": false,
        "pay_period": {"start_date": start.to_string(), "end_date": end.to_string(), "pay_schedule_uuid": schedule_uuid},
        "payroll_status_meta": {"cancellable": true, "expected_check_date": check_date.to_string(), "initial_check_date": check_date.to_string(), "expected_debit_time": format!("{}T23:00:00Z", check_date - Duration::days(2)), "payroll_late": false, "initial_debit_cutoff_time": format!("{}T23:00:00Z", check_date - Duration::days(2))},
        "employee_compensations": [],
        "created_at": format!("{}T17:00:00Z", c.today - Duration::days(1)),
    })
}

/// Builds Gusto's initial state.
pub(crate) fn build(c: &Company, tracked: &TrackedHours) -> GustoData {
    let today = c.today;
    let employees: Vec<Value> = c.people.iter().map(|p| employee_json(c, p)).collect();
    let departments = c
        .departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let members: Vec<Value> = c
                .people
                .iter()
                .filter(|p| p.department == i)
                .map(|p| json!({"uuid": p.gusto_uuid}))
                .collect();
            json!({"uuid": d.gusto_uuid, "version": version_of(&d.gusto_uuid), "company_uuid": c.gusto_uuid, "title": d.title, "employees": members, "contractors": []})
        })
        .collect();
    // Biweekly periods ending on Saturdays; the latest one whose check date has passed.
    let mut end = today - Duration::days(7);
    while end.weekday() != Weekday::Sat {
        end -= Duration::days(1);
    }
    let schedule_uuid = version_of(&format!("paysched:{}", c.seed));
    let schedule_uuid = format!(
        "{}-{}-{}-{}-{}",
        &schedule_uuid[..8],
        &schedule_uuid[8..12],
        &schedule_uuid[12..16],
        &schedule_uuid[16..20],
        &schedule_uuid[20..32]
    );
    let pay_schedules = vec![json!({
        "uuid": schedule_uuid,
        "version": version_of(&schedule_uuid),
        "frequency": "Every other week",
        "anchor_pay_date": (end + Duration::days(6)).to_string(),
        "anchor_end_of_pay_period": end.to_string(),
        "day_1": null,
        "day_2": null,
        "name": "Every other week",
        "custom_name": "Biweekly (all staff)",
        "auto_pilot": false,
        "auto_payroll": false,
        "active": true,
        "auto_payroll_enablement_blockers": [],
    })];
    let mut payrolls: Vec<Value> = (0..payroll_history(c.people.len()))
        .rev()
        .map(|n| {
            let e = end - Duration::days(14 * n as i64);
            payroll_json(c, tracked, &schedule_uuid, e - Duration::days(13), e, n)
        })
        .collect();
    // The company's first invoiceable event is its first payroll being processed.
    let join_date = payrolls
        .first()
        .and_then(|p| p["processed_date"].as_str())
        .map(str::to_owned);
    payrolls.push(draft_json(c, &schedule_uuid, end - Duration::days(13), end));
    let policy = |name: &str, kind: &str, rate: &str, tag: u64| {
        let uuid = version_of(&format!("pto:{}:{tag}", c.seed));
        json!({
            "uuid": uuid,
            "company_uuid": c.gusto_uuid,
            "name": name,
            "policy_type": kind,
            "accrual_method": "per_hour_worked",
            "accrual_rate": rate,
            "accrual_rate_unit": "1.0",
            "paid_out_on_termination": kind == "vacation",
            "accrual_waiting_period_days": 0,
            "carryover_limit_hours": "40.0",
            "max_accrual_hours_per_year": "80.0",
            "max_hours": "120.0",
            "policy_reset_date": null,
            "complete": true,
            "version": version_of(&uuid),
            "is_active": true,
            "employees": c.people.iter().filter(|p| p.terminated_on.is_none()).map(|p| json!({
                "uuid": p.gusto_uuid,
                "balance": dec(Decimal::new((mix(c.seed, 40 + tag, p.index as u64) % 6_000) as i64 + 400, 2), 2),
            })).collect::<Vec<_>>(),
        })
    };
    let time_off_policies = vec![
        policy("Vacation", "vacation", "0.0385", 1),
        policy("Sick Leave", "sick", "0.0333", 2),
    ];
    let benefit = |tag: u64, kind: i64, desc: &str, count: usize| {
        let uuid = version_of(&format!("cb:{}:{tag}", c.seed));
        json!({
            "version": version_of(&uuid),
            "enrollment_count": count,
            "company_uuid": c.gusto_uuid,
            "uuid": uuid,
            "benefit_type": kind,
            "active": true,
            "description": desc,
            "source": "external",
            "partner_name": null,
            "deletable": false,
            "supports_percentage_amounts": kind == 105,
            "responsible_for_employer_taxes": false,
            "responsible_for_employee_w2": false,
            "catch_up_type": null,
        })
    };
    let salaried: Vec<&Person> = c.people.iter().filter(|p| !p.pay.is_hourly()).collect();
    let medical = benefit(1, 1, "Medical (Kaiser Silver 70)", salaried.len());
    let retirement = benefit(2, 105, "401(k)", salaried.len());
    let medical_uuid = medical["uuid"].as_str().unwrap_or_default().to_string();
    let retirement_uuid = retirement["uuid"].as_str().unwrap_or_default().to_string();
    let mut employee_benefits: Vec<Value> = salaried
        .iter()
        .map(|p| {
            let uuid = version_of(&format!("eb:{}", p.gusto_uuid));
            json!({
                "version": version_of(&uuid),
                "active": true,
                "employee_deduction": "125.00",
                "deduct_as_percentage": false,
                "employee_deduction_annual_maximum": null,
                "contribution": {"type": "amount", "value": "250.00"},
                "elective": false,
                "company_contribution_annual_maximum": null,
                "limit_option": null,
                "catch_up": false,
                "retirement_loan_identifier": null,
                "coverage_amount": null,
                "deduction_reduces_taxable_income": "reduces_taxable_income",
                "coverage_salary_multiplier": "0.00",
                "company_contribution": "250.00",
                "contribute_as_percentage": false,
                "effective_date": p.hire_date.to_string(),
                "expiration_date": null,
                "employee_uuid": p.gusto_uuid,
                "company_benefit_uuid": medical_uuid,
                "uuid": uuid,
            })
        })
        .collect();
    // The 401(k) share of pay (crate::benefits), deducted as a percentage.
    for p in &c.people {
        let Some(percent) = crate::benefits::retirement_percent(p) else {
            continue;
        };
        let uuid = version_of(&format!("eb401k:{}", p.gusto_uuid));
        employee_benefits.push(json!({
            "version": version_of(&uuid),
            "active": true,
            "employee_deduction": dec(percent, 2),
            "deduct_as_percentage": true,
            "employee_deduction_annual_maximum": "23500.00",
            "contribution": {"type": "percentage", "value": "3.00"},
            "elective": true,
            "company_contribution_annual_maximum": null,
            "limit_option": null,
            "catch_up": false,
            "retirement_loan_identifier": null,
            "coverage_amount": null,
            "deduction_reduces_taxable_income": "reduces_taxable_income",
            "coverage_salary_multiplier": "0.00",
            "company_contribution": "3.00",
            "contribute_as_percentage": true,
            "effective_date": crate::benefits::medical_start(p).to_string(),
            "expiration_date": null,
            "employee_uuid": p.gusto_uuid,
            "company_benefit_uuid": retirement_uuid,
            "uuid": uuid,
        }));
    }
    let admin = &c.people[0];
    let company = json!({
        "ein": c.ein,
        "entity_type": "LLC",
        "contractor_only": false,
        "tier": "plus",
        "is_suspended": false,
        "company_status": "Approved",
        "is_high_risk_business": false,
        "is_marijuana_business": false,
        "uuid": c.gusto_uuid,
        "name": c.legal_name,
        "slug": c.domain,
        "trade_name": c.name,
        "is_partner_managed": false,
        "pay_schedule_type": "single",
        "join_date": join_date,
        "funding_type": "ach",
        "locations": (0..c.locations.len()).map(|i| location_json(c, i)).collect::<Vec<_>>(),
        "compensations": {
            "hourly": [{"name": "Regular Hours", "multiple": 1.0}, {"name": "Overtime", "multiple": 1.5}],
            "fixed": [{"name": "Bonus"}, {"name": "Cash Tips"}, {"name": "Paycheck Tips"}],
            "paid_time_off": [{"name": "Vacation Hours"}, {"name": "Sick Hours"}, {"name": "Holiday Hours"}],
        },
        "primary_signatory": {
            "uuid": admin.gusto_uuid,
            "first_name": admin.first_name,
            "middle_initial": null,
            "last_name": admin.last_name,
            "phone": admin.phone,
            "email": admin.work_email,
            "home_address": {"street_1": "88 Valencia St", "street_2": null, "city": "San Francisco", "state": "CA", "zip": "94103", "country": "USA"},
        },
        "primary_payroll_admin": {"first_name": admin.first_name, "last_name": admin.last_name, "phone": admin.phone, "email": admin.work_email},
    });
    GustoData {
        company,
        locations: (0..c.locations.len())
            .map(|i| location_json(c, i))
            .collect(),
        departments,
        employees,
        pay_schedules,
        payrolls,
        time_off_policies,
        company_benefits: vec![medical, retirement],
        employee_benefits,
        version_counter: 0,
        today,
    }
}

#[cfg(test)]
mod tests {
    use super::payroll_history;

    #[test]
    fn history_is_ten_months_unless_the_pay_lines_would_outgrow_the_budget() {
        assert_eq!(payroll_history(25), 22);
        assert_eq!(payroll_history(1_000), 22);
        assert_eq!(payroll_history(2_000), 15);
        assert_eq!(payroll_history(10_000), 3);
        assert_eq!(payroll_history(0), 22);
    }
}
