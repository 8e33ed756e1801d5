//! QuickBooks Online connected through the app as the wizard does, WITHOUT typing the company
//! id: the OAuth sign-in's redirect carries `realmId` (the company the owner picked), the
//! provider file keeps it as the connection's `realm_id` ([auth] callback_fields), and every
//! request then reaches that company; synced beside BambooHR, every QuickBooks employee is
//! stored and joins the same person by work email. A person terminated in BambooHR is, after
//! the owner's approval, released in QuickBooks once (ReleasedDate on the latest SyncToken),
//! though the answer to the write was lost and the route planned and run again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use maestro_app::routes::WriteResult;
use maestro_app::{App, ConnectInput};
use maestro_connectors::WriteOp;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sandbox::{FaultPlan, Provider};
use maestro_store::outbox::OutboxStatus;
use serde_json::Value;

async fn stored(app: &App, company: CompanyId, kind: EntityKind) -> usize {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(&mut conn, company, Some(kind), None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.deleted && r.provider == "quickbooks")
        .count()
}

#[tokio::test]
async fn the_sign_in_gives_the_company_id_and_quickbooks_people_and_hours_sync() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
        .await
        .unwrap();
    super::support::sync_clean(&app, company.id, bamboo.id).await;
    let creds = sandbox.credentials().quickbooks;
    let input = ConnectInput {
        provider: "quickbooks".into(),
        // No company id typed: the sign-in tells it.
        values: Default::default(),
        base_url: Some(url::Url::parse(&sandbox.base_url(Provider::QuickBooks)).unwrap()),
        oauth_client: Some((creds.client_id.clone(), Some(creds.client_secret.clone()))),
        ..ConnectInput::default()
    };
    let (qb, _) = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await
        .unwrap();
    assert_eq!(qb.config["realm_id"], creds.realm_id.as_str());
    super::support::sync_clean(&app, company.id, qb.id).await;
    assert_eq!(
        stored(&app, company.id, EntityKind::Employee).await,
        sandbox.company().people.len()
    );
    assert!(stored(&app, company.id, EntityKind::TimeEntry).await > 0);
    let realm_paths = sandbox
        .requests(Provider::QuickBooks)
        .into_iter()
        .filter(|r| {
            r.path
                .starts_with(&format!("/v3/company/{}/", creds.realm_id))
        })
        .count();
    assert!(realm_paths > 0);
    app.reconcile(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    for p in &sandbox.company().people {
        let person = people
            .iter()
            .find(|x| x.work_email.as_deref() == Some(p.work_email.as_str()))
            .unwrap_or_else(|| panic!("{} missing", p.work_email));
        let providers: Vec<&str> = person.records.iter().map(|r| r.provider.as_str()).collect();
        assert!(
            providers.contains(&"quickbooks") && providers.contains(&"bamboohr"),
            "{}: {providers:?}",
            p.work_email
        );
    }
}

fn quickbooks_employee(sandbox: &maestro_sandbox::Sandbox, email: &str) -> Value {
    sandbox
        .records(Provider::QuickBooks, "employees")
        .into_iter()
        .find(|e| e["PrimaryEmailAddr"]["Address"].as_str() == Some(email))
        .unwrap_or_else(|| panic!("no QuickBooks employee {email}"))
}

#[tokio::test]
async fn a_termination_in_bamboohr_releases_the_quickbooks_employee_once_after_approval() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let [bamboo, qb] = <[_; 2]>::try_from(
        super::support::connect_and_sync(
            &app,
            &sandbox,
            &company,
            &[Provider::BambooHr, Provider::QuickBooks],
        )
        .await,
    )
    .unwrap();
    app.reconcile(company.id).await.unwrap();

    let person = sandbox
        .company()
        .people
        .iter()
        .find(|p| p.terminated_on.is_none())
        .unwrap()
        .clone();
    let before = quickbooks_employee(&sandbox, &person.work_email);
    let id = before["Id"].as_str().unwrap().to_owned();
    let token: u64 = before["SyncToken"].as_str().unwrap().parse().unwrap();
    let last_day = chrono::Utc::now().date_naive() - Duration::days(1);
    sandbox
        .terminate_employee(Provider::BambooHr, &person.bamboo_id.to_string(), last_day)
        .unwrap();
    super::support::sync_clean(&app, company.id, bamboo.id).await;
    let plan = app.plan_routes(company.id, false).await.unwrap();
    let term = plan
        .writes
        .iter()
        .find(|x| {
            x.op == WriteOp::TerminateEmployee {
                remote_id: id.clone(),
                effective_date: last_day,
            }
        })
        .unwrap_or_else(|| panic!("{:#?}", plan.writes));
    assert_eq!(term.connection_id, qb.id);
    assert!(term.requires_approval);
    let term_id = term.outbox_id.clone().unwrap();
    // Not approved: nothing reaches QuickBooks.
    let run = app.process_outbox(company.id).await.unwrap();
    assert!(run.attempts.iter().all(|a| a.outbox_id != term_id));
    assert_eq!(quickbooks_employee(&sandbox, &person.work_email), before);

    let approved = app.approve(company.id, &term_id).await.unwrap();
    assert_eq!(approved.status, OutboxStatus::Pending);
    // The write's own request is made, but its answer lost (the lookups before it pass): the
    // session sends it again with the same requestid.
    let posts = |s: &maestro_sandbox::Sandbox| {
        s.requests(Provider::QuickBooks)
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/employee"))
            .count()
    };
    sandbox.reset_requests(Provider::QuickBooks);
    sandbox.set_faults(
        Provider::QuickBooks,
        FaultPlan {
            pass_first: 2,
            lost_answers: 1,
            ..FaultPlan::default()
        },
    );
    let run = app.process_outbox(company.id).await.unwrap();
    let a = run
        .attempts
        .iter()
        .find(|a| a.outbox_id == term_id)
        .unwrap();
    assert!(
        matches!(a.result, WriteResult::Written { .. }),
        "{:?}",
        a.result
    );
    assert!(posts(&sandbox) >= 2, "the lost answer was retried");
    let after = quickbooks_employee(&sandbox, &person.work_email);
    assert_eq!(after["ReleasedDate"], last_day.to_string().as_str());
    assert_eq!(after["Active"], false);
    assert_eq!(
        after["SyncToken"],
        (token + 1).to_string().as_str(),
        "released once"
    );

    // Synced again (change data capture) and planned again: QuickBooks already says so.
    sandbox.set_faults(Provider::QuickBooks, FaultPlan::default());
    super::support::sync_clean(&app, company.id, qb.id).await;
    let again = app.plan_routes(company.id, false).await.unwrap();
    assert!(
        again
            .writes
            .iter()
            .filter(
                |x| matches!(x.op, WriteOp::TerminateEmployee { .. }) && x.connection_id == qb.id
            )
            .all(|x| x.outbox_id.as_ref() == Some(&term_id)),
        "{:#?}",
        again.writes
    );
    app.process_outbox(company.id).await.unwrap();
    assert_eq!(
        quickbooks_employee(&sandbox, &person.work_email)["SyncToken"],
        (token + 1).to_string().as_str()
    );
    sandbox.shutdown().await;
}
