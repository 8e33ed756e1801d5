//! Rippling's file against its spec: the REST API pages by `next_link` in the body and takes
//! no page size, and a worker's names come from its expanded user.

use maestro_kit::file::PaginatorSpec;
use maestro_kit::{ProviderFile, lint};

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "rippling.toml")
        .unwrap()
        .1
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("rippling.toml", text).unwrap();
    let spec = &maestro_kit::builtin_file("rippling").unwrap().spec;
    lint(&file, spec).iter().map(ToString::to_string).collect()
}

#[test]
fn every_list_follows_the_next_link_in_the_body() {
    let b = maestro_kit::builtin_file("rippling").unwrap();
    assert_eq!(b.file.category, "hris");
    for s in &b.file.streams {
        assert_eq!(s.records, "/results", "{}", s.name);
        assert_eq!(
            s.paginator,
            PaginatorSpec::NextUrl {
                pointer: "/next_link".into(),
                size_param: None,
                size: None
            },
            "{}",
            s.name
        );
    }
    assert!(problems(text()).is_empty(), "{:?}", problems(text()));
}

#[test]
fn the_lint_refuses_a_page_size_and_a_cursor_rippling_does_not_have() {
    let sized = text().replacen(
        "{ type = \"next_url\", pointer = \"/next_link\" }",
        "{ type = \"next_url\", pointer = \"/next_link\", size_param = \"limit\", size = 100 }",
        1,
    );
    let p = problems(&sized);
    assert!(
        p.iter()
            .any(|p| p.starts_with("streams[workers].paginator.size_param")),
        "{p:?}"
    );
    let cursor = text().replacen("pointer = \"/next_link\"", "pointer = \"/next\"", 1);
    let p = problems(&cursor);
    assert!(
        p.iter()
            .any(|p| p.starts_with("streams[workers].paginator.pointer")),
        "{p:?}"
    );
}

#[test]
fn the_lint_refuses_an_expand_on_an_operation_without_it() {
    // Work locations take only `order_by` and `cursor`.
    let wrong = text().replacen(
        "path = \"/work-locations/\"",
        "path = \"/work-locations/\"\nquery = { expand = \"address\" }",
        1,
    );
    let p = problems(&wrong);
    assert!(
        p.iter()
            .any(|p| p.starts_with("streams[work_locations].query.expand")),
        "{p:?}"
    );
}
