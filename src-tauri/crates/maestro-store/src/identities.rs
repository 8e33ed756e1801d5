//! Identities: one person (or other entity) across providers, and the links tying each stored
//! record to its identity. A record has at most one link; each link says how it was made
//! (`method`), how sure it is (`confidence`, exact text such as `"0.99"`) and where it stands
//! (`status`: the matcher's `auto`/`suggested`, or the owner's `confirmed`/`split`). The matching
//! itself lives in the sync crate; this module only stores its results, scoped by company.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, RecordId};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// One identity (a person known across providers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityId(Uuid);

impl IdentityId {
    /// A fresh, time-ordered id (UUID v7).
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for IdentityId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for IdentityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for IdentityId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// The identity kind of people (employees and contractors).
pub const PERSON: &str = "person";

/// A stored link from a record to its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The identity.
    pub identity_id: IdentityId,
    /// The record.
    pub record_id: RecordId,
    /// How it was linked (e.g. `"work_email"`).
    pub method: String,
    /// How sure, as exact text (`"0.99"`).
    pub confidence: String,
    /// `"auto"`, `"suggested"`, `"confirmed"` or `"split"`.
    pub status: String,
    /// When the record was first linked.
    pub created_at: DateTime<Utc>,
    /// When the link last changed.
    pub updated_at: DateTime<Utc>,
}

/// A link to write.
#[derive(Debug, Clone, Copy)]
pub struct LinkWrite<'a> {
    /// The identity.
    pub identity_id: IdentityId,
    /// The record.
    pub record_id: RecordId,
    /// How it was linked.
    pub method: &'a str,
    /// How sure, as exact text.
    pub confidence: &'a str,
    /// Its status.
    pub status: &'a str,
}

fn decode(row: &SqliteRow) -> Result<Link> {
    Ok(Link {
        identity_id: parse_col(&row.try_get::<String, _>("identity_id")?, "identity_id")?,
        record_id: parse_col(&row.try_get::<String, _>("record_id")?, "record_id")?,
        method: row.try_get("method")?,
        confidence: row.try_get("confidence")?,
        status: row.try_get("status")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
    })
}

const SELECT_LINK: &str = "SELECT identity_id, record_id, method, confidence, status, created_at,
     updated_at FROM identity_links";

