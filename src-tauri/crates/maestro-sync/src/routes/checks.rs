//! New hire in the HRIS → a background check ordered at the background-check provider, with
//! the package the owner chose for the route. An order costs money and the provider then
//! writes to the person to ask for their consent, so every order waits for the owner's
//! approval, whatever the other settings say.
//!
//! A new hire is someone active (or starting soon) in the HRIS whose hire date is on or after
//! the day the owner turned the route on (`hired_since`): people hired before were screened,
//! or not, before this route existed. One order per person: someone whose email belongs to a
//! candidate with a check at the provider (synced: Checkr's candidates and their checks) is
//! not ordered for; the subject is the route, the action and the HRIS record, so planning
//! again after a sync (a new record version) finds the order already waiting, sent or
//! approved; and the provider's connector looks the person up before it orders, so a check
//! ordered in between is not ordered again.
//!
//! What is sent: the names, an email the provider can write to (the personal one, since a new
//! hire may not read their work mail yet, else the work one) and the work location's country,
//! state and city. Nothing sensitive: the provider's own form collects the birth date, SSN and
//! address from the person.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use maestro_connectors::{BackgroundCheckOrder, WorkLocation, WriteOp};
use maestro_core::model::{EmploymentStatus, Location};
use maestro_core::money::Money;
use serde::Serialize;

use super::hris::{PlannedWrite, SourceEmployee};
use super::{FieldChange, Route, Skipped, idempotency_key, match_key, subject};

/// Action name of an order.
pub const ORDER: &str = "order_background_check";

/// The package the owner chose for the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChosenPackage {
    /// What the order names (Checkr: the slug).
    pub id: String,
    /// Its name, when the provider's list gave one.
    pub name: Option<String>,
    /// What one check costs, when known.
    pub price: Option<Money>,
}

/// What the route reads.
#[derive(Debug, Clone, Copy)]
pub struct ChecksInput<'a> {
    /// People in the HRIS.
    pub source: &'a [SourceEmployee],
    /// The HRIS's locations (a person's work location is looked up here).
    pub locations: &'a [Location],
    /// The package to order.
    pub package: &'a ChosenPackage,
    /// Emails ([`match_key`]s) of the provider's candidates who have a check there already
    /// (any not cancelled).
    pub checked: &'a BTreeSet<String>,
    /// People hired on or after this day are new hires.
    pub hired_since: NaiveDate,
    /// The HRIS's name, for messages ("BambooHR").
    pub source_name: &'a str,
    /// The provider's name, for messages ("Checkr").
    pub target_name: &'a str,
}

/// The route's plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChecksPlan {
    /// Orders to make, each waiting for approval.
    pub writes: Vec<PlannedWrite>,
    /// New hires not planned, and why.
    pub skipped: Vec<Skipped>,
}

fn display_name(first: &str, last: &str) -> String {
    format!("{} {}", first.trim(), last.trim())
}

