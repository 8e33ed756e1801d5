//! Justworks through the registry against its emulator, signed in with OAuth (the emulator's
//! pre-issued pair, refreshed as the app refreshes): members equal the seeded company with
//! their pay exact from integer minor units; benefit deductions become enrollments with the
//! contribution per pay period exact (amounts) or the percentage exact (four decimals), other
//! deductions none; an expired access token is refreshed once and the rotated refresh token
//! saved before it is used.

use std::sync::{Arc, Mutex};

use maestro_core::model::{BenefitKind, CanonicalRecord, EmploymentStatus, EntityKind, PayPeriod};
use maestro_core::money::Currency;
use maestro_core::sensitive::Sensitive;
use maestro_http::Auth;
use maestro_http::oauth::{
    OAuthClientConfig, OAuthError, TokenManager, TokenPersistence, TokenSet,
};
use maestro_sandbox::{Provider, Sandbox, SandboxConfig};
use rust_decimal::Decimal;

use crate::support::{connector, context, read_all};

/// Remembers every token set saved.
#[derive(Default)]
struct Saved(Mutex<Vec<TokenSet>>);

#[async_trait::async_trait]
impl TokenPersistence for Saved {
    async fn save(&self, tokens: &TokenSet) -> Result<(), OAuthError> {
        self.0.lock().unwrap().push(tokens.clone());
        Ok(())
    }
}

