//! Benefits: plans from `GET /api/v1/benefit/company_benefit` (each named with its payroll
//! deduction type from `GET /api/v1/benefits/settings/deduction_types/all` when the key may
//! read it) and enrollments from `GET /api/v1/benefit/employee_benefit`, asked once per plan.
//!
//! The enrollment endpoint takes its filters as a JSON body on the GET
//! (`{"filters":{"companyBenefitId":<integer>}}`, at least one filter required). The spec marks
//! that deprecated ("a future release will migrate to standard query parameters") but documents
//! nothing else yet, so the body is sent exactly as specified, with `Content-Type:
//! application/json`; a 400 is reported as the request being refused with a note that a proxy
//! may strip bodies from GETs. The endpoint answers current and future records only.
//!
//! Mapping: `enrollmentStatus` Enrolled is active (pending while its effective date is ahead),
//! Waived is waived, Withdrew and Terminated are terminated; Eligible and Ineligible are not
//! enrollments and are left out. An amount typed `$` is money in `currencyCode`; one typed `%`
//! is a share of pay and goes to the percent fields, never into money.

use chrono::NaiveDate;
use http::Method;
use maestro_core::model::{
    BenefitEnrollment, BenefitKind, BenefitPlan, CanonicalRecord, EnrollmentStatus, Provenance,
};
use maestro_core::money::{Currency, Money};
use maestro_http::{ApiRequest, HttpError};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::map::{Origin, bad};
use super::{BambooHr, ID, NAME, api, typed};
use crate::connector::Page;
use crate::error::{ConnectorError, Result};

fn provenance(o: &Origin, remote_id: String) -> Provenance {
    Provenance {
        connection_id: o.connection_id,
        provider: ID.into(),
        remote_id,
        remote_modified_at: None,
    }
}

fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A plan's `type` as a canonical kind (`flex` is a flexible spending account; reimbursement,
/// supplemental and other plans are [`BenefitKind::Other`]).
pub fn benefit_kind(kind: Option<&str>) -> BenefitKind {
    match kind.map(|k| k.trim().to_ascii_lowercase()).as_deref() {
        Some("health") => BenefitKind::Medical,
        Some("dental") => BenefitKind::Dental,
        Some("vision") => BenefitKind::Vision,
        Some("retirement") => BenefitKind::Retirement,
        Some("hsa") => BenefitKind::Hsa,
        Some("flex") => BenefitKind::Fsa,
        Some("life") => BenefitKind::Life,
        Some("disability") => BenefitKind::Disability,
        _ => BenefitKind::Other,
    }
}

/// A plan; `deduction` is the name of its payroll deduction type, when known.
pub fn plan(
    o: &Origin,
    p: api::CompanyBenefit,
    deduction: Option<String>,
    raw: Value,
) -> BenefitPlan {
    BenefitPlan {
        provenance: provenance(o, p.id.clone()),
        company_id: o.company_id,
        name: text(p.name).unwrap_or_else(|| format!("Plan {}", p.id)),
        kind: benefit_kind(p.kind.as_deref()),
        carrier: None,
        description: deduction.map(|d| format!("Payroll deduction: {d}")),
        raw: raw.into(),
    }
}

/// One side's contribution: money, a percentage of pay, or nothing.
#[derive(Debug, PartialEq)]
enum Share {
    Money(Money),
    Percent(Decimal),
    None,
}

fn share(
    amount: Option<Decimal>,
    unit: Option<&str>,
    currency: Option<&str>,
    side: &str,
    remote_id: &str,
) -> Result<Share> {
    let Some(amount) = amount else {
        return Ok(Share::None);
    };
    match unit.map(str::trim) {
        Some("%") => Ok(Share::Percent(amount)),
        Some("$") => {
            let code = currency
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    bad(
                        "benefit enrollment",
                        remote_id,
                        format!("{side}Amount: an amount of money without a currencyCode"),
                    )
                })?;
            let currency = Currency::from_code_ignore_case(code).map_err(|e| {
                bad(
                    "benefit enrollment",
                    remote_id,
                    format!("currencyCode: {e}"),
                )
            })?;
            let mut amount = amount;
            if amount.scale() < currency.minor_units() {
                amount.rescale(currency.minor_units());
            }
            Ok(Share::Money(Money::new(amount, currency)))
        }
        other => Err(bad(
            "benefit enrollment",
            remote_id,
            format!(
                "{side}AmountType: expected '$' or '%', got {}",
                other.map_or("nothing".to_owned(), |u| format!("{u:?}"))
            ),
        )),
    }
}

