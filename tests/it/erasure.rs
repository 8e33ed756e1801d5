//! Erasure of a person (issue 21, part 2) on the sandbox company synced from BambooHR, Gusto and
//! Harvest: after `erase_person` no byte of their name, emails, phone, SSN or birth date is left
//! in the store — every row of every table with packed values unpacked, a plain (decrypted)
//! copy of the whole database, and the encrypted file and its log — the audit chain verifies,
//! everyone else's records are unchanged, a later sync does not bring them back (it skips them
//! and tells the owner), and restoring a backup made before the erasure applies it again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::App;
use maestro_core::ids::RecordId;
use maestro_core::model::{EntityKind, Provenance};
use maestro_sandbox::Provider;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::records::{self, RecordWrite, StoredRecord};
use maestro_store::sqlx;
use maestro_store::{NewKey, Passphrase, alerts};
use serde_json::{Value, json};

use crate::support::{connect_and_sync, every_record, sandbox_app, sync_clean};

fn contains(haystack: &[u8], needle: &str) -> bool {
    let lower = haystack.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Fails naming every place one of `words` is still found: rows (unpacked), a decrypted copy of
/// the whole database byte by byte, and the encrypted file and its log.
async fn assert_no_trace(app: &App, words: &[String], dir: &std::path::Path, label: &str) {
    let mut conn = app.store().pool().acquire().await.unwrap();
    let traces = maestro_store::erasure::traces(&mut conn, words)
        .await
        .unwrap();
    assert!(traces.is_empty(), "{label}: rows still hold {traces:?}");

    let plain = dir.join(format!("plain-{label}.db"));
    sqlx::query("ATTACH DATABASE ?1 AS plain KEY ''")
        .bind(plain.to_str().unwrap())
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SELECT sqlcipher_export('plain')")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DETACH DATABASE plain")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let bytes = std::fs::read(&plain).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3"), "a plain copy");
    for w in words {
        assert!(
            !contains(&bytes, w),
            "{label}: the decrypted copy holds {w:?}"
        );
    }
    let db = app.store().layout().db_path();
    for file in [db.clone(), db.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            for w in words {
                assert!(
                    !contains(&bytes, w),
                    "{label}: {} holds {w:?}",
                    file.display()
                );
            }
        }
    }
}

async fn chain_intact(app: &App) {
    let mut conn = app.store().pool().acquire().await.unwrap();
    let v = audit::verify(&mut conn, |_| {}).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.breaks);
}

