//! Erasure of a person: every trace of their personal data leaves the store, across all
//! connections, kinds and versions, and the audit chain still verifies.
//!
//! The design is deletion, not crypto-shredding: the store is one SQLCipher file already, and a
//! per-person key would have to reach every text a person appears in (compression
//! dictionaries, alerts, audit words). An erasure, in one transaction:
//! - deletes the person's records (identity-linked employee, contractor and candidate records)
//!   and every record of those connections that points to them (`employee_remote_id`,
//!   `candidate_remote_id`: employments, pay statements, time entries, enrollments…), with every
//!   version, their identity links and the identity;
//! - rebuilds the compression dictionaries of those streams that hold any removed text or the
//!   person's words ([`packed::rebuild`]);
//! - deletes the conflicts, field baselines, outbox writes and alerts that name them, blanks
//!   the sync errors that do, and deletes any other row of any other table whose text names them;
//! - blanks the words of the audit entries that name them ([`audit::erase_words`]: entries hash
//!   salted digests of their words, so the chain still verifies);
//! - records the erasure in the ledger (`erasures`: an opaque id, when, how many; never who) and,
//!   per record, its (connection, kind, remote id) as a suppression: the provider still holds
//!   the person, and a later sync skips those records (and any new record pointing to the
//!   person) instead of bringing them back, telling the owner with an alert;
//! - audits itself with the opaque id only.
//!
//! Afterwards the file is vacuumed with `secure_delete` on and the log truncated, so freed
//! pages keep no plaintext. Restoring a backup made before re-applies the ledger ([`reapply`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{LazyLock, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{CanonicalRecord, EntityKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use crate::alerts::{self, NewAlert, Severity};
use crate::audit::{self, AuditEvent};
use crate::error::{Result, StoreError};
use crate::identities::IdentityId;
use crate::packed::{self, Replacement};
use crate::store::{Store, parse_col};
use crate::time::{fmt_ts, parse_ts};

/// Why records were erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The owner erased a person.
    Erasure,
    /// Their retention period ran out ([`crate::retention`]).
    Retention,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Erasure => "erasure",
            Self::Retention => "retention",
        }
    }
}

/// What to erase: records (and everything pointing to them) and the words that identify them.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The person's identity, if they have one (removed with its links).
    pub identity_id: Option<IdentityId>,
    /// The person's own records (employee, contractor, candidate): records of the same
    /// connection pointing to one of them are erased too.
    pub person_records: Vec<RecordId>,
    /// Other records to erase as they are (retention).
    pub records: Vec<RecordId>,
}

/// A record the provider still holds after an erasure: the owner erases it there, or a later
/// sync skips it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAtProvider {
    /// The connection it came from.
    pub connection_id: ConnectionId,
    /// Connector id ("gusto").
    pub provider: String,
    /// Its kind.
    pub kind: EntityKind,
    /// The provider's id for it.
    pub remote_id: String,
    /// How many times a sync skipped it since.
    pub skipped: i64,
}

/// What an erasure did (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasureOutcome {
    /// The erasure's opaque id (in the ledger and the audit log).
    pub erasure_id: String,
    /// When.
    pub erased_at: DateTime<Utc>,
    /// Records removed.
    pub records: i64,
    /// Versions removed.
    pub versions: i64,
    /// Audit entries whose words were blanked.
    pub audit_entries_blanked: i64,
    /// Compression dictionaries rebuilt without the removed texts.
    pub dictionaries_rebuilt: i64,
    /// Other rows removed or blanked (alerts, conflicts, outbox writes, sync errors…).
    pub other_rows: i64,
    /// What the providers still hold, per record.
    pub still_held: Vec<HeldAtProvider>,
}

/// One erasure of the ledger (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Opaque id.
    pub id: String,
    /// Owning company.
    pub company_id: CompanyId,
    /// Erasure or retention.
    pub reason: Reason,
    /// When.
    pub erased_at: DateTime<Utc>,
    /// Records removed.
    pub records: i64,
    /// Versions removed.
    pub versions: i64,
    /// The records it removed, as the providers name them.
    pub removed: Vec<HeldAtProvider>,
}

/// Keys of a person record whose string values identify them.
/// A first or last name alone is not looked for (another person may share it): only whole
/// names are.
const PERSONAL_KEYS: &[&str] = &[
    "display_full_name",
    "full_name",
    "work_email",
    "personal_email",
    "email",
    "ssn",
    "date_of_birth",
    "birth_date",
    "number",
    "phone",
    "street_1",
    "street_2",
];

/// Parts of a name, combined into whole names.
const NAME_PARTS: &[&str] = &["first_name", "middle_name", "last_name", "preferred_name"];

