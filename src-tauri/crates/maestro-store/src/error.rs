//! Errors raised by the encrypted store, each with a message an owner can act on.

use std::path::PathBuf;

use maestro_core::error::ErrorKind;

/// Everything that can go wrong while opening, reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key or passphrase does not open this database. Nothing was written.
    #[error(
        "the key or passphrase does not unlock the database at {path}; nothing was changed. \
         Check the passphrase (or the system keychain entry) and try again"
    )]
    WrongKey {
        /// The database that refused the key.
        path: PathBuf,
    },
    /// The SQLite library in this build has no SQLCipher; refusing to store data in plain text.
    #[error("this build cannot encrypt its database (SQLCipher is missing); refusing to continue")]
    EncryptionUnavailable,
    /// No store has been set up in this data folder yet.
    #[error("no Integration Maestro data was found in {0}; run `maestro init` first")]
    NotInitialised(PathBuf),
    /// A store already exists where a new one was requested.
    #[error("{0} already holds Integration Maestro data; choose an empty folder")]
    AlreadyInitialised(PathBuf),
    /// The system keychain could not be used.
    #[error(
        "the system keychain is unavailable ({0}); set a passphrase instead (MAESTRO_PASSPHRASE or --passphrase)"
    )]
    KeychainUnavailable(String),
    /// The keychain has no key for this store.
    #[error(
        "the system keychain holds no key for this database; if it was removed, the data cannot be \
         decrypted. Restore from a backup with `maestro restore`"
    )]
    KeyMissing,
    /// A passphrase was required but none was given.
    #[error(
        "this database is protected by a passphrase; supply it (prompt, or MAESTRO_PASSPHRASE)"
    )]
    PassphraseRequired,
    /// The passphrase is too weak to protect the data.
    #[error("the passphrase is too short: use at least {min} characters")]
    WeakPassphrase {
        /// Minimum accepted length in characters.
        min: usize,
    },
    /// The disk is full; the last change was rolled back.
    #[error("the disk is full; the last change was not saved. Free some space and try again")]
    DiskFull,
    /// Another process holds the database lock for too long.
    #[error("the database is busy in another Integration Maestro process; try again in a moment")]
    Busy,
    /// A backup file is damaged, modified or not a backup at all.
    #[error("the backup {path} cannot be used: {reason}")]
    BadBackup {
        /// The backup file.
        path: PathBuf,
        /// What was found wrong, in plain words.
        reason: String,
    },
    /// A record or entity was not found.
    #[error("{0} was not found")]
    NotFound(String),
    /// Input that the store refuses (an unknown company, a malformed value…).
    #[error("{0}")]
    Invalid(String),
    /// A value read from the database did not decode.
    #[error("stored data could not be read back ({0}); the database may be from a newer version")]
    Corrupt(String),
    /// A file-system error outside SQLite.
    #[error("file error at {path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A database error not covered above.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A migration failed.
    #[error("the database could not be upgraded: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The shared classification used for retry and UI decisions.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Busy => ErrorKind::Transient,
            Self::WrongKey { .. }
            | Self::KeyMissing
            | Self::PassphraseRequired
            | Self::KeychainUnavailable(_) => ErrorKind::Auth,
            Self::WeakPassphrase { .. }
            | Self::Invalid(_)
            | Self::AlreadyInitialised(_)
            | Self::NotInitialised(_)
            | Self::BadBackup { .. } => ErrorKind::Validation,
            Self::NotFound(_) => ErrorKind::NotFound,
            _ => ErrorKind::Internal,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if source.raw_os_error() == Some(28) {
            return Self::DiskFull;
        }
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// SQLite primary result codes we translate (see sqlite.org/rescode.html).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_FULL: i64 = 13;
const SQLITE_NOTADB: i64 = 26;

/// The primary SQLite result code of a database error, if any.
pub(crate) fn sqlite_code(err: &sqlx::Error) -> Option<i64> {
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .map(|c| c & 0xff),
        _ => None,
    }
}

/// True when SQLite reported "file is not a database", which is how SQLCipher says "wrong key".
pub(crate) fn is_not_a_database(err: &sqlx::Error) -> bool {
    sqlite_code(err) == Some(SQLITE_NOTADB)
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match sqlite_code(&err) {
            Some(SQLITE_FULL) => Self::DiskFull,
            Some(SQLITE_BUSY) | Some(SQLITE_LOCKED) => Self::Busy,
            _ => match err {
                sqlx::Error::PoolTimedOut => Self::Busy,
                sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                    Self::Corrupt(err.to_string())
                }
                sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => Self::DiskFull,
                other => Self::Database(other),
            },
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
