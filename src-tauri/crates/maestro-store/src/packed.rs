//! How a version's JSON texts (canonical data and provider payload) are kept on disk.
//!
//! - **Plain:** texts shorter than [`MIN_LEN`], or that would not shrink, and every value
//!   written before compression (plain TEXT). JSON text never starts with a NUL byte.
//! - **LZ4:** NUL, `L`, then an LZ4 block with its length prepended.
//! - **LZ4 with a dictionary:** NUL, `D`, the dictionary's id (8 bytes, little endian), then an
//!   LZ4 block compressed against that dictionary. A dictionary is the first texts one stream
//!   (a connection's records of one kind, one column) stored, kept in `pack_dictionaries`; the
//!   records of a stream share their keys and many values (company, connection, names,
//!   projects), so a version then takes a fifth to a third of its plain-LZ4 size.
//!
//! Compression is about the bytes a sync writes: every byte stored is encrypted, written to
//! the log and copied into the database file again at the next checkpoint.
//!
//! Dictionaries are content-addressed (the id is the first 8 bytes of the SHA-256 of their
//! bytes), never changed and never deleted while a version refers to them, so the process-wide
//! registry here can serve every store this process opens. A dictionary holds copies of a
//! stream's first stored versions, so it can hold a person's name or SSN: an erasure or a
//! retention purge ([`crate::erasure`], [`crate::retention`]) that removes versions also
//! [`rebuild`]s every dictionary of their streams holding any of their texts — learned again
//! from the versions left, those re-packed against it, the old one deleted and recorded as
//! retired so no process saves it again.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use maestro_core::ids::ConnectionId;
use maestro_core::model::EntityKind;
use sha2::{Digest, Sha256};
use sqlx::{Row, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::store::parse_col;

/// Marks an LZ4 value: NUL then `L` (LZ4 block with its length prepended).
const MARKER: [u8; 2] = [0, b'L'];

/// Marks an LZ4 value compressed against a dictionary: NUL, `D`, then the dictionary id.
const DICT_MARKER: [u8; 2] = [0, b'D'];

/// Bytes between a dictionary marker and its LZ4 block (the id).
const ID_LEN: usize = 8;

/// Texts shorter than this are stored as they are (compression would not pay for itself).
const MIN_LEN: usize = 96;

/// A new dictionary takes whole sample texts until it holds at least this many bytes. LZ4
/// hashes the whole dictionary for every value it compresses, so larger ones cost time.
const DICT_TARGET: usize = 2048;

/// Which text of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The canonical JSON (`record_versions.data`).
    Data,
    /// The provider payload (`record_versions.raw`).
    Raw,
}

impl Column {
    /// The column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::Raw => "raw",
        }
    }
}

impl std::str::FromStr for Column {
    type Err = ();

    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "data" => Ok(Self::Data),
            "raw" => Ok(Self::Raw),
            _ => Err(()),
        }
    }
}

/// The texts that share a dictionary: one connection's records of one kind, one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream {
    /// The connection the records come from.
    pub connection_id: ConnectionId,
    /// Their kind.
    pub kind: EntityKind,
    /// Which text.
    pub column: Column,
}

/// A compression dictionary (cheap to clone).
#[derive(Debug, Clone)]
pub struct Dictionary {
    id: i64,
    bytes: Arc<[u8]>,
}

impl Dictionary {
    /// A dictionary of `bytes`, its id derived from them.
    fn new(bytes: Vec<u8>) -> Self {
        let digest = Sha256::digest(&bytes);
        let mut id = [0u8; ID_LEN];
        id.copy_from_slice(&digest[..ID_LEN]);
        Self {
            id: i64::from_le_bytes(id),
            bytes: bytes.into(),
        }
    }

    /// Its id (stored in every value compressed against it).
    pub fn id(&self) -> i64 {
        self.id
    }
}

#[derive(Default)]
struct Registry {
    by_id: HashMap<i64, Arc<[u8]>>,
    by_stream: HashMap<Stream, Dictionary>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

fn registry_read() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner)
}

