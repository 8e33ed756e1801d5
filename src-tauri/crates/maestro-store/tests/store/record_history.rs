use maestro_store::records::Change;

use super::*;

#[tokio::test]
async fn every_change_is_a_new_version_and_point_in_time_reads_work() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;

    let a = put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    assert_eq!((a.change, a.version), (Change::Created, 1));
    let same = put_employee(&store, &fx, "e-1", "Baker", t(2)).await;
    assert_eq!((same.change, same.version), (Change::Unchanged, 1));
    let b = put_employee(&store, &fx, "e-1", "Head Baker", t(3)).await;
    assert_eq!((b.change, b.version), (Change::Updated, 2));
    assert_eq!(a.record_id, b.record_id);

    let mut conn = store.pool().acquire().await.unwrap();
    let history = records::history(&mut conn, fx.company, a.record_id)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].valid_to, Some(t(3)));
    assert_eq!(history[1].valid_from, t(3));
    assert_eq!(history[1].valid_to, None);

    let at_2 = records::as_of(&mut conn, fx.company, Some(EntityKind::Employee), t(2))
        .await
        .unwrap();
    assert_eq!(at_2.len(), 1);
    assert_eq!(at_2[0].data["job_title"], "Baker");
    let at_3 = records::as_of(&mut conn, fx.company, None, t(3))
        .await
        .unwrap();
    assert_eq!(at_3[0].data["job_title"], "Head Baker");
    let before = records::as_of(&mut conn, fx.company, None, t(0))
        .await
        .unwrap();
    assert!(before.is_empty());
}

#[tokio::test]
async fn deletions_are_tombstone_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    let a = put_employee(&store, &fx, "e-1", "Baker", t(1)).await;
    put_employee(&store, &fx, "e-2", "Baker", t(1)).await;

    let provenance = Provenance::new(fx.connection, "bamboohr", "e-1");
    let mut tx = store.write().await.unwrap();
    let out = records::mark_deleted(
        tx.conn(),
        fx.company,
        &provenance,
        EntityKind::Employee,
        None,
        t(5),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((out.change, out.version), (Change::Deleted, 2));

    assert_eq!(current(&store, fx.company).await.len(), 1);
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(
        records::as_of(&mut conn, fx.company, None, t(4))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        records::as_of(&mut conn, fx.company, None, t(5))
            .await
            .unwrap()
            .len(),
        1
    );
    let history = records::history(&mut conn, fx.company, a.record_id)
        .await
        .unwrap();
    assert!(history[1].deleted);
    drop(conn);

    // Seen again at the provider: it comes back as a new version.
    let back = put_employee(&store, &fx, "e-1", "Baker", t(6)).await;
    assert_eq!((back.change, back.version), (Change::Updated, 3));
}

#[tokio::test]
async fn companies_are_never_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let acme = fixture(&store, "Acme").await;
    let globex = fixture(&store, "Globex").await;
    put_employee(&store, &acme, "e-1", "Baker", t(1)).await;
    put_employee(&store, &acme, "e-2", "Baker", t(1)).await;
    let g = put_employee(&store, &globex, "e-1", "Welder", t(1)).await;

    assert_eq!(current(&store, acme.company).await.len(), 2);
    let globex_rows = current(&store, globex.company).await;
    assert_eq!(globex_rows.len(), 1);
    assert_eq!(globex_rows[0].data["job_title"], "Welder");

    let mut conn = store.pool().acquire().await.unwrap();
    // A record id of one company is invisible through another company.
    assert!(
        records::history(&mut conn, acme.company, g.record_id)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = records::counts(&mut conn, acme.company).await.unwrap();
    assert_eq!(counts, vec![(EntityKind::Employee, 2)]);
}

#[tokio::test]
async fn reopening_returns_every_record_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    for i in 0..300 {
        put_employee(&store, &fx, &format!("e-{i}"), "Baker", t(1)).await;
    }
    for i in 0..100 {
        put_employee(&store, &fx, &format!("e-{i}"), "Head Baker", t(2)).await;
    }
    let before = current(&store, fx.company).await;
    store.close().await;

    let store = reopen(dir.path()).await.unwrap();
    let after = current(&store, fx.company).await;
    assert_eq!(before, after);
    assert_eq!(after.len(), 300);
    assert_eq!(after.iter().filter(|r| r.version == 2).count(), 100);
}

