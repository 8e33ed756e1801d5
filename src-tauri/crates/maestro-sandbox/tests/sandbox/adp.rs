//! ADP's emulator: mutual TLS enforced (no client certificate, or one from another CA, is
//! refused in the handshake), the token endpoint takes the client in the form body, every answer
//! validates against the spec (Ballerina's derivation of ADP's), `$top`/`$skip` end with 204,
//! pay statements are per worker and each listed one is served whole (with its pay period) at
//! its detail link, and hire events are applied every time they are posted (ADP
//! documents no idempotency for events).

use maestro_kit::BuiltIn;
use maestro_sandbox::{Provider, Sandbox};
use serde_json::{Value, json};

use crate::start;

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("adp").unwrap()
}

fn base(sb: &Sandbox) -> String {
    sb.base_url(Provider::Adp)
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(&builtin().spec.validator_document(schema)).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

/// A client trusting the sandbox's CA and presenting `identity` (cert, key), if any.
fn client_with(sb: &Sandbox, identity: Option<(&str, &str)>) -> reqwest::Client {
    let ca =
        reqwest::Certificate::from_pem(sb.credentials().adp.ca_certificate.as_bytes()).unwrap();
    let mut b = reqwest::Client::builder().tls_certs_only([ca]);
    if let Some((cert, key)) = identity {
        b = b.identity(reqwest::Identity::from_pem(format!("{cert}\n{key}").as_bytes()).unwrap());
    }
    b.build().unwrap()
}

/// A client with the sandbox's client certificate.
pub fn client(sb: &Sandbox) -> reqwest::Client {
    let c = sb.credentials().adp;
    client_with(sb, Some((&c.client_certificate, &c.client_key)))
}

async fn token_with(
    sb: &Sandbox,
    http: &reqwest::Client,
    secret: &str,
) -> reqwest::Result<reqwest::Response> {
    let c = sb.credentials().adp;
    http.post(format!("{}/auth/oauth/v2/token", base(sb)))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", secret),
        ])
        .send()
        .await
}

