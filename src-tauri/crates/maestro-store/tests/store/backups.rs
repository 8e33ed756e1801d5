use maestro_store::StoreError;
use maestro_store::audit::{self, AuditEvent};

use super::*;

const BACKUP_PASS: &str = "backup passphrase for the safe";

async fn populated(dir: &Path) -> (Store, Fixture) {
    let store = new_passphrase_store(dir).await;
    let fx = fixture(&store, "Acme").await;
    for i in 0..40 {
        put_employee(&store, &fx, &format!("e-{i}"), "Baker", t(1)).await;
    }
    put_employee(&store, &fx, "e-1", "Head Baker", t(2)).await;
    let mut tx = store.write().await.unwrap();
    audit::append(
        tx.conn(),
        &AuditEvent::new("cli", "records.export", "employee").records(40),
        t(3),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (store, fx)
}

#[tokio::test]
async fn backup_then_restore_reproduces_records_and_a_valid_chain() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, fx) = populated(src.path()).await;
    let file = out.path().join("acme.maestro-backup");
    let summary = store
        .backup(&file, &Passphrase::new(BACKUP_PASS), t(4))
        .await
        .unwrap();
    assert!(summary.bytes > 0);
    let original = current(&store, fx.company).await;
    let bytes = std::fs::read(&file).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("Head Baker"));

    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("restored");
    let keys = keychain();
    let (restored, summary) = Store::restore(
        &file,
        &Passphrase::new(BACKUP_PASS),
        &target,
        NewKey::Keychain(keys.clone()),
        t(5),
    )
    .await
    .unwrap();
    assert_eq!(summary.audit_entries, 2);
    assert_eq!(current(&restored, fx.company).await, original);
    let mut conn = restored.pool().acquire().await.unwrap();
    let v = audit::verify(&mut conn, |_| {}).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.breaks);
    assert_eq!(v.entries, 3, "export + backup + restore");
    let history = records::history(&mut conn, fx.company, original[1].record_id)
        .await
        .unwrap();
    assert!(!history.is_empty());
    drop(conn);
    restored.close().await;
    // It is a normal store of its own, under its own key.
    Store::open(&target, &Unlock::keychain(keys)).await.unwrap();
}

async fn restore_err(file: &Path, pass: &str) -> StoreError {
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("restored");
    let err = Store::restore(
        file,
        &Passphrase::new(pass),
        &target,
        NewKey::Keychain(keychain()),
        t(5),
    )
    .await
    .unwrap_err();
    assert!(
        !target.join("maestro.db").exists(),
        "nothing is left behind"
    );
    assert!(!target.join("store.json").exists());
    err
}

#[tokio::test]
async fn tampered_or_wrongly_unlocked_backups_are_refused() {
    let src = tempfile::tempdir().unwrap();
    let (store, _) = populated(src.path()).await;
    let file = src.path().join("b.maestro-backup");
    store
        .backup(&file, &Passphrase::new(BACKUP_PASS), t(4))
        .await
        .unwrap();
    let good = std::fs::read(&file).unwrap();

    let err = restore_err(&file, "the wrong backup passphrase").await;
    assert!(err.to_string().contains("passphrase is wrong"), "{err}");

    // One flipped byte deep in the payload.
    let mut bad = good.clone();
    let i = bad.len() - 3000;
    bad[i] ^= 0x01;
    std::fs::write(&file, &bad).unwrap();
    let err = restore_err(&file, BACKUP_PASS).await;
    assert!(matches!(err, StoreError::BadBackup { .. }), "{err:?}");
    assert!(err.to_string().contains("modified or damaged"), "{err}");

    // A checksum fixed up by an attacker still fails SQLCipher's page authentication.
    let text_end = bad
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    let mut header: serde_json::Value = serde_json::from_slice(
        &bad[bad.iter().position(|b| *b == b'\n').unwrap() + 1..text_end - 1],
    )
    .unwrap();
    use sha2::Digest;
    header["payload_sha256"] = json!(hex::encode(sha2::Sha256::digest(&bad[text_end..])));
    let mut forged = b"MAESTRO-BACKUP 1\n".to_vec();
    forged.extend_from_slice(header.to_string().as_bytes());
    forged.push(b'\n');
    forged.extend_from_slice(&bad[text_end..]);
    std::fs::write(&file, &forged).unwrap();
    let err = restore_err(&file, BACKUP_PASS).await;
    assert!(matches!(err, StoreError::BadBackup { .. }), "{err:?}");

    // Truncated, and not a backup at all.
    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    assert!(matches!(
        restore_err(&file, BACKUP_PASS).await,
        StoreError::BadBackup { .. }
    ));
    std::fs::write(&file, b"hello").unwrap();
    let err = restore_err(&file, BACKUP_PASS).await;
    assert!(
        err.to_string()
            .contains("not an Integration Maestro backup"),
        "{err}"
    );
}

