//! Where the app gets its keys: the system keychain, or the owner's passphrase.

use std::sync::Arc;

use maestro_store::{OsKeychain, Passphrase, SecretStore, Unlock};

/// Environment variable naming the keychain service (tests and CI use their own).
pub const KEYCHAIN_SERVICE_ENV: &str = "MAESTRO_KEYCHAIN_SERVICE";

/// The OS keychain, under the product's service name unless `MAESTRO_KEYCHAIN_SERVICE` is set.
pub fn system_keychain() -> Arc<OsKeychain> {
    match std::env::var(KEYCHAIN_SERVICE_ENV) {
        Ok(service) if !service.trim().is_empty() => Arc::new(OsKeychain::with_service(service)),
        _ => Arc::new(OsKeychain::new()),
    }
}

/// How to unlock an existing store: always offer the system keychain, plus the passphrase if
/// one was given.
pub fn unlock_with(passphrase: Option<Passphrase>) -> Unlock {
    let keychain: Arc<dyn SecretStore> = system_keychain();
    Unlock {
        keychain: Some(keychain),
        passphrase,
    }
}
