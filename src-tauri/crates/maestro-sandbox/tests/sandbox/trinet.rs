//! TriNet's emulator held to the documented facts (no published spec; specs/trinet.json
//! transcribes TriNet's API pages): the token endpoint answers the documented GET with Basic in
//! Apigee's shape (numbers as strings) and refuses a wrong secret, every answer validates,
//! records carry exactly the documented members, the people are the seeded company's, and what
//! the documentation does not allow is refused.

use std::collections::BTreeSet;

use maestro_kit::BuiltIn;
use maestro_sandbox::{Provider, Sandbox};
use serde_json::{Value, json};

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("trinet").unwrap()
}

fn base(sb: &Sandbox) -> String {
    sb.base_url(Provider::TriNet)
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

/// `GET /oauth/accesstoken?grant_type=client_credentials` with Basic, as TriNet documents.
async fn token_response(sb: &Sandbox, secret: &str) -> reqwest::Response {
    let c = sb.credentials().trinet;
    client()
        .get(format!("{}/oauth/accesstoken", base(sb)))
        .query(&[("grant_type", "client_credentials")])
        .basic_auth(c.client_id, Some(secret))
        .send()
        .await
        .unwrap()
}

async fn token(sb: &Sandbox) -> String {
    let r = token_response(sb, &sb.credentials().trinet.client_secret).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(sb: &Sandbox, token: &str, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
    let company = sb.credentials().trinet.company_id;
    client()
        .get(format!(
            "{}{}",
            base(sb),
            path.replace("{config.company_id}", &company)
        ))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The connection test and every stream, each answer validated against the transcription.
pub async fn every_stream_validates(sb: &Sandbox) {
    let b = builtin();
    let t = token(sb).await;
    let check = b.operation("GET", &b.file.check.path).unwrap();
    let r = get(sb, &t, &b.file.check.path, &[]).await;
    assert_eq!(r.status(), 200);
    let org: Value = r.json().await.unwrap();
    assert_valid(
        &validator(check.response_schema().unwrap()),
        &org,
        "org-details",
    );
    assert_eq!(org["companyName"], json!(sb.company().name));
    for s in &b.file.streams {
        let op = b.operation("GET", &s.path).unwrap();
        let query: Vec<(&str, &str)> = s
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = get(sb, &t, &s.path, &query).await;
        assert_eq!(r.status(), 200, "{}", s.name);
        let body: Value = r.json().await.unwrap();
        assert_valid(&validator(op.response_schema().unwrap()), &body, &s.name);
        assert!(!body.as_array().unwrap().is_empty(), "{}", s.name);
    }
}

#[tokio::test]
async fn the_token_endpoint_answers_as_documented_and_refuses_a_wrong_secret() {
    let sb = start().await;
    let r = token_response(&sb, &sb.credentials().trinet.client_secret).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    // TriNet's sample answer (business-business-b2b-applications-new): these members, numbers
    // as strings.
    let members: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        BTreeSet::from([
            "refresh_token_expires_in",
            "api_product_list",
            "api_product_list_json",
            "organization_name",
            "developer.email",
            "token_type",
            "issued_at",
            "client_id",
            "access_token",
            "application_name",
            "scope",
            "expires_in",
            "refresh_count",
            "status",
        ])
    );
    assert_eq!(body["token_type"], "BearerToken");
    assert_eq!(body["expires_in"], "3599");
    assert_eq!(body["client_id"], json!(sb.credentials().trinet.client_id));
    // A wrong secret: Apigee's default refusal (TriNet documents none).
    let r = token_response(&sb, "wrong-secret").await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"ErrorCode": "invalid_client", "Error": "Client credentials are invalid"})
    );
    // Another grant, and the undocumented POST.
    let c = sb.credentials().trinet;
    let r = client()
        .get(format!("{}/oauth/accesstoken", base(&sb)))
        .query(&[("grant_type", "password")])
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client()
        .post(format!("{}/oauth/accesstoken", base(&sb)))
        .form(&[("grant_type", "client_credentials")])
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(sb.tokens_issued(Provider::TriNet), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_api_takes_only_unexpired_tokens_the_endpoint_issued() {
    let sb = start().await;
    let path = &builtin().file.check.path;
    for given in ["", "made-up-token"] {
        let r = get(&sb, given, path, &[]).await;
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["fault"]["faultstring"]
                .as_str()
                .unwrap()
                .contains("Invalid access token"),
            "{body}"
        );
    }
    // The client secret itself is not a token.
    let r = get(&sb, &sb.credentials().trinet.client_secret, path, &[]).await;
    assert_eq!(r.status(), 401);
    let t = token(&sb).await;
    assert_eq!(get(&sb, &t, path, &[]).await.status(), 200);
    sb.expire_access_tokens(Provider::TriNet);
    assert_eq!(get(&sb, &t, path, &[]).await.status(), 401);
    let fresh = token(&sb).await;
    assert_eq!(get(&sb, &fresh, path, &[]).await.status(), 200);
    // Revoked (disconnected in TriNet's Integration Center): tokens and new ones refused.
    sb.revoke(Provider::TriNet);
    assert_eq!(get(&sb, &fresh, path, &[]).await.status(), 401);
    let r = token_response(&sb, &sb.credentials().trinet.client_secret).await;
    assert_eq!(r.status(), 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn employees_carry_exactly_the_documented_members_and_are_the_seeded_people() {
    let sb = start().await;
    let t = token(&sb).await;
    let r = get(
        &sb,
        &t,
        "/company/{config.company_id}/employees",
        &[("viewType", "All")],
    )
    .await;
    let employees: Vec<Value> = r.json().await.unwrap();
    let spec = &builtin().spec;
    let members = |schema: &str| -> BTreeSet<String> {
        spec.doc()["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(employees.len(), sb.company().people.len());
    for (e, p) in employees.iter().zip(&sb.company().people) {
        assert_eq!(keys(e), members("Employee"));
        assert_eq!(keys(&e["names"][0]), members("Name"));
        assert_eq!(keys(&e["employmentInfo"]), members("EmploymentInfo"));
        assert_eq!(e["employmentInfo"]["workEmail"], json!(p.work_email));
        assert_eq!(e["names"][0]["firstName"], json!(p.first_name));
        assert_eq!(
            e["employmentInfo"]["employmentStatus"],
            json!(if p.terminated_on.is_some() { "T" } else { "A" })
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn parameters_and_companies_the_documentation_does_not_allow_are_refused() {
    let sb = start().await;
    let t = token(&sb).await;
    // No paging is documented: a page size is an unknown parameter.
    let r = get(
        &sb,
        &t,
        "/company/{config.company_id}/employees",
        &[("viewType", "All"), ("limit", "10")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["fault"]["faultstring"]
            .as_str()
            .unwrap()
            .contains("limit"),
        "{body}"
    );
    // Another company than the one the credentials were issued for.
    let r = get(&sb, &t, "/company/ZZZ/departments", &[]).await;
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}
