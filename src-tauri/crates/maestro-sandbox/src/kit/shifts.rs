//! The company's worked shifts, shared by every time tracker's dataset: the same days and
//! hours Harvest holds (so every tracker agrees with payroll), each given a start time in the
//! person's own time zone.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::harvest::data;
use crate::seed::{Company, mix};

/// One shift.
#[derive(Debug, Clone)]
pub(crate) struct Shift {
    /// Index of the person in `Company::people`.
    pub person: usize,
    /// Day worked (local).
    pub day: NaiveDate,
    /// Start, as an instant.
    pub start: DateTime<Utc>,
    /// Length.
    pub seconds: i64,
    /// The person's IANA zone.
    pub zone: Tz,
    /// Project and task (indices into Harvest's tables).
    pub project: usize,
    /// Task index.
    pub task: usize,
    /// Notes.
    pub n: u64,
}

/// Project names, clients and whether billable, as Harvest has them.
pub(crate) struct Catalogue {
    /// (name, client name, billable, hourly rate in cents).
    pub projects: Vec<(&'static str, &'static str, bool, Option<i64>)>,
    /// Task names.
    pub tasks: Vec<&'static str>,
}

/// Every finished shift of the company's people, oldest first, and the project catalogue.
pub(crate) fn shifts(c: &Company) -> (Vec<Shift>, Catalogue) {
    let h = data::build(c, None);
    let by_harvest: std::collections::HashMap<u64, usize> =
        c.people.iter().map(|p| (p.harvest_id, p.index)).collect();
    let mut out = Vec::new();
    for e in h.entries.iter().filter(|e| !e.is_running) {
        let Some(&person) = by_harvest.get(&e.user_id) else {
            continue; // the Harvest-only contractor
        };
        let p = &c.people[person];
        let zone: Tz = c.locations[p.location]
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::UTC);
        let hour = 6 + (mix(c.seed, 71, e.id) % 5) as u32;
        let local = e.day_at(hour);
        let start = match zone.from_local_datetime(&local).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => local.and_utc(),
        };
        out.push(Shift {
            person,
            day: e.spent_date,
            start,
            seconds: i64::from(e.centi_hours) * 36,
            zone,
            project: usize::from(e.project),
            task: usize::from(e.task),
            n: e.id,
        });
    }
    let projects = h
        .projects
        .iter()
        .map(|p| {
            (
                p.name,
                data::CLIENTS[p.client].1,
                p.billable,
                p.hourly_rate
                    .and_then(|r| (r * rust_decimal::Decimal::from(100)).try_into().ok()),
            )
        })
        .collect();
    let tasks = data::TASKS.iter().map(|t| t.1).collect();
    (out, Catalogue { projects, tasks })
}