#[tokio::test]
async fn an_erased_person_leaves_no_trace_the_chain_verifies_and_a_backup_cannot_bring_them_back() {
    let (dir, sandbox, app) = sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let conns = connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Gusto, Provider::Harvest],
    )
    .await;
    let (bamboo, gusto, harvest) = (conns[0].id, conns[1].id, conns[2].id);
    // Birth dates come from Gusto once the owner opts in.
    app.set_sync_sensitive(company.id, gusto, true)
        .await
        .unwrap();
    sync_clean(&app, company.id, gusto).await;

    // Someone who tracked time, is still employed and manages no one (a manager's name is in
    // their reports' own records, which are not theirs to erase).
    let roster = sandbox.company().people.clone();
    let tracked: Vec<u64> = sandbox
        .harvest_time_entries(0, 500)
        .iter()
        .filter_map(|e| e["user"]["id"].as_u64())
        .collect();
    let truth = roster
        .iter()
        .find(|p| {
            tracked.contains(&p.harvest_id)
                && p.terminated_on.is_none()
                && roster.iter().all(|q| q.manager != Some(p.index))
        })
        .expect("someone to erase")
        .clone();
    let ssn = "219-09-9999";

    // Several versions: a new phone at the HRIS, and Gusto's record with an SSN (Gusto sends
    // SSNs only to apps granted that scope; the sandbox blanks them, so the version the
    // connector would store is written as it would be).
    sandbox
        .set_employee_field(
            Provider::BambooHr,
            &truth.bamboo_id.to_string(),
            "mobilePhone",
            json!("(555) 010-4477"),
        )
        .unwrap();
    sync_clean(&app, company.id, bamboo).await;
    {
        let mut tx = app.store().write().await.unwrap();
        let id: String = sqlx::query_scalar(
            "SELECT record_id FROM records WHERE connection_id = ?1 AND kind = 'employee' AND remote_id = ?2",
        )
        .bind(gusto.to_string())
        .bind(&truth.gusto_uuid)
        .fetch_one(tx.conn())
        .await
        .unwrap();
        let current = records::history(tx.conn(), company.id, id.parse().unwrap())
            .await
            .unwrap()
            .pop()
            .unwrap();
        let mut data = current.data.clone();
        data["ssn"] = json!(ssn);
        let provenance = Provenance::new(gusto, "gusto", truth.gusto_uuid.clone());
        records::put(
            tx.conn(),
            &RecordWrite {
                company_id: company.id,
                kind: EntityKind::Employee,
                provenance: &provenance,
                data: &data,
                raw: &current.raw,
                sync_run_id: None,
            },
            app.now(),
        )
        .await
        .unwrap();
        // Traces elsewhere: an alert and an audit entry that name them.
        alerts::raise(
            tx.conn(),
            &alerts::NewAlert {
                company_id: company.id,
                connection_id: Some(gusto),
                kind: "test".into(),
                severity: alerts::Severity::Warning,
                dedupe_key: "test:named".into(),
                title: format!("{} is missing a pay rate", truth.full_name()),
                detail: "Set it in Gusto.".into(),
                action: None,
            },
            app.now(),
        )
        .await
        .unwrap();
        audit::append(
            tx.conn(),
            &AuditEvent::new(
                "owner",
                "outbox.approve",
                &format!("Update {} in Gusto", truth.full_name()),
            )
            .company(company.id)
            .detail(json!({ "email": truth.work_email })),
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    let people = app.people(company.id).await.unwrap();
    let person = people
        .iter()
        .find(|p| {
            p.records
                .iter()
                .any(|r| r.provider == "bamboohr" && r.remote_id == truth.bamboo_id.to_string())
        })
        .expect("on the roster")
        .clone();
    assert!(person.records.len() >= 3, "{:?}", person.records);
    let birth = truth.birth_date.to_string();
    let words: Vec<String> = vec![
        truth.full_name(),
        truth.work_email.clone(),
        truth.home_email.clone(),
        truth.phone.clone(),
        "(555) 010-4477".into(),
        birth.clone(),
        ssn.into(),
        ssn.replace('-', ""),
    ];

    // Before: every word is there, in several versions (the test can fail).
    let before = every_record(&app, company.id).await;
    let theirs: Vec<&Vec<StoredRecord>> = before
        .values()
        .filter(|v| {
            v[0].data.to_string().contains(&truth.work_email)
                || v.iter().any(|s| s.data.to_string().contains(ssn))
        })
        .collect();
    assert!(theirs.iter().any(|v| v.len() >= 2), "several versions");
    {
        let mut conn = app.store().pool().acquire().await.unwrap();
        let found = maestro_store::erasure::traces(&mut conn, &words)
            .await
            .unwrap();
        for w in [&truth.full_name(), &birth, &ssn.to_owned()] {
            assert!(
                found.iter().any(|t| t.word == w.to_lowercase()),
                "{w} before: {found:?}"
            );
        }
    }
    let backup = dir.path().join("before.maestro-backup");
    app.backup(&backup, &Passphrase::new("backup passphrase for the test"))
        .await
        .unwrap();

    let report = app
        .erase_person(company.id, person.identity_id, &person.name.to_uppercase())
        .await
        .unwrap();
    assert!(report.records >= person.records.len() as i64);
    assert!(report.versions > report.records, "{report:?}");
    assert!(report.audit_entries_blanked >= 1, "{report:?}");
    assert!(report.other_rows >= 1, "the alert: {report:?}");
    for (provider, remote) in [
        ("bamboohr", truth.bamboo_id.to_string()),
        ("gusto", truth.gusto_uuid.clone()),
        ("harvest", truth.harvest_id.to_string()),
    ] {
        assert!(
            report.still_held.iter().any(|h| h.provider == provider
                && h.remote_id == remote
                && h.note.contains("still held at")),
            "{provider} {remote} listed: {:?}",
            report.still_held
        );
    }
    assert!(
        report
            .still_held
            .iter()
            .any(|h| h.kind == EntityKind::TimeEntry)
    );

    assert_no_trace(&app, &words, dir.path(), "after-erasure").await;
    chain_intact(&app).await;

    // Everyone else: the same records, versions and content.
    let after = every_record(&app, company.id).await;
    let gone: Vec<RecordId> = before
        .keys()
        .filter(|k| !after.contains_key(k))
        .copied()
        .collect();
    assert_eq!(gone.len() as i64, report.records);
    for (id, versions) in &after {
        assert_eq!(Some(versions), before.get(id), "record {id} unchanged");
    }
    let roster_after = app.people(company.id).await.unwrap();
    assert_eq!(roster_after.len(), people.len() - 1);
    assert!(
        roster_after
            .iter()
            .all(|p| p.identity_id != person.identity_id)
    );

    // A later full sync skips them, and the owner is told.
    for c in [bamboo, gusto, harvest] {
        sync_clean(&app, company.id, c).await;
    }
    let roster_synced = app.people(company.id).await.unwrap();
    assert_eq!(roster_synced.len(), roster_after.len(), "not brought back");
    assert_no_trace(&app, &words, dir.path(), "after-sync").await;
    let open = app.open_alerts(company.id).await.unwrap();
    assert!(
        open.iter().any(|a| a.kind == "erased_still_at_provider"),
        "{open:?}"
    );
    let held = app.still_held(company.id).await.unwrap();
    assert!(held.iter().any(|h| h.skipped > 0), "{held:?}");
    let others = every_record(&app, company.id).await;
    assert_eq!(others.len(), after.len());

    // Restoring the backup made before applies the erasure again.
    let (restored, summary, _aside) = app
        .restore_replacing(
            &backup,
            &Passphrase::new("backup passphrase for the test"),
            NewKey::Passphrase(Passphrase::new("restored store passphrase")),
            Some(Passphrase::new("restored store passphrase")),
        )
        .await
        .unwrap();
    assert_eq!(summary.erasures_reapplied, 1);
    let company = restored.company(None).await.unwrap();
    let back = restored.people(company.id).await.unwrap();
    assert!(
        back.iter()
            .all(|p| !p.name.eq_ignore_ascii_case(&truth.full_name())),
        "the restore did not bring them back"
    );
    assert_no_trace(&restored, &words, dir.path(), "after-restore").await;
    chain_intact(&restored).await;
    let value: Value =
        serde_json::to_value(restored.erasure_ledger(company.id).await.unwrap()).unwrap();
    assert!(
        !value
            .to_string()
            .to_lowercase()
            .contains(&truth.full_name().to_lowercase())
    );
}
