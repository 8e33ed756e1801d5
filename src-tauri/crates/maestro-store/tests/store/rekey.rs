use maestro_store::StoreError;

use super::*;

#[tokio::test]
async fn passphrase_change_reencrypts_and_the_old_one_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    let before_bytes = std::fs::read(dir.path().join("maestro.db")).unwrap();

    let new = Passphrase::new("a brand new passphrase 2026");
    let store = store.rekey(NewKey::Passphrase(new.clone())).await.unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
    store.close().await;

    let after_bytes = std::fs::read(dir.path().join("maestro.db")).unwrap();
    assert_ne!(before_bytes[..64], after_bytes[..64]);
    assert!(matches!(
        reopen(dir.path()).await.unwrap_err(),
        StoreError::WrongKey { .. }
    ));
    let store = Store::open(dir.path(), &Unlock::passphrase(new))
        .await
        .unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
}

#[tokio::test]
async fn keychain_rotation_replaces_the_key_and_retires_the_old_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, store, fx) = keychain_store_with_one_employee(dir.path()).await;
    let maestro_store::KeyMeta::Keychain { account: old } = store.key_meta_current().clone() else {
        panic!()
    };
    let store = store.rekey(NewKey::Keychain(keys.clone())).await.unwrap();
    let maestro_store::KeyMeta::Keychain { account: new } = store.key_meta_current().clone() else {
        panic!()
    };
    assert_ne!(old, new);
    use maestro_store::SecretStore;
    assert!(keys.get(&old).unwrap().is_none());
    store.close().await;
    let store = Store::open(dir.path(), &Unlock::keychain(keys))
        .await
        .unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
}

#[tokio::test]
async fn a_rotation_interrupted_after_the_swap_still_opens() {
    // Simulate a crash after the new file replaced the old one but before store.json was
    // finalised: the pending key must open it, and opening finishes the rotation.
    let dir = tempfile::tempdir().unwrap();
    let (keys, store, fx) = keychain_store_with_one_employee(dir.path()).await;
    let layout = store.layout().clone();
    let meta_before = layout.read_meta().unwrap();
    let store = store.rekey(NewKey::Keychain(keys.clone())).await.unwrap();
    let meta_after = layout.read_meta().unwrap();
    store.close().await;
    // Put store.json back to "rotation in progress": old key current, new key pending.
    let mut crashed = meta_before.clone();
    crashed.pending_key = Some(meta_after.key.clone());
    // The old keychain entry was retired; a real crash would have left it in place.
    layout.write_meta(&crashed).unwrap();

    let store = Store::open(dir.path(), &Unlock::keychain(keys.clone()))
        .await
        .unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
    assert_eq!(store.key_meta_current(), &meta_after.key);
    assert!(layout.read_meta().unwrap().pending_key.is_none());
}

#[tokio::test]
async fn a_rotation_interrupted_before_the_swap_keeps_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    let layout = store.layout().clone();
    store.close().await;
    // A pending key was recorded and a staging file half-written, then the process died.
    let mut meta = layout.read_meta().unwrap();
    meta.pending_key = Some(maestro_store::KeyMeta::Passphrase {
        kdf: maestro_store::KdfParams::generate(),
    });
    layout.write_meta(&meta).unwrap();
    std::fs::write(dir.path().join("maestro.db.staging"), b"half written").unwrap();

    let store = reopen(dir.path()).await.unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
    assert!(layout.read_meta().unwrap().pending_key.is_none());
    assert!(!dir.path().join("maestro.db.staging").exists());
}
