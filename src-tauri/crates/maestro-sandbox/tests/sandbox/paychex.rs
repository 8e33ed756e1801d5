//! Paychex Flex's emulator held to its published spec (specs/paychex.json): the token operation
//! takes the pair in its form body and answers `Authentication`; every record validates
//! against the schema its stream names, inside the `{metadata, content, links}` envelope the
//! examples show; an Accept the operation does not offer gets 406 `API-75`; checks page by
//! offset/limit up to `metadata.pagination.total`; worker writes are held to the spec's request
//! schemas.

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use serde_json::{Value, json};

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("paychex").unwrap()
}

fn base(sb: &Sandbox) -> String {
    sb.base_url(Provider::Paychex)
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(&builtin().spec.validator_document(schema)).unwrap()
}

fn schema(name: &str) -> Value {
    builtin()
        .spec
        .schema_at(&format!("#/components/schemas/{name}"))
        .unwrap()
        .clone()
}

fn assert_valid(v: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

async fn token_response(sb: &Sandbox, secret: &str) -> reqwest::Response {
    let c = sb.credentials().paychex;
    client()
        .post(format!("{}/auth/oauth/v2/token", base(sb)))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

async fn token(sb: &Sandbox) -> String {
    let r = token_response(sb, &sb.credentials().paychex.client_secret).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_valid(&validator(&schema("Authentication")), &body, "token");
    assert_eq!(body["token_type"], "Bearer");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(
    sb: &Sandbox,
    token: &str,
    path: &str,
    accept: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    client()
        .get(format!("{}{path}", base(sb)))
        .query(query)
        .bearer_auth(token)
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

/// The records of one list answer, the envelope checked and each record validated.
async fn records(
    sb: &Sandbox,
    t: &str,
    stream: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Vec<Value> {
    let s = builtin().file.stream(stream).unwrap();
    let r = get(sb, t, path, s.accept.as_deref().unwrap(), query).await;
    assert_eq!(r.status(), 200, "{stream} {path}");
    let body: Value = r.json().await.unwrap();
    assert_valid(
        &validator(&schema("MetadataResource")),
        &body["metadata"],
        stream,
    );
    let items = validator(&json!({"type": "array", "items": builtin()
        .spec
        .schema_at(s.response_items_schema.as_deref().unwrap())
        .unwrap()}));
    assert_valid(&items, &body["content"], stream);
    assert_eq!(
        body["metadata"]["contentItemCount"].as_u64().unwrap() as usize,
        body["content"].as_array().unwrap().len()
    );
    body["content"].as_array().unwrap().clone()
}

/// The connection test and every stream, each answer validated against the spec.
pub async fn every_stream_validates(sb: &Sandbox) {
    let t = token(sb).await;
    let companies = records(sb, &t, "companies", "/companies", &[]).await;
    assert_eq!(companies.len(), 1);
    let company = companies[0]["companyId"].as_str().unwrap().to_owned();
    assert_eq!(company, sb.credentials().paychex.company_id);
    let workers = records(
        sb,
        &t,
        "workers",
        &format!("/companies/{company}/workers"),
        &[],
    )
    .await;
    let people = sb.company().people.len() + usize::from(sb.company().contractor.is_some());
    assert_eq!(workers.len(), people);
    // The contractor has no pay rate in Paychex (paid by Harvest's records only).
    for w in workers
        .iter()
        .filter(|w| w["workerType"] == "EMPLOYEE")
        .take(3)
    {
        let id = w["workerId"].as_str().unwrap();
        let rates = records(
            sb,
            &t,
            "pay_rates",
            &format!("/workers/{id}/compensation/payrates"),
            &[],
        )
        .await;
        assert_eq!(rates.len(), 1);
    }
    let periods = records(
        sb,
        &t,
        "pay_periods",
        &format!("/companies/{company}/payperiods"),
        &[],
    )
    .await;
    assert!(periods.len() >= 3);
    let latest = periods
        .iter()
        .rev()
        .find(|p| p["status"] == "COMPLETED")
        .unwrap();
    let id = latest["payPeriodId"].as_str().unwrap();
    let checks = records(
        sb,
        &t,
        "checks",
        &format!("/companies/{company}/checks"),
        &[("payperiodid", id)],
    )
    .await;
    assert!(!checks.is_empty());
}

#[tokio::test]
async fn the_token_operation_takes_the_pair_in_the_body_and_refuses_a_wrong_secret() {
    let sb = start().await;
    token(&sb).await;
    let r = token_response(&sb, "not-the-secret").await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "API-102");
    // Basic instead of the body is not what the operation takes.
    let c = sb.credentials().paychex;
    let r = client()
        .post(format!("{}/auth/oauth/v2/token", base(&sb)))
        .basic_auth(c.client_id, Some(c.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn every_answer_validates_plain_and_adversarial() {
    let sb = start().await;
    every_stream_validates(&sb).await;
    sb.set_adversarial(
        Provider::Paychex,
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
async fn an_accept_the_operation_does_not_offer_is_refused_with_api_75() {
    let sb = start().await;
    let t = token(&sb).await;
    // The single-worker media type is offered by GET /workers/{id}, not by the company list.
    let r = get(
        &sb,
        &t,
        "/companies",
        "application/vnd.paychex.worker.v1+json",
        &[],
    )
    .await;
    assert_eq!(r.status(), 406);
    let body: Value = r.json().await.unwrap();
    assert_valid(
        &validator(&schema("ErrorResource")),
        &body["errors"][0],
        "406",
    );
    assert_eq!(body["errors"][0]["code"], "API-75");
    assert_eq!(
        body["errors"][0]["description"],
        "Invalid vendor media type."
    );
    // Plain JSON and the offered vendor type are taken.
    for accept in [
        "application/json",
        "application/vnd.paychex.companies.v1+json",
    ] {
        assert_eq!(get(&sb, &t, "/companies", accept, &[]).await.status(), 200);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn checks_page_by_offset_and_limit_up_to_the_total() {
    let sb = start().await;
    let t = token(&sb).await;
    let company = sb.credentials().paychex.company_id;
    let periods = records(
        &sb,
        &t,
        "pay_periods",
        &format!("/companies/{company}/payperiods"),
        &[],
    )
    .await;
    let id = periods[0]["payPeriodId"].as_str().unwrap().to_owned();
    let path = format!("/companies/{company}/checks");
    let accept = "application/vnd.paychex.payroll.processedchecks.v1+json";
    let all = records(&sb, &t, "checks", &path, &[("payperiodid", &id)]).await;
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let o = offset.to_string();
        let r = get(
            &sb,
            &t,
            &path,
            accept,
            &[("payperiodid", &id), ("offset", &o), ("limit", "4")],
        )
        .await;
        let body: Value = r.json().await.unwrap();
        let p = &body["metadata"]["pagination"];
        assert_eq!(p["total"].as_u64().unwrap() as usize, all.len());
        assert_eq!(p["offset"].as_u64().unwrap(), offset);
        let page = body["content"].as_array().unwrap().clone();
        offset += page.len() as u64;
        paged.extend(page);
        if offset as usize >= all.len() {
            break;
        }
    }
    assert_eq!(paged, all);
    // One without the other is refused; payperiodid is required.
    let r = get(
        &sb,
        &t,
        &path,
        accept,
        &[("payperiodid", &id), ("offset", "0")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = get(&sb, &t, &path, accept, &[]).await;
    assert_eq!(r.status(), 400);
    // Workers declare no paging parameters: refused.
    let r = get(
        &sb,
        &t,
        &format!("/companies/{company}/workers"),
        "application/json",
        &[("offset", "0"), ("limit", "5")],
    )
    .await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn processed_checks_pay_what_gusto_pays_with_hours_and_exact_strings() {
    let sb = start().await;
    let t = token(&sb).await;
    let company = sb.credentials().paychex.company_id;
    let periods = records(
        &sb,
        &t,
        "pay_periods",
        &format!("/companies/{company}/payperiods"),
        &[],
    )
    .await;
    let latest = periods
        .iter()
        .rev()
        .find(|p| p["status"] == "COMPLETED")
        .unwrap();
    let start = latest["startDate"].as_str().unwrap();
    assert!(start.ends_with("T00:00:00Z"), "{start}");
    let checks = records(
        &sb,
        &t,
        "checks",
        &format!("/companies/{company}/checks"),
        &[("payperiodid", latest["payPeriodId"].as_str().unwrap())],
    )
    .await;
    let payroll = sb
        .gusto_payrolls()
        .into_iter()
        .find(|p| p["pay_period"]["start_date"].as_str() == Some(&start[..10]))
        .unwrap();
    let comps = payroll["employee_compensations"].as_array().unwrap();
    assert_eq!(checks.len(), comps.len());
    let gross_total: rust_decimal::Decimal = checks
        .iter()
        .map(|c| {
            c["earnings"][0]["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    let gusto_total: rust_decimal::Decimal = payroll["totals"]["gross_pay"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(gross_total, gusto_total);
    for c in &checks {
        assert!(c["netPay"].is_string() && c["earnings"][0]["hours"].is_string());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn worker_writes_are_held_to_the_request_schemas() {
    let sb = start().await;
    let t = token(&sb).await;
    let company = sb.credentials().paychex.company_id;
    let url = format!("{}/companies/{company}/workers", base(&sb));
    let post = |body: Value| {
        client()
            .post(&url)
            .bearer_auth(&t)
            .header("content-type", "application/vnd.paychex.workers.v1+json")
            .header("x-payx-client-correlationId", "troubleshooting-1")
            .json(&body)
    };
    // A member the schema does not have; a workerType outside its enum.
    let r = post(json!({"name": {"givenName": "Ana"}, "nickname": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = post(json!({"name": {"givenName": "Ana"}, "workerType": "VOLUNTEER"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "API-40");
    let r = post(json!({
        "workerType": "EMPLOYEE",
        "employeeId": "7001",
        "workerCorrelationId": "corr-1",
        "hireDate": "2026-12-14T00:00:00Z",
        "name": {"givenName": "Ana", "familyName": "Ruiz"},
        "communications": [{"type": "EMAIL", "usageType": "BUSINESS", "uri": "ana@example.com"}],
    }))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let w = &created["content"][0];
    assert_valid(&validator(&schema("WorkerResource")), w, "created");
    assert_eq!(w["currentStatus"]["statusType"], "IN_PROGRESS");
    // The body's own workerCorrelationId is echoed (not the troubleshooting header).
    assert_eq!(w["workerCorrelationId"], "corr-1");
    let id = w["workerId"].as_str().unwrap();
    // Paychex's workers reference: only workers with a givenName, familyName and legalID are
    // available, so one added without a legal id is not listed until completed in Flex; a
    // search that finds no one is the spec's 404 "No existing worker found matching search
    // criteria (API-43)".
    let op_404 =
        builtin().spec.doc()["paths"]["/companies/{companyId}/workers"]["get"]["responses"]["404"]
            ["description"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(op_404.contains("(API-43)"), "{op_404}");
    let workers = format!("/companies/{company}/workers");
    let accept = "application/vnd.paychex.workers_communications.v1+json";
    let r = get(&sb, &t, &workers, accept, &[("employeeid", "7001")]).await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "API-43");
    let all = records(&sb, &t, "workers", &workers, &[]).await;
    assert!(all.iter().all(|w| w["workerId"] != json!(id)));
    // One sent with a legal id is listed and found.
    let r = post(json!({
        "workerType": "EMPLOYEE",
        "employeeId": "7002",
        "name": {"givenName": "Bo", "familyName": "Lind"},
        "legalId": {"legalIdType": "SSN", "legalIdValue": "900001234"},
    }))
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let found = records(&sb, &t, "workers", &workers, &[("employeeid", "7002")]).await;
    assert_eq!(found.len(), 1);
    // PATCH: the worker media type, a job title; workerType cannot be patched.
    let patch = |body: Value| {
        client()
            .patch(format!("{}/workers/{id}", base(&sb)))
            .bearer_auth(&t)
            .header("content-type", "application/vnd.paychex.worker.v1+json")
            .json(&body)
    };
    let r = patch(json!({"job": {"title": "Baker"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["content"][0]["job"]["title"], "Baker");
    let r = patch(json!({"workerType": "CONTRACTOR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Status1: no status change for an IN_PROGRESS worker (API-19).
    let r = patch(json!({"currentStatus": {"statusType": "TERMINATED"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client()
        .patch(format!("{}/workers/00NOSUCHWORKER000000", base(&sb)))
        .bearer_auth(&t)
        .json(&json!({"job": {"title": "Baker"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Another company's path.
    let r = client()
        .post(format!(
            "{}/companies/00OTHERCOMPANY000000/workers",
            base(&sb)
        ))
        .bearer_auth(&t)
        .json(&json!({"name": {"givenName": "Ana"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

/// PATCH /workers/{workerId} refuses what the spec's request schema (WorkerResourceV2) says a
/// PATCH cannot change, read from its descriptions: "cannot be PATCHED", "cannot be POSTED or
/// PATCHED" and "cannot be updated for worker endpoint" always, "cannot be PATCHED for ACTIVE
/// workers" for an ACTIVE worker (Invalid field, API-17), a status for an IN_PROGRESS worker
/// (API-19); anything else is taken.
#[tokio::test]
async fn a_patch_refuses_the_members_the_spec_says_cannot_be_patched() {
    let sb = start().await;
    let t = token(&sb).await;
    let company = sb.credentials().paychex.company_id;
    let workers = format!("/companies/{company}/workers");
    let active = records(&sb, &t, "workers", &workers, &[])
        .await
        .into_iter()
        .find(|w| w["currentStatus"]["statusType"] == "ACTIVE")
        .unwrap()["workerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client()
        .post(format!("{}{workers}", base(&sb)))
        .bearer_auth(&t)
        .header("content-type", "application/vnd.paychex.workers.v1+json")
        .json(
            &json!({"workerType": "EMPLOYEE", "name": {"givenName": "Ana", "familyName": "Ruiz"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let in_progress = created["content"][0]["workerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let spec = &builtin().spec;
    let v2 = schema("WorkerResourceV2");
    let mut checked = 0;
    for (member, property) in v2["properties"].as_object().unwrap() {
        let text = spec.resolve(property)["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let always = text.contains("cannot be PATCHED.")
            || text.contains("cannot be POSTED or PATCHED.")
            || text.contains("cannot be updated for worker endpoint");
        let when_active = text.contains("cannot be PATCHED for ACTIVE workers");
        let when_in_progress = text.contains("PATCHED for an IN_PROGRESS worker");
        if !(always || when_active || when_in_progress) {
            continue;
        }
        checked += 1;
        let mut value = spec.example_of(property);
        if spec.resolve(property)["type"] == "object" && !value.is_object() {
            // Status1's own `example` is the string "ACTIVE" though it types an object.
            value = json!({"statusType": "TERMINATED"});
        }
        for (worker, refused, code) in [
            (&active, always || when_active, "API-17"),
            (
                &in_progress,
                always || when_in_progress,
                if always { "API-17" } else { "API-19" },
            ),
        ] {
            if !refused {
                // Taken (and so applied): not sent, the worker stays as it is for the others.
                continue;
            }
            let r = client()
                .patch(format!("{}/workers/{worker}", base(&sb)))
                .bearer_auth(&t)
                .header("content-type", "application/vnd.paychex.worker.v1+json")
                .json(&json!({ member: value }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{member} on {worker}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(
                body["errors"][0]["code"], code,
                "{member} on {worker}: {body}"
            );
        }
    }
    // What the schema does not restrict is taken, for either worker.
    for worker in [&active, &in_progress] {
        let r = client()
            .patch(format!("{}/workers/{worker}", base(&sb)))
            .bearer_auth(&t)
            .header("content-type", "application/vnd.paychex.worker.v1+json")
            .json(&json!({"job": {"title": "Baker"}, "employmentType": "PART_TIME"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{worker}");
    }
    assert_eq!(
        checked, 8,
        "workerType, jobId, communications, four for ACTIVE, currentStatus"
    );
    sb.shutdown().await;
}