#[tokio::test]
async fn credentials_stay_inside_the_database_and_are_scoped() {
    use maestro_core::sensitive::Sensitive;
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    let other = fixture(&store, "Globex").await;
    let secret = Sensitive::new(json!({"api_key": "bamboo-secret-0042"}));
    let mut tx = store.write().await.unwrap();
    maestro_store::connections::save_credential(
        tx.conn(),
        fx.company,
        fx.connection,
        "api_key",
        &secret,
        None,
        t(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let (kind, loaded) =
        maestro_store::connections::load_credential(&mut conn, fx.company, fx.connection)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(kind, "api_key");
    assert_eq!(loaded.expose()["api_key"], "bamboo-secret-0042");
    assert!(!format!("{loaded:?}").contains("bamboo-secret"));
    assert!(
        maestro_store::connections::load_credential(&mut conn, other.company, fx.connection)
            .await
            .unwrap()
            .is_none()
    );
    drop(conn);
    store.close().await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        // SQLite may remove its -wal/-shm side files between listing and reading.
        let Ok(bytes) = std::fs::read(entry.unwrap().path()) else {
            continue;
        };
        assert!(!String::from_utf8_lossy(&bytes).contains("bamboo-secret-0042"));
    }
}

/// A store written before payloads were hashed as text (and before versions were compressed)
/// holds other hashes and plain TEXT columns: its records read back, and the next sync of the
/// same content adds no version, it only brings the hash up to date.
#[tokio::test]
async fn older_hashes_and_plain_text_rows_add_no_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    let a = put_employee(&store, &fx, "e-1", "Baker", t(1)).await;

    // What an earlier store holds: another hash, the texts uncompressed and keys reordered.
    let mut tx = store.write().await.unwrap();
    sqlx::query("UPDATE records SET content_hash = 'from-an-earlier-scheme' WHERE record_id = ?1")
        .bind(a.record_id.to_string())
        .execute(tx.conn())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE record_versions SET data = ?1, raw = ?2 WHERE record_id = ?3 AND version = 1",
    )
    .bind(r#"{"ssn":"123-45-6789","remote_id":"e-1","job_title":"Baker"}"#)
    .bind(r#"{"jobTitle":"Baker","id":"e-1"}"#)
    .bind(a.record_id.to_string())
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let same = put_employee(&store, &fx, "e-1", "Baker", t(2)).await;
    assert_eq!((same.change, same.version), (Change::Unchanged, 1));
    // The hash is the current scheme's now: the next identical put takes the fast path.
    let hash: String = sqlx::query_scalar("SELECT content_hash FROM records WHERE record_id = ?1")
        .bind(a.record_id.to_string())
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_ne!(hash, "from-an-earlier-scheme");
    let stored = current(&store, fx.company).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, 1);
    assert_eq!(stored[0].data["job_title"], "Baker");
    assert_eq!(stored[0].raw.get("jobTitle"), Some(json!("Baker")));

    // A real change still versions.
    let b = put_employee(&store, &fx, "e-1", "Head Baker", t(3)).await;
    assert_eq!((b.change, b.version), (Change::Updated, 2));
}

#[tokio::test]
async fn for_each_current_hands_over_every_live_record_once_in_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    // Two full pages of live employees (the fold reads 1,000 at a time), one deleted, and a
    // record of another kind.
    let mut tx = store.write().await.unwrap();
    for i in 0..=2_000 {
        let remote_id = format!("e-{i}");
        let data = json!({"remote_id": remote_id, "job_title": "Baker"});
        let raw = json!({"id": remote_id});
        put_in(
            tx.conn(),
            &fx,
            EntityKind::Employee,
            &remote_id,
            data,
            raw,
            t(1),
        )
        .await;
    }
    let gone = Provenance::new(fx.connection, "bamboohr", "e-7");
    records::mark_deleted(
        tx.conn(),
        fx.company,
        &gone,
        EntityKind::Employee,
        None,
        t(2),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    put_employee(&store, &fx, "e-1", "Head Baker", t(3)).await;
    let mut tx = store.write().await.unwrap();
    let (data, raw) = (json!({"name": "Bakery"}), json!({"id": "d-1"}));
    put_in(
        tx.conn(),
        &fx,
        EntityKind::Department,
        "d-1",
        data,
        raw,
        t(3),
    )
    .await;
    tx.commit().await.unwrap();

    let mut conn = store.pool().acquire().await.unwrap();
    let mut seen = Vec::new();
    records::for_each_current(&mut conn, fx.company, EntityKind::Employee, |r| {
        seen.push(r);
        Ok::<_, maestro_store::StoreError>(())
    })
    .await
    .unwrap();
    assert_eq!(seen.len(), 2_000);
    assert!(seen.windows(2).all(|w| w[0].record_id < w[1].record_id));
    assert!(
        seen.iter()
            .all(|r| r.kind == EntityKind::Employee && !r.deleted)
    );
    assert!(!seen.iter().any(|r| r.remote_id == "e-7"));
    // A changed record comes as its current version.
    let e1 = seen.iter().find(|r| r.remote_id == "e-1").unwrap();
    assert_eq!(
        (e1.version, &e1.data["job_title"]),
        (2, &json!("Head Baker"))
    );

    // An error from the caller stops the walk and is returned as it is.
    let mut visited = 0;
    let stopped = records::for_each_current(&mut conn, fx.company, EntityKind::Employee, |_| {
        visited += 1;
        if visited == 1_500 {
            return Err(maestro_store::StoreError::Invalid("enough".into()));
        }
        Ok(())
    })
    .await;
    assert!(matches!(stopped, Err(maestro_store::StoreError::Invalid(m)) if m == "enough"));
    assert_eq!(visited, 1_500);
}

