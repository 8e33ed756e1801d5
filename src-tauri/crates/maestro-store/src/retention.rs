//! Retention: how long each kind of record is kept after the person it is about leaves, and
//! the purge that removes what is past it.
//!
//! A record's period starts on its person's termination date (of the person record of the same
//! connection it points to, or its own; a termination known in any tool holds for every record
//! linked to the same person, so time entries of a tracker that knows no termination count
//! from the HRIS's), or, for a record the provider deleted, on the day the deletion was seen. On the day the period has run out (the anniversary, e.g.
//! termination 2022-01-10 + 3 years: purged from 2025-01-10, kept through 2025-01-09) the
//! record goes with every version, as an erasure does ([`erasure`], reason retention): its
//! compression dictionaries rebuilt, a suppression so a later sync does not bring it back, one
//! audit entry per kind ("purged 12 versions of 3 time entries"). A kind without a period, or
//! a person still employed, is never purged.
//!
//! Defaults (owner-editable per kind, settings key `retention.<kind>`):
//! - employee, employment, compensation, pay statement, payroll run, bank account, contractor:
//!   4 years — IRS Publication 15 (Circular E), "Recordkeeping": keep all records of
//!   employment taxes for at least 4 years; the FLSA's 3 years for payroll records
//!   (29 CFR 516.5) is shorter.
//! - time entry, timesheet entry, time-off request and balance: 3 years — FLSA 29 CFR 516.5
//!   (payroll records, 3 years) and FMLA 29 CFR 825.500 (leave records, 3 years); time cards
//!   alone need 2 (29 CFR 516.6), the longer one is kept.
//! - benefit enrollment, dependent: 6 years — ERISA §107 (29 U.S.C. 1027), records supporting
//!   plan filings kept 6 years.
//! - background check: 5 years — the FCRA's limit for claims is 5 years after a violation
//!   (15 U.S.C. 1681p); EEOC 29 CFR 1602.14 asks 1 year for personnel records.
//! - Form I-9 (not a synced kind; for reference): 3 years after hire or 1 year after
//!   termination, whichever is later (8 CFR 274a.2(b)(2)).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Months, NaiveDate, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::EntityKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use crate::erasure::{self, Reason, Subject};
use crate::error::{Result, StoreError};
use crate::packed;
use crate::settings::{self, Scope};
use crate::store::{Store, parse_col};
use crate::time::parse_ts;

/// A retention period: years, months and days added to the start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Whole years.
    pub years: u32,
    /// Whole months.
    pub months: u32,
    /// Days.
    pub days: u32,
}

impl Period {
    /// A period of whole years.
    pub const fn years(years: u32) -> Self {
        Self {
            years,
            months: 0,
            days: 0,
        }
    }

    /// The first day past the period started on `start` (the day the record is purged).
    pub fn ends(&self, start: NaiveDate) -> Option<NaiveDate> {
        start
            .checked_add_months(Months::new(self.years * 12 + self.months))?
            .checked_add_days(chrono::Days::new(u64::from(self.days)))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (n, unit) in [(self.years, 'y'), (self.months, 'm'), (self.days, 'd')] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
                any = true;
            }
        }
        if !any {
            write!(f, "0d")?;
        }
        Ok(())
    }
}

impl FromStr for Period {
    type Err = String;

    /// "4y", "18m", "400d", "3y6m": numbers each followed by y, m or d.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("{s:?} is not a period: write e.g. 4y, 18m, 400d or 3y6m");
        let mut period = Period {
            years: 0,
            months: 0,
            days: 0,
        };
        let mut digits = String::new();
        let mut any = false;
        for c in s.trim().chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let n: u32 = digits.parse().map_err(|_| bad())?;
            digits.clear();
            match c.to_ascii_lowercase() {
                'y' if n <= 100 => period.years = n,
                'm' if n <= 1200 => period.months = n,
                'd' if n <= 36_500 => period.days = n,
                _ => return Err(bad()),
            }
            any = true;
        }
        if !digits.is_empty() || !any {
            return Err(bad());
        }
        Ok(period)
    }
}

