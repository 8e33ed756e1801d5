//! The kit's emulator held to the providers' published specs: every answer of every stream
//! (plain and adversarial) validates against the spec's response schema, and requests the spec
//! does not allow are refused.

use std::collections::HashMap;

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use reqwest::RequestBuilder;
use serde_json::{Value, json};

use crate::{client, start};

fn builtin(p: Provider) -> &'static BuiltIn {
    maestro_kit::builtin_file(p.name()).unwrap()
}

/// A request with the emulator's credentials, as the provider file says to send them.
fn authed(sb: &Sandbox, p: Provider, method: &str, path: &str) -> RequestBuilder {
    let c = client();
    let url = format!("{}{path}", sb.base_url(p));
    let r = if method == "POST" {
        c.post(url)
    } else {
        c.get(url)
    };
    let creds = sb.credentials();
    match p {
        Provider::Toggl => r.basic_auth(creds.toggl.api_token, Some("api_token")),
        Provider::Clockify => r.header("X-Api-Key", creds.clockify.api_key),
        Provider::Rippling => r.bearer_auth(creds.rippling.api_token),
        Provider::Checkr => r.basic_auth(creds.checkr.api_key, Some("")),
        Provider::GoodHire => r.header(
            "Authorization",
            format!("ApiKey {}", creds.goodhire.api_key),
        ),
        Provider::Zenefits => r.bearer_auth(creds.zenefits.api_token),
        _ => unreachable!(),
    }
}

fn fill(path: &str, values: &HashMap<&str, String>) -> String {
    let mut out = path.to_owned();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn placeholders(sb: &Sandbox, p: Provider) -> HashMap<&'static str, String> {
    let c = sb.credentials();
    let ws = match p {
        Provider::Toggl => c.toggl.workspace_id,
        _ => c.clockify.workspace_id,
    };
    HashMap::from([
        ("config.workspace_id", ws),
        ("config.company_id", c.goodhire.company_id),
    ])
}

