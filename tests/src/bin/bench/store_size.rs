//! The store's size after a sync, split by what holds the bytes: the packed canonical texts and
//! provider payloads of the versions, the rest of the version rows, the records, the indexes,
//! the audit chain and everything else (SQLite's `dbstat`, pages as stored, before encryption
//! overhead is counted per page).

use anyhow::Result;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

/// Megabytes (10^6 bytes) of each part of the store.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct StoreSize {
    /// The whole database: page count × page size.
    pub total_mb: f64,
    /// Packed canonical texts (`record_versions.data`).
    pub canonical_mb: f64,
    /// Packed provider payloads (`record_versions.raw`).
    pub raw_mb: f64,
    /// The version rows' pages less their texts and payloads (keys, times, hashes, free space).
    pub versions_rest_mb: f64,
    /// The `records` table.
    pub records_mb: f64,
    /// Every index, the primary-key ones included.
    pub indexes_mb: f64,
    /// The audit chain (`audit_log`, `audit_head`).
    pub audit_mb: f64,
    /// Every other table and SQLite's own pages.
    pub other_mb: f64,
}

/// Measures the store behind `conn`.
pub async fn measure(conn: &mut SqliteConnection) -> Result<StoreSize> {
    let mb = |bytes: i64| bytes as f64 / 1e6;
    let total: i64 = sqlx::query_scalar(
        "SELECT c.page_count * s.page_size FROM pragma_page_count() c, pragma_page_size() s",
    )
    .fetch_one(&mut *conn)
    .await?;
    let objects = sqlx::query_as::<_, (String, Option<String>, i64)>(
        "SELECT d.name, s.type, sum(d.pgsize) FROM dbstat d
         LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (data, raw): (i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(length(data)), 0), coalesce(sum(length(raw)), 0) FROM record_versions",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut size = StoreSize {
        total_mb: mb(total),
        canonical_mb: mb(data),
        raw_mb: mb(raw),
        ..StoreSize::default()
    };
    for (name, kind, bytes) in objects {
        let part = match (name.as_str(), kind.as_deref()) {
            (_, Some("index")) => &mut size.indexes_mb,
            ("record_versions", _) => &mut size.versions_rest_mb,
            ("records", _) => &mut size.records_mb,
            ("audit_log" | "audit_head", _) => &mut size.audit_mb,
            _ => &mut size.other_mb,
        };
        *part += mb(bytes);
    }
    size.versions_rest_mb -= size.canonical_mb + size.raw_mb;
    Ok(size)
}

/// Prints one table row per measured size.
pub fn print_table(rows: &[(usize, StoreSize)]) {
    println!(
        "| time entries | store (MB) | canonical texts | provider payloads | version rows, rest | records | indexes | audit | other |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, s) in rows {
        println!(
            "| {n} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.total_mb,
            s.canonical_mb,
            s.raw_mb,
            s.versions_rest_mb,
            s.records_mb,
            s.indexes_mb,
            s.audit_mb,
            s.other_mb
        );
    }
}