/// Fields by which a record points to a person record of its connection.
const POINTERS: &[&str] = &["employee_remote_id", "candidate_remote_id"];

/// Words shorter than this are not looked for (they would match unrelated text).
const MIN_WORD: usize = 6;

/// The words that identify a person, lower-cased: full names, emails, SSN (with and without
/// dashes), birth date, phone numbers, street lines, and the local ids of their records.
#[derive(Debug, Clone, Default)]
pub struct Words(BTreeSet<String>);

impl Words {
    fn add(&mut self, word: &str) {
        let word = word.trim().to_lowercase();
        if word.chars().count() >= MIN_WORD {
            self.0.insert(word);
        }
    }

    /// Adds the identifying values of one version of a person record.
    fn add_person(&mut self, data: &Value) {
        let mut found: HashMap<&str, String> = HashMap::new();
        walk_strings(data, &mut |key, value| {
            if NAME_PARTS.contains(&key) {
                found.entry(key).or_insert_with(|| value.to_owned());
            }
            if PERSONAL_KEYS.contains(&key) {
                self.add(value);
                if key == "ssn" {
                    self.add(&value.replace('-', ""));
                }
            }
        });
        for first in ["first_name", "preferred_name"] {
            if let (Some(f), Some(l)) = (found.get(first), found.get("last_name")) {
                self.add(&format!("{f} {l}"));
                self.add(&format!("{l}, {f}"));
                if let Some(m) = found.get("middle_name") {
                    self.add(&format!("{f} {m} {l}"));
                }
            }
        }
    }

    /// True when `text` contains any of the words (case-insensitive).
    pub fn in_text(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.0.iter().any(|w| text.contains(w.as_str()))
    }

    /// True when `bytes` contain any of the words as written or lower-cased.
    fn in_bytes(&self, bytes: &[u8]) -> bool {
        let lower = bytes.to_ascii_lowercase();
        self.0.iter().any(|w| contains(&lower, w.as_bytes()))
    }

    /// The words, for a test that looks for them.
    pub fn list(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Calls `each(key, value)` for every string value in `value` (at any depth).
fn walk_strings<'a>(value: &'a Value, each: &mut dyn FnMut(&'a str, &'a str)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) => each(k, s),
                    other => walk_strings(other, each),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk_strings(item, each);
            }
        }
        _ => {}
    }
}

/// A stored record about to be erased.
#[derive(Debug, Clone)]
struct Target {
    record_id: String,
    connection_id: ConnectionId,
    provider: String,
    kind: EntityKind,
    remote_id: String,
    person: bool,
}

/// Looks up stored records by local id.
async fn targets_of(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    ids: &[RecordId],
    person: bool,
) -> Result<Vec<Target>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query(
            "SELECT record_id, connection_id, provider, kind, remote_id FROM records
             WHERE company_id = ?1 AND record_id = ?2",
        )
        .bind(company_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            out.push(target_of(&row, person)?);
        }
    }
    Ok(out)
}

fn target_of(row: &sqlx::sqlite::SqliteRow, person: bool) -> Result<Target> {
    Ok(Target {
        record_id: row.try_get("record_id")?,
        connection_id: parse_col(row.try_get("connection_id")?, "records.connection_id")?,
        provider: row.try_get("provider")?,
        kind: parse_col(row.try_get("kind")?, "records.kind")?,
        remote_id: row.try_get("remote_id")?,
        person,
    })
}

/// Every version's data text of a record, unpacked.
async fn version_texts(
    conn: &mut SqliteConnection,
    record_id: &str,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT data, raw FROM record_versions WHERE record_id = ?1")
        .bind(record_id)
        .fetch_all(&mut *conn)
        .await?;
    crate::records::load_dictionaries_for(conn, &rows).await?;
    rows.iter()
        .map(|r| {
            Ok((
                packed::unpack(r.try_get("data")?, "data")?,
                packed::unpack(r.try_get("raw")?, "raw")?,
            ))
        })
        .collect()
}

/// Records of `connection_id` whose current data points to one of `people` (remote ids).
async fn pointing_to(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    connection_id: ConnectionId,
    people: &HashSet<String>,
) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    crate::records::for_each_with_current_version(
        conn,
        "r.record_id, r.connection_id, r.provider, r.kind, r.remote_id, v.data",
        "r.connection_id = ?2",
        company_id,
        &connection_id.to_string(),
        |row| {
            let text = packed::unpack(row.try_get("data")?, "data")?;
            // Cheap test first: the remote id must appear in the text at all.
            if !people.iter().any(|p| text.contains(p.as_str())) {
                return Ok(());
            }
            let data: Value = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("record data is not JSON: {e}")))?;
            if points_to(&data, people) {
                out.push(target_of(row, false)?);
            }
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

