//! The roster's tracked hours (read from three fields of each entry's text) against a full
//! recount (every current entry decoded whole), on the sandbox company synced from Harvest:
//! after the first sync, after entries changed at the provider and synced again, after entries
//! deleted, and after a person is erased.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use maestro_app::App;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::TimeEntry;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::records::{self, Payload};
use rust_decimal::Decimal;

use crate::support::{app_in, connect_and_sync, sync_clean};

/// Each Harvest user's hours as the roster shows them, by their Harvest id.
async fn roster_hours(app: &App, company: CompanyId) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for person in app.people(company).await.unwrap() {
        let Some(hours) = person.fields.iter().find(|f| f.field == "hours") else {
            continue;
        };
        for value in hours.values.iter().filter(|v| v.provider == "harvest") {
            let record = person
                .records
                .iter()
                .find(|r| r.record_id == value.record_id)
                .unwrap();
            out.insert(record.remote_id.clone(), value.value.clone());
        }
    }
    out
}

/// The same, recounted from every current time entry decoded whole, for the people the
/// roster lists.
async fn recount(
    app: &App,
    company: CompanyId,
    harvest: ConnectionId,
    people: impl Iterator<Item = String>,
) -> BTreeMap<String, String> {
    let mut sums: BTreeMap<String, (Decimal, NaiveDate, NaiveDate)> = BTreeMap::new();
    let mut conn = app.store().pool().acquire().await.unwrap();
    records::for_each_current_entity(
        &mut conn,
        company,
        Payload::Read,
        |at, e: maestro_store::Result<TimeEntry>| {
            let e = e?;
            assert_eq!(at.connection_id, harvest);
            let sum = sums.entry(e.employee_remote_id).or_insert((
                Decimal::ZERO,
                e.work_date,
                e.work_date,
            ));
            sum.0 += e.hours;
            sum.1 = sum.1.min(e.work_date);
            sum.2 = sum.2.max(e.work_date);
            Ok::<_, maestro_store::StoreError>(())
        },
    )
    .await
    .unwrap();
    people
        .filter_map(|id| {
            let (total, first, last) = sums.get(&id)?;
            Some((id, format!("{} h, {first} to {last}", total.normalize())))
        })
        .collect()
}

/// The roster's hours equal the recount, and `expect_people` people have hours.
async fn assert_recounted(
    app: &App,
    company: CompanyId,
    harvest: ConnectionId,
    expect_people: usize,
    label: &str,
) -> BTreeMap<String, String> {
    let shown = roster_hours(app, company).await;
    let people = app.people(company).await.unwrap();
    let harvest_ids = people
        .iter()
        .flat_map(|p| p.records.iter())
        .filter(|r| r.provider == "harvest")
        .map(|r| r.remote_id.clone());
    let counted = recount(app, company, harvest, harvest_ids).await;
    assert_eq!(shown, counted, "{label}");
    assert_eq!(shown.len(), expect_people, "{label}: people with hours");
    shown
}

#[tokio::test]
async fn the_rosters_hours_equal_a_full_recount_after_edits_deletes_and_an_erasure() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(1_500),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let app = app_in(
        dir.path(),
        std::sync::Arc::new(maestro_core::clock::SystemClock),
    )
    .await;
    let company = app.company(None).await.unwrap();
    let harvest = connect_and_sync(&app, &sandbox, &company, &[Provider::Harvest]).await[0].id;
    // Everyone who tracked time (the contractor too) is a Harvest user the roster lists.
    let tracked = sandbox
        .harvest_time_entries(0, 1_500)
        .iter()
        .filter_map(|e| e["user"]["id"].as_u64())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(tracked > 1, "entries spread over several people");
    let first = assert_recounted(&app, company.id, harvest, tracked, "first sync").await;

    // Entries changed at the provider, synced again: new versions, new sums.
    let changed: Vec<u64> = sandbox
        .harvest_time_entries(0, 300)
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    sandbox
        .set_time_entries_hours(&changed, Decimal::new(1234, 2))
        .unwrap();
    sync_clean(&app, company.id, harvest).await;
    let edited = assert_recounted(&app, company.id, harvest, tracked, "edited").await;
    assert_ne!(edited, first, "the edit shows");

    // Entries deleted (tombstone versions, as a sync writes them) leave the sums.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let mut deleted = Vec::new();
    records::for_each_current_entity(
        &mut conn,
        company.id,
        Payload::Skip,
        |_, e: maestro_store::Result<TimeEntry>| {
            let e = e?;
            if deleted.len() < 200 {
                deleted.push(e.provenance);
            }
            Ok::<_, maestro_store::StoreError>(())
        },
    )
    .await
    .unwrap();
    drop(conn);
    let mut tx = app.store().write().await.unwrap();
    for p in &deleted {
        records::mark_deleted(
            tx.conn(),
            company.id,
            p,
            maestro_core::model::EntityKind::TimeEntry,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let after_delete = assert_recounted(&app, company.id, harvest, tracked, "deleted").await;
    assert_ne!(after_delete, edited, "the deletions show");

    // An erased person's entries go with them; everyone else's sums stay.
    let people = app.people(company.id).await.unwrap();
    let erased = people
        .iter()
        .find(|p| p.fields.iter().any(|f| f.field == "hours"))
        .unwrap();
    let erased_id = erased
        .records
        .iter()
        .find(|r| r.provider == "harvest")
        .unwrap()
        .remote_id
        .clone();
    app.erase_person(company.id, erased.identity_id, &erased.name)
        .await
        .unwrap();
    let after_erasure = assert_recounted(&app, company.id, harvest, tracked - 1, "erased").await;
    let mut expected = after_delete;
    expected.remove(&erased_id);
    assert_eq!(after_erasure, expected);
}
