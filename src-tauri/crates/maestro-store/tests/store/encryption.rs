use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use super::*;
use maestro_store::StoreError;

fn digest_files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        // The -wal/-shm side files come and go with connections; an empty WAL holds nothing.
        .filter(|p| p.is_file() && !p.to_string_lossy().ends_with("-shm"))
        .filter_map(|p| {
            // Side files can vanish between listing and reading; an empty WAL holds nothing.
            let bytes = std::fs::read(&p).ok()?;
            if p.to_string_lossy().ends_with("-wal") && bytes.is_empty() {
                return None;
            }
            Some((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                hex::encode(Sha256::digest(bytes)),
            ))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn database_file_is_encrypted_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme Bakery").await;
    put_employee(&store, &fx, "e-1", "Head Baker", t(1)).await;
    assert!(!store.cipher_version().await.unwrap().is_empty());
    store.close().await;

    let bytes = std::fs::read(dir.path().join("maestro.db")).unwrap();
    assert!(bytes.len() > 4096);
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(!haystack.contains("Head Baker"));
    assert!(!haystack.contains("123-45-6789"));

    // Plain SQLite (no key) cannot read it.
    let opts = SqliteConnectOptions::new().filename(dir.path().join("maestro.db"));
    let mut plain = SqliteConnection::connect_with(&opts).await.unwrap();
    let err = sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut plain)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("file is not a database"), "{err}");
}

#[tokio::test]
async fn wrong_passphrase_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    for i in 0..50 {
        put_employee(&store, &fx, &format!("e-{i}"), "Baker", t(1)).await;
    }
    store.close().await;
    let before = digest_files(dir.path());

    let err = Store::open(
        dir.path(),
        &Unlock::passphrase(Passphrase::new("not the right passphrase")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("does not unlock"), "{err}");
    assert_eq!(
        digest_files(dir.path()),
        before,
        "a wrong key must not touch any file"
    );

    let err = Store::open(dir.path(), &Unlock::default())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::PassphraseRequired), "{err:?}");

    // The right passphrase still returns every record.
    let store = reopen(dir.path()).await.unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 50);
}

#[tokio::test]
async fn keychain_key_opens_and_a_missing_entry_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, store, fx) = keychain_store_with_one_employee(dir.path()).await;
    store.close().await;

    let store = Store::open(dir.path(), &Unlock::keychain(keys.clone()))
        .await
        .unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
    store.close().await;

    // Another keychain (say, another user account) has no key: a clear error.
    let err = Store::open(dir.path(), &Unlock::keychain(keychain()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing), "{err:?}");
}

#[tokio::test]
async fn weak_passphrases_are_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::create(dir.path(), NewKey::Passphrase(Passphrase::new("short")))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WeakPassphrase { .. }));
    assert!(!dir.path().join("maestro.db").exists());
}

#[tokio::test]
async fn migrations_apply_to_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    maestro_store::testing::create_partially_migrated(dir.path(), NewKey::Passphrase(pass()), 1)
        .await
        .unwrap();
    {
        // Data written under the old schema…
        let store = raw_options(dir.path()).await;
        let mut conn = SqliteConnection::connect_with(&store).await.unwrap();
        let has_trigger: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pragma_table_info('sync_runs') WHERE name = 'trigger'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(has_trigger, 0);
        conn.close().await.unwrap();
    }
    // …is upgraded at open, keeping what was there.
    let store = reopen(dir.path()).await.unwrap();
    let fx = fixture(&store, "Acme").await;
    put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    let has_trigger: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pragma_table_info('sync_runs') WHERE name = 'trigger'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(has_trigger, 1);
    let applied: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count() as i64;
    assert_eq!(applied, shipped, "every shipped migration is applied");
    store.close().await;
    // And opening again is a no-op upgrade.
    let store = reopen(dir.path()).await.unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
}

