//! ADP's file against its spec (Ballerina's 2021 derivation of ADP's API Explorer, not published
//! by ADP): client credentials with a client certificate, roleCode on every call, OData paging,
//! pay statements per worker, and the trimmed copy holding what the source files say.

use maestro_kit::file::{AuthSpec, ClientAuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, lint};

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "adp.toml")
        .unwrap()
        .1
}

#[test]
fn the_file_parses_and_agrees_with_the_spec() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    let problems = lint(&b.file, &b.spec);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(b.file.category, "payroll");
    assert!(
        text().contains("DERIVED"),
        "the file says the spec is not ADP's own"
    );
}

#[test]
fn it_connects_with_client_credentials_in_the_body_and_a_client_certificate() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    let AuthSpec::ClientCredentials {
        token_url,
        client_auth,
        method,
        client_certificate,
        ..
    } = &b.file.auth
    else {
        panic!("{:?}", b.file.auth);
    };
    assert_eq!(token_url, "/auth/oauth/v2/token");
    assert_eq!(
        b.file.base_url.auth.as_deref(),
        Some("https://accounts.adp.com")
    );
    // The spec's own flow names the same token URL.
    let flow =
        &b.spec.doc()["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"];
    assert_eq!(
        flow["tokenUrl"].as_str(),
        Some("https://accounts.adp.com/auth/oauth/v2/token")
    );
    assert_eq!(*client_auth, ClientAuthSpec::Body);
    assert_eq!(method, "POST");
    let cert = client_certificate.as_ref().unwrap();
    for key in [&cert.cert_field, &cert.key_field] {
        let f = b.file.fields.iter().find(|f| &f.key == key).unwrap();
        assert!(f.secret && f.multiline, "{key}");
    }
}

#[test]
fn a_certificate_field_that_is_not_secret_and_multiline_is_refused() {
    let wrong = text().replacen("multiline = true\n", "", 1);
    let e = ProviderFile::parse("adp.toml", &wrong).unwrap_err();
    assert_eq!(e.field, "auth.client_certificate.cert_field", "{e}");
    assert!(e.message.contains("multiline = true"), "{e}");
    let wrong = text().replace("key_field = \"client_key\"", "key_field = \"the_key\"");
    let e = ProviderFile::parse("adp.toml", &wrong).unwrap_err();
    assert!(e.message.contains("does not define"), "{e}");
}

#[test]
fn role_code_is_sent_because_the_spec_requires_it_on_every_operation() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    assert_eq!(
        b.file.headers.get("roleCode").map(String::as_str),
        Some("practitioner")
    );
    let p = &b.spec.doc()["components"]["parameters"]["roleCode"];
    assert_eq!(p["in"], "header");
    assert_eq!(p["required"], true);
    for (path, method) in [
        ("/hr/v2/workers", "get"),
        ("/payroll/v1/workers/{aoid}/pay-statements", "get"),
        (
            "/payroll/v1/workers/{aoid}/pay-statements/{pay-statement-id}",
            "get",
        ),
        ("/events/hr/v1/worker.hire", "post"),
        ("/events/hr/v1/worker.terminate", "post"),
    ] {
        let params = b.spec.doc()["paths"][path][method]["parameters"]
            .as_array()
            .unwrap();
        assert!(
            params.iter().any(|p| p["$ref"]
                .as_str()
                .is_some_and(|r| r.starts_with("#/components/parameters/roleCode"))),
            "{method} {path}"
        );
    }
}

#[test]
fn workers_page_with_odata_top_and_skip_and_pay_statements_are_read_per_worker() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    let workers = b.file.streams.iter().find(|s| s.name == "workers").unwrap();
    assert_eq!(
        workers.paginator,
        PaginatorSpec::Offset {
            param: "$skip".into(),
            size_param: "$top".into(),
            size: 100,
            total: None,
            until_empty: true,
        }
    );
    // The spec declares only a 200 for the list: the 204 at the end is the peer's (tap-adp).
    let responses = b.spec.doc()["paths"]["/hr/v2/workers"]["get"]["responses"]
        .as_object()
        .unwrap();
    assert_eq!(responses.keys().collect::<Vec<_>>(), ["200"]);
    assert!(text().contains("204 No Content"));
    let pay = b
        .file
        .streams
        .iter()
        .find(|s| s.name == "pay_statements")
        .unwrap();
    assert_eq!(pay.partition.as_ref().unwrap().parent, "workers");
    assert!(
        pay.entities.is_empty(),
        "the list states no period: read for its links only"
    );
}

#[test]
fn each_listed_statement_is_read_whole_for_its_pay_period_and_hours() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    let doc = b.spec.doc();
    let s = &doc["components"]["schemas"];
    // The list's item has no period; the single statement (spec `PayStatement`) has one.
    let listed = &s["PayStatements"]["properties"]["payStatements"]["items"]["properties"];
    assert!(listed.get("payPeriod").is_none());
    let one = &s["PayStatement"]["properties"];
    for end in ["startDate", "endDate"] {
        assert_eq!(one["payPeriod"]["properties"][end]["type"], "string");
        assert_eq!(one["payPeriod"]["properties"][end]["format"], "date");
    }
    assert_eq!(one["totalHours"]["type"], "number");
    let earning = &one["earnings"]["items"]["properties"];
    assert_eq!(earning["payPeriodHours"]["type"], "number");
    assert_eq!(
        earning["earningAmount"]["properties"]["amountValue"]["type"],
        "number"
    );
    // The detail's path parameter is `pay-statement-id`, and its answer is `PayStatement` itself.
    let op = &doc["paths"]["/payroll/v1/workers/{aoid}/pay-statements/{pay-statement-id}"]["get"];
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PayStatement"
    );
    assert_eq!(
        doc["components"]["parameters"]["payStatementId"]["name"],
        "pay-statement-id"
    );
    let detail = b
        .file
        .streams
        .iter()
        .find(|s| s.entities == ["pay_statement"])
        .unwrap();
    assert!(detail.single);
    assert_eq!(
        detail.path,
        "/payroll/v1/workers/{partition.aoid}/pay-statements/{partition.pay_statement_id}"
    );
    let p = detail.partition.as_ref().unwrap();
    assert_eq!(p.parent, "pay_statements");
    assert_eq!(p.key, "/payDetailUri/href");
    assert!(
        p.last_segment,
        "the id is the link's last segment, not the link"
    );
}

#[test]
fn the_trimmed_spec_keeps_the_money_and_date_shapes_of_the_source() {
    let b = maestro_kit::builtin_file("adp").unwrap();
    let s = &b.spec.doc()["components"]["schemas"];
    let pay = &s["PayStatements"]["properties"]["payStatements"]["items"]["properties"];
    assert_eq!(
        pay["grossPayAmount"]["properties"]["amountValue"]["type"],
        "number"
    );
    assert_eq!(pay["totalHours"]["type"], "number");
    assert!(
        pay.get("payStatementID").is_none(),
        "no id: the detail link is the id"
    );
    assert!(pay["payDetailUri"]["properties"]["href"].is_object());
    // Hire and terminate events: the request and the answer share one schema.
    for (path, schema) in [
        ("/events/hr/v1/worker.hire", "WorkerHireEvent"),
        ("/events/hr/v1/worker.terminate", "WorkerTerminateEvent"),
    ] {
        let op = &b.spec.doc()["paths"][path]["post"];
        let want = format!("#/components/schemas/{schema}");
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            want.as_str()
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            want.as_str()
        );
    }
}
