//! Compression dictionaries across processes: a process that did not learn a stream's
//! dictionary still reads what it packed, and a reopened store goes on using it. Its own test
//! binary, because it resets the process-wide registry.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{TimeZone, Utc};
use maestro_core::model::{CanonicalRecord, Department, EntityKind, Provenance};
use maestro_store::{NewKey, Passphrase, Store, Unlock, batch, packed, records};
use serde_json::json;
use sqlx::Row;

const PASSPHRASE: &str = "correct horse battery staple";

fn departments(
    company: maestro_core::ids::CompanyId,
    connection: maestro_core::ids::ConnectionId,
    from: u32,
) -> Vec<CanonicalRecord> {
    (from..from + 40)
        .map(|i| {
            let name = format!("Bakery floor team number {i}, morning shift");
            CanonicalRecord::Department(Department {
                provenance: Provenance::new(connection, "bamboohr", format!("d-{i}")),
                company_id: company,
                name: name.clone(),
                parent_remote_id: None,
                raw: json!({"id": format!("d-{i}"), "name": name, "archived": false,
                            "description": "Everyone who works the ovens before the shop opens"})
                .into(),
            })
        })
        .collect()
}

#[tokio::test]
async fn another_process_reads_and_reuses_a_learned_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let unlock = Unlock::passphrase(Passphrase::new(PASSPHRASE));
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let store = Store::create(dir.path(), NewKey::Passphrase(Passphrase::new(PASSPHRASE)))
        .await
        .unwrap();
    let mut tx = store.write().await.unwrap();
    let company = maestro_store::companies::insert(tx.conn(), "Acme", at)
        .await
        .unwrap();
    let connection = maestro_store::connections::insert(
        tx.conn(),
        company.id,
        "bamboohr",
        "BambooHR",
        &json!({}),
        at,
    )
    .await
    .unwrap()
    .id;
    batch::put_many(tx.conn(), &departments(company.id, connection, 0), None, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let dictionaries = || async {
        sqlx::query("SELECT column_name FROM pack_dictionaries ORDER BY column_name")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(dictionaries().await, ["data", "raw"]);
    let packed_raw: Vec<u8> = sqlx::query_scalar("SELECT raw FROM record_versions LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        &packed_raw[..2],
        b"\0D",
        "packed against the stream's dictionary"
    );

    // A process that never saw the dictionary (another one wrote the page) reads it back.
    packed::forget_all();
    let mut conn = store.pool().acquire().await.unwrap();
    let page = records::current_page(
        &mut conn,
        company.id,
        Some(EntityKind::Department),
        None,
        100,
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(page.len(), 40);
    assert!(
        page.iter()
            .any(|r| r.data["name"] == "Bakery floor team number 7, morning shift")
    );
    assert_eq!(page[0].raw.get("archived"), Some(json!(false)));
    store.close().await;

    // Reopened in a fresh process, the next page is packed against the same dictionaries.
    packed::forget_all();
    let store = Store::open(dir.path(), &unlock).await.unwrap();
    let mut tx = store.write().await.unwrap();
    batch::put_many(
        tx.conn(),
        &departments(company.id, connection, 40),
        None,
        at,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM pack_dictionaries")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(count, 2, "no second dictionary for the same streams");

    // A changed record (stored one by one, as changes are) is packed against them too.
    let mut changed = departments(company.id, connection, 0);
    changed.truncate(1);
    if let CanonicalRecord::Department(d) = &mut changed[0] {
        d.name = "Bakery floor team number 0, evening shift".into();
        d.raw = json!({"id": "d-0", "name": d.name, "archived": false,
                       "description": "Everyone who works the ovens after the shop closes"})
        .into();
    }
    let mut tx = store.write().await.unwrap();
    let out = batch::put_many(tx.conn(), &changed, None, at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(out[0].version, 2);
    let packed_raw: Vec<u8> =
        sqlx::query_scalar("SELECT raw FROM record_versions WHERE version = 2")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(&packed_raw[..2], b"\0D");
    let mut conn = store.pool().acquire().await.unwrap();
    let page = records::current_page(&mut conn, company.id, None, None, 100)
        .await
        .unwrap();
    assert_eq!(page.len(), 80);
}