/// One kind's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The kind.
    pub kind: EntityKind,
    /// How long after termination (None: kept for ever).
    pub period: Option<Period>,
    /// The default period.
    pub default: Option<Period>,
    /// Where the default comes from.
    pub source: &'static str,
}

/// The documented defaults (see the module documentation).
pub fn defaults() -> Vec<(EntityKind, Period, &'static str)> {
    use EntityKind as K;
    const IRS: &str = "IRS Publication 15 (Circular E): employment tax records 4 years";
    const FLSA: &str = "FLSA 29 CFR 516.5 and FMLA 29 CFR 825.500: 3 years";
    const ERISA: &str = "ERISA §107 (29 U.S.C. 1027): 6 years";
    const FCRA: &str = "FCRA 15 U.S.C. 1681p: claims up to 5 years after a violation";
    vec![
        (K::Employee, Period::years(4), IRS),
        (K::Employment, Period::years(4), IRS),
        (K::Compensation, Period::years(4), IRS),
        (K::PayStatement, Period::years(4), IRS),
        (K::BankAccount, Period::years(4), IRS),
        (K::Contractor, Period::years(4), IRS),
        (K::TimeEntry, Period::years(3), FLSA),
        (K::TimesheetEntry, Period::years(3), FLSA),
        (K::TimeOffRequest, Period::years(3), FLSA),
        (K::TimeOffBalance, Period::years(3), FLSA),
        (K::BenefitEnrollment, Period::years(6), ERISA),
        (K::Dependent, Period::years(6), ERISA),
        (K::BackgroundCheck, Period::years(5), FCRA),
    ]
}

fn setting_key(kind: EntityKind) -> String {
    format!("retention.{kind}")
}

