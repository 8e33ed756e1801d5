use std::time::Duration;

use maestro_sandbox::{FaultPlan, MalformedKind, Provider};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{bamboo, client, gusto, harvest, start};

#[tokio::test]
async fn server_errors_then_recovery() {
    let sb = start().await;
    let c = client();
    sb.set_faults(
        Provider::Harvest,
        FaultPlan {
            server_errors: 2,
            server_error_status: 502,
            ..Default::default()
        },
    );
    for _ in 0..2 {
        let r = harvest(&sb, &c, "/v2/users").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    }
    assert_eq!(
        harvest(&sb, &c, "/v2/users").send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(sb.request_count(Provider::Harvest), 3);
    sb.shutdown().await;
}

#[tokio::test]
async fn delay_trips_client_timeout() {
    let sb = start().await;
    let c = client();
    sb.set_faults(
        Provider::Gusto,
        FaultPlan {
            delays: 1,
            delay_ms: 1_500,
            ..Default::default()
        },
    );
    let company = sb.credentials().gusto.company_uuid;
    let err = gusto(&sb, &c, &format!("/v1/companies/{company}"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let r = gusto(&sb, &c, &format!("/v1/companies/{company}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_is_a_client_error() {
    let sb = start().await;
    let c = client();
    sb.set_faults(
        Provider::BambooHr,
        FaultPlan {
            dropped_connections: 1,
            ..Default::default()
        },
    );
    let result = bamboo(&sb, &c, "/api/v1/company_information").send().await;
    let err = match result {
        Err(e) => e,
        Ok(r) => r
            .bytes()
            .await
            .expect_err("body must fail if headers slipped through"),
    };
    assert!(!err.is_timeout());
    assert!(
        err.is_request() || err.is_body() || err.is_connect() || err.is_decode(),
        "{err:?}"
    );
    let r = bamboo(&sb, &c, "/api/v1/company_information")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_both_variants() {
    let sb = start().await;
    let c = client();
    sb.set_faults(
        Provider::Harvest,
        FaultPlan {
            malformed: 1,
            ..Default::default()
        },
    );
    let r = harvest(&sb, &c, "/v2/time_entries?per_page=5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.json::<Value>().await.is_err(),
        "truncated body must not parse"
    );
    sb.set_faults(
        Provider::Harvest,
        FaultPlan {
            malformed: 1,
            malformed_kind: MalformedKind::WrongType {
                field: "hours".into(),
            },
            ..Default::default()
        },
    );
    let body: Value = harvest(&sb, &c, "/v2/time_entries?per_page=5")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["time_entries"][0]["hours"], "abc");
    let body: Value = harvest(&sb, &c, "/v2/time_entries?per_page=5")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["time_entries"][0]["hours"].is_number());
    sb.shutdown().await;
}

#[tokio::test]
async fn forced_429_burst_and_faults_over_http() {
    let sb = start().await;
    let c = client();
    let url = format!("{}/_sandbox/faults", sb.base_url(Provider::Gusto));
    let r = c
        .post(&url)
        .json(&json!({"rate_limit_burst": 2, "retry_after_secs": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let company = sb.credentials().gusto.company_uuid;
    for _ in 0..2 {
        let r = gusto(&sb, &c, &format!("/v1/companies/{company}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "7");
    }
    assert_eq!(
        gusto(&sb, &c, &format!("/v1/companies/{company}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // /_sandbox is never faulted nor counted.
    let before = sb.request_count(Provider::Gusto);
    c.post(&url)
        .json(&json!({"server_errors": 5}))
        .send()
        .await
        .unwrap();
    let stats: Value = c
        .get(format!("{}/_sandbox/stats", sb.base_url(Provider::Gusto)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["request_count"], before);
    // Token revocation as a fault.
    sb.set_faults(
        Provider::Gusto,
        FaultPlan {
            revoke_tokens: true,
            ..Default::default()
        },
    );
    let r = gusto(&sb, &c, &format!("/v1/companies/{company}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    sb.shutdown().await;
}
