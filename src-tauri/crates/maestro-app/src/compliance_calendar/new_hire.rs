//! New-hire reporting: each hire is reported to the state's new-hire registry within the
//! state's days of the hire date, 20 by federal law (42 U.S.C. 653a(b)(2)(A)); the shorter
//! state deadlines are in [`tables::NEW_HIRE`].

use chrono::Duration;

use super::tables::{self, FEDERAL_NEW_HIRE_DAYS, FEDERAL_NEW_HIRE_SOURCE};
use super::{Area, CalendarSettings, CompanyFacts, Due, state_of};

/// A report for every hire on the roster with a hire date (the calendar's window keeps the
/// recent ones).
pub fn due(facts: &CompanyFacts, settings: &CalendarSettings) -> Vec<Due> {
    facts
        .people
        .iter()
        .filter_map(|p| {
            let hired = p.hire_date?;
            let state = state_of(p, settings).map(str::to_uppercase);
            let rule = state.as_deref().and_then(tables::new_hire);
            let (days, source) = rule
                .map(|r| (r.days, r.source))
                .unwrap_or((FEDERAL_NEW_HIRE_DAYS, FEDERAL_NEW_HIRE_SOURCE));
            let (whose, which) = match (&state, rule) {
                (Some(s), Some(_)) => (format!("{s}'s"), format!("{s}'s deadline")),
                (Some(s), None) => (
                    format!("{s}'s"),
                    format!("the federal deadline ({s} has no shorter one in the table)"),
                ),
                (None, _) => (
                    "the state's".to_owned(),
                    "the federal deadline (no work state known: set the company's state)"
                        .to_owned(),
                ),
            };
            let due = hired + Duration::days(days);
            Some(Due {
                id: format!("new_hire:{}:{hired}", p.id),
                area: Area::NewHireReport,
                title: format!("Report {}'s hire to {whose} new-hire registry", p.name),
                due,
                rule: format!("{days} days after the hire on {hired}: {which}"),
                source: source.into(),
                person: Some(p.name.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::PersonFacts;
    use super::*;

    fn hire(state: Option<&str>) -> CompanyFacts {
        CompanyFacts {
            people: vec![PersonFacts {
                id: "p1".into(),
                name: "Ada Lovelace".into(),
                state: state.map(Into::into),
                hire_date: Some("2026-03-02".parse().unwrap()),
                ..PersonFacts::default()
            }],
            ..CompanyFacts::default()
        }
    }

    #[test]
    fn a_hire_in_a_20_day_state_is_due_20_days_later() {
        // Cal. Unemp. Ins. Code 1088.5: 20 days.
        let [item] = due(&hire(Some("CA")), &CalendarSettings::default())
            .try_into()
            .unwrap();
        assert_eq!(item.due, "2026-03-22".parse().unwrap());
        assert_eq!(item.source, "Cal. Unemp. Ins. Code § 1088.5");
        assert_eq!(
            item.title,
            "Report Ada Lovelace's hire to CA's new-hire registry"
        );
    }

    #[test]
    fn shorter_state_deadlines_and_the_federal_default() {
        // Ala. Code 25-11-5: 7 days.
        let [al] = due(&hire(Some("AL")), &CalendarSettings::default())
            .try_into()
            .unwrap();
        assert_eq!(al.due, "2026-03-09".parse().unwrap());
        // Ohio is not in the table: the federal 20 days.
        let [oh] = due(&hire(Some("OH")), &CalendarSettings::default())
            .try_into()
            .unwrap();
        assert_eq!(oh.due, "2026-03-22".parse().unwrap());
        assert_eq!(oh.source, FEDERAL_NEW_HIRE_SOURCE);
        // No work location: the company's state from the settings.
        let settings = CalendarSettings {
            company_state: Some("GA".into()),
            ..CalendarSettings::default()
        };
        let [ga] = due(&hire(None), &settings).try_into().unwrap();
        assert_eq!(ga.due, "2026-03-12".parse().unwrap());
        // Nothing known: federal, and said so.
        let [none] = due(&hire(None), &CalendarSettings::default())
            .try_into()
            .unwrap();
        assert_eq!(none.due, "2026-03-22".parse().unwrap());
        assert!(none.rule.contains("no work state known"), "{}", none.rule);
    }
}
