//! Identity resolution against the sandbox: the same people in BambooHR, Gusto and Harvest are
//! linked on their work email, the Harvest-only contractor stands alone, re-running changes
//! nothing, the owner's split and merge persist across re-runs and re-syncs, and a match on name
//! and birth date alone is only suggested.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use maestro_app::App;
use maestro_app::people::Person;
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::RetryPolicy;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;
use maestro_sync::identity::{Confidence, LinkStatus, Method};

struct Setup {
    _dir: tempfile::TempDir,
    sandbox: Sandbox,
    app: App,
    company: CompanyId,
    gusto: ConnectionId,
}

/// Connects a provider with sensitive values opted in: these tests match on birth dates.
async fn connect(app: &App, sandbox: &Sandbox, provider: &str) -> ConnectionId {
    let company = app.company(None).await.unwrap();
    let provider = match provider {
        "bamboohr" => maestro_sandbox::Provider::BambooHr,
        "harvest" => maestro_sandbox::Provider::Harvest,
        _ => maestro_sandbox::Provider::Gusto,
    };
    let id = app
        .connect_sandbox_provider(&company, sandbox, provider)
        .await
        .unwrap()
        .id;
    app.set_sync_sensitive(company.id, id, true).await.unwrap();
    id
}

async fn sync(app: &App, company: CompanyId, connection: ConnectionId) {
    for o in app
        .sync_connection(company, connection, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
}

/// Sandbox started, `before_sync` applied to its data, all three providers connected and synced.
async fn setup(before_sync: impl FnOnce(&Sandbox)) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(400),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    before_sync(&sandbox);
    let app = App::init(
        &dir.path().join("data"),
        NewKey::Keychain(Arc::new(MemorySecretStore::default())),
        "Bluebird Bakery",
        Arc::new(SystemClock),
    )
    .await
    .unwrap()
    .with_retry_policy(RetryPolicy::fast());
    let company = app.company(None).await.unwrap().id;
    let bamboo = connect(&app, &sandbox, "bamboohr").await;
    let harvest = connect(&app, &sandbox, "harvest").await;
    let gusto = connect(&app, &sandbox, "gusto").await;
    for c in [bamboo, harvest, gusto] {
        sync(&app, company, c).await;
    }
    Setup {
        _dir: dir,
        sandbox,
        app,
        company,
        gusto,
    }
}

/// The person holding the record `provider:remote_id`.
fn holder<'a>(people: &'a [Person], provider: &str, remote_id: &str) -> &'a Person {
    people
        .iter()
        .find(|p| {
            p.records
                .iter()
                .any(|r| r.provider == provider && r.remote_id == remote_id)
        })
        .unwrap_or_else(|| panic!("nobody holds {provider}:{remote_id}"))
}

fn field<'a>(p: &'a Person, name: &str) -> &'a maestro_app::people::PersonField {
    p.fields
        .iter()
        .find(|f| f.field == name)
        .unwrap_or_else(|| panic!("{} has no {name}", p.name))
}

