use maestro_core::model::{CanonicalRecord, Department};
use maestro_store::records::Change;
use maestro_store::{batch, packed};

use super::*;

fn dept(fx: &Fixture, remote_id: &str, name: &str) -> CanonicalRecord {
    CanonicalRecord::Department(Department {
        provenance: Provenance::new(fx.connection, "bamboohr", remote_id),
        company_id: fx.company,
        name: name.into(),
        parent_remote_id: None,
        raw: json!({"id": remote_id, "name": name}).into(),
    })
}

async fn store_page(
    store: &Store,
    page: &[CanonicalRecord],
    run: &str,
    at: chrono::DateTime<chrono::Utc>,
    batched: bool,
) -> Vec<Change> {
    let mut tx = store.write().await.unwrap();
    let out = if batched {
        batch::put_many(tx.conn(), page, Some(run), at)
            .await
            .unwrap()
    } else {
        let mut v = Vec::new();
        for r in page {
            v.push(
                records::put_canonical(tx.conn(), r, Some(run), at)
                    .await
                    .unwrap(),
            );
        }
        v
    };
    tx.commit().await.unwrap();
    out.into_iter().map(|o| o.change).collect()
}

/// Everything a reader could observe, without the random record ids.
async fn snapshot(store: &Store, fx: &Fixture) -> Vec<(String, i64, bool, String, Option<String>)> {
    let rows = sqlx::query(
        "SELECT r.remote_id, v.version, v.deleted, v.data,
             (SELECT n.valid_from FROM record_versions n
               WHERE n.record_id = v.record_id AND n.version = v.version + 1) AS valid_to,
             r.last_seen_run
         FROM record_versions v JOIN records r ON r.record_id = v.record_id
         WHERE r.company_id = ?1 ORDER BY r.remote_id, v.version",
    )
    .bind(fx.company.to_string())
    .fetch_all(store.pool())
    .await
    .unwrap();
    use sqlx::Row;
    rows.iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<i64, _>(1),
                r.get::<i64, _>(2) != 0,
                {
                    // The two stores' company and connection ids differ: compare the rest.
                    let mut data: serde_json::Value =
                        serde_json::from_str(&packed::unpack(r.get(3), "data").unwrap()).unwrap();
                    let map = data.as_object_mut().unwrap();
                    map.remove("provenance");
                    map.remove("company_id");
                    format!(
                        "{data}|{}",
                        r.get::<Option<String>, _>(5).unwrap_or_default()
                    )
                },
                r.get::<Option<String>, _>(4),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_batched_page_stores_exactly_what_one_by_one_puts_store() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let a = new_passphrase_store(a_dir.path()).await;
    let b = new_passphrase_store(b_dir.path()).await;
    let fa = fixture(&a, "Acme").await;
    let fb = fixture(&b, "Acme").await;
    // Same ids in both stores so the pages are identical.
    let pages = |fx: &Fixture| {
        let first: Vec<_> = (0..450)
            .map(|i| dept(fx, &format!("d{i:04}"), "Kitchen"))
            .collect();
        // Second page: 300 unchanged, 100 renamed, 50 new, and a repeat within the page.
        let mut second: Vec<_> = (0..300)
            .map(|i| dept(fx, &format!("d{i:04}"), "Kitchen"))
            .collect();
        second.extend((300..400).map(|i| dept(fx, &format!("d{i:04}"), "Front of House")));
        second.extend((450..500).map(|i| dept(fx, &format!("d{i:04}"), "Delivery")));
        let mut third = second.clone();
        third.push(dept(fx, "d0001", "Office"));
        (first, second, third)
    };
    let (a1, a2, a3) = pages(&fa);
    let (b1, b2, b3) = pages(&fb);
    let ca1 = store_page(&a, &a1, "run-1", t(1), true).await;
    let cb1 = store_page(&b, &b1, "run-1", t(1), false).await;
    let ca2 = store_page(&a, &a2, "run-2", t(2), true).await;
    let cb2 = store_page(&b, &b2, "run-2", t(2), false).await;
    assert_eq!(ca1, cb1);
    assert_eq!(ca2, cb2);
    assert_eq!(ca2.iter().filter(|c| **c == Change::Unchanged).count(), 300);
    assert_eq!(ca2.iter().filter(|c| **c == Change::Updated).count(), 100);
    assert_eq!(ca2.iter().filter(|c| **c == Change::Created).count(), 50);
    // A page repeating a remote id falls back to one-by-one, in order.
    let ca3 = store_page(&a, &a3, "run-3", t(3), true).await;
    let cb3 = store_page(&b, &b3, "run-3", t(3), false).await;
    assert_eq!(ca3, cb3);
    let (sa, sb) = (snapshot(&a, &fa).await, snapshot(&b, &fb).await);
    assert_eq!(sa.len(), sb.len());
    assert_eq!(
        sa.len(),
        500 + 100 + 1,
        "one version per record, a second for each change"
    );
    assert!(sa == sb, "batched and one-by-one stores differ");

    // Fourth page: ten deleted records come back, ten carry a hash from an earlier scheme
    // (same content), one changes back, the rest are unchanged.
    for (store, fx) in [(&a, &fa), (&b, &fb)] {
        let mut tx = store.write().await.unwrap();
        for i in 10..20 {
            let p = Provenance::new(fx.connection, "bamboohr", format!("d{i:04}"));
            records::mark_deleted(
                tx.conn(),
                fx.company,
                &p,
                EntityKind::Department,
                None,
                t(4),
            )
            .await
            .unwrap();
        }
        sqlx::query(
            "UPDATE records SET content_hash = 'from-an-earlier-scheme'
             WHERE remote_id BETWEEN 'd0020' AND 'd0029'",
        )
        .execute(tx.conn())
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let fourth = |fx: &Fixture| -> Vec<_> {
        (0..40)
            .map(|i| dept(fx, &format!("d{i:04}"), "Kitchen"))
            .collect()
    };
    let ca4 = store_page(&a, &fourth(&fa), "run-4", t(5), true).await;
    let cb4 = store_page(&b, &fourth(&fb), "run-4", t(5), false).await;
    assert_eq!(ca4, cb4);
    assert_eq!(ca4.iter().filter(|c| **c == Change::Updated).count(), 11);
    let (sa, sb) = (snapshot(&a, &fa).await, snapshot(&b, &fb).await);
    assert!(
        sa == sb,
        "batched and one-by-one stores differ after page 4"
    );
    let (ra, rb) = (current(&a, &fa).await, current(&b, &fb).await);
    assert!(
        ra == rb,
        "batched and one-by-one records differ after page 4"
    );
    assert!(
        ra.iter().all(|r| r.3 != "from-an-earlier-scheme"),
        "a hash from an earlier scheme was left"
    );
}

/// The records' own rows (current version, deletion, times, last run; the hash as
/// "recomputed" unless it is the earlier scheme's marker, since the stores' ids differ).
async fn current(
    store: &Store,
    fx: &Fixture,
) -> Vec<(
    String,
    i64,
    bool,
    String,
    Option<String>,
    String,
    Option<String>,
)> {
    use sqlx::Row;
    sqlx::query(
        "SELECT remote_id, current_version, deleted, content_hash, remote_modified_at,
                (SELECT v.valid_from FROM record_versions v
                  WHERE v.record_id = records.record_id AND v.version = records.current_version)
                  AS updated_at,
                last_seen_run
         FROM records WHERE company_id = ?1 ORDER BY remote_id",
    )
    .bind(fx.company.to_string())
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let hash: String = r.get(3);
        (
            r.get(0),
            r.get(1),
            r.get::<i64, _>(2) != 0,
            if hash == "from-an-earlier-scheme" {
                hash
            } else {
                "recomputed".to_owned()
            },
            r.get(4),
            r.get(5),
            r.get(6),
        )
    })
    .collect()
}

#[tokio::test]
async fn batched_and_one_by_one_hashes_agree_so_nothing_is_versioned_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let fx = fixture(&store, "Acme").await;
    let page: Vec<_> = (0..20)
        .map(|i| dept(&fx, &format!("d{i:02}"), "Kitchen"))
        .collect();
    // Stored batched, then seen again one by one: unchanged.
    assert!(
        store_page(&store, &page, "run-1", t(1), true)
            .await
            .iter()
            .all(|c| *c == Change::Created)
    );
    assert!(
        store_page(&store, &page, "run-2", t(2), false)
            .await
            .iter()
            .all(|c| *c == Change::Unchanged)
    );
    // Stored one by one, then seen again batched: unchanged.
    let more: Vec<_> = (20..40)
        .map(|i| dept(&fx, &format!("d{i:02}"), "Bar"))
        .collect();
    store_page(&store, &more, "run-3", t(3), false).await;
    assert!(
        store_page(&store, &more, "run-4", t(4), true)
            .await
            .iter()
            .all(|c| *c == Change::Unchanged)
    );
}
