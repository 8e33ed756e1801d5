//! The audit log: append-only and hash-chained. Each entry's hash covers its contents and the
//! previous entry's hash, so editing, removing or reordering entries breaks the chain at a
//! point [`verify`] names.
//!
//! Entries are written in scheme 2: the hash covers a salted SHA-256 digest of the target and
//! of the detail rather than their words, and the salt is stored beside them. An erasure
//! ([`crate::erasure`]) may blank the words and the salt of an entry that named the person
//! ([`erase_words`]): the chain still verifies from the digests, and without the salt the
//! digests can no longer be checked against a guess. Entries written before (scheme 1) hash
//! their words; a blanked one is accepted only when the erasure's own entry lists its number.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use maestro_core::ids::CompanyId;
use serde::Serialize;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::digest::{canonical_json, sha256_hex};
use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record: who did what to which data.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// The company whose data was touched (None for installation-wide actions).
    pub company_id: Option<CompanyId>,
    /// Who: "owner", "cli", "scheduler", "api-key:<id>"…
    pub actor: String,
    /// What: "records.export", "sync.read", "provider.write", "credential.use"…
    pub action: String,
    /// Which data: an entity kind, a connection id, a file…
    pub target: String,
    /// How many records were involved.
    pub record_count: i64,
    /// Anything else worth keeping (never secrets).
    pub detail: Value,
}

impl AuditEvent {
    /// An event with no detail and no record count.
    pub fn new(actor: &str, action: &str, target: &str) -> Self {
        Self {
            company_id: None,
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            record_count: 0,
            detail: Value::Object(Default::default()),
        }
    }

    /// Sets the company.
    pub fn company(mut self, company_id: CompanyId) -> Self {
        self.company_id = Some(company_id);
        self
    }

    /// Sets the record count.
    pub fn records(mut self, count: i64) -> Self {
        self.record_count = count;
        self
    }

    /// Sets the detail.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Company involved.
    pub company_id: Option<CompanyId>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which data.
    pub target: String,
    /// How many records.
    pub record_count: i64,
    /// Extra detail.
    pub detail: Value,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

/// The target of an entry whose words an erasure blanked.
pub const ERASED_TARGET: &str = "[erased]";

/// The stored detail of an entry whose words an erasure blanked (a JSON string).
const ERASED_DETAIL: &str = "\"[erased]\"";

/// The action of an erasure's own entry, whose detail lists the scheme 1 entries it blanked
/// under `"blanked_entries"`.
pub const ERASURE_ACTION: &str = "person.erase";

/// The hash of a scheme 1 entry: its words themselves.
fn entry_hash_v1(at: &str, event: &AuditEvent, prev_hash: &str) -> String {
    let company = event.company_id.map(|c| c.to_string()).unwrap_or_default();
    sha256_hex(&[
        at,
        &company,
        &event.actor,
        &event.action,
        &event.target,
        &event.record_count.to_string(),
        &canonical_json(&event.detail),
        prev_hash,
    ])
}

/// The salted digest of an entry's target or detail text (scheme 2).
fn word_digest(salt: &str, text: &str) -> String {
    sha256_hex(&["audit-words", salt, text])
}

/// The hash of a scheme 2 entry: its fixed fields and the digests of its words.
fn entry_hash_v2(
    at: &str,
    company_id: Option<CompanyId>,
    actor: &str,
    action: &str,
    record_count: i64,
    digests: (&str, &str),
    prev_hash: &str,
) -> String {
    let company = company_id.map(|c| c.to_string()).unwrap_or_default();
    sha256_hex(&[
        "2",
        at,
        &company,
        actor,
        action,
        digests.0,
        &record_count.to_string(),
        digests.1,
        prev_hash,
    ])
}

impl AuditEntry {
    fn event(&self) -> AuditEvent {
        AuditEvent {
            company_id: self.company_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            record_count: self.record_count,
            detail: self.detail.clone(),
        }
    }
}

/// Appends an event inside the caller's write transaction (so the log and the change it
/// describes commit together).
pub async fn append(
    conn: &mut SqliteConnection,
    event: &AuditEvent,
    at: DateTime<Utc>,
) -> Result<AuditEntry> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (prev_seq, prev_hash) = match head {
        Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let seq = prev_seq + 1;
    let at_text = fmt_ts(at);
    let detail_text = canonical_json(&event.detail);
    let salt = uuid::Uuid::new_v4().simple().to_string();
    let target_digest = word_digest(&salt, &event.target);
    let detail_digest = word_digest(&salt, &detail_text);
    let hash = entry_hash_v2(
        &at_text,
        event.company_id,
        &event.actor,
        &event.action,
        event.record_count,
        (&target_digest, &detail_digest),
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, company_id, actor, action, target, record_count, detail,
             prev_hash, hash, scheme, salt, target_digest, detail_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 2, ?11, ?12, ?13)",
    )
    .bind(seq)
    .bind(&at_text)
    .bind(event.company_id.map(|c| c.to_string()))
    .bind(&event.actor)
    .bind(&event.action)
    .bind(&event.target)
    .bind(event.record_count)
    .bind(&detail_text)
    .bind(&prev_hash)
    .bind(&hash)
    .bind(&salt)
    .bind(&target_digest)
    .bind(&detail_digest)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(AuditEntry {
        seq,
        at,
        company_id: event.company_id,
        actor: event.actor.clone(),
        action: event.action.clone(),
        target: event.target.clone(),
        record_count: event.record_count,
        detail: event.detail.clone(),
        prev_hash,
        hash,
    })
}

