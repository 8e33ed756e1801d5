//! Webhook signature checks: HMAC-SHA256 in hex or base64, timestamped schemes with a
//! tolerance, all compared in constant time.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature header is absent.
    #[error("the webhook has no signature header `{0}`")]
    Missing(String),
    /// The signature is not valid hex/base64.
    #[error("the webhook signature is malformed")]
    Malformed,
    /// The signature does not match the body.
    #[error("the webhook signature does not match its body")]
    Mismatch,
    /// The timestamp is outside the accepted window (a replay).
    #[error("the webhook timestamp is {0} s away from now, outside the accepted window")]
    Stale(i64),
}

#[allow(clippy::expect_used)]
fn mac(secret: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // Invariant: HMAC takes keys of any length, so this never fails.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    for p in parts {
        mac.update(p);
    }
    mac
}

/// Hex HMAC-SHA256 of the concatenated parts (for signing, e.g. in the sandbox and tests).
pub fn sign_hex(secret: &[u8], parts: &[&[u8]]) -> String {
    hex::encode(mac(secret, parts).finalize().into_bytes())
}

/// Base64 HMAC-SHA256 of the concatenated parts.
pub fn sign_base64(secret: &[u8], parts: &[&[u8]]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, parts).finalize().into_bytes())
}

/// Checks a hex signature (case-insensitive, optional `sha256=` prefix) in constant time.
pub fn verify_hex(secret: &[u8], parts: &[&[u8]], signature: &str) -> Result<(), SignatureError> {
    let sig = signature.trim();
    let sig = sig.strip_prefix("sha256=").unwrap_or(sig);
    let bytes = hex::decode(sig.to_ascii_lowercase()).map_err(|_| SignatureError::Malformed)?;
    mac(secret, parts)
        .verify_slice(&bytes)
        .map_err(|_| SignatureError::Mismatch)
}

/// Checks a base64 signature in constant time.
pub fn verify_base64(
    secret: &[u8],
    parts: &[&[u8]],
    signature: &str,
) -> Result<(), SignatureError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| SignatureError::Malformed)?;
    mac(secret, parts)
        .verify_slice(&bytes)
        .map_err(|_| SignatureError::Mismatch)
}

/// Rejects a timestamp (Unix seconds) more than `tolerance_secs` away from `now_unix`.
pub fn check_timestamp(
    timestamp: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Malformed)?;
    // The timestamp comes from an unauthenticated request: no arithmetic that can overflow.
    let skew = now_unix.abs_diff(ts);
    if skew > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::Stale(
            i64::try_from(skew).unwrap_or(i64::MAX),
        ));
    }
    Ok(())
}

/// Reads a header as text, case-insensitively.
pub fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Result<&'a str, SignatureError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| SignatureError::Missing(name.to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_round_trip_and_reject_tampering() {
        let body = br#"{"event_type":"employee.updated"}"#;
        let sig = sign_hex(b"secret", &[body]);
        assert!(verify_hex(b"secret", &[body], &sig).is_ok());
        assert!(verify_hex(b"secret", &[body], &sig.to_uppercase()).is_ok());
        assert_eq!(
            verify_hex(b"other", &[body], &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_hex(b"secret", &[b"{\"event_type\":\"employee.deleted\"}"], &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_hex(b"secret", &[body], "zz"),
            Err(SignatureError::Malformed)
        );
        let b64 = sign_base64(b"k", &[body, b"123"]);
        assert!(verify_base64(b"k", &[body, b"123"], &b64).is_ok());
        assert!(verify_base64(b"k", &[body, b"124"], &b64).is_err());
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign_hex(b"Jefe", &[b"what do ya want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn timestamps_outside_the_window_are_replays() {
        assert!(check_timestamp("1000", 1100, 300).is_ok());
        assert_eq!(
            check_timestamp("1000", 1400, 300),
            Err(SignatureError::Stale(400))
        );
    }

    #[test]
    fn an_extreme_timestamp_is_stale_not_an_overflow() {
        // Sent by anyone before the signature is checked: must not overflow the subtraction.
        for (ts, now) in [
            (i64::MIN.to_string(), 1_700_000_000),
            (i64::MAX.to_string(), -1_700_000_000),
            (i64::MIN.to_string(), i64::MAX),
        ] {
            assert!(
                matches!(check_timestamp(&ts, now, 300), Err(SignatureError::Stale(s)) if s > 300),
                "{ts} at {now}"
            );
        }
    }
}
