//! Conflict resolution and discrepancy alerts against the sandbox, whose default data injects
//! a pay rate that differs between BambooHR and Gusto and a person terminated in BambooHR but
//! still active in Gusto.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use maestro_app::review::Choice;
use maestro_app::{App, ErrorCode};
use maestro_core::clock::SystemClock;
use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_http::RetryPolicy;
use maestro_sandbox::seed::Person;
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use maestro_store::{MemorySecretStore, NewKey};
use maestro_sync::Mode;
use maestro_sync::conflicts::FieldValue;

async fn connect(app: &App, sandbox: &Sandbox, provider: Provider) -> ConnectionId {
    let company = app.company(None).await.unwrap();
    app.connect_sandbox_provider(&company, sandbox, provider)
        .await
        .unwrap()
        .id
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

fn person(sandbox: &Sandbox, index: Option<usize>) -> Person {
    sandbox.company().people[index.expect("the sandbox injects this discrepancy")].clone()
}

#[tokio::test]
async fn pay_conflict_is_queued_once_resolved_by_the_owner_and_termination_alert_clears_itself() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(10),
        rate_limits: PerProvider {
            gusto: None,
            bamboohr: None,
            harvest: None,
            toggl: None,
            clockify: None,
            rippling: None,
            checkr: None,
            goodhire: None,
            zenefits: None,
            justworks: None,
            trinet: None,
            paychex: None,
            // Providers added later: no limit either.
            ..PerProvider::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
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
    let bamboo = connect(&app, &sandbox, Provider::BambooHr).await;
    let gusto = connect(&app, &sandbox, Provider::Gusto).await;
    sync(&app, company, bamboo).await;
    sync(&app, company, gusto).await;

    let mismatch = person(&sandbox, sandbox.company().rate_mismatch);
    let stale = person(&sandbox, sandbox.company().stale_termination);

    // The pay-rate difference is the one thing waiting for a decision. Syncing people data
    // already ran detection; running it again finds the same single conflict.
    let first = app.detect_conflicts(company).await.unwrap();
    assert!(
        first.people >= sandbox.company().people.len() - 1,
        "{first:?}"
    );
    assert_eq!((first.opened, first.still_open), (0, 1), "{first:?}");
    let queue = app.conflicts(company, false).await.unwrap();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    let conflict = &queue[0];
    assert_eq!(conflict.field, "pay_rate");
    assert_eq!(conflict.person, mismatch.full_name());
    let value_of = |provider: &str| -> FieldValue {
        let s = conflict
            .sources
            .iter()
            .find(|s| s.provider == provider)
            .unwrap();
        serde_json::from_value(s.value.clone()).unwrap()
    };
    let (
        FieldValue::Pay {
            rate: hris_rate, ..
        },
        FieldValue::Pay {
            rate: gusto_rate, ..
        },
    ) = (value_of("bamboohr"), value_of("gusto"))
    else {
        panic!("pay values expected: {conflict:#?}");
    };
    assert_eq!(hris_rate.amount, mismatch.pay.rate());
    assert_eq!(gusto_rate.amount, mismatch.gusto_pay.rate());
    assert_eq!(conflict.suggested, Some(gusto), "payroll owns pay");

    // Both discrepancies are alerts.
    let alerts = app.open_alerts(company).await.unwrap();
    let termination: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == "termination_mismatch")
        .collect();
    assert_eq!(termination.len(), 1, "{alerts:#?}");
    assert!(termination[0].title.contains(&stale.full_name()));
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "pay_rate_mismatch" && a.title.contains(&mismatch.full_name()))
    );
    assert!(alerts.iter().any(|a| a.kind == "conflicts_waiting"));

    // Detecting again does not duplicate anything.
    let again = app.detect_conflicts(company).await.unwrap();
    assert_eq!((again.opened, again.still_open, again.decided), (0, 1, 0));
    let queue_again = app.conflicts(company, false).await.unwrap();
    assert_eq!(queue_again.len(), 1);
    assert_eq!(queue_again[0].id, conflict.id);
    let alerts_again = app.open_alerts(company).await.unwrap();
    assert_eq!(alerts_again.len(), alerts.len());

    // A source that is not part of it is refused in plain words.
    let err = app
        .resolve_conflict(company, &conflict.id, &Choice::Keep("harvest".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert!(err.message.contains("bamboohr or gusto"), "{}", err.message);

    // The owner keeps payroll's rate (by a start of the id): closed, audited, a write proposed
    // to BambooHR.
    let resolved = app
        .resolve_conflict(company, &conflict.id[..13], &Choice::Keep("gusto".into()))
        .await
        .unwrap();
    assert_eq!(resolved.status, "resolved");
    assert_eq!(resolved.resolved_by.as_deref(), Some("owner"));
    let resolution = resolved.resolution.clone().unwrap();
    let writes = resolution["proposed_writes"].as_array().unwrap();
    assert_eq!(writes.len(), 1, "{resolution:#}");
    assert_eq!(writes[0]["provider"], "bamboohr");
    assert_eq!(writes[0]["op"]["op"], "update_pay_rate");
    assert_eq!(writes[0]["remote_id"], mismatch.bamboo_id.to_string());
    assert!(app.conflicts(company, false).await.unwrap().is_empty());
    let audit = {
        let mut conn = app.store().pool().acquire().await.unwrap();
        maestro_store::audit::page(&mut conn, 0, 10_000)
            .await
            .unwrap()
    };
    let entry = audit
        .iter()
        .find(|e| e.action == "conflict.resolve" && e.target == conflict.id)
        .expect("the decision is in the audit log");
    assert_eq!(entry.company_id, Some(company));
    assert_eq!(entry.detail["kept"], "gusto");
    assert_eq!(entry.detail["field"], "pay_rate");
    // Settling twice is refused.
    let err = app
        .resolve_conflict(company, &conflict.id, &Choice::Keep("bamboohr".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);

    // While the proposed write has not landed the decision stands: nothing is reopened.
    let after = app.detect_conflicts(company).await.unwrap();
    assert_eq!((after.opened, after.still_open), (0, 0), "{after:?}");
    assert!(app.conflicts(company, false).await.unwrap().is_empty());
    let alerts = app.open_alerts(company).await.unwrap();
    assert!(!alerts.iter().any(|a| a.kind == "conflicts_waiting"));
    assert!(alerts.iter().any(|a| a.kind == "termination_mismatch"));

    // Gusto processes the termination: after the next sync the alert resolves itself.
    sandbox
        .terminate_employee(
            Provider::Gusto,
            &stale.gusto_uuid,
            stale.terminated_on.unwrap(),
        )
        .unwrap();
    sync(&app, company, gusto).await;
    let last = app.detect_conflicts(company).await.unwrap();
    assert_eq!(last.opened, 0);
    let alerts = app.open_alerts(company).await.unwrap();
    assert!(
        !alerts.iter().any(|a| a.kind == "termination_mismatch"),
        "{alerts:#?}"
    );
    // The pay difference itself remains until BambooHR is updated.
    assert!(alerts.iter().any(|a| a.kind == "pay_rate_mismatch"));
    app.close().await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_change_in_one_system_after_agreement_is_taken_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(10),
        discrepancies: false,
        rate_limits: PerProvider {
            gusto: None,
            bamboohr: None,
            harvest: None,
            toggl: None,
            clockify: None,
            rippling: None,
            checkr: None,
            goodhire: None,
            zenefits: None,
            justworks: None,
            trinet: None,
            paychex: None,
            // Providers added later: no limit either.
            ..PerProvider::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
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
    let bamboo = connect(&app, &sandbox, Provider::BambooHr).await;
    let gusto = connect(&app, &sandbox, Provider::Gusto).await;
    sync(&app, company, bamboo).await;
    sync(&app, company, gusto).await;

    // Without injected differences the systems agree: nothing to review, nothing decided.
    let first = app.detect_conflicts(company).await.unwrap();
    assert_eq!((first.opened, first.decided), (0, 0), "{first:?}");
    assert!(app.conflicts(company, true).await.unwrap().is_empty());

    // Payroll renames a job title (HRIS owns titles, but only payroll changed it since the
    // systems agreed): the change is taken, recorded and a write is proposed to BambooHR.
    let p = sandbox.company().people[1].clone();
    let jobs = sandbox
        .gusto_employees()
        .into_iter()
        .find(|e| e["uuid"] == p.gusto_uuid.as_str())
        .unwrap()["jobs"]
        .clone();
    let mut jobs = jobs;
    jobs[0]["title"] = serde_json::json!("Head of Pastry");
    sandbox
        .set_employee_field(Provider::Gusto, &p.gusto_uuid, "jobs", jobs)
        .unwrap();
    // The sync ran detection and decided it; running detection again changes nothing.
    sync(&app, company, gusto).await;
    let second = app.detect_conflicts(company).await.unwrap();
    assert_eq!((second.opened, second.decided), (0, 0), "{second:?}");
    let all = app.conflicts(company, true).await.unwrap();
    assert_eq!(all.len(), 1);
    let decided = &all[0];
    assert_eq!(decided.field, "job_title");
    assert_eq!(decided.status, "resolved");
    assert_eq!(
        decided.resolved_by.as_deref(),
        Some("rule: only gusto changed it")
    );
    let r = decided.resolution.clone().unwrap();
    assert_eq!(r["value"]["value"], "Head of Pastry");
    assert_eq!(r["proposed_writes"][0]["provider"], "bamboohr");
    assert_eq!(
        r["proposed_writes"][0]["op"]["changes"]["job_title"],
        "Head of Pastry"
    );
    // Detecting again records nothing new.
    let third = app.detect_conflicts(company).await.unwrap();
    assert_eq!((third.opened, third.decided), (0, 0), "{third:?}");
    assert_eq!(app.conflicts(company, true).await.unwrap().len(), 1);

    // The proposed write went to the outbox once, and running it updates BambooHR.
    let queued = app.outbox(company, None).await.unwrap();
    let from_review: Vec<_> = queued
        .iter()
        .filter(|i| i.route == "review_queue")
        .collect();
    assert_eq!(from_review.len(), 1, "{queued:#?}");
    let run = app.process_outbox(company).await.unwrap();
    assert_eq!(run.written(), 1, "{run:?}");
    let bamboo_title = sandbox
        .bamboohr_employees()
        .into_iter()
        .find(|e| e["id"].to_string().trim_matches('"') == p.bamboo_id.to_string())
        .unwrap()["jobTitle"]
        .clone();
    assert_eq!(bamboo_title, "Head of Pastry");
    assert_eq!(
        app.process_outbox(company).await.unwrap().written(),
        0,
        "written once"
    );
    app.close().await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn with_two_hris_the_one_the_routes_read_is_compared_with_payroll() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        time_entries: Some(10),
        rate_limits: PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
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
    let bamboo = connect(&app, &sandbox, Provider::BambooHr).await;
    let rippling = connect(&app, &sandbox, Provider::Rippling).await;
    let gusto = connect(&app, &sandbox, Provider::Gusto).await;
    let mut routes = app.route_settings(company).await.unwrap();
    routes.hris = Some(bamboo);
    app.set_route_settings(company, &routes).await.unwrap();
    for c in [bamboo, rippling, gusto] {
        sync(&app, company, c).await;
    }
    app.detect_conflicts(company).await.unwrap();

    // Each discrepancy once, between BambooHR (the HRIS of record) and Gusto.
    let alerts = app.open_alerts(company).await.unwrap();
    for kind in ["termination_mismatch", "pay_rate_mismatch"] {
        let found: Vec<_> = alerts.iter().filter(|a| a.kind == kind).collect();
        assert_eq!(found.len(), 1, "{kind}: {alerts:#?}");
    }
    let queue = app.conflicts(company, false).await.unwrap();
    assert_eq!(queue.len(), 1, "{queue:#?}");
    assert!(
        queue[0].sources.iter().all(|s| s.provider != "rippling"),
        "{queue:#?}"
    );

    // Choosing Rippling instead compares Rippling.
    routes.hris = Some(rippling);
    app.set_route_settings(company, &routes).await.unwrap();
    app.detect_conflicts(company).await.unwrap();
    let queue = app.conflicts(company, false).await.unwrap();
    assert!(
        queue
            .iter()
            .all(|c| c.sources.iter().all(|s| s.provider != "bamboohr")),
        "{queue:#?}"
    );
}