/// Connection options that open the database file directly (no migrations run), keyed the
/// way the store keys it.
pub(crate) async fn raw_options(dir: &Path) -> SqliteConnectOptions {
    let meta = maestro_store::layout::Layout::new(dir).read_meta().unwrap();
    let maestro_store::KeyMeta::Passphrase { kdf } = meta.key else {
        panic!("expected a passphrase store")
    };
    let key = kdf.derive(&pass()).unwrap();
    SqliteConnectOptions::new()
        .filename(dir.join("maestro.db"))
        .pragma("key", format!("\"x'{}'\"", key.to_hex().as_str()))
        .pragma("cipher_hmac_algorithm", "HMAC_SHA256")
}

/// The page HMACs (of SHA-256 and SHA-512) under which `key_hex` opens the database at `db`.
async fn hmacs_that_open(db: &Path, key_hex: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for hmac in ["HMAC_SHA256", "HMAC_SHA512"] {
        let opts = SqliteConnectOptions::new()
            .filename(db)
            .pragma("key", format!("\"x'{key_hex}'\""))
            .pragma("cipher_hmac_algorithm", hmac)
            .pragma("query_only", "true");
        let Ok(mut conn) = SqliteConnection::connect_with(&opts).await else {
            continue;
        };
        if sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&mut conn)
            .await
            .is_ok()
        {
            out.push(hmac);
        }
        conn.close().await.unwrap();
    }
    out
}

/// The keychain key of the store in `dir`, hex.
fn keychain_key(dir: &Path, keys: &MemorySecretStore) -> String {
    let maestro_store::KeyMeta::Keychain { account } = Store::key_meta(dir).unwrap() else {
        panic!("a keychain store");
    };
    use maestro_store::SecretStore;
    keys.get(&account).unwrap().unwrap().to_string()
}

#[tokio::test]
async fn new_stores_authenticate_pages_with_sha256_and_older_sha512_stores_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, store, fx) = keychain_store_with_one_employee(dir.path()).await;
    store.close().await;
    let db = dir.path().join("maestro.db");
    let key = keychain_key(dir.path(), &keys);
    assert_eq!(hmacs_that_open(&db, &key).await, ["HMAC_SHA256"]);

    // Re-encrypt it the way earlier versions wrote databases: SQLCipher 4's HMAC-SHA512.
    let legacy = dir.path().join("legacy.db");
    let opts = SqliteConnectOptions::new()
        .filename(&db)
        .pragma("key", format!("\"x'{key}'\""))
        .pragma("cipher_hmac_algorithm", "HMAC_SHA256")
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
    for statement in [
        format!(
            "ATTACH DATABASE '{}' AS legacy KEY \"x'{key}'\"",
            legacy.display()
        ),
        "PRAGMA legacy.cipher_hmac_algorithm = HMAC_SHA512".into(),
        "SELECT sqlcipher_export('legacy')".into(),
    ] {
        sqlx::query(&statement).execute(&mut conn).await.unwrap();
    }
    let version: i64 = sqlx::query_scalar("PRAGMA main.user_version")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("PRAGMA legacy.user_version = {version}"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DETACH DATABASE legacy")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    std::fs::rename(&legacy, &db).unwrap();
    assert_eq!(hmacs_that_open(&db, &key).await, ["HMAC_SHA512"]);

    // It opens, reads and takes writes as before.
    let store = Store::open(dir.path(), &Unlock::keychain(keys.clone()))
        .await
        .unwrap();
    put_employee(&store, &fx, "e-2", "Driver", t(2)).await;
    assert_eq!(current(&store, fx.company).await.len(), 2);
    assert!(store.integrity_problems().await.unwrap().is_empty());

    // Re-keying writes the new file with the new page HMAC.
    let store = store.rekey(NewKey::Keychain(keys.clone())).await.unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 2);
    store.close().await;
    let key = keychain_key(dir.path(), &keys);
    assert_eq!(hmacs_that_open(&db, &key).await, ["HMAC_SHA256"]);
}

#[tokio::test]
async fn sqlcipher_is_built_with_the_repository_options() {
    // `.cargo/config.toml` passes them to libsqlite3-sys; a build that lost them (another
    // working directory, a changed variable name) would silently be slower again.
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
    assert!(options.iter().any(|o| o == "USE_ALLOCA"), "{options:?}");
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
    assert!(options.iter().any(|o| o == "HAS_CODEC"), "{options:?}");
}
