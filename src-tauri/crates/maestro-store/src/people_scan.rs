//! Reading and linking people a page at a time, for identity resolution that must not hold a
//! whole company in memory: the current records of one person kind in record-id pages, the
//! identity links of one page of records (each saying whether its identity has other records),
//! and new identities with their links written a page at a time.

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::CanonicalEntity;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::identities::{IdentityId, Link, LinkWrite};
use crate::packed;
use crate::records::{StoredAt, load_dictionaries_for};
use crate::store::parse_col;
use crate::time::{fmt_ts, parse_ts};

/// Up to `limit` current (not deleted) records of `E`'s kind after `after`, in record-id
/// order, each decoded from its canonical text without its payload (or the decoding error, so
/// the caller decides whether an undecodable record is skipped or fails the walk).
pub async fn current_page<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    after: Option<RecordId>,
    limit: u32,
) -> Result<Vec<(StoredAt, Result<E>)>> {
    let rows = sqlx::query(
        "SELECT r.record_id, r.connection_id, v.version, v.data
         FROM record_versions v JOIN records r ON r.record_id = v.record_id
         WHERE r.company_id = ?1 AND r.kind = ?2 AND r.record_id > ?3
           AND r.deleted = 0 AND v.version = r.current_version
         ORDER BY r.record_id LIMIT ?4",
    )
    .bind(company_id.to_string())
    .bind(E::KIND.as_str())
    .bind(after.map(|a| a.to_string()).unwrap_or_default())
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    load_dictionaries_for(conn, &rows).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let at = StoredAt {
            record_id: parse_col(row.try_get::<&str, _>("record_id")?, "record_id")?,
            connection_id: parse_col(row.try_get::<&str, _>("connection_id")?, "connection_id")?,
            version: row.try_get("version")?,
        };
        let entity = packed::unpack(row.try_get("data")?, "data").and_then(|text| {
            serde_json::from_str::<E>(&text).map_err(|e| {
                StoreError::Corrupt(format!("record {} does not decode: {e}", at.record_id))
            })
        });
        out.push((at, entity));
    }
    Ok(out)
}

/// A record's link, and whether its identity holds other records too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    /// The link.
    pub link: Link,
    /// Whether any other record (current, deleted or of another kind) is linked to the same
    /// identity.
    pub shared: bool,
}

/// The links of `records` to the company's identities of `kind` (those that have one).
pub async fn links_of_records(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: &str,
    records: &[RecordId],
) -> Result<Vec<PageLink>> {
    let mut out = Vec::with_capacity(records.len());
    for chunk in records.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT l.identity_id, l.record_id, l.method, l.confidence, l.status, l.created_at,
                    l.updated_at,
                    EXISTS (SELECT 1 FROM identity_links o
                            WHERE o.identity_id = l.identity_id AND o.record_id <> l.record_id)
                      AS shared
             FROM identity_links l JOIN identities i ON i.id = l.identity_id
             WHERE l.company_id = ",
        );
        q.push_bind(company_id.to_string());
        q.push(" AND i.company_id = ");
        q.push_bind(company_id.to_string());
        q.push(" AND i.kind = ");
        q.push_bind(kind);
        q.push(" AND l.record_id IN (");
        let mut ids = q.separated(", ");
        for r in chunk {
            ids.push_bind(r.to_string());
        }
        q.push(")");
        for row in q.build().fetch_all(&mut *conn).await? {
            out.push(PageLink {
                link: Link {
                    identity_id: parse_col(
                        &row.try_get::<String, _>("identity_id")?,
                        "identity_id",
                    )?,
                    record_id: parse_col(&row.try_get::<String, _>("record_id")?, "record_id")?,
                    method: row.try_get("method")?,
                    confidence: row.try_get("confidence")?,
                    status: row.try_get("status")?,
                    created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
                    updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
                },
                shared: row.try_get::<i64, _>("shared")? != 0,
            });
        }
    }
    Ok(out)
}

/// Records (or identities) a statement names at most, well under SQLite's bound on variables.
const CHUNK: usize = 500;

/// Creates `count` identities of `kind`, a page at a time; returns their ids in order.
pub async fn create_identities(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: &str,
    count: usize,
    at: DateTime<Utc>,
) -> Result<Vec<IdentityId>> {
    let ids: Vec<IdentityId> = (0..count).map(|_| IdentityId::new()).collect();
    let (company, at) = (company_id.to_string(), fmt_ts(at));
    for chunk in ids.chunks(CHUNK) {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO identities (id, company_id, kind, created_at) ");
        q.push_values(chunk, |mut b, id| {
            b.push_bind(id.to_string())
                .push_bind(&company)
                .push_bind(kind)
                .push_bind(&at);
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(ids)
}

/// [`crate::identities::set_link`] for many links at once: each record linked to its identity,
/// replacing any link it had (`created_at` kept when it had one). Every record and identity
/// must belong to `company_id`; a page naming one that does not is refused whole.
pub async fn set_links(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    links: &[LinkWrite<'_>],
    at: DateTime<Utc>,
) -> Result<()> {
    let (company, at) = (company_id.to_string(), fmt_ts(at));
    for chunk in links.chunks(CHUNK) {
        owned(conn, &company, chunk).await?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO identity_links (identity_id, record_id, company_id, method, confidence,
                 status, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, l| {
            b.push_bind(l.identity_id.to_string())
                .push_bind(l.record_id.to_string())
                .push_bind(&company)
                .push_bind(l.method)
                .push_bind(l.confidence)
                .push_bind(l.status)
                .push_bind(&at)
                .push_bind(&at);
        });
        q.push(
            " ON CONFLICT (record_id) DO UPDATE SET identity_id = excluded.identity_id,
                 method = excluded.method, confidence = excluded.confidence,
                 status = excluded.status, updated_at = excluded.updated_at",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Refuses a page of links naming a record or an identity outside `company`.
async fn owned(conn: &mut SqliteConnection, company: &str, links: &[LinkWrite<'_>]) -> Result<()> {
    let mut records: Vec<String> = links.iter().map(|l| l.record_id.to_string()).collect();
    records.sort_unstable();
    records.dedup();
    let mut identities: Vec<String> = links.iter().map(|l| l.identity_id.to_string()).collect();
    identities.sort_unstable();
    identities.dedup();
    let count = |table: &'static str, column: &'static str, ids: &[String]| {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT count(*) FROM {table} WHERE company_id = "));
        q.push_bind(company.to_owned());
        q.push(format!(" AND {column} IN ("));
        let mut s = q.separated(", ");
        for id in ids {
            s.push_bind(id.clone());
        }
        q.push(")");
        q
    };
    let mut q = count("records", "record_id", &records);
    let found_records: i64 = q.build().fetch_one(&mut *conn).await?.try_get(0)?;
    let mut q = count("identities", "id", &identities);
    let found_identities: i64 = q.build().fetch_one(&mut *conn).await?.try_get(0)?;
    if found_records != records.len() as i64 || found_identities != identities.len() as i64 {
        return Err(StoreError::Invalid(
            "some records or people of these links are not in this company".into(),
        ));
    }
    Ok(())
}
