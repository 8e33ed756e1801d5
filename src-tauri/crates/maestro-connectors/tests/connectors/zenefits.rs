//! Zenefits through the registry against its emulator: people, employments, departments and
//! locations equal the seeded company, pay exactly in USD, and every relation id points at a
//! record that was read.

use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind, PayPeriod};
use maestro_core::sensitive::Sensitive;
use maestro_http::Auth;
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use rust_decimal::Decimal;

use crate::support::{connector, context, read_all};

async fn zenefits() -> (Sandbox, std::sync::Arc<dyn maestro_connectors::Connector>) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let auth = Auth::Bearer(Sensitive::new(sb.credentials().zenefits.api_token));
    let c = connector(
        "zenefits",
        context(&sb.base_url(Provider::Zenefits), auth, &[]),
    );
    (sb, c)
}

#[tokio::test]
async fn people_employments_departments_and_locations_are_the_seeded_company() {
    let (sb, c) = zenefits().await;
    let company = sb.company().clone();
    assert_eq!(c.check().await.unwrap().account, company.name);
    let (departments, _) = read_all(c.as_ref(), EntityKind::Department, None).await;
    let names: Vec<String> = departments
        .iter()
        .map(|r| match r {
            CanonicalRecord::Department(d) => d.name.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: Vec<String> = company.departments.iter().map(|d| d.title.into()).collect();
    assert_eq!(names, want);
    let (locations, _) = read_all(c.as_ref(), EntityKind::Location, None).await;
    assert_eq!(locations.len(), company.locations.len());
    for (r, seed) in locations.iter().zip(&company.locations) {
        let CanonicalRecord::Location(l) = r else {
            panic!()
        };
        assert_eq!(l.name.as_deref(), Some(seed.name));
        assert_eq!(l.address.street_1.as_deref(), Some(seed.street));
        assert_eq!(l.address.postal_code.as_deref(), Some(seed.zip));
    }
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    assert_eq!(people.len(), company.people.len());
    assert_eq!(jobs.len(), company.people.len());
    let id_of = |r: &CanonicalRecord| r.provenance().remote_id.clone();
    for ((person, job), seed) in people.iter().zip(&jobs).zip(&company.people) {
        let (CanonicalRecord::Employee(e), CanonicalRecord::Employment(j)) = (person, job) else {
            panic!()
        };
        assert_eq!(e.work_email.as_deref(), Some(seed.work_email.as_str()));
        assert_eq!(e.first_name.as_deref(), Some(seed.first_name.as_str()));
        assert_eq!(e.last_name.as_deref(), Some(seed.last_name.as_str()));
        assert_eq!(
            e.employment_status == EmploymentStatus::Terminated,
            seed.terminated_on.is_some()
        );
        assert_eq!(e.manager_remote_id, seed.manager.map(|m| id_of(&people[m])));
        assert_eq!(
            e.department_remote_id,
            Some(id_of(&departments[seed.department]))
        );
        assert_eq!(
            e.work_location_remote_id,
            Some(id_of(&locations[seed.location]))
        );
        assert_eq!(j.employee_remote_id, e.provenance.remote_id);
        assert_eq!(j.effective_date, Some(seed.hire_date));
        let rate = j.pay_rate.unwrap();
        assert_eq!(rate.currency.code(), "USD");
        let period = if seed.pay.is_hourly() {
            PayPeriod::Hour
        } else {
            PayPeriod::Year
        };
        assert_eq!(
            (rate.amount, j.pay_period),
            (seed.pay.rate(), Some(period)),
            "{}",
            seed.work_email
        );
        assert!(rate.amount > Decimal::ZERO);
    }
    sb.shutdown().await;
}
