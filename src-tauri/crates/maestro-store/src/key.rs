//! Database keys: a random 256-bit key kept in the OS keychain, or one stretched from the owner's
//! passphrase with Argon2id. Keys never appear in `Debug` output and are wiped from memory on drop.

use std::ops::RangeInclusive;

use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Result, StoreError};

/// Shortest passphrase accepted for a new store or backup.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// A 256-bit SQLCipher key.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    /// A fresh random key from the operating system's CSPRNG.
    pub fn random() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    /// Parses the hex form kept in the keychain.
    pub fn from_hex(hex_key: &str) -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_key.trim(), bytes.as_mut())
            .map_err(|_| StoreError::Corrupt("the keychain entry is not a valid key".into()))?;
        Ok(Self(bytes))
    }

    /// The hex form kept in the keychain.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// The value for `PRAGMA key` / `KEY` clauses: a raw key, so SQLCipher skips its own KDF.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", hex::encode(self.0.as_ref())))
    }

    /// The key as the text bound to `ATTACH … KEY ?` (SQLCipher's raw-key form).
    pub(crate) fn attach_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(<redacted>)")
    }
}

/// A passphrase typed by the owner. `Debug` never shows it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase as given.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// Rejects passphrases too short to protect payroll data.
    pub fn check_strength(&self) -> Result<()> {
        if self.0.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::WeakPassphrase {
                min: MIN_PASSPHRASE_CHARS,
            });
        }
        Ok(())
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// Argon2id settings and salt used to stretch a passphrase. Not secret; stored beside the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always "argon2id".
    pub algorithm: String,
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
    /// Random salt, hex.
    pub salt: String,
}

/// Memory (KiB) a key derivation may use: from OWASP's Argon2id minimum (19 MiB) to 1 GiB,
/// sixteen times today's default. A store's or backup's settings are read from a file that
/// may be crafted; outside these bounds they are refused before any work is done.
pub const KDF_MEMORY_KIB: RangeInclusive<u32> = 19 * 1024..=1024 * 1024;
/// Passes a key derivation may make (today's default is 3). At the memory maximum the
/// slowest allowed derivation takes seconds, not years.
pub const KDF_ITERATIONS: RangeInclusive<u32> = 1..=10;
/// Lanes a key derivation may use (today's default is 1).
pub const KDF_PARALLELISM: RangeInclusive<u32> = 1..=8;
/// Salt length in bytes (Argon2 needs at least 8; we write 16).
const KDF_SALT_BYTES: RangeInclusive<usize> = 8..=64;

impl KdfParams {
    /// Refuses settings outside the bounds above (without deriving anything); the message
    /// says which setting and what is allowed.
    pub fn check_bounds(&self) -> std::result::Result<(), String> {
        if self.algorithm != "argon2id" {
            return Err(format!("unknown key derivation '{}'", self.algorithm));
        }
        let out_of = |what: &str, value: u64, range: (u64, u64)| {
            Err(format!(
                "the key-derivation {what} {value} is outside {}..={}",
                range.0, range.1
            ))
        };
        if !KDF_MEMORY_KIB.contains(&self.memory_kib) {
            return out_of(
                "memory (KiB)",
                self.memory_kib.into(),
                (
                    (*KDF_MEMORY_KIB.start()).into(),
                    (*KDF_MEMORY_KIB.end()).into(),
                ),
            );
        }
        if !KDF_ITERATIONS.contains(&self.iterations) {
            return out_of(
                "pass count",
                self.iterations.into(),
                (
                    (*KDF_ITERATIONS.start()).into(),
                    (*KDF_ITERATIONS.end()).into(),
                ),
            );
        }
        if !KDF_PARALLELISM.contains(&self.parallelism) {
            return out_of(
                "lane count",
                self.parallelism.into(),
                (
                    (*KDF_PARALLELISM.start()).into(),
                    (*KDF_PARALLELISM.end()).into(),
                ),
            );
        }
        let salt_bytes = self.salt.len() / 2;
        if !self.salt.len().is_multiple_of(2) || !KDF_SALT_BYTES.contains(&salt_bytes) {
            return Err(format!(
                "the key-derivation salt must be {} to {} bytes of hex",
                KDF_SALT_BYTES.start(),
                KDF_SALT_BYTES.end()
            ));
        }
        Ok(())
    }

    /// Current defaults (64 MiB, 3 passes, 1 lane: above OWASP's minimum) with a new random salt.
    pub fn generate() -> Self {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Self {
            algorithm: "argon2id".into(),
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
            salt: hex::encode(salt),
        }
    }

