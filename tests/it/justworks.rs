//! Justworks connected through the app as the wizard does — the OAuth authorization-code
//! sign-in in a (headless) browser against the sandbox's authorization server, with the
//! client id and secret Justworks would send a partner — beside BambooHR and Gusto, and synced:
//! every member is linked to the same person in the other tools by work email, with Justworks
//! among the sources; the benefit deductions are stored as enrollments with their
//! contribution per pay period, the others not at all; an expired token is refreshed and the
//! rotated tokens are kept in the encrypted store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::App;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;
use maestro_sync::Mode;

async fn stored(
    app: &App,
    company: CompanyId,
    kind: EntityKind,
) -> Vec<maestro_store::records::StoredRecord> {
    let mut conn = app.store().pool().acquire().await.unwrap();
    maestro_store::records::current_page(&mut conn, company, Some(kind), None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !r.deleted && r.provider == "justworks")
        .collect()
}

#[tokio::test]
async fn justworks_signs_in_with_oauth_and_its_members_join_the_other_tools_by_work_email() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let mut justworks = None;
    for p in [Provider::BambooHr, Provider::Gusto, Provider::Justworks] {
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
        if p == Provider::Justworks {
            justworks = Some(c);
        }
    }
    let justworks = justworks.unwrap();
    assert_eq!(justworks.provider, "justworks");
    // The sign-in went through the file's authorize and token endpoints, not an API key.
    let asked: Vec<String> = sandbox
        .requests(Provider::Justworks)
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(asked.iter().any(|p| p == "/oauth/authorize"), "{asked:?}");
    assert!(asked.iter().any(|p| p == "/oauth/token"), "{asked:?}");

    app.reconcile(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    let seeded = &sandbox.company().people;
    for seed in seeded {
        let person = people
            .iter()
            .find(|p| p.work_email.as_deref() == Some(seed.work_email.as_str()))
            .unwrap_or_else(|| panic!("{} missing", seed.work_email));
        let providers: Vec<&str> = person.records.iter().map(|r| r.provider.as_str()).collect();
        assert!(
            providers.contains(&"justworks")
                && providers.contains(&"bamboohr")
                && providers.contains(&"gusto"),
            "{}: {providers:?}",
            seed.work_email
        );
        assert!(!person.needs_review, "{}", seed.work_email);
    }
    assert_eq!(
        stored(&app, company.id, EntityKind::Employee).await.len(),
        seeded.len()
    );
    assert_eq!(
        stored(&app, company.id, EntityKind::Compensation)
            .await
            .len(),
        seeded.len()
    );

    // Enrollments: the benefit deductions taken every paycheck, nothing else.
    let rows = sandbox.records(Provider::Justworks, "deductions");
    let benefits: Vec<_> = rows
        .iter()
        .filter(|r| {
            r["frequency"] == "every_paycheck"
                && ["MEDICAL", "DENTAL", "401K", "COMMUTER"]
                    .contains(&r["deduction_type_code"].as_str().unwrap())
        })
        .collect();
    let enrollments = stored(&app, company.id, EntityKind::BenefitEnrollment).await;
    assert_eq!(enrollments.len(), benefits.len());
    assert!(enrollments.len() < rows.len());
    let medical = benefits
        .iter()
        .find(|r| r["deduction_type_code"] == "MEDICAL")
        .unwrap();
    let stored_medical = enrollments
        .iter()
        .find(|e| e.remote_id == medical["id"].as_str().unwrap())
        .unwrap();
    let cents = medical["amount"].as_i64().unwrap();
    let want = format!("{}.{:02}", cents / 100, cents % 100);
    assert_eq!(
        stored_medical.data["employee_contribution"]["amount"],
        want.as_str(),
        "{}",
        stored_medical.data
    );
    assert_eq!(
        stored_medical.data["employee_contribution"]["currency"],
        "USD"
    );
    assert_eq!(
        stored(&app, company.id, EntityKind::BenefitPlan)
            .await
            .len(),
        4
    );

    // A day later the access token has expired: the next sync refreshes it on the 401.
    sandbox.expire_access_tokens(Provider::Justworks);
    let before = sandbox
        .requests(Provider::Justworks)
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .count();
    for o in app
        .sync_connection(company.id, justworks.id, None, Mode::Full)
        .await
        .unwrap()
    {
        assert!(o.error.is_none(), "{o:?}");
    }
    let after = sandbox
        .requests(Provider::Justworks)
        .iter()
        .filter(|r| r.path == "/oauth/token")
        .count();
    assert_eq!(after, before + 1);
    sandbox.shutdown().await;
}
