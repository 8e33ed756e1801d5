//! TriNet's file: documentation-only (no published spec), so it is held to the documented facts
//! (shared/specs/trinet/facts.md, payroll-hris-benefits.md §9) as transcribed in
//! specs/trinet.json: client credentials by GET with Basic, the company id in every path, the
//! documented endpoints, and exactly the documented members.

use maestro_kit::file::{AuthSpec, ClientAuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, Spec, lint};
use std::collections::BTreeSet;

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "trinet.toml")
        .unwrap()
        .1
}

fn spec() -> Spec {
    Spec::parse(include_str!("../../specs/trinet.json")).unwrap()
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("trinet.toml", text).unwrap();
    lint(&file, &spec())
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The documented members (apidocs.trinet.com: org-details' Basic View; "All Employee Details":
/// the name template and the second employment template).
const ORG: &str = "companyId, parentClientId, companyName, legalName, liveDate";
const NAME: &str = "effectiveDate, formOfAddress, lastName, firstName, middleName, nameFormat, suffix, nameType, personTitle, reasonChangeCode, uniqueId";
const JOB: &str = "effectiveDate, regularTemporary, serviceDate, terminationDate, standardHours, jobCode, workersCompCode, flsaCode, employmentStatus, payGroup, employeeType, businessTitle, customGroupA, customGroupB, workPhone, workEmail, location, department";

#[test]
fn the_file_says_it_is_documentation_only_and_names_no_spec() {
    let file = ProviderFile::parse("trinet.toml", text()).unwrap();
    assert!(file.spec.is_none());
    assert!(text().starts_with("# TriNet"));
    assert!(text().contains("DOCUMENTATION-ONLY"));
    for unverified in [
        "version segment",
        "paging",
        "pay-info",
        "5\n#   requests a second",
    ] {
        assert!(text().contains(unverified), "{unverified}");
    }
    assert_eq!(
        spec().doc()["info"]["title"].as_str().unwrap(),
        "TriNet API (documentation-derived, NOT a published spec)"
    );
}

#[test]
fn it_connects_with_client_credentials_by_get_with_basic_and_reads_the_company_in_every_path() {
    let b = maestro_kit::builtin_file("trinet").unwrap();
    assert_eq!(b.file.category, "hris");
    assert_eq!(b.file.base_url.production, "https://api.trinet.com/v1");
    assert_eq!(
        b.file.base_url.auth.as_deref(),
        Some("https://api.trinet.com")
    );
    match &b.file.auth {
        AuthSpec::ClientCredentials {
            token_url,
            client_id_field,
            client_secret_field,
            client_auth,
            method,
            scopes,
            ..
        } => {
            assert_eq!(token_url, "/oauth/accesstoken");
            assert_eq!(client_id_field, "client_id");
            assert_eq!(client_secret_field, "client_secret");
            assert_eq!(*client_auth, ClientAuthSpec::Basic);
            assert_eq!(method, "GET");
            assert!(scopes.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let keys: Vec<(&str, bool)> = b
        .file
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.secret))
        .collect();
    assert_eq!(
        keys,
        [
            ("company_id", false),
            ("client_id", true),
            ("client_secret", true)
        ]
    );
    assert!(b.file.fields[0].help.contains("Integration Administrator"));
    assert!(b.file.fields[0].help.contains("once"));
    assert_eq!(
        b.file.check.path,
        "/manage-company/{config.company_id}/org-details"
    );
    let paths: Vec<(&str, &str)> = b
        .file
        .streams
        .iter()
        .map(|s| (s.name.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("employees", "/company/{config.company_id}/employees"),
            ("employments", "/company/{config.company_id}/employees"),
            ("departments", "/company/{config.company_id}/departments"),
            ("locations", "/company/{config.company_id}/locations"),
        ]
    );
    for s in &b.file.streams {
        // Paging is not documented: one answer holds every record.
        assert_eq!(s.paginator, PaginatorSpec::None, "{}", s.name);
        assert_eq!(s.records, "", "{}", s.name);
    }
    assert_eq!(
        b.file.streams[0].query.get("viewType").map(String::as_str),
        Some("All")
    );
    assert!(problems(text()).is_empty(), "{:?}", problems(text()));
}

#[test]
fn the_transcription_holds_exactly_the_documented_members() {
    let s = spec();
    let members = |schema: &str| -> BTreeSet<String> {
        s.doc()["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let split = |l: &str| l.split(", ").map(str::to_owned).collect::<BTreeSet<_>>();
    assert_eq!(members("OrgDetails"), split(ORG));
    assert_eq!(members("Name"), split(NAME));
    assert_eq!(members("EmploymentInfo"), split(JOB));
    assert_eq!(
        members("Employee"),
        split("employeeId, alternateId, names, employmentInfo")
    );
    let codes = |m: &str| {
        s.doc()["components"]["schemas"]["EmploymentInfo"]["properties"][m]["enum"].clone()
    };
    assert_eq!(codes("flsaCode"), serde_json::json!(["C", "Z", "T", "N"]));
    assert_eq!(
        codes("employmentStatus"),
        serde_json::json!(["A", "D", "L", "P", "S", "T", "U"])
    );
    // The token request as documented (business-business-b2b-applications-new).
    let flow = &s.doc()["components"]["securitySchemes"]["trinet_client_credentials"]["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], "https://api.trinet.com/oauth/accesstoken");
}

#[test]
fn the_lint_refuses_another_auth_a_parameter_or_a_member_trinet_does_not_document() {
    let bearer = text().replacen(
        "type = \"client_credentials\"\ntoken_url = \"/oauth/accesstoken\"\nclient_id_field = \"client_id\"\nclient_secret_field = \"client_secret\"\nclient_auth = \"basic\"\nmethod = \"GET\"",
        "type = \"api_key\"\nin = \"header\"\nname = \"X-Api-Key\"\nfield = \"client_secret\"",
        1,
    );
    assert_ne!(bearer, text());
    assert!(
        problems(&bearer)
            .iter()
            .any(|p| p.contains("no security scheme")),
        "{:?}",
        problems(&bearer)
    );
    let paged = text().replacen(
        "query = { viewType = \"All\" }",
        "query = { viewType = \"All\", limit = \"100\" }",
        1,
    );
    assert!(
        problems(&paged).iter().any(|p| p.contains("limit")),
        "{:?}",
        problems(&paged)
    );
    let id = text().replacen("id = \"/deptId\"", "id = \"/id\"", 1);
    assert!(
        problems(&id).iter().any(|p| p.contains("`/id`")),
        "{:?}",
        problems(&id)
    );
}

#[test]
fn a_client_credentials_file_is_refused_when_its_secret_is_not_secret_or_its_method_unknown() {
    let open = text().replacen(
        "key = \"client_secret\"\nlabel = \"Client Secret\"",
        "key = \"client_secret\"\nlabel = \"Client Secret\"\nsecret = false",
        1,
    );
    let open = open.replacen("shows it only once: if it was lost, disconnect the app under My Connected Apps and set up the integration again to get a new one.\"\nsecret = true", "shows it only once.\"", 1);
    let e = ProviderFile::parse("trinet.toml", &open).unwrap_err();
    assert_eq!(e.field, "auth.client_secret_field", "{e}");
    let put = text().replacen("method = \"GET\"", "method = \"PUT\"", 1);
    let e = ProviderFile::parse("trinet.toml", &put).unwrap_err();
    assert_eq!(e.field, "auth.method", "{e}");
    let missing = text().replacen(
        "client_id_field = \"client_id\"",
        "client_id_field = \"app_id\"",
        1,
    );
    let e = ProviderFile::parse("trinet.toml", &missing).unwrap_err();
    assert_eq!(e.field, "auth.client_id_field", "{e}");
}