/// Creates an identity of `kind` (e.g. [`PERSON`]).
pub async fn create(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: &str,
    at: DateTime<Utc>,
) -> Result<IdentityId> {
    let id = IdentityId::new();
    sqlx::query(
        "INSERT INTO identities (id, company_id, kind, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(id.to_string())
    .bind(company_id.to_string())
    .bind(kind)
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Whether `id` is an identity of `company_id`.
pub async fn exists(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    id: IdentityId,
) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM identities WHERE id = ?1 AND company_id = ?2")
        .bind(id.to_string())
        .bind(company_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}

/// Every link of a company's identities of `kind`, by identity then record.
pub async fn links(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: &str,
) -> Result<Vec<Link>> {
    let sql = format!(
        "{SELECT_LINK} WHERE company_id = ?1
           AND identity_id IN (SELECT id FROM identities WHERE company_id = ?1 AND kind = ?2)
         ORDER BY identity_id, record_id"
    );
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(kind)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// The link of one record, if it has one.
pub async fn link_of(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    record_id: RecordId,
) -> Result<Option<Link>> {
    let sql = format!("{SELECT_LINK} WHERE company_id = ?1 AND record_id = ?2");
    let row = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(record_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

/// The links of one identity, by record.
pub async fn links_of(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    identity_id: IdentityId,
) -> Result<Vec<Link>> {
    let sql =
        format!("{SELECT_LINK} WHERE company_id = ?1 AND identity_id = ?2 ORDER BY record_id");
    let rows = sqlx::query(&sql)
        .bind(company_id.to_string())
        .bind(identity_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// Links a record to an identity, replacing any link it had; `created_at` is kept when the
/// record was linked before. Both must belong to `company_id`.
pub async fn set_link(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    link: &LinkWrite<'_>,
    at: DateTime<Utc>,
) -> Result<()> {
    let owned = sqlx::query(
        "SELECT (SELECT count(*) FROM identities WHERE id = ?1 AND company_id = ?3)
              + (SELECT count(*) FROM records WHERE record_id = ?2 AND company_id = ?3) AS n",
    )
    .bind(link.identity_id.to_string())
    .bind(link.record_id.to_string())
    .bind(company_id.to_string())
    .fetch_one(&mut *conn)
    .await?
    .try_get::<i64, _>("n")?;
    if owned != 2 {
        return Err(StoreError::Invalid(format!(
            "record {} and person {} are not both in this company",
            link.record_id, link.identity_id
        )));
    }
    sqlx::query(
        "INSERT INTO identity_links (identity_id, record_id, company_id, method, confidence,
             status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (record_id) DO UPDATE SET identity_id = excluded.identity_id,
             method = excluded.method, confidence = excluded.confidence,
             status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(link.identity_id.to_string())
    .bind(link.record_id.to_string())
    .bind(company_id.to_string())
    .bind(link.method)
    .bind(link.confidence)
    .bind(link.status)
    .bind(fmt_ts(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the company's identities that no record is linked to any more; returns how many.
pub async fn delete_unlinked(conn: &mut SqliteConnection, company_id: CompanyId) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM identities WHERE company_id = ?1
           AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.identity_id = identities.id)",
    )
    .bind(company_id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use maestro_core::model::{EntityKind, Provenance};
    use serde_json::json;

    use super::*;
    use crate::records::{self, RecordWrite};
    use crate::{MemorySecretStore, NewKey, Store, companies, connections};

    #[tokio::test]
    async fn links_move_between_identities_and_companies_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            dir.path(),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        )
        .await
        .unwrap();
        let at: DateTime<Utc> = "2026-03-01T08:00:00Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-03-02T08:00:00Z".parse().unwrap();
        let mut tx = store.write().await.unwrap();
        let a = companies::insert(tx.conn(), "A", at).await.unwrap();
        let b = companies::insert(tx.conn(), "B", at).await.unwrap();
        let c = connections::insert(tx.conn(), a.id, "gusto", "Gusto", &json!({}), at)
            .await
            .unwrap();
        let provenance = Provenance::new(c.id, "gusto", "e-1");
        let record = records::put(
            tx.conn(),
            &RecordWrite {
                company_id: a.id,
                kind: EntityKind::Employee,
                provenance: &provenance,
                data: &json!({}),
                raw: &maestro_core::model::RawPayload::from(json!({})),
                sync_run_id: None,
            },
            at,
        )
        .await
        .unwrap()
        .record_id;

        let one = create(tx.conn(), a.id, PERSON, at).await.unwrap();
        let two = create(tx.conn(), a.id, PERSON, at).await.unwrap();
        let write = |identity_id, status| LinkWrite {
            identity_id,
            record_id: record,
            method: "work_email",
            confidence: "0.99",
            status,
        };
        set_link(tx.conn(), a.id, &write(one, "auto"), at)
            .await
            .unwrap();
        set_link(tx.conn(), a.id, &write(two, "confirmed"), later)
            .await
            .unwrap();
        let link = link_of(tx.conn(), a.id, record).await.unwrap().unwrap();
        assert_eq!((link.identity_id, link.status.as_str()), (two, "confirmed"));
        assert_eq!((link.created_at, link.updated_at), (at, later));
        assert!(links_of(tx.conn(), a.id, one).await.unwrap().is_empty());
        assert_eq!(links(tx.conn(), a.id, PERSON).await.unwrap(), vec![link]);
        assert_eq!(delete_unlinked(tx.conn(), a.id).await.unwrap(), 1);
        assert!(!exists(tx.conn(), a.id, one).await.unwrap());
        assert!(exists(tx.conn(), a.id, two).await.unwrap());

        // Another company sees nothing and cannot link into this one.
        assert!(links(tx.conn(), b.id, PERSON).await.unwrap().is_empty());
        assert_eq!(link_of(tx.conn(), b.id, record).await.unwrap(), None);
        let foreign = create(tx.conn(), b.id, PERSON, at).await.unwrap();
        assert!(
            set_link(tx.conn(), a.id, &write(foreign, "auto"), at)
                .await
                .is_err()
        );
        assert!(!exists(tx.conn(), a.id, foreign).await.unwrap());
    }
}