/// One enrollment record of `employee_id`, or None for a record that is not an enrollment
/// (Eligible, Ineligible). `today` tells an enrollment in effect from a scheduled one.
pub fn enrollment(
    o: &Origin,
    employee_id: &str,
    e: api::EmployeeBenefit,
    raw: Value,
    today: NaiveDate,
) -> Result<Option<BenefitEnrollment>> {
    let effective = e.enrollment_status_effective_date;
    let remote_id = format!(
        "{employee_id}:{}:{}",
        e.company_benefit_id,
        effective.map_or_else(|| "-".to_owned(), |d| d.to_string())
    );
    let status = match e.enrollment_status.as_deref().map(str::trim) {
        Some("Enrolled") if effective.is_some_and(|d| d > today) => Some(EnrollmentStatus::Pending),
        Some("Enrolled") => Some(EnrollmentStatus::Active),
        Some("Waived") => Some(EnrollmentStatus::Waived),
        Some("Withdrew" | "Terminated") => Some(EnrollmentStatus::Terminated),
        Some("Eligible" | "Ineligible") => return Ok(None),
        // A status the spec does not list yet: kept, without a status.
        _ => None,
    };
    let currency = e.currency_code.as_deref();
    let employee = share(
        e.employee_amount,
        e.employee_amount_type.as_deref(),
        currency,
        "employee",
        &remote_id,
    )?;
    let company = share(
        e.company_amount,
        e.company_amount_type.as_deref(),
        currency,
        "company",
        &remote_id,
    )?;
    let money = |s: &Share| match s {
        Share::Money(m) => Some(*m),
        _ => None,
    };
    let percent = |s: &Share| match s {
        Share::Percent(p) => Some(*p),
        _ => None,
    };
    let covered = matches!(
        status,
        Some(EnrollmentStatus::Active | EnrollmentStatus::Pending)
    );
    Ok(Some(BenefitEnrollment {
        provenance: provenance(o, remote_id),
        company_id: o.company_id,
        employee_remote_id: employee_id.to_owned(),
        plan_remote_id: e.company_benefit_id,
        status,
        employee_contribution: money(&employee),
        company_contribution: money(&company),
        // Enrolled from the day the status took effect; a withdrawal or termination ends
        // coverage that day.
        coverage_start: effective.filter(|_| covered),
        coverage_end: effective.filter(|_| status == Some(EnrollmentStatus::Terminated)),
        employee_contribution_percent: percent(&employee),
        company_contribution_percent: percent(&company),
        deduction_start: e.deduction_start_date,
        deduction_end: e.deduction_end_date,
        raw: raw.into(),
    }))
}

/// Deduction type id → name, sub-types included.
fn deduction_names(types: Vec<api::DeductionType>, out: &mut Vec<(String, String)>) {
    for t in types {
        if let Some(name) = text(t.deduction_type_name) {
            out.push((t.id, name));
        }
        deduction_names(t.sub_types, out);
    }
}

/// Whether an error means the key's user may not read benefits (403) or the account has no
/// benefits feature (404): then there is nothing to sync, not a failure.
fn not_allowed(e: &ConnectorError) -> bool {
    matches!(
        e,
        ConnectorError::Http(HttpError::Auth { status: 403, .. } | HttpError::NotFound { .. })
    )
}

