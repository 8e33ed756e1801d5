//! Paychex Flex as the company's payroll, connected through the app as the wizard does (its
//! client id and secret) beside BambooHR and Harvest, and synced: every worker is linked to the
//! same person by work email with Paychex among the sources, and the three reconciliation
//! alerts that need a payroll work with Paychex as it: the pay rate that differs from the HRIS,
//! the person who left in the HRIS but is still active in payroll, and the hours paid that
//! differ from the hours tracked. A new hire in the HRIS reaches Paychex once through the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;

#[tokio::test]
async fn paychex_as_the_payroll_joins_the_people_and_raises_the_reconciliation_alerts() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let [_, _, paychex] = <[_; 3]>::try_from(
        super::support::connect_and_sync(
            &app,
            &sandbox,
            &company,
            &[Provider::BambooHr, Provider::Harvest, Provider::Paychex],
        )
        .await,
    )
    .unwrap();
    assert_eq!(paychex.provider, "paychex");

    app.reconcile(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    for seed in &sandbox.company().people {
        let person = people
            .iter()
            .find(|p| p.work_email.as_deref() == Some(seed.work_email.as_str()))
            .unwrap_or_else(|| panic!("{} missing", seed.work_email));
        let providers: Vec<&str> = person.records.iter().map(|r| r.provider.as_str()).collect();
        assert!(
            providers.contains(&"paychex") && providers.contains(&"bamboohr"),
            "{}: {providers:?}",
            seed.work_email
        );
    }
    // Pay statements are stored with their hours (the paid-hours check reads them).
    let mut conn = app.store().pool().acquire().await.unwrap();
    let statements = maestro_store::records::current_page(
        &mut conn,
        company.id,
        Some(EntityKind::PayStatement),
        None,
        10_000,
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(
        statements.len(),
        sandbox.records(Provider::Paychex, "checks").len()
    );

    app.detect_conflicts(company.id).await.unwrap();
    app.check_paid_hours(company.id).await.unwrap();
    let alerts = app.open_alerts(company.id).await.unwrap();
    let c = sandbox.company();
    let mismatch = &c.people[c
        .rate_mismatch
        .expect("the sandbox injects a rate mismatch")];
    let stale = &c.people[c.stale_termination.expect("and a stale termination")];
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "pay_rate_mismatch" && a.title.contains(&mismatch.full_name())),
        "{alerts:#?}"
    );
    let left: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == "termination_mismatch")
        .collect();
    assert_eq!(left.len(), 1, "{alerts:#?}");
    assert!(left[0].title.contains(&stale.full_name()));
    assert!(left[0].title.contains("Paychex"), "{}", left[0].title);
    let hours: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == "discrepancy_hours")
        .collect();
    assert_eq!(hours.len(), 1, "{alerts:#?}");
    assert!(
        hours[0].detail.contains("but payroll paid"),
        "{}",
        hours[0].detail
    );
}

/// Paychex's workers with `email` as a communication.
fn paychex_with(sandbox: &maestro_sandbox::Sandbox, email: &str) -> usize {
    sandbox
        .records(Provider::Paychex, "workers")
        .iter()
        .filter(|w| {
            w["communications"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["uri"].as_str() == Some(email))
        })
        .count()
}

#[tokio::test]
async fn a_new_hire_in_the_hris_reaches_paychex_exactly_once_through_the_outbox() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let [bamboo, paychex] = <[_; 2]>::try_from(
        super::support::connect_and_sync(
            &app,
            &sandbox,
            &company,
            &[Provider::BambooHr, Provider::Paychex],
        )
        .await,
    )
    .unwrap();

    let email = "grace.hopper@bluebird.example";
    let start = sandbox.company().today + chrono::Duration::days(7);
    app.connector(company.id, bamboo.id)
        .await
        .unwrap()
        .write(&maestro_connectors::WriteRequest {
            op: maestro_connectors::WriteOp::CreateEmployee(maestro_connectors::NewEmployee {
                first_name: "Grace".into(),
                last_name: "Hopper".into(),
                work_email: email.into(),
                job_title: Some("Pastry Chef".into()),
                department: None,
                start_date: Some(start),
                date_of_birth: None,
            }),
            idempotency_key: maestro_http::IdempotencyKey::new(),
        })
        .await
        .unwrap();
    super::support::sync_clean(&app, company.id, bamboo.id).await;

    let plan = app.plan_routes(company.id, false).await.unwrap();
    let creates: Vec<_> = plan
        .writes
        .iter()
        .filter(|x| x.operation == "create_employee")
        .collect();
    assert_eq!(creates.len(), 1, "{:#?}", plan.writes);
    assert_eq!(creates[0].connection_id, paychex.id);
    let run = app.process_outbox(company.id).await.unwrap();
    assert!(
        run.attempts
            .iter()
            .any(|a| matches!(a.result, maestro_app::routes::WriteResult::Written { .. })),
        "{run:#?}"
    );
    assert_eq!(paychex_with(&sandbox, email), 1);
    // Running, planning and syncing again add nothing.
    app.process_outbox(company.id).await.unwrap();
    super::support::sync_clean(&app, company.id, paychex.id).await;
    let again = app.plan_routes(company.id, false).await.unwrap();
    // Nothing new to create: the hire is found in Paychex (or is the write already done).
    assert!(
        again
            .writes
            .iter()
            .filter(|x| x.operation == "create_employee")
            .all(|x| x.state != maestro_app::routes::PlanState::New),
        "{:#?}",
        again.writes
    );
    app.process_outbox(company.id).await.unwrap();
    assert_eq!(paychex_with(&sandbox, email), 1, "exactly one worker");
}
