//! QuickBooks Online connected through the app as the wizard does, WITHOUT typing the company
//! id: the OAuth sign-in's redirect carries `realmId` (the company the owner picked), the
//! provider file keeps it as the connection's `realm_id` ([auth] callback_fields), and every
//! request then reaches that company; synced beside BambooHR, every QuickBooks employee is
//! stored and joins the same person by work email.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::{App, ConnectInput};
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;

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