fn points_to(data: &Value, people: &HashSet<String>) -> bool {
    POINTERS.iter().any(|p| {
        data.get(p)
            .and_then(Value::as_str)
            .is_some_and(|id| people.contains(id))
    })
}

/// Erases `subject` from the store of `company_id` (see the module documentation), then
/// vacuums the file. Audited with the erasure's opaque id only.
pub async fn erase(
    store: &Store,
    company_id: CompanyId,
    subject: &Subject,
    reason: Reason,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<ErasureOutcome> {
    let erasure_id = uuid::Uuid::new_v4().to_string();
    let mut tx = store.write().await?;
    let conn = tx.conn();
    let (outcome, replacements) = erase_in(
        conn,
        company_id,
        subject,
        reason,
        &erasure_id,
        actor,
        at,
        None,
    )
    .await?;
    tx.commit().await?;
    packed::apply(&replacements);
    reload(store).await?;
    scrub(store).await?;
    Ok(outcome)
}

/// [`erase`] inside the caller's transaction; the dictionary replacements are for
/// [`packed::apply`] once it commits. `label` names what a retention purge removed ("time
/// entries") in its audit entry.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn erase_in(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    subject: &Subject,
    reason: Reason,
    erasure_id: &str,
    actor: &str,
    at: DateTime<Utc>,
    label: Option<&str>,
) -> Result<(ErasureOutcome, Vec<Replacement>)> {
    let mut targets = targets_of(conn, company_id, &subject.person_records, true).await?;
    targets.extend(targets_of(conn, company_id, &subject.records, false).await?);
    // Records pointing to the person, per connection.
    let mut people: HashMap<ConnectionId, HashSet<String>> = HashMap::new();
    for t in targets.iter().filter(|t| t.person) {
        people
            .entry(t.connection_id)
            .or_default()
            .insert(t.remote_id.clone());
    }
    for (connection_id, remote_ids) in &people {
        targets.extend(pointing_to(conn, company_id, *connection_id, remote_ids).await?);
    }
    let mut seen = HashSet::new();
    targets.retain(|t| seen.insert(t.record_id.clone()));

    // The words that identify them, and every text about to go.
    let mut words = Words::default();
    if let Some(identity) = subject.identity_id {
        words.add(&identity.to_string());
    }
    let mut removed_texts: HashMap<(ConnectionId, EntityKind), Vec<String>> = HashMap::new();
    for t in &targets {
        words.add(&t.record_id);
        let texts = version_texts(conn, &t.record_id).await?;
        if t.person {
            for (data, _) in &texts {
                if let Ok(value) = serde_json::from_str::<Value>(data) {
                    words.add_person(&value);
                }
            }
        }
        let bucket = removed_texts.entry((t.connection_id, t.kind)).or_default();
        for (data, raw) in texts {
            bucket.push(data);
            bucket.push(raw);
        }
    }

    // The records, their versions and links.
    let mut versions = 0i64;
    for t in &targets {
        versions += sqlx::query("DELETE FROM record_versions WHERE record_id = ?1")
            .bind(&t.record_id)
            .execute(&mut *conn)
            .await?
            .rows_affected() as i64;
        sqlx::query("DELETE FROM identity_links WHERE record_id = ?1")
            .bind(&t.record_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM records WHERE record_id = ?1")
            .bind(&t.record_id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(identity) = subject.identity_id {
        sqlx::query(
            "DELETE FROM identities WHERE id = ?1 AND company_id = ?2
               AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.identity_id = identities.id)",
        )
        .bind(identity.to_string())
        .bind(company_id.to_string())
        .execute(&mut *conn)
        .await?;
    }

    // Dictionaries holding any removed text or their words.
    let mut replacements = Vec::new();
    for ((connection_id, kind), texts) in &removed_texts {
        let holds = |bytes: &[u8]| {
            words.in_bytes(bytes)
                || texts
                    .iter()
                    .any(|t| t.len() >= MIN_WORD && contains(bytes, t.as_bytes()))
        };
        replacements.extend(packed::rebuild(conn, *connection_id, *kind, &holds).await?);
    }

    let other_rows = if reason == Reason::Erasure {
        forget_words(conn, company_id, &words).await?
    } else {
        0
    };
    let blanked = if reason == Reason::Erasure {
        blank_audit(conn, &words, erasure_id).await?
    } else {
        Vec::new()
    };

    // The ledger and the suppressions.
    sqlx::query(
        "INSERT INTO erasures (id, company_id, reason, erased_at, records, versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(erasure_id)
    .bind(company_id.to_string())
    .bind(reason.as_str())
    .bind(fmt_ts(at))
    .bind(targets.len() as i64)
    .bind(versions)
    .execute(&mut *conn)
    .await?;
    let mut still_held = Vec::with_capacity(targets.len());
    for t in &targets {
        suppress(conn, erasure_id, company_id, t).await?;
        still_held.push(HeldAtProvider {
            connection_id: t.connection_id,
            provider: t.provider.clone(),
            kind: t.kind,
            remote_id: t.remote_id.clone(),
            skipped: 0,
        });
    }
    bump_generation(conn).await?;

    let scheme1: Vec<i64> = blanked
        .iter()
        .filter(|(_, scheme)| *scheme < 2)
        .map(|(seq, _)| *seq)
        .collect();
    let action = match reason {
        Reason::Erasure => audit::ERASURE_ACTION,
        Reason::Retention => "retention.purge",
    };
    let mut detail = serde_json::json!({
        "erasure_id": erasure_id,
        "versions": versions,
        "audit_entries_blanked": blanked.len(),
        "blanked_entries": scheme1,
        "dictionaries_rebuilt": replacements.len(),
    });
    if let (Some(label), Some(map)) = (label, detail.as_object_mut()) {
        map.insert(
            "summary".into(),
            format!("purged {versions} versions of {} {label}", targets.len()).into(),
        );
    }
    audit::append(
        conn,
        &AuditEvent::new(actor, action, erasure_id)
            .company(company_id)
            .records(targets.len() as i64)
            .detail(detail),
        at,
    )
    .await?;
    Ok((
        ErasureOutcome {
            erasure_id: erasure_id.to_owned(),
            erased_at: at,
            records: targets.len() as i64,
            versions,
            audit_entries_blanked: blanked.len() as i64,
            dictionaries_rebuilt: replacements.len() as i64,
            other_rows,
            still_held,
        },
        replacements,
    ))
}

async fn suppress(
    conn: &mut SqliteConnection,
    erasure_id: &str,
    company_id: CompanyId,
    t: &Target,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO erasure_suppressions
             (erasure_id, company_id, connection_id, provider, kind, remote_id, person)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (connection_id, kind, remote_id) DO NOTHING",
    )
    .bind(erasure_id)
    .bind(company_id.to_string())
    .bind(t.connection_id.to_string())
    .bind(&t.provider)
    .bind(t.kind.as_str())
    .bind(&t.remote_id)
    .bind(i64::from(t.person))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A new random erasure token: every process that prepared a page before it reads the
/// suppressions and dictionaries again.
async fn bump_generation(conn: &mut SqliteConnection) -> Result<()> {
    let token = loop {
        let t: i64 = rand::random();
        if t != 0 {
            break t;
        }
    };
    sqlx::query("UPDATE erasure_state SET generation = ?1 WHERE id = 1")
        .bind(token)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tables an erasure handles itself (or that hold no words: keys, ids, hashes).
const HANDLED: &[&str] = &[
    "records",
    "record_versions",
    "identities",
    "identity_links",
    "pack_dictionaries",
    "retired_dictionaries",
    "audit_log",
    "audit_head",
    "erasures",
    "erasure_suppressions",
    "erasure_state",
    "credentials",
    "api_keys",
    "webhook_secrets",
    "gateway_tls",
    "companies",
    "connections",
    "_sqlx_migrations",
];

/// Deletes or blanks every other row naming the person: conflicts, baselines, outbox writes,
/// alerts (deleted), sync errors (blanked), and rows of any other table whose text holds one
/// of the words (deleted). Returns how many rows.
async fn forget_words(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    words: &Words,
) -> Result<i64> {
    let mut n = 0i64;
    for table in user_tables(conn).await? {
        if HANDLED.contains(&table.as_str()) {
            continue;
        }
        let columns = text_columns(conn, &table).await?;
        if columns.is_empty() {
            continue;
        }
        let select = format!(
            "SELECT rowid AS row_id, {} FROM \"{table}\"",
            columns
                .iter()
                .map(|c| format!("CAST(\"{c}\" AS TEXT) AS \"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = sqlx::query(&select).fetch_all(&mut *conn).await?;
        let mut hits = Vec::new();
        for row in &rows {
            let named = columns.iter().any(|c| {
                row.try_get::<Option<String>, _>(c.as_str())
                    .ok()
                    .flatten()
                    .is_some_and(|t| words.in_text(&t))
            });
            if named {
                hits.push(row.try_get::<i64, _>("row_id")?);
            }
        }
        for row_id in hits {
            let sql = if table == "sync_runs" {
                "UPDATE sync_runs SET error_message = '[erased]' WHERE rowid = ?1".to_owned()
            } else {
                format!("DELETE FROM \"{table}\" WHERE rowid = ?1")
            };
            n += sqlx::query(&sql)
                .bind(row_id)
                .execute(&mut *conn)
                .await?
                .rows_affected() as i64;
        }
    }
    let _ = company_id;
    Ok(n)
}

/// The database's own tables (not SQLite's internal ones, not views).
async fn user_tables(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Columns of `table` that may hold text (declared TEXT or BLOB or with no type).
async fn text_columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let ty: String = row.try_get("type")?;
        let ty = ty.to_uppercase();
        if ty.is_empty() || ty.contains("TEXT") || ty.contains("CHAR") || ty.contains("BLOB") {
            out.push(row.try_get("name")?);
        }
    }
    Ok(out)
}

/// Blanks the words of every audit entry naming the person; returns (seq, scheme) of each.
async fn blank_audit(
    conn: &mut SqliteConnection,
    words: &Words,
    erasure_id: &str,
) -> Result<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for (seq, scheme, target, detail) in audit::words(conn).await? {
        if words.in_text(&target) || words.in_text(&detail) {
            audit::erase_words(conn, seq, erasure_id).await?;
            out.push((seq, scheme));
        }
    }
    Ok(out)
}

/// After an erasure: with `secure_delete` on, the file is rebuilt (VACUUM) and the log
/// truncated, so no freed page keeps the removed plaintext.
pub async fn scrub(store: &Store) -> Result<()> {
    let mut conn = store.writer_pool().acquire().await?;
    sqlx::query("PRAGMA secure_delete = ON")
        .execute(&mut *conn)
        .await?;
    sqlx::query("VACUUM").execute(&mut *conn).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await?;
    sqlx::query("PRAGMA secure_delete = OFF")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The erasures of a company, newest first, with the records each removed.
pub async fn ledger(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<LedgerEntry>> {
    let rows = sqlx::query(
        "SELECT id, company_id, reason, erased_at, records, versions FROM erasures
         WHERE company_id = ?1 ORDER BY erased_at DESC, id",
    )
    .bind(company_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let reason: String = row.try_get("reason")?;
        out.push(LedgerEntry {
            removed: held_of(conn, Some(&id), company_id).await?,
            id,
            company_id: parse_col(row.try_get("company_id")?, "erasures.company_id")?,
            reason: if reason == "retention" {
                Reason::Retention
            } else {
                Reason::Erasure
            },
            erased_at: parse_ts(row.try_get("erased_at")?)?,
            records: row.try_get("records")?,
            versions: row.try_get("versions")?,
        });
    }
    Ok(out)
}

/// What the providers still hold of the people erased from a company (retention purges left
/// out: those records are the provider's to keep).
pub async fn still_held(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<HeldAtProvider>> {
    held_of(conn, None, company_id).await
}

async fn held_of(
    conn: &mut SqliteConnection,
    erasure_id: Option<&str>,
    company_id: CompanyId,
) -> Result<Vec<HeldAtProvider>> {
    let rows = sqlx::query(
        "SELECT s.connection_id, s.provider, s.kind, s.remote_id, s.skipped
         FROM erasure_suppressions s JOIN erasures e ON e.id = s.erasure_id
         WHERE s.company_id = ?1 AND (?2 IS NULL AND e.reason = 'erasure' OR s.erasure_id = ?2)
         ORDER BY s.provider, s.kind, s.remote_id",
    )
    .bind(company_id.to_string())
    .bind(erasure_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HeldAtProvider {
                connection_id: parse_col(r.try_get("connection_id")?, "connection_id")?,
                provider: r.try_get("provider")?,
                kind: parse_col(r.try_get("kind")?, "kind")?,
                remote_id: r.try_get("remote_id")?,
                skipped: r.try_get("skipped")?,
            })
        })
        .collect()
}

/// Erasures recorded in `current` that `restored` (a store restored from a backup) does not
/// have are applied to it again: the same records (by connection, kind and remote id) are
/// erased, and the ledger rows copied. Returns how many erasures were re-applied.
pub async fn reapply(
    restored: &Store,
    ledger: &[LedgerEntry],
    actor: &str,
    at: DateTime<Utc>,
) -> Result<usize> {
    let mut applied = 0;
    for entry in ledger {
        let known: Option<String> = {
            let mut conn = restored.pool().acquire().await?;
            sqlx::query_scalar("SELECT id FROM erasures WHERE id = ?1")
                .bind(&entry.id)
                .fetch_optional(&mut *conn)
                .await?
        };
        if known.is_some() {
            continue;
        }
        let mut tx = restored.write().await?;
        let conn = tx.conn();
        let mut person_records = Vec::new();
        let mut records = Vec::new();
        for held in &entry.removed {
            let row = sqlx::query(
                "SELECT r.record_id FROM records r
                 WHERE r.company_id = ?1 AND r.connection_id = ?2 AND r.kind = ?3 AND r.remote_id = ?4",
            )
            .bind(entry.company_id.to_string())
            .bind(held.connection_id.to_string())
            .bind(held.kind.as_str())
            .bind(&held.remote_id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(row) = row {
                let id: RecordId = parse_col(row.try_get("record_id")?, "records.record_id")?;
                if is_person_kind(held.kind) {
                    person_records.push(id);
                } else {
                    records.push(id);
                }
            }
        }
        let identity_id = match person_records.first() {
            Some(first) => sqlx::query_scalar::<_, String>(
                "SELECT identity_id FROM identity_links WHERE record_id = ?1",
            )
            .bind(first.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .map(|s| parse_col(&s, "identity_links.identity_id"))
            .transpose()?,
            None => None,
        };
        let subject = Subject {
            identity_id,
            person_records,
            records,
        };
        let (_, replacements) = erase_in(
            conn,
            entry.company_id,
            &subject,
            entry.reason,
            &entry.id,
            actor,
            at,
            None,
        )
        .await?;
        // Keep the ledger as it was: when it happened, and every record it named (some may
        // not be in the backup at all).
        sqlx::query("UPDATE erasures SET erased_at = ?1 WHERE id = ?2")
            .bind(fmt_ts(entry.erased_at))
            .bind(&entry.id)
            .execute(&mut *conn)
            .await?;
        for held in &entry.removed {
            suppress(
                conn,
                &entry.id,
                entry.company_id,
                &Target {
                    record_id: String::new(),
                    connection_id: held.connection_id,
                    provider: held.provider.clone(),
                    kind: held.kind,
                    remote_id: held.remote_id.clone(),
                    person: is_person_kind(held.kind),
                },
            )
            .await?;
        }
        tx.commit().await?;
        packed::apply(&replacements);
        applied += 1;
    }
    if applied > 0 {
        reload(restored).await?;
        scrub(restored).await?;
    }
    Ok(applied)
}

/// How many erasures (not retention purges) of the store were made after `at` (a backup's
/// creation time): restoring that backup applies them again.
pub async fn made_since(conn: &mut SqliteConnection, at: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM erasures WHERE reason = 'erasure' AND erased_at > ?1",
    )
    .bind(fmt_ts(at))
    .fetch_one(&mut *conn)
    .await?)
}

/// Kinds that are a person themselves (the rest point to one).
pub fn is_person_kind(kind: EntityKind) -> bool {
    matches!(
        kind,
        EntityKind::Employee | EntityKind::Contractor | EntityKind::Candidate
    )
}

/// The whole ledger of the store (every company), to carry over a restore.
pub async fn whole_ledger(store: &Store) -> Result<Vec<LedgerEntry>> {
    let mut conn = store.pool().acquire().await?;
    let companies: Vec<String> = sqlx::query_scalar("SELECT DISTINCT company_id FROM erasures")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for company in companies {
        let company_id: CompanyId = parse_col(&company, "erasures.company_id")?;
        let mut entries = ledger(&mut conn, company_id).await?;
        entries.reverse();
        out.extend(entries);
    }
    out.sort_by_key(|e| e.erased_at);
    Ok(out)
}

// ---- Suppressing erased records in later syncs -------------------------------------------

/// What this process knows of its stores' suppressions (filled at open and after erasures;
/// connection ids are unique, so the stores of one process share it).
#[derive(Debug, Default)]
struct Suppressed {
    /// Each erasure token (`erasure_state.generation`, random per erasure) read so far, with
    /// the epoch at which this process learned it.
    tokens: HashMap<i64, u64>,
    /// Bumped whenever a new token is learned.
    epoch: u64,
    records: HashSet<(ConnectionId, EntityKind, String)>,
    people: HashSet<(ConnectionId, String)>,
    connections: HashSet<ConnectionId>,
}

static SUPPRESSED: LazyLock<RwLock<Suppressed>> = LazyLock::new(Default::default);

/// Reads a store's suppressions into this process (at open, and after an erasure).
pub async fn load(conn: &mut SqliteConnection) -> Result<()> {
    let token = token(conn).await?;
    let rows =
        sqlx::query("SELECT connection_id, kind, remote_id, person FROM erasure_suppressions")
            .fetch_all(&mut *conn)
            .await?;
    let mut known = SUPPRESSED.write().unwrap_or_else(PoisonError::into_inner);
    for row in rows {
        let connection_id: ConnectionId = parse_col(
            row.try_get("connection_id")?,
            "erasure_suppressions.connection_id",
        )?;
        let kind: EntityKind = parse_col(row.try_get("kind")?, "erasure_suppressions.kind")?;
        let remote_id: String = row.try_get("remote_id")?;
        if row.try_get::<i64, _>("person")? != 0 {
            known.people.insert((connection_id, remote_id.clone()));
        }
        known.records.insert((connection_id, kind, remote_id));
        known.connections.insert(connection_id);
    }
    if !known.tokens.contains_key(&token) {
        known.epoch += 1;
        let epoch = known.epoch;
        known.tokens.insert(token, epoch);
    }
    Ok(())
}

/// Reads the suppressions of `store` again (after an erasure or purge committed).
pub(crate) async fn reload(store: &Store) -> Result<()> {
    let mut conn = store.pool().acquire().await?;
    load(&mut conn).await
}

/// The store's erasure token: 0 until its first erasure, then random per erasure.
async fn token(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT generation FROM erasure_state WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0),
    )
}

/// What this process knows of erasures now (a prepared page carries it).
pub fn known_generation() -> i64 {
    let known = SUPPRESSED.read().unwrap_or_else(PoisonError::into_inner);
    i64::try_from(known.epoch).unwrap_or(i64::MAX)
}

/// Why `record` must not be stored: `Some(person remote id or its own)` when it, or the person
/// it points to, was erased.
pub fn suppressed(record: &CanonicalRecord) -> Option<Skipped> {
    let known = SUPPRESSED.read().unwrap_or_else(PoisonError::into_inner);
    let p = record.provenance();
    if !known.connections.contains(&p.connection_id) {
        return None;
    }
    let skipped = Skipped {
        connection_id: p.connection_id,
        provider: p.provider.clone(),
        kind: record.kind(),
        remote_id: p.remote_id.clone(),
    };
    if known
        .records
        .contains(&(p.connection_id, record.kind(), p.remote_id.clone()))
    {
        return Some(skipped);
    }
    let data = record.to_json().ok()?;
    POINTERS
        .iter()
        .filter_map(|f| data.get(f).and_then(Value::as_str))
        .any(|id| known.people.contains(&(p.connection_id, id.to_owned())))
        .then_some(skipped)
}

/// A record a sync did not store because it was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The connection.
    pub connection_id: ConnectionId,
    /// Connector id.
    pub provider: String,
    /// Its kind.
    pub kind: EntityKind,
    /// The provider's id.
    pub remote_id: String,
}

/// Fails when the store's erasures changed since `generation` (another process erased, or a
/// page was prepared before an erasure): the suppressions and dictionaries are read again and
/// the caller's page must be prepared again.
pub async fn check_generation(conn: &mut SqliteConnection, generation: i64) -> Result<()> {
    let token = token(conn).await?;
    let learned = {
        let known = SUPPRESSED.read().unwrap_or_else(PoisonError::into_inner);
        // The store before any erasure.
        if token == 0 {
            Some(0)
        } else {
            known.tokens.get(&token).copied()
        }
    };
    if learned.is_some_and(|epoch| i64::try_from(epoch).unwrap_or(i64::MAX) <= generation) {
        return Ok(());
    }
    load(conn).await?;
    packed::reload(conn).await?;
    Err(StoreError::Invalid(
        "an erasure changed the store while this page was read; the sync will read it again".into(),
    ))
}

/// Notes records a sync skipped because they were erased, and tells the owner with one alert
/// per connection (no personal data: counts, provider and remote ids only).
pub async fn note_skipped(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    skipped: &[Skipped],
    at: DateTime<Utc>,
) -> Result<()> {
    let mut per_connection: HashMap<ConnectionId, (String, usize)> = HashMap::new();
    for s in skipped {
        let found = sqlx::query(
            "SELECT s.erasure_id, e.reason FROM erasure_suppressions s
             JOIN erasures e ON e.id = s.erasure_id
             WHERE s.connection_id = ?1 AND (s.kind = ?2 AND s.remote_id = ?3 OR s.person = 1)
             ORDER BY (s.kind = ?2 AND s.remote_id = ?3) DESC LIMIT 1",
        )
        .bind(s.connection_id.to_string())
        .bind(s.kind.as_str())
        .bind(&s.remote_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(found) = found else {
            continue;
        };
        let erasure_id: String = found.try_get("erasure_id")?;
        let erased = found.try_get::<String, _>("reason")? == Reason::Erasure.as_str();
        sqlx::query(
            "INSERT INTO erasure_suppressions
                 (erasure_id, company_id, connection_id, provider, kind, remote_id, person, skipped, last_skipped_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 1, ?7)
             ON CONFLICT (connection_id, kind, remote_id)
             DO UPDATE SET skipped = skipped + 1, last_skipped_at = excluded.last_skipped_at",
        )
        .bind(&erasure_id)
        .bind(company_id.to_string())
        .bind(s.connection_id.to_string())
        .bind(&s.provider)
        .bind(s.kind.as_str())
        .bind(&s.remote_id)
        .bind(fmt_ts(at))
        .execute(&mut *conn)
        .await?;
        // Records past their retention are the provider's to keep: skipped without an alert.
        if erased {
            let e = per_connection
                .entry(s.connection_id)
                .or_insert_with(|| (s.provider.clone(), 0));
            e.1 += 1;
        }
    }
    for (connection_id, (provider, n)) in per_connection {
        alerts::raise(
            conn,
            &NewAlert {
                company_id,
                connection_id: Some(connection_id),
                kind: "erased_still_at_provider".into(),
                severity: Severity::Warning,
                dedupe_key: format!("erasure.held:{connection_id}"),
                title: format!("{provider} still holds people you erased"),
                detail: format!(
                    "The last sync skipped {n} record(s) of erased people that {provider} still \
                     holds; they were not stored again. Erase them at {provider}, or approve a \
                     write that removes them. People → Erased lists each one."
                ),
                action: Some("review".into()),
            },
            at,
        )
        .await?;
    }
    Ok(())
}

// ---- Looking for traces (tests and the owner's check) ------------------------------------

/// Where a word was found: table, column, and how many rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// The word found (lower-cased).
    pub word: String,
}

/// Every place in the store where one of `words` still appears: every text column of every
/// row of every table, compressed values unpacked.
pub async fn traces(conn: &mut SqliteConnection, words: &[String]) -> Result<Vec<Trace>> {
    packed::load(conn).await?;
    let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let mut out = Vec::new();
    for table in user_tables(conn).await? {
        let columns = text_columns(conn, &table).await?;
        for column in columns {
            let rows = sqlx::query(&format!("SELECT \"{column}\" AS v FROM \"{table}\""))
                .fetch_all(&mut *conn)
                .await?;
            for row in rows {
                let bytes: Option<Vec<u8>> = row.try_get("v").ok().flatten();
                let Some(bytes) = bytes else { continue };
                let text = match packed::unpack(bytes.clone(), &column) {
                    Ok(t) => t,
                    Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
                };
                let lower = text.to_lowercase();
                let raw_lower = bytes.to_ascii_lowercase();
                for w in &words {
                    if lower.contains(w.as_str()) || contains(&raw_lower, w.as_bytes()) {
                        out.push(Trace {
                            table: table.clone(),
                            column: column.clone(),
                            word: w.clone(),
                        });
                    }
                }
            }
        }
    }
    out.dedup();
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_persons_words_are_their_names_emails_ssn_and_birth_date() {
        let mut words = Words::default();
        words.add_person(&json!({
            "first_name": "Ada", "last_name": "Lovelace", "work_email": "ada@bakery.test",
            "ssn": "123-45-6789", "date_of_birth": "1990-12-10", "employment_status": "active",
            "phone_numbers": [{"number": "+1 415 555 0100", "kind": "mobile"}]
        }));
        let list: Vec<&str> = words.list().collect();
        for w in [
            "ada lovelace",
            "lovelace, ada",
            "ada@bakery.test",
            "123-45-6789",
            "123456789",
            "1990-12-10",
            "+1 415 555 0100",
        ] {
            assert!(list.contains(&w), "{w} missing from {list:?}");
        }
        // Too short to look for alone, and not personal.
        assert!(!list.contains(&"ada"));
        assert!(!list.contains(&"lovelace"));
        assert!(!list.contains(&"active"));
        assert!(words.in_text("Create ADA LOVELACE in Gusto"));
        assert!(!words.in_text("Create Grace Hopper in Gusto"));
    }

    #[test]
    fn pointers_name_the_person_record() {
        let people: HashSet<String> = ["e-1".to_owned()].into();
        assert!(points_to(&json!({"employee_remote_id": "e-1"}), &people));
        assert!(points_to(&json!({"candidate_remote_id": "e-1"}), &people));
        assert!(!points_to(&json!({"employee_remote_id": "e-2"}), &people));
        assert!(!points_to(&json!({"manager_remote_id": "e-1"}), &people));
    }
}
