//! BambooHR benefits, per `bamboohr-public.openapi.yaml`: `GET /api/v1/benefit/company_benefit`
//! (plans), `GET /api/v1/benefit/employee_benefit` (enrollments; its filters travel in a JSON
//! body on the GET, which the spec marks deprecated but still requires) and
//! `GET /api/v1/benefits/settings/deduction_types/all`. The data tells the story of
//! [`crate::benefits`].

// Handlers short-circuit with ready-made `Response`s as errors.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::BambooState;
use super::routes::{fail, ok};
use crate::benefits::{self as story, DENTAL_PLAN_ID, MEDICAL_PLAN_ID, RETIREMENT_PLAN_ID};
use crate::gusto::data::num;
use crate::seed::{Company, Person};
use crate::server::lock;

type S = State<Arc<BambooState>>;

/// One enrollment record: the employee and the spec's per-plan record.
#[derive(Debug, Clone)]
pub(crate) struct Enrollment {
    pub employee_id: u32,
    pub record: Value,
}

/// The plans (`CompanyBenefitSummary`).
pub(crate) fn plans() -> Vec<Value> {
    let plan = |id: &str, name: &str, kind: &str, deduction: &str, catch_up: Value| {
        json!({
            "id": id,
            "name": name,
            "type": kind,
            "benefitVendorId": null,
            "deductionTypeId": deduction,
            "companyDeductionId": format!("5{id}"),
            "startDate": story::PLANS_START,
            "endDate": null,
            "allowsCatchUp": catch_up,
            "allowsSuperCatchUp": if catch_up.is_null() { Value::Null } else { Value::Bool(false) },
        })
    };
    vec![
        plan(
            MEDICAL_PLAN_ID,
            story::MEDICAL_PLAN,
            "health",
            "3",
            Value::Null,
        ),
        plan(
            DENTAL_PLAN_ID,
            "Delta Dental PPO",
            "dental",
            "4",
            Value::Null,
        ),
        plan(
            RETIREMENT_PLAN_ID,
            "401(k) Retirement Plan",
            "retirement",
            "1",
            Value::Bool(true),
        ),
    ]
}

/// The deduction types (`BenefitDeductionType`): 401(k), and Pre-Tax grouping health and dental.
pub(crate) fn deduction_types() -> Vec<Value> {
    let leaf = |id: i64, name: &str, code: &str, types: &[&str]| {
        json!({
            "id": id,
            "deductionTypeName": name,
            "defaultDeductionCode": code,
            "allowableBenefitTypes": types,
            "nonBenefitDeductionType": false,
            "canBeCollectedByTrax": true,
            "additionalDescription": "",
            "hideAnnualMax": false,
            "managedDeductionType": null,
            "subTypes": [],
            "subTypeText": "",
            "deductionNote": "",
            "deductionNoteLink": "",
            "deductionNoteLinkText": "",
        })
    };
    let mut pretax = leaf(0, "Pre-Tax", "PRETAX", &["health", "dental", "vision"]);
    pretax["id"] = json!("pretax_subtype");
    pretax["subTypes"] = json!([
        leaf(3, "Pre-Tax Health", "MED", &["health"]),
        leaf(4, "Pre-Tax Dental", "DEN", &["dental"]),
    ]);
    pretax["subTypeText"] = json!("Which kind of pre-tax benefit?");
    vec![
        leaf(1, "401(k)", "401K", &["retirement"]),
        pretax,
        leaf(9, "Garnishment", "GARN", &[] as &[&str]),
    ]
}