/// The company's rules: every kind with a default or a period set by the owner.
pub async fn policy(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<Vec<Rule>> {
    let defaults: HashMap<EntityKind, (Period, &'static str)> = defaults()
        .into_iter()
        .map(|(k, p, s)| (k, (p, s)))
        .collect();
    let mut out = Vec::new();
    for &kind in EntityKind::ALL {
        let set: Option<String> =
            settings::get(conn, Scope::Company(company_id), &setting_key(kind)).await?;
        let default = defaults.get(&kind).copied();
        let period = match set.as_deref() {
            Some("never") => None,
            Some(text) => Some(text.parse().map_err(|e: String| {
                StoreError::Corrupt(format!("setting {}: {e}", setting_key(kind)))
            })?),
            None => default.map(|(p, _)| p),
        };
        if default.is_none() && set.is_none() {
            continue;
        }
        out.push(Rule {
            kind,
            period,
            default: default.map(|(p, _)| p),
            source: default.map_or("set by the owner", |(_, s)| s),
        });
    }
    Ok(out)
}

/// Sets one kind's period (`None`: keep for ever).
pub async fn set(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    period: Option<Period>,
    at: DateTime<Utc>,
) -> Result<()> {
    let text = period.map_or_else(|| "never".to_owned(), |p| p.to_string());
    settings::set(
        conn,
        Scope::Company(company_id),
        &setting_key(kind),
        &text,
        at,
    )
    .await
}

/// What one purge removed, per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// The kind.
    pub kind: EntityKind,
    /// Records removed.
    pub records: i64,
    /// Versions removed.
    pub versions: i64,
}

/// A record considered by a purge.
struct Candidate {
    record_id: RecordId,
    connection_id: ConnectionId,
    remote_id: String,
    deleted_on: Option<NaiveDate>,
    data: Value,
}

/// Every record of `kind` in the company, with its current data.
async fn candidates(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    crate::records::for_each_with_current_version(
        conn,
        "r.record_id, r.connection_id, r.remote_id, r.deleted, v.valid_from, v.data",
        "r.kind = ?2",
        company_id,
        kind.as_str(),
        |row| {
            let text = packed::unpack(row.try_get("data")?, "data")?;
            let deleted = row.try_get::<i64, _>("deleted")? != 0;
            out.push(Candidate {
                record_id: parse_col(row.try_get("record_id")?, "records.record_id")?,
                connection_id: parse_col(row.try_get("connection_id")?, "records.connection_id")?,
                remote_id: row.try_get("remote_id")?,
                deleted_on: if deleted {
                    Some(parse_ts(row.try_get("valid_from")?)?.date_naive())
                } else {
                    None
                },
                data: serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("record data is not JSON: {e}")))?,
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

fn date_field(data: &Value, field: &str) -> Option<NaiveDate> {
    data.get(field)?.as_str()?.parse().ok()
}

/// A person's latest termination and their records (connection, remote id).
type PersonRecords = (Option<NaiveDate>, Vec<(ConnectionId, String)>);

/// Termination dates of the company's people, by (connection, remote id): from employee records,
/// and from people a purge already removed.
async fn terminations(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<HashMap<(ConnectionId, String), NaiveDate>> {
    let mut out = HashMap::new();
    let rows = sqlx::query(
        "SELECT connection_id, person_remote_id, terminated_on FROM retention_terminations
         WHERE company_id = ?1",
    )
    .bind(company_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let on: String = row.try_get("terminated_on")?;
        if let Ok(on) = on.parse() {
            out.insert(
                (
                    parse_col(row.try_get("connection_id")?, "connection_id")?,
                    row.try_get("person_remote_id")?,
                ),
                on,
            );
        }
    }
    let mut by_record: HashMap<RecordId, NaiveDate> = HashMap::new();
    for c in candidates(conn, company_id, EntityKind::Employee).await? {
        if let Some(on) = date_field(&c.data, "termination_date") {
            by_record.insert(c.record_id, on);
            out.insert((c.connection_id, c.remote_id), on);
        }
    }
    // A person's termination in one tool (the HRIS) holds for their records in every tool
    // linked to them (a time tracker knows no termination): the latest one counts.
    let rows = sqlx::query(
        "SELECT l.identity_id, r.record_id, r.connection_id, r.remote_id
         FROM identity_links l JOIN records r ON r.record_id = l.record_id
         WHERE l.company_id = ?1 AND l.status != 'split'",
    )
    .bind(company_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut people: HashMap<String, PersonRecords> = HashMap::new();
    for row in rows {
        let record_id: RecordId = parse_col(row.try_get("record_id")?, "records.record_id")?;
        let entry = people.entry(row.try_get("identity_id")?).or_default();
        if let Some(on) = by_record.get(&record_id) {
            entry.0 = entry.0.max(Some(*on));
        }
        entry.1.push((
            parse_col(row.try_get("connection_id")?, "records.connection_id")?,
            row.try_get("remote_id")?,
        ));
    }
    for (on, records) in people.into_values() {
        let Some(on) = on else { continue };
        for key in records {
            out.entry(key).or_insert(on);
        }
    }
    Ok(out)
}

/// When a record's period starts: its person's termination, else the day its deletion was seen.
fn start_of(
    kind: EntityKind,
    c: &Candidate,
    terminations: &HashMap<(ConnectionId, String), NaiveDate>,
) -> Option<NaiveDate> {
    let person = if erasure::is_person_kind(kind) {
        Some(c.remote_id.clone())
    } else {
        ["employee_remote_id", "candidate_remote_id"]
            .iter()
            .find_map(|f| c.data.get(f).and_then(Value::as_str).map(str::to_owned))
    };
    person
        .and_then(|p| terminations.get(&(c.connection_id, p)).copied())
        .or(c.deleted_on)
}

/// The records of each kind whose period has run out on `today`, by the company's policy.
pub async fn due(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    today: NaiveDate,
) -> Result<Vec<(EntityKind, Vec<RecordId>)>> {
    let rules = policy(conn, company_id).await?;
    let terminations = terminations(conn, company_id).await?;
    let mut out = Vec::new();
    for rule in rules {
        let Some(period) = rule.period else { continue };
        let mut ids = Vec::new();
        for c in candidates(conn, company_id, rule.kind).await? {
            let ends = start_of(rule.kind, &c, &terminations).and_then(|s| period.ends(s));
            if ends.is_some_and(|end| today >= end) {
                ids.push(c.record_id);
            }
        }
        if !ids.is_empty() {
            out.push((rule.kind, ids));
        }
    }
    Ok(out)
}

/// Purges what is past its period on `today` (see the module documentation), one audited
/// purge per kind, then vacuums the file when anything went.
pub async fn purge(
    store: &Store,
    company_id: CompanyId,
    today: NaiveDate,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Purged>> {
    let mut tx = store.write().await?;
    let conn = tx.conn();
    let due = due(conn, company_id, today).await?;
    let mut out = Vec::new();
    let mut replacements = Vec::new();
    for (kind, ids) in due {
        if erasure::is_person_kind(kind) {
            keep_terminations(conn, company_id, kind, &ids).await?;
        }
        let subject = Subject {
            identity_id: None,
            person_records: Vec::new(),
            records: ids,
        };
        let erasure_id = uuid::Uuid::new_v4().to_string();
        let label = plural(kind);
        let (outcome, r) = erasure::erase_in(
            conn,
            company_id,
            &subject,
            Reason::Retention,
            &erasure_id,
            actor,
            at,
            Some(&label),
        )
        .await?;
        replacements.extend(r);
        out.push(Purged {
            kind,
            records: outcome.records,
            versions: outcome.versions,
        });
    }
    tx.commit().await?;
    if !out.is_empty() {
        packed::apply(&replacements);
        erasure::reload(store).await?;
        erasure::scrub(store).await?;
    }
    Ok(out)
}

/// Notes the termination date of people about to be purged, for the records that point to
/// them and are kept longer.
async fn keep_terminations(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    ids: &[RecordId],
) -> Result<()> {
    let known = terminations(conn, company_id).await?;
    for c in candidates(conn, company_id, kind).await? {
        if !ids.contains(&c.record_id) {
            continue;
        }
        if let Some(on) = known.get(&(c.connection_id, c.remote_id.clone())) {
            sqlx::query(
                "INSERT OR REPLACE INTO retention_terminations
                     (company_id, connection_id, person_remote_id, terminated_on)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(company_id.to_string())
            .bind(c.connection_id.to_string())
            .bind(&c.remote_id)
            .bind(on.to_string())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// "time entries", "pay statements": a kind's name in the plural, for the audit entry.
pub fn plural(kind: EntityKind) -> String {
    let words = kind.as_str().replace('_', " ");
    if words.ends_with('y') && !words.ends_with("ey") {
        format!("{}ies", &words[..words.len() - 1])
    } else if words.ends_with('s') || words.ends_with("ch") {
        format!("{words}es")
    } else {
        format!("{words}s")
    }
}

/// The day a purge last ran for a company, if ever (the scheduler runs one a day).
pub async fn last_run(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Option<NaiveDate>> {
    let text: Option<String> =
        settings::get(conn, Scope::Company(company_id), "retention.last_run").await?;
    Ok(text.and_then(|t| t.parse().ok()))
}

/// Records that a purge ran on `today`.
pub async fn note_run(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<()> {
    settings::set(
        conn,
        Scope::Company(company_id),
        "retention.last_run",
        &today.to_string(),
        at,
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_print_and_end_on_the_anniversary() {
        let p: Period = "3y".parse().unwrap();
        assert_eq!(p, Period::years(3));
        assert_eq!(p.to_string(), "3y");
        assert_eq!("3y6m".parse::<Period>().unwrap().to_string(), "3y6m");
        assert_eq!("400d".parse::<Period>().unwrap().days, 400);
        for bad in ["", "3", "y", "3w", "-1y", "1000y"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        let start: NaiveDate = "2022-01-10".parse().unwrap();
        assert_eq!(p.ends(start), "2025-01-10".parse().ok());
        // A leap day ends on the last day of February.
        let leap: NaiveDate = "2024-02-29".parse().unwrap();
        assert_eq!(Period::years(1).ends(leap), "2025-02-28".parse().ok());
    }

    #[test]
    fn kinds_read_in_the_plural() {
        assert_eq!(plural(EntityKind::TimeEntry), "time entries");
        assert_eq!(plural(EntityKind::PayStatement), "pay statements");
        assert_eq!(plural(EntityKind::Employee), "employees");
        assert_eq!(plural(EntityKind::BackgroundCheck), "background checks");
    }

    #[test]
    fn every_default_names_its_source() {
        for (kind, period, source) in defaults() {
            assert!(period.years >= 3, "{kind}");
            assert!(source.contains("CFR") || source.contains("U.S.C") || source.contains("IRS"));
        }
    }
}