/// `file` with its header's `kdf` settings changed by `edit` (the checksum stays valid: it
/// covers the payload only).
fn with_kdf(good: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let first = good.iter().position(|b| *b == b'\n').unwrap() + 1;
    let second = first + good[first..].iter().position(|b| *b == b'\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_slice(&good[first..second]).unwrap();
    edit(&mut header["kdf"]);
    let mut out = good[..first].to_vec();
    out.extend_from_slice(header.to_string().as_bytes());
    out.extend_from_slice(&good[second..]);
    out
}

#[tokio::test]
async fn a_backup_demanding_absurd_key_derivation_is_refused_before_deriving() {
    let src = tempfile::tempdir().unwrap();
    let (store, _) = populated(src.path()).await;
    let file = src.path().join("b.maestro-backup");
    store
        .backup(&file, &Passphrase::new(BACKUP_PASS), t(4))
        .await
        .unwrap();
    let good = std::fs::read(&file).unwrap();
    // Unchanged, the header round-trips and restores.
    std::fs::write(&file, with_kdf(&good, |_| {})).unwrap();
    let dest = tempfile::tempdir().unwrap();
    Store::restore(
        &file,
        &Passphrase::new(BACKUP_PASS),
        &dest.path().join("ok"),
        NewKey::Keychain(keychain()),
        t(5),
    )
    .await
    .unwrap();
    for (field, value) in [
        // 4 TiB of memory, four billion passes, sixteen million lanes, and a trivial cost.
        ("memory_kib", json!(u32::MAX)),
        ("iterations", json!(u32::MAX)),
        ("parallelism", json!(0x00FF_FFFF)),
        ("memory_kib", json!(8)),
        ("iterations", json!(0)),
        ("salt", json!("00".repeat(4096))),
    ] {
        std::fs::write(&file, with_kdf(&good, |kdf| kdf[field] = value.clone())).unwrap();
        let started = std::time::Instant::now();
        let err = restore_err(&file, BACKUP_PASS).await;
        assert!(
            matches!(err, StoreError::BadBackup { .. }),
            "{field}: {err:?}"
        );
        assert!(err.to_string().contains("key-derivation"), "{field}: {err}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{field}: derived anyway"
        );
    }
}

#[tokio::test]
async fn restore_refuses_a_folder_that_already_holds_data() {
    let src = tempfile::tempdir().unwrap();
    let (store, _) = populated(src.path()).await;
    let file = src.path().join("b.maestro-backup");
    store
        .backup(&file, &Passphrase::new(BACKUP_PASS), t(4))
        .await
        .unwrap();
    let err = Store::restore(
        &file,
        &Passphrase::new(BACKUP_PASS),
        src.path(),
        NewKey::Keychain(keychain()),
        t(5),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyInitialised(_)));
    // The existing store is untouched.
    drop(store);
    reopen(src.path()).await.unwrap();
}
