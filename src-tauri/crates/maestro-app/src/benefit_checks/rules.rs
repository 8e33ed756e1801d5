//! The benefit rules, pure: what the benefits system says a person is enrolled in, against what
//! payroll deducts and what the HRIS says about their employment.
//!
//! **When a deduction matches an enrollment.** A payroll deduction line matches an enrollment
//! when the kind of benefit read from the line's name ([`deduction_kind`]: "Medical (Kaiser
//! Silver 70)" is medical, "401(k)" is retirement, a garnishment is no benefit) is the plan's
//! kind, or when either name contains the other (letters and digits compared, case ignored).
//! Amounts are deliberately *not* compared: they differ for ordinary reasons (per pay period
//! versus per month, a percentage of a gross that changes every period, catch-up, a change
//! taking effect mid-period), and an alert for each would flood the owner. Both figures are
//! shown side by side on the person page instead.
//!
//! **Rule 1, enrolled without a deduction.** For a person not terminated in the HRIS who has a
//! statement in the latest pay period payroll has paid: each active enrollment whose employee
//! pays something (an amount above zero or a percentage above zero) and whose deductions run
//! during that period (deduction dates, else coverage dates, overlap it) needs a matching line.
//!
//! **Rule 1, reversed: a deduction without an enrollment.** On the same statement, each line
//! that reads as a benefit and matches no enrollment that is active, pending, or ended no
//! earlier than the period's first day. Lines that read as no benefit are never flagged.
//! (The caller runs this only when the benefits system holds enrollments at all, so a
//! connection that may not read benefits does not flag every deduction.)
//!
//! **Rule 2, enrolled after termination.** For a person the HRIS has terminated (with a date),
//! each active enrollment that is not ended by the last day of the termination month: its
//! deduction and coverage end are both absent or later, and no terminated record of the same
//! plan ends it by then. Coverage commonly runs to the end of the month someone leaves, so that
//! grace keeps the rule from flagging the ordinary case.

use chrono::{Datelike, NaiveDate};
use maestro_core::model::{BenefitKind, EnrollmentStatus};
use maestro_core::money::Money;
use rust_decimal::Decimal;

/// One enrollment as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    /// The plan's remote id in the benefits system.
    pub plan_id: String,
    /// The plan's name.
    pub plan: String,
    /// The plan's kind.
    pub kind: BenefitKind,
    /// Status.
    pub status: Option<EnrollmentStatus>,
    /// What the employee pays per pay period, as money.
    pub employee_amount: Option<Money>,
    /// What the employee pays, as a percentage of pay.
    pub employee_percent: Option<Decimal>,
    /// Coverage start.
    pub coverage_start: Option<NaiveDate>,
    /// Coverage end.
    pub coverage_end: Option<NaiveDate>,
    /// First deduction day.
    pub deduction_start: Option<NaiveDate>,
    /// Last deduction day.
    pub deduction_end: Option<NaiveDate>,
}

impl Enrolled {
    fn employee_pays(&self) -> bool {
        self.employee_amount
            .as_ref()
            .is_some_and(Money::is_positive)
            || self.employee_percent.is_some_and(|p| p > Decimal::ZERO)
    }

    /// The first and last day deductions run (deduction dates, else coverage dates).
    fn window(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (
            self.deduction_start.or(self.coverage_start),
            self.deduction_end.or(self.coverage_end),
        )
    }

    /// Whether a payroll line of this name matches the enrollment (see the module docs).
    pub fn matches_line(&self, line: &str) -> bool {
        deduction_kind(line).is_some_and(|k| k == self.kind && k != BenefitKind::Other)
            || names_overlap(&self.plan, line)
    }
}

/// A person's latest pay statement, as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period.
    pub period_end: NaiveDate,
    /// Employee deduction lines: name and amount.
    pub deductions: Vec<(String, Money)>,
}

