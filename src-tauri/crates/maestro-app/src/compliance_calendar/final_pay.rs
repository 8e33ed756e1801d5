//! Final pay after employment ends, by the state's rule in [`tables::FINAL_PAY`] (the next
//! regular payday where no state rule is listed).
//!
//! The synced data does not say whether a person was discharged or resigned, so the item is
//! due on the earlier of the state's two deadlines; a payday comes from the payroll's pay
//! schedule, and when no schedule is known the item is due on the last day (the earliest any
//! rule allows) and says why.

use chrono::{Duration, NaiveDate};

use super::holidays::business_days_after;
use super::tables::{self, FinalPayDue};
use super::{Area, CalendarSettings, CompanyFacts, Due, Paydays, state_of};

/// The date `rule` gives for a last day of `last`; `None` when it needs the payday and the
/// pay schedule is not known.
pub fn date(rule: FinalPayDue, last: NaiveDate, paydays: Option<&Paydays>) -> Option<NaiveDate> {
    let payday = paydays.map(|p| p.payday_for(last));
    match rule {
        FinalPayDue::LastDay => Some(last),
        FinalPayDue::NextBusinessDay => Some(business_days_after(last, 1)),
        FinalPayDue::CalendarDays(n) => Some(last + Duration::days(n)),
        FinalPayDue::BusinessDaysOrPayday(n) => {
            let by = business_days_after(last, n);
            Some(payday.map_or(by, |p| p.min(by)))
        }
        FinalPayDue::CalendarDaysOrPayday(n) => {
            let by = last + Duration::days(n);
            Some(payday.map_or(by, |p| p.min(by)))
        }
        FinalPayDue::NextPayday => payday,
    }
}

/// Final pay for everyone on the roster with a last day.
pub fn due(facts: &CompanyFacts, settings: &CalendarSettings) -> Vec<Due> {
    facts
        .people
        .iter()
        .filter_map(|p| {
            let last = p.termination_date?;
            let state = state_of(p, settings).map(str::to_uppercase);
            let rule = tables::final_pay(state.as_deref());
            let paydays = facts.paydays.as_ref();
            let dates = [
                date(rule.discharged, last, paydays),
                date(rule.quit, last, paydays),
            ];
            let known = dates.iter().flatten().min().copied();
            let (due, how) = match known {
                Some(d) if dates.iter().all(Option::is_some) => (d, String::new()),
                Some(d) => (
                    d,
                    " (the pay schedule is not known, so the payday rule is left out)".into(),
                ),
                None => (
                    last,
                    ": the next regular payday, but the pay schedule is not known \
                     (state it in Settings → Routes), so it is shown on the last day"
                        .into(),
                ),
            };
            let place = match (&state, rule.state.is_empty()) {
                (Some(s), false) => format!("{s}: "),
                (Some(s), true) => format!("{s} (default rule): "),
                (None, _) => "no work state known (default rule): ".to_owned(),
            };
            let schedule = paydays
                .filter(|_| uses_payday(rule.discharged) || uses_payday(rule.quit))
                .map(|p| format!("; paydays from {}", p.from))
                .unwrap_or_default();
            Some(Due {
                id: format!("final_pay:{}:{last}", p.id),
                area: Area::FinalPay,
                title: format!("Pay {} their final wages", p.name),
                due,
                rule: format!(
                    "{place}discharged, {}; resigned, {}. Last day {last}; the termination \
                     type is not synced, so the earlier date applies{how}{schedule}",
                    words(rule.discharged),
                    words(rule.quit),
                ),
                source: rule.source.into(),
                person: Some(p.name.clone()),
            })
        })
        .collect()
}

/// Whether `rule` reads the payday.
fn uses_payday(rule: FinalPayDue) -> bool {
    matches!(
        rule,
        FinalPayDue::NextPayday
            | FinalPayDue::BusinessDaysOrPayday(_)
            | FinalPayDue::CalendarDaysOrPayday(_)
    )
}