impl BambooHr {
    /// The plans (decoded one by one, so a bad plan names its index).
    async fn plans(&self) -> Result<Vec<(api::CompanyBenefit, Value)>> {
        let url = self.url("/api/v1/benefit/company_benefit", &[])?;
        let body = match self.get(url).await {
            Ok(v) => v,
            Err(e) if not_allowed(&e) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let list: api::CompanyBenefits = typed(&body, "")?;
        list.company_benefits
            .into_iter()
            .enumerate()
            .map(|(i, raw)| Ok((typed(&raw, &format!("companyBenefits[{i}]"))?, raw)))
            .collect()
    }

    pub(super) async fn read_benefit_plans(&self) -> Result<Page> {
        let plans = self.plans().await?;
        let mut names = Vec::new();
        if !plans.is_empty() {
            let url = self.url("/api/v1/benefits/settings/deduction_types/all", &[])?;
            match self.get(url).await {
                Ok(body) => {
                    let types: Vec<api::DeductionType> = typed(&body, "")?;
                    deduction_names(types, &mut names);
                }
                // Benefits Administration permission is needed; plans sync without the names.
                Err(e) if not_allowed(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let records = plans
            .into_iter()
            .map(|(p, raw)| {
                let deduction = p
                    .deduction_type_id
                    .as_ref()
                    .and_then(|id| names.iter().find(|(t, _)| t == id).map(|(_, n)| n.clone()));
                CanonicalRecord::from(plan(&self.origin, p, deduction, raw))
            })
            .collect();
        Ok(Page {
            records,
            deleted: Vec::new(),
            next: None,
        })
    }

    /// The enrollments of every plan: one List Employee Benefits call per plan.
    pub(super) async fn read_benefit_enrollments(&self) -> Result<Page> {
        let today = self.today();
        let mut records = Vec::new();
        for (p, _) in self.plans().await? {
            let plan_id: u64 = p.id.trim().parse().map_err(|_| {
                bad(
                    "benefit plan",
                    &p.id,
                    "id: not numeric, so it cannot be a companyBenefitId filter (an integer)",
                )
            })?;
            let url = self.url("/api/v1/benefit/employee_benefit", &[])?;
            let body = json!({ "filters": { "companyBenefitId": plan_id } });
            let request = ApiRequest::json(Method::GET, url, body);
            let answer = match self.session.send(&request).await {
                Ok(a) => a,
                Err(HttpError::Validation {
                    provider,
                    status: 400,
                    message,
                }) => {
                    return Err(HttpError::Validation {
                        provider,
                        status: 400,
                        message: format!(
                            "{message} (List Employee Benefits takes its filters in a JSON body \
                             on a GET, which a proxy between us and {NAME} may have removed)"
                        ),
                    }
                    .into());
                }
                Err(e) => {
                    let e = ConnectorError::from(e);
                    if not_allowed(&e) {
                        return Ok(Page {
                            records: Vec::new(),
                            deleted: Vec::new(),
                            next: None,
                        });
                    }
                    return Err(e);
                }
            };
            let value: Value = answer.json()?;
            let list: api::EmployeeBenefits = typed(&value, "")?;
            for (i, group) in list.employee_benefits.iter().enumerate() {
                let path = format!("employeeBenefits[{i}]");
                let g: api::EmployeeBenefitGroup = typed(group, &path)?;
                for (j, raw) in g.employee_benefit.into_iter().enumerate() {
                    let e: api::EmployeeBenefit =
                        typed(&raw, &format!("{path}.employeeBenefit[{j}]"))?;
                    if let Some(enrolled) = enrollment(&self.origin, &g.employee_id, e, raw, today)?
                    {
                        records.push(enrolled.into());
                    }
                }
            }
        }
        Ok(Page {
            records,
            deleted: Vec::new(),
            next: None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::{CompanyId, ConnectionId};

    use super::*;

    fn origin() -> Origin {
        Origin {
            company_id: CompanyId::new(),
            connection_id: ConnectionId::new(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn map(raw: Value) -> Result<Option<BenefitEnrollment>> {
        let e: api::EmployeeBenefit = typed(&raw, "").unwrap();
        enrollment(&origin(), "101", e, raw, day("2026-12-07"))
    }

    fn record(status: &str, effective: &str) -> Value {
        json!({
            "companyBenefitId": "11", "companyBenefitName": "Kaiser Silver 70",
            "coverageLevel": "Employee Only", "deductionStartDate": "2024-01-01",
            "deductionEndDate": null, "enrollmentStatus": status,
            "enrollmentStatusEffectiveDate": effective, "currencyCode": "USD",
            "employeeAmount": 125.5, "employeeAmountType": "$",
            "companyAmount": 3, "companyAmountType": "%", "occurrencesPerYear": 26,
        })
    }

    #[test]
    fn money_is_exact_with_its_currency_and_a_percentage_is_not_money() {
        let e = map(record("Enrolled", "2024-01-01")).unwrap().unwrap();
        assert_eq!(e.status, Some(EnrollmentStatus::Active));
        assert_eq!(e.employee_contribution.unwrap().to_string(), "125.50 USD");
        assert_eq!(e.company_contribution, None);
        assert_eq!(e.company_contribution_percent, Some(Decimal::from(3)));
        assert_eq!(e.employee_contribution_percent, None);
        assert_eq!(e.coverage_start, Some(day("2024-01-01")));
        assert_eq!(e.deduction_start, Some(day("2024-01-01")));
        assert_eq!(e.provenance.remote_id, "101:11:2024-01-01");
        assert_eq!(e.plan_remote_id, "11");
    }

    #[test]
    fn statuses_follow_the_spec_enum() {
        let status = |s: &str, d: &str| map(record(s, d)).unwrap().map(|e| e.status);
        assert_eq!(
            status("Enrolled", "2027-01-01"),
            Some(Some(EnrollmentStatus::Pending))
        );
        assert_eq!(
            status("Waived", "2024-01-01"),
            Some(Some(EnrollmentStatus::Waived))
        );
        for s in ["Withdrew", "Terminated"] {
            let e = map(record(s, "2026-11-30")).unwrap().unwrap();
            assert_eq!(e.status, Some(EnrollmentStatus::Terminated));
            assert_eq!(e.coverage_end, Some(day("2026-11-30")));
            assert_eq!(e.coverage_start, None);
        }
        assert_eq!(status("Eligible", "2024-01-01"), None);
        assert_eq!(status("Ineligible", "2024-01-01"), None);
    }

    #[test]
    fn money_without_a_currency_or_an_unknown_unit_is_refused_by_name() {
        let mut r = record("Enrolled", "2024-01-01");
        r["currencyCode"] = Value::Null;
        let err = map(r).unwrap_err().to_string();
        assert!(err.contains("currencyCode"), "{err}");
        let mut r = record("Enrolled", "2024-01-01");
        r["employeeAmountType"] = json!("pts");
        let err = map(r).unwrap_err().to_string();
        assert!(err.contains("employeeAmountType"), "{err}");
    }

    #[test]
    fn plan_kinds_follow_the_spec_enum() {
        assert_eq!(benefit_kind(Some("health")), BenefitKind::Medical);
        assert_eq!(benefit_kind(Some("flex")), BenefitKind::Fsa);
        assert_eq!(benefit_kind(Some("supplemental")), BenefitKind::Other);
        assert_eq!(benefit_kind(None), BenefitKind::Other);
    }
}
