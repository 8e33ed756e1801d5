//! QuickBooks Online's emulator held to the transcription of Intuit's XSDs its provider file
//! names (specs/quickbooks.json, itself checked against the XSDs in maestro-kit's tests): the
//! company info and every stream's pages validate against the query operation's answer, plain
//! and adversarial; the query language is read strictly (the file's forms only, anything else a
//! `Fault` with code 4000, as Intuit's parser answers); STARTPOSITION is 1-based and an empty
//! selection is `{"QueryResponse": {}}`; the changed-since filter selects exactly the later
//! objects; another company (realm) and a missing or unknown token are refused with Faults.

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use serde_json::Value;

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("quickbooks").unwrap()
}

/// The validator of `path`'s answer with `status` (the spec's schema for it).
fn validator(path: &str, status: &str) -> jsonschema::Validator {
    let b = builtin();
    let op = &b.spec.doc()["paths"][path]["get"]["responses"][status];
    let schema = b
        .spec
        .resolve(op)
        .pointer("/content/application~1json/schema")
        .unwrap();
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

/// GET `path` (after the realm) with `query` and the pre-issued token; status and body.
async fn get(sb: &Sandbox, realm: &str, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let creds = sb.credentials().quickbooks;
    let resp = client()
        .get(format!(
            "{}/v3/company/{realm}{path}",
            sb.base_url(Provider::QuickBooks)
        ))
        .query(query)
        .bearer_auth(&creds.access_token)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Every object a statement selects, page by page as the file pages (the next page after the
/// objects received, until an empty one), each answer validated.
async fn select_all(sb: &Sandbox, statement: &str, entity: &str) -> (Vec<Value>, usize) {
    let realm = sb.credentials().quickbooks.realm_id;
    let v = validator("/v3/company/{realmId}/query", "200");
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let q = format!(
            "{statement} STARTPOSITION {} MAXRESULTS 1000",
            out.len() + 1
        );
        let (status, body) = get(
            sb,
            &realm,
            "/query",
            &[("query", q.as_str()), ("minorversion", "75")],
        )
        .await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_valid(&v, &body, &q);
        pages += 1;
        let Some(list) = body["QueryResponse"][entity].as_array() else {
            // Nothing more: the list is left out, the paging members too.
            assert_eq!(body["QueryResponse"], serde_json::json!({}), "{q}");
            return (out, pages);
        };
        assert!(!list.is_empty(), "an empty list is left out, not sent");
        assert_eq!(
            body["QueryResponse"]["startPosition"].as_u64(),
            Some(out.len() as u64 + 1)
        );
        assert_eq!(
            body["QueryResponse"]["maxResults"].as_u64(),
            Some(list.len() as u64)
        );
        out.extend(list.iter().cloned());
    }
}

/// Every stream of the file, walked and validated (also run with adversarial answers on).
pub(crate) async fn every_stream_validates(sb: &Sandbox) {
    let realm = sb.credentials().quickbooks.realm_id;
    let (status, info) = get(
        sb,
        &realm,
        &format!("/companyinfo/{realm}"),
        &[("minorversion", "75")],
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_valid(
        &validator("/v3/company/{realmId}/companyinfo/{companyId}", "200"),
        &info,
        "companyinfo",
    );
    assert_eq!(
        info["CompanyInfo"]["CompanyName"],
        sb.company().name.as_str()
    );
    for s in &builtin().file.streams {
        let entity = s.records.rsplit('/').next().unwrap();
        let (all, _) = select_all(sb, &s.query["query"], entity).await;
        assert_eq!(
            all.len(),
            sb.records(Provider::QuickBooks, &s.name).len(),
            "{}",
            s.name
        );
        if s.name == "employees" {
            assert_eq!(all.len(), sb.company().people.len());
        }
    }
}

#[tokio::test]
async fn every_stream_validates_plain_and_adversarial_and_short_pages_page_on() {
    let sb = start().await;
    every_stream_validates(&sb).await;
    let (plain, plain_pages) = select_all(&sb, "SELECT * FROM Employee", "Employee").await;
    sb.set_adversarial(
        Provider::QuickBooks,
        Adversarial {
            short_pages: 4,
            reordered: true,
            unknown_fields: true,
            nulls: true,
        },
    );
    every_stream_validates(&sb).await;
    let (short, short_pages) = select_all(&sb, "SELECT * FROM Employee", "Employee").await;
    assert!(short_pages > plain_pages);
    let ids = |v: &[Value]| {
        let mut ids: Vec<String> = v
            .iter()
            .map(|e| e["Id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&short), ids(&plain));
    sb.shutdown().await;
}

#[tokio::test]
async fn people_are_employees_with_the_seeded_emails_and_contractors_1099_vendors() {
    let sb = start().await;
    let (employees, _) = select_all(
        &sb,
        "SELECT * FROM Employee WHERE Active IN (true, false)",
        "Employee",
    )
    .await;
    let c = sb.company();
    // A plain statement on a name list answers its active names only (Intuit, "Deep dive into
    // QuickBooks Online data queries", 2017: `SELECT * FROM Customer` "retrieves all active
    // customers"): the leavers are not in it.
    let (active, _) = select_all(&sb, "SELECT * FROM Employee", "Employee").await;
    let leavers = c
        .people
        .iter()
        .filter(|p| p.terminated_on.is_some())
        .count();
    assert!(leavers > 0, "the seed has a leaver");
    assert_eq!(active.len(), c.people.len() - leavers);
    assert!(active.iter().all(|e| e["Active"] == true));
    let (inactive, _) = select_all(
        &sb,
        "SELECT * FROM Employee WHERE Active = false",
        "Employee",
    )
    .await;
    assert_eq!(inactive.len(), leavers);
    for p in &c.people {
        let e = employees
            .iter()
            .find(|e| e["PrimaryEmailAddr"]["Address"] == p.work_email.as_str())
            .unwrap_or_else(|| panic!("{} missing", p.work_email));
        assert_eq!(e["HiredDate"], p.hire_date.to_string().as_str());
        assert_eq!(e["Active"], p.terminated_on.is_none());
        match p.terminated_on {
            Some(d) => assert_eq!(e["ReleasedDate"], d.to_string().as_str()),
            None => assert!(e.get("ReleasedDate").is_none()),
        }
        assert!(e["SyncToken"].is_string());
    }
    let (vendors, _) = select_all(&sb, "SELECT * FROM Vendor", "Vendor").await;
    assert!(vendors.iter().any(|v| v["Vendor1099"] == true));
    assert!(vendors.iter().any(|v| v["Vendor1099"] == false));
    let (activities, _) = select_all(&sb, "SELECT * FROM TimeActivity", "TimeActivity").await;
    assert!(!activities.is_empty());
    for a in &activities {
        let whole = a.get("Hours").is_some() && a.get("Minutes").is_some();
        let spanned = a.get("StartTime").is_some() && a.get("EndTime").is_some();
        assert!(whole != spanned, "{a}");
        let who = a["EmployeeRef"]["value"].as_str().unwrap();
        assert!(employees.iter().any(|e| e["Id"] == who), "{who}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn the_changed_since_filter_selects_exactly_the_later_objects() {
    let sb = start().await;
    let added = sb
        .add_record(Provider::QuickBooks, "time_activities")
        .unwrap();
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (later, _) = select_all(
        &sb,
        &format!("SELECT * FROM TimeActivity WHERE Metadata.LastUpdatedTime > '{since}' ORDERBY Metadata.LastUpdatedTime"),
        "TimeActivity",
    )
    .await;
    let ids: Vec<&str> = later.iter().map(|a| a["Id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![added.as_str()]);
    sb.shutdown().await;
}

#[tokio::test]
async fn statements_outside_the_files_forms_get_a_parser_fault() {
    let sb = start().await;
    let realm = sb.credentials().quickbooks.realm_id;
    let v = validator("/v3/company/{realmId}/query", "400");
    for bad in [
        "SELECT Id FROM Employee",
        "SELECT * FROM Employee WHERE Active = maybe",
        "SELECT * FROM Employee MAXRESULTS 1001",
        "SELECT * FROM Employee STARTPOSITION 0",
        "SELECT * FROM Invoice",
        "SELECT * FROM Employee; DELETE FROM Employee",
    ] {
        let (status, body) = get(&sb, &realm, "/query", &[("query", bad)]).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_valid(&v, &body, bad);
        assert_eq!(body["Fault"]["Error"][0]["code"], "4000", "{bad}");
        assert!(
            body["Fault"]["Error"][0]["Detail"]
                .as_str()
                .unwrap()
                .starts_with("QueryParserError"),
            "{body}"
        );
    }
    // A parameter the spec does not declare.
    let (status, _) = get(
        &sb,
        &realm,
        "/query",
        &[("query", "SELECT * FROM Employee"), ("limit", "5")],
    )
    .await;
    assert_eq!(status, 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn another_realm_and_bad_tokens_are_refused_with_faults() {
    let sb = start().await;
    let realm = sb.credentials().quickbooks.realm_id;
    let (status, body) = get(
        &sb,
        "123145",
        "/query",
        &[("query", "SELECT * FROM Employee")],
    )
    .await;
    assert!(status == 403 || status == 404, "{status}");
    assert!(body["Fault"]["Error"][0]["code"].is_string(), "{body}");
    let (status, _) = get(&sb, &realm, "/companyinfo/123145", &[]).await;
    assert!(status == 403 || status == 404, "{status}");
    let resp = client()
        .get(format!(
            "{}/v3/company/{realm}/query",
            sb.base_url(Provider::QuickBooks)
        ))
        .query(&[("query", "SELECT * FROM Employee")])
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_valid(
        &validator("/v3/company/{realmId}/query", "401"),
        &body,
        "401",
    );
    assert_eq!(body["Fault"]["Error"][0]["code"], "3200");
    assert_eq!(body["Fault"]["type"], "AuthenticationFault");
    sb.revoke(Provider::QuickBooks);
    let (status, _) = get(
        &sb,
        &realm,
        "/query",
        &[("query", "SELECT * FROM Employee")],
    )
    .await;
    assert_eq!(status, 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn change_data_capture_answers_the_changes_and_deletions_of_the_last_30_days() {
    let sb = start().await;
    let realm = sb.credentials().quickbooks.realm_id;
    let v = validator("/v3/company/{realmId}/cdc", "200");
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let added = sb.add_record(Provider::QuickBooks, "employees").unwrap();
    let gone = sb.records(Provider::QuickBooks, "time_activities")[0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sb.remove_record(Provider::QuickBooks, "time_activities", &gone));
    let (status, body) = get(
        &sb,
        &realm,
        "/cdc",
        &[
            ("entities", "Employee,TimeActivity,Department"),
            ("changedSince", since.as_str()),
            ("minorversion", "75"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&v, &body, "cdc");
    let answers = body["CDCResponse"][0]["QueryResponse"].as_array().unwrap();
    assert_eq!(answers.len(), 3);
    let ids = |a: &Value, e: &str| -> Vec<String> {
        a[e].as_array()
            .into_iter()
            .flatten()
            .map(|o| o["Id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&answers[0], "Employee"), vec![added]);
    assert_eq!(ids(&answers[1], "TimeActivity"), vec![gone.clone()]);
    assert_eq!(answers[1]["TimeActivity"][0]["status"], "Deleted");
    assert_eq!(answers[2], serde_json::json!({}));
    // The deleted one is gone from queries.
    let (all, _) = select_all(&sb, "SELECT * FROM TimeActivity", "TimeActivity").await;
    assert!(all.iter().all(|a| a["Id"] != gone.as_str()));
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(31))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, body) = get(
        &sb,
        &realm,
        "/cdc",
        &[
            ("entities", "Employee"),
            ("changedSince", long_ago.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_valid(&validator("/v3/company/{realmId}/cdc", "400"), &body, "400");
    sb.shutdown().await;
}
