//! GoodHire's file against its (unofficial) spec: reports listed per requestor, the
//! requestors read as their parent, no paging (none documented), `Authorization: ApiKey <key>`
//! and no webhook section (no signature documented); and the lint and the parser catching what
//! the spec or the kit does not allow.

use maestro_kit::file::{AuthSpec, KeyLocation, PaginatorSpec};
use maestro_kit::{ProviderFile, lint};

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "goodhire.toml")
        .unwrap()
        .1
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("goodhire.toml", text).unwrap();
    let spec = &maestro_kit::builtin_file("goodhire").unwrap().spec;
    lint(&file, spec).iter().map(ToString::to_string).collect()
}

#[test]
fn reports_are_listed_per_requestor_unpaged_with_an_apikey_header_and_no_webhook() {
    let b = maestro_kit::builtin_file("goodhire").unwrap();
    assert_eq!(b.file.category, "background_checks");
    assert!(
        text().contains("UNOFFICIAL"),
        "the file says its spec is unofficial"
    );
    assert!(matches!(
        &b.file.auth,
        AuthSpec::ApiKey { location: KeyLocation::Header, name, field, prefix: Some(p) }
            if name == "Authorization" && field == "api_key" && p == "ApiKey "
    ));
    let reports = b.file.stream("reports").unwrap();
    assert_eq!(reports.records, "");
    assert!(matches!(reports.paginator, PaginatorSpec::None));
    let p = reports.partition.as_ref().unwrap();
    assert_eq!(
        (p.parent.as_str(), p.key.as_str(), p.name.as_str()),
        ("requestors", "/id", "requestor_id")
    );
    let schema = b.item_schema(reports).unwrap();
    let statuses: Vec<&str> = schema["properties"]["status"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "queued",
            "pending_candidate",
            "in_progress",
            "complete",
            "action_required",
            "canceled"
        ]
    );
    assert!(b.file.webhook.is_none(), "GoodHire documents no signature");
    let secret: Vec<&str> = b
        .file
        .fields
        .iter()
        .filter(|f| f.secret)
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(secret, ["api_key"]);
    assert!(problems(text()).is_empty(), "{:?}", problems(text()));
}

#[test]
fn the_lint_refuses_a_filter_a_pointer_and_an_auth_header_the_spec_lacks() {
    // No list takes a changed-since filter.
    let p = problems(&text().replacen(
        "records = \"\"\nid = \"/id\"\npartition",
        "records = \"\"\nquery = { updated_since = \"2020-01-01\" }\nid = \"/id\"\npartition",
        1,
    ));
    assert!(p.iter().any(|p| p.contains("`updated_since`")), "{p:?}");
    // The Report schema has no `updatedAt`.
    let p = problems(&text().replacen(
        "id = \"/id\"\npartition",
        "id = \"/id\"\nupdated = \"/updatedAt\"\npartition",
        1,
    ));
    assert!(p.iter().any(|p| p.contains("/updatedAt")), "{p:?}");
    // The spec sends the key in Authorization, not X-Api-Key.
    let p = problems(&text().replacen("name = \"Authorization\"", "name = \"X-Api-Key\"", 1));
    assert!(
        p.iter()
            .any(|p| p.starts_with("auth") || p.contains("auth")),
        "{p:?}"
    );
    // Paths the spec does not have (no candidates list).
    let p = problems(&text().replacen(
        "path = \"/company/{config.company_id}/requestors\"\nrecords",
        "path = \"/company/{config.company_id}/candidates\"\nrecords",
        1,
    ));
    assert!(p.iter().any(|p| p.contains("candidates")), "{p:?}");
}

#[test]
fn the_parser_refuses_a_prefix_on_a_query_key() {
    let e = ProviderFile::parse(
        "goodhire.toml",
        &text().replacen("in = \"header\"", "in = \"query\"", 1),
    )
    .unwrap_err();
    assert_eq!(e.field, "auth.prefix", "{e}");
}