fn plan_name(id: &str) -> String {
    plans()
        .into_iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["name"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A record of `plan` for the employee: `Enrolled` with money amounts, or another status
/// with none.
fn record(plan: &str, status: &str, effective: NaiveDate, amounts: Option<Amounts>) -> Value {
    let mut r = json!({
        "companyBenefitId": plan,
        "companyBenefitName": plan_name(plan),
        "coverageLevel": null,
        "deductionEndDate": null,
        "deductionStartDate": null,
        "enrollmentStatus": status,
        "enrollmentStatusEffectiveDate": effective.to_string(),
        "currencyCode": null,
        "employeeAmount": null,
        "employeeAmountType": null,
        "employeePercentBasedOn": null,
        "employeeCapAmount": null,
        "employeeCapAmountType": null,
        "employeeAnnualMax": null,
        "companyAmount": null,
        "companyAmountType": null,
        "companyPercentBasedOn": null,
        "companyCapAmount": null,
        "companyCapAmountType": null,
        "companyAnnualMax": null,
        "occurrencesPerYear": 26,
    });
    if let Some(a) = amounts {
        r["coverageLevel"] = json!(a.coverage);
        r["deductionStartDate"] = json!(effective.to_string());
        r["currencyCode"] = json!("USD");
        r["employeeAmount"] = num(a.employee);
        r["employeeAmountType"] = json!(a.unit);
        r["companyAmount"] = num(a.company);
        r["companyAmountType"] = json!(a.unit);
        if a.unit == "%" {
            r["employeePercentBasedOn"] = json!("Gross");
            r["companyPercentBasedOn"] = json!("Gross");
            r["employeeAnnualMax"] = json!(23_500);
        }
    }
    r
}

struct Amounts {
    employee: rust_decimal::Decimal,
    company: rust_decimal::Decimal,
    unit: &'static str,
    coverage: Option<&'static str>,
}

fn medical(p: &Person) -> Amounts {
    Amounts {
        employee: story::medical_employee_amount(p),
        company: story::medical_company_amount(p),
        unit: "$",
        coverage: Some("Employee Only"),
    }
}

/// Every enrollment record of the seeded company.
pub(crate) fn enrollments(c: &Company) -> Vec<Enrollment> {
    let s = story::situations(c);
    let mut out = Vec::new();
    let mut push = |p: &Person, record: Value| {
        out.push(Enrollment {
            employee_id: p.bamboo_id,
            record,
        });
    };
    for p in &c.people {
        let start = story::medical_start(p);
        let terminated_everywhere = p.terminated_on.is_some() && p.terminated_in_gusto;
        if Some(p.index) == s.deduction_without_enrollment {
            push(p, record(MEDICAL_PLAN_ID, "Waived", start, None));
        } else if story::gusto_deducts_medical(p) && !terminated_everywhere
            || Some(p.index) == s.enrolled_without_deduction
            || Some(p.index) == s.enrolled_after_termination
        {
            push(
                p,
                record(MEDICAL_PLAN_ID, "Enrolled", start, Some(medical(p))),
            );
        } else if !p.pay.is_hourly() || p.full_time {
            push(p, record(MEDICAL_PLAN_ID, "Waived", start, None));
        }
        if let Some(percent) = story::retirement_percent(p) {
            let amounts = Amounts {
                employee: percent,
                company: rust_decimal::Decimal::new(3, 0),
                unit: "%",
                coverage: None,
            };
            push(
                p,
                record(RETIREMENT_PLAN_ID, "Enrolled", start, Some(amounts)),
            );
            // Open enrollment: dental starts next month (a future record).
            let next_month = c.today + chrono::Duration::days(30);
            let dental = Amounts {
                employee: rust_decimal::Decimal::new(1_250, 2),
                company: rust_decimal::Decimal::new(2_000, 2),
                unit: "$",
                coverage: Some("Employee Only"),
            };
            push(
                p,
                record(DENTAL_PLAN_ID, "Enrolled", next_month, Some(dental)),
            );
        }
    }
    out
}

/// Adds a record of `plan` for `employee` with `status` from `effective` on (a scheduled
/// change when in the future), carrying the amounts of the employee's latest record of the plan
/// when it is `Enrolled`, none otherwise. Returns false when the employee has no record of
/// the plan to change.
pub(crate) fn change_status(
    list: &mut Vec<Enrollment>,
    employee: u32,
    plan: &str,
    status: &str,
    effective: NaiveDate,
) -> bool {
    let Some(last) = list
        .iter()
        .filter(|e| e.employee_id == employee && e.record["companyBenefitId"] == plan)
        .max_by_key(|e| effective_date(&e.record))
        .map(|e| e.record.clone())
    else {
        return false;
    };
    let mut r = last;
    r["enrollmentStatus"] = json!(status);
    r["enrollmentStatusEffectiveDate"] = json!(effective.to_string());
    if status == "Enrolled" {
        if r["currencyCode"].is_null() {
            r["currencyCode"] = json!("USD");
            r["employeeAmount"] = num(rust_decimal::Decimal::new(12_500, 2));
            r["employeeAmountType"] = json!("$");
            r["companyAmount"] = num(rust_decimal::Decimal::new(25_000, 2));
            r["companyAmountType"] = json!("$");
            r["coverageLevel"] = json!("Employee Only");
        }
        r["deductionStartDate"] = json!(effective.to_string());
        r["deductionEndDate"] = Value::Null;
    } else {
        for k in [
            "coverageLevel",
            "deductionStartDate",
            "deductionEndDate",
            "currencyCode",
            "employeeAmount",
            "employeeAmountType",
            "employeePercentBasedOn",
            "employeeCapAmount",
            "employeeCapAmountType",
            "employeeAnnualMax",
            "companyAmount",
            "companyAmountType",
            "companyPercentBasedOn",
            "companyCapAmount",
            "companyCapAmountType",
            "companyAnnualMax",
        ] {
            r[k] = Value::Null;
        }
    }
    list.retain(|e| {
        !(e.employee_id == employee
            && e.record["companyBenefitId"] == plan
            && effective_date(&e.record) == Some(effective))
    });
    list.push(Enrollment {
        employee_id: employee,
        record: r,
    });
    true
}

fn effective_date(r: &Value) -> Option<NaiveDate> {
    r["enrollmentStatusEffectiveDate"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

pub(super) async fn company_benefits(State(s): S) -> Response {
    ok(json!({ "companyBenefits": lock(&s.data).company_benefits.clone() }))
}

pub(super) async fn deduction_types_all(State(s): S) -> Response {
    ok(Value::Array(lock(&s.data).deduction_types.clone()))
}

/// The filters of the request body (spec `EmployeeBenefitFilters`), or the 400 the spec
/// documents for a missing body, bad JSON or no usable filter.
#[derive(Debug, Default)]
struct Filters {
    employee: Option<u32>,
    plan: Option<String>,
    effective: Option<NaiveDate>,
}

fn filters(body: &Bytes) -> Result<Filters, Response> {
    let bad = |m: &str| fail(StatusCode::BAD_REQUEST, m);
    if body.is_empty() {
        return Err(bad("A JSON request body with a filters object is required"));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|_| bad("The request body is not valid JSON"))?;
    let Some(f) = v.get("filters").and_then(Value::as_object) else {
        return Err(bad("The filters object is missing or invalid"));
    };
    let mut out = Filters::default();
    if let Some(id) = f.get("employeeId") {
        out.employee = Some(
            id.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad("filters.employeeId must be an integer"))?,
        );
    }
    if let Some(id) = f.get("companyBenefitId") {
        out.plan = Some(
            id.as_u64()
                .map(|n| n.to_string())
                .ok_or_else(|| bad("filters.companyBenefitId must be an integer"))?,
        );
    }
    if let Some(d) = f.get("enrollmentStatusEffectiveDate") {
        out.effective = Some(
            d.as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| bad("filters.enrollmentStatusEffectiveDate must be YYYY-MM-DD"))?,
        );
    }
    if out.employee.is_none() && out.plan.is_none() && out.effective.is_none() {
        return Err(bad(
            "At least one of employeeId, companyBenefitId or enrollmentStatusEffectiveDate is required",
        ));
    }
    Ok(out)
}

pub(super) async fn employee_benefits(State(s): S, body: Bytes) -> Response {
    let f = match filters(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let today = s.company.today;
    let data = lock(&s.data);
    // Current and future records only: per employee and plan, the latest record in effect
    // today and every scheduled one after it.
    let mut per: BTreeMap<(u32, String), Vec<&Enrollment>> = BTreeMap::new();
    for e in &data.employee_benefits {
        let plan = e.record["companyBenefitId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        per.entry((e.employee_id, plan)).or_default().push(e);
    }
    let mut grouped: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    for ((employee, plan), mut records) in per {
        records.sort_by_key(|e| effective_date(&e.record));
        let current = records
            .iter()
            .rposition(|e| effective_date(&e.record).is_some_and(|d| d <= today))
            .unwrap_or(0);
        for e in &records[current..] {
            let keep = f.employee.is_none_or(|id| id == employee)
                && f.plan.as_ref().is_none_or(|id| *id == plan)
                && f.effective
                    .is_none_or(|d| effective_date(&e.record) == Some(d));
            if keep {
                grouped.entry(employee).or_default().push(e.record.clone());
            }
        }
    }
    let list: Vec<Value> = grouped
        .into_iter()
        .map(|(employee, records)| {
            json!({
                "employeeId": employee,
                "payFrequency": "biweekly",
                "employeeBenefit": records,
            })
        })
        .collect();
    ok(json!({ "employeeBenefits": list }))
}