fn decode(row: &SqliteRow) -> Result<AuditEntry> {
    let detail: String = row.try_get("detail")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: parse_ts(&row.try_get::<String, _>("at")?)?,
        company_id: row
            .try_get::<Option<String>, _>("company_id")?
            .as_deref()
            .map(|c| parse_col(c, "audit_log.company_id"))
            .transpose()?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        record_count: row.try_get("record_count")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| StoreError::Corrupt(format!("audit detail is not JSON: {e}")))?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Entries with `seq > after`, oldest first, at most `limit`.
pub async fn page(conn: &mut SqliteConnection, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT seq, at, company_id, actor, action, target, record_count, detail, prev_hash, hash
         FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Number of entries.
pub async fn len(conn: &mut SqliteConnection) -> Result<i64> {
    // Entries are numbered 1, 2, 3 … by `append` and never deleted (a trigger refuses it), so
    // the last number is the count: one index lookup, not a walk of the whole log.
    Ok(sqlx::query("SELECT coalesce(max(seq), 0) FROM audit_log")
        .fetch_one(conn)
        .await?
        .try_get(0)?)
}

/// A break in the chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ChainBreak {
    /// The entry's contents no longer match its hash.
    Edited {
        /// The entry.
        seq: i64,
    },
    /// Entries are missing before this one.
    Removed {
        /// First missing position.
        first_missing: i64,
        /// How many positions are missing.
        count: i64,
    },
    /// The entry does not follow the one before it: entries were reordered.
    OutOfOrder {
        /// The entry found at this position.
        seq: i64,
        /// The entry it really follows, when that entry still exists.
        belongs_after: Option<i64>,
    },
    /// The newest entries were removed (the log ends before its recorded head).
    TailRemoved {
        /// Last entry present.
        last_present: i64,
        /// Last entry the log recorded.
        recorded_head: i64,
    },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edited { seq } => write!(
                f,
                "entry #{seq} was edited: its contents no longer match its hash"
            ),
            Self::Removed {
                first_missing,
                count: 1,
            } => write!(f, "entry #{first_missing} was removed"),
            Self::Removed {
                first_missing,
                count,
            } => write!(
                f,
                "entries #{first_missing} to #{} were removed",
                first_missing + count - 1
            ),
            Self::OutOfOrder {
                seq,
                belongs_after: Some(prev),
            } => write!(
                f,
                "entry #{seq} is out of order: it was written after entry #{prev}"
            ),
            Self::OutOfOrder {
                seq,
                belongs_after: None,
            } => write!(
                f,
                "entry #{seq} is out of order: it does not follow the entry before it"
            ),
            Self::TailRemoved {
                last_present,
                recorded_head,
            } => write!(
                f,
                "the newest entries were removed: the log ends at #{last_present} but had reached #{recorded_head}"
            ),
        }
    }
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// Every break found, in log order (empty = intact).
    pub breaks: Vec<ChainBreak>,
}

impl Verification {
    /// True when no break was found.
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// How an entry's words are bound into its hash (the columns [`page`] does not return).
struct Words {
    scheme: i64,
    salt: Option<String>,
    target_digest: Option<String>,
    detail_digest: Option<String>,
    erased: bool,
    /// The stored detail text (canonical JSON as written).
    detail_text: String,
}

/// Entries with `seq > after` with how their words are bound, oldest first.
async fn page_with_words(
    conn: &mut SqliteConnection,
    after: i64,
    limit: u32,
) -> Result<Vec<(AuditEntry, Words)>> {
    let rows = sqlx::query(
        "SELECT seq, at, company_id, actor, action, target, record_count, detail, prev_hash, hash,
                scheme, salt, target_digest, detail_digest, erased_by
         FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                decode(row)?,
                Words {
                    scheme: row.try_get("scheme")?,
                    salt: row.try_get("salt")?,
                    target_digest: row.try_get("target_digest")?,
                    detail_digest: row.try_get("detail_digest")?,
                    erased: row.try_get::<Option<String>, _>("erased_by")?.is_some(),
                    detail_text: row.try_get("detail")?,
                },
            ))
        })
        .collect()
}