/// A token taken with the sandbox's certificate and the client in the form body.
pub async fn token(sb: &Sandbox) -> String {
    let r = token_with(sb, &client(sb), &sb.credentials().adp.client_secret)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(sb: &Sandbox, t: &str, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    client(sb)
        .get(format!("{}{path}", base(sb)))
        .query(query)
        .header("roleCode", "practitioner")
        .bearer_auth(t)
        .send()
        .await
        .unwrap()
}

/// Every worker by `$top`/`$skip` until 204, and each worker's pay statements, validated.
pub async fn every_stream_validates(sb: &Sandbox) {
    let b = builtin();
    let t = token(sb).await;
    let workers_op = b.operation("GET", "/hr/v2/workers").unwrap();
    let v = validator(workers_op.response_schema().unwrap());
    let mut workers = Vec::new();
    let mut skip = 0;
    loop {
        let r = get(
            sb,
            &t,
            "/hr/v2/workers",
            &[("$top", "10"), ("$skip", &skip.to_string())],
        )
        .await;
        if r.status() == 204 {
            assert!(r.bytes().await.unwrap().is_empty(), "204 has no body");
            break;
        }
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_valid(&v, &body, "workers");
        let page = body["workers"].as_array().unwrap().clone();
        assert!(!page.is_empty(), "an empty page is a 204, not a 200");
        skip += page.len();
        workers.extend(page);
        assert!(skip < 1000, "no end to the workers");
    }
    assert_eq!(workers.len(), sb.company().people.len());
    let pay_op = b
        .operation("GET", "/payroll/v1/workers/{aoid}/pay-statements")
        .unwrap();
    let pv = validator(pay_op.response_schema().unwrap());
    let detail_op = b
        .operation(
            "GET",
            "/payroll/v1/workers/{aoid}/pay-statements/{pay-statement-id}",
        )
        .unwrap();
    let dv = validator(detail_op.response_schema().unwrap());
    let mut statements = 0;
    for w in workers.iter().take(6) {
        let aoid = w["associateOID"].as_str().unwrap();
        let r = get(
            sb,
            &t,
            &format!("/payroll/v1/workers/{aoid}/pay-statements"),
            &[("numberoflastpaydates", "26")],
        )
        .await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_valid(&pv, &body, "pay statements");
        for listed in body["payStatements"].as_array().unwrap() {
            assert!(
                listed.get("payPeriod").is_none(),
                "the list states no period"
            );
            // The detail is at the listed link (the spec's `PayStatement`, whole).
            let href = listed["payDetailUri"]["href"].as_str().unwrap();
            let r = get(sb, &t, href, &[]).await;
            assert_eq!(r.status(), 200, "{href}");
            let one: Value = r.json().await.unwrap();
            assert_valid(&dv, &one, "pay statement");
            let period = &one["payPeriod"];
            let start = period["startDate"].as_str().unwrap();
            let end = period["endDate"].as_str().unwrap();
            assert!(
                start < end && end <= one["payDate"].as_str().unwrap(),
                "{one}"
            );
            assert_eq!(one["totalHours"], listed["totalHours"]);
            assert_eq!(one["grossPayAmount"], listed["grossPayAmount"]);
            let hours: f64 = one["earnings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["payPeriodHours"].as_f64().unwrap())
                .sum();
            assert_eq!(json!(hours), json!(one["totalHours"].as_f64().unwrap()));
            statements += 1;
        }
    }
    assert!(statements > 0);
    // Not asked for a number, the list gives the last 5 pay dates' statements, as the spec's
    // summary says (the connector asks for 6).
    let summary =
        b.spec.doc()["paths"]["/payroll/v1/workers/{aoid}/pay-statements"]["get"]["summary"]
            .as_str()
            .unwrap();
    assert!(
        summary.contains("Default = payStatements from the last 5 pay dates"),
        "{summary}"
    );
    let longest = workers
        .iter()
        .map(|w| w["associateOID"].as_str().unwrap())
        .max_by_key(|aoid| {
            sb.records(Provider::Adp, "pay_statements")
                .iter()
                .filter(|s| {
                    s["payDetailUri"]["href"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("/{aoid}/"))
                })
                .count()
        })
        .unwrap();
    let path = format!("/payroll/v1/workers/{longest}/pay-statements");
    let all: Value = get(sb, &t, &path, &[("numberoflastpaydates", "100")])
        .await
        .json()
        .await
        .unwrap();
    let all = all["payStatements"].as_array().unwrap();
    assert!(
        all.len() > 5,
        "a worker paid more than 5 times: {}",
        all.len()
    );
    let default: Value = get(sb, &t, &path, &[]).await.json().await.unwrap();
    assert_valid(&pv, &default, "pay statements");
    // By their links, whatever their order (the adversarial mode reorders lists and adds
    // members an answer may carry): the 5 latest pay dates'.
    let links = |list: &[Value]| -> Vec<String> {
        let mut out: Vec<String> = list
            .iter()
            .map(|s| s["payDetailUri"]["href"].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        out
    };
    let mut by_date = all.clone();
    by_date.sort_by(|a, b| a["payDate"].as_str().cmp(&b["payDate"].as_str()));
    assert_eq!(
        links(default["payStatements"].as_array().unwrap()),
        links(&by_date[by_date.len() - 5..])
    );
    // An id no statement has is the spec's path and ADP's 404.
    let aoid = workers[0]["associateOID"].as_str().unwrap();
    let r = get(
        sb,
        &t,
        &format!("/payroll/v1/workers/{aoid}/pay-statements/nope"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_connection_without_the_sandbox_signed_client_certificate_is_refused() {
    let sb = start().await;
    // No client certificate: the handshake fails, nothing reaches the token endpoint.
    let none = client_with(&sb, None);
    let secret = sb.credentials().adp.client_secret;
    let err = token_with(&sb, &none, &secret).await.unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    // A certificate from another CA: refused too.
    let (cert, key) = maestro_sandbox::foreign_client_identity().unwrap();
    let stranger = client_with(&sb, Some((&cert, &key)));
    assert!(token_with(&sb, &stranger, &secret).await.is_err());
    assert_eq!(sb.tokens_issued(Provider::Adp), 0);
    // The sandbox's own certificate: a token, then the API.
    let t = token(&sb).await;
    let r = get(&sb, &t, "/hr/v2/workers", &[("$top", "1"), ("$skip", "0")]).await;
    assert_eq!(r.status(), 200);
    // And the API itself refuses a stranger even with a valid token.
    let r = stranger
        .get(format!("{}/hr/v2/workers", base(&sb)))
        .header("roleCode", "practitioner")
        .bearer_auth(&t)
        .send()
        .await;
    assert!(r.is_err());
    sb.shutdown().await;
}

#[tokio::test]
async fn the_token_endpoint_takes_the_client_in_the_body_and_refuses_a_wrong_secret() {
    let sb = start().await;
    let r = token_with(&sb, &client(&sb), "not-the-secret")
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let t = token(&sb).await;
    // Without roleCode (required by the spec) the API refuses.
    let r = client(&sb)
        .get(format!("{}/hr/v2/workers", base(&sb)))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn every_answer_validates_and_paging_ends_with_no_content() {
    let sb = start().await;
    every_stream_validates(&sb).await;
    // An unknown filter is refused, not ignored.
    let t = token(&sb).await;
    let r = get(
        &sb,
        &t,
        "/hr/v2/workers",
        &[("$filter", "workers/person/birthDate eq '1990-01-01'")],
    )
    .await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

fn hire_body(email: &str) -> Value {
    json!({"events": [{"data": {"transform": {"worker": {
        "person": {"legalName": {"givenName": "Nia", "familyName1": "Okafor"}},
        "businessCommunication": {"emails": [{"emailUri": email}]},
        "workAssignment": {"hireDate": "2026-01-05", "jobTitle": "Baker"}
    }}}}]})
}

#[tokio::test]
async fn a_hire_posted_twice_makes_two_workers_as_adp_documents_no_idempotency() {
    let sb = start().await;
    let t = token(&sb).await;
    let before = sb.records(Provider::Adp, "workers").len();
    for _ in 0..2 {
        let r = client(&sb)
            .post(format!("{}/events/hr/v1/worker.hire", base(&sb)))
            .header("roleCode", "practitioner")
            .bearer_auth(&t)
            .json(&hire_body("nia.okafor@bluebird.example"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert!(body["events"][0]["data"]["output"]["worker"]["associateOID"].is_string());
    }
    assert_eq!(sb.records(Provider::Adp, "workers").len(), before + 2);
    // Found again by the filter the connector sends.
    let r = get(
        &sb,
        &t,
        "/hr/v2/workers",
        &[(
            "$filter",
            "workers/businessCommunication/emails/emailUri eq 'nia.okafor@bluebird.example'",
        )],
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["workers"].as_array().unwrap().len(), 2);
    // A member the spec does not have is refused.
    let mut wrong = hire_body("x@bluebird.example");
    wrong["events"][0]["data"]["transform"]["worker"]["nickname"] = json!("N");
    let r = client(&sb)
        .post(format!("{}/events/hr/v1/worker.hire", base(&sb)))
        .header("roleCode", "practitioner")
        .bearer_auth(&t)
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}
