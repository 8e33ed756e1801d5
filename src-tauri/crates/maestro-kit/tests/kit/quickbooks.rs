//! QuickBooks Online's file: Intuit publishes no OpenAPI, so specs/quickbooks.json is a hand
//! transcription, and INTUIT'S XSDs ARE ITS JUDGE: every member of every transcribed schema
//! must be an element or attribute of the same type in the XSDs (copies in specs/quickbooks/,
//! see SOURCE.md), types compatible (xs:decimal → number, xs:int → integer, xs:boolean →
//! boolean, xs:date → a `date` string, xs:dateTime → a `date-time` string, an enumeration → the
//! same values, ReferenceType → `{value, name, type}`, a complex type → the schema of that
//! name). Then the file's own facts: OAuth with the realm id kept, minorversion on every call,
//! the query paginator, and the lint.

use std::collections::{BTreeMap, BTreeSet};

use maestro_kit::file::{AuthSpec, PaginatorSpec};
use maestro_kit::{ProviderFile, Spec, lint};
use regex::Regex;
use serde_json::Value;

const XSDS: [&str; 4] = [
    include_str!("../../specs/quickbooks/IntuitBaseTypes.xsd"),
    include_str!("../../specs/quickbooks/IntuitNamesTypes.xsd"),
    include_str!("../../specs/quickbooks/Finance.trimmed.xsd"),
    include_str!("../../specs/quickbooks/IntuitRestServiceDef.xsd"),
];

fn text() -> &'static str {
    maestro_kit::builtin::sources()
        .find(|(name, _)| *name == "quickbooks.toml")
        .unwrap()
        .1
}

fn spec() -> Spec {
    Spec::parse(include_str!("../../specs/quickbooks.json")).unwrap()
}

/// One XSD type: its base (an extension's), its members (element or attribute → type), and
/// its enumeration values (simple types).
#[derive(Debug, Default)]
struct XsdType {
    base: Option<String>,
    members: BTreeMap<String, String>,
    values: Vec<String>,
}

