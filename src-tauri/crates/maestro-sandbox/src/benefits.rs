//! The seeded company's benefits, shared by the BambooHR emulator (plans and enrollments) and
//! the Gusto emulator (what payroll deducts), so both tell one story about the same people.
//!
//! Every salaried person is enrolled in the medical plan in BambooHR and Gusto deducts it; the
//! first of them also saves a share of pay in the 401(k), in both. With the demo's
//! discrepancies on, three people break the story on purpose ([`situations`]).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::seed::{Company, Person};

/// BambooHR id of the medical plan.
pub const MEDICAL_PLAN_ID: &str = "11";
/// BambooHR id of the dental plan.
pub const DENTAL_PLAN_ID: &str = "12";
/// BambooHR id of the 401(k) plan.
pub const RETIREMENT_PLAN_ID: &str = "13";
/// The medical plan's name in BambooHR.
pub const MEDICAL_PLAN: &str = "Kaiser Silver 70";
/// The medical line's name on Gusto pay statements and its company benefit.
pub const MEDICAL_DEDUCTION: &str = "Medical (Kaiser Silver 70)";
/// The 401(k) line's name on Gusto pay statements.
pub const RETIREMENT_DEDUCTION: &str = "401(k)";
/// First day of the plans.
pub const PLANS_START: &str = "2024-01-01";

/// Who the demo's benefit discrepancies concern (indexes into [`Company::people`]); all `None`
/// when the sandbox runs without discrepancies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Situations {
    /// An hourly person enrolled in medical in BambooHR whose pay statements in Gusto deduct
    /// nothing for it.
    pub enrolled_without_deduction: Option<usize>,
    /// A salaried person Gusto deducts medical from, who waived medical in BambooHR.
    pub deduction_without_enrollment: Option<usize>,
    /// The person terminated in BambooHR whose medical enrollment there has no end.
    pub enrolled_after_termination: Option<usize>,
}

/// The demo's three benefit discrepancies, each a different person and none of them part of
/// another demo discrepancy.
pub fn situations(c: &Company) -> Situations {
    if c.rate_mismatch.is_none() {
        return Situations::default();
    }
    let taken = |p: &&Person| {
        Some(p.index) != c.rate_mismatch
            && Some(p.index) != c.stale_termination
            && Some(p.index) != c.terminated
    };
    // The first such hourly person is Gusto's paid-hours discrepancy; take the last one.
    let hourly: Vec<usize> = c
        .people
        .iter()
        .filter(|p| p.pay.is_hourly())
        .filter(taken)
        .map(|p| p.index)
        .collect();
    let salaried: Vec<usize> = c
        .people
        .iter()
        .filter(|p| !p.pay.is_hourly() && p.index != 0)
        .filter(taken)
        .map(|p| p.index)
        .collect();
    Situations {
        enrolled_without_deduction: hourly.get(1..).and_then(|h| h.last().copied()),
        deduction_without_enrollment: salaried.last().copied(),
        enrolled_after_termination: c.terminated,
    }
}

/// Medical: what the employee pays per pay period, in USD.
pub fn medical_employee_amount(p: &Person) -> Decimal {
    if p.pay.is_hourly() {
        Decimal::new(8_500, 2)
    } else {
        Decimal::new(12_500, 2)
    }
}

/// Medical: what the company pays per pay period, in USD.
pub fn medical_company_amount(p: &Person) -> Decimal {
    if p.pay.is_hourly() {
        Decimal::new(30_000, 2)
    } else {
        Decimal::new(25_000, 2)
    }
}

/// Whether Gusto deducts medical from `p`'s pay (every salaried person).
pub fn gusto_deducts_medical(p: &Person) -> bool {
    !p.pay.is_hourly()
}

/// The 401(k) share of gross pay `p` saves, in percent (the first person, when salaried).
pub fn retirement_percent(p: &Person) -> Option<Decimal> {
    (p.index == 0 && !p.pay.is_hourly()).then(|| Decimal::new(4, 0))
}

/// The day medical deductions start for `p`: the hire date, or the plans' first day.
pub fn medical_start(p: &Person) -> NaiveDate {
    NaiveDate::parse_from_str(PLANS_START, "%Y-%m-%d")
        .map(|start| start.max(p.hire_date))
        .unwrap_or(p.hire_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn the_three_situations_are_different_people() {
        let c = crate::seed::generate(&SandboxConfig::default());
        let s = situations(&c);
        let all = [
            s.enrolled_without_deduction,
            s.deduction_without_enrollment,
            s.enrolled_after_termination,
        ];
        assert!(all.iter().all(Option::is_some), "{s:?}");
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), 3);
        let off = crate::seed::generate(&SandboxConfig {
            discrepancies: false,
            ..SandboxConfig::default()
        });
        assert_eq!(situations(&off), Situations::default());
    }
}