async fn audit_actions(app: &App) -> Vec<String> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::audit::page(&mut conn, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn everyone_is_linked_across_the_three_systems_and_a_rerun_changes_nothing() {
    let s = setup(|_| {}).await;
    // Syncing people data already resolved identities; resolving again changes nothing.
    let first = s.app.resolve_identities(s.company).await.unwrap();
    let truth = s.sandbox.company().clone();
    assert_eq!(first.records, truth.people.len() * 3 + 1);
    assert_eq!((first.created, first.changed), (0, 0), "{first:?}");
    assert_eq!(first.suggested, 0);

    let people = s.app.people(s.company).await.unwrap();
    assert_eq!(people.len(), truth.people.len() + 1, "one row per person");
    for p in &truth.people {
        let person = holder(&people, "bamboohr", &p.bamboo_id.to_string());
        assert_eq!(
            person.identity_id,
            holder(&people, "gusto", &p.gusto_uuid).identity_id,
            "{}",
            p.full_name()
        );
        assert_eq!(
            person.identity_id,
            holder(&people, "harvest", &p.harvest_id.to_string()).identity_id
        );
        assert_eq!(person.records.len(), 3, "{person:?}");
        for r in &person.records {
            assert_eq!(r.method, Method::WorkEmail);
            assert!(r.confidence >= Confidence::from_hundredths(99), "{r:?}");
            assert_eq!(r.status, LinkStatus::Auto);
        }
        assert!(!person.needs_review);
        assert_eq!(person.name, p.full_name());
        assert_eq!(person.work_email.as_deref(), Some(p.work_email.as_str()));
        // Provenance: title from the HRIS, pay from payroll, hours from time tracking.
        assert_eq!(field(person, "job_title").source, "bamboohr");
        assert_eq!(field(person, "pay_rate").source, "gusto");
        assert_eq!(field(person, "date_of_birth").value, "on file");
        assert!(field(person, "date_of_birth").agree);
    }
    let with_hours = people
        .iter()
        .filter(|p| p.fields.iter().any(|f| f.field == "hours"))
        .collect::<Vec<_>>();
    assert!(!with_hours.is_empty());
    assert!(
        with_hours
            .iter()
            .all(|p| field(p, "hours").source == "harvest")
    );
    // The person paid differently in Gusto than in BambooHR shows the disagreement.
    if let Some(i) = truth.rate_mismatch {
        let p = &truth.people[i];
        let pay = field(holder(&people, "gusto", &p.gusto_uuid), "pay_rate");
        assert!(!pay.agree, "{pay:?}");
        assert_eq!(pay.values.len(), 2);
    }

    // The Harvest-only contractor stands alone.
    let contractor = truth.contractor.as_ref().unwrap();
    let rosa = holder(&people, "harvest", &contractor.harvest_id.to_string());
    assert_eq!(rosa.records.len(), 1);
    assert_eq!(rosa.records[0].method, Method::SoleRecord);
    assert_eq!(rosa.name, "Rosa Delgado");

    // Birth dates are never part of the roster.
    let text = serde_json::to_string(&people).unwrap();
    for p in &truth.people {
        assert!(
            !text.contains(&p.birth_date.to_string()),
            "birth date leaked"
        );
    }

    // Re-running, and re-syncing then re-running, changes nothing.
    let audit_before = audit_actions(&s.app).await.len();
    let again = s.app.resolve_identities(s.company).await.unwrap();
    assert_eq!((again.changed, again.created, again.removed), (0, 0, 0));
    sync(&s.app, s.company, s.gusto).await;
    let after_sync = s.app.resolve_identities(s.company).await.unwrap();
    assert_eq!(after_sync.changed, 0);
    assert_eq!(s.app.people(s.company).await.unwrap(), people);
    let actions = audit_actions(&s.app).await;
    assert_eq!(
        actions[audit_before..]
            .iter()
            .filter(|a| a.starts_with("identities."))
            .count(),
        0,
        "a no-op run writes nothing"
    );
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_split_stays_split_across_reruns_and_syncs_and_a_merge_joins_people() {
    let s = setup(|_| {}).await;
    s.app.resolve_identities(s.company).await.unwrap();
    let truth = s.sandbox.company().clone();
    let ana = &truth.people[3];
    let people = s.app.people(s.company).await.unwrap();
    let before = holder(&people, "bamboohr", &ana.bamboo_id.to_string()).clone();
    let gusto_record = before
        .records
        .iter()
        .find(|r| r.provider == "gusto")
        .unwrap()
        .record_id;

    let alone = s.app.split(s.company, gusto_record).await.unwrap();
    assert_ne!(alone, before.identity_id);
    for _ in 0..2 {
        sync(&s.app, s.company, s.gusto).await;
        let run = s.app.resolve_identities(s.company).await.unwrap();
        assert_eq!(run.changed, 0, "{run:?}");
        let people = s.app.people(s.company).await.unwrap();
        let split = holder(&people, "gusto", &ana.gusto_uuid);
        assert_eq!(split.identity_id, alone);
        assert_eq!(split.records.len(), 1);
        assert_eq!(split.records[0].status, LinkStatus::Split);
        let rest = holder(&people, "bamboohr", &ana.bamboo_id.to_string());
        assert_eq!(rest.identity_id, before.identity_id);
        assert_eq!(rest.records.len(), 2);
        assert_eq!(people.len(), truth.people.len() + 2);
    }
    // Splitting again is a no-op.
    assert_eq!(s.app.split(s.company, gusto_record).await.unwrap(), alone);

    s.app
        .merge(s.company, before.identity_id, alone)
        .await
        .unwrap();
    s.app.resolve_identities(s.company).await.unwrap();
    let people = s.app.people(s.company).await.unwrap();
    assert_eq!(people.len(), truth.people.len() + 1);
    let merged = holder(&people, "gusto", &ana.gusto_uuid);
    assert_eq!(merged.identity_id, before.identity_id);
    assert_eq!(merged.records.len(), 3);
    assert!(
        merged
            .records
            .iter()
            .all(|r| r.status == LinkStatus::Confirmed)
    );
    // Merging a person with themself is refused in plain words.
    let bo = &truth.people[4];
    let bo_id = holder(&people, "bamboohr", &bo.bamboo_id.to_string()).identity_id;
    let err = s
        .app
        .merge(s.company, bo_id, bo_id)
        .await
        .expect_err("merging a person with itself");
    assert!(err.message.contains("two different people"));

    let actions = audit_actions(&s.app).await;
    assert!(actions.iter().any(|a| a == "identities.split"));
    assert!(actions.iter().any(|a| a == "identities.merge"));
    assert!(actions.iter().any(|a| a == "identities.resolve"));
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_name_and_birth_date_match_is_only_suggested_until_the_owner_confirms() {
    let mut changed = None;
    let s = setup(|sandbox| {
        let p = sandbox.company().people[2].clone();
        sandbox
            .set_employee_field(
                Provider::Gusto,
                &p.gusto_uuid,
                "work_email",
                serde_json::json!("someone.else@elsewhere.example"),
            )
            .unwrap();
        // Gusto's `email` is the personal one, which links as surely as a work email: it
        // differs too, so only the name and birth date are left to go on.
        sandbox
            .set_employee_field(
                Provider::Gusto,
                &p.gusto_uuid,
                "email",
                serde_json::json!("someone.else@mail.example"),
            )
            .unwrap();
        changed = Some(p);
    })
    .await;
    let p = changed.unwrap();
    let run = s.app.resolve_identities(s.company).await.unwrap();
    assert_eq!(run.suggested, 1, "{run:?}");
    let people = s.app.people(s.company).await.unwrap();
    let person = holder(&people, "bamboohr", &p.bamboo_id.to_string());
    assert!(person.needs_review);
    let gusto = person
        .records
        .iter()
        .find(|r| r.provider == "gusto")
        .expect("the Gusto record is put with the person, as a suggestion");
    assert_eq!(
        (gusto.method, gusto.confidence, gusto.status),
        (
            Method::NameBirthDate,
            Confidence::from_hundredths(85),
            LinkStatus::Suggested
        )
    );
    // The other two still link on their email, automatically.
    for r in person.records.iter().filter(|r| r.provider != "gusto") {
        assert_eq!((r.method, r.status), (Method::WorkEmail, LinkStatus::Auto));
    }
    // Nobody else needs review; a re-run keeps the suggestion as it is.
    assert_eq!(people.iter().filter(|p| p.needs_review).count(), 1);
    assert_eq!(
        s.app.resolve_identities(s.company).await.unwrap().changed,
        0
    );

    s.app
        .confirm_link(s.company, gusto.record_id)
        .await
        .unwrap();
    assert_eq!(
        s.app.resolve_identities(s.company).await.unwrap().changed,
        0
    );
    let people = s.app.people(s.company).await.unwrap();
    let person = holder(&people, "gusto", &p.gusto_uuid);
    assert!(!person.needs_review);
    assert_eq!(person.records.len(), 3);
    assert!(
        person
            .records
            .iter()
            .all(|r| r.status == LinkStatus::Confirmed)
    );
    assert!(
        audit_actions(&s.app)
            .await
            .iter()
            .any(|a| a == "identities.confirm")
    );
    s.sandbox.shutdown().await;
}
