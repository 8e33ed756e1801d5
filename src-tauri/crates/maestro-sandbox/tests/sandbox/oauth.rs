use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maestro_sandbox::Provider;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{UA, start};

fn no_redirect() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn authorize(
    c: &reqwest::Client,
    url: &str,
    client_id: &str,
    challenge: Option<&str>,
) -> HashMap<String, String> {
    let mut q = vec![
        ("client_id", client_id.to_string()),
        ("redirect_uri", "http://127.0.0.1:9/callback".to_string()),
        ("response_type", "code".to_string()),
        ("state", "xyz".to_string()),
    ];
    if let Some(ch) = challenge {
        q.push(("code_challenge", ch.to_string()));
        q.push(("code_challenge_method", "S256".to_string()));
    }
    let r = c.get(url).query(&q).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(loc.as_str().starts_with("http://127.0.0.1:9/callback?"));
    loc.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn gusto_code_pkce_and_refresh_rotation() {
    let sb = start().await;
    let c = no_redirect();
    let base = sb.base_url(Provider::Gusto);
    let creds = sb.credentials().gusto;
    let verifier = "a-very-long-verifier-string-with-enough-entropy-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let token_url = format!("{base}/oauth/token");
    let exchange = |code: String, verifier: &'static str| {
        c.post(&token_url).json(&json!({
            "client_id": creds.client_id, "client_secret": creds.client_secret, "grant_type": "authorization_code",
            "code": code, "redirect_uri": "http://127.0.0.1:9/callback", "code_verifier": verifier,
        }))
    };
    // Wrong verifier → invalid_grant.
    let q = authorize(
        &c,
        &format!("{base}/oauth/authorize"),
        &creds.client_id,
        Some(&challenge),
    )
    .await;
    assert_eq!(q["state"], "xyz");
    let r = exchange(q["code"].clone(), "wrong-verifier")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    // Right verifier → tokens; the code is single-use.
    let q = authorize(
        &c,
        &format!("{base}/oauth/authorize"),
        &creds.client_id,
        Some(&challenge),
    )
    .await;
    let r = exchange(
        q["code"].clone(),
        "a-very-long-verifier-string-with-enough-entropy-0123456789",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["expires_in"], 7200);
    assert!(t["created_at"].is_i64());
    let r = exchange(
        q["code"].clone(),
        "a-very-long-verifier-string-with-enough-entropy-0123456789",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");

    // Refresh rotation (form-encoded body this time).
    let refresh = |rt: &str| {
        c.post(&token_url).form(&[
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
        ])
    };
    let r0 = t["refresh_token"].as_str().unwrap().to_string();
    let t1: Value = refresh(&r0).send().await.unwrap().json().await.unwrap();
    let r1 = t1["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r0, r1);
    // Old refresh token still valid until the new access token is used…
    let t2 = refresh(&r0).send().await.unwrap();
    assert_eq!(t2.status(), StatusCode::OK);
    // …then revoked.
    let api = format!("{base}/v1/companies/{}", creds.company_uuid);
    let r = c
        .get(&api)
        .bearer_auth(t1["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = refresh(&r0).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(refresh(&r1).send().await.unwrap().status(), StatusCode::OK);

    // Expired access token → 401; explicit revoke; provider-wide revoke → invalid_grant.
    sb.expire_access_tokens(Provider::Gusto);
    let r = c
        .get(&api)
        .bearer_auth(t1["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(format!("{base}/oauth/revoke"))
        .json(&json!({"client_id": creds.client_id, "client_secret": creds.client_secret, "token": creds.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        refresh(&creds.refresh_token).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    sb.revoke(Provider::Gusto);
    assert_eq!(
        refresh(&r1).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn harvest_oauth_form_exchange() {
    let sb = start().await;
    let c = no_redirect();
    let base = sb.base_url(Provider::Harvest);
    let creds = sb.credentials().harvest;
    let q = authorize(
        &c,
        &format!("{base}/oauth2/authorize"),
        &creds.oauth_client_id,
        None,
    )
    .await;
    let r = c
        .post(format!("{base}/api/v2/oauth2/token"))
        .header("User-Agent", UA)
        .form(&[
            ("code", q["code"].as_str()),
            ("client_id", creds.oauth_client_id.as_str()),
            ("client_secret", creds.oauth_client_secret.as_str()),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t: Value = r.json().await.unwrap();
    let token = t["access_token"].as_str().unwrap();
    let accounts: Value = c
        .get(format!("{base}/api/v2/accounts"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts["accounts"][0]["id"].to_string(), creds.account_id);
    let r = c
        .get(format!("{base}/v2/users/me"))
        .bearer_auth(token)
        .header("Harvest-Account-Id", &creds.account_id)
        .header("User-Agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sb.shutdown().await;
}
