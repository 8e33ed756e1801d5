//! Backups: one self-contained file holding an SQLCipher copy of the whole database, encrypted
//! under a key stretched (Argon2id) from a backup passphrase, so it can be restored on another
//! machine. A header carries the key-derivation salt and a SHA-256 of the payload; SQLCipher's
//! per-page HMACs and the audit chain are checked again on restore.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Connection;

use crate::audit::{self, AuditEvent};
use crate::erasure::{self, LedgerEntry};
use crate::error::{Result, StoreError};
use crate::key::{KdfParams, Passphrase};
use crate::layout::{Layout, StoreMeta, write_durably};
use crate::store::{NewKey, Store, export_to, integrity_problems, make_key, open_one};

const MAGIC: &str = "MAESTRO-BACKUP 1";

/// The backup header (not secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupHeader {
    /// When the backup was made.
    pub created_at: DateTime<Utc>,
    /// How the backup key is derived from the backup passphrase.
    pub kdf: KdfParams,
    /// SHA-256 of the payload, hex.
    pub payload_sha256: String,
    /// Payload length in bytes.
    pub payload_bytes: u64,
    /// Audit entries in the backup.
    pub audit_entries: i64,
}

/// What a backup or restore did.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    /// The backup file.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Audit entries it holds (all verified on restore).
    pub audit_entries: i64,
    /// When the backup was made (read from its header).
    pub created_at: DateTime<Utc>,
    /// Erasures made after the backup that a restore applied again ([`crate::erasure`]).
    pub erasures_reapplied: usize,
}

