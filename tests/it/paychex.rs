//! Paychex Flex as the company's payroll, connected through the app as the wizard does (its
//! client id and secret) beside BambooHR and Harvest, and synced: every worker is linked to the
//! same person by work email with Paychex among the sources, and the three reconciliation
//! alerts that need a payroll work with Paychex as it: the pay rate that differs from the HRIS,
//! the person who left in the HRIS but is still active in payroll, and the hours paid that
//! differ from the hours tracked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;

#[tokio::test]
async fn paychex_as_the_payroll_joins_the_people_and_raises_the_reconciliation_alerts() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let mut paychex = None;
    for p in [Provider::BambooHr, Provider::Harvest, Provider::Paychex] {
        let c = app
            .connect_sandbox_provider(&company, &sandbox, p)
            .await
            .unwrap();
        super::support::sync_clean(&app, company.id, c.id).await;
        if p == Provider::Paychex {
            paychex = Some(c);
        }
    }
    let paychex = paychex.unwrap();
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
