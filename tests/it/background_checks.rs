//! HRIS → background checks end to end: BambooHR and Checkr connected through the app; the
//! route orders nothing until the owner picks a package from Checkr's own list; a new hire in
//! BambooHR then gets exactly one order, which waits for approval (nothing reaches Checkr
//! before it, planning and syncing again add nothing); once approved, the outbox creates one
//! candidate and one invitation, and the next Checkr sync brings the check back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use maestro_app::App;
use maestro_app::routes::{PlanState, WriteResult};
use maestro_connectors::{NewEmployee, WriteOp, WriteRequest};
use maestro_core::clock::{Clock, ManualClock};
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_http::IdempotencyKey;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use maestro_store::outbox::OutboxStatus;
use serde_json::json;

use crate::support::app_in;

const ORDER: &str = "order_background_check";

async fn orders(app: &App, company: CompanyId) -> Vec<maestro_store::outbox::OutboxItem> {
    app.outbox(company, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.operation == ORDER)
        .collect()
}

fn posts(sb: &Sandbox) -> usize {
    sb.requests(Provider::Checkr)
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

#[tokio::test]
async fn a_new_hire_gets_one_checkr_order_after_approval_and_the_check_syncs_back() {
    let dir = tempfile::tempdir().unwrap();
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = app_in(dir.path(), clock.clone()).await;
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &sb, Provider::BambooHr)
        .await
        .unwrap();
    let checkr = app
        .connect_sandbox_provider(&company, &sb, Provider::Checkr)
        .await
        .unwrap();
    let company = company.id;
    super::support::sync_clean(&app, company, bamboo.id).await;
    super::support::sync_clean(&app, company, checkr.id).await;

    // No package chosen: the route orders nothing and says why.
    let plan = app.plan_routes(company, false).await.unwrap();
    assert!(plan.writes.iter().all(|w| w.operation != ORDER));
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("choose the Checkr package")),
        "{:?}",
        plan.notes
    );

    // The owner picks from Checkr's own list; a package it lacks is refused.
    let (from, packages) = app.check_packages(company).await.unwrap();
    assert_eq!(from.id, checkr.id);
    assert!(packages.iter().any(|p| p.id == "tasker_standard"));
    assert!(app.set_check_package(company, "gold").await.is_err());
    let cfg = app
        .set_check_package(company, "tasker_standard")
        .await
        .unwrap();
    assert_eq!(cfg.checks_hired_since, Some(clock.now().date_naive()));
    // Everyone already in BambooHR was hired before the route: no orders.
    let plan = app.plan_routes(company, false).await.unwrap();
    assert!(plan.writes.iter().all(|w| w.operation != ORDER));

    // A new hire appears in BambooHR, with a personal email and a job location.
    let start = sb.company().today + Duration::days(7);
    let id = app
        .connector(company, bamboo.id)
        .await
        .unwrap()
        .write(&WriteRequest {
            op: WriteOp::CreateEmployee(NewEmployee {
                first_name: "Jane".into(),
                last_name: "Doe".into(),
                work_email: "jane.doe@bluebird.example".into(),
                job_title: Some("Baker".into()),
                department: None,
                start_date: Some(start),
                date_of_birth: None,
            }),
            idempotency_key: IdempotencyKey::new(),
        })
        .await
        .unwrap()
        .remote_id;
    let location = sb.bamboohr_employees()[0]["location"].clone();
    sb.set_employee_field(Provider::BambooHr, &id, "location", location)
        .unwrap();
    sb.set_employee_field(
        Provider::BambooHr,
        &id,
        "homeEmail",
        json!("jane.doe@home.example"),
    )
    .unwrap();
    super::support::sync_clean(&app, company, bamboo.id).await;
    sb.reset_requests(Provider::Checkr);
    let invitations = sb.records(Provider::Checkr, "invitations").len();

    // One order, waiting for approval, in plain words.
    let plan = app.plan_routes(company, false).await.unwrap();
    let planned: Vec<_> = plan
        .writes
        .iter()
        .filter(|w| w.operation == ORDER)
        .collect();
    assert_eq!(planned.len(), 1, "{:#?}", plan.writes);
    let w = planned[0];
    assert_eq!(w.connection_id, checkr.id);
    assert!(w.requires_approval);
    assert_eq!(w.state, PlanState::New);
    assert!(
        w.summary.starts_with(
            "Order a Checkr 'tasker_standard' check for Jane Doe — costs money (29.00 USD each)"
        ),
        "{}",
        w.summary
    );
    assert!(
        w.summary
            .ends_with("Jane will get an email from Checkr to consent")
    );
    let email = w.changes.iter().find(|c| c.field == "email").unwrap();
    assert_eq!(email.after.as_deref(), Some("jane.doe@home.example"));
    let id = w.outbox_id.clone().unwrap();
    let queued = orders(&app, company).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, OutboxStatus::AwaitingApproval);

    // Nothing is sent before approval, however often the outbox runs or the route plans.
    let run = app.process_outbox(company).await.unwrap();
    assert!(run.attempts.iter().all(|a| a.outbox_id != id));
    assert_eq!(run.awaiting_approval, 1);
    super::support::sync_clean(&app, company, bamboo.id).await;
    clock.advance(Duration::hours(1));
    let again = app.plan_routes(company, false).await.unwrap();
    let same: Vec<_> = again
        .writes
        .iter()
        .filter(|w| w.operation == ORDER)
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].outbox_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        same[0].state,
        PlanState::Queued(OutboxStatus::AwaitingApproval)
    );
    assert_eq!(orders(&app, company).await.len(), 1);
    assert_eq!(posts(&sb), 0);
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        invitations
    );

    // Approved: the next run orders it, once.
    app.approve(company, &id).await.unwrap();
    let run = app.process_outbox(company).await.unwrap();
    let a = run.attempts.iter().find(|a| a.outbox_id == id).unwrap();
    let WriteResult::Written {
        remote_id,
        applied_now: true,
    } = &a.result
    else {
        panic!("{:?}", a.result)
    };
    let all = sb.records(Provider::Checkr, "invitations");
    assert_eq!(all.len(), invitations + 1);
    let invitation = all.iter().find(|i| i["id"] == remote_id.as_str()).unwrap();
    assert_eq!(invitation["package"], "tasker_standard");
    let candidates = sb.records(Provider::Checkr, "candidates");
    let jane: Vec<_> = candidates
        .iter()
        .filter(|c| c["email"] == "jane.doe@home.example")
        .collect();
    assert_eq!(jane.len(), 1);
    assert_eq!(invitation["candidate_id"], jane[0]["id"]);
    assert_eq!(posts(&sb), 2);
    // Running again sends nothing more.
    let run = app.process_outbox(company).await.unwrap();
    assert!(run.attempts.is_empty());

    // The next Checkr sync brings the check back; planning again orders nothing.
    super::support::sync_clean(&app, company, checkr.id).await;
    let mut conn = app.store().pool().acquire().await.unwrap();
    let checks = maestro_store::records::current_page(
        &mut conn,
        company,
        Some(EntityKind::BackgroundCheck),
        None,
        10_000,
    )
    .await
    .unwrap();
    drop(conn);
    let check = checks.iter().find(|r| r.remote_id == *remote_id).unwrap();
    assert_eq!(check.connection_id, checkr.id);
    assert_eq!(check.data["status"], "pending");
    assert_eq!(check.data["package"], "tasker_standard");
    // Jane's candidate now has a check at Checkr: she is not ordered for again.
    let after = app.plan_routes(company, false).await.unwrap();
    assert!(after.writes.iter().all(|w| w.operation != ORDER));
    assert!(
        after
            .skipped
            .iter()
            .any(|s| s.who == "Jane Doe" && s.reason.contains("already has a check at Checkr")),
        "{:?}",
        after.skipped
    );
    assert_eq!(orders(&app, company).await.len(), 1);
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        invitations + 1
    );
    sb.shutdown().await;
}
