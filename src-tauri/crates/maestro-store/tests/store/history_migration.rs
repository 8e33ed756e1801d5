//! Migration 0014 (versions without their end, company and kind; records without their
//! first-seen and updated times) on a store written by the schema before it.

use maestro_core::ids::RecordId;
use maestro_store::person_records;
use maestro_store::time::fmt_ts;
use sqlx::{Connection, SqliteConnection};

use super::*;

/// One version as the schema before 0014 stored it.
struct OldVersion {
    record: RecordId,
    version: i64,
    from: u32,
    to: Option<u32>,
    deleted: bool,
    title: &'static str,
}

#[tokio::test]
async fn history_written_before_versions_lost_their_end_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    maestro_store::testing::create_partially_migrated(dir.path(), NewKey::Passphrase(pass()), 13)
        .await
        .unwrap();
    let company = CompanyId::new();
    let connection = ConnectionId::new();
    let (live, gone) = (RecordId::new(), RecordId::new());
    let versions = [
        OldVersion {
            record: live,
            version: 1,
            from: 1,
            to: Some(3),
            deleted: false,
            title: "Baker",
        },
        OldVersion {
            record: live,
            version: 2,
            from: 3,
            to: None,
            deleted: false,
            title: "Head Baker",
        },
        OldVersion {
            record: gone,
            version: 1,
            from: 2,
            to: Some(4),
            deleted: false,
            title: "Cook",
        },
        OldVersion {
            record: gone,
            version: 2,
            from: 4,
            to: None,
            deleted: true,
            title: "Cook",
        },
    ];
    {
        let opts = super::encryption::raw_options(dir.path()).await;
        let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::query("INSERT INTO companies (id, name, created_at) VALUES (?1, 'Acme', ?2)")
            .bind(company.to_string())
            .bind(fmt_ts(t(0)))
            .execute(&mut conn)
            .await
            .unwrap();
        for (id, remote, deleted, first, last) in [(live, "e-1", 0, 1, 3), (gone, "e-2", 1, 2, 4)] {
            sqlx::query(
                "INSERT INTO records (record_id, company_id, kind, connection_id, provider,
                     remote_id, current_version, content_hash, deleted, remote_modified_at,
                     first_seen_at, updated_at)
                 VALUES (?1, ?2, 'employee', ?3, 'gusto', ?4, 2, 'h2', ?5, NULL, ?6, ?7)",
            )
            .bind(id.to_string())
            .bind(company.to_string())
            .bind(connection.to_string())
            .bind(remote)
            .bind(deleted)
            .bind(fmt_ts(t(first)))
            .bind(fmt_ts(t(last)))
            .execute(&mut conn)
            .await
            .unwrap();
        }
        for v in &versions {
            sqlx::query(
                "INSERT INTO record_versions (record_id, version, company_id, kind, valid_from,
                     valid_to, deleted, remote_modified_at, sync_run_id, content_hash, data, raw)
                 VALUES (?1, ?2, ?3, 'employee', ?4, ?5, ?6, NULL, 'run-1', ?7, ?8, '{\"id\":1}')",
            )
            .bind(v.record.to_string())
            .bind(v.version)
            .bind(company.to_string())
            .bind(fmt_ts(t(v.from)))
            .bind(v.to.map(|m| fmt_ts(t(m))))
            .bind(i64::from(v.deleted))
            .bind(format!("h{}", v.version))
            .bind(json!({ "job_title": v.title }).to_string())
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();
    }

    let store = reopen(dir.path()).await.unwrap();
    assert!(store.integrity_problems().await.unwrap().is_empty());
    let mut conn = store.pool().acquire().await.unwrap();
    for record in [live, gone] {
        let history = records::history(&mut conn, company, record).await.unwrap();
        let expected: Vec<_> = versions.iter().filter(|v| v.record == record).collect();
        assert_eq!(history.len(), expected.len());
        for (read, old) in history.iter().zip(expected) {
            assert_eq!(read.version, old.version);
            assert_eq!(read.valid_from, t(old.from));
            assert_eq!(read.valid_to, old.to.map(t));
            assert_eq!(read.deleted, old.deleted);
            assert_eq!(read.data["job_title"], old.title);
            assert_eq!(read.company_id, company);
            assert_eq!(read.kind, EntityKind::Employee);
        }
    }
    let pool = store.pool();
    let titles_at = |minute| {
        let at = t(minute);
        async move {
            let mut conn = pool.acquire().await.unwrap();
            let read = records::as_of(&mut conn, company, Some(EntityKind::Employee), at)
                .await
                .unwrap();
            let all = records::as_of(&mut conn, company, None, at).await.unwrap();
            assert_eq!(read, all, "as of minute {minute}");
            read.iter()
                .map(|r| {
                    (
                        r.record_id,
                        r.data["job_title"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let mut both = vec![(live, "Baker".to_owned()), (gone, "Cook".to_owned())];
    both.sort();
    assert_eq!(titles_at(0).await, vec![]);
    assert_eq!(titles_at(1).await, vec![(live, "Baker".to_owned())]);
    assert_eq!(titles_at(2).await, both);
    let mut later = vec![(live, "Head Baker".to_owned()), (gone, "Cook".to_owned())];
    later.sort();
    assert_eq!(titles_at(3).await, later);
    assert_eq!(titles_at(4).await, vec![(live, "Head Baker".to_owned())]);

    let seen = person_records::seen(&mut conn, company, live)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.first_seen_at, t(1));
    let sources = person_records::version_sources(&mut conn, company, gone)
        .await
        .unwrap();
    let hashes: Vec<_> = sources.iter().map(|s| s.content_hash.as_str()).collect();
    assert_eq!(hashes, ["h1", "h2"]);
    assert_eq!(
        records::counts(&mut conn, company).await.unwrap(),
        vec![(EntityKind::Employee, 1)]
    );
}
