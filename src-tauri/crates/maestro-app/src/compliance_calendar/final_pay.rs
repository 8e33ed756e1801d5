//! Final pay after employment ends, by the state's rule in [`tables::FINAL_PAY`].
//!
//! The synced data does not say whether a person was discharged or resigned, so the item is
//! due on the earlier of the state's two deadlines; a payday comes from the payroll's pay
//! schedule, and when no schedule is known the item is due on the last day (the earliest any
//! rule allows) and says why. A state with no rule in the table (or no known work state) gets
//! an item that says so and asks the owner to check the state's rule; it shows the last day,
//! the earliest any state requires, and presents no date as the law's.

use chrono::{Duration, NaiveDate};

use super::holidays::business_days_after;
use super::tables::{self, FinalPayDue, Payday};
use super::{Area, CalendarSettings, CompanyFacts, Due, Paydays, state_of};

/// The date `rule` gives for a last day of `last`; `None` when it needs the pay schedule and
/// the schedule is not known.
pub fn date(rule: FinalPayDue, last: NaiveDate, paydays: Option<&Paydays>) -> Option<NaiveDate> {
    let payday = |which: Payday| {
        paydays.map(|p| match which {
            Payday::NextScheduled => p.next_payday_after(last),
            Payday::OfPeriod => p.payday_for(last),
        })
    };
    match rule {
        FinalPayDue::LastDay => Some(last),
        FinalPayDue::NextBusinessDay => Some(business_days_after(last, 1)),
        FinalPayDue::CalendarDays(n) => Some(last + Duration::days(n)),
        FinalPayDue::BusinessDays(n) => Some(business_days_after(last, n)),
        FinalPayDue::BusinessDaysOrPayday(n, which) => {
            let by = business_days_after(last, n);
            Some(payday(which).map_or(by, |p| p.min(by)))
        }
        FinalPayDue::CalendarDaysOrPayday(n, which) => {
            let by = last + Duration::days(n);
            Some(payday(which).map_or(by, |p| p.min(by)))
        }
        FinalPayDue::BusinessDaysOrNextPeriodEnd(n) => {
            let by = business_days_after(last, n);
            Some(paydays.map_or(by, |p| p.next_period_end(last).min(by)))
        }
        FinalPayDue::Payday(which) => payday(which),
        FinalPayDue::PeriodEnd => paydays.map(|p| p.period_end(last)),
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
            let id = format!("final_pay:{}:{last}", p.id);
            let title = format!("Pay {} their final wages", p.name);
            let Some(rule) = state.as_deref().and_then(tables::final_pay) else {
                return Some(unlisted(id, title, state.as_deref(), last, &p.name));
            };
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
                    ": the rule needs the pay schedule, which is not known (state it in \
                     Settings → Routes), so it is shown on the last day"
                        .into(),
                ),
            };
            let schedule = paydays
                .filter(|_| uses_schedule(rule.discharged) || uses_schedule(rule.quit))
                .map(|p| format!("; paydays from {}", p.from))
                .unwrap_or_default();
            Some(Due {
                id,
                area: Area::FinalPay,
                title,
                due,
                rule: format!(
                    "{}: discharged, {}; resigned, {}. Last day {last}; the termination type \
                     is not synced, so the earlier date applies{how}{schedule}",
                    rule.state,
                    words(rule.discharged),
                    words(rule.quit),
                ),
                source: rule.source.into(),
                person: Some(p.name.clone()),
            })
        })
        .collect()
}

