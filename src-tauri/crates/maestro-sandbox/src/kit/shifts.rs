//! The company's worked shifts, shared by every time tracker's dataset: the same days and
//! hours Harvest holds (so every tracker agrees with payroll), each given a start time in the
//! person's own time zone. A shift whose end is still ahead (Harvest holds its day and hours
//! already, a tracker's timer is still going) is apart from the finished ones: a tracker serves
//! it as a running timer where its spec has one, or not at all, never with an end or a
//! last-updated time in the future. A shift not begun yet is in neither.

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
    /// End, as an instant (`start` plus `seconds`).
    pub end: DateTime<Utc>,
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

/// The company's shifts as of one instant.
pub(crate) struct Worked {
    /// Every shift ended by then, oldest first.
    pub finished: Vec<Shift>,
    /// Every shift begun and not yet ended then (its `end` is ahead), oldest first.
    pub running: Vec<Shift>,
    /// Projects and tasks.
    pub catalogue: Catalogue,
}

/// The company's people's shifts as of `now`: every finished shift, those still going on, and
/// the project catalogue.
pub(crate) fn shifts(c: &Company, now: DateTime<Utc>) -> Worked {
    let h = data::build(c, None);
    let by_harvest: std::collections::HashMap<u64, usize> =
        c.people.iter().map(|p| (p.harvest_id, p.index)).collect();
    let (mut finished, mut running) = (Vec::new(), Vec::new());
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
        let seconds = i64::from(e.centi_hours) * 36;
        let end = start + chrono::Duration::seconds(seconds);
        let into = if end <= now {
            &mut finished
        } else if start <= now {
            &mut running
        } else {
            continue; // not begun
        };
        into.push(Shift {
            person,
            day: e.spent_date,
            start,
            end,
            seconds,
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
    Worked {
        finished,
        running,
        catalogue: Catalogue { projects, tasks },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use serde_json::Value;

    use super::shifts;
    use crate::config::SandboxConfig;
    use crate::seed::{Company, generate};

    fn company() -> Company {
        generate(&SandboxConfig {
            today: NaiveDate::from_ymd_opt(2026, 3, 2),
            ..SandboxConfig::default()
        })
    }

    /// An instant halfway through the company's last shift.
    fn during_the_last_shift(c: &Company) -> (DateTime<Utc>, u64) {
        let all = shifts(c, DateTime::<Utc>::MAX_UTC).finished;
        let last = all.iter().max_by_key(|s| s.start).unwrap();
        (last.start + Duration::seconds(last.seconds / 2), last.n)
    }

    #[test]
    fn a_shift_is_finished_going_on_or_not_begun() {
        let c = company();
        let all = shifts(&c, DateTime::<Utc>::MAX_UTC);
        assert!(all.running.is_empty());
        assert!(
            all.finished
                .iter()
                .all(|s| s.end == s.start + Duration::seconds(s.seconds))
        );
        let (now, last) = during_the_last_shift(&c);
        let then = shifts(&c, now);
        assert!(then.finished.iter().all(|s| s.end <= now));
        assert!(then.running.iter().all(|s| s.start <= now && now < s.end));
        assert!(
            then.running.iter().any(|s| s.n == last),
            "the last shift goes on"
        );
        let begun = all.finished.iter().filter(|s| s.start <= now).count();
        assert_eq!(then.finished.len() + then.running.len(), begun);
    }

    fn instant(v: &Value) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn trackers_serve_a_shift_going_on_as_their_specs_have_it() {
        let c = company();
        let (now, last) = during_the_last_shift(&c);
        let then = shifts(&c, now);

        // Clockify: a running timer, its start and no end, valid against the spec's entry.
        let b = maestro_kit::builtin_file("clockify").unwrap();
        let schema = b
            .item_schema(b.file.stream("time_entries").unwrap())
            .unwrap();
        let valid = jsonschema::validator_for(&b.spec.validator_document(&schema)).unwrap();
        let entries = super::super::clockify::dataset_at(&c, b, now).all("time_entries");
        assert_eq!(entries.len(), then.finished.len() + then.running.len());
        let running: Vec<&Value> = entries
            .iter()
            .filter(|e| e.pointer("/timeInterval/end").is_none())
            .collect();
        assert_eq!(running.len(), then.running.len());
        for e in &entries {
            assert!(valid.is_valid(e), "{e}");
            assert!(instant(&e["timeInterval"]["start"]) <= now, "{e}");
            if let Some(end) = e.pointer("/timeInterval/end") {
                assert!(instant(end) <= now, "{e}");
            } else {
                assert!(e.pointer("/timeInterval/duration").is_none(), "{e}");
            }
        }

        // Toggl's report rows and QuickBooks' time activities: finished shifts only, nothing
        // stopped or updated after now.
        let b = maestro_kit::builtin_file("toggl").unwrap();
        let rows = super::super::toggl::dataset_at(&c, b, now).all("time_entries");
        assert_eq!(rows.len(), then.finished.len());
        let last_id = 4_000_000_000u64 + last % 1_000_000_000;
        for r in &rows {
            let t = &r["time_entries"][0];
            assert!(
                instant(&t["stop"]) <= now && instant(&t["at"]) <= now,
                "{r}"
            );
            assert_ne!(t["id"].as_u64(), Some(last_id), "{r}");
        }
        let b = maestro_kit::builtin_file("quickbooks").unwrap();
        let acts = super::super::quickbooks::dataset_at(&c, b, now).all("time_activities");
        assert_eq!(acts.len(), then.finished.len());
        for a in &acts {
            assert!(instant(&a["MetaData"]["LastUpdatedTime"]) <= now, "{a}");
        }
    }
}