    /// Stretches `passphrase` into a database key.
    /// Settings outside the bounds (see [`KdfParams::check_bounds`]) are refused first.
    pub fn derive(&self, passphrase: &Passphrase) -> Result<DbKey> {
        self.check_bounds().map_err(StoreError::Corrupt)?;
        let salt = hex::decode(&self.salt)
            .map_err(|_| StoreError::Corrupt("the key-derivation salt is not hex".into()))?;
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| StoreError::Corrupt(format!("bad key-derivation settings: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.bytes(), &salt, out.as_mut())
            .map_err(|e| StoreError::Corrupt(format!("key derivation failed: {e}")))?;
        Ok(DbKey(out))
    }
}

/// Where secrets such as the database key are kept: the OS keychain in the product, an in-memory
/// map in tests that must not touch the developer's keychain.
pub trait SecretStore: Send + Sync {
    /// Reads a secret; `Ok(None)` when there is no entry.
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>>;
    /// Writes (or replaces) a secret.
    fn set(&self, account: &str, secret: &str) -> Result<()>;
    /// Removes a secret; missing entries are not an error.
    fn delete(&self, account: &str) -> Result<()>;
}

/// The operating system's keychain (Secret Service on Linux, Keychain on macOS, Credential
/// Manager on Windows) through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// Keychain entries under the product's service name.
    pub fn new() -> Self {
        Self::with_service("app.integrationmaestro.desktop")
    }

    /// Keychain entries under another service name (tests use their own).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The keychain service name entries are filed under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account)
            .map_err(|e| StoreError::KeychainUnavailable(e.to_string()))
    }

    /// Writes, reads back and removes a probe entry: true when a usable keychain is present.
    pub fn is_available(&self) -> bool {
        let account = format!("probe-{}", uuid::Uuid::new_v4());
        let ok = self.set(&account, "probe").is_ok()
            && matches!(self.get(&account), Ok(Some(v)) if v.as_str() == "probe");
        let _ = self.delete(&account);
        ok
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>> {
        match self.entry(account)?.get_password() {
            Ok(mut secret) => {
                let out = Zeroizing::new(secret.clone());
                secret.zeroize();
                Ok(Some(out))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(StoreError::KeychainUnavailable(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<()> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| StoreError::KeychainUnavailable(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(StoreError::KeychainUnavailable(e.to_string())),
        }
    }
}

/// An in-process secret store for tests and for commands that hold a key only briefly.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    entries: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl SecretStore for MemorySecretStore {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>> {
        let map = self
            .entries
            .lock()
            .map_err(|_| StoreError::KeychainUnavailable("lock poisoned".into()))?;
        Ok(map.get(account).map(|s| Zeroizing::new(s.clone())))
    }

    fn set(&self, account: &str, secret: &str) -> Result<()> {
        self.entries
            .lock()
            .map_err(|_| StoreError::KeychainUnavailable("lock poisoned".into()))?
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<()> {
        self.entries
            .lock()
            .map_err(|_| StoreError::KeychainUnavailable("lock poisoned".into()))?
            .remove(account);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_deterministic_and_salted() {
        let params = KdfParams::generate();
        let p = Passphrase::new("correct horse battery staple");
        let a = params.derive(&p).unwrap();
        let b = params.derive(&p).unwrap();
        assert_eq!(a.to_hex().as_str(), b.to_hex().as_str());
        let other = KdfParams::generate().derive(&p).unwrap();
        assert_ne!(a.to_hex().as_str(), other.to_hex().as_str());
    }

    #[test]
    fn out_of_range_settings_are_refused_before_deriving() {
        let p = Passphrase::new("correct horse battery staple");
        let base = KdfParams::generate();
        assert!(base.check_bounds().is_ok());
        type Edit = fn(&mut KdfParams);
        let cases: [(&str, Edit); 7] = [
            ("memory", |k| k.memory_kib = u32::MAX),
            ("memory", |k| k.memory_kib = 8),
            ("pass", |k| k.iterations = u32::MAX),
            ("pass", |k| k.iterations = 0),
            ("lane", |k| k.parallelism = 0x00FF_FFFF),
            ("salt", |k| k.salt = "00".repeat(1000)),
            ("unknown", |k| k.algorithm = "scrypt".into()),
        ];
        for (what, edit) in cases {
            let mut params = base.clone();
            edit(&mut params);
            let started = std::time::Instant::now();
            let err = params.derive(&p).unwrap_err().to_string();
            assert!(err.contains(what), "{what}: {err}");
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    #[test]
    fn debug_hides_keys_and_passphrases() {
        let key = DbKey::random();
        let p = Passphrase::new("hunter2hunter2");
        let shown = format!("{key:?} {p:?}");
        assert!(!shown.contains(key.to_hex().as_str()));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(Passphrase::new("short").check_strength().is_err());
        assert!(
            Passphrase::new("long enough passphrase")
                .check_strength()
                .is_ok()
        );
    }
}
