//! How a version's JSON texts (canonical data and provider payload) are kept on disk: LZ4
//! compressed behind a two-byte marker when that saves space, else as plain text. JSON text
//! never starts with a NUL byte, so stores written before compression (plain TEXT values)
//! read back unchanged.
//!
//! Compression is about the bytes a sync writes: every byte stored is encrypted, written to
//! the log and copied into the database file again at the next checkpoint. JSON shrinks to
//! about half.

use crate::error::{Result, StoreError};

/// Marks a compressed value: NUL then `L` (LZ4 block with its length prepended).
const MARKER: [u8; 2] = [0, b'L'];

/// Texts shorter than this are stored as they are (compression would not pay for itself).
const MIN_LEN: usize = 96;

/// The bytes to store for `text`.
pub fn pack(text: &str) -> Vec<u8> {
    if text.len() < MIN_LEN {
        return text.as_bytes().to_vec();
    }
    let compressed = lz4_flex::block::compress_prepend_size(text.as_bytes());
    if compressed.len() + MARKER.len() >= text.len() {
        return text.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(MARKER.len() + compressed.len());
    out.extend_from_slice(&MARKER);
    out.extend_from_slice(&compressed);
    out
}

/// The text of stored bytes (compressed or plain). `column` names the column in errors.
pub fn unpack(bytes: Vec<u8>, column: &str) -> Result<String> {
    let corrupt = |why: String| StoreError::Corrupt(format!("column {column}: {why}"));
    let bytes = match bytes.strip_prefix(&MARKER) {
        Some(compressed) => lz4_flex::block::decompress_size_prepended(compressed)
            .map_err(|e| corrupt(format!("cannot decompress: {e}")))?,
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| corrupt(format!("not UTF-8: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
