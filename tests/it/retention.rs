//! Retention (issue 21, part 3) on a manual clock: with time entries kept 3 years after
//! termination and every other kind kept, a purge the day before the anniversary of the
//! latest termination removes exactly the time entries of the people whose period ran out
//! before, the purge on the day adds that person's, and nothing else changes; each purge is
//! audited with what it removed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{Months, NaiveDate, TimeZone, Utc};
use maestro_app::App;
use maestro_core::clock::ManualClock;
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::EntityKind;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::retention::Period;
use maestro_store::sqlx::{self, Row};

use crate::support::{app_in, connect_and_sync};

/// Every record's id with its number of versions.
async fn versions(app: &App, company: CompanyId) -> BTreeMap<RecordId, i64> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    sqlx::query(
        "SELECT r.record_id, count(*) AS n FROM records r JOIN record_versions v
           ON v.record_id = r.record_id WHERE r.company_id = ?1 GROUP BY r.record_id",
    )
    .bind(company.to_string())
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<String, _>("record_id").parse().unwrap(), r.get("n")))
    .collect()
}

/// The stored time entries of Harvest users, by user id.
async fn time_entries_of(app: &App, company: CompanyId) -> BTreeMap<RecordId, String> {
    let mut out = BTreeMap::new();
    let all = {
        let mut conn = app.store().pool().acquire().await.unwrap();
        maestro_store::records::as_of(&mut conn, company, Some(EntityKind::TimeEntry), app.now())
            .await
            .unwrap()
    };
    for r in all {
        out.insert(
            r.record_id,
            r.data["employee_remote_id"].as_str().unwrap().to_owned(),
        );
    }
    out
}

fn noon(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
}

#[tokio::test]
async fn a_purge_removes_exactly_what_the_policy_says_on_the_boundary_day() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = app_in(dir.path(), clock.clone()).await;
    let company = app.company(None).await.unwrap();
    connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Harvest],
    )
    .await;
    app.resolve_identities(company.id).await.unwrap();

    // Only time entries have a period: 3 years (the default, set again explicitly).
    for rule in app.retention_policy(company.id).await.unwrap() {
        let period = (rule.kind == EntityKind::TimeEntry).then_some(Period::years(3));
        app.set_retention(company.id, rule.kind, period)
            .await
            .unwrap();
    }

    // Independently of the purge: the termination date of each Harvest user, from the truth.
    let entries = time_entries_of(&app, company.id).await;
    let terminated: BTreeMap<String, NaiveDate> = sandbox
        .company()
        .people
        .iter()
        .filter_map(|p| p.terminated_on.map(|d| (p.harvest_id.to_string(), d)))
        .filter(|(id, _)| entries.values().any(|u| u == id))
        .collect();
    assert!(
        terminated.len() >= 2,
        "people who tracked time and left: {terminated:?}"
    );
    let latest = *terminated.values().max().unwrap();
    let anniversary = latest.checked_add_months(Months::new(36)).unwrap();
    let day_before = anniversary.pred_opt().unwrap();
    let expected = |today: NaiveDate| -> BTreeSet<RecordId> {
        entries
            .iter()
            .filter(|(_, user)| {
                terminated
                    .get(*user)
                    .is_some_and(|d| d.checked_add_months(Months::new(36)).unwrap() <= today)
            })
            .map(|(id, _)| *id)
            .collect()
    };
    let due_before = expected(day_before);
    let due_on = expected(anniversary);
    assert!(
        due_on.len() > due_before.len(),
        "the latest leaver's entries fall due on the day"
    );

    let start = versions(&app, company.id).await;
    // The day before: only those whose anniversary has passed.
    clock.set(noon(day_before));
    let purged = app.purge_retention(company.id).await.unwrap();
    let after_first = versions(&app, company.id).await;
    let gone: BTreeSet<RecordId> = start
        .keys()
        .filter(|k| !after_first.contains_key(k))
        .copied()
        .collect();
    assert_eq!(
        gone, due_before,
        "the day before: exactly the entries past their period"
    );
    if !due_before.is_empty() {
        assert_eq!(purged.len(), 1);
        assert_eq!(purged[0].kind, EntityKind::TimeEntry);
        assert_eq!(purged[0].records, due_before.len() as i64);
    }
    for (id, n) in &after_first {
        assert_eq!(start.get(id), Some(n), "{id} untouched");
    }
    // Running again the same day purges nothing more.
    assert!(app.purge_retention(company.id).await.unwrap().is_empty());

    // On the anniversary: the latest leaver's entries too, nothing else.
    clock.set(noon(anniversary));
    let purged = app.purge_retention_if_due(company.id).await.unwrap();
    let after = versions(&app, company.id).await;
    let gone: BTreeSet<RecordId> = start
        .keys()
        .filter(|k| !after.contains_key(k))
        .copied()
        .collect();
    assert_eq!(
        gone, due_on,
        "on the day: exactly the entries past their period"
    );
    assert_eq!(purged[0].records, (due_on.len() - due_before.len()) as i64);
    for (id, n) in &after {
        assert_eq!(start.get(id), Some(n), "{id} untouched");
    }
    // Already ran today: the scheduler's daily call does nothing.
    assert!(
        app.purge_retention_if_due(company.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Audited with what went, and the chain verifies.
    let mut conn = app.store().pool().acquire().await.unwrap();
    let summaries: Vec<String> =
        sqlx::query("SELECT detail FROM audit_log WHERE action = 'retention.purge' ORDER BY seq")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect();
    let last = summaries.last().unwrap();
    assert!(
        last.contains(&format!(
            "versions of {} time entries",
            due_on.len() - due_before.len()
        )),
        "{last}"
    );
    let v = maestro_store::audit::verify(&mut conn, |_| {})
        .await
        .unwrap();
    assert!(v.is_intact(), "{:?}", v.breaks);
}
