//! Paychex Flex's file against its published spec (specs/paychex.json): client credentials in
//! the token operation's form body, a vendor media type per stream that the operation offers,
//! the `{metadata, content, links}` envelope its own examples show (its schemas type one
//! record), and no webhook section (Paychex signs nothing).

use maestro_kit::file::{AuthSpec, ClientAuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, Spec, lint};
use serde_json::Value;

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "paychex.toml")
        .unwrap()
        .1
}

fn spec() -> Spec {
    Spec::parse(include_str!("../../specs/paychex.json")).unwrap()
}

fn problems(text: &str) -> Vec<String> {
    let file = ProviderFile::parse("paychex.toml", text).unwrap();
    lint(&file, &spec())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn it_is_payroll_with_client_credentials_in_the_body_and_no_webhook() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    assert_eq!(b.file.category, "payroll");
    assert_eq!(b.file.base_url.production, "https://api.paychex.com");
    match &b.file.auth {
        AuthSpec::ClientCredentials {
            token_url,
            client_auth,
            method,
            scopes,
            client_secret_field,
            ..
        } => {
            assert_eq!(token_url, "/auth/oauth/v2/token");
            assert_eq!(*client_auth, ClientAuthSpec::Body);
            assert_eq!(method, "POST");
            assert!(scopes.is_empty());
            assert!(b.file.field(client_secret_field).unwrap().secret);
        }
        other => panic!("{other:?}"),
    }
    // The spec's token operation: the credentials in a form body, required.
    let doc: Value = serde_json::from_str(include_str!("../../specs/paychex.json")).unwrap();
    let form = &doc["paths"]["/auth/oauth/v2/token"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        ["schema"];
    assert_eq!(
        form["required"],
        serde_json::json!(["grant_type", "client_id", "client_secret"])
    );
    assert!(b.file.webhook.is_none());
    assert!(text().contains("no [webhook] section"));
    for help in b.file.fields.iter().map(|f| &f.help) {
        assert!(help.contains("Integrated apps"), "{help}");
    }
    assert_eq!(b.file.writes, vec!["employee".to_owned()]);
}

#[test]
fn the_file_agrees_with_the_spec_and_basic_auth_is_refused() {
    assert_eq!(problems(text()), Vec::<String>::new());
    // The token operation requires the pair in the form body: Basic is not what it takes.
    let basic = text().replace("client_auth = \"body\"", "client_auth = \"basic\"");
    assert_eq!(
        problems(&basic),
        vec!["auth: the spec offers no security scheme like this one"]
    );
}

#[test]
fn every_stream_asks_for_a_media_type_its_operation_offers_and_others_are_refused() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    let doc: Value = serde_json::from_str(include_str!("../../specs/paychex.json")).unwrap();
    for s in &b.file.streams {
        let accept = s.accept.as_deref().unwrap();
        let spec_path = s
            .path
            .replace("{partition.company_id}", "{companyId}")
            .replace("{partition.worker_id}", "{workerId}");
        let offered = &doc["paths"][&spec_path]["get"]["responses"]["200"]["content"];
        assert!(offered.get(accept).is_some(), "{}: {accept}", s.name);
    }
    // The single-worker type is not offered by the workers list.
    let wrong = text().replace(
        "accept = \"application/vnd.paychex.workers_communications.v1+json\"",
        "accept = \"application/vnd.paychex.worker.v1+json\"",
    );
    let found = problems(&wrong);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("streams[workers].accept: /companies/{companyId}/workers does not answer in `application/vnd.paychex.worker.v1+json`"),
        "{found:?}"
    );
}

#[test]
fn workers_are_not_paged_because_the_spec_declares_no_paging_parameters() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    assert_eq!(
        b.file.stream("workers").unwrap().paginator,
        PaginatorSpec::None
    );
    // The operation's prose names offset/limit, its parameters do not: the lint refuses them.
    let paged = text().replace(
        "id = \"/workerId\"\naccept",
        "id = \"/workerId\"\npaginator = { type = \"offset\", param = \"offset\", size_param = \"limit\", size = 100 }\naccept",
    );
    let found = problems(&paged);
    assert!(
        found.iter().any(|p| p
            .starts_with("streams[workers].paginator.param: `offset` is not a query parameter")),
        "{found:?}"
    );
    // Checks declare both, and are paged.
    assert!(matches!(
        b.file.stream("checks").unwrap().paginator,
        PaginatorSpec::Offset { .. }
    ));
}

