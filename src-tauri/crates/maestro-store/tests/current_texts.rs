//! The streamed walks of current texts (`current_texts`): exactly the
//! current, live records of one kind, in record-id order, each with its current version's
//! canonical text, also when this process has not loaded the dictionaries the texts were
//! packed against; an error from the reader stops it. Its own test binary, because it resets
//! the process-wide dictionary registry.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{TimeZone, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{CanonicalRecord, Department, EntityKind, Provenance};
use maestro_store::records::StoredAt;
use maestro_store::{NewKey, Passphrase, Store, StoreError, batch, current_texts, packed, records};
use serde_json::{Value, json};

fn department(
    company: CompanyId,
    connection: ConnectionId,
    i: u32,
    shift: &str,
) -> CanonicalRecord {
    let name = format!("Bakery floor team \"{i}\", {shift} shift");
    CanonicalRecord::Department(Department {
        provenance: Provenance::new(connection, "bamboohr", format!("d-{i}")),
        company_id: company,
        name: name.clone(),
        parent_remote_id: None,
        raw: json!({"id": format!("d-{i}"), "name": name, "archived": false}).into(),
    })
}

/// Every text the walk hands over, with where it is stored.
async fn walk(store: &Store, company: CompanyId, kind: EntityKind) -> Vec<(StoredAt, Value)> {
    let mut conn = store.pool().acquire().await.unwrap();
    let mut out = Vec::new();
    current_texts::for_each_current_text(&mut conn, company, kind, |at, text| {
        out.push((at, serde_json::from_str(text).unwrap()));
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    out
}

#[tokio::test]
async fn the_walk_hands_over_each_current_live_text_in_order_with_dictionaries_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let store = Store::create(
        dir.path(),
        NewKey::Passphrase(Passphrase::new("correct horse battery staple")),
    )
    .await
    .unwrap();
    let mut tx = store.write().await.unwrap();
    let company = maestro_store::companies::insert(tx.conn(), "Acme", at)
        .await
        .unwrap();
    let other = maestro_store::companies::insert(tx.conn(), "Other", at)
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
    // More than the driver's row channel holds, in pages as a sync stores them.
    for page in 0..4 {
        let records: Vec<_> = (page * 40..page * 40 + 40)
            .map(|i| department(company.id, connection, i, "morning"))
            .collect();
        batch::put_many(tx.conn(), &records, None, at)
            .await
            .unwrap();
    }
    // Another company's record of the same kind is not part of the walk.
    let elsewhere = department(other.id, connection, 0, "morning");
    records::put_canonical(tx.conn(), &elsewhere, None, at)
        .await
        .unwrap();
    // One record changed (its second version is the current one), one deleted.
    records::put_canonical(
        tx.conn(),
        &department(company.id, connection, 7, "evening"),
        None,
        at,
    )
    .await
    .unwrap();
    let gone = records::mark_deleted(
        tx.conn(),
        company.id,
        &Provenance::new(connection, "bamboohr", "d-8"),
        EntityKind::Department,
        None,
        at,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();

    // What the full reading of current records gives.
    let mut conn = store.pool().acquire().await.unwrap();
    let mut expected = Vec::new();
    records::for_each_current(&mut conn, company.id, EntityKind::Department, |r| {
        let at = StoredAt {
            record_id: r.record_id,
            connection_id: r.connection_id,
            version: r.version,
        };
        expected.push((at, r.data));
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    drop(conn);
    assert_eq!(expected.len(), 159);
    assert!(
        expected
            .iter()
            .all(|(at, _)| at.record_id != gone.record_id)
    );
    let changed = expected
        .iter()
        .find(|(_, data)| data["name"] == "Bakery floor team \"7\", evening shift")
        .unwrap();
    assert_eq!(changed.0.version, 2);

    let walked = walk(&store, company.id, EntityKind::Department).await;
    assert!(walked == expected, "the walk differs from the full reading");
    let ids: Vec<RecordId> = walked.iter().map(|(at, _)| at.record_id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "record-id order");
    assert!(
        walk(&store, company.id, EntityKind::Employee)
            .await
            .is_empty()
    );

    // A process that never loaded the dictionaries (another one wrote the pages) reads the
    // same texts: the walk loads them and goes on from where it stopped.
    let packed_data: Vec<u8> =
        maestro_store::sqlx::query_scalar("SELECT data FROM record_versions WHERE record_id = ?1")
            .bind(ids[100].to_string())
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(&packed_data[..2], b"\0D", "packed against a dictionary");
    packed::forget_all();
    assert!(packed::needs_load(&packed_data));
    assert!(walk(&store, company.id, EntityKind::Department).await == expected);

    // Folded in two halves on two connections: each half in order, together all of them.
    let (mut first, mut second) = (
        store.pool().acquire().await.unwrap(),
        store.pool().acquire().await.unwrap(),
    );
    let (low, high) = current_texts::fold_current_texts_in_halves(
        &mut first,
        &mut second,
        company.id,
        EntityKind::Department,
        Vec::new,
        |acc, at, text| {
            acc.push((at, serde_json::from_str::<Value>(text).unwrap()));
            Ok::<_, StoreError>(())
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (low.len(), high.len()),
        (80, 79),
        "split at the middle record"
    );
    let together: Vec<_> = low.into_iter().chain(high).collect();
    assert!(
        together == expected,
        "the halves differ from the full reading"
    );
    let (none, nothing) = current_texts::fold_current_texts_in_halves(
        &mut first,
        &mut second,
        company.id,
        EntityKind::Employee,
        Vec::new,
        |acc, _, _| {
            acc.push(());
            Ok::<_, StoreError>(())
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty() && nothing.is_empty());
    drop((first, second));

    // An error from the reader stops the walk.
    let mut conn = store.pool().acquire().await.unwrap();
    let mut seen = 0;
    let stopped = current_texts::for_each_current_text(
        &mut conn,
        company.id,
        EntityKind::Department,
        |_, _| {
            seen += 1;
            Err(StoreError::Invalid("stop".into()))
        },
    )
    .await;
    assert!(matches!(stopped, Err(StoreError::Invalid(_))));
    assert_eq!(seen, 1);
}
