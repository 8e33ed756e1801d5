//! Files in a data folder: the encrypted database and a small, non-secret description of how
//! its key is obtained.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::key::KdfParams;

/// Database file name inside the data folder.
pub const DB_FILE: &str = "maestro.db";
/// Key-source description inside the data folder.
pub const META_FILE: &str = "store.json";

/// How the database key is obtained. Contains no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum KeyMeta {
    /// A random key kept in the OS keychain under `account`.
    Keychain {
        /// Keychain account name.
        account: String,
    },
    /// A key stretched from the owner's passphrase.
    Passphrase {
        /// Argon2id settings and salt.
        kdf: KdfParams,
    },
}

impl KeyMeta {
    /// "keychain" or "passphrase".
    pub fn source_name(&self) -> &'static str {
        match self {
            Self::Keychain { .. } => "keychain",
            Self::Passphrase { .. } => "passphrase",
        }
    }
}

/// Contents of `store.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreMeta {
    /// Layout version of this file.
    pub format: u32,
    /// Random id of this installation's store.
    pub store_id: uuid::Uuid,
    /// How the current key is obtained.
    pub key: KeyMeta,
    /// A key being rotated in; tried when `key` fails, so a crash mid-rotation never locks
    /// the owner out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_key: Option<KeyMeta>,
}

/// Paths of one data folder.
#[derive(Debug, Clone)]
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    /// The layout of `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The encrypted database.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// The key-source description.
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }

    /// A sibling of the database used while re-keying or restoring.
    pub(crate) fn staging_db_path(&self) -> PathBuf {
        self.dir.join(format!("{DB_FILE}.staging"))
    }

    /// True when a store exists here.
    pub fn exists(&self) -> bool {
        self.meta_path().exists() && self.db_path().exists()
    }

    /// Reads `store.json`.
    pub fn read_meta(&self) -> Result<StoreMeta> {
        let path = self.meta_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotInitialised(self.dir.clone()));
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("{} is not valid: {e}", path.display())))
    }

    /// Writes `store.json` atomically (temp file, fsync, rename).
    pub fn write_meta(&self, meta: &StoreMeta) -> Result<()> {
        let path = self.meta_path();
        let tmp = self.dir.join(format!("{META_FILE}.tmp"));
        let text = serde_json::to_string_pretty(meta)
            .map_err(|e| StoreError::Invalid(format!("cannot encode store metadata: {e}")))?;
        write_durably(&tmp, text.as_bytes())?;
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        sync_dir(&self.dir)
    }
}

/// Writes a file and flushes it to disk.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| StoreError::io(path, e))?;
    file.write_all(bytes).map_err(|e| StoreError::io(path, e))?;
    file.sync_all().map_err(|e| StoreError::io(path, e))
}

/// Flushes a folder's entries (renames) to disk where the platform supports it.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let handle = std::fs::File::open(dir).map_err(|e| StoreError::io(dir, e))?;
        handle.sync_all().map_err(|e| StoreError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
