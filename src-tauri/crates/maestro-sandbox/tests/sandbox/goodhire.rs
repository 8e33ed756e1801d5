//! GoodHire's emulator held to the (unofficial) spec its provider file names: the requestors
//! and each requestor's reports validate against the spec's schemas, plain and adversarial;
//! the demo holds a mix of the spec's states; the key goes as `Authorization: ApiKey <key>`,
//! and what the spec does not allow is refused in its `{code, message}` shape.

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("goodhire").unwrap()
}

fn get(sb: &Sandbox, path: &str) -> RequestBuilder {
    client()
        .get(format!("{}{path}", sb.base_url(Provider::GoodHire)))
        .header(
            "Authorization",
            format!("ApiKey {}", sb.credentials().goodhire.api_key),
        )
}

fn company(sb: &Sandbox) -> String {
    sb.credentials().goodhire.company_id
}

fn validator(path: &str) -> jsonschema::Validator {
    let b = builtin();
    let schema = b
        .spec
        .operation("GET", path, "")
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

async fn answer(sb: &Sandbox, path: &str) -> Value {
    let resp = get(sb, path).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

/// Walks the requestors and each one's reports, every answer validated whole; checks the
/// demo's mix of states unless the answers are adversarial.
pub(crate) async fn every_stream_validates(sb: &Sandbox, mix: bool) {
    let co = company(sb);
    let requestors = answer(sb, &format!("/company/{co}/requestors")).await;
    assert_valid(
        &validator("/company/{company_id}/requestors"),
        &requestors,
        "requestors",
    );
    let requestors = requestors.as_array().unwrap();
    assert_eq!(requestors.len(), 2);
    let v = validator("/company/{company_id}/requestor/{requestor_id}/report");
    let mut reports = Vec::new();
    for r in requestors {
        let id = r["id"].as_str().unwrap();
        let body = answer(sb, &format!("/company/{co}/requestor/{id}/report")).await;
        assert_valid(&v, &body, "reports");
        reports.extend(body.as_array().unwrap().iter().cloned());
    }
    assert_eq!(
        reports.len(),
        sb.records(Provider::GoodHire, "reports").len()
    );
    for r in &reports {
        assert!(r["candidate"].get("ssn").is_none(), "no SSN in the demo");
        assert!(
            sb.company()
                .people
                .iter()
                .any(|p| r["candidate"]["email"] == p.home_email.as_str()),
            "every candidate is one of the company's people"
        );
    }
    if !mix {
        return;
    }
    for (status, result) in [
        ("complete", Some("clear")),
        ("complete", Some("needs review")),
        ("in_progress", None),
        ("pending_candidate", None),
        ("action_required", None),
        ("canceled", None),
    ] {
        assert!(
            reports.iter().any(|r| r["status"] == status
                && result.is_none_or(|t| r["result"] == t)
                && (status == "complete") == r.get("completedAt").is_some()),
            "no {status} {result:?} report"
        );
    }
}

#[tokio::test]
async fn every_answer_validates_plain_and_adversarial() {
    let sb = start().await;
    every_stream_validates(&sb, true).await;
    sb.set_adversarial(
        Provider::GoodHire,
        Adversarial {
            short_pages: 2,
            reordered: true,
            unknown_fields: true,
            nulls: true,
        },
    );
    every_stream_validates(&sb, false).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn what_the_spec_does_not_allow_is_refused_in_goodhires_shape() {
    let sb = start().await;
    let co = company(&sb);
    // No list declares a parameter (no paging, no filters).
    let r = get(&sb, &format!("/company/{co}/requestors"))
        .query(&[("page", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("page"), "{body}");
    assert!(body["code"].is_string(), "{body}");
    // Another company, and a requestor it does not have.
    let r = get(
        &sb,
        "/company/00000000-0000-0000-0000-000000000000/requestors",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    let r = get(&sb, &format!("/company/{co}/requestor/nobody/report"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The key without its `ApiKey` scheme, as Bearer, and a wrong key.
    let url = format!(
        "{}/company/{co}/requestors",
        sb.base_url(Provider::GoodHire)
    );
    let key = sb.credentials().goodhire.api_key;
    for header in [key.clone(), format!("Bearer {key}"), "ApiKey wrong".into()] {
        let r = client()
            .get(&url)
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert!(body["message"].is_string(), "{body}");
    }
    // A candidates list is not in the spec.
    let r = get(&sb, &format!("/company/{co}/candidates"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_new_hires_report_runs_since_before_their_start_until_completed() {
    let sb = start().await;
    let c = sb.company();
    let p = &c.people[c.new_hire.unwrap()];
    let theirs = |sb: &Sandbox| {
        sb.records(Provider::GoodHire, "reports")
            .into_iter()
            .filter(|r| r["candidate"]["email"] == p.home_email.as_str())
            .collect::<Vec<_>>()
    };
    let [r] = theirs(&sb).try_into().unwrap();
    assert_eq!(r["status"], "in_progress");
    let ordered = r["createdAt"].as_str().unwrap().to_owned();
    assert!(ordered < p.hire_date.to_string(), "{ordered}");
    sb.complete_check(Provider::GoodHire, r["id"].as_str().unwrap())
        .unwrap();
    let [r] = theirs(&sb).try_into().unwrap();
    assert_eq!(
        (&r["status"], &r["result"]),
        (&json!("complete"), &json!("clear"))
    );
    assert!(r["completedAt"].as_str().unwrap() > ordered.as_str());
    every_stream_validates(&sb, true).await;
    sb.shutdown().await;
}
