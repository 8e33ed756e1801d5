//! Paychex Flex through the registry against its emulator: client credentials in the token
//! operation's body, the company's workers, pay rates, pay periods and processed checks equal
//! the seeded company (amounts exact, days as days, hours from the earnings), a new employee is
//! never added twice when Paychex applied it but the answer was lost (Paychex does not list
//! the in-progress worker, so the owner is asked to look in Flex), and a change is sent as the
//! spec's PATCH.

use std::sync::Arc;

use maestro_connectors::manifest::client_credentials_auth;
use maestro_connectors::{
    AuthKind, Connector, EmployeeChanges, NewEmployee, Registry, WriteOp, WriteRequest,
};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind, PayPeriod};
use maestro_core::money::{Currency, Money};
use maestro_core::sensitive::Sensitive;
use maestro_http::{ClientOptions, IdempotencyKey, build_client};
use maestro_sandbox::seed::Pay;
use maestro_sandbox::{FaultPlan, Provider, Sandbox, SandboxConfig};

use crate::support::{connector, context, read_all, terminate_an_active_employee_and_read_back};

fn paychex(sb: &Sandbox, timeout_ms: u64) -> Arc<dyn Connector> {
    let manifest = Registry::builtin().get("paychex").unwrap().manifest;
    let AuthKind::ApiKey { scheme } = manifest.auth else {
        panic!("{:?}", manifest.auth)
    };
    let c = sb.credentials().paychex;
    let base = sb.base_url(Provider::Paychex);
    let auth = client_credentials_auth(
        manifest.name,
        scheme,
        Sensitive::new(c.client_id),
        Sensitive::new(c.client_secret),
        &url::Url::parse(&base).unwrap(),
        Arc::new(maestro_core::clock::SystemClock),
    )
    .unwrap();
    let mut ctx = context(&base, auth, &[]);
    ctx.http = build_client(&ClientOptions {
        tls13_only: false,
        connect_timeout: std::time::Duration::from_secs(2),
        request_timeout: std::time::Duration::from_millis(timeout_ms),
    })
    .unwrap();
    connector("paychex", ctx)
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

#[tokio::test]
async fn workers_pay_rates_and_checks_equal_the_seeded_company() {
    let sb = start().await;
    let c = paychex(&sb, 3000);
    let report = c.check().await.unwrap();
    assert_eq!(report.account, sb.company().legal_name);
    let company = sb.company();
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(people.len(), company.people.len());
    let (contractors, _) = read_all(c.as_ref(), EntityKind::Contractor, None).await;
    assert_eq!(contractors.len(), usize::from(company.contractor.is_some()));
    let (rates, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
    assert_eq!(rates.len(), company.people.len());
    for (seed, (person, rate)) in company.people.iter().zip(people.iter().zip(&rates)) {
        let (CanonicalRecord::Employee(e), CanonicalRecord::Compensation(r)) = (person, rate)
        else {
            panic!("{person:?} {rate:?}")
        };
        assert_eq!(e.work_email.as_deref(), Some(seed.work_email.as_str()));
        assert_eq!(e.personal_email.as_deref(), Some(seed.home_email.as_str()));
        assert_eq!(e.hire_date, Some(seed.hire_date));
        // Payroll's view: a leaver payroll has not processed is still active there.
        let gone = seed.terminated_on.filter(|_| seed.terminated_in_gusto);
        assert_eq!(e.termination_date, gone);
        assert_eq!(
            e.employment_status == EmploymentStatus::Terminated,
            gone.is_some()
        );
        assert!(e.ssn.is_none() && e.date_of_birth.is_none());
        assert_eq!(r.employee_remote_id, e.provenance.remote_id);
        let (amount, period) = match seed.gusto_pay {
            Pay::Hourly(a) => (a, PayPeriod::Hour),
            Pay::Salary(a) => (a, PayPeriod::Year),
        };
        assert_eq!(r.rate, Money::new(amount, Currency::USD));
        assert_eq!(r.period, period);
    }
    let (runs, _) = read_all(c.as_ref(), EntityKind::PayrollRun, None).await;
    let (statements, _) = read_all(c.as_ref(), EntityKind::PayStatement, None).await;
    assert_eq!(
        statements.len(),
        sb.records(Provider::Paychex, "checks").len()
    );
    let payrolls = sb.gusto_payrolls();
    assert_eq!(runs.len(), payrolls.len());
    for s in &statements {
        let CanonicalRecord::PayStatement(s) = s else {
            panic!()
        };
        let start = s.period_start.unwrap();
        let run = runs
            .iter()
            .find_map(|r| match r {
                CanonicalRecord::PayrollRun(r)
                    if Some(&r.provenance.remote_id) == s.payroll_run_remote_id.as_ref() =>
                {
                    Some(r)
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (run.period_start, run.period_end),
            (start, s.period_end.unwrap())
        );
        // Exactly what Gusto's emulator pays the same person for the same period.
        let person = people
            .iter()
            .position(|p| p.provenance().remote_id == s.employee_remote_id)
            .unwrap();
        let uuid = &company.people[person].gusto_uuid;
        let paid = payrolls
            .iter()
            .filter(|p| p["processed"] == true)
            .find(|p| p["pay_period"]["start_date"].as_str() == Some(&start.to_string()))
            .and_then(|p| {
                p["employee_compensations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["employee_uuid"].as_str() == Some(uuid))
            })
            .unwrap();
        let hours: rust_decimal::Decimal = paid["hourly_compensations"][0]["hours"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(s.total_hours.unwrap().normalize(), hours.normalize());
        let gross: rust_decimal::Decimal = paid["gross_pay"].to_string().parse().unwrap();
        assert_eq!(s.gross_pay, Money::new(gross, Currency::USD));
        assert_eq!(s.computed_net_pay().unwrap(), s.net_pay);
    }
    // Every list asked for with its vendor media type (the emulator refuses others with 406),
    // one token for the whole read.
    assert_eq!(sb.tokens_issued(Provider::Paychex), 1);
    sb.shutdown().await;
}

fn hire(email: &str) -> WriteRequest {
    WriteRequest {
        op: WriteOp::CreateEmployee(NewEmployee {
            first_name: "Nia".into(),
            last_name: "Okafor".into(),
            work_email: email.into(),
            job_title: Some("Pastry cook".into()),
            department: None,
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 14),
            date_of_birth: None,
        }),
        idempotency_key: IdempotencyKey::from_stable("hire:nia"),
    }
}

fn workers_with(sb: &Sandbox, email: &str) -> Vec<serde_json::Value> {
    sb.records(Provider::Paychex, "workers")
        .into_iter()
        .filter(|w| {
            w["communications"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["uri"].as_str() == Some(email))
        })
        .collect()
}

#[tokio::test]
async fn a_new_worker_whose_answer_is_lost_is_never_posted_twice_and_the_owner_is_told() {
    let sb = start().await;
    let email = "nia.okafor@bluebird.example";
    let conn = paychex(&sb, 700);
    conn.check().await.unwrap();
    // Past the company list and the lookup, Paychex applies the create, then the answer
    // never comes (the client times out).
    sb.set_faults(
        Provider::Paychex,
        FaultPlan {
            pass_first: 2,
            lost_answers: 1,
            delay_ms: 1500,
            ..FaultPlan::default()
        },
    );
    let first = conn.write(&hire(email)).await;
    let added = workers_with(&sb, email);
    assert_eq!(added.len(), 1, "Paychex applied it once");
    // Paychex does not list the in-progress worker (no legal id: see the emulator), so the
    // lookup after the lost answer cannot settle it: the write stops with an error the outbox
    // does not retry by itself, naming the worker and where to look.
    let e = first.unwrap_err();
    assert!(!e.kind().is_retryable(), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("Nia Okafor")
            && text.contains("in-progress worker")
            && text.contains("Paychex Flex"),
        "{text}"
    );
    assert_eq!(added[0]["currentStatus"]["statusType"], "IN_PROGRESS");
    assert_eq!(added[0]["hireDate"], "2026-12-14T00:00:00Z");
    // The correlation id sent with the create is the write's key.
    assert_eq!(added[0]["workerCorrelationId"], "hire:nia");
    let posts = sb
        .requests(Provider::Paychex)
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/workers"))
        .count();
    assert_eq!(posts, 1, "one create posted");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_change_is_patched_and_what_paychex_cannot_take_is_refused_in_words() {
    let sb = start().await;
    let conn = paychex(&sb, 3000);
    let (people, _) = read_all(conn.as_ref(), EntityKind::Employee, None).await;
    let id = people[0].provenance().remote_id.clone();
    let change = |changes: EmployeeChanges| WriteRequest {
        op: WriteOp::UpdateEmployee {
            remote_id: id.clone(),
            changes,
        },
        idempotency_key: IdempotencyKey::from_stable("change:1"),
    };
    let out = conn
        .write(&change(EmployeeChanges {
            job_title: Some("Head baker".into()),
            ..EmployeeChanges::default()
        }))
        .await
        .unwrap();
    assert!(out.applied_now);
    let (jobs, _) = read_all(conn.as_ref(), EntityKind::Employment, None).await;
    let job = jobs
        .iter()
        .find_map(|r| match r {
            CanonicalRecord::Employment(j) if j.employee_remote_id == id => Some(j),
            _ => None,
        })
        .unwrap();
    assert_eq!(job.job_title.as_deref(), Some("Head baker"));
    let err = conn
        .write(&change(EmployeeChanges {
            work_email: Some("new@bluebird.example".into()),
            ..EmployeeChanges::default()
        }))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("only in Flex"), "{err}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_termination_is_the_workers_status_patched_and_read_back() {
    let sb = start().await;
    let conn = paychex(&sb, 3000);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    terminate_an_active_employee_and_read_back(conn.as_ref(), day).await;
    sb.shutdown().await;
}