/// The item of a leaver whose state has no rule in the table: a reminder to check it, shown
/// on the last day.
fn unlisted(id: String, title: String, state: Option<&str>, last: NaiveDate, name: &str) -> Due {
    let (whose, rule) = match state {
        Some(s) => (
            format!("{s}'s"),
            format!(
                "{s}'s final-pay rule is not in this calendar: check when {s} requires final \
                 wages (some states require them at discharge or within 24 hours). Shown on \
                 the last day, {last}, the earliest any state requires; not a deadline from \
                 {s}'s law"
            ),
        ),
        None => (
            "the work state's".to_owned(),
            format!(
                "No work state is known for {name} (set the company state in the calendar \
                 settings), so no state's final-pay rule applies here: check the state's rule. \
                 Shown on the last day, {last}, the earliest any state requires"
            ),
        ),
    };
    Due {
        id,
        area: Area::FinalPay,
        title: format!("{title} (check {whose} deadline)"),
        due: last,
        rule,
        source: "none in this calendar: check the state labor department's final-pay rule".into(),
        person: Some(name.to_owned()),
    }
}

/// Whether `rule` reads the pay schedule.
fn uses_schedule(rule: FinalPayDue) -> bool {
    matches!(
        rule,
        FinalPayDue::Payday(_)
            | FinalPayDue::BusinessDaysOrPayday(..)
            | FinalPayDue::CalendarDaysOrPayday(..)
            | FinalPayDue::BusinessDaysOrNextPeriodEnd(_)
            | FinalPayDue::PeriodEnd
    )
}

/// A payday in words.
fn payday_words(which: Payday) -> &'static str {
    match which {
        Payday::NextScheduled => "the next scheduled payday",
        Payday::OfPeriod => "the payday of the pay period it falls in",
    }
}

