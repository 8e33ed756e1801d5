//! The real OS keychain (Secret Service on Linux). Needs a running, unlocked keychain, so these
//! are ignored by default; `tests/run` runs them inside a private D-Bus session with
//! gnome-keyring (see `.ci/with-secret-service.sh`).

use maestro_store::{OsKeychain, SecretStore};

use super::*;

fn os_keychain() -> Arc<OsKeychain> {
    Arc::new(OsKeychain::with_service(format!(
        "maestro-test-{}",
        uuid_like()
    )))
}

fn uuid_like() -> String {
    format!("{:x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

#[tokio::test]
#[ignore = "needs a Secret Service keychain: run through tests/run"]
async fn store_key_lives_in_the_os_keychain() {
    let keys = os_keychain();
    assert!(
        keys.is_available(),
        "no usable Secret Service in this session"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), NewKey::Keychain(keys.clone()))
        .await
        .unwrap();
    let fx = fixture(&store, "Acme").await;
    put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    let maestro_store::KeyMeta::Keychain { account } = store.key_meta_current().clone() else {
        panic!("expected a keychain store")
    };
    store.close().await;

    // Nothing on disk holds the key: store.json names only the keychain account.
    let meta = std::fs::read_to_string(dir.path().join("store.json")).unwrap();
    let key_hex = keys.get(&account).unwrap().unwrap();
    assert_eq!(key_hex.len(), 64);
    assert!(!meta.contains(key_hex.as_str()));

    // A fresh handle on the same keychain (as after a restart) opens it.
    let again = Arc::new(OsKeychain::with_service(keys.service()));
    let store = Store::open(dir.path(), &Unlock::keychain(again.clone()))
        .await
        .unwrap();
    assert_eq!(current(&store, fx.company).await.len(), 1);
    let store = store.rekey(NewKey::Keychain(again.clone())).await.unwrap();
    assert!(
        again.get(&account).unwrap().is_none(),
        "the retired key is removed"
    );
    let maestro_store::KeyMeta::Keychain {
        account: new_account,
    } = store.key_meta_current().clone()
    else {
        panic!()
    };
    store.close().await;
    again.delete(&new_account).unwrap();
}