/// True when the entry's contents still match its hash. `blanked` holds the scheme 1 entries
/// erasures say they blanked.
fn entry_matches(e: &AuditEntry, words: &Words, blanked: &HashSet<i64>) -> bool {
    let at = fmt_ts(e.at);
    if words.scheme < 2 {
        if words.erased {
            return blanked.contains(&e.seq);
        }
        return entry_hash_v1(&at, &e.event(), &e.prev_hash) == e.hash;
    }
    let (Some(target_digest), Some(detail_digest)) = (&words.target_digest, &words.detail_digest)
    else {
        return false;
    };
    if !words.erased {
        // The words must still be the ones digested.
        let Some(salt) = &words.salt else {
            return false;
        };
        if word_digest(salt, &e.target) != *target_digest
            || word_digest(salt, &words.detail_text) != *detail_digest
        {
            return false;
        }
    }
    entry_hash_v2(
        &at,
        e.company_id,
        &e.actor,
        &e.action,
        e.record_count,
        (target_digest, detail_digest),
        &e.prev_hash,
    ) == e.hash
}

/// The scheme 1 entries that erasures' own (intact, scheme 2) entries say they blanked.
async fn blanked_by_erasures(conn: &mut SqliteConnection) -> Result<HashSet<i64>> {
    let rows = sqlx::query(
        "SELECT detail FROM audit_log WHERE action = ?1 AND scheme = 2 AND erased_by IS NULL",
    )
    .bind(ERASURE_ACTION)
    .fetch_all(&mut *conn)
    .await?;
    let mut blanked = HashSet::new();
    for row in rows {
        let detail: Value = serde_json::from_str(&row.try_get::<String, _>("detail")?)
            .map_err(|e| StoreError::Corrupt(format!("audit detail is not JSON: {e}")))?;
        if let Some(list) = detail.get("blanked_entries").and_then(Value::as_array) {
            blanked.extend(list.iter().filter_map(Value::as_i64));
        }
    }
    Ok(blanked)
}

/// Blanks the target and detail of entry `seq` for the erasure `erasure_id` (the only change
/// the log allows): its hash still verifies from the digests of its words.
pub async fn erase_words(conn: &mut SqliteConnection, seq: i64, erasure_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE audit_log SET target = ?1, detail = ?2, salt = NULL, erased_by = ?3
         WHERE seq = ?4 AND erased_by IS NULL",
    )
    .bind(ERASED_TARGET)
    .bind(ERASED_DETAIL)
    .bind(erasure_id)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The number, scheme, target and detail text of every entry whose words are not blanked
/// (for an erasure to find the entries that name a person).
pub async fn words(conn: &mut SqliteConnection) -> Result<Vec<(i64, i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT seq, scheme, target, detail FROM audit_log WHERE erased_by IS NULL ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("seq")?,
                r.try_get("scheme")?,
                r.try_get("target")?,
                r.try_get("detail")?,
            ))
        })
        .collect()
}

/// Re-computes every hash and link. `progress` is called with the number of entries checked.
pub async fn verify(
    conn: &mut SqliteConnection,
    mut progress: impl FnMut(i64),
) -> Result<Verification> {
    // Map each stored hash to its seq, so a reordered entry can name its true predecessor.
    let mut by_hash = std::collections::HashMap::new();
    {
        let rows = sqlx::query("SELECT seq, hash FROM audit_log")
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            by_hash.insert(r.try_get::<String, _>("hash")?, r.try_get::<i64, _>("seq")?);
        }
    }
    let blanked = blanked_by_erasures(conn).await?;
    let mut breaks = Vec::new();
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut checked = 0;
    let mut after = 0;
    loop {
        let entries = page_with_words(conn, after, 1000).await?;
        let Some((last, _)) = entries.last() else {
            break;
        };
        after = last.seq;
        for (e, words) in &entries {
            if e.seq > expected_seq {
                breaks.push(ChainBreak::Removed {
                    first_missing: expected_seq,
                    count: e.seq - expected_seq,
                });
            }
            if !entry_matches(e, words, &blanked) {
                breaks.push(ChainBreak::Edited { seq: e.seq });
            } else if e.prev_hash != prev_hash && e.seq == expected_seq {
                let belongs_after = if e.prev_hash == GENESIS_HASH {
                    Some(0)
                } else {
                    by_hash.get(&e.prev_hash).copied()
                };
                breaks.push(ChainBreak::OutOfOrder {
                    seq: e.seq,
                    belongs_after,
                });
            }
            prev_hash = e.hash.clone();
            expected_seq = e.seq + 1;
            checked += 1;
        }
        progress(checked);
    }
    let head = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("seq"))
        .transpose()?
        .unwrap_or(0);
    if head > expected_seq - 1 {
        breaks.push(ChainBreak::TailRemoved {
            last_present: expected_seq - 1,
            recorded_head: head,
        });
    }
    Ok(Verification {
        entries: checked,
        breaks,
    })
}
