//! Checkr's emulator takes orders as the spec says: `POST /candidates` and `POST /invitations`
//! are read from the spec itself (their request schemas, the statuses they declare), every
//! answer, success or refusal, validates against the schema the spec declares for its status,
//! a repeated `Idempotency-Key` gets the first answer again and creates nothing, and
//! `GET /packages` lists the account's packages.

use maestro_kit::BuiltIn;
use maestro_sandbox::{Provider, Sandbox};
use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("checkr").unwrap()
}

/// The spec's schema for `status` of `method path` (the response's `$ref` followed).
fn declared(method: &str, path: &str, status: &str) -> Value {
    let spec = &builtin().spec;
    let op = &spec.doc()["paths"][path][method.to_ascii_lowercase()];
    let response = spec.resolve(&op["responses"][status]);
    let schema = response
        .pointer("/content/application~1json/schema")
        .unwrap_or_else(|| panic!("{method} {path} declares no {status} body"));
    schema.clone()
}

fn assert_declared(method: &str, path: &str, status: u16, body: &Value) {
    let schema = declared(method, path, &status.to_string());
    let v = jsonschema::validator_for(&builtin().spec.validator_document(&schema)).unwrap();
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{method} {path} {status}: {errors:?}");
}

fn post(sb: &Sandbox, path: &str) -> RequestBuilder {
    client()
        .post(format!("{}{path}", sb.base_url(Provider::Checkr)))
        .basic_auth(sb.credentials().checkr.api_key, Some(""))
}