/// Everything the rules look at for one person.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonBenefits {
    /// Enrollments in the benefits system.
    pub enrollments: Vec<Enrolled>,
    /// The person's statement in the latest paid period, if they have one.
    pub statement: Option<Statement>,
    /// Termination date in the HRIS, when the HRIS has terminated them.
    pub terminated_on: Option<NaiveDate>,
}

/// What a rule found.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// Enrolled (and paying) with no matching deduction on the latest statement.
    NoDeduction {
        /// The enrollment.
        enrolled: Enrolled,
        /// The statement's period.
        period: (NaiveDate, NaiveDate),
    },
    /// A benefit deduction on the latest statement that matches no enrollment.
    NoEnrollment {
        /// The line's name.
        line: String,
        /// Its amount.
        amount: Money,
        /// The kind read from its name.
        kind: BenefitKind,
        /// The statement's period.
        period: (NaiveDate, NaiveDate),
    },
    /// Still enrolled past the termination month.
    AfterTermination {
        /// The enrollment.
        enrolled: Enrolled,
        /// The termination date.
        terminated_on: NaiveDate,
    },
}

/// Letters and digits, lower case, one space between words.
fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .replace("(k)", "k")
        .replace("(b)", "b")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn names_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (words(a).join(" "), words(b).join(" "));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

/// The kind of benefit a payroll line's name reads as, or None when it reads as no benefit
/// (taxes, garnishments, child support, loans, anything unrecognised).
pub fn deduction_kind(name: &str) -> Option<BenefitKind> {
    let w = words(name);
    let has = |x: &str| w.iter().any(|t| t == x);
    let joined = w.join(" ");
    let phrase = |x: &str| joined.contains(x);
    if has("hsa") || phrase("health savings") {
        Some(BenefitKind::Hsa)
    } else if has("fsa") || phrase("flexible spending") || phrase("dependent care") {
        Some(BenefitKind::Fsa)
    } else if has("dental") {
        Some(BenefitKind::Dental)
    } else if has("vision") {
        Some(BenefitKind::Vision)
    } else if [
        "401k",
        "403b",
        "457",
        "retirement",
        "pension",
        "roth",
        "ira",
    ]
    .iter()
    .any(|x| has(x))
    {
        Some(BenefitKind::Retirement)
    } else if has("life") || phrase("accidental death") {
        Some(BenefitKind::Life)
    } else if has("disability") || has("std") || has("ltd") {
        Some(BenefitKind::Disability)
    } else if ["commuter", "transit", "parking"].iter().any(|x| has(x)) {
        Some(BenefitKind::Commuter)
    } else if ["medical", "health", "hmo", "ppo", "epo", "hdhp"]
        .iter()
        .any(|x| has(x))
    {
        Some(BenefitKind::Medical)
    } else {
        None
    }
}

/// The last day of `day`'s month.
pub fn month_end(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(day)
}