fn register(stream: Stream, dictionary: Dictionary) -> Dictionary {
    let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    registry
        .by_id
        .entry(dictionary.id)
        .or_insert_with(|| dictionary.bytes.clone());
    // The first one known for a stream stays its dictionary.
    registry
        .by_stream
        .entry(stream)
        .or_insert(dictionary)
        .clone()
}

/// The dictionary of `stream`, learning one from `samples` (its first texts) if it has none.
/// `None` when the samples are too short to be worth one. A learned dictionary must be saved
/// ([`save`]) in the transaction that stores the first value packed with it.
pub fn dictionary_for<'a>(
    stream: Stream,
    samples: impl IntoIterator<Item = &'a str>,
) -> Option<Dictionary> {
    if let Some(known) = known(stream) {
        return Some(known);
    }
    let mut bytes = Vec::with_capacity(DICT_TARGET * 2);
    for sample in samples {
        if bytes.len() >= DICT_TARGET {
            break;
        }
        bytes.extend_from_slice(sample.as_bytes());
    }
    if bytes.len() < MIN_LEN {
        return None;
    }
    Some(register(stream, Dictionary::new(bytes)))
}

/// The dictionary `stream` already has, if any (never learns one).
pub fn known(stream: Stream) -> Option<Dictionary> {
    registry_read().by_stream.get(&stream).cloned()
}

