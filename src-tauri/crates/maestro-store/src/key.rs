//! Database keys: a random 256-bit key kept in the OS keychain, or one stretched from the owner's
//! passphrase with Argon2id. Keys never appear in `Debug` output and are wiped from memory on drop.

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

impl KdfParams {
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
    pub fn derive(&self, passphrase: &Passphrase) -> Result<DbKey> {
        if self.algorithm != "argon2id" {
            return Err(StoreError::Corrupt(format!(
                "unknown key derivation '{}'",
                self.algorithm
            )));
        }
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