/// A deadline in words.
fn words(rule: FinalPayDue) -> String {
    match rule {
        FinalPayDue::LastDay => "on the last day".into(),
        FinalPayDue::NextBusinessDay => "the next business day".into(),
        FinalPayDue::CalendarDays(1) => "within 24 hours".into(),
        FinalPayDue::CalendarDays(n) => format!("within {n} days"),
        FinalPayDue::BusinessDays(n) => format!("within {n} working days"),
        FinalPayDue::BusinessDaysOrPayday(n, which) => {
            format!(
                "within {n} business days or {}, if sooner",
                payday_words(which)
            )
        }
        FinalPayDue::CalendarDaysOrPayday(n, which) => {
            format!("within {n} days or {}, if sooner", payday_words(which))
        }
        FinalPayDue::BusinessDaysOrNextPeriodEnd(n) => {
            format!("within {n} working days or by the end of the next pay period, if sooner")
        }
        FinalPayDue::Payday(which) => payday_words(which).into(),
        FinalPayDue::PeriodEnd => "at the end of the pay period".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_sync::routes::hours::PayCalendar;

    use super::super::PersonFacts;
    use super::super::tests::day;
    use super::*;

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
        // Tex. Lab. Code 61.014: discharged, the sixth day; resigned, the next scheduled
        // payday. Semi-monthly, paid 5 days after the period: after May 13 the next payday is
        // May 20 (for May 1–15).
        assert_eq!(
            date(
                FinalPayDue::Payday(Payday::NextScheduled),
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
    fn texas_and_illinois_next_scheduled_payday_can_pay_the_period_before() {
        // Last day Sunday, May 3; semi-monthly, paid 5 days after the period ends. The next
        // scheduled payday is May 5 (it pays April 16–30), not May 20 (May 1–15's payday).
        let item = one(&leaver("TX", "2026-05-03", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-05"));
        let item = one(&leaver("IL", "2026-05-03", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-05"));
        assert!(
            item.rule.contains("the next scheduled payday"),
            "{}",
            item.rule
        );
        // A last day on a payday: the next one after it.
        let item = one(&leaver("IL", "2026-05-05", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-20"));
        // New York keeps the payday of the period the last day falls in.
        let item = one(&leaver("NY", "2026-05-03", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-20"));
    }

    #[test]
    fn oregon_resignation_is_five_business_days_or_the_next_scheduled_payday() {
        // Last day Thursday, April 30; paid 5 days after the period: the payday of April
        // 16–30 is May 5, before the fifth business day (May 7).
        let item = one(&leaver("OR", "2026-04-30", semi_monthly(5)));
        // Discharged: the next business day, Friday May 1.
        assert_eq!(item.due, day("2026-05-01"));
        assert_eq!(
            date(
                FinalPayDue::BusinessDaysOrPayday(5, Payday::NextScheduled),
                day("2026-04-30"),
                semi_monthly(5).as_ref()
            ),
            Some(day("2026-05-05"))
        );
    }

    #[test]
    fn arizona_discharge_is_seven_working_days_or_the_next_period_end() {
        // Weekly periods Sunday–Saturday. Last day Tuesday, May 12, 2026: the current period
        // ends May 16, the next May 23; the seventh working day is May 21 (no holiday between).
        let weekly = Some(Paydays {
            calendar: PayCalendar::EveryNDays {
                anchor: day("2026-05-03"),
                days: 7,
            },
            lag_days: 6,
            from: "Gusto's payroll runs".into(),
        });
        let rule = FinalPayDue::BusinessDaysOrNextPeriodEnd(7);
        assert_eq!(
            date(rule, day("2026-05-12"), weekly.as_ref()),
            Some(day("2026-05-21"))
        );
        // Last day Friday, May 15: the next period ends May 23, the seventh working day (over
        // Memorial Day) is May 27, so the period end comes first.
        assert_eq!(
            date(rule, day("2026-05-15"), weekly.as_ref()),
            Some(day("2026-05-23"))
        );
        // Without a schedule: seven working days.
        assert_eq!(date(rule, day("2026-05-15"), None), Some(day("2026-05-27")));
    }

    #[test]
    fn washington_is_due_at_the_end_of_the_pay_period() {
        // RCW 49.48.010: the period's end (May 15), not its payday (May 20).
        let item = one(&leaver("WA", "2026-05-13", semi_monthly(5)));
        assert_eq!(item.due, day("2026-05-15"));
    }

    #[test]
    fn states_added_from_the_review_have_their_own_deadlines() {
        // Utah: within 24 hours; Vermont and New Hampshire: 72 hours; New Mexico: 5 days;
        // Wyoming: 5 working days; D.C.: the next working day; Hawaii: at discharge.
        for (state, due) in [
            ("UT", "2026-05-14"),
            ("VT", "2026-05-16"),
            ("NH", "2026-05-16"),
            ("NM", "2026-05-18"),
            ("WY", "2026-05-20"),
            ("DC", "2026-05-14"),
            ("HI", "2026-05-13"),
        ] {
            let item = one(&leaver(state, "2026-05-13", semi_monthly(5)));
            assert_eq!(item.due, day(due), "{state}");
        }
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
        // D.C. Emancipation Day (Thursday, April 16) is no business-day holiday for them.
        let item = one(&leaver("OR", "2026-04-15", semi_monthly(0)));
        assert_eq!(item.due, day("2026-04-16"));
        let item = one(&leaver("CT", "2026-04-15", None));
        assert_eq!(item.due, day("2026-04-16"));
    }

    #[test]
    fn without_a_pay_schedule_a_payday_rule_is_shown_on_the_last_day_and_says_why() {
        let item = one(&leaver("IL", "2026-05-13", None));
        assert_eq!(item.due, day("2026-05-13"));
        assert!(
            item.rule.contains("pay schedule, which is not known"),
            "{}",
            item.rule
        );
    }

    #[test]
    fn a_state_not_in_the_table_says_to_check_its_rule_and_presents_no_date_as_law() {
        let item = one(&leaver("OH", "2026-05-13", semi_monthly(4)));
        assert_eq!(item.due, day("2026-05-13"));
        assert!(item.title.contains("check OH's deadline"), "{}", item.title);
        assert!(
            item.rule
                .contains("OH's final-pay rule is not in this calendar"),
            "{}",
            item.rule
        );
        assert!(!item.rule.contains("payday"), "{}", item.rule);
        assert!(item.source.starts_with("none in this calendar"));
    }
}