fn validator(b: &BuiltIn, schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(&b.spec.validator_document(schema)).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

/// Every page of one stream, each validated; returns the records.
async fn walk(
    sb: &Sandbox,
    p: Provider,
    stream: &str,
    values: &HashMap<&str, String>,
) -> Vec<Value> {
    let b = builtin(p);
    let s = b.file.stream(stream).unwrap();
    let base = b
        .file
        .spec
        .as_ref()
        .map(|x| x.base_path.as_str())
        .unwrap_or("");
    let op = b.spec.operation(&s.method, &s.path, base).unwrap();
    let items = match &s.response_items_schema {
        Some(ptr) => b.spec.schema_at(ptr).unwrap().clone(),
        None => b.item_schema(s).unwrap(),
    };
    let list = validator(b, &json!({"type": "array", "items": items}));
    let path = fill(&s.path, values);
    let mut out = Vec::new();
    match p {
        Provider::Clockify => {
            for page in 1.. {
                let mut query: Vec<(String, String)> = s
                    .query
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                query.push(("page".into(), page.to_string()));
                query.push(("page-size".into(), "7".into()));
                let resp = authed(sb, p, "GET", &path)
                    .query(&query)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                let last = resp.headers()["last-page"].to_str().unwrap() == "true";
                let body: Value = resp.json().await.unwrap();
                assert_valid(&list, &body, &format!("{stream} page {page}"));
                out.extend(body.as_array().unwrap().iter().cloned());
                if last {
                    break;
                }
            }
        }
        Provider::Toggl if s.method == "POST" => {
            let mut body = json!({"page_size": 5, "grouped": true, "start_date": "2020-01-01", "end_date": "2100-01-01"});
            loop {
                let resp = authed(sb, p, "POST", &path)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                let next_id = resp
                    .headers()
                    .get("x-next-id")
                    .map(|v| v.to_str().unwrap().to_owned());
                let next_row = resp
                    .headers()
                    .get("x-next-row-number")
                    .map(|v| v.to_str().unwrap().to_owned());
                let page: Value = resp.json().await.unwrap();
                assert_valid(&list, &page, stream);
                out.extend(page.as_array().unwrap().iter().cloned());
                match (next_id, next_row) {
                    (Some(id), Some(row)) => {
                        body["first_id"] = json!(id.parse::<u64>().unwrap());
                        body["first_row_number"] = json!(row.parse::<u64>().unwrap());
                    }
                    (None, None) => break,
                    other => panic!("one paging header without the other: {other:?}"),
                }
            }
        }
        Provider::Rippling => {
            // Follow `next_link` (absolute) until a page has none; each page is the whole
            // answer the spec declares.
            let page_schema = validator(b, op.response_schema().unwrap());
            let mut next = Some(format!("{}{path}", sb.base_url(p)));
            let mut pages = 0;
            while let Some(url) = next {
                let query: Vec<(String, String)> = if pages == 0 {
                    s.query
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                } else {
                    Vec::new()
                };
                let resp = client()
                    .get(&url)
                    .query(&query)
                    .bearer_auth(sb.credentials().rippling.api_token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200, "{url}");
                let body: Value = resp.json().await.unwrap();
                assert_valid(&page_schema, &body, &format!("{stream} page {pages}"));
                assert_valid(&list, &body["results"], stream);
                out.extend(body["results"].as_array().unwrap().iter().cloned());
                next = body["next_link"].as_str().map(str::to_owned);
                pages += 1;
            }
        }
        _ => {
            let resp = authed(sb, p, "GET", &path).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let body: Value = resp.json().await.unwrap();
            assert_valid(&list, &body, stream);
            out.extend(body.as_array().unwrap().iter().cloned());
        }
    }
    out
}

async fn every_answer_validates(sb: &Sandbox) {
    for p in Sandbox::KIT {
        if p == Provider::Paychex {
            // Takes a token from its token operation first; every record is validated against
            // the schema its stream names inside the envelope, in `paychex.rs`.
            crate::paychex::every_stream_validates(sb).await;
            continue;
        }
        if p == Provider::TriNet {
            // Takes a token from its client-credentials endpoint first; its answers are
            // walked in `trinet.rs`.
            crate::trinet::every_stream_validates(sb).await;
            continue;
        }
        if p == Provider::QuickBooks {
            // Signs in with OAuth (a pre-issued token) and reads through its query language;
            // walked page by page in `quickbooks.rs`.
            crate::quickbooks::every_stream_validates(sb).await;
            continue;
        }
        if p == Provider::Adp {
            // Over mutual TLS with a token first; walked (OData paging to 204, pay statements
            // per worker) in `adp.rs`.
            crate::adp::every_stream_validates(sb).await;
            continue;
        }
        if p == Provider::Justworks {
            // Signs in with OAuth first; its answers are walked (both member statuses by
            // cursor, deductions per type) in `justworks.rs`.
            crate::justworks::every_stream_validates(sb).await;
            continue;
        }
        let b = builtin(p);
        let values = placeholders(sb, p);
        let check = b
            .spec
            .operation(
                "GET",
                &b.file.check.path,
                // Zenefits names no spec (documentation-only): no base path.
                b.file.spec_base_path(),
            )
            .unwrap();
        let v = validator(b, check.response_schema().unwrap());
        let body: Value = authed(sb, p, "GET", &fill(&b.file.check.path, &values))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_valid(&v, &body, "check");
        if p == Provider::Checkr {
            // Its streams are walked (pages, next links, single reports) in `checkr.rs`.
            crate::checkr::every_stream_validates(sb, false).await;
            continue;
        }
        if p == Provider::GoodHire {
            // Its requestors and their reports are walked in `goodhire.rs`.
            crate::goodhire::every_stream_validates(sb, false).await;
            continue;
        }
        if p == Provider::Zenefits {
            // Its lists are walked by `next_url` (with `limit`) in `zenefits.rs`.
            crate::zenefits::every_stream_validates(sb).await;
            continue;
        }
        if p == Provider::Rippling {
            let workers = walk(sb, p, "workers", &values).await;
            assert_eq!(workers.len(), sb.company().people.len());
            for s in ["departments", "work_locations", "compensations"] {
                assert!(!walk(sb, p, s, &values).await.is_empty(), "{s}");
            }
            continue;
        }
        let users = walk(sb, p, "users", &values).await;
        assert_eq!(users.len(), sb.company().people.len());
        if p == Provider::Clockify {
            for u in users.iter().take(4) {
                let mut values = values.clone();
                values.insert("partition.user_id", u["id"].as_str().unwrap().to_owned());
                walk(sb, p, "time_entries", &values).await;
            }
        } else {
            let rows = walk(sb, p, "time_entries", &values).await;
            assert!(!rows.is_empty());
        }
    }
}

#[tokio::test]
async fn every_answer_validates_against_the_published_spec() {
    let sb = start().await;
    every_answer_validates(&sb).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn adversarial_answers_stay_within_the_spec() {
    let sb = start().await;
    for p in Sandbox::KIT {
        sb.set_adversarial(
            p,
            Adversarial {
                short_pages: 3,
                reordered: true,
                unknown_fields: true,
                nulls: true,
            },
        );
    }
    every_answer_validates(&sb).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn requests_the_spec_does_not_allow_are_refused() {
    let sb = start().await;
    let c = sb.credentials();
    let ws = c.clockify.workspace_id.clone();
    // A parameter Clockify does not declare.
    let r = authed(
        &sb,
        Provider::Clockify,
        "GET",
        &format!("/v1/workspaces/{ws}/users"),
    )
    .query(&[("include-roles", "false"), ("pageSize", "10")])
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("pageSize"),
        "{body}"
    );
    // A required parameter left out.
    let r = authed(
        &sb,
        Provider::Clockify,
        "GET",
        &format!("/v1/workspaces/{ws}/users"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    // A wrong key, and no key.
    let r = client()
        .get(format!(
            "{}/v1/workspaces/{ws}",
            sb.base_url(Provider::Clockify)
        ))
        .header("X-Api-Key", "not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Another workspace.
    let r = authed(
        &sb,
        Provider::Clockify,
        "GET",
        "/v1/workspaces/64a687e29ae1f428e7ebe303",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    // Toggl: a body member the spec does not declare, and a wrong token (403, plain text).
    let tws = c.toggl.workspace_id.clone();
    let path = format!("/reports/api/v3/workspace/{tws}/search/time_entries");
    let r = authed(&sb, Provider::Toggl, "POST", &path)
        .json(&json!({"pageSize": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("pageSize"));
    let r = client()
        .get(format!(
            "{}/api/v9/workspaces/{tws}",
            sb.base_url(Provider::Toggl)
        ))
        .basic_auth(&c.toggl.api_token, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    sb.shutdown().await;
}

/// Harvest's hand-written emulator answers within the spec its provider file names.
#[tokio::test]
async fn the_harvest_emulator_answers_within_its_spec() {
    let sb = start().await;
    let b = builtin(Provider::Harvest);
    let c = client();
    let get = |url: String| crate::harvest_at(&sb, &c, &url);
    for (path, first) in [
        ("/v2/users", "/v2/users?per_page=7"),
        ("/v2/time_entries", "/v2/time_entries?per_page=300"),
    ] {
        let op = b.spec.operation("GET", path, "/v2").unwrap();
        let v = validator(b, op.response_schema().unwrap());
        let mut url = format!("{}{first}", sb.base_url(Provider::Harvest));
        for page in 0..3 {
            let body: Value = get(url.clone()).send().await.unwrap().json().await.unwrap();
            assert_valid(&v, &body, &format!("{path} page {page}"));
            match body["links"]["next"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
    }
    for path in ["/v2/company", "/v2/users/me"] {
        let op = b.spec.operation("GET", path, "/v2").unwrap();
        let v = validator(b, op.response_schema().unwrap());
        let body: Value = get(format!("{}{path}", sb.base_url(Provider::Harvest)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_valid(&v, &body, path);
    }
    sb.shutdown().await;
}