fn place(w: &WorkLocation) -> String {
    [w.city.as_deref(), w.state.as_deref(), w.country.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans an order for every new hire without one.
pub fn plan(input: &ChecksInput<'_>) -> ChecksPlan {
    let locations: BTreeMap<&str, &Location> = input
        .locations
        .iter()
        .map(|l| (l.provenance.remote_id.as_str(), l))
        .collect();
    let mut sorted: Vec<&SourceEmployee> = input.source.iter().collect();
    sorted.sort_by_key(|s| s.record_id);
    let mut seen = BTreeSet::new();
    let mut plan = ChecksPlan::default();
    for s in sorted {
        let e = &s.employee;
        let leaving = e.termination_date.is_some()
            || matches!(
                e.employment_status,
                EmploymentStatus::Terminated | EmploymentStatus::Inactive
            );
        let hired = e.hire_date.or(e.start_date);
        if leaving || hired.is_none_or(|d| d < input.hired_since) {
            continue;
        }
        let who = || {
            let name = [e.first_name.as_deref(), e.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() {
                format!("record {}", e.provenance.remote_id)
            } else {
                name
            }
        };
        let has_check = [e.personal_email.as_deref(), e.work_email.as_deref()]
            .into_iter()
            .filter_map(|m| match_key(m))
            .any(|k| input.checked.contains(&k));
        if has_check {
            plan.skipped.push(Skipped {
                who: who(),
                reason: format!(
                    "already has a check at {}; nothing is ordered again",
                    input.target_name
                ),
            });
            continue;
        }
        match order_for(input, s, &locations) {
            Ok(w) => {
                let key = match &w.op {
                    WriteOp::OrderBackgroundCheck(o) => match_key(Some(&o.email)),
                    _ => None,
                };
                if key.is_some_and(|k| !seen.insert(k)) {
                    plan.skipped.push(Skipped {
                        who: who(),
                        reason: format!(
                            "shares an email with another new hire in {}, so {} could not \
                             tell them apart; give each person their own",
                            input.source_name, input.target_name
                        ),
                    });
                    continue;
                }
                plan.writes.push(w);
            }
            Err(reason) => plan.skipped.push(Skipped { who: who(), reason }),
        }
    }
    plan
}

fn order_for(
    input: &ChecksInput<'_>,
    s: &SourceEmployee,
    locations: &BTreeMap<&str, &Location>,
) -> Result<PlannedWrite, String> {
    let e = &s.employee;
    let (Some(first), Some(last)) = (
        e.first_name.clone().filter(|n| !n.trim().is_empty()),
        e.last_name.clone().filter(|n| !n.trim().is_empty()),
    ) else {
        return Err(format!(
            "has no first or last name in {}, which {} needs",
            input.source_name, input.target_name
        ));
    };
    let email = [e.personal_email.as_deref(), e.work_email.as_deref()]
        .into_iter()
        .flatten()
        .find(|m| match_key(Some(m)).is_some())
        .map(|m| m.trim().to_owned())
        .ok_or_else(|| {
            format!(
                "has no email in {} for {} to ask for their consent; add a personal or work \
                 email there",
                input.source_name, input.target_name
            )
        })?;
    let address = e
        .work_location_remote_id
        .as_deref()
        .and_then(|id| locations.get(id))
        .map(|l| &l.address);
    let work_location = WorkLocation {
        country: address.and_then(|a| a.country.clone()),
        state: address.and_then(|a| a.state.clone()),
        city: address.and_then(|a| a.city.clone()),
    };
    if work_location
        .state
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        return Err(format!(
            "has no work location with a state in {}; {} needs the state the person will \
             work in (it decides which searches the law allows), so add the location there",
            input.source_name, input.target_name
        ));
    }
    let name = display_name(&first, &last);
    let order = BackgroundCheckOrder {
        first_name: first.trim().to_owned(),
        middle_name: e.middle_name.clone().filter(|m| !m.trim().is_empty()),
        last_name: last.trim().to_owned(),
        email: email.clone(),
        work_location: work_location.clone(),
        package: input.package.id.clone(),
        reference: Some(format!("maestro-{}", s.record_id)),
    };
    let price = input
        .package
        .price
        .as_ref()
        .map(|p| format!(" ({p} each)"))
        .unwrap_or_default();
    let summary = format!(
        "Order a {} '{}' check for {name} — costs money{price}; {} will get an email from {} \
         to consent",
        input.target_name, input.package.id, order.first_name, input.target_name
    );
    let package_text = match &input.package.name {
        Some(n) if n != &input.package.id => format!("{n} ({})", input.package.id),
        _ => input.package.id.clone(),
    };
    let mut changes = vec![
        FieldChange::new("candidate", None, Some(name.clone())),
        FieldChange::new("email", None, Some(email.clone())),
        FieldChange::new("work_location", None, Some(place(&work_location))),
        FieldChange::new("package", None, Some(package_text)),
    ];
    if let Some(p) = &input.package.price {
        changes.push(FieldChange::new("price", None, Some(p.to_string())));
    }
    let notes = vec![
        format!(
            "{} emails {email} a link to consent and to give what the check needs (birth \
             date, SSN, address); nothing sensitive is sent from {}.",
            input.target_name, input.source_name
        ),
        format!(
            "If {} already has a '{}' check for {email}, none is ordered again.",
            input.target_name, input.package.id
        ),
    ];
    let route = Route::HrisToBackgroundCheck;
    Ok(PlannedWrite {
        route,
        action: ORDER,
        subject: subject(route, ORDER, s.record_id),
        idempotency_key: idempotency_key(route, ORDER, s.record_id, s.version),
        op: WriteOp::OrderBackgroundCheck(order),
        summary,
        changes,
        notes,
        source_record_id: s.record_id,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::{CompanyId, ConnectionId};
    use maestro_core::model::{Address, Employee, Provenance};
    use maestro_core::money::Currency;

    use super::*;

    fn person(id: &str, first: &str, hired: (i32, u32, u32)) -> Employee {
        Employee {
            provenance: Provenance::new(ConnectionId::new(), "bamboohr", id),
            company_id: CompanyId::new(),
            first_name: Some(first.into()),
            middle_name: None,
            last_name: Some("Doe".into()),
            preferred_name: None,
            display_full_name: None,
            employee_number: None,
            work_email: Some(format!("{}@bluebird.example", first.to_lowercase())),
            personal_email: Some(format!("{}.doe@home.example", first.to_lowercase())),
            phone_numbers: Vec::new(),
            date_of_birth: None,
            ssn: None,
            employment_status: EmploymentStatus::Active,
            hire_date: NaiveDate::from_ymd_opt(hired.0, hired.1, hired.2),
            start_date: NaiveDate::from_ymd_opt(hired.0, hired.1, hired.2),
            termination_date: None,
            manager_remote_id: None,
            department_remote_id: None,
            work_location_remote_id: Some("loc1".into()),
            home_location_remote_id: None,
            custom_fields: Default::default(),
            raw: serde_json::Value::Null.into(),
        }
    }

    fn source(n: u128, e: Employee) -> SourceEmployee {
        SourceEmployee {
            record_id: uuid::Uuid::from_u128(n).into(),
            version: 1,
            employee: e,
            job_title: None,
            department: None,
        }
    }

    fn oakland() -> Location {
        Location {
            provenance: Provenance::new(ConnectionId::new(), "bamboohr", "loc1"),
            company_id: CompanyId::new(),
            name: Some("Oakland".into()),
            location_type: None,
            address: Address {
                city: Some("Oakland".into()),
                state: Some("CA".into()),
                country: Some("US".into()),
                ..Address::default()
            },
            time_zone: None,
            phone: None,
            raw: serde_json::Value::Null.into(),
        }
    }

    fn run(src: &[SourceEmployee], locations: &[Location]) -> ChecksPlan {
        let package = ChosenPackage {
            id: "tasker_standard".into(),
            name: Some("Tasker Standard".into()),
            price: Some(Money::from_minor(2900, Currency::USD)),
        };
        plan(&ChecksInput {
            source: src,
            locations,
            package: &package,
            checked: &BTreeSet::new(),
            hired_since: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            source_name: "BambooHR",
            target_name: "Checkr",
        })
    }

    #[test]
    fn only_new_hires_get_an_order_in_plain_words() {
        let src = [
            source(1, person("1", "Jane", (2026, 3, 9))),
            source(2, person("2", "Old", (2019, 5, 1))),
        ];
        let p = run(&src, &[oakland()]);
        assert_eq!(p.writes.len(), 1, "{p:?}");
        let w = &p.writes[0];
        assert_eq!(
            w.summary,
            "Order a Checkr 'tasker_standard' check for Jane Doe — costs money (29.00 USD \
             each); Jane will get an email from Checkr to consent"
        );
        let WriteOp::OrderBackgroundCheck(o) = &w.op else {
            panic!("{w:?}")
        };
        assert!(w.op.always_needs_approval());
        assert_eq!(o.email, "jane.doe@home.example");
        assert_eq!(o.work_location.state.as_deref(), Some("CA"));
        assert_eq!(o.package, "tasker_standard");
        assert_eq!(w.changes[2].after.as_deref(), Some("Oakland, CA, US"));
        assert_eq!(
            w.changes[3].after.as_deref(),
            Some("Tasker Standard (tasker_standard)")
        );
        // Planning again gives the same write; a new version keeps the subject.
        assert_eq!(run(&src, &[oakland()]).writes[0], *w);
        let mut newer = src.clone();
        newer[0].version = 2;
        let again = &run(&newer, &[oakland()]).writes[0];
        assert_eq!(again.subject, w.subject);
        assert_ne!(again.idempotency_key, w.idempotency_key);
    }

    #[test]
    fn someone_the_provider_already_checked_is_not_ordered_for() {
        let src = [source(1, person("1", "Jane", (2026, 3, 9)))];
        let package = ChosenPackage {
            id: "tasker_standard".into(),
            name: None,
            price: None,
        };
        let checked: BTreeSet<String> = ["jane.doe@home.example".to_owned()].into();
        let p = plan(&ChecksInput {
            source: &src,
            locations: &[oakland()],
            package: &package,
            checked: &checked,
            hired_since: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            source_name: "BambooHR",
            target_name: "Checkr",
        });
        assert!(p.writes.is_empty(), "{p:?}");
        assert!(
            p.skipped[0]
                .reason
                .contains("already has a check at Checkr")
        );
    }

    #[test]
    fn leavers_are_left_out_and_missing_details_explained() {
        let mut gone = person("3", "Gone", (2026, 3, 5));
        gone.termination_date = NaiveDate::from_ymd_opt(2026, 3, 20);
        let mut nowhere = person("4", "Nowhere", (2026, 3, 5));
        nowhere.work_location_remote_id = None;
        let mut mute = person("5", "Mute", (2026, 3, 5));
        mute.work_email = None;
        mute.personal_email = None;
        let p = run(
            &[source(3, gone), source(4, nowhere), source(5, mute)],
            &[oakland()],
        );
        assert!(p.writes.is_empty(), "{p:?}");
        assert_eq!(p.skipped.len(), 2, "{:?}", p.skipped);
        assert!(p.skipped[0].reason.contains("state"));
        assert!(p.skipped[1].reason.contains("no email"));
    }
}