#[tokio::test]
async fn entities_read_straight_from_their_text_equal_those_read_through_json_values() {
    use maestro_core::model::TimeEntry;
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    // A page and a bit, with every kind of field: exact decimals, money, times, empty options.
    let mut tx = store.write().await.unwrap();
    for i in 0..1_003_u32 {
        let mut entry: TimeEntry = serde_json::from_value(json!({
            "provenance": {
                "connection_id": fx.connection,
                "provider": "harvest",
                "remote_id": format!("te-{i}"),
            },
            "company_id": fx.company,
            "employee_remote_id": format!("u-{}", i % 7),
            "work_date": "2026-11-02",
            "started_at": if i % 2 == 0 { json!("2026-11-02T09:00:00Z") } else { json!(null) },
            "ended_at": null,
            "time_zone": "America/New_York",
            "hours": format!("{}.{:02}", i % 13, i % 100),
            "project_name": if i % 3 == 0 { json!(null) } else { json!("Bakery fit-out") },
            "notes": "crème brûlée, \"quoted\"",
            "billable": i % 5 == 0,
            "rate": {"amount": "127.50", "currency": "EUR"},
        }))
        .unwrap();
        entry.raw = maestro_core::model::RawPayload::from(json!({"id": i, "is_running": false}));
        records::put_entity(tx.conn(), fx.company, &entry, None, t(1))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut conn = store.pool().acquire().await.unwrap();
    let mut through_values = Vec::new();
    records::for_each_current(&mut conn, fx.company, EntityKind::TimeEntry, |r| {
        let at = records::StoredAt {
            record_id: r.record_id,
            connection_id: r.connection_id,
            version: r.version,
        };
        through_values.push((at, r.entity::<TimeEntry>()?));
        Ok::<_, maestro_store::StoreError>(())
    })
    .await
    .unwrap();
    let straight = time_entries(&mut conn, fx.company, records::Payload::Read).await;
    assert_eq!(straight.len(), 1_003);
    assert!(straight == through_values, "the two readings differ");
    assert_eq!(straight[0].1.raw.get("is_running"), Some(json!(false)));

    // Without the payload: the same entities, their payload left null.
    let without = time_entries(&mut conn, fx.company, records::Payload::Skip).await;
    let payloads_left_out: Vec<_> = through_values
        .into_iter()
        .map(|(at, mut e)| {
            e.raw = maestro_core::model::RawPayload::null();
            (at, e)
        })
        .collect();
    assert!(
        without == payloads_left_out,
        "the readings without payload differ"
    );
}

/// Every current time entry of `company`, read straight from its text.
async fn time_entries(
    conn: &mut maestro_store::sqlx::SqliteConnection,
    company: CompanyId,
    payload: records::Payload,
) -> Vec<(records::StoredAt, maestro_core::model::TimeEntry)> {
    let mut out = Vec::new();
    records::for_each_current_entity(
        conn,
        company,
        payload,
        |at, e: maestro_store::Result<maestro_core::model::TimeEntry>| {
            out.push((at, e?));
            Ok::<_, maestro_store::StoreError>(())
        },
    )
    .await
    .unwrap();
    out
}
