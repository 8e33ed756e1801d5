//! ADP Workforce Now as the company's payroll, connected through the app as the wizard does (the
//! client id and secret, and the client certificate and key pasted as PEM) over mutual TLS with
//! the sandbox, beside BambooHR: every worker joins the same person by work email, pay
//! statements are stored, and the pay-rate and termination alerts name ADP. A certificate that
//! is not PEM, or a key that is not the certificate's, is refused on the form before any
//! request reaches ADP, and nothing is saved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use maestro_app::ErrorCode;
use maestro_core::model::EntityKind;
use maestro_sandbox::Provider;

#[tokio::test]
async fn adp_over_mutual_tls_joins_the_people_and_raises_the_payroll_alerts() {
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    super::support::connect_and_sync(
        &app,
        &sandbox,
        &company,
        &[Provider::BambooHr, Provider::Adp],
    )
    .await;
    app.reconcile(company.id).await.unwrap();
    let people = app.people(company.id).await.unwrap();
    for seed in &sandbox.company().people {
        let person = people
            .iter()
            .find(|p| p.work_email.as_deref() == Some(seed.work_email.as_str()))
            .unwrap_or_else(|| panic!("{} missing", seed.work_email));
        let providers: Vec<&str> = person.records.iter().map(|r| r.provider.as_str()).collect();
        assert!(
            providers.contains(&"adp"),
            "{}: {providers:?}",
            seed.work_email
        );
    }
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
    // The file asks for each worker's last 6 pay dates (numberoflastpaydates = 6).
    let mut per_worker: std::collections::BTreeMap<String, usize> = Default::default();
    for s in sandbox.records(Provider::Adp, "pay_statements") {
        let href = s["payDetailUri"]["href"].as_str().unwrap().to_owned();
        let worker = href.split("/pay-statements/").next().unwrap().to_owned();
        *per_worker.entry(worker).or_default() += 1;
    }
    assert_eq!(
        statements.len(),
        per_worker.values().map(|n| (*n).min(6)).sum::<usize>()
    );
    app.detect_conflicts(company.id).await.unwrap();
    let alerts = app.open_alerts(company.id).await.unwrap();
    let c = sandbox.company();
    let mismatch = &c.people[c
        .rate_mismatch
        .expect("the sandbox injects a rate mismatch")];
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "pay_rate_mismatch" && a.title.contains(&mismatch.full_name())),
        "{alerts:#?}"
    );
    let stale = &c.people[c.stale_termination.expect("and a stale termination")];
    assert!(
        alerts.iter().any(|a| a.kind == "termination_mismatch"
            && a.title.contains(&stale.full_name())
            && a.title.contains("ADP")),
        "{alerts:#?}"
    );
    // BambooHR's benefit enrollments stand beside statements that list no deductions (ADP's
    // give no way to tell a benefit from a tax, so none are read): nothing can be said missing.
    app.check_benefits(company.id).await.unwrap();
    let alerts = app.open_alerts(company.id).await.unwrap();
    assert!(
        !alerts.iter().any(|a| a.title.contains("deducts nothing")),
        "{alerts:#?}"
    );
}

#[tokio::test]
async fn a_certificate_that_is_not_pem_or_a_key_that_is_not_its_own_is_refused_before_any_request()
{
    let (_dir, sandbox, app) = super::support::sandbox_app().await;
    let company = app.company(None).await.unwrap();
    let before = sandbox.request_count(Provider::Adp);
    let mut input = maestro_app::demo::sandbox_input(&sandbox, Provider::Adp).unwrap();
    input.values.insert(
        "client_certificate".into(),
        "MIIB...not a certificate".into(),
    );
    let err = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation, "{err:?}");
    assert_eq!(err.field.as_deref(), Some("client_certificate"));
    assert!(
        err.message.contains("not a PEM certificate"),
        "{}",
        err.message
    );
    // The certificate of another CA with the sandbox's key: not the key's certificate.
    let (other_cert, _) = maestro_sandbox::foreign_client_identity().unwrap();
    let mut input = maestro_app::demo::sandbox_input(&sandbox, Provider::Adp).unwrap();
    input.values.insert("client_certificate".into(), other_cert);
    let err = app
        .connect(&company, input, &maestro_app::demo::SandboxSignIn)
        .await
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("client_key"));
    assert!(err.message.contains("does not match"), "{}", err.message);
    assert!(
        !err.message.contains("PRIVATE KEY"),
        "no key material in words"
    );
    assert_eq!(
        sandbox.request_count(Provider::Adp),
        before,
        "nothing was sent"
    );
    let mut conn = app.store().pool().acquire().await.unwrap();
    assert!(
        maestro_store::connections::list(&mut conn, company.id)
            .await
            .unwrap()
            .is_empty()
    );
}
