//! Content hashes that do not depend on the order of JSON object keys.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `value` as JSON with object keys sorted at every level.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // Only valid UTF-8 is ever written (JSON text of `str`s and ASCII).
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the canonical JSON of `value` to `out` (no allocation per key or scalar).
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    maestro_core::canonical_json::write_value(value, out);
}

/// Lower-case hex SHA-256 of `parts`, each length-prefixed so no two splits collide.
pub fn sha256_hex(parts: &[&str]) -> String {
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
    sha256_hex_bytes(&bytes)
}

/// [`sha256_hex`] of byte strings (equal to it for UTF-8 parts).
pub fn sha256_hex_bytes(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_matter() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, 2]}, "b": 1});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[1,2]},"b":1}"#);
    }

    #[test]
    fn canonical_text_escapes_like_serde_json() {
        let a =
            json!({"z": "é\"\n", "a": [1.5, -2, {"k": true}], "m": null, "n": 12345678901234u64});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":[1.5,-2,{"k":true}],"m":null,"n":12345678901234,"z":"é\"\n"}"#
        );
    }

    #[test]
    fn parts_are_delimited() {
        assert_ne!(sha256_hex(&["ab", "c"]), sha256_hex(&["a", "bc"]));
    }
}
