//! The kit's own tests: every built-in provider file parses and agrees with its spec; the lint
//! catches a wrong parameter; malformed files are refused naming the line and the field.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use maestro_kit::{ProviderFile, Spec, builtin, lint};

mod adp;
mod checkr;
mod goodhire;
mod justworks;
mod paychex;
mod quickbooks;
mod rippling;
mod trinet;
mod zenefits;

fn clockify_text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "clockify.toml")
        .unwrap()
        .1
}

fn clockify_spec() -> &'static Spec {
    &maestro_kit::builtin_file("clockify").unwrap().spec
}

#[test]
fn every_builtin_file_parses() {
    let sources: Vec<_> = maestro_kit::builtin::sources().collect();
    assert_eq!(builtin().len(), sources.len());
    for (name, text) in sources {
        ProviderFile::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn every_builtin_file_agrees_with_its_spec() {
    for b in builtin() {
        let problems = lint(&b.file, &b.spec);
        assert!(
            problems.is_empty(),
            "{}: {}",
            b.file.id,
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

#[test]
fn the_lint_catches_a_parameter_the_spec_does_not_declare() {
    let wrong = clockify_text().replace("size_param = \"page-size\"", "size_param = \"pageSize\"");
    let file = ProviderFile::parse("clockify.toml", &wrong).unwrap();
    let problems = lint(&file, clockify_spec());
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .all(|p| p.message.contains("`pageSize` is not a query parameter")),
        "{problems:?}"
    );
    assert_eq!(problems[0].at, "streams[users].paginator.size_param");
}

#[test]
fn the_lint_catches_paths_pointers_and_auth_the_spec_lacks() {
    let cases = [
        ("/time-entries\"", "/time_entries\"", "is not in the spec"),
        (
            "account = \"/name\"",
            "account = \"/title\"",
            "`/title` is not in the schema",
        ),
        (
            "name = \"X-Api-Key\"",
            "name = \"X-Key\"",
            "no security scheme",
        ),
        (
            "key = \"/id\", as",
            "key = \"/uid\", as",
            "`/uid` is not in the schema",
        ),
    ];
    for (from, to, expect) in cases {
        let text = clockify_text().replacen(from, to, 1);
        assert_ne!(text, clockify_text(), "{from} not found");
        let file = ProviderFile::parse("clockify.toml", &text).unwrap();
        let problems = lint(&file, clockify_spec());
        assert!(
            problems.iter().any(|p| p.message.contains(expect)),
            "{from} → {to}: {problems:?}"
        );
    }
}

fn refused(text: &str) -> maestro_kit::FileError {
    ProviderFile::parse("custom.toml", text).unwrap_err()
}

#[test]
fn malformed_files_are_refused_naming_line_and_field() {
    // A misspelt key.
    let e = refused(&clockify_text().replacen(
        "paginator = { type = \"page_number\"",
        "pagintor = { type = \"page_number\"",
        1,
    ));
    let line = clockify_text()
        .lines()
        .position(|l| l.starts_with("paginator"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
    assert!(e.to_string().contains("pagintor"), "{e}");
    assert!(e.field.contains("streams"), "{e}");
    // A wrong type.
    let e = refused(&clockify_text().replacen("size = 200", "size = \"many\"", 1));
    assert!(e.field.contains("paginator"), "{e}");
    assert_eq!(
        e.line,
        clockify_text()
            .lines()
            .position(|l| l.contains("size = 200"))
            .unwrap()
            + 1
    );
    // A placeholder naming no field.
    let e = refused(&clockify_text().replacen(
        "{config.workspace_id}/users",
        "{config.workspace}/users",
        1,
    ));
    assert_eq!(e.field, "streams[0].path");
    assert!(e.message.contains("config.workspace"), "{e}");
    // A parent that does not exist.
    let e = refused(&clockify_text().replacen("parent = \"users\"", "parent = \"members\"", 1));
    assert_eq!(e.field, "streams[1].partition.parent");
    assert!(e.line > 1);
    // Not TOML at all.
    let e = refused("id = \"x\"\nname = ");
    assert_eq!(e.line, 2, "{e}");
    // A missing field names it.
    let e = refused("id = \"x\"\n");
    assert!(e.message.contains("missing field"), "{e}");
}

#[test]
fn examples_built_from_the_spec_validate_against_it() {
    for b in builtin() {
        // Harvest's community spec has no examples in its schemas and its emulator is written
        // by hand (its answers are validated against the spec in the sandbox's tests).
        if b.file.id == "harvest" {
            continue;
        }
        for s in &b.file.streams {
            let item = b.item_schema(s).unwrap();
            let example = b.spec.example_of(&item);
            let doc = b.spec.validator_document(&item);
            let validator = jsonschema::validator_for(&doc).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&example)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            // Clockify's AccountStatus is typed as an object and a string at once: its own
            // example fails it. Everything else in the examples must pass.
            // Paychex's schema examples contradict their own enums: `employmentType`
            // "NON_EXEMPT" (FULL_TIME, PART_TIME) and `rateType` "RATE_1" (the rate number).
            let errors: Vec<_> = errors
                .into_iter()
                .filter(|e| !e.contains("/status"))
                .filter(|e| {
                    !(b.file.id == "paychex"
                        && (e.contains("/employmentType") || e.contains("/rateType")))
                })
                .collect();
            assert!(errors.is_empty(), "{}/{}: {errors:?}", b.file.id, s.name);
        }
    }
}
