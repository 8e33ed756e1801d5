//! The canonical texts of a kind's current records, streamed to a reader that wants a few
//! fields of many records (the People roster sums the hours of every time entry) and neither
//! whole entities nor pages of rows. One statement walks the records in id order: SQLite reads
//! and decrypts the next rows on its connection's thread while the reader handles the last
//! ones, and at most the driver's row channel (50 rows) is held at once.
//! [`fold_current_texts_in_halves`] walks the two halves of the records side by side on two
//! connections, so two threads read and decrypt the store's pages.

use futures::TryStreamExt;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use sqlx::{Row, SqliteConnection};

use crate::error::StoreError;
use crate::packed;
use crate::records::StoredAt;
use crate::store::parse_col;

/// The current (not deleted) versions of one kind of a company after a record id (`?3`), in
/// record-id order: the walk of the (company, kind, deleted, record id) index.
const CURRENT_TEXTS: &str = "SELECT r.record_id, r.connection_id, v.version, v.data
     FROM records r JOIN record_versions v
       ON v.record_id = r.record_id AND v.version = r.current_version
     WHERE r.company_id = ?1 AND r.kind = ?2 AND r.deleted = 0 AND r.record_id > ?3";

/// Hands every current (not deleted) record of `kind` in a company to `each` with its
/// canonical text, in record-id order. The payload is not read. Stops at the first error,
/// `each`'s included.
pub async fn for_each_current_text<E, F>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    mut each: F,
) -> std::result::Result<(), E>
where
    E: From<StoreError>,
    F: FnMut(StoredAt, &str) -> std::result::Result<(), E>,
{
    walk(conn, company_id, kind, String::new(), None, &mut each).await
}

/// Folds every current (not deleted) record of `kind` in a company, with its canonical text,
/// into two accumulators made by `init`: the records up to the middle one (in record-id order)
/// read on `first`, the others on `second`, side by side. Each half is folded in record-id
/// order; the halves' order between them is not fixed, so `each` must not depend on it.
/// Returns both accumulators; stops at the first error, `each`'s included.
pub async fn fold_current_texts_in_halves<A, E, F>(
    first: &mut SqliteConnection,
    second: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    init: impl Fn() -> A,
    each: F,
) -> std::result::Result<(A, A), E>
where
    E: From<StoreError>,
    F: Fn(&mut A, StoredAt, &str) -> std::result::Result<(), E>,
{
    let (mut low, mut high) = (init(), init());
    let middle: Option<String> = sqlx::query_scalar(
        "SELECT record_id FROM records
         WHERE company_id = ?1 AND kind = ?2 AND deleted = 0 ORDER BY record_id
         LIMIT 1 OFFSET (SELECT count(*) / 2 FROM records
                          WHERE company_id = ?1 AND kind = ?2 AND deleted = 0)",
    )
    .bind(company_id.to_string())
    .bind(kind.as_str())
    .fetch_optional(&mut *first)
    .await
    .map_err(StoreError::from)?;
    let Some(middle) = middle else {
        return Ok((low, high));
    };
    let mut into_low = |at, text: &str| each(&mut low, at, text);
    let mut into_high = |at, text: &str| each(&mut high, at, text);
    let lower = walk(
        first,
        company_id,
        kind,
        String::new(),
        Some(&middle),
        &mut into_low,
    );
    let upper = walk(
        second,
        company_id,
        kind,
        middle.clone(),
        None,
        &mut into_high,
    );
    futures::try_join!(lower, upper)?;
    Ok((low, high))
}

/// Hands `each` the current texts of the records after `after`, up to `until` (included)
/// when given, in record-id order.
async fn walk<E, F>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    mut after: String,
    until: Option<&str>,
    each: &mut F,
) -> std::result::Result<(), E>
where
    E: From<StoreError>,
    F: FnMut(StoredAt, &str) -> std::result::Result<(), E>,
{
    let sql = match until {
        Some(_) => format!("{CURRENT_TEXTS} AND r.record_id <= ?4 ORDER BY r.record_id"),
        None => format!("{CURRENT_TEXTS} AND ?4 IS NULL ORDER BY r.record_id"),
    };
    let company = company_id.to_string();
    let mut loaded = false;
    // `after` is the last record handed over: a walk stopped to load a dictionary resumes
    // after it.
    loop {
        let mut rows = sqlx::query(&sql)
            .bind(&company)
            .bind(kind.as_str())
            .bind(after.clone())
            .bind(until)
            .fetch(&mut *conn);
        let mut needs_dictionaries = false;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            let data: &[u8] = row.try_get("data").map_err(StoreError::from)?;
            // Packed against a dictionary another process learned since this one loaded
            // them: load them once, then go on from this row (a second miss is corrupt).
            if !loaded && packed::needs_load(data) {
                needs_dictionaries = true;
                break;
            }
            let record_id: &str = row.try_get("record_id").map_err(StoreError::from)?;
            let at = StoredAt {
                record_id: parse_col(record_id, "records.record_id")?,
                connection_id: parse_col(
                    row.try_get::<&str, _>("connection_id")
                        .map_err(StoreError::from)?,
                    "records.connection_id",
                )?,
                version: row.try_get("version").map_err(StoreError::from)?,
            };
            let text = packed::unpack(data.to_vec(), "data")?;
            each(at, &text)?;
            after.clear();
            after.push_str(record_id);
        }
        drop(rows);
        if !needs_dictionaries {
            return Ok(());
        }
        packed::load(conn).await?;
        loaded = true;
    }
}
