//! HRIS providers on the connector kit (Rippling, Zenefits, TriNet), each connected through the
//! app as the wizard does (an API token; TriNet's company id, client id and secret) beside
//! BambooHR and synced: every person lands on the People page linked to the same person in
//! BambooHR by work email, with the provider named as a source, and the company's departments,
//! locations and jobs (Rippling's compensations, Zenefits' and TriNet's employments) are stored
//! from the provider too. A wrong TriNet secret is refused at connect, in plain words.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::App;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;
use maestro_sync::Mode;

async fn stored(app: &App, company: CompanyId, provider: &str, kind: EntityKind) -> usize {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(&mut conn, company, Some(kind), None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.deleted && r.provider == provider)
        .count()
}

/// Connects BambooHR and `provider` (id `name`), syncs both, and checks the people join and
/// the provider's departments, locations and one pay record per person (`pay`) are stored.
async fn joins_the_same_people_as_the_hris(provider: Provider, name: &str, pay: EntityKind) {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let mut connections = Vec::new();
    for p in [Provider::BambooHr, provider] {
        let c = app
            .connect_sandbox_provider(&company, &sandbox, p)
            .await
            .unwrap();
        for o in app
            .sync_connection(company.id, c.id, None, Mode::Full)
            .await
            .unwrap()
        {
            assert!(o.error.is_none(), "{p:?}: {o:?}");
        }
        connections.push(c);
    }
    let connection = &connections[1];
    assert_eq!(connection.provider, name);
    app.reconcile(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    let seeded = &sandbox.company().people;
    assert_eq!(people.len(), seeded.len());
    for seed in seeded {
        let person = people
            .iter()
            .find(|p| p.work_email.as_deref() == Some(seed.work_email.as_str()))
            .unwrap_or_else(|| panic!("{} missing", seed.work_email));
        assert!(!person.needs_review, "{}", seed.work_email);
        let providers: Vec<&str> = person.records.iter().map(|r| r.provider.as_str()).collect();
        assert!(
            providers.contains(&name) && providers.contains(&"bamboohr"),
            "{}: {providers:?}",
            seed.work_email
        );
        assert!(
            person
                .records
                .iter()
                .any(|r| r.provider == name && r.connection_id == connection.id)
        );
    }
    let company_seed = sandbox.company();
    assert_eq!(
        stored(&app, company.id, name, EntityKind::Department).await,
        company_seed.departments.len()
    );
    assert_eq!(
        stored(&app, company.id, name, EntityKind::Location).await,
        company_seed.locations.len()
    );
    assert_eq!(stored(&app, company.id, name, pay).await, seeded.len());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rippling_workers_join_the_same_people_as_the_hris_with_their_provenance() {
    joins_the_same_people_as_the_hris(Provider::Rippling, "rippling", EntityKind::Compensation)
        .await;
}

#[tokio::test]
async fn zenefits_people_join_the_same_people_as_the_hris_with_their_provenance() {
    joins_the_same_people_as_the_hris(Provider::Zenefits, "zenefits", EntityKind::Employment).await;
}

#[tokio::test]
async fn trinet_employees_join_the_same_people_as_the_hris_with_their_provenance() {
    // Connecting exchanges the client id and secret for a token at TriNet's token endpoint
    // (the emulator's); the sync then reads with it.
    joins_the_same_people_as_the_hris(Provider::TriNet, "trinet", EntityKind::Employment).await;
}

#[tokio::test]
async fn a_wrong_trinet_secret_is_refused_at_connect_and_nothing_is_saved() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let mut input = maestro_app::demo::sandbox_input(&sandbox, Provider::TriNet).unwrap();
    input
        .values
        .insert("client_secret".into(), "WrongSecret0000".into());
    let e = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("TriNet refused the client id or secret (Client credentials are invalid)"),
        "{text}"
    );
    assert!(!text.contains("WrongSecret0000"), "{text}");
    let mut conn = app.store().pool().acquire().await.unwrap();
    let saved = maestro_store::connections::list(&mut conn, company.id)
        .await
        .unwrap();
    assert!(saved.is_empty(), "{saved:?}");
    assert_eq!(sandbox.tokens_issued(Provider::TriNet), 0);
    sandbox.shutdown().await;
}
