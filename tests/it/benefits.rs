//! Benefits across BambooHR and Gusto, end to end: both connected through the app and synced,
//! the sandbox's three benefit discrepancies (`maestro_sandbox::benefits::situations`) raise
//! their alerts for exactly the right people, the person page shows each enrollment with the
//! system that says so next to what payroll deducts, and once the sandbox's data no longer has
//! the causes, the next sync resolves the alerts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use maestro_app::App;
use maestro_app::benefit_checks::{
    KIND_AFTER_TERMINATION, KIND_NO_DEDUCTION, KIND_NO_ENROLLMENT, PersonBenefitsView,
};
use maestro_core::clock::SystemClock;
use maestro_core::ids::CompanyId;
use maestro_core::model::{BenefitKind, EnrollmentStatus};
use maestro_http::RetryPolicy;
use maestro_sandbox::benefits::{MEDICAL_PLAN_ID, situations};
use maestro_sandbox::seed::Person;
use maestro_sandbox::{PerProvider, Provider, Sandbox, SandboxConfig};
use maestro_store::alerts::Alert;
use maestro_store::{MemorySecretStore, NewKey};

const KINDS: [&str; 3] = [
    KIND_NO_DEDUCTION,
    KIND_NO_ENROLLMENT,
    KIND_AFTER_TERMINATION,
];

async fn benefit_alerts(app: &App, company: CompanyId) -> Vec<Alert> {
    app.open_alerts(company)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| KINDS.contains(&a.kind.as_str()))
        .collect()
}

async fn page_of(app: &App, company: CompanyId, who: &Person) -> PersonBenefitsView {
    let person = app
        .people(company)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.work_email.as_deref() == Some(who.work_email.as_str()))
        .unwrap_or_else(|| panic!("{} is on the people page", who.full_name()));
    app.person_benefits(company, person.identity_id)
        .await
        .unwrap()
}

