use maestro_sandbox::Provider;
use reqwest::StatusCode;
use serde_json::Value;

use crate::{UA, bamboo, client, gusto, harvest, start};

#[tokio::test]
async fn gusto_bearer_auth() {
    let sb = start().await;
    let c = client();
    let company = sb.credentials().gusto.company_uuid;
    let path = format!("/v1/companies/{company}/employees");
    let r = gusto(&sb, &c, &path).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-gusto-api-version"], "2025-06-15");
    let url = format!("{}{path}", sb.base_url(Provider::Gusto));
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string());
    let r = c.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    sb.shutdown().await;
}

#[tokio::test]
async fn bamboohr_basic_auth() {
    let sb = start().await;
    let c = client();
    let r = bamboo(&sb, &c, "/api/v1/employees/directory")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let url = format!(
        "{}/api/v1/employees/directory",
        sb.base_url(Provider::BambooHr)
    );
    for req in [
        c.get(&url),
        c.get(&url)
            .basic_auth("0123456789abcdef0123456789abcdef01234567", Some("x")),
    ] {
        let r = req
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().contains_key("x-bamboohr-error-message"));
        assert!(r.bytes().await.unwrap().is_empty());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn harvest_token_account_and_user_agent() {
    let sb = start().await;
    let c = client();
    let r = harvest(&sb, &c, "/v2/users/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let url = format!("{}/v2/users/me", sb.base_url(Provider::Harvest));
    let creds = sb.credentials().harvest;
    // No User-Agent → 400 (reqwest sends none by default).
    let r = c
        .get(&url)
        .bearer_auth(&creds.personal_access_token)
        .header("Harvest-Account-Id", &creds.account_id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c.get(&url).header("User-Agent", UA).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 401);
    let r = c
        .get(&url)
        .bearer_auth("wrong")
        .header("Harvest-Account-Id", &creds.account_id)
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(&url)
        .bearer_auth(&creds.personal_access_token)
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "missing Harvest-Account-Id"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn revoke_makes_every_provider_401() {
    let sb = start().await;
    let c = client();
    for p in Provider::ALL {
        sb.revoke(p);
    }
    let company = sb.credentials().gusto.company_uuid;
    let r = gusto(&sb, &c, &format!("/v1/companies/{company}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = bamboo(&sb, &c, "/api/v1/employees").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = harvest(&sb, &c, "/v2/users").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Reset over HTTP restores credentials.
    for p in Provider::ALL {
        // ADP's emulator speaks only mutual TLS, its control endpoints too.
        let c = if p == Provider::Adp {
            crate::adp::client(&sb)
        } else {
            c.clone()
        };
        let r = c
            .post(format!("{}/_sandbox/reset", sb.base_url(p)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let r = harvest(&sb, &c, "/v2/users").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.shutdown().await;
}
