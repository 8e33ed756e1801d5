use maestro_store::audit::{self, AuditEvent, ChainBreak};

use super::*;

async fn store_with_entries(dir: &Path, n: i64) -> Store {
    store_with_audit(
        dir,
        (0..n).map(|i| {
            (
                AuditEvent::new("cli", "records.export", "employee")
                    .records(i)
                    .detail(json!({"format": "csv", "n": i})),
                t(i as u32 % 60),
            )
        }),
    )
    .await
}

/// Tampering needs the key and the append-only triggers removed: what an attacker would do.
async fn tamper(store: &Store, sql: &str) {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_delete")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
}

#[tokio::test]
async fn an_intact_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 20).await;
    let v = verify_chain(&store).await;
    assert!(v.is_intact(), "{:?}", v.breaks);
    assert_eq!(v.entries, 20);
}

#[tokio::test]
async fn the_log_is_append_only_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 3).await;
    let err = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
    let err = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[tokio::test]
async fn an_edited_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 10).await;
    tamper(
        &store,
        "UPDATE audit_log SET record_count = 999 WHERE seq = 4",
    )
    .await;
    let v = verify_chain(&store).await;
    assert_eq!(v.breaks, vec![ChainBreak::Edited { seq: 4 }]);
    assert_eq!(
        v.breaks[0].to_string(),
        "entry #4 was edited: its contents no longer match its hash"
    );
}

#[tokio::test]
async fn a_removed_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq = 6").await;
    let v = verify_chain(&store).await;
    assert_eq!(
        v.breaks,
        vec![ChainBreak::Removed {
            first_missing: 6,
            count: 1
        }]
    );
    assert_eq!(v.breaks[0].to_string(), "entry #6 was removed");
}

#[tokio::test]
async fn a_removed_tail_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 10).await;
    tamper(&store, "DELETE FROM audit_log WHERE seq >= 9").await;
    let v = verify_chain(&store).await;
    assert_eq!(
        v.breaks,
        vec![ChainBreak::TailRemoved {
            last_present: 8,
            recorded_head: 10
        }]
    );
}

#[tokio::test]
async fn swapped_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_entries(dir.path(), 10).await;
    tamper(
        &store,
        "UPDATE audit_log SET seq = -1 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 4;
         UPDATE audit_log SET seq = 4 WHERE seq = -1;",
    )
    .await;
    let v = verify_chain(&store).await;
    assert_eq!(
        v.breaks,
        vec![
            ChainBreak::OutOfOrder {
                seq: 3,
                belongs_after: Some(4)
            },
            ChainBreak::OutOfOrder {
                seq: 4,
                belongs_after: Some(2)
            },
            ChainBreak::OutOfOrder {
                seq: 5,
                belongs_after: Some(3)
            },
        ]
    );
    assert_eq!(
        v.breaks[0].to_string(),
        "entry #3 is out of order: it was written after entry #4"
    );
}

#[tokio::test]
async fn appends_from_many_tasks_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_passphrase_store(dir.path()).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for j in 0..10 {
                let mut tx = store.write().await.unwrap();
                audit::append(
                    tx.conn(),
                    &AuditEvent::new("sync", "sync.read", &format!("{i}-{j}")),
                    t(1),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let v = verify_chain(&store).await;
    assert!(v.is_intact(), "{:?}", v.breaks);
    assert_eq!(v.entries, 80);
}
