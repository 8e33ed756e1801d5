//! ADP Workforce Now through the registry against its emulator, over mutual TLS: with the
//! client certificate the sandbox's CA signed, the token and every call succeed and the workers,
//! their pay and pay statements equal the seeded company; without it, or with a certificate from
//! another CA, the connection test fails in words about the certificate. A hire is written once
//! when ADP applied it but the answer was lost, and again once when the outbox retries.

use std::sync::Arc;

use chrono::NaiveDate;
use maestro_connectors::manifest::client_credentials_auth_with;
use maestro_connectors::{
    AuthKind, Connector, ConnectorContext, NewEmployee, Registry, WriteOp, WriteRequest,
};
use maestro_core::model::{CanonicalRecord, EmploymentStatus, EntityKind, PayPeriod};
use maestro_core::sensitive::Sensitive;
use maestro_http::identity::{
    ClientIdentity, MutualTls, build_client_with_identity, token_client_with_identity,
};
use maestro_http::{ClientOptions, IdempotencyKey};
use maestro_sandbox::{FaultPlan, Provider, Sandbox, SandboxConfig};

use crate::support::{connector, read_all, terminate_an_active_employee_and_read_back};

/// A context for ADP's emulator presenting `identity` (cert, key), or no certificate, and
/// trusting only the sandbox's CA (as the app does in sandbox mode).
pub fn context(sb: &Sandbox, identity: Option<(&str, &str)>, timeout_ms: u64) -> ConnectorContext {
    let manifest = Registry::builtin().get("adp").unwrap().manifest;
    let AuthKind::ApiKey { scheme } = manifest.auth else {
        panic!("{:?}", manifest.auth)
    };
    let c = sb.credentials().adp;
    let base = url::Url::parse(&sb.base_url(Provider::Adp)).unwrap();
    let ca = vec![c.ca_certificate.clone()];
    let options = ClientOptions {
        tls13_only: false,
        connect_timeout: std::time::Duration::from_secs(2),
        request_timeout: std::time::Duration::from_millis(timeout_ms),
    };
    let (http, token_http) = match identity {
        Some((cert, key)) => {
            let tls = MutualTls {
                identity: ClientIdentity::from_pem(cert, key, chrono::Utc::now()).unwrap(),
                trust_only: ca,
            };
            (
                build_client_with_identity(&options, &tls).unwrap(),
                token_client_with_identity(&tls).unwrap(),
            )
        }
        None => {
            let ca = reqwest::Certificate::from_pem(c.ca_certificate.as_bytes()).unwrap();
            let plain = reqwest::Client::builder()
                .tls_certs_only([ca])
                .build()
                .unwrap();
            (plain.clone(), plain)
        }
    };
    let auth = client_credentials_auth_with(
        manifest.name,
        scheme,
        (
            Sensitive::new(c.client_id.clone()),
            Sensitive::new(c.client_secret.clone()),
        ),
        &base,
        Arc::new(maestro_core::clock::SystemClock),
        token_http,
    )
    .unwrap();
    let mut ctx = crate::support::context(base.as_str(), auth, &[]);
    ctx.http = http;
    ctx
}