/// Every top-level complexType and simpleType of the XSDs, by name. A type defined twice (the
/// REST definitions repeat some names as elements, never as types) keeps its first definition.
fn xsd_types() -> BTreeMap<String, XsdType> {
    let open = Regex::new(r#"<xs:(complexType|simpleType) name="([A-Za-z0-9_]+)""#).unwrap();
    let member =
        Regex::new(r#"<xs:(?:element|attribute) name="([A-Za-z0-9_]+)"\s+type="([A-Za-z0-9_:]+)""#)
            .unwrap();
    let base = Regex::new(r#"<xs:(?:extension|restriction) base="([A-Za-z0-9_:]+)""#).unwrap();
    let value = Regex::new(r#"<xs:enumeration value="([^"]+)""#).unwrap();
    // Annotations hold prose, never definitions.
    let annotation = Regex::new(r"(?s)<xs:annotation>.*?</xs:annotation>").unwrap();
    let tags: BTreeMap<&str, Regex> = ["complexType", "simpleType"]
        .into_iter()
        .map(|k| {
            (
                k,
                Regex::new(&format!(r"<(/?)xs:{k}\b[^>]*?(/?)>")).unwrap(),
            )
        })
        .collect();
    let mut out = BTreeMap::new();
    for xsd in XSDS {
        let xsd = annotation.replace_all(xsd, "");
        for m in open.captures_iter(&xsd) {
            let (kind, name) = (m.get(1).unwrap().as_str(), m.get(2).unwrap().as_str());
            let start = m.get(0).unwrap().start();
            let tag = &tags[kind];
            let mut depth = 0;
            let mut end = xsd.len();
            for t in tag.captures_iter(&xsd[start..]) {
                if !t.get(1).unwrap().as_str().is_empty() {
                    depth -= 1;
                } else if t.get(2).unwrap().as_str().is_empty() {
                    depth += 1;
                }
                if depth == 0 {
                    end = start + t.get(0).unwrap().end();
                    break;
                }
            }
            let block = &xsd[start..end];
            let t = XsdType {
                base: base.captures(block).map(|b| b[1].to_owned()),
                members: member
                    .captures_iter(block)
                    .map(|c| (c[1].to_owned(), c[2].to_owned()))
                    .collect(),
                values: value
                    .captures_iter(block)
                    .map(|c| c[1].to_owned())
                    .collect(),
            };
            out.entry(name.to_owned()).or_insert(t);
        }
    }
    out
}

/// The members of `name` with its bases' (IntuitEntity's Id, SyncToken, MetaData, domain,
/// status, sparse; NameBase's names and contacts).
fn members(types: &BTreeMap<String, XsdType>, name: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut at = Some(name.to_owned());
    while let Some(n) = at {
        let Some(t) = types.get(&n) else { break };
        for (k, v) in &t.members {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
        at = t.base.clone().filter(|b| !b.starts_with("xs:"));
    }
    out
}

/// Why the transcribed `schema` of a member is not the XSD's `xsd_type`, if it is not.
fn mismatch(types: &BTreeMap<String, XsdType>, schema: &Value, xsd_type: &str) -> Option<String> {
    let text = |k: &str| schema.get(k).and_then(Value::as_str);
    if let Some(r) = text("$ref") {
        let named = r.rsplit('/').next().unwrap_or_default();
        return (named != xsd_type).then(|| format!("$ref {named}, XSD type {xsd_type}"));
    }
    let want_type = |t: &str, format: Option<&str>| {
        if text("type") != Some(t) || text("format") != format {
            Some(format!(
                "{:?}/{:?}, XSD {xsd_type} wants {t}/{format:?}",
                text("type"),
                text("format")
            ))
        } else {
            None
        }
    };
    match xsd_type {
        "xs:string" | "id" => want_type("string", None),
        "xs:decimal" => want_type("number", None),
        "xs:int" | "xs:integer" | "xs:long" => want_type("integer", None),
        "xs:boolean" => want_type("boolean", None),
        "xs:date" => want_type("string", Some("date")),
        "xs:dateTime" => want_type("string", Some("date-time")),
        other => {
            let t = types.get(other)?;
            if t.values.is_empty() {
                return Some(format!("XSD type {other} is complex: use its $ref"));
            }
            let given: BTreeSet<&str> = schema
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let xsd: BTreeSet<&str> = t.values.iter().map(String::as_str).collect();
            (text("type") != Some("string") || given != xsd)
                .then(|| format!("enum {given:?}, XSD {other} has {xsd:?}"))
        }
    }
}

#[test]
fn every_transcribed_member_is_in_intuits_xsds_with_a_compatible_type() {
    let types = xsd_types();
    let spec = spec();
    let schemas = spec.doc()["components"]["schemas"].as_object().unwrap();
    let judged = [
        "Employee",
        "Vendor",
        "TimeActivity",
        "Department",
        "Class",
        "CompanyInfo",
        "ModificationMetaData",
        "EmailAddress",
        "TelephoneNumber",
        "PhysicalAddress",
        "Error",
    ];
    let mut problems = Vec::new();
    let mut checked = 0;
    for name in judged {
        let xsd = members(&types, name);
        assert!(!xsd.is_empty(), "{name} is not in the XSDs");
        let props = schemas[name]["properties"].as_object().unwrap();
        for (member, schema) in props {
            checked += 1;
            match xsd.get(member) {
                None => problems.push(format!("{name}.{member}: not in the XSD")),
                Some(t) => {
                    if let Some(why) = mismatch(&types, schema, t) {
                        problems.push(format!("{name}.{member}: {why}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked > 120, "only {checked} members checked");
    // ReferenceType is simple content (an id) with name and type attributes: {value, name, type}.
    let reference = &types["ReferenceType"];
    assert_eq!(reference.base.as_deref(), Some("id"));
    let attrs: BTreeSet<&str> = reference.members.keys().map(String::as_str).collect();
    let json: BTreeSet<&str> = schemas["ReferenceType"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "value")
        .collect();
    assert_eq!(json, attrs);
    // QueryResponse's paging attributes and the Fault's.
    let query = members(&types, "QueryResponse");
    for attr in ["startPosition", "maxResults", "totalCount"] {
        assert_eq!(
            query.get(attr).map(String::as_str),
            Some("xs:int"),
            "{attr}"
        );
    }
    assert_eq!(
        members(&types, "Fault").get("Error").map(String::as_str),
        Some("Error")
    );
}

#[test]
fn the_judge_catches_a_wrong_transcription() {
    // The same check on a schema with a misspelt member, a float where the XSD has an int, and
    // a date typed as a date-time: each is named.
    let types = xsd_types();
    let ta = members(&types, "TimeActivity");
    assert!(!ta.contains_key("Hour"));
    let number = serde_json::json!({"type": "number"});
    assert!(mismatch(&types, &number, &ta["Hours"]).is_some());
    let datetime = serde_json::json!({"type": "string", "format": "date-time"});
    assert!(mismatch(&types, &datetime, &ta["TxnDate"]).is_some());
    let wrong_enum = serde_json::json!({"type": "string", "enum": ["Employee", "Vendor"]});
    assert!(mismatch(&types, &wrong_enum, &ta["NameOf"]).is_some());
    let reference = serde_json::json!({"$ref": "#/components/schemas/ReferenceType"});
    assert!(mismatch(&types, &reference, &ta["EmployeeRef"]).is_none());
    assert!(mismatch(&types, &reference, &ta["TxnDate"]).is_some());
}

#[test]
fn the_file_names_no_published_spec_and_says_pay_is_not_in_the_api() {
    let file = ProviderFile::parse("quickbooks.toml", text()).unwrap();
    assert!(file.spec.is_none());
    assert_eq!(file.category, "payroll");
    assert!(text().starts_with("# QuickBooks Online"));
    assert!(text().contains("NO\n# OpenAPI"));
    assert!(text().contains("PAYROLL DETAIL"));
    assert!(
        file.summary
            .contains("Pay stubs are not in QuickBooks' public API")
    );
    assert!(
        spec().doc()["info"]["title"]
            .as_str()
            .unwrap()
            .contains("NOT a published spec")
    );
}

#[test]
fn it_signs_in_with_intuit_keeps_the_realm_and_sends_minorversion_75() {
    let b = maestro_kit::builtin_file("quickbooks").unwrap();
    let AuthSpec::OAuth2 {
        authorize_url,
        token_url,
        scopes,
        callback_fields,
        ..
    } = &b.file.auth
    else {
        panic!("not oauth2")
    };
    assert_eq!(authorize_url, "https://appcenter.intuit.com/connect/oauth2");
    assert_eq!(
        token_url,
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    );
    assert_eq!(scopes, &["com.intuit.quickbooks.accounting"]);
    assert_eq!(
        callback_fields.get("realmId").map(String::as_str),
        Some("realm_id")
    );
    assert_eq!(
        b.file.query.get("minorversion").map(String::as_str),
        Some("75")
    );
    // Limits and throttles: 10 a second per company and app, 500 a minute per company; the
    // one window kept must hold both.
    let r = &b.file.rate_limit;
    let per_second = f64::from(r.requests) / r.per_seconds as f64;
    assert!(per_second <= 10.0, "{per_second} a second");
    assert!(per_second * 60.0 <= 500.0, "{} a minute", per_second * 60.0);
    for s in &b.file.streams {
        assert!(
            s.path.starts_with("/v3/company/{config.realm_id}/"),
            "{}",
            s.name
        );
        let PaginatorSpec::Query { param, size } = &s.paginator else {
            panic!("{} is not paged by statement", s.name)
        };
        assert_eq!((param.as_str(), *size), ("query", 1000));
        assert!(s.query["query"].starts_with("SELECT * FROM "));
    }
}

#[test]
fn the_lint_finds_nothing_and_catches_an_undeclared_every_call_parameter() {
    let file = ProviderFile::parse("quickbooks.toml", text()).unwrap();
    let found: Vec<String> = lint(&file, &spec())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    let wrong = text().replace("minorversion = \"75\"", "minor_version = \"75\"");
    let file = ProviderFile::parse("quickbooks.toml", &wrong).unwrap();
    let found: Vec<String> = lint(&file, &spec())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        found.iter().any(|p| p.contains("minor_version")),
        "{found:#?}"
    );
}

#[test]
fn a_statement_param_the_stream_does_not_hold_is_refused() {
    let wrong = text().replacen(
        "paginator = { type = \"query\", param = \"query\"",
        "paginator = { type = \"query\", param = \"q\"",
        1,
    );
    let err = ProviderFile::parse("quickbooks.toml", &wrong).unwrap_err();
    assert!(err.to_string().contains("paginator.param"), "{err}");
}

/// The `maxOccurs` of element `element` in XSD complex type `ty` ("1" when not stated).
fn max_occurs(ty: &str, element: &str) -> String {
    let annotation = Regex::new(r"(?s)<xs:annotation>.*?</xs:annotation>").unwrap();
    let xsd = annotation.replace_all(XSDS[3], "");
    let start = xsd
        .find(&format!("<xs:complexType name=\"{ty}\""))
        .unwrap_or_else(|| panic!("{ty} is not in IntuitRestServiceDef.xsd"));
    let end = start + xsd[start..].find("</xs:complexType>").unwrap();
    let tag = Regex::new(&format!(
        r#"<xs:element name="{element}"\s+type="{element}"([^>]*)>"#
    ))
    .unwrap();
    let attrs = tag
        .captures(&xsd[start..end])
        .unwrap_or_else(|| panic!("{ty}.{element} is not in the XSD"))[1]
        .to_owned();
    Regex::new(r#"maxOccurs="([^"]+)""#)
        .unwrap()
        .captures(&attrs)
        .map_or_else(|| "1".to_owned(), |c| c[1].to_owned())
}

/// The answers' envelopes are the XSD's too: a member the XSD repeats (maxOccurs unbounded)
/// is a JSON array, one it holds at most once an object; `time` is IntuitResponse's
/// xs:dateTime attribute; and the file's record pointers walk exactly those shapes.
#[test]
fn the_query_change_feed_and_fault_envelopes_are_the_xsds() {
    let spec = spec();
    let doc = spec.doc();
    let schemas = &doc["components"]["schemas"];
    let ok = |p: &str| &doc["paths"][p]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    let query = ok("/v3/company/{realmId}/query");
    let cdc = ok("/v3/company/{realmId}/cdc");
    let is_array = |s: &Value| s["type"] == "array";
    // IntuitResponse: QueryResponse and Fault at most once, CDCResponse repeated.
    assert_eq!(max_occurs("IntuitResponse", "QueryResponse"), "1");
    assert_eq!(
        query["properties"]["QueryResponse"]["$ref"],
        "#/components/schemas/QueryResponse"
    );
    assert_eq!(max_occurs("IntuitResponse", "CDCResponse"), "unbounded");
    assert!(is_array(&cdc["properties"]["CDCResponse"]));
    // CDCResponse: QueryResponse repeated (one per entity asked).
    assert_eq!(max_occurs("CDCResponse", "QueryResponse"), "unbounded");
    let inner = &cdc["properties"]["CDCResponse"]["items"]["properties"]["QueryResponse"];
    assert!(is_array(inner));
    assert_eq!(inner["items"]["$ref"], "#/components/schemas/QueryResponse");
    // Fault: Error repeated, and the type attribute.
    assert_eq!(max_occurs("IntuitResponse", "Fault"), "1");
    assert_eq!(max_occurs("Fault", "Error"), "unbounded");
    let fault = &schemas["FaultResult"]["properties"]["Fault"];
    assert!(is_array(&fault["properties"]["Error"]));
    assert_eq!(
        fault["properties"]["Error"]["items"]["$ref"],
        "#/components/schemas/Error"
    );
    let types = xsd_types();
    assert_eq!(
        members(&types, "Fault").get("type").map(String::as_str),
        Some("xs:string")
    );
    assert_eq!(fault["properties"]["type"]["type"], "string");
    // IntuitResponse@time.
    assert_eq!(
        members(&types, "IntuitResponse")
            .get("time")
            .map(String::as_str),
        Some("xs:dateTime")
    );
    for envelope in [query, cdc, &schemas["FaultResult"]] {
        assert_eq!(envelope["properties"]["time"]["format"], "date-time");
    }
    // The file reads /QueryResponse/<Entity> of its statement's entity, and the change feed's
    // first CDCResponse's first QueryResponse (one entity asked per stream) of the same one.
    let file = ProviderFile::parse("quickbooks.toml", text()).unwrap();
    for s in &file.streams {
        let entity = s.query["query"]
            .trim_start_matches("SELECT * FROM ")
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        assert!(
            schemas["QueryResponse"]["properties"]
                .get(&entity)
                .is_some(),
            "{entity}"
        );
        assert_eq!(s.records, format!("/QueryResponse/{entity}"));
        let changes = s.changes.as_ref().unwrap();
        assert_eq!(changes.query["entities"], entity, "one entity per feed");
        assert_eq!(
            changes.records,
            format!("/CDCResponse/0/QueryResponse/0/{entity}")
        );
    }
}
