//! Checkr's file against its spec: lists paged by number until `next_href` is gone, reports
//! read one by one from their candidate's `report_ids`, no `include` (no screening contents),
//! and the webhook section the engine verifies with; and the lint and the parser catching what
//! the spec or the kit does not allow.

use maestro_kit::file::{PageStop, PaginatorSpec};
use maestro_kit::{ProviderFile, lint};

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "checkr.toml")
        .unwrap()
        .1
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("checkr.toml", text).unwrap();
    let spec = &maestro_kit::builtin_file("checkr").unwrap().spec;
    lint(&file, spec).iter().map(ToString::to_string).collect()
}

#[test]
fn lists_page_by_number_until_next_href_and_reports_are_read_one_by_one() {
    let b = maestro_kit::builtin_file("checkr").unwrap();
    assert_eq!(b.file.category, "background_checks");
    for name in ["candidates", "invitations"] {
        let s = b.file.stream(name).unwrap();
        assert_eq!(s.records, "/data");
        assert!(matches!(
            &s.paginator,
            PaginatorSpec::PageNumber { param, size_param, size: 100, stop: PageStop::NextLink { pointer } }
                if param == "page" && size_param == "per_page" && pointer == "/next_href"
        ));
    }
    let reports = b.file.stream("reports").unwrap();
    assert!(reports.single && reports.query.is_empty(), "no include");
    let p = reports.partition.as_ref().unwrap();
    assert_eq!(
        (p.parent.as_str(), p.key.as_str()),
        ("candidates", "/report_ids")
    );
    // The record schema of a single-record stream is the answer itself.
    let schema = b.item_schema(reports).unwrap();
    assert!(schema["properties"].get("adjudication").is_some());
    let w = b.file.webhook.as_ref().unwrap();
    assert_eq!(
        (w.signature_header.as_str(), w.scheme.as_str()),
        ("X-Checkr-Signature", "hmac_sha256_hex")
    );
    assert_eq!(w.secret.as_deref(), Some("api_key"));
    assert!(problems(text()).is_empty(), "{:?}", problems(text()));
}

#[test]
fn the_lint_refuses_a_stop_pointer_a_filter_and_a_record_pointer_the_spec_lacks() {
    let p = problems(&text().replacen("pointer = \"/next_href\"", "pointer = \"/next\"", 1));
    assert!(
        p.iter()
            .any(|p| p.contains("paginator.stop.pointer") && p.contains("/next")),
        "{p:?}"
    );
    // `updated_after` is no parameter of GET /candidates.
    let p = problems(&text().replacen(
        "path = \"/candidates\"",
        "path = \"/candidates\"\nquery = { updated_after = \"2020-01-01\" }",
        1,
    ));
    assert!(p.iter().any(|p| p.contains("`updated_after`")), "{p:?}");
    // A pointer the Report schema (the single record's answer) lacks.
    let p = problems(&text().replacen("id = \"/id\"\npartition", "id = \"/uid\"\npartition", 1));
    assert!(p.iter().any(|p| p.contains("streams[reports].id")), "{p:?}");
}

#[test]
fn the_parser_refuses_a_paged_single_record_and_unknown_webhook_settings() {
    let paged_single = text().replacen(
        "single = true",
        "single = true\npaginator = { type = \"page_number\", param = \"page\", size_param = \"per_page\", size = 10, stop = { type = \"short_page\" } }",
        1,
    );
    let e = ProviderFile::parse("checkr.toml", &paged_single).unwrap_err();
    assert_eq!(e.field, "streams[1].single", "{e}");
    let e = ProviderFile::parse(
        "checkr.toml",
        &text().replacen("scheme = \"hmac_sha256_hex\"", "scheme = \"md5\"", 1),
    )
    .unwrap_err();
    assert_eq!(e.field, "webhook.scheme", "{e}");
    let e = ProviderFile::parse(
        "checkr.toml",
        &text().replacen("secret = \"api_key\"", "secret = \"key\"", 1),
    )
    .unwrap_err();
    assert_eq!(e.field, "webhook.secret", "{e}");
    let e = ProviderFile::parse(
        "checkr.toml",
        &text().replacen("report = \"background_check\"", "report = \"report\"", 1),
    )
    .unwrap_err();
    assert_eq!(e.field, "webhook.kinds", "{e}");
    let e = ProviderFile::parse(
        "checkr.toml",
        &text().replacen(
            "record_id = \"/data/object/id\"",
            "record_id = \"data.id\"",
            1,
        ),
    )
    .unwrap_err();
    assert_eq!(e.field, "webhook.record_id", "{e}");
}
