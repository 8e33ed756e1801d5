//! Zenefits' emulator held to the documented facts (no published spec; specs/zenefits.json
//! transcribes shared/specs/zenefits/facts.md): every page is `{data: {data, next_url}}` and
//! validates, `next_url` is followed verbatim until null, `limit` sizes pages, records carry
//! exactly the documented fields, the people are the seeded company's, and what the facts do
//! not allow is refused.

use std::collections::BTreeSet;

use maestro_kit::BuiltIn;
use maestro_sandbox::{Adversarial, Provider, Sandbox};
use serde_json::Value;

use crate::{client, start};

fn builtin() -> &'static BuiltIn {
    maestro_kit::builtin_file("zenefits").unwrap()
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

/// Follows `data.next_url` verbatim from `path?limit=…` until it is null; every page
/// validated whole. Returns the records and the number of pages.
async fn walk(sb: &Sandbox, path: &str, limit: usize) -> (Vec<Value>, usize) {
    let v = validator(path);
    let token = sb.credentials().zenefits.api_token;
    let mut next = Some(format!(
        "{}{path}?limit={limit}",
        sb.base_url(Provider::Zenefits)
    ));
    let (mut out, mut pages) = (Vec::new(), 0);
    while let Some(url) = next {
        let resp = client().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let body: Value = resp.json().await.unwrap();
        assert_valid(&v, &body, &format!("{path} page {pages}"));
        let records = body["data"]["data"].as_array().unwrap();
        assert!(records.len() <= limit, "{url}");
        out.extend(records.iter().cloned());
        next = body["data"]["next_url"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.starts_with(&sb.base_url(Provider::Zenefits)), "{n}");
            // The link keeps the page size (short adversarial pages shrink it).
            assert!(n.contains("limit="), "{n}");
        }
        pages += 1;
    }
    (out, pages)
}

/// Every stream walked and validated (plain or adversarial answers), with the seeded counts.
pub(crate) async fn every_stream_validates(sb: &Sandbox) {
    let c = sb.company();
    let (people, _) = walk(sb, "/core/people", 100).await;
    assert_eq!(people.len(), c.people.len());
    let (jobs, _) = walk(sb, "/core/employments", 100).await;
    assert_eq!(jobs.len(), c.people.len());
    let (depts, _) = walk(sb, "/core/departments", 100).await;
    assert_eq!(depts.len(), c.departments.len());
    let (sites, _) = walk(sb, "/core/locations", 100).await;
    assert_eq!(sites.len(), c.locations.len());
}

/// facts.md, "person fields" and the person's reference objects.
const PERSON: &str = "id, url, object, first_name, middle_name, last_name, preferred_name, personal_pronoun, work_email, personal_email, work_phone, personal_phone, status, type, title, employee_number, date_of_birth, gender, social_security_number, federal_filing_status, street1, street2, city, state, postal_code, country, is_admin, is_full_admin, photo_url, photo_thumbnail_url";
const PERSON_REFS: &str =
    "company, department, location, manager, employments, banks, labor_groups";
/// facts.md, "employment fields".
const EMPLOYMENT: &str = "id, url, object, person, hire_date, termination_date, termination_type, employment_type, employment_sub_type, comp_type, pay_rate, annual_salary, amount_type, working_hours_per_week, is_active, is_flsa_exempt";

fn fields(lists: &[&str]) -> BTreeSet<String> {
    lists
        .iter()
        .flat_map(|l| l.split(", "))
        .map(str::to_owned)
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// The id at the end of a reference object's URL.
fn ref_id(r: &Value) -> &str {
    r["url"].as_str().unwrap().rsplit('/').next().unwrap()
}

#[tokio::test]
async fn people_are_the_company_with_exactly_the_documented_fields_paged_by_next_url() {
    let sb = start().await;
    let (people, pages) = walk(&sb, "/core/people", 4).await;
    let c = sb.company();
    // `limit` sizes every page: ceil(people / 4) pages.
    assert_eq!(pages, c.people.len().div_ceil(4));
    let want: Vec<(String, String, String)> = c
        .people
        .iter()
        .map(|p| {
            (
                p.work_email.clone(),
                p.first_name.clone(),
                p.last_name.clone(),
            )
        })
        .collect();
    let got: Vec<(String, String, String)> = people
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (s("work_email"), s("first_name"), s("last_name"))
        })
        .collect();
    assert_eq!(got, want);
    let ids: BTreeSet<&str> = people.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), people.len());
    let (depts, _) = walk(&sb, "/core/departments", 100).await;
    let dept_ids: BTreeSet<&str> = depts.iter().map(|d| d["id"].as_str().unwrap()).collect();
    for (p, seed) in people.iter().zip(&c.people) {
        assert_eq!(keys(p), fields(&[PERSON, PERSON_REFS]));
        // Relations are `{object, ref_object, url}` pointing at records that exist.
        assert_eq!(keys(&p["department"]), fields(&["object, ref_object, url"]));
        assert!(dept_ids.contains(ref_id(&p["department"])));
        match seed.manager {
            Some(m) => assert_eq!(ref_id(&p["manager"]), people[m]["id"].as_str().unwrap()),
            None => assert!(p["manager"].is_null()),
        }
    }
    let (jobs, _) = walk(&sb, "/core/employments", 7).await;
    for (j, seed) in jobs.iter().zip(&c.people) {
        assert_eq!(keys(j), fields(&[EMPLOYMENT]));
        assert_eq!(j["hire_date"], seed.hire_date.to_string());
        assert_eq!(
            ref_id(&j["person"]),
            people[seed.index]["id"].as_str().unwrap()
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn every_page_validates_plain_and_adversarial() {
    let sb = start().await;
    every_stream_validates(&sb).await;
    sb.set_adversarial(
        Provider::Zenefits,
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
async fn what_the_facts_do_not_allow_is_refused() {
    let sb = start().await;
    let token = sb.credentials().zenefits.api_token;
    let base = sb.base_url(Provider::Zenefits);
    let status = |path: &str, token: &str| {
        let url = format!("{base}{path}");
        let token = token.to_owned();
        async move {
            client()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status("/core/people", &token).await, 200);
    assert_eq!(status("/core/people?limit=100", &token).await, 200);
    // No such page-size parameter; a position the API never gave; no changed-since filter.
    assert_eq!(status("/core/people?per_page=10", &token).await, 400);
    assert_eq!(status("/core/people?starting_after=20", &token).await, 400);
    assert_eq!(
        status("/core/people?updated_since=2026-01-01", &token).await,
        400
    );
    assert_eq!(status("/core/people", "not-the-token").await, 401);
    sb.shutdown().await;
}
