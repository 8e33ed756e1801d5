//! Justworks' file against its UNOFFICIAL spec (a third-party reconstruction, trimmed from
//! several area files): OAuth 2.0 authorization code with the documented scopes, members read
//! once per status with `cursor`/`next_cursor` and `limit` ≤ 100, deductions per deduction type,
//! nothing written; and the lint catching what the spec does not allow.

use maestro_kit::file::{AuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, lint};

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "justworks.toml")
        .unwrap()
        .1
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("justworks.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let spec = &maestro_kit::builtin_file("justworks").unwrap().spec;
    lint(&file, spec).iter().map(ToString::to_string).collect()
}

#[test]
fn the_file_says_its_spec_is_unofficial_and_cites_both_authorize_urls() {
    let t = text();
    assert!(t.contains("UNOFFICIAL") && t.contains("UNVERIFIED"));
    assert!(t.contains("https://payroll.justworks.com/oauth/authorize"));
    assert!(t.contains("https://secure.justworks.com/oauth/authorize"));
    assert!(t.contains("partner-api@justworks.com"));
    assert!(problems(t).is_empty(), "{:?}", problems(t));
}

#[test]
fn oauth_with_the_documented_token_url_and_only_read_scopes() {
    let b = maestro_kit::builtin_file("justworks").unwrap();
    let AuthSpec::OAuth2 {
        authorize_url,
        token_url,
        scopes,
        ..
    } = &b.file.auth
    else {
        panic!("not oauth2: {:?}", b.file.auth);
    };
    assert_eq!(token_url, "https://public-api.justworks.com/oauth/token");
    assert_eq!(authorize_url, "/oauth/authorize");
    assert_eq!(
        b.file.base_url.auth.as_deref(),
        Some("https://payroll.justworks.com")
    );
    // The token URL is the spec's own (the reconstruction's securitySchemes).
    let flows = &b.spec.doc()["components"]["securitySchemes"]["OAuth2"]["flows"];
    assert_eq!(flows["authorizationCode"]["tokenUrl"], token_url.as_str());
    // Every scope is one the docs list, and none writes.
    let documented = [
        "company.detail:read",
        "company.basic:read",
        "company.bank_account:read",
        "member.detail:read",
        "member.basic:read",
        "member.dob:read",
        "member.sex:read",
        "member.employment:read",
        "member.pay:read",
        "member.tax_id:read",
        "payroll:read",
        "paystub:read",
        "time_off:read",
        "deductions:write",
        "deductions:read",
    ];
    for s in scopes {
        assert!(documented.contains(&s.as_str()), "{s}");
        assert!(s.ends_with(":read"), "{s}");
    }
    assert!(
        !scopes
            .iter()
            .any(|s| s.contains("tax_id") || s.contains("dob"))
    );
    assert!(b.file.writes.is_empty());
    assert!(b.file.streams.iter().all(|s| s.method == "GET"));
    assert!(b.file.webhook.is_none());
}

#[test]
fn members_are_read_per_status_with_the_cursor_and_the_largest_page() {
    let b = maestro_kit::builtin_file("justworks").unwrap();
    let mut statuses = Vec::new();
    for name in ["members_active", "members_terminated"] {
        let s = b.file.stream(name).unwrap();
        assert_eq!(s.path, "/v1/members");
        assert_eq!(s.records, "/items");
        assert!(matches!(
            &s.paginator,
            PaginatorSpec::BodyCursor { pointer, param } if pointer == "/next_cursor" && param == "cursor"
        ));
        // limit's maximum in the spec is the page asked for.
        let limit = b.spec.doc()["paths"]["/v1/members"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap()
            .clone();
        assert_eq!(limit["schema"]["maximum"], 100);
        assert_eq!(
            b.operation("GET", &s.path)
                .unwrap()
                .parameter_default("limit")
                .as_deref(),
            Some("100")
        );
        assert_eq!(s.query["limit"], "100");
        statuses.push(s.query["status"].clone());
    }
    assert_eq!(statuses, ["active", "terminated"]);
    let company = b.file.stream("company").unwrap();
    assert!(company.single);
    assert_eq!(b.file.check.path, company.path);
    let deductions = b.file.stream("deductions").unwrap();
    let p = deductions.partition.as_ref().unwrap();
    assert_eq!(
        (p.parent.as_str(), p.key.as_str()),
        ("deduction_types", "/code")
    );
    assert_eq!(
        deductions.query["deduction_type"],
        "{partition.deduction_type}"
    );
}

#[test]
fn the_lint_refuses_a_page_size_parameter_or_status_the_spec_lacks() {
    let cases = [
        (
            "limit = \"100\" }",
            "per_page = \"100\" }",
            "`per_page` is not a query parameter",
        ),
        (
            "param = \"cursor\" }",
            "param = \"page\" }",
            "`page` is not a query parameter",
        ),
        (
            "account = \"/display_name\"",
            "account = \"/name\"",
            "`/name` is not in the schema",
        ),
        (
            "\"/v1/deduction-types\"",
            "\"/v1/deduction_types\"",
            "is not in the spec",
        ),
    ];
    for (from, to, expect) in cases {
        let changed = text().replacen(from, to, 1);
        assert_ne!(changed, text(), "{from} not found");
        let found = problems(&changed);
        assert!(
            found.iter().any(|p| p.contains(expect)),
            "{from} → {to}: {found:?}"
        );
    }
}