async fn justworks() -> (Sandbox, Arc<dyn maestro_connectors::Connector>, Arc<Saved>) {
    let sb = Sandbox::start(SandboxConfig {
        rate_limits: maestro_sandbox::PerProvider::default(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sb.base_url(Provider::Justworks);
    let c = sb.credentials().justworks;
    let cfg = OAuthClientConfig::new(
        "Justworks",
        c.client_id,
        url::Url::parse(&format!("{base}/oauth/authorize")).unwrap(),
        url::Url::parse(&format!("{base}/oauth/token")).unwrap(),
    )
    .with_secret(c.client_secret);
    let saved = Arc::new(Saved::default());
    let tokens = TokenSet {
        access_token: Sensitive::new(c.access_token),
        refresh_token: Some(Sensitive::new(c.refresh_token)),
        expires_at: None,
        scope: None,
        refresh_expires_at: None,
    };
    let auth = Auth::OAuth(Arc::new(TokenManager::new(
        cfg,
        maestro_http::oauth::token_http_client().unwrap(),
        tokens,
        saved.clone(),
        Arc::new(maestro_core::clock::SystemClock),
    )));
    let conn = connector("justworks", context(&base, auth, &[]));
    (sb, conn, saved)
}

#[tokio::test]
async fn members_are_the_seeded_people_with_exact_pay_from_minor_units() {
    let (sb, c, _) = justworks().await;
    let company = sb.company().clone();
    assert_eq!(c.check().await.unwrap().account, company.name);
    let (people, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    let (pay, _) = read_all(c.as_ref(), EntityKind::Compensation, None).await;
    let (jobs, _) = read_all(c.as_ref(), EntityKind::Employment, None).await;
    assert_eq!(people.len(), company.people.len());
    assert_eq!(pay.len(), company.people.len());
    assert_eq!(jobs.len(), company.people.len());
    for seed in &company.people {
        let e = people
            .iter()
            .find_map(|r| match r {
                CanonicalRecord::Employee(e)
                    if e.work_email.as_deref() == Some(&seed.work_email) =>
                {
                    Some(e)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{} missing", seed.work_email));
        assert_eq!(e.first_name.as_deref(), Some(seed.first_name.as_str()));
        assert_eq!(e.start_date, Some(seed.hire_date));
        let gone = seed.terminated_on.is_some();
        assert_eq!(e.employment_status == EmploymentStatus::Terminated, gone);
        assert_eq!(e.termination_date, seed.terminated_on);
        let comp = pay
            .iter()
            .find_map(|r| match r {
                CanonicalRecord::Compensation(c)
                    if c.employee_remote_id == e.provenance.remote_id =>
                {
                    Some(c)
                }
                _ => None,
            })
            .unwrap();
        // Exactly the seeded rate: minor units / 100, no float in between.
        assert_eq!(comp.rate.amount, seed.pay.rate().round_dp(2));
        assert_eq!(comp.rate.currency, Currency::USD);
        let hourly = matches!(seed.pay, maestro_sandbox::seed::Pay::Hourly(_));
        assert_eq!(
            comp.period,
            if hourly {
                PayPeriod::Hour
            } else {
                PayPeriod::Year
            }
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn benefit_deductions_become_enrollments_and_other_deductions_nothing() {
    let (sb, c, _) = justworks().await;
    let (plans, _) = read_all(c.as_ref(), EntityKind::BenefitPlan, None).await;
    let kinds: Vec<BenefitKind> = plans
        .iter()
        .map(|r| match r {
            CanonicalRecord::BenefitPlan(p) => p.kind,
            other => panic!("{other:?}"),
        })
        .collect();
    // Medical, dental, 401(k), commuter; not the garnishment nor the uniform.
    assert_eq!(
        kinds,
        [
            BenefitKind::Medical,
            BenefitKind::Dental,
            BenefitKind::Retirement,
            BenefitKind::Commuter
        ]
    );
    let (enrollments, _) = read_all(c.as_ref(), EntityKind::BenefitEnrollment, None).await;
    let rows = sb.records(Provider::Justworks, "deductions");
    let benefit_rows: Vec<_> = rows
        .iter()
        .filter(|r| {
            r["frequency"] == "every_paycheck"
                && ["MEDICAL", "DENTAL", "401K", "COMMUTER"]
                    .contains(&r["deduction_type_code"].as_str().unwrap())
        })
        .collect();
    assert_eq!(enrollments.len(), benefit_rows.len());
    assert!(enrollments.len() < rows.len());
    for row in benefit_rows {
        let e = enrollments
            .iter()
            .find_map(|r| match r {
                CanonicalRecord::BenefitEnrollment(e)
                    if e.provenance.remote_id == row["id"].as_str().unwrap() =>
                {
                    Some(e)
                }
                _ => None,
            })
            .unwrap();
        let units = row["amount"].as_i64().unwrap();
        if row["amount_type"] == "percentage" {
            assert_eq!(e.employee_contribution, None);
            assert_eq!(
                e.employee_contribution_percent,
                Some(Decimal::new(units, 4))
            );
        } else {
            let m = e.employee_contribution.unwrap();
            assert_eq!(
                (m.amount, m.currency),
                (Decimal::new(units, 2), Currency::USD)
            );
            assert_eq!(e.employee_contribution_percent, None);
        }
        assert_eq!(e.employee_remote_id, row["member_id"].as_str().unwrap());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_rotated_one_saved_first() {
    let (sb, c, saved) = justworks().await;
    let (before, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert!(saved.0.lock().unwrap().is_empty(), "refreshed without need");
    sb.expire_access_tokens(Provider::Justworks);
    let (after, _) = read_all(c.as_ref(), EntityKind::Employee, None).await;
    assert_eq!(after.len(), before.len());
    let refreshes: Vec<_> = sb
        .requests(Provider::Justworks)
        .into_iter()
        .filter(|r| r.path == "/oauth/token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    let stored = saved.0.lock().unwrap().clone();
    assert_eq!(stored.len(), 1);
    assert_ne!(
        stored[0].refresh_token.as_ref().unwrap().expose(),
        &sb.credentials().justworks.refresh_token
    );
    // Revoked at Justworks: the refresh fails and the connection needs a reconnect.
    sb.revoke(Provider::Justworks);
    let err = c.check().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err}");
    sb.shutdown().await;
}
