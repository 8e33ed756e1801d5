//! Audit entries an erasure blanks: the chain still verifies, the blanking is the only change
//! the log allows, and a blanked entry whose fixed fields were then edited (or a scheme 1 entry
//! blanked without an erasure listing it) is still caught.

use maestro_store::audit::{self, AuditEvent, ChainBreak, ERASURE_ACTION};

use super::*;

async fn store_with(dir: &Path, targets: &[&str]) -> Store {
    store_with_audit(
        dir,
        targets.iter().enumerate().map(|(i, target)| {
            (
                AuditEvent::new("owner", "outbox.approve", target)
                    .detail(json!({ "summary": target, "n": i })),
                t(i as u32),
            )
        }),
    )
    .await
}

#[tokio::test]
async fn blanked_words_keep_the_chain_and_nothing_else_may_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(
        dir.path(),
        &[
            "Create Ada Lovelace in Gusto",
            "Create Grace Hopper in Gusto",
            "x",
        ],
    )
    .await;
    let mut conn = store.pool().acquire().await.unwrap();
    audit::erase_words(&mut conn, 1, "erasure-1").await.unwrap();
    let entries = audit::page(&mut conn, 0, 10).await.unwrap();
    assert_eq!(entries[0].target, audit::ERASED_TARGET);
    assert_eq!(entries[0].detail, json!("[erased]"));
    assert!(!format!("{entries:?}").contains("Lovelace"));
    assert!(format!("{entries:?}").contains("Hopper"));
    drop(conn);
    assert!(verify_chain(&store).await.is_intact());

    // The trigger allows nothing else: not an edit of the words, nor of a blanked entry.
    let mut conn = store.pool().acquire().await.unwrap();
    for sql in [
        "UPDATE audit_log SET target = 'Create Someone Else' WHERE seq = 2",
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "UPDATE audit_log SET target = '[erased]', detail = '\"[erased]\"', salt = NULL WHERE seq = 2",
    ] {
        let err = sqlx::query(sql).execute(&mut *conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }

    // An attacker who drops the trigger: editing a blanked entry's fixed fields is caught,
    // and so is blanking words without keeping their digests.
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET record_count = 7 WHERE seq = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET target = 'Create Someone Else' WHERE seq = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let v = verify_chain(&store).await;
    assert_eq!(
        v.breaks,
        vec![ChainBreak::Edited { seq: 1 }, ChainBreak::Edited { seq: 2 }]
    );
}

#[tokio::test]
async fn a_scheme_1_entry_blanked_counts_only_when_an_erasure_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), &["Create Ada Lovelace in Gusto", "y"]).await;
    let mut conn = store.pool().acquire().await.unwrap();
    // Written before the digests existed: what a store migrated from an earlier version holds.
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE audit_log SET scheme = 1, target = '[erased]', detail = '\"[erased]\"',
             salt = NULL, erased_by = 'e-1' WHERE seq = 1",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(
        verify_chain(&store).await.breaks,
        vec![ChainBreak::Edited { seq: 1 }]
    );
    let mut tx = store.write().await.unwrap();
    audit::append(
        tx.conn(),
        &AuditEvent::new("owner", ERASURE_ACTION, "e-1").detail(json!({ "blanked_entries": [1] })),
        t(5),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let v = verify_chain(&store).await;
    assert!(v.is_intact(), "{:?}", v.breaks);
}