async fn send(r: RequestBuilder) -> (u16, Value) {
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[test]
fn the_spec_declares_the_order_endpoints_the_emulator_answers() {
    let spec = &builtin().spec;
    let candidates = spec.operation("POST", "/candidates", "").unwrap();
    assert_eq!(
        candidates.body_schema().unwrap()["required"],
        json!(["email"])
    );
    let invitations = spec.operation("POST", "/invitations", "").unwrap();
    let body = invitations.body_schema().unwrap();
    assert_eq!(body["required"], json!(["package", "candidate_id"]));
    assert!(invitations.body_members().contains(&"work_locations"));
    for (path, statuses) in [
        ("/candidates", &["201", "400", "401", "403"][..]),
        ("/invitations", &["201", "400", "401", "403", "404"][..]),
    ] {
        for s in statuses {
            declared("POST", path, s);
        }
    }
    // The idempotency the emulator honours is the spec's own text.
    let intro = spec.doc()["info"]["description"].as_str().unwrap();
    assert!(intro.contains("Idempotency-Key"));
    assert!(intro.contains("return the saved response"));
}

#[tokio::test]
async fn a_candidate_and_an_invitation_are_created_once_per_idempotency_key() {
    let sb = start().await;
    let before = sb.records(Provider::Checkr, "invitations").len();
    let candidate = json!({
        "first_name": "Jane",
        "last_name": "Doe",
        "no_middle_name": true,
        "email": "jane.doe@example.com",
        "work_locations": [{"country": "US", "state": "CA", "city": "Oakland"}],
    });
    let (status, c) = send(
        post(&sb, "/candidates")
            .header("Idempotency-Key", "k-1:candidate")
            .json(&candidate),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    assert_declared("POST", "/candidates", 201, &c);
    assert_eq!(c["email"], "jane.doe@example.com");
    assert_eq!(c["report_ids"], json!([]));
    let id = c["id"].as_str().unwrap().to_owned();

    let invitation = json!({
        "candidate_id": id,
        "package": "tasker_standard",
        "work_locations": [{"country": "US", "state": "CA"}],
    });
    let (status, i) = send(
        post(&sb, "/invitations")
            .header("Idempotency-Key", "k-1:invitation")
            .json(&invitation),
    )
    .await;
    assert_eq!(status, 201, "{i}");
    assert_declared("POST", "/invitations", 201, &i);
    assert_eq!(
        (i["status"].as_str(), i["package"].as_str()),
        (Some("pending"), Some("tasker_standard"))
    );
    assert_eq!(i["candidate_id"], json!(id));

    // The same key again: the saved answer, nothing created.
    let (status, again) = send(
        post(&sb, "/invitations")
            .header("Idempotency-Key", "k-1:invitation")
            .json(&invitation),
    )
    .await;
    assert_eq!((status, &again), (201, &i));
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        before + 1
    );
    // Without a key, a second POST is a second invitation (as Checkr documents no
    // uniqueness): why the connector looks before it orders.
    let (status, _) = send(post(&sb, "/invitations").json(&invitation)).await;
    assert_eq!(status, 201);
    assert_eq!(
        sb.records(Provider::Checkr, "invitations").len(),
        before + 2
    );
    // Both are listed for the candidate.
    let listed: Value = client()
        .get(format!("{}/invitations", sb.base_url(Provider::Checkr)))
        .basic_auth(sb.credentials().checkr.api_key, Some(""))
        .query(&[("candidate_id", id.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn refusals_carry_the_status_and_body_the_spec_declares() {
    let sb = start().await;
    let candidates = sb.records(Provider::Checkr, "candidates").len();
    // `email` is required (CandidateCreate).
    let (status, body) = send(post(&sb, "/candidates").json(&json!({"first_name": "Jane"}))).await;
    assert_eq!(status, 400, "{body}");
    assert_declared("POST", "/candidates", 400, &body);
    assert!(body["error"].as_str().unwrap().contains("email"), "{body}");
    // A last name the spec's pattern refuses (two letters at least).
    let (status, body) =
        send(post(&sb, "/candidates").json(&json!({"email": "a@example.com", "last_name": "D"})))
            .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("last_name"),
        "{body}"
    );
    // A member CandidateCreate does not have.
    let (status, body) =
        send(post(&sb, "/candidates").json(&json!({"email": "a@example.com", "nickname": "J"})))
            .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(sb.records(Provider::Checkr, "candidates").len(), candidates);

    let someone = sb.records(Provider::Checkr, "candidates")[0]["id"].clone();
    // A package the account does not have: 404 PackageNotFoundError.
    let (status, body) =
        send(post(&sb, "/invitations").json(&json!({"candidate_id": someone, "package": "gold"})))
            .await;
    assert_eq!(status, 404, "{body}");
    assert_declared("POST", "/invitations", 404, &body);
    assert_eq!(body["error"], "Package not found");
    // `package` missing; a work location without its required state.
    let (status, body) =
        send(post(&sb, "/invitations").json(&json!({"candidate_id": someone}))).await;
    assert_eq!(status, 400, "{body}");
    assert_declared("POST", "/invitations", 400, &body);
    let (status, body) = send(post(&sb, "/invitations").json(&json!({
        "candidate_id": someone,
        "package": "tasker_standard",
        "work_locations": [{"country": "US"}],
    })))
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("state"), "{body}");
    // A wrong key: 401 UnauthorizedError.
    let r = client()
        .post(format!("{}/invitations", sb.base_url(Provider::Checkr)))
        .basic_auth("not-the-key", Some(""))
        .json(&json!({"candidate_id": someone, "package": "tasker_standard"}));
    let (status, body) = send(r).await;
    assert_eq!(status, 401);
    assert_declared("POST", "/invitations", 401, &body);
    sb.shutdown().await;
}

#[tokio::test]
async fn packages_list_validates_against_the_spec() {
    let sb = start().await;
    let body: Value = client()
        .get(format!("{}/packages", sb.base_url(Provider::Checkr)))
        .basic_auth(sb.credentials().checkr.api_key, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = builtin()
        .spec
        .operation("GET", "/packages", "")
        .unwrap()
        .response_schema()
        .unwrap()
        .clone();
    let v = jsonschema::validator_for(&builtin().spec.validator_document(&schema)).unwrap();
    assert!(v.is_valid(&body), "{body}");
    let slugs: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["slug"].as_str())
        .collect();
    assert!(slugs.contains(&"tasker_standard"), "{slugs:?}");
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["price"].is_i64())
    );
    sb.shutdown().await;
}
