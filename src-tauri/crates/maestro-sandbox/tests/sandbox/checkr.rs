//! Checkr's emulator held to Checkr's published spec: every page of candidates and
//! invitations (page numbers, `next_href` until null, `count`) and every report validates
//! against the spec's schemas, plain and adversarial; the demo holds a mix of states; what
//! the spec does not allow is refused in Checkr's `{"error"}` shape.

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("checkr").unwrap()
}

fn get(sb: &Sandbox, path: &str) -> RequestBuilder {
    client()
        .get(format!("{}{path}", sb.base_url(Provider::Checkr)))
        .basic_auth(sb.credentials().checkr.api_key, Some(""))
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

fn answer_schema(method: &str, path: &str) -> Value {
    builtin()
        .spec
        .operation(method, path, "")
        .unwrap()
        .response_schema()
        .unwrap()
        .clone()
}

/// Every page of a list, each validated whole; the records.
async fn pages(sb: &Sandbox, path: &str, size: usize) -> Vec<Value> {
    let v = validator(&answer_schema("GET", path));
    let mut out = Vec::new();
    for page in 1.. {
        let resp = get(sb, path)
            .query(&[("page", page.to_string()), ("per_page", size.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path} page {page}");
        let body: Value = resp.json().await.unwrap();
        assert_valid(&v, &body, &format!("{path} page {page}"));
        assert_eq!(body["object"], "list");
        let data = body["data"].as_array().unwrap();
        assert!(data.len() <= size);
        out.extend(data.iter().cloned());
        let total = body["count"].as_u64().unwrap() as usize;
        // The spec types the links as strings: a missing one is left out, not null.
        if page == 1 {
            assert!(body.get("previous_href").is_none());
        }
        match body["next_href"].as_str() {
            None => {
                assert_eq!(out.len(), total, "{path}: the last page ends the count");
                break;
            }
            Some(next) => {
                assert!(
                    next.contains(&format!("page={}", page + 1)),
                    "{path}: {next}"
                );
                assert!(out.len() < total);
            }
        }
    }
    out
}

/// Walks candidates, their reports and the invitations; checks the demo's mix (unless the
/// answers are adversarial, where a nullable result may come back null).
pub(crate) async fn every_stream_validates(sb: &Sandbox, mix: bool) {
    let candidates = pages(sb, "/candidates", 4).await;
    assert!(candidates.len() >= 6, "{}", candidates.len());
    let report = validator(&answer_schema("GET", "/reports/{id}"));
    let mut states = Vec::new();
    for c in &candidates {
        for id in c["report_ids"].as_array().unwrap() {
            let id = id.as_str().unwrap();
            let resp = get(sb, &format!("/reports/{id}")).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let body: Value = resp.json().await.unwrap();
            assert_valid(&report, &body, "report");
            assert_eq!(body["id"], id);
            assert_eq!(body["candidate_id"], c["id"]);
            assert!(
                body.get("drug_screening").is_none(),
                "no screening contents"
            );
            states.push((body["status"].clone(), body["result"].clone()));
        }
    }
    if !mix {
        pages(sb, "/invitations", 3).await;
        return;
    }
    for (status, result) in [
        (json!("complete"), json!("clear")),
        (json!("complete"), json!("consider")),
        (json!("pending"), Value::Null),
    ] {
        assert!(
            states
                .iter()
                .any(|(s, r)| *s == status && (*r == result || result.is_null())),
            "no {status} {result} report: {states:?}"
        );
    }
    let invitations = pages(sb, "/invitations", 3).await;
    for status in ["pending", "completed", "expired"] {
        assert!(
            invitations.iter().any(|i| i["status"] == status),
            "no {status} invitation"
        );
    }
    for i in &invitations {
        assert!(candidates.iter().any(|c| c["id"] == i["candidate_id"]));
    }
}

#[tokio::test]
async fn every_answer_validates_plain_and_adversarial() {
    let sb = start().await;
    every_stream_validates(&sb, true).await;
    sb.set_adversarial(
        Provider::Checkr,
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
async fn what_the_spec_does_not_allow_is_refused_in_checkrs_shape() {
    let sb = start().await;
    // A parameter GET /candidates does not declare.
    let r = get(&sb, "/candidates")
        .query(&[("limit", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("limit"), "{body}");
    // An invitation status Checkr does not have (the spec: 400).
    let r = get(&sb, "/invitations")
        .query(&[("status", "sent")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A report that does not exist.
    let r = get(&sb, "/reports/000000000000000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A wrong key, and a right key with a password.
    let url = format!("{}/account", sb.base_url(Provider::Checkr));
    let r = client()
        .get(&url)
        .basic_auth("not-the-key", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    let r = get(&sb, "/account").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], sb.company().name.as_str());
    sb.shutdown().await;
}

#[tokio::test]
async fn filters_the_spec_declares_apply_or_are_refused_as_not_emulated() {
    let sb = start().await;
    let all = pages(&sb, "/invitations", 100).await;
    let r: Value = get(&sb, "/invitations")
        .query(&[("status", "pending")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pending = r["data"].as_array().unwrap();
    assert!(!pending.is_empty() && pending.len() < all.len());
    assert!(pending.iter().all(|i| i["status"] == "pending"));
    // Declared by the spec, not applied by the emulator: refused, never ignored.
    let r = get(&sb, "/candidates")
        .query(&[("created_after", "2026-01-01T00:00:00Z")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_new_hires_report_is_pending_since_before_their_start_until_completed() {
    let sb = start().await;
    let c = sb.company();
    let p = &c.people[c.new_hire.unwrap()];
    let candidates = sb.records(Provider::Checkr, "candidates");
    let cand = candidates
        .iter()
        .find(|x| x["email"] == p.home_email.as_str())
        .expect("the new hire is a candidate, by their personal email");
    assert_eq!(cand["first_name"], p.first_name.as_str());
    let [id] = cand["report_ids"].as_array().unwrap().as_slice() else {
        panic!("{cand}")
    };
    let id = id.as_str().unwrap();
    let report = |sb: &Sandbox| {
        sb.records(Provider::Checkr, "reports")
            .into_iter()
            .find(|r| r["id"] == id)
            .unwrap()
    };
    let r = report(&sb);
    assert_eq!(r["status"], "pending");
    let ordered = r["created_at"].as_str().unwrap();
    assert!(ordered < p.hire_date.to_string().as_str(), "{ordered}");
    sb.complete_check(Provider::Checkr, id).unwrap();
    let r = report(&sb);
    assert_eq!(
        (&r["status"], &r["result"]),
        (&json!("complete"), &json!("clear"))
    );
    assert!(r["completed_at"].as_str().unwrap() > ordered);
    // Still the spec's shape; and a finished check cannot be finished again.
    every_stream_validates(&sb, true).await;
    assert!(sb.complete_check(Provider::Checkr, id).is_err());
    assert!(sb.complete_check(Provider::Harvest, id).is_err());
    sb.shutdown().await;
}