fn adp(sb: &Sandbox) -> Arc<dyn Connector> {
    let c = sb.credentials().adp;
    connector(
        "adp",
        context(sb, Some((&c.client_certificate, &c.client_key)), 3000),
    )
}

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig {
        rate_limits: maestro_sandbox::PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A JSON number as an exact decimal.
fn exact(v: &serde_json::Value) -> rust_decimal::Decimal {
    v.to_string().parse().unwrap()
}

#[tokio::test]
async fn workers_pay_and_pay_statements_are_the_seeded_company_over_mutual_tls() {
    let sb = start().await;
    let c = adp(&sb);
    let company = sb.company().clone();
    assert_eq!(c.check().await.unwrap().account, company.name);
    let (people, pages) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(people.len(), company.people.len());
    assert!(pages >= 1);
    for (r, p) in people.iter().zip(&company.people) {
        let CanonicalRecord::Employee(e) = r else {
            panic!("{r:?}")
        };
        assert_eq!(e.work_email.as_deref(), Some(p.work_email.as_str()));
        assert_eq!(e.hire_date, Some(p.hire_date));
        // Payroll's view: a termination payroll has processed (the demo's stale one is not).
        let want = if p.terminated_on.is_some() && p.terminated_in_gusto {
            EmploymentStatus::Terminated
        } else {
            EmploymentStatus::Active
        };
        assert_eq!(e.employment_status, want, "{}", p.work_email);
    }
    let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    for (r, p) in jobs.iter().zip(&company.people) {
        let CanonicalRecord::Employment(j) = r else {
            panic!("{r:?}")
        };
        let pay = j.pay_rate.unwrap();
        assert_eq!(pay.amount, p.gusto_pay.rate(), "exact, not through a float");
        assert_eq!(pay.currency.code(), "USD");
        let period = if p.gusto_pay.is_hourly() {
            PayPeriod::Hour
        } else {
            PayPeriod::Year
        };
        assert_eq!(j.pay_period, Some(period));
    }
    let (statements, _) = read_all(c.as_ref(), EntityKind::PayStatement, None).await;
    let details = sb.records(Provider::Adp, "pay_statement_details");
    assert_eq!(
        details.len(),
        sb.records(Provider::Adp, "pay_statements").len()
    );
    // The file asks for each worker's last 6 pay dates (numberoflastpaydates = 6): one detail
    // read per listed statement, none twice.
    let mut per_worker: std::collections::BTreeMap<String, usize> = Default::default();
    for d in sb.records(Provider::Adp, "pay_statements") {
        let href = d["payDetailUri"]["href"].as_str().unwrap().to_owned();
        let worker = href.split("/pay-statements/").next().unwrap().to_owned();
        *per_worker.entry(worker).or_default() += 1;
    }
    assert_eq!(
        statements.len(),
        per_worker.values().map(|n| (*n).min(6)).sum::<usize>()
    );
    // Each statement is its detail: the pay period, hours and earnings the list does not give,
    // for the worker in its link, with gross pay exact and equal to its earnings.
    let ids: Vec<&str> = people
        .iter()
        .map(|r| match r {
            CanonicalRecord::Employee(e) => e.provenance.remote_id.as_str(),
            _ => "",
        })
        .collect();
    for r in &statements {
        let CanonicalRecord::PayStatement(s) = r else {
            panic!("{r:?}")
        };
        assert!(ids.contains(&s.employee_remote_id.as_str()), "{s:?}");
        let (start, end) = (s.period_start.unwrap(), s.period_end.unwrap());
        assert!(start < end && Some(end) <= s.check_date, "{s:?}");
        let detail = details
            .iter()
            .find(|d| {
                d["payPeriod"]["endDate"] == end.to_string().as_str()
                    && exact(&d["grossPayAmount"]["amountValue"]) == s.gross_pay.amount
                    && Some(exact(&d["totalHours"])) == s.total_hours
            })
            .unwrap_or_else(|| panic!("no such detail: {s:?}"));
        assert_eq!(detail["payPeriod"]["startDate"], start.to_string().as_str());
        assert_eq!(s.earnings.len(), 1);
        assert_eq!(s.earnings_total().unwrap(), s.gross_pay);
        assert_eq!(s.earnings[0].hours, s.total_hours);
        assert!(
            s.provenance.remote_id.starts_with(&format!(
                "/payroll/v1/workers/{}/pay-statements/",
                s.employee_remote_id
            )),
            "{}",
            s.provenance.remote_id
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn without_the_signed_client_certificate_the_connection_is_refused_in_words() {
    let sb = start().await;
    let none = connector("adp", context(&sb, None, 3000));
    let err = none.check().await.unwrap_err().to_string();
    assert!(err.contains("ADP refused the client certificate"), "{err}");
    let (cert, key) = maestro_sandbox::foreign_client_identity().unwrap();
    let stranger = connector("adp", context(&sb, Some((&cert, &key)), 3000));
    let err = stranger.check().await.unwrap_err().to_string();
    assert!(err.contains("ADP refused the client certificate"), "{err}");
    assert_eq!(sb.tokens_issued(Provider::Adp), 0, "no token without mTLS");
    sb.shutdown().await;
}

fn hire(email: &str) -> WriteRequest {
    WriteRequest {
        op: WriteOp::CreateEmployee(NewEmployee {
            first_name: "Nia".into(),
            last_name: "Okafor".into(),
            work_email: email.into(),
            job_title: Some("Baker".into()),
            department: Some("Bakery".into()),
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5),
            date_of_birth: None,
        }),
        idempotency_key: IdempotencyKey::from_stable("hris:nia"),
    }
}

fn workers_with(sb: &Sandbox, email: &str) -> usize {
    sb.records(Provider::Adp, "workers")
        .iter()
        .filter(|w| w["businessCommunication"]["emails"][0]["emailUri"].as_str() == Some(email))
        .count()
}

#[tokio::test]
async fn a_hire_whose_answer_is_lost_after_adp_applied_it_is_written_once_under_retries() {
    let sb = start().await;
    let email = "nia.okafor@bluebird.example";
    let c = sb.credentials().adp;
    let conn = connector(
        "adp",
        context(&sb, Some((&c.client_certificate, &c.client_key)), 700),
    );
    conn.check().await.unwrap();
    // ADP applies the hire, then the answer never comes (the client times out).
    sb.set_faults(
        Provider::Adp,
        FaultPlan {
            lost_answers: 1,
            delay_ms: 1500,
            ..FaultPlan::default()
        },
    );
    let first = conn.write(&hire(email)).await;
    assert_eq!(workers_with(&sb, email), 1, "ADP applied it once");
    // Either settled at once by the lookup, or left for the outbox: both name one worker.
    if let Ok(outcome) = &first {
        assert!(outcome.applied_now);
    }
    // The outbox retries the same write: it finds the worker and posts nothing.
    let again = conn.write(&hire(email)).await.unwrap();
    assert!(!again.applied_now);
    assert_eq!(workers_with(&sb, email), 1, "exactly one worker");
    let hires = sb
        .records(Provider::Adp, "events")
        .iter()
        .filter(|e| e["event"] == "worker.hire")
        .count();
    assert_eq!(hires, 1, "one hire event posted");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_termination_is_sent_as_an_event_and_read_back() {
    let sb = start().await;
    let conn = adp(&sb);
    let day = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    terminate_an_active_employee_and_read_back(conn.as_ref(), day).await;
    sb.shutdown().await;
}