/// Everything the rules find for one person. `reverse` runs the deduction-without-enrollment
/// rule (only when the benefits system holds enrollments at all).
pub fn check(p: &PersonBenefits, reverse: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let active = |e: &&Enrolled| e.status == Some(EnrollmentStatus::Active);
    if let Some(s) = p.statement.as_ref().filter(|_| p.terminated_on.is_none()) {
        let period = (s.period_start, s.period_end);
        for e in p.enrollments.iter().filter(active) {
            let (from, to) = e.window();
            let runs =
                from.is_none_or(|d| d <= s.period_end) && to.is_none_or(|d| d >= s.period_start);
            if e.employee_pays() && runs && !s.deductions.iter().any(|(n, _)| e.matches_line(n)) {
                out.push(Finding::NoDeduction {
                    enrolled: e.clone(),
                    period,
                });
            }
        }
        if reverse {
            for (line, amount) in &s.deductions {
                let Some(kind) = deduction_kind(line) else {
                    continue;
                };
                let covered = p.enrollments.iter().any(|e| {
                    let live = match e.status {
                        Some(EnrollmentStatus::Active | EnrollmentStatus::Pending) => true,
                        Some(EnrollmentStatus::Terminated) => {
                            e.window().1.is_some_and(|end| end >= s.period_start)
                        }
                        _ => false,
                    };
                    live && e.matches_line(line)
                });
                if !covered && amount.is_positive() {
                    out.push(Finding::NoEnrollment {
                        line: line.clone(),
                        amount: *amount,
                        kind,
                        period,
                    });
                }
            }
        }
    }
    if let Some(left) = p.terminated_on {
        let grace = month_end(left);
        for e in p.enrollments.iter().filter(active) {
            let ends = [e.deduction_end, e.coverage_end]
                .into_iter()
                .flatten()
                .min();
            let scheduled_end = p.enrollments.iter().any(|t| {
                t.plan_id == e.plan_id
                    && t.status == Some(EnrollmentStatus::Terminated)
                    && t.coverage_end.is_some_and(|d| d <= grace)
            });
            if ends.is_none_or(|d| d > grace) && !scheduled_end {
                out.push(Finding::AfterTermination {
                    enrolled: e.clone(),
                    terminated_on: left,
                });
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::money::Currency;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    fn medical() -> Enrolled {
        Enrolled {
            plan_id: "11".into(),
            plan: "Kaiser Silver 70".into(),
            kind: BenefitKind::Medical,
            status: Some(EnrollmentStatus::Active),
            employee_amount: Some(usd("125.00")),
            employee_percent: None,
            coverage_start: Some(day("2024-01-01")),
            coverage_end: None,
            deduction_start: Some(day("2024-01-01")),
            deduction_end: None,
        }
    }

    fn statement(lines: &[(&str, &str)]) -> Statement {
        Statement {
            period_start: day("2026-11-01"),
            period_end: day("2026-11-14"),
            deductions: lines
                .iter()
                .map(|(n, a)| ((*n).to_owned(), usd(a)))
                .collect(),
        }
    }

    fn person(enrollments: Vec<Enrolled>, lines: &[(&str, &str)]) -> PersonBenefits {
        PersonBenefits {
            enrollments,
            statement: Some(statement(lines)),
            terminated_on: None,
        }
    }

    #[test]
    fn deduction_names_read_as_benefit_kinds_or_none() {
        for (name, kind) in [
            ("Medical (Kaiser Silver 70)", Some(BenefitKind::Medical)),
            ("Health Insurance", Some(BenefitKind::Medical)),
            ("Delta Dental PPO", Some(BenefitKind::Dental)),
            ("401(k)", Some(BenefitKind::Retirement)),
            ("Roth 401k", Some(BenefitKind::Retirement)),
            ("HSA", Some(BenefitKind::Hsa)),
            ("Health Savings Account", Some(BenefitKind::Hsa)),
            ("Dependent Care FSA", Some(BenefitKind::Fsa)),
            ("Voluntary Life", Some(BenefitKind::Life)),
            ("LTD", Some(BenefitKind::Disability)),
            ("Transit", Some(BenefitKind::Commuter)),
            ("Child Support", None),
            ("Wage Garnishment", None),
            ("Loan repayment", None),
        ] {
            assert_eq!(deduction_kind(name), kind, "{name}");
        }
    }

    #[test]
    fn a_deduction_of_the_plans_kind_matches_whatever_its_amount() {
        // Same kind, different amount: no alert (amounts are shown, not compared).
        let p = person(vec![medical()], &[("Medical (Kaiser Silver 70)", "98.10")]);
        assert_eq!(check(&p, true), vec![]);
        // Named after the plan, of no recognisable kind: matches by name.
        let mut other = medical();
        other.kind = BenefitKind::Other;
        other.plan = "Pet Insurance".into();
        let p = person(vec![other], &[("Pet insurance", "9.00")]);
        assert_eq!(check(&p, true), vec![]);
    }

    #[test]
    fn enrolled_and_paying_without_a_deduction_is_found() {
        let p = person(vec![medical()], &[("Child Support", "50.00")]);
        let found = check(&p, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            matches!(&found[0], Finding::NoDeduction { enrolled, .. } if enrolled.plan_id == "11")
        );
    }

    #[test]
    fn no_deduction_is_expected_when_none_is_due() {
        // The company pays it all.
        let mut free = medical();
        free.employee_amount = Some(usd("0.00"));
        assert_eq!(check(&person(vec![free], &[]), true), vec![]);
        // Deductions start after the period, or ended before it.
        let mut later = medical();
        later.deduction_start = Some(day("2026-12-01"));
        assert_eq!(check(&person(vec![later], &[]), true), vec![]);
        let mut ended = medical();
        ended.deduction_end = Some(day("2026-10-31"));
        assert_eq!(check(&person(vec![ended], &[]), true), vec![]);
        // Waived or pending enrollments, and people without a statement in the latest period.
        for status in [EnrollmentStatus::Waived, EnrollmentStatus::Pending] {
            let mut e = medical();
            e.status = Some(status);
            assert_eq!(check(&person(vec![e], &[]), true), vec![]);
        }
        let unpaid = PersonBenefits {
            enrollments: vec![medical()],
            ..PersonBenefits::default()
        };
        assert_eq!(check(&unpaid, true), vec![]);
        // A percentage counts as paying.
        let mut saver = medical();
        saver.kind = BenefitKind::Retirement;
        saver.plan = "401(k) Retirement Plan".into();
        saver.employee_amount = None;
        saver.employee_percent = Some(Decimal::from(4));
        assert_eq!(check(&person(vec![saver.clone()], &[]), true).len(), 1);
        assert_eq!(
            check(&person(vec![saver], &[("401(k)", "120.00")]), true),
            vec![]
        );
    }

    #[test]
    fn a_benefit_deduction_without_an_enrollment_is_found_and_others_are_not() {
        let mut waived = medical();
        waived.status = Some(EnrollmentStatus::Waived);
        let p = person(
            vec![waived],
            &[
                ("Medical (Kaiser Silver 70)", "125.00"),
                ("Wage Garnishment", "80.00"),
            ],
        );
        let found = check(&p, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(
            &found[0],
            Finding::NoEnrollment { kind: BenefitKind::Medical, line, .. } if line.starts_with("Medical")
        ));
        // Not run when the benefits system holds no enrollments at all.
        assert_eq!(check(&p, false), vec![]);
        // An enrollment that ended during the period still explains its last deduction.
        let mut ended = medical();
        ended.status = Some(EnrollmentStatus::Terminated);
        ended.coverage_end = Some(day("2026-11-05"));
        let p = person(vec![ended], &[("Medical (Kaiser Silver 70)", "125.00")]);
        assert_eq!(check(&p, true), vec![]);
    }

    #[test]
    fn enrolled_past_the_termination_month_is_found() {
        let left = PersonBenefits {
            enrollments: vec![medical()],
            statement: Some(statement(&[])),
            terminated_on: Some(day("2026-11-10")),
        };
        let found = check(&left, true);
        // Only the termination finding: a missing deduction of someone who left is that.
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(
            &found[0],
            Finding::AfterTermination { terminated_on, .. } if *terminated_on == day("2026-11-10")
        ));
        // Ending by the end of the termination month is the ordinary case.
        let mut ends = left.clone();
        ends.enrollments[0].deduction_end = Some(day("2026-11-30"));
        assert_eq!(check(&ends, true), vec![]);
        let mut late = left.clone();
        late.enrollments[0].deduction_end = Some(day("2026-12-01"));
        assert_eq!(check(&late, true).len(), 1);
        // A scheduled termination record of the same plan ends it.
        let mut scheduled = left.clone();
        let mut end = medical();
        end.status = Some(EnrollmentStatus::Terminated);
        end.coverage_end = Some(day("2026-11-30"));
        scheduled.enrollments.push(end);
        assert_eq!(check(&scheduled, true), vec![]);
    }

    #[test]
    fn month_ends() {
        assert_eq!(month_end(day("2026-12-07")), day("2026-12-31"));
        assert_eq!(month_end(day("2028-02-03")), day("2028-02-29"));
    }
}