#[tokio::test]
async fn benefit_alerts_name_the_right_people_and_resolve_when_the_cause_goes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
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
    let company = app.company(None).await.unwrap();
    let bamboo = app
        .connect_sandbox_provider(&company, &sandbox, Provider::BambooHr)
        .await
        .unwrap()
        .id;
    let gusto = app
        .connect_sandbox_provider(&company, &sandbox, Provider::Gusto)
        .await
        .unwrap()
        .id;
    let company = company.id;
    super::support::sync_clean(&app, company, bamboo).await;
    super::support::sync_clean(&app, company, gusto).await;

    let s = situations(sandbox.company());
    let person = |i: Option<usize>| sandbox.company().people[i.unwrap()].clone();
    let unpaid = person(s.enrolled_without_deduction);
    let waived = person(s.deduction_without_enrollment);
    let left = person(s.enrolled_after_termination);

    // Exactly the three alerts, each about its person, in plain words naming both systems.
    let alerts = benefit_alerts(&app, company).await;
    let titles: Vec<&str> = alerts.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(alerts.len(), 3, "{titles:#?}");
    let one = |kind: &str| {
        let of: Vec<&Alert> = alerts.iter().filter(|a| a.kind == kind).collect();
        assert_eq!(of.len(), 1, "{kind}: {titles:#?}");
        of[0].clone()
    };
    let no_deduction = one(KIND_NO_DEDUCTION);
    assert!(
        no_deduction.title.starts_with(&unpaid.full_name()),
        "{no_deduction:?}"
    );
    assert!(
        no_deduction.title.contains("Kaiser Silver 70"),
        "{no_deduction:?}"
    );
    assert!(no_deduction.detail.contains("BambooHR") && no_deduction.detail.contains("Gusto"));
    assert!(no_deduction.detail.contains("$85.00") || no_deduction.detail.contains("85.00"));
    let no_enrollment = one(KIND_NO_ENROLLMENT);
    assert!(
        no_enrollment.title.starts_with(&waived.full_name()),
        "{no_enrollment:?}"
    );
    assert!(
        no_enrollment.detail.contains("Medical (Kaiser Silver 70)"),
        "{no_enrollment:?}"
    );
    let after = one(KIND_AFTER_TERMINATION);
    assert!(after.title.starts_with(&left.full_name()), "{after:?}");
    let left_on = left.terminated_on.unwrap().to_string();
    assert!(after.title.contains(&left_on), "{after:?}");
    assert!(after.detail.contains("with no end date"), "{after:?}");
    // Each alert leads to its person.
    let people = app.alert_people(company, &alerts).await.unwrap();
    assert_eq!(people.len(), 3, "{people:?}");

    // Syncing again changes nothing.
    super::support::sync_clean(&app, company, bamboo).await;
    assert_eq!(app.check_benefits(company).await.unwrap(), 3);
    assert_eq!(benefit_alerts(&app, company).await.len(), 3);

    // The person page: enrollments with the system that says so, next to what Gusto deducts.
    let first = sandbox.company().people[0].clone();
    let page = page_of(&app, company, &first).await;
    let medical = page
        .enrollments
        .iter()
        .find(|e| e.kind == BenefitKind::Medical)
        .unwrap();
    assert_eq!(medical.provider, "bamboohr");
    assert_eq!(medical.status, Some(EnrollmentStatus::Active));
    assert_eq!(
        medical.employee_amount.as_ref().unwrap().to_string(),
        "125.00 USD"
    );
    assert_eq!(
        medical.deducted_as.as_deref(),
        Some("Medical (Kaiser Silver 70)")
    );
    let saver = page
        .enrollments
        .iter()
        .find(|e| e.kind == BenefitKind::Retirement)
        .unwrap();
    assert_eq!(saver.employee_amount, None);
    assert_eq!(saver.employee_percent, Some(4.into()));
    assert_eq!(saver.deducted_as.as_deref(), Some("401(k)"));
    assert!(
        page.enrollments
            .iter()
            .any(|e| e.kind == BenefitKind::Dental && e.status == Some(EnrollmentStatus::Pending))
    );
    let payroll = page.payroll.unwrap();
    assert_eq!(payroll.provider, "gusto");
    assert!(payroll.deductions.iter().all(|d| d.matched), "{payroll:?}");
    let unpaid_page = page_of(&app, company, &unpaid).await;
    assert_eq!(unpaid_page.enrollments[0].deducted_as, None);
    let waived_page = page_of(&app, company, &waived).await;
    assert!(
        waived_page
            .payroll
            .unwrap()
            .deductions
            .iter()
            .any(|d| !d.matched)
    );

    // The causes go in BambooHR: the hourly person withdraws, the salaried one enrolls, and
    // the enrollment of the person who left ends the day they left.
    let today = sandbox.company().today;
    sandbox
        .set_bamboohr_enrollment(unpaid.bamboo_id, MEDICAL_PLAN_ID, "Withdrew", today)
        .unwrap();
    sandbox
        .set_bamboohr_enrollment(waived.bamboo_id, MEDICAL_PLAN_ID, "Enrolled", today)
        .unwrap();
    sandbox
        .set_bamboohr_enrollment(
            left.bamboo_id,
            MEDICAL_PLAN_ID,
            "Terminated",
            left.terminated_on.unwrap(),
        )
        .unwrap();
    super::support::sync_clean(&app, company, bamboo).await;
    let still: Vec<String> = benefit_alerts(&app, company)
        .await
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert!(still.is_empty(), "{still:#?}");
    let mut conn = app.store().pool().acquire().await.unwrap();
    let resolved: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM alerts WHERE company_id = ?1 AND state = 'resolved' ORDER BY kind",
    )
    .bind(company.to_string())
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for kind in KINDS {
        assert!(resolved.iter().any(|k| k == kind), "{kind}: {resolved:?}");
    }
    drop(conn);
    sandbox.shutdown().await;
}
