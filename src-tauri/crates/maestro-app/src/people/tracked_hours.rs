//! Each person's tracked hours for the roster: summed over every current time entry of the
//! company, reading from each entry's canonical text only the three fields the roster shows
//! (whose, which day, how long). The rest of the text is skipped, not built, and the entries
//! stream from the store, so years of entries cost a scan, not their size in memory.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::current_texts;
use maestro_store::sqlx::SqliteConnection;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{AppError, Result};

/// One person's tracked time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hours {
    /// Hours over every entry, exact.
    pub total: Decimal,
    /// The earliest day worked.
    pub first: NaiveDate,
    /// The latest day worked.
    pub last: NaiveDate,
}

/// Tracked hours by connection, then by the person's id in that tool.
pub(crate) type HoursByPerson = HashMap<ConnectionId, HashMap<String, Hours>>;

/// The fields of a time entry's canonical text the roster reads (`TimeEntry`'s names; the
/// strings are borrowed from the text unless they hold escapes).
#[derive(Deserialize)]
struct Tracked<'a> {
    #[serde(borrow)]
    employee_remote_id: Cow<'a, str>,
    work_date: NaiveDate,
    /// A decimal string, as `maestro_core::money::decimal_str` writes it.
    #[serde(borrow)]
    hours: Cow<'a, str>,
}

impl Tracked<'_> {
    /// The entry's hours, read as `decimal_str` reads them (exactly, or not at all).
    fn hours(&self) -> std::result::Result<Decimal, rust_decimal::Error> {
        Decimal::from_str_exact(self.hours.trim())
    }
}

/// Adds one entry to its person's sum.
fn add(
    sums: &mut HoursByPerson,
    connection_id: ConnectionId,
    person: &str,
    day: NaiveDate,
    hours: Decimal,
) {
    let of_connection = sums.entry(connection_id).or_default();
    match of_connection.get_mut(person) {
        Some(h) => {
            // Decimal holds 28 digits: no roster reaches its limit; saturate if one did.
            h.total = h.total.checked_add(hours).unwrap_or(h.total);
            h.first = h.first.min(day);
            h.last = h.last.max(day);
        }
        None => {
            of_connection.insert(
                person.to_owned(),
                Hours {
                    total: hours,
                    first: day,
                    last: day,
                },
            );
        }
    }
}

/// Adds `other`'s sums into `sums`.
fn merge(sums: &mut HoursByPerson, other: HoursByPerson) {
    for (connection_id, people) in other {
        for (person, h) in people {
            // The other half's total on its first day, then nothing on its last day: the
            // sum, the earlier first day and the later last day.
            add(sums, connection_id, &person, h.first, h.total);
            add(sums, connection_id, &person, h.last, Decimal::ZERO);
        }
    }
}

/// Every person's tracked hours over the company's current time entries, the two halves of
/// the entries read side by side on `first` and `second`. An entry whose person, day or hours
/// do not read is logged and left out.
pub(crate) async fn by_person(
    first: &mut SqliteConnection,
    second: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<HoursByPerson> {
    let (mut sums, other) = current_texts::fold_current_texts_in_halves(
        first,
        second,
        company_id,
        EntityKind::TimeEntry,
        HoursByPerson::new,
        |sums, at, text| {
            let read = serde_json::from_str::<Tracked<'_>>(text)
                .map_err(|e| e.to_string())
                .and_then(|t| t.hours().map(|h| (t, h)).map_err(|e| e.to_string()));
            match read {
                Ok((t, hours)) => add(
                    sums,
                    at.connection_id,
                    &t.employee_remote_id,
                    t.work_date,
                    hours,
                ),
                Err(error) => {
                    tracing::warn!(record = %at.record_id, %error, "time entry left out of the roster's hours");
                }
            }
            Ok::<_, AppError>(())
        },
    )
    .await?;
    merge(&mut sums, other);
    Ok(sums)
}