/// A deadline in words.
fn words(rule: FinalPayDue) -> String {
    match rule {
        FinalPayDue::LastDay => "on the last day".into(),
        FinalPayDue::NextBusinessDay => "the next business day".into(),
        FinalPayDue::CalendarDays(n) => format!("within {n} days"),
        FinalPayDue::BusinessDaysOrPayday(n) => {
            format!("within {n} business days or the next payday, if sooner")
        }
        FinalPayDue::CalendarDaysOrPayday(n) => {
            format!("within {n} days or the next payday, if sooner")
        }
        FinalPayDue::NextPayday => "the next regular payday".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_sync::routes::hours::PayCalendar;

    use super::super::PersonFacts;
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn leaver(state: &str, last: &str, paydays: Option<Paydays>) -> CompanyFacts {
        CompanyFacts {
            people: vec![PersonFacts {
                id: "p1".into(),
                name: "Alan Turing".into(),
                state: Some(state.into()),
                termination_date: Some(day(last)),
                ..PersonFacts::default()
            }],
            paydays,
            ..CompanyFacts::default()
        }
    }

    fn semi_monthly(lag_days: i64) -> Option<Paydays> {
        Some(Paydays {
            calendar: PayCalendar::SemiMonthly,
            lag_days,
            from: "Gusto's payroll runs".into(),
        })
    }

    fn one(facts: &CompanyFacts) -> Due {
        let [item] = due(facts, &CalendarSettings::default()).try_into().unwrap();
        item
    }

    #[test]
    fn california_discharge_is_due_the_same_day() {
        // Cal. Lab. Code 201: immediately on discharge.
        let item = one(&leaver("CA", "2026-05-13", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-13"));
        assert_eq!(item.id, "final_pay:p1:2026-05-13");
        assert_eq!(item.source, "Cal. Lab. Code §§ 201, 202");
    }

    #[test]
    fn texas_is_six_days_or_the_next_payday() {
        // Tex. Lab. Code 61.014: discharged, the sixth day; resigned, the next payday. Semi-
        // monthly, paid 5 days after the period: May 13 → period ends May 15 → payday May 20.
        assert_eq!(
            date(
                FinalPayDue::NextPayday,
                day("2026-05-13"),
                semi_monthly(5).as_ref()
            ),
            Some(day("2026-05-20"))
        );
        let item = one(&leaver("TX", "2026-05-13", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-19"));
        // Paid on the period's last day: the payday (May 15) comes first.
        let item = one(&leaver("TX", "2026-05-13", semi_monthly(0)));
        assert_eq!(item.due, day("2026-05-15"));
    }

    #[test]
    fn new_york_is_the_regular_payday_of_the_period() {
        // N.Y. Lab. Law 191(3).
        let item = one(&leaver("NY", "2026-05-20", semi_monthly(3)));
        assert_eq!(item.due, day("2026-06-03"));
        assert!(
            item.rule.contains("paydays from Gusto's payroll runs"),
            "{}",
            item.rule
        );
    }

    #[test]
    fn oregon_and_connecticut_discharges_are_due_the_next_business_day() {
        // Friday, July 3, 2026 is the observed Independence Day: a Thursday last day → Monday.
        let item = one(&leaver("OR", "2026-07-02", semi_monthly(0)));
        assert_eq!(item.due, day("2026-07-06"));
        let item = one(&leaver("CT", "2026-07-02", None));
        assert_eq!(item.due, day("2026-07-06"));
    }

    #[test]
    fn without_a_pay_schedule_a_payday_rule_is_shown_on_the_last_day_and_says_why() {
        let item = one(&leaver("OH", "2026-05-13", None));
        assert_eq!(item.due, day("2026-05-13"));
        assert!(
            item.rule.contains("pay schedule is not known"),
            "{}",
            item.rule
        );
        let item = one(&leaver("OH", "2026-05-13", semi_monthly(4)));
        assert_eq!(item.due, day("2026-05-19"));
    }
}