/// The spec's schemas type one record, its examples show the envelope: each stream's example
/// answer holds its records at `/content`, and each record validates against the schema the
/// stream names.
#[test]
fn the_spec_examples_hold_records_at_content_in_the_named_schema() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    let doc: Value = serde_json::from_str(include_str!("../../specs/paychex.json")).unwrap();
    let spec = spec();
    for s in &b.file.streams {
        assert_eq!(s.records, "/content", "{}", s.name);
        let spec_path = s
            .path
            .replace("{partition.company_id}", "{companyId}")
            .replace("{partition.worker_id}", "{workerId}");
        let accept = s.accept.as_deref().unwrap();
        let examples =
            doc["paths"][&spec_path]["get"]["responses"]["200"]["content"][accept]["examples"]
                .as_object()
                .unwrap();
        let schema = spec
            .schema_at(s.response_items_schema.as_deref().unwrap())
            .unwrap();
        let validator = jsonschema::validator_for(&spec.validator_document(schema)).unwrap();
        for example in examples.values() {
            let at = example["$ref"].as_str().unwrap().trim_start_matches('#');
            let answer = &doc.pointer(at).unwrap()["value"];
            let records = answer["content"].as_array().unwrap();
            assert!(!records.is_empty(), "{}", s.name);
            for r in records {
                let errors: Vec<String> = validator
                    .iter_errors(r)
                    .map(|e| format!("{e} at {}", e.instance_path()))
                    // Where the examples contradict their own enums: a worker's NON_EXEMPT
                    // employmentType, and a processed check's INFORMATIONAL lines (effectOnPay
                    // lists ADDITION, ADDITION_WITH_IN_OUT, REDUCTION, REDUCTION_WITH_IN_OUT).
                    .filter(|e| !e.contains("/employmentType"))
                    .filter(|e| !(e.contains("/informational/") && e.contains("/effectOnPay")))
                    .collect();
                assert!(errors.is_empty(), "{}: {errors:?}", s.name);
                assert!(r.pointer(&s.id).is_some(), "{}", s.name);
            }
        }
    }
}

/// The checks' paging stops at the total the spec's `MetadataResource` types
/// (`pagination.total`), and errors are the `ErrorResource` the examples wrap in `errors`.
#[test]
fn paging_stops_at_the_metadata_total_and_errors_sit_in_a_list() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    let spec = spec();
    let PaginatorSpec::Offset {
        param,
        size_param,
        total: Some(total),
        ..
    } = &b.file.stream("checks").unwrap().paginator
    else {
        panic!("checks are paged by offset up to a total");
    };
    assert_eq!((param.as_str(), size_param.as_str()), ("offset", "limit"));
    let metadata = spec
        .schema_at("#/components/schemas/MetadataResource")
        .unwrap();
    let under_metadata = total.strip_prefix("/metadata").unwrap();
    spec.has_pointer(metadata, under_metadata).unwrap();
    assert_eq!(b.file.errors.message[0], "/errors/0/description");
    let doc: Value = serde_json::from_str(include_str!("../../specs/paychex.json")).unwrap();
    let unauthorized =
        &doc["paths"]["/companies"]["get"]["responses"]["401"]["content"]["application/json"];
    assert_eq!(unauthorized["example"]["errors"][0]["code"], "API-102");
    let not_acceptable =
        &doc["paths"]["/companies"]["get"]["responses"]["406"]["content"]["application/json"];
    assert_eq!(not_acceptable["example"]["errors"][0]["code"], "API-75");
}

/// The envelope the file reads is the spec's own `CollectionResource` (kept by the trim):
/// records at `/content`, the paging total under `/metadata`, errors as `ErrorResource`s at
/// `/errors` (as every error example wraps them). No operation names it as its 200 schema.
#[test]
fn the_envelope_is_the_spec_collection_resource() {
    let b = maestro_kit::builtin_file("paychex").unwrap();
    let spec = spec();
    let collection = spec
        .schema_at("#/components/schemas/CollectionResource")
        .unwrap();
    for s in &b.file.streams {
        spec.has_pointer(collection, &s.records).unwrap();
    }
    let PaginatorSpec::Offset {
        total: Some(total), ..
    } = &b.file.stream("checks").unwrap().paginator
    else {
        panic!("checks are paged by offset up to a total");
    };
    spec.has_pointer(collection, total).unwrap();
    for pointer in &b.file.errors.message {
        spec.has_pointer(collection, pointer).unwrap();
    }
}
