//! Justworks' emulator held to the (UNOFFICIAL) spec its provider file names: a token comes
//! only from the OAuth authorization-code flow its file describes (served on the emulator's
//! port), and its answer has the spec's token members; the company, members (both statuses,
//! paged by `cursor`/`next_cursor` with `limit` ≤ 100), deduction types and deductions validate
//! against the spec's schemas, plain and adversarial; money is in integer minor units;
//! expired, revoked and unknown tokens get the spec's 401; what the spec does not allow is
//! refused.

use std::collections::HashMap;

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("justworks").unwrap()
}

fn validator(method: &str, path: &str) -> jsonschema::Validator {
    let b = builtin();
    let schema = b
        .spec
        .operation(method, path, "")
        .unwrap()
        .response_schema()
        .unwrap()
        .clone();
    jsonschema::validator_for(&b.spec.validator_document(&schema)).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Signs in as the file says: the authorize URL's path on the emulator answers at once with a
/// redirect carrying a code, which the token URL's path exchanges (client id and secret in the
/// form body, as the spec's token body declares them). Returns the token answer.
pub(crate) async fn sign_in(sb: &Sandbox) -> Value {
    let base = sb.base_url(Provider::Justworks);
    let creds = sb.credentials().justworks;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirects
        .get(format!("{base}/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", creds.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "company.basic:read member.basic:read"),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "s1");
    let resp = client()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.as_str()),
            ("code", q["code"].as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// An access token from [`sign_in`].
pub(crate) async fn token(sb: &Sandbox) -> String {
    sign_in(sb).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(sb: &Sandbox, token: &str, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sb.base_url(Provider::Justworks)))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Every page of a cursor-paged list at `path` (`limit` = `size`), each page validated whole.
async fn walk(
    sb: &Sandbox,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
    size: &str,
) -> Vec<Value> {
    let v = validator("GET", path);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", size));
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let resp = get(sb, token, path, &q).await;
        assert_eq!(resp.status(), 200, "{path} page {page}");
        let body: Value = resp.json().await.unwrap();
        assert_valid(&v, &body, &format!("{path} page {page}"));
        out.extend(body["items"].as_array().unwrap().iter().cloned());
        match body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(page < 100, "{path} never ends");
    }
    out
}

/// The company, both statuses of members, the deduction types and each type's deductions,
/// every answer validated against the spec.
pub(crate) async fn every_stream_validates(sb: &Sandbox) {
    let t = token(sb).await;
    let company = get(sb, &t, "/v1/company", &[]).await;
    assert_eq!(company.status(), 200);
    let company: Value = company.json().await.unwrap();
    assert_valid(&validator("GET", "/v1/company"), &company, "company");
    let mut members = Vec::new();
    for status in ["active", "terminated"] {
        members.extend(walk(sb, &t, "/v1/members", &[("status", status)], "7").await);
    }
    assert_eq!(members.len(), sb.company().people.len());
    let types_resp = get(sb, &t, "/v1/deduction-types", &[]).await;
    assert_eq!(types_resp.status(), 200);
    let types: Value = types_resp.json().await.unwrap();
    assert_valid(
        &validator("GET", "/v1/deduction-types"),
        &types,
        "deduction types",
    );
    let mut deductions = 0;
    for ty in types.as_array().unwrap() {
        let code = ty["code"].as_str().unwrap();
        let rows = walk(sb, &t, "/v1/deductions", &[("deduction_type", code)], "5").await;
        assert!(rows.iter().all(|r| r["deduction_type_code"] == code));
        deductions += rows.len();
    }
    assert_eq!(
        deductions,
        sb.records(Provider::Justworks, "deductions").len()
    );
}

#[tokio::test]
async fn the_token_answer_has_the_members_the_spec_declares() {
    let sb = start().await;
    let answer = sign_in(&sb).await;
    assert_valid(&validator("POST", "/oauth/token"), &answer, "token");
    // The spec's answer gives `expires_at`, a day away (the reconstruction: 24 hours).
    assert!(answer.get("expires_in").is_none(), "{answer}");
    let at = chrono::DateTime::parse_from_rfc3339(answer["expires_at"].as_str().unwrap()).unwrap();
    let hours = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");
    assert!(
        answer["refresh_token"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn every_answer_validates_plain_and_adversarial() {
    let sb = start().await;
    every_stream_validates(&sb).await;
    sb.set_adversarial(
        Provider::Justworks,
        Adversarial {
            short_pages: 3,
            reordered: true,
            unknown_fields: true,
            nulls: true,
        },
    );
    every_stream_validates(&sb).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn members_carry_the_seeded_people_with_pay_in_integer_minor_units() {
    let sb = start().await;
    let t = token(&sb).await;
    let mut members = walk(&sb, &t, "/v1/members", &[("status", "active")], "100").await;
    members.extend(walk(&sb, &t, "/v1/members", &[("status", "terminated")], "100").await);
    for p in &sb.company().people {
        let m = members
            .iter()
            .find(|m| {
                m["emails"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["type"] == "work" && e["address"] == p.work_email.as_str())
            })
            .unwrap_or_else(|| panic!("{} missing", p.work_email));
        assert_eq!(m["name"]["given_name"], p.first_name.as_str());
        assert_eq!(m["active"], p.terminated_on.is_none());
        let cents = (p.pay.rate() * Decimal::ONE_HUNDRED).to_i64().unwrap();
        assert_eq!(m["current_pay"]["amount"].as_i64(), Some(cents), "{m}");
        assert_eq!(m["current_pay"]["currency"], "USD");
    }
    // Percentages are in four-decimal units, whole numbers.
    let deductions = sb.records(Provider::Justworks, "deductions");
    let pct = deductions
        .iter()
        .find(|d| d["amount_type"] == "percentage")
        .unwrap();
    assert!(pct["amount"].as_i64().unwrap() >= 10_000, "{pct}");
    sb.shutdown().await;
}

#[tokio::test]
async fn expired_revoked_and_unknown_tokens_get_401_and_a_refresh_works() {
    let sb = start().await;
    let answer = sign_in(&sb).await;
    let t = answer["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&sb, &t, "/v1/company", &[]).await.status(), 200);
    assert_eq!(get(&sb, "made-up", "/v1/company", &[]).await.status(), 401);
    let none = client()
        .get(format!("{}/v1/company", sb.base_url(Provider::Justworks)))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    // The API key style of the other providers is not accepted either.
    let key = sb.credentials().justworks.client_id;
    assert_eq!(get(&sb, &key, "/v1/company", &[]).await.status(), 401);
    sb.expire_access_tokens(Provider::Justworks);
    assert_eq!(get(&sb, &t, "/v1/members", &[]).await.status(), 401);
    let creds = sb.credentials().justworks;
    let refreshed: Value = client()
        .post(format!("{}/oauth/token", sb.base_url(Provider::Justworks)))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.as_str()),
            ("refresh_token", answer["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fresh = refreshed["access_token"].as_str().unwrap();
    assert_eq!(get(&sb, fresh, "/v1/company", &[]).await.status(), 200);
    // A wrong client secret gets no token.
    let wrong = client()
        .post(format!("{}/oauth/token", sb.base_url(Provider::Justworks)))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", creds.client_id.as_str()),
            ("client_secret", "nope"),
            (
                "refresh_token",
                refreshed["refresh_token"].as_str().unwrap(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    sb.revoke(Provider::Justworks);
    assert_eq!(get(&sb, fresh, "/v1/company", &[]).await.status(), 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn what_the_spec_does_not_allow_is_refused() {
    let sb = start().await;
    let t = token(&sb).await;
    for (query, what) in [
        (vec![("page", "2")], "page"),
        (vec![("limit", "101")], "limit"),
        (vec![("limit", "0")], "limit"),
        (vec![("status", "on_leave")], "status"),
        (vec![("cursor", "42")], "cursor"),
    ] {
        let resp = get(&sb, &t, "/v1/members", &query).await;
        assert_eq!(resp.status(), 400, "{query:?}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(what), "{body}");
    }
    let r = get(&sb, &t, "/v1/deductions", &[("frequency", "monthly")]).await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}
