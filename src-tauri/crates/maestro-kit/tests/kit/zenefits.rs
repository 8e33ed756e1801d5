//! Zenefits' file: documentation-only (no published spec), so it is held to the documented
//! facts (shared/specs/zenefits/facts.md) as transcribed in specs/zenefits.json: the envelope
//! `data.data` / `data.next_url`, `limit` 100, bearer auth, and the documented field lists.

use maestro_kit::file::{AuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, Spec, lint};
use std::collections::BTreeSet;

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "zenefits.toml")
        .unwrap()
        .1
}

fn spec() -> Spec {
    Spec::parse(include_str!("../../specs/zenefits.json")).unwrap()
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("zenefits.toml", text).unwrap();
    lint(&file, &spec())
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The documented person and employment fields (facts.md, "Verified from public code").
const PERSON: &str = "id, url, object, first_name, middle_name, last_name, preferred_name, personal_pronoun, work_email, personal_email, work_phone, personal_phone, status, type, title, employee_number, date_of_birth, gender, social_security_number, federal_filing_status, street1, street2, city, state, postal_code, country, is_admin, is_full_admin, photo_url, photo_thumbnail_url";
const EMPLOYMENT: &str = "id, url, object, person, hire_date, termination_date, termination_type, employment_type, employment_sub_type, comp_type, pay_rate, annual_salary, amount_type, working_hours_per_week, is_active, is_flsa_exempt";

#[test]
fn the_file_says_it_is_documentation_only_and_names_no_spec() {
    let file = ProviderFile::parse("zenefits.toml", text()).unwrap();
    assert!(file.spec.is_none());
    assert!(text().starts_with("# Zenefits"));
    assert!(text().contains("DOCUMENTATION-ONLY"));
    assert!(text().contains("airbyte") || text().contains("Airbyte"));
    assert_eq!(
        spec().doc()["info"]["title"].as_str().unwrap(),
        "Zenefits core API (documentation-derived, NOT a published spec)"
    );
}

#[test]
fn every_list_pages_by_next_url_in_data_with_a_limit_of_100() {
    let b = maestro_kit::builtin_file("zenefits").unwrap();
    assert_eq!(b.file.category, "hris");
    assert_eq!(
        b.file.base_url.production,
        "https://api.zenefits.com".to_owned()
    );
    assert!(matches!(&b.file.auth, AuthSpec::Bearer { field, .. } if field == "api_token"));
    let paths: Vec<&str> = b.file.streams.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/core/people",
            "/core/employments",
            "/core/departments",
            "/core/locations"
        ]
    );
    for s in &b.file.streams {
        assert_eq!(s.records, "/data/data", "{}", s.name);
        assert_eq!(
            s.paginator,
            PaginatorSpec::NextUrl {
                pointer: "/data/next_url".into(),
                size_param: Some("limit".into()),
                size: Some(100)
            },
            "{}",
            s.name
        );
    }
    assert!(problems(text()).is_empty(), "{:?}", problems(text()));
}

#[test]
fn the_transcription_holds_exactly_the_documented_fields() {
    let s = spec();
    let members = |schema: &str| -> BTreeSet<String> {
        let props = s.doc()["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap();
        props
            .iter()
            .filter(|(_, v)| v.get("$ref").is_none() || schema == "Employment")
            .map(|(k, _)| k.clone())
            .collect::<BTreeSet<_>>()
    };
    let split = |l: &str| l.split(", ").map(str::to_owned).collect::<BTreeSet<_>>();
    assert_eq!(members("Person"), split(PERSON));
    assert_eq!(members("Employment"), split(EMPLOYMENT));
    // The person's relations are reference objects {object, ref_object, url}.
    let r: BTreeSet<&str> = s.doc()["components"]["schemas"]["Ref"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(r, BTreeSet::from(["object", "ref_object", "url"]));
}

#[test]
fn the_lint_refuses_a_page_size_and_a_next_link_zenefits_does_not_document() {
    let sized = text().replacen("size_param = \"limit\"", "size_param = \"per_page\"", 1);
    let p = problems(&sized);
    assert!(
        p.iter()
            .any(|p| p.starts_with("streams[people].paginator.size_param")),
        "{p:?}"
    );
    let wrong = text().replacen("pointer = \"/data/next_url\"", "pointer = \"/next_url\"", 1);
    let p = problems(&wrong);
    assert!(
        p.iter()
            .any(|p| p.starts_with("streams[people].paginator.pointer")),
        "{p:?}"
    );
}
