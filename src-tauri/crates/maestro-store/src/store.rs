//! Opening, creating and re-keying the encrypted database.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Row};
use tokio::sync::Mutex;

use crate::error::{Result, StoreError, is_not_a_database};
use crate::key::{DbKey, KdfParams, Passphrase, SecretStore};
use crate::layout::{KeyMeta, Layout, StoreMeta};

/// Embedded migrations, applied at every open.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What the owner has for unlocking: a keychain, a passphrase, or both.
#[derive(Clone, Default)]
pub struct Unlock {
    /// The keychain holding random database keys.
    pub keychain: Option<Arc<dyn SecretStore>>,
    /// The owner's passphrase.
    pub passphrase: Option<Passphrase>,
}

impl Unlock {
    /// Unlock with a keychain.
    pub fn keychain(store: Arc<dyn SecretStore>) -> Self {
        Self {
            keychain: Some(store),
            passphrase: None,
        }
    }

    /// Unlock with a passphrase.
    pub fn passphrase(passphrase: Passphrase) -> Self {
        Self {
            keychain: None,
            passphrase: Some(passphrase),
        }
    }
}

/// How a new store protects its key.
pub enum NewKey {
    /// A random key kept in this keychain.
    Keychain(Arc<dyn SecretStore>),
    /// A key stretched from this passphrase.
    Passphrase(Passphrase),
}

/// The open, unlocked, migrated store.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The one connection every [`Store::write`] runs on: its page cache stays warm from one
    /// write transaction to the next (a pooled connection would start cold whenever another
    /// connection had written in between).
    writer: SqlitePool,
    layout: Layout,
    meta: StoreMeta,
    /// One writer at a time inside this process; SQLite's lock (with a busy timeout) orders
    /// writers across processes.
    write_lock: Arc<Mutex<()>>,
    checkpoint: BackgroundCheckpoint,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.layout.dir())
            .field("key_source", &self.meta.key.source_name())
            .finish()
    }
}

/// A write transaction started with `BEGIN IMMEDIATE`, holding this process's write lock.
/// Dropped without [`WriteTx::commit`] it rolls back.
pub struct WriteTx<'s> {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _guard: tokio::sync::MutexGuard<'s, ()>,
    checkpoint: &'s BackgroundCheckpoint,
}

/// Copies the write-ahead log back into the database file on a reader connection, so a bulk
/// writer (a sync storing page after page) does not stop to do it. One at a time; SQLite's own
/// checkpoint on the writer stays as the backstop when the log grows past
/// [`WRITER_CHECKPOINT_PAGES`].
#[derive(Clone, Default)]
struct BackgroundCheckpoint {
    running: Arc<AtomicBool>,
}

impl BackgroundCheckpoint {
    /// Starts a passive checkpoint on `pool` unless one is under way.
    fn start(&self, pool: &SqlitePool) {
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = pool.clone();
        let running = Arc::clone(&self.running);
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "background checkpoint did not run");
            }
            running.store(false, Ordering::Release);
        });
    }
}

impl WriteTx<'_> {
    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// Commits everything written in this transaction at once.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await.map_err(StoreError::from)
    }

    /// [`WriteTx::commit`] for one of many large transactions in a row (a sync page): the log
    /// is then copied into the database in the background instead of by the next commit.
    pub async fn commit_bulk(self, store: &Store) -> Result<()> {
        let checkpoint = self.checkpoint;
        self.commit().await?;
        checkpoint.start(&store.pool);
        Ok(())
    }
}

