//! No secret reaches the logs, even at TRACE level and from sqlx's worker threads: the database
//! key, the passphrase, credentials and sensitive record fields.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use maestro_core::model::{EntityKind, Provenance};
use maestro_core::sensitive::Sensitive;
use maestro_store::records::RecordWrite;
use maestro_store::{KeyMeta, Layout, NewKey, Passphrase, Store, Unlock};
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nothing_secret_is_logged_from_any_thread() {
    let capture = Capture::default();
    let sink = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();

    const PASS: &str = "log-test passphrase 8812";
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), NewKey::Passphrase(Passphrase::new(PASS)))
        .await
        .unwrap();
    let mut tx = store.write().await.unwrap();
    let company = maestro_store::companies::insert(tx.conn(), "Acme", chrono::Utc::now())
        .await
        .unwrap();
    let conn = maestro_store::connections::insert(
        tx.conn(),
        company.id,
        "gusto",
        "Gusto",
        &json!({}),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    maestro_store::connections::save_credential(
        tx.conn(),
        company.id,
        conn.id,
        "oauth2",
        &Sensitive::new(json!({"refresh_token": "rt-SECRET-5521"})),
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let p = Provenance::new(conn.id, "gusto", "e-1");
    maestro_store::records::put(
        tx.conn(),
        &RecordWrite {
            company_id: company.id,
            kind: EntityKind::Employee,
            provenance: &p,
            data: &json!({"ssn": "987-65-4321"}),
            raw: &maestro_core::model::RawPayload::from(json!({"ssn": "987-65-4321"})),
            sync_run_id: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let store = Store::open(dir.path(), &Unlock::passphrase(Passphrase::new(PASS)))
        .await
        .unwrap();
    let store = store
        .rekey(NewKey::Passphrase(Passphrase::new(
            "the rotated passphrase",
        )))
        .await
        .unwrap();
    store.close().await;

    let KeyMeta::Passphrase { kdf } = Layout::new(dir.path()).read_meta().unwrap().key else {
        panic!()
    };
    let key_hex = kdf
        .derive(&Passphrase::new("the rotated passphrase"))
        .unwrap()
        .to_hex();
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("sqlx") || log.contains("created encrypted store"),
        "capture is live: {log}"
    );
    assert!(log.len() > 200);
    for secret in [
        PASS,
        "the rotated passphrase",
        key_hex.as_str(),
        &key_hex[..16],
        "rt-SECRET-5521",
        "987-65-4321",
    ] {
        assert!(!log.contains(secret), "log leaks {secret}:\n{log}");
    }
}