/// Saves `dictionary` as `stream`'s (nothing if it is saved already).
pub async fn save(
    conn: &mut SqliteConnection,
    stream: Stream,
    dictionary: &Dictionary,
) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO pack_dictionaries (id, connection_id, kind, column_name, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(dictionary.id)
    .bind(stream.connection_id.to_string())
    .bind(stream.kind.as_str())
    .bind(stream.column.as_str())
    .bind(&dictionary.bytes[..])
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads every dictionary of the store behind `conn` into this process's registry.
pub async fn load(conn: &mut SqliteConnection) -> Result<()> {
    let rows =
        sqlx::query("SELECT id, connection_id, kind, column_name, bytes FROM pack_dictionaries")
            .fetch_all(&mut *conn)
            .await?;
    for row in rows {
        let dictionary = Dictionary::new(row.try_get("bytes")?);
        let id: i64 = row.try_get("id")?;
        if dictionary.id != id {
            return Err(StoreError::Corrupt(format!(
                "compression dictionary {id} does not match its contents"
            )));
        }
        let stream = Stream {
            connection_id: parse_col(
                row.try_get("connection_id")?,
                "pack_dictionaries.connection_id",
            )?,
            kind: parse_col(row.try_get("kind")?, "pack_dictionaries.kind")?,
            column: parse_col(row.try_get("column_name")?, "pack_dictionaries.column_name")?,
        };
        register(stream, dictionary);
    }
    Ok(())
}

/// Reads the store's dictionaries again after another process rebuilt some ([`rebuild`]):
/// streams whose dictionary was retired take the saved one, or learn one again.
pub async fn reload(conn: &mut SqliteConnection) -> Result<()> {
    let retired: Vec<i64> = sqlx::query_scalar("SELECT id FROM retired_dictionaries")
        .fetch_all(&mut *conn)
        .await?;
    {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        registry.by_stream.retain(|_, d| !retired.contains(&d.id));
        for id in &retired {
            registry.by_id.remove(id);
        }
    }
    load(conn).await
}

/// Forgets every dictionary this process knows, as if it had just started (for tests of what
/// another process sees).
#[doc(hidden)]
pub fn forget_all() {
    *REGISTRY.write().unwrap_or_else(PoisonError::into_inner) = Registry::default();
}

/// True when `bytes` were packed against a dictionary this process has not loaded (another
/// process learned it); [`load`] then brings it in.
pub fn needs_load(bytes: &[u8]) -> bool {
    dictionary_id(bytes).is_some_and(|id| !registry_read().by_id.contains_key(&id))
}

fn dictionary_id(bytes: &[u8]) -> Option<i64> {
    let rest = bytes.strip_prefix(&DICT_MARKER)?;
    let id: [u8; ID_LEN] = rest.get(..ID_LEN)?.try_into().ok()?;
    Some(i64::from_le_bytes(id))
}

/// The bytes to store for `text` (LZ4 alone).
pub fn pack(text: &str) -> Vec<u8> {
    if text.len() < MIN_LEN {
        return text.as_bytes().to_vec();
    }
    let compressed = lz4_flex::block::compress_prepend_size(text.as_bytes());
    framed(text, &MARKER, &[], compressed)
}

/// The bytes to store for `text`, compressed against `dictionary`.
pub fn pack_with(text: &str, dictionary: &Dictionary) -> Vec<u8> {
    if text.len() < MIN_LEN {
        return text.as_bytes().to_vec();
    }
    let compressed =
        lz4_flex::block::compress_prepend_size_with_dict(text.as_bytes(), &dictionary.bytes);
    framed(text, &DICT_MARKER, &dictionary.id.to_le_bytes(), compressed)
}

/// `marker`, `id` and `compressed`, or the plain text when that is not shorter.
fn framed(text: &str, marker: &[u8], id: &[u8], compressed: Vec<u8>) -> Vec<u8> {
    let len = marker.len() + id.len() + compressed.len();
    if len >= text.len() {
        return text.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(marker);
    out.extend_from_slice(id);
    out.extend_from_slice(&compressed);
    out
}

/// The text of stored bytes (in any of the forms above). `column` names the column in errors.
pub fn unpack(bytes: Vec<u8>, column: &str) -> Result<String> {
    let corrupt = |why: String| StoreError::Corrupt(format!("column {column}: {why}"));
    let bytes = if let Some(compressed) = bytes.strip_prefix(&MARKER) {
        lz4_flex::block::decompress_size_prepended(compressed)
            .map_err(|e| corrupt(format!("cannot decompress: {e}")))?
    } else if let Some(id) = dictionary_id(&bytes) {
        let dictionary = registry_read()
            .by_id
            .get(&id)
            .cloned()
            .ok_or_else(|| corrupt(format!("compression dictionary {id} is missing")))?;
        let compressed = &bytes[DICT_MARKER.len() + ID_LEN..];
        lz4_flex::block::decompress_size_prepended_with_dict(compressed, &dictionary)
            .map_err(|e| corrupt(format!("cannot decompress: {e}")))?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| corrupt(format!("not UTF-8: {e}")))
}

/// A stream's dictionary that a [`rebuild`] replaced: applied to this process's registry
/// once the transaction that made it commits ([`apply`]).
#[derive(Debug, Clone)]
pub struct Replacement {
    stream: Stream,
    retired: i64,
    new: Option<Dictionary>,
}

/// Makes `replacements` this process's dictionaries (after their transaction committed):
/// each stream packs against its new dictionary, or learns one again if it has none.
pub fn apply(replacements: &[Replacement]) {
    let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    for r in replacements {
        registry.by_id.remove(&r.retired);
        match &r.new {
            Some(new) => {
                registry.by_id.insert(new.id, new.bytes.clone());
                registry.by_stream.insert(r.stream, new.clone());
            }
            None => {
                registry.by_stream.remove(&r.stream);
            }
        }
    }
}

/// The saved dictionaries of one connection's records of one kind.
async fn saved_of(
    conn: &mut SqliteConnection,
    connection_id: ConnectionId,
    kind: EntityKind,
) -> Result<Vec<(Stream, i64, Vec<u8>)>> {
    let rows = sqlx::query(
        "SELECT id, column_name, bytes FROM pack_dictionaries WHERE connection_id = ?1 AND kind = ?2",
    )
    .bind(connection_id.to_string())
    .bind(kind.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let column = parse_col(row.try_get("column_name")?, "pack_dictionaries.column_name")?;
            Ok((
                Stream {
                    connection_id,
                    kind,
                    column,
                },
                row.try_get("id")?,
                row.try_get("bytes")?,
            ))
        })
        .collect()
}

/// Versions re-packed per statement batch of a [`rebuild`].
const REPACK_PAGE: i64 = 500;

/// Replaces every saved dictionary of `connection_id`'s records of `kind` whose bytes `holds`
/// says hold something that must go (a removed version's text, a person's name): a new one is
/// learned from the stream's remaining versions (the first ones, as at first), every version
/// packed against the old one is re-packed against the new one (or LZ4 alone when too little
/// is left to learn from), and the old one is deleted and recorded as retired. Call it after
/// the versions are removed, in their transaction; then [`apply`] the result once committed.
pub async fn rebuild(
    conn: &mut SqliteConnection,
    connection_id: ConnectionId,
    kind: EntityKind,
    holds: &(dyn Fn(&[u8]) -> bool + Sync),
) -> Result<Vec<Replacement>> {
    let mut out = Vec::new();
    for (stream, old_id, bytes) in saved_of(conn, connection_id, kind).await? {
        if !holds(&bytes) {
            continue;
        }
        // The old one must be known to unpack what was packed against it.
        {
            let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
            registry.by_id.entry(old_id).or_insert_with(|| bytes.into());
        }
        let new = learn_from_remaining(conn, stream).await?;
        if new.as_ref().is_some_and(|n| n.id == old_id) {
            // Learned again from the versions left, it is the same: what matched is in them.
            continue;
        }
        repack(conn, stream, old_id, new.as_ref()).await?;
        sqlx::query("DELETE FROM pack_dictionaries WHERE id = ?1")
            .bind(old_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT OR IGNORE INTO retired_dictionaries (id) VALUES (?1)")
            .bind(old_id)
            .execute(&mut *conn)
            .await?;
        if let Some(new) = &new {
            save(conn, stream, new).await?;
        }
        out.push(Replacement {
            stream,
            retired: old_id,
            new,
        });
    }
    Ok(out)
}

/// A dictionary of the first remaining texts of `stream` (oldest versions first), unless too
/// little is left or it would be a retired one.
async fn learn_from_remaining(
    conn: &mut SqliteConnection,
    stream: Stream,
) -> Result<Option<Dictionary>> {
    let sql = format!(
        "SELECT v.{col} AS text FROM record_versions v JOIN records r ON r.record_id = v.record_id
         WHERE r.connection_id = ?1 AND r.kind = ?2 ORDER BY v.valid_from, v.rowid LIMIT 64",
        col = stream.column.as_str()
    );
    let rows = sqlx::query(&sql)
        .bind(stream.connection_id.to_string())
        .bind(stream.kind.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let mut bytes = Vec::with_capacity(DICT_TARGET * 2);
    for row in rows {
        if bytes.len() >= DICT_TARGET {
            break;
        }
        let text = unpack(row.try_get("text")?, stream.column.as_str())?;
        bytes.extend_from_slice(text.as_bytes());
    }
    if bytes.len() < MIN_LEN {
        return Ok(None);
    }
    let new = Dictionary::new(bytes);
    let retired: Option<i64> =
        sqlx::query_scalar("SELECT id FROM retired_dictionaries WHERE id = ?1")
            .bind(new.id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(retired.is_none().then_some(new))
}

/// Re-packs every version of `stream` packed against `old_id`, against `new` (or LZ4 alone).
async fn repack(
    conn: &mut SqliteConnection,
    stream: Stream,
    old_id: i64,
    new: Option<&Dictionary>,
) -> Result<()> {
    let column = stream.column.as_str();
    let mut prefix = DICT_MARKER.to_vec();
    prefix.extend_from_slice(&old_id.to_le_bytes());
    let select = format!(
        "SELECT v.rowid AS row_id, v.{column} AS text FROM record_versions v
         JOIN records r ON r.record_id = v.record_id
         WHERE r.connection_id = ?1 AND r.kind = ?2 AND v.rowid > ?3
           AND substr(v.{column}, 1, ?4) = ?5
         ORDER BY v.rowid LIMIT ?6"
    );
    let update = format!("UPDATE record_versions SET {column} = ?1 WHERE rowid = ?2");
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(&select)
            .bind(stream.connection_id.to_string())
            .bind(stream.kind.as_str())
            .bind(after)
            .bind(prefix.len() as i64)
            .bind(&prefix[..])
            .bind(REPACK_PAGE)
            .fetch_all(&mut *conn)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get("row_id")?;
        for row in &rows {
            let text = unpack(row.try_get("text")?, column)?;
            let packed = match new {
                Some(d) => pack_with(&text, d),
                None => pack(&text),
            };
            sqlx::query(&update)
                .bind(packed)
                .bind(row.try_get::<i64, _>("row_id")?)
                .execute(&mut *conn)
                .await?;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(i: u32) -> String {
        format!(
            r#"{{"id":{i},"user":{{"id":4100106,"name":"Sofia Alvarez"}},"project":{{"id":7300001,"name":"Mission Café Operations"}},"hours":{}.25,"notes":"Morning bake {i}","billable":true}}"#,
            i % 9
        )
    }

    fn stream(column: Column) -> Stream {
        Stream {
            connection_id: ConnectionId::new(),
            kind: EntityKind::TimeEntry,
            column,
        }
    }

    #[test]
    fn round_trips_long_and_short_texts() {
        let long = format!(
            "[{}]",
            (0..50)
                .map(|i| format!(r#"{{"id":{i},"name":"Ada Lovelace","billable":true}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let packed = pack(&long);
        assert!(packed.starts_with(&MARKER));
        assert!(
            packed.len() < long.len() / 2,
            "{} of {}",
            packed.len(),
            long.len()
        );
        assert_eq!(unpack(packed, "data").unwrap(), long);
        let short = r#"{"id":1}"#;
        assert_eq!(pack(short), short.as_bytes());
        assert_eq!(unpack(pack(short), "data").unwrap(), short);
    }

    #[test]
    fn a_stream_dictionary_shrinks_its_texts_and_round_trips() {
        let samples: Vec<String> = (0..20).map(entry).collect();
        let s = stream(Column::Raw);
        let dict = dictionary_for(s, samples.iter().map(String::as_str)).unwrap();
        assert!(dict.bytes.len() >= DICT_TARGET);
        // Known from now on: later pages get the same one whatever their samples.
        assert_eq!(dictionary_for(s, ["{}"]).unwrap().id(), dict.id());
        let text = entry(1234);
        let plain = pack(&text);
        let packed = pack_with(&text, &dict);
        assert!(packed.starts_with(&DICT_MARKER));
        assert!(
            packed.len() * 3 < plain.len(),
            "{} vs {} with LZ4 alone",
            packed.len(),
            plain.len()
        );
        assert!(!needs_load(&packed));
        assert_eq!(unpack(packed, "raw").unwrap(), text);
        // Too little to learn from: no dictionary.
        assert!(dictionary_for(stream(Column::Data), ["{\"id\":1}"]).is_none());
    }

    #[test]
    fn an_unknown_dictionary_is_named_not_guessed() {
        let mut packed = DICT_MARKER.to_vec();
        packed.extend_from_slice(&42i64.to_le_bytes());
        packed.extend_from_slice(&[9, 9, 9]);
        assert!(needs_load(&packed));
        let err = unpack(packed, "record_versions.raw")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dictionary 42 is missing"), "{err}");
    }

    #[test]
    fn damaged_values_are_named() {
        let mut packed = pack(&"{\"a\":\"xxxxxxxxxxxxxxxxxxxx\"}".repeat(10));
        packed.truncate(8);
        let err = unpack(packed, "record_versions.raw")
            .unwrap_err()
            .to_string();
        assert!(err.contains("record_versions.raw"), "{err}");
        assert!(unpack(vec![0xff, 0xfe], "data").is_err());
    }
}
