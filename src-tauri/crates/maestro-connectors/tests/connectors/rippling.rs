//! Rippling through the registry against its emulator: the HRIS streams besides workers
//! (departments, work locations, compensations) equal the seeded company, money exactly.

use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind, PayPeriod};
use maestro_core::sensitive::Sensitive;
use maestro_http::Auth;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use rust_decimal::Decimal;

use crate::support::{connector, context, read_all};

async fn rippling() -> (Sandbox, std::sync::Arc<dyn maestro_connectors::Connector>) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let auth = Auth::Bearer(Sensitive::new(sb.credentials().rippling.api_token));
    let c = connector(
        "rippling",
        context(&sb.base_url(Provider::Rippling), auth, &[]),
    );
    (sb, c)
}

#[tokio::test]
async fn departments_locations_and_pay_are_the_seeded_company() {
    let (sb, c) = rippling().await;
    let company = sb.company().clone();
    let (departments, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
    let mut names: Vec<String> = departments
        .iter()
        .map(|r| match r {
            CanonicalRecord::Department(d) => d.name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut want: Vec<String> = company.departments.iter().map(|d| d.title.into()).collect();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    let (locations, _) = read_all(c.as_ref(), EntityKind::Location, None).await;
    assert_eq!(locations.len(), company.locations.len());
    for (r, seed) in locations.iter().zip(&company.locations) {
        let CanonicalRecord::Location(l) = r else {
            panic!()
        };
        assert_eq!(l.name.as_deref(), Some(seed.name));
        assert_eq!(l.address.postal_code.as_deref(), Some(seed.zip));
    }
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    let (pay, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
    assert_eq!(pay.len(), company.people.len());
    for ((person, comp), seed) in people.iter().zip(&pay).zip(&company.people) {
        let (CanonicalRecord::Employee(e), CanonicalRecord::Compensation(p)) = (person, comp)
        else {
            panic!()
        };
        assert_eq!(e.work_email.as_deref(), Some(seed.work_email.as_str()));
        assert_eq!(e.first_name.as_deref(), Some(seed.first_name.as_str()));
        assert_eq!(e.last_name.as_deref(), Some(seed.last_name.as_str()));
        assert_eq!(e.start_date, Some(seed.hire_date));
        assert_eq!(
            e.employment_status == EmploymentStatus::Terminated,
            seed.terminated_on.is_some()
        );
        assert_eq!(p.employee_remote_id, e.provenance.remote_id);
        assert_eq!(p.rate.currency.code(), "USD");
        assert_eq!(p.effective_date, seed.hire_date);
        // Department and work location ids point at records that were read.
        assert!(
            departments
                .iter()
                .any(|d| Some(&d.provenance().remote_id) == e.department_remote_id.as_ref())
        );
        assert!(
            locations
                .iter()
                .any(|l| Some(&l.provenance().remote_id) == e.work_location_remote_id.as_ref())
        );
        let (rate, period) = if seed.pay.is_hourly() {
            (seed.pay.rate(), PayPeriod::Hour)
        } else {
            (seed.pay.rate(), PayPeriod::Year)
        };
        assert_eq!(
            (p.rate.amount, p.period),
            (rate, period),
            "{}",
            seed.work_email
        );
        assert!(p.rate.amount > Decimal::ZERO);
    }
    sb.shutdown().await;
}