impl Store {
    /// Writes an encrypted, integrity-checked backup of the whole database to `dest`.
    pub async fn backup(
        &self,
        dest: &Path,
        passphrase: &Passphrase,
        at: DateTime<Utc>,
    ) -> Result<BackupSummary> {
        passphrase.check_strength()?;
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; choose a new file name",
                dest.display()
            )));
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let staging = dir.join(format!(
            ".{}.partial",
            dest.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("backup")
        ));
        let _ = std::fs::remove_file(&staging);
        let kdf = KdfParams::generate();
        let key = kdf.derive(passphrase)?;
        // Record the backup first, so the copy contains its own entry.
        let mut tx = self.write().await?;
        let audit_entries = audit::len(tx.conn()).await? + 1;
        audit::append(
            tx.conn(),
            &AuditEvent::new("owner", "store.backup", &dest.display().to_string()),
            at,
        )
        .await?;
        tx.commit().await?;
        {
            let mut conn = self.pool().acquire().await?;
            export_to(&mut conn, &staging, &key).await?;
        }
        let result = write_backup_file(&staging, dest, kdf, at, audit_entries);
        let _ = std::fs::remove_file(&staging);
        let bytes = result?;
        Ok(BackupSummary {
            file: dest.to_path_buf(),
            bytes,
            audit_entries,
            created_at: at,
            erasures_reapplied: 0,
        })
    }

    /// Restores a backup into the empty data folder `dir`, protecting the new store with
    /// `new_key`. Refuses a damaged, modified or wrongly-unlocked backup and leaves `dir` empty.
    pub async fn restore(
        backup: &Path,
        passphrase: &Passphrase,
        dir: &Path,
        new_key: NewKey,
        at: DateTime<Utc>,
    ) -> Result<(Store, BackupSummary)> {
        Self::restore_reapplying(backup, passphrase, dir, new_key, at, &[]).await
    }

    /// [`Store::restore`], then applies again every erasure of `ledger` (the erasure ledger of
    /// the store being replaced, [`erasure::whole_ledger`]) that the backup does not hold:
    /// a backup made before an erasure does not bring the person back. The summary says how
    /// many were applied again.
    pub async fn restore_reapplying(
        backup: &Path,
        passphrase: &Passphrase,
        dir: &Path,
        new_key: NewKey,
        at: DateTime<Utc>,
        ledger: &[LedgerEntry],
    ) -> Result<(Store, BackupSummary)> {
        let (store, mut summary) = Self::restore_only(backup, passphrase, dir, new_key, at).await?;
        summary.erasures_reapplied = erasure::reapply(&store, ledger, "owner", at).await?;
        Ok((store, summary))
    }

    /// The header of a backup file (when it was made), without its passphrase: an owner sees
    /// whether it predates an erasure ([`erasure::made_since`]).
    pub fn backup_header(backup: &Path) -> Result<BackupHeader> {
        read_header(backup)
    }

    async fn restore_only(
        backup: &Path,
        passphrase: &Passphrase,
        dir: &Path,
        new_key: NewKey,
        at: DateTime<Utc>,
    ) -> Result<(Store, BackupSummary)> {
        let layout = Layout::new(dir);
        if layout.exists() || layout.db_path().exists() {
            return Err(StoreError::AlreadyInitialised(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let staging = dir.join("restore.staging");
        let outcome = restore_staged(backup, passphrase, &staging, dir, new_key, at).await;
        let _ = std::fs::remove_file(&staging);
        if outcome.is_err() {
            // Leave nothing half-made behind.
            let _ = std::fs::remove_file(layout.db_path());
            let _ = std::fs::remove_file(layout.meta_path());
            crate::store::remove_wal_files(&layout.db_path())?;
        }
        outcome
    }
}

async fn restore_staged(
    backup: &Path,
    passphrase: &Passphrase,
    staging: &Path,
    dir: &Path,
    new_key: NewKey,
    at: DateTime<Utc>,
) -> Result<(Store, BackupSummary)> {
    let bad = |reason: &str| StoreError::BadBackup {
        path: backup.to_path_buf(),
        reason: reason.to_owned(),
    };
    let (header, bytes) = unpack(backup, staging)?;
    let key = header.kdf.derive(passphrase)?;
    // Writable: ATTACH creates the new database. Backups from earlier versions use the older
    // page HMAC; open_one recognises either.
    // A page that fails to decrypt or authenticate while opening means a forged file.
    let opened = open_one(staging, &key, true).await.map_err(|e| {
        bad(&format!(
            "it is damaged or was modified ({e}); it was not restored"
        ))
    })?;
    let Some((mut conn, _)) = opened else {
        return Err(bad("the backup passphrase is wrong"));
    };
    // Past the checksum, a page that fails to decrypt or authenticate means a forged file.
    let damaged = |detail: String| {
        bad(&format!(
            "it is damaged or was modified ({detail}); it was not restored"
        ))
    };
    let problems = integrity_problems(&mut conn)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    if let Some(first) = problems.first() {
        return Err(damaged(first.clone()));
    }
    let verification = audit::verify(&mut conn, |_| {})
        .await
        .map_err(|e| damaged(e.to_string()))?;
    if let Some(first) = verification.breaks.first() {
        return Err(bad(&format!(
            "its audit log is not intact ({first}); it was not restored"
        )));
    }
    // Re-encrypt under the new installation's own key; write the key description last, so an
    // interrupted restore leaves no store that looks complete.
    let layout = Layout::new(dir);
    let store_id = uuid::Uuid::new_v4();
    let (key_meta, db_key) = make_key(store_id, &new_key)?;
    export_to(&mut conn, &layout.db_path(), &db_key).await?;
    conn.close().await?;
    layout.write_meta(&StoreMeta {
        format: 1,
        store_id,
        key: key_meta,
        pending_key: None,
    })?;
    let unlock = new_key.unlock();
    let store = Store::open(dir, &unlock).await?;
    let mut tx = store.write().await?;
    audit::append(
        tx.conn(),
        &AuditEvent::new("owner", "store.restore", &backup.display().to_string())
            .detail(serde_json::json!({ "backup_created_at": header.created_at })),
        at,
    )
    .await?;
    tx.commit().await?;
    Ok((
        store,
        BackupSummary {
            file: backup.to_path_buf(),
            bytes,
            audit_entries: verification.entries,
            created_at: header.created_at,
            erasures_reapplied: 0,
        },
    ))
}

/// Wraps the exported database in a header and writes it durably, atomically, to `dest`.
fn write_backup_file(
    staging: &Path,
    dest: &Path,
    kdf: KdfParams,
    at: DateTime<Utc>,
    audit_entries: i64,
) -> Result<u64> {
    let payload = std::fs::read(staging).map_err(|e| StoreError::io(staging, e))?;
    let header = BackupHeader {
        created_at: at,
        kdf,
        payload_sha256: hex::encode(Sha256::digest(&payload)),
        payload_bytes: payload.len() as u64,
        audit_entries,
    };
    let header_line = serde_json::to_string(&header)
        .map_err(|e| StoreError::Invalid(format!("cannot encode the backup header: {e}")))?;
    let mut out = Vec::with_capacity(payload.len() + header_line.len() + 32);
    writeln!(out, "{MAGIC}").map_err(|e| StoreError::io(dest, e))?;
    writeln!(out, "{header_line}").map_err(|e| StoreError::io(dest, e))?;
    out.extend_from_slice(&payload);
    let tmp = dest.with_extension("tmp-backup");
    write_durably(&tmp, &out)?;
    std::fs::rename(&tmp, dest).map_err(|e| StoreError::io(dest, e))?;
    Ok(out.len() as u64)
}

/// Reads the magic line and header of a backup file.
fn read_header(backup: &Path) -> Result<BackupHeader> {
    let file = std::fs::File::open(backup).map_err(|e| StoreError::io(backup, e))?;
    read_magic_and_header(backup, &mut BufReader::new(file))
}

/// Reads the magic line and header from `reader`, positioned at the start of `backup`,
/// leaving it at the start of the payload.
fn read_magic_and_header(
    backup: &Path,
    reader: &mut BufReader<std::fs::File>,
) -> Result<BackupHeader> {
    let bad = |reason: &str| StoreError::BadBackup {
        path: backup.to_path_buf(),
        reason: reason.to_owned(),
    };
    let mut magic = String::new();
    reader
        .by_ref()
        .take(64)
        .read_line(&mut magic)
        .map_err(|e| StoreError::io(backup, e))?;
    if magic.trim_end() != MAGIC {
        return Err(bad("it is not an Integration Maestro backup file"));
    }
    let mut header_line = String::new();
    reader
        .by_ref()
        .take(64 * 1024)
        .read_line(&mut header_line)
        .map_err(|e| StoreError::io(backup, e))?;
    serde_json::from_str(header_line.trim_end())
        .map_err(|_| bad("its header is damaged or was modified"))
}

/// Checks the header and checksum and writes the payload to `staging`.
fn unpack(backup: &Path, staging: &Path) -> Result<(BackupHeader, u64)> {
    let bad = |reason: &str| StoreError::BadBackup {
        path: backup.to_path_buf(),
        reason: reason.to_owned(),
    };
    let file = std::fs::File::open(backup).map_err(|e| StoreError::io(backup, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::new(file);
    let header = read_magic_and_header(backup, &mut reader)?;
    // A crafted header could demand terabytes of memory or years of passes: refuse it
    // before reading on, let alone deriving a key.
    header.kdf.check_bounds().map_err(|e| {
        bad(&format!(
            "{e}; it was not written by Integration Maestro or was modified, and was not restored"
        ))
    })?;
    let mut payload = Vec::new();
    reader
        .read_to_end(&mut payload)
        .map_err(|e| StoreError::io(backup, e))?;
    if payload.len() as u64 != header.payload_bytes
        || hex::encode(Sha256::digest(&payload)) != header.payload_sha256
    {
        return Err(bad(
            "it was modified or damaged after it was written (checksum mismatch)",
        ));
    }
    write_durably(staging, &payload)?;
    Ok((header, total))
}