impl Store {
    /// Creates a new encrypted store in `dir` (created if needed, must not already hold one).
    pub async fn create(dir: &Path, new_key: NewKey) -> Result<Store> {
        let layout = Layout::new(dir);
        if layout.exists() || layout.db_path().exists() {
            return Err(StoreError::AlreadyInitialised(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        restrict_permissions(dir);
        let store_id = uuid::Uuid::new_v4();
        let (key_meta, key) = make_key(store_id, &new_key)?;
        let meta = StoreMeta {
            format: 1,
            store_id,
            key: key_meta,
            pending_key: None,
        };
        let (pool, hmac) = connect(&layout.db_path(), &key, true).await?;
        MIGRATOR.run(&pool).await?;
        let writer = connect_writer(&layout.db_path(), &key, hmac).await?;
        layout.write_meta(&meta)?;
        tracing::info!(dir = %dir.display(), key_source = meta.key.source_name(), "created encrypted store");
        Ok(Store {
            pool,
            writer,
            layout,
            meta,
            write_lock: Arc::new(Mutex::new(())),
            checkpoint: BackgroundCheckpoint::default(),
        })
    }

    /// How the store in `dir` is unlocked, without unlocking it.
    pub fn key_meta(dir: &Path) -> Result<KeyMeta> {
        Ok(Layout::new(dir).read_meta()?.key)
    }

    /// Opens the store in `dir`, applying pending migrations. A wrong key fails with
    /// [`StoreError::WrongKey`] and changes nothing on disk.
    pub async fn open(dir: &Path, unlock: &Unlock) -> Result<Store> {
        let layout = Layout::new(dir);
        let mut meta = layout.read_meta()?;
        if !layout.db_path().exists() {
            return Err(StoreError::NotInitialised(dir.to_path_buf()));
        }
        // A staging file is a re-key or restore that never reached its rename: the database
        // itself is still the old, complete one.
        let staging = layout.staging_db_path();
        if staging.exists() {
            std::fs::remove_file(&staging).map_err(|e| StoreError::io(&staging, e))?;
        }
        let opened = match resolve_key(&meta.key, unlock) {
            Ok(key) => connect(&layout.db_path(), &key, false)
                .await
                .map(|opened| (opened, key)),
            Err(e) => Err(e),
        };
        let ((pool, hmac), key) = match opened {
            Ok(opened) => opened,
            Err(StoreError::WrongKey { .. } | StoreError::KeyMissing)
                if meta.pending_key.is_some() =>
            {
                // A rotation was interrupted after the new database replaced the old one.
                let pending = meta.pending_key.clone().ok_or(StoreError::KeyMissing)?;
                let pending_key = resolve_key(&pending, unlock)?;
                let opened = connect(&layout.db_path(), &pending_key, false).await?;
                finish_rotation(&layout, &mut meta, unlock, &pending_key)?;
                (opened, pending_key)
            }
            Err(e) => return Err(e),
        };
        if meta.pending_key.is_some() {
            // The old key still opens the database: the rotation never happened. Forget it.
            discard_pending(&layout, &mut meta, unlock)?;
        }
        MIGRATOR.run(&pool).await?;
        // Syncs go on packing each stream against the dictionary it already has.
        crate::packed::load(&mut *pool.acquire().await?).await?;
        crate::erasure::load(&mut *pool.acquire().await?).await?;
        let writer = connect_writer(&layout.db_path(), &key, hmac).await?;
        Ok(Store {
            pool,
            writer,
            layout,
            meta,
            write_lock: Arc::new(Mutex::new(())),
            checkpoint: BackgroundCheckpoint::default(),
        })
    }

    /// The connection pool, for reads.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The single connection writes run on. Reads go through [`Store::pool`]; this is for
    /// per-connection settings that must reach every connection (e.g. a test's page limit).
    pub fn writer_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// The data folder's paths.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// How this store's key is obtained.
    pub fn key_meta_current(&self) -> &KeyMeta {
        &self.meta.key
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`): readers go on, other writers wait.
    pub async fn write(&self) -> Result<WriteTx<'_>> {
        let guard = self.write_lock.lock().await;
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx {
            tx,
            _guard: guard,
            checkpoint: &self.checkpoint,
        })
    }

    /// The SQLCipher version linked into this build.
    pub async fn cipher_version(&self) -> Result<String> {
        let row = sqlx::query("PRAGMA cipher_version")
            .fetch_optional(&self.pool)
            .await?;
        row.and_then(|r| r.try_get::<String, _>(0).ok())
            .ok_or(StoreError::EncryptionUnavailable)
    }

    /// Runs SQLite's and SQLCipher's integrity checks; returns the problems found (empty = sound).
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        integrity_problems(&mut *self.pool.acquire().await?).await
    }

    /// Flushes the write-ahead log into the database file and closes every connection.
    pub async fn close(self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "could not flush the write-ahead log at close");
        }
        self.writer.close().await;
        self.pool.close().await;
    }

    async fn close_pool(&self) {
        self.writer.close().await;
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    /// Re-encrypts the whole database under a new key. With a keychain, a new random key; with
    /// a passphrase, the new passphrase. Crash-safe: until the final rename the old file and key
    /// stay valid, and after it the new key is already recorded as pending.
    pub async fn rekey(self, new_key: NewKey) -> Result<Store> {
        let layout = self.layout.clone();
        let mut meta = self.meta.clone();
        let (pending_meta, key) = make_key(meta.store_id, &new_key)?;
        meta.pending_key = Some(pending_meta);
        layout.write_meta(&meta)?;

        let staging = layout.staging_db_path();
        if staging.exists() {
            std::fs::remove_file(&staging).map_err(|e| StoreError::io(&staging, e))?;
        }
        {
            let _guard = self.write_lock.lock().await;
            let mut conn = self.pool.acquire().await?;
            export_to(&mut conn, &staging, &key).await?;
        }
        self.close_pool().await;
        fsync_file(&staging)?;
        remove_wal_files(&layout.db_path())?;
        std::fs::rename(&staging, layout.db_path())
            .map_err(|e| StoreError::io(layout.db_path(), e))?;
        crate::layout::sync_dir(layout.dir())?;

        let unlock = new_key.unlock();
        finish_rotation(&layout, &mut meta, &unlock, &key)?;
        let (pool, hmac) = connect(&layout.db_path(), &key, false).await?;
        let writer = connect_writer(&layout.db_path(), &key, hmac).await?;
        tracing::info!(key_source = meta.key.source_name(), "database re-keyed");
        Ok(Store {
            pool,
            writer,
            layout,
            meta,
            write_lock: self.write_lock,
            checkpoint: self.checkpoint,
        })
    }
}

/// Makes the key for a new store or rotation: a random key saved in the keychain under a
/// fresh account, or a key stretched from a (strong enough) passphrase with a fresh salt.
pub(crate) fn make_key(store_id: uuid::Uuid, new_key: &NewKey) -> Result<(KeyMeta, DbKey)> {
    match new_key {
        NewKey::Keychain(keychain) => {
            let account = format!("database-key:{store_id}:{}", uuid::Uuid::new_v4().simple());
            let key = DbKey::random();
            keychain.set(&account, &key.to_hex())?;
            Ok((KeyMeta::Keychain { account }, key))
        }
        NewKey::Passphrase(passphrase) => {
            passphrase.check_strength()?;
            let kdf = KdfParams::generate();
            let key = kdf.derive(passphrase)?;
            Ok((KeyMeta::Passphrase { kdf }, key))
        }
    }
}

impl NewKey {
    /// The [`Unlock`] that opens a store protected by this key.
    pub fn unlock(&self) -> Unlock {
        match self {
            NewKey::Keychain(k) => Unlock::keychain(k.clone()),
            NewKey::Passphrase(p) => Unlock::passphrase(p.clone()),
        }
    }
}

/// Obtains the key described by `meta` from what the owner supplied.
pub(crate) fn resolve_key(meta: &KeyMeta, unlock: &Unlock) -> Result<DbKey> {
    match meta {
        KeyMeta::Keychain { account } => {
            let keychain = unlock.keychain.as_ref().ok_or_else(|| {
                StoreError::KeychainUnavailable("no keychain was offered to unlock with".into())
            })?;
            let hex = keychain.get(account)?.ok_or(StoreError::KeyMissing)?;
            DbKey::from_hex(&hex)
        }
        KeyMeta::Passphrase { kdf } => {
            let passphrase = unlock
                .passphrase
                .as_ref()
                .ok_or(StoreError::PassphraseRequired)?;
            kdf.derive(passphrase)
        }
    }
}

/// Promotes the pending key to current and drops the old keychain entry.
fn finish_rotation(
    layout: &Layout,
    meta: &mut StoreMeta,
    unlock: &Unlock,
    _key: &DbKey,
) -> Result<()> {
    let Some(pending) = meta.pending_key.take() else {
        return Ok(());
    };
    let old = std::mem::replace(&mut meta.key, pending);
    layout.write_meta(meta)?;
    if let (KeyMeta::Keychain { account }, Some(keychain)) = (&old, &unlock.keychain)
        && let Err(e) = keychain.delete(account)
    {
        tracing::warn!(error = %e, "could not remove the retired keychain entry");
    }
    Ok(())
}

/// Forgets a pending key whose rotation never replaced the database.
fn discard_pending(layout: &Layout, meta: &mut StoreMeta, unlock: &Unlock) -> Result<()> {
    if let (Some(KeyMeta::Keychain { account }), Some(keychain)) =
        (&meta.pending_key, &unlock.keychain)
    {
        let _ = keychain.delete(account);
    }
    meta.pending_key = None;
    layout.write_meta(meta)
}

/// The algorithm SQLCipher authenticates every page with. Databases this version creates use
/// HMAC-SHA256: on CPUs with SHA extensions it runs at about three times the speed of SQLCipher
/// 4's default, HMAC-SHA512, and a bulk sync spends a large share of its database time there.
/// Databases written by earlier versions keep HMAC-SHA512 until they are re-keyed or restored;
/// opening recognises either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageHmac {
    /// HMAC-SHA256 (new databases).
    Sha256,
    /// HMAC-SHA512 (SQLCipher 4's default; databases from earlier versions).
    Sha512,
}

impl PageHmac {
    /// What new databases (including re-keyed, restored and backup copies) use.
    pub(crate) const NEW: PageHmac = PageHmac::Sha256;

    /// The value of `PRAGMA cipher_hmac_algorithm`.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Self::Sha256 => "HMAC_SHA256",
            Self::Sha512 => "HMAC_SHA512",
        }
    }

    /// The algorithms an existing file at `path` may use, the likeliest first; only
    /// [`PageHmac::NEW`] for a file still to be made.
    fn candidates(path: &Path) -> &'static [PageHmac] {
        if path.exists() {
            &[PageHmac::Sha256, PageHmac::Sha512]
        } else {
            &[PageHmac::NEW]
        }
    }
}

/// Connection options for an encrypted database file.
pub(crate) fn options(
    path: &Path,
    key: &DbKey,
    hmac: PageHmac,
    create: bool,
) -> SqliteConnectOptions {
    keyed(path, key, hmac)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL never corrupts and loses nothing when the process dies; only a
        // power cut can undo the last commits. FULL would fsync on every commit.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
}

/// Options that only name the file and unlock it.
fn keyed(path: &Path, key: &DbKey, hmac: PageHmac) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        // Statement logs would print `PRAGMA key` with the key in it.
        .disable_statement_logging()
        .filename(path)
        .pragma("key", key.pragma_value().to_string())
        .pragma("cipher_hmac_algorithm", hmac.pragma())
}

/// Opens one connection on `path` with `key` (read-only unless `writable`), trying each page
/// HMAC the file may use. `Ok(None)`: the key decrypts it with none of them (a wrong key, or
/// not a database). A file still to be made is created only when `writable`.
pub(crate) async fn open_one(
    path: &Path,
    key: &DbKey,
    writable: bool,
) -> Result<Option<(SqliteConnection, PageHmac)>> {
    for &hmac in PageHmac::candidates(path) {
        // Journal-mode pragmas must never run against a database we cannot read: none here.
        let options = keyed(path, key, hmac)
            .create_if_missing(writable)
            .pragma("query_only", if writable { "false" } else { "true" });
        let mut conn = match SqliteConnection::connect_with(&options).await {
            Ok(c) => c,
            Err(e) if is_not_a_database(&e) => continue,
            Err(e) => return Err(e.into()),
        };
        ensure_cipher(&mut conn).await?;
        match sqlx::query("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut conn)
            .await
        {
            Ok(_) => return Ok(Some((conn, hmac))),
            Err(e) if is_not_a_database(&e) => {
                let _ = conn.close().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}

/// Opens a pool on `path` with `key`, proving that the file really is encrypted with it.
/// Returns the page HMAC the file uses, for [`connect_writer`].
pub(crate) async fn connect(
    path: &Path,
    key: &DbKey,
    create: bool,
) -> Result<(SqlitePool, PageHmac)> {
    let wrong_key = || StoreError::WrongKey {
        path: path.to_path_buf(),
    };
    let Some((conn, hmac)) = open_one(path, key, create).await? else {
        return Err(wrong_key());
    };
    conn.close().await?;
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(
            options(path, key, hmac, true).pragma("cache_size", format!("-{READER_CACHE_KIB}")),
        )
        .await
        .map_err(|e| {
            if is_not_a_database(&e) {
                wrong_key()
            } else {
                StoreError::from(e)
            }
        })?;
    Ok((pool, hmac))
}

/// Page cache of the writer connection. Large enough that a sync page's transaction (2,000
/// time entries and their index entries dirty about 3.5 MB of pages now that versions are
/// packed against dictionaries) never spills dirty pages to the log mid-way and the indexes'
/// hot pages stay decrypted between pages; no larger, since it is most of a sync's memory
/// (the bench measured the same write volume and time at 5 MiB as at 16).
const WRITER_CACHE_KIB: i64 = 5 * 1024;

/// Page cache of each reader connection (SQLite's default is 2 MiB). Reads right after a
/// sync (identity resolution, the roster) walk thousands of pages that the writer, not this
/// connection, wrote; with the default each is read and decrypted again and again.
const READER_CACHE_KIB: i64 = 8 * 1024;

/// Log pages after which the writer copies the log back into the database (SQLite's default
/// is 1,000). Fewer, larger checkpoints copy a page rewritten by several transactions once.
const WRITER_CHECKPOINT_PAGES: u32 = 4_000;

/// Opens the single-connection pool [`Store::write`] uses (after [`connect`] proved the key).
async fn connect_writer(path: &Path, key: &DbKey, hmac: PageHmac) -> Result<SqlitePool> {
    let options = options(path, key, hmac, false)
        .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
        .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string());
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        // Keep the warm connection: no idle timeout, no maximum lifetime.
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?)
}

/// Refuses to continue unless SQLCipher is linked (else `PRAGMA key` is silently ignored).
async fn ensure_cipher(conn: &mut SqliteConnection) -> Result<()> {
    let version: Option<String> = sqlx::query("PRAGMA cipher_version")
        .fetch_optional(&mut *conn)
        .await?
        .and_then(|row| row.try_get(0).ok());
    match version {
        Some(v) if !v.is_empty() => Ok(()),
        _ => Err(StoreError::EncryptionUnavailable),
    }
}

/// Copies the whole open database into a new file encrypted with `key`.
pub(crate) async fn export_to(conn: &mut SqliteConnection, dest: &Path, key: &DbKey) -> Result<()> {
    let dest_text = dest
        .to_str()
        .ok_or_else(|| StoreError::Invalid("the file path is not valid UTF-8".into()))?;
    let key_text = key.attach_value();
    sqlx::query("ATTACH DATABASE ?1 AS staging KEY ?2")
        .bind(dest_text)
        .bind(key_text.as_str())
        .execute(&mut *conn)
        .await?;
    // Before the new file's first page is written.
    sqlx::query(&format!(
        "PRAGMA staging.cipher_hmac_algorithm = {}",
        PageHmac::NEW.pragma()
    ))
    .execute(&mut *conn)
    .await?;
    let exported = sqlx::query("SELECT sqlcipher_export('staging')")
        .execute(&mut *conn)
        .await;
    // Copy the schema version too, so migrations see the same state.
    let version = sqlx::query("PRAGMA main.user_version")
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get::<i64, _>(0));
    if let (Ok(_), Ok(v)) = (&exported, version) {
        sqlx::query(&format!("PRAGMA staging.user_version = {v}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DETACH DATABASE staging")
        .execute(&mut *conn)
        .await?;
    exported?;
    Ok(())
}

/// Runs `PRAGMA cipher_integrity_check` (page HMACs) and `PRAGMA integrity_check` (structure).
pub(crate) async fn integrity_problems(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    let mut problems: Vec<String> = sqlx::query("PRAGMA cipher_integrity_check")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    let structure: Vec<String> = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .filter(|s| s != "ok")
        .collect();
    problems.extend(structure);
    Ok(problems)
}

fn fsync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(path, e))
}

/// Removes `-wal` and `-shm` files left beside a database that is being replaced.
pub(crate) fn remove_wal_files(db: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = std::path::PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&path, e)),
        }
    }
    Ok(())
}

/// Keeps the data folder private to the owner's account.
fn restrict_permissions(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Parses a stored text column into a typed id, naming the column on failure.
pub(crate) fn parse_col<T: FromStr>(value: &str, column: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("column {column} holds '{value}'")))
}

/// Hooks for tests that need a store in an older schema state.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// Creates a store with only the migrations up to `upto_version` applied.
    pub async fn create_partially_migrated(
        dir: &Path,
        new_key: NewKey,
        upto_version: i64,
    ) -> Result<()> {
        let layout = Layout::new(dir);
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let store_id = uuid::Uuid::new_v4();
        let (key, db_key) = make_key(store_id, &new_key)?;
        let (pool, _) = connect(&layout.db_path(), &db_key, true).await?;
        let mut migrator = sqlx::migrate::Migrator::DEFAULT;
        migrator.migrations = std::borrow::Cow::Owned(
            MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version <= upto_version)
                .cloned()
                .collect(),
        );
        migrator.run(&pool).await?;
        pool.close().await;
        layout.write_meta(&StoreMeta {
            format: 1,
            store_id,
            key,
            pending_key: None,
        })
    }
}
