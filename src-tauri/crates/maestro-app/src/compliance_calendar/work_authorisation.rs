//! Form I-9 re-verification: an employee whose employment authorisation expires must present
//! evidence of continued authorisation; the employer must "reverify ... not later than the
//! date the current employment authorization expires" (8 CFR 274a.2(b)(1)(vii); USCIS
//! Handbook for Employers M-274, the section on reverification). Since the 08/01/23 edition of
//! Form I-9 this is recorded on Supplement B (which replaced Section 3). Only expiring
//! employment authorisation triggers it: never a U.S. citizen's or a lawful permanent
//! resident's (green card) documents, nor a List B identity document. The alert warns 90 days
//! ahead and turns urgent 30 days ahead ([`Area::alert_days`]).
//!
//! No connector maps a work-authorisation expiry into the canonical model today, so synced
//! people carry none and this rule lists nothing for them; it does not guess one.

use super::{Area, CompanyFacts, Due};

/// The source of the rule.
pub const SOURCE: &str =
    "8 CFR 274a.2(b)(1)(vii); USCIS Handbook for Employers (M-274), reverification";

/// Re-verification items for current employees whose authorisation has an expiry.
pub fn due(facts: &CompanyFacts) -> Vec<Due> {
    facts
        .people
        .iter()
        .filter(|p| p.termination_date.is_none())
        .filter_map(|p| {
            let expires = p.work_authorisation_expires?;
            Some(Due {
                id: format!("i9:{}:{expires}", p.id),
                area: Area::WorkAuthorisation,
                title: format!(
                    "Re-verify {}'s employment authorisation (Form I-9, Supplement B)",
                    p.name
                ),
                due: expires,
                rule: format!(
                    "{}'s employment authorisation expires on {expires}; re-verify by then",
                    p.name
                ),
                source: SOURCE.into(),
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

    #[test]
    fn due_on_the_expiry_for_current_employees_only() {
        let expires = "2026-09-30".parse().unwrap();
        let mut facts = CompanyFacts {
            people: vec![
                PersonFacts {
                    id: "p1".into(),
                    name: "Grace Hopper".into(),
                    work_authorisation_expires: Some(expires),
                    ..PersonFacts::default()
                },
                PersonFacts {
                    id: "p2".into(),
                    name: "No Expiry".into(),
                    ..PersonFacts::default()
                },
            ],
            ..CompanyFacts::default()
        };
        let [item] = due(&facts).try_into().unwrap();
        assert_eq!(item.due, expires);
        assert_eq!(item.id, "i9:p1:2026-09-30");
        assert!(
            item.title.ends_with("(Form I-9, Supplement B)"),
            "{}",
            item.title
        );
        assert!(!item.source.contains("6.1"), "{}", item.source);
        facts.people[0].termination_date = Some("2026-06-01".parse().unwrap());
        assert!(due(&facts).is_empty());
    }
}
