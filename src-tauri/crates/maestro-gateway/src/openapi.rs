//! `/openapi.json`: an OpenAPI 3.1 description of the REST routes, generated from the
//! resource types the gateway actually serves.

use serde_json::{Map, Value, json};

use crate::jsonapi::{MAX_PAGE_SIZE, MEDIA_TYPE};
use crate::resources::ResourceType;
use crate::rest::BASE;

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    let params = json!([
        {"name": "include", "in": "query", "schema": {"type": "string"},
         "description": "Comma-separated relationships to include"},
        {"name": "fields[TYPE]", "in": "query", "schema": {"type": "string"},
         "description": "Sparse fieldset: comma-separated attributes of TYPE"},
        {"name": "filter[ATTRIBUTE]", "in": "query", "schema": {"type": "string"},
         "description": "Exact match on an attribute; comma = any of"},
        {"name": "sort", "in": "query", "schema": {"type": "string"},
         "description": "Comma-separated attributes, '-' for descending"},
        {"name": "page[size]", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        {"name": "page[cursor]", "in": "query", "schema": {"type": "string"},
         "description": "Opaque cursor from links.next"},
    ]);
    let errors = json!({
        "401": {"description": "No valid API key"},
        "403": {"description": "The key lacks the scope, or the client is not on the allowlist"},
        "406": {"description": "Accept excludes application/vnd.api+json"},
        "429": {"description": "Rate limit reached; see Retry-After"},
    });
    let doc = |desc: &str| json!({"description": desc, "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Document"}}}});
    for t in ResourceType::ALL {
        let name = t.name();
        let mut list_responses = errors.clone();
        list_responses["200"] = doc(&format!("A page of {name}"));
        paths.insert(
            format!("{BASE}/{name}"),
            json!({"get": {
                "summary": format!("List {name}"),
                "security": [{"apiKey": []}],
                "parameters": params,
                "responses": list_responses,
            }}),
        );
        let mut one = errors.clone();
        one["200"] = doc(&format!("One of {name}"));
        one["404"] = json!({"description": "Not found"});
        let mut item = json!({"get": {
            "summary": format!("One of {name}"),
            "security": [{"apiKey": []}],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": one,
        }});
        if *t == ResourceType::Record(maestro_core::model::EntityKind::Employee) {
            let mut patch = errors.clone();
            patch["202"] = doc("The change is queued in the outbox");
            patch["415"] = json!({"description": "Body is not application/vnd.api+json"});
            patch["409"] = json!({"description": "data.type or data.id does not match"});
            patch["422"] = json!({"description": "An attribute cannot be changed"});
            item["patch"] = json!({
                "summary": "Change a person's contact fields (first_name, last_name, work_email, job_title, department); written to the provider through the outbox",
                "security": [{"apiKey": []}],
                "requestBody": {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Document"}}}},
                "responses": patch,
            });
        }
        paths.insert(format!("{BASE}/{name}/{{id}}"), item);
        for (rel, _, _) in t.relationships() {
            let mut r = errors.clone();
            r["200"] = doc(&format!("{name} → {rel}"));
            paths.insert(
                format!("{BASE}/{name}/{{id}}/{rel}"),
                json!({"get": {"summary": format!("The {rel} of one of {name}"),
                    "security": [{"apiKey": []}], "responses": r}}),
            );
        }
    }
    paths.insert(
        "/graphql".into(),
        json!({"post": {"summary": "GraphQL over the canonical model", "security": [{"apiKey": []}],
            "responses": {"200": {"description": "GraphQL response"}}}}),
    );
    paths.insert(
        "/ws".into(),
        json!({"get": {"summary": "WebSocket of live events; send {\"subscribe\": [\"sync\",\"records\",\"alerts\"]}. Needs events:read; records and runs are those of kinds the key may read, alerts need alerts:read; closed (1008) when the key is revoked",
            "security": [{"apiKey": []}], "responses": {"101": {"description": "Switching protocols"}}}}),
    );
    paths.insert(
        "/webhooks/{connection}".into(),
        json!({"post": {"summary": "Provider webhooks, verified by signature",
            "responses": {"200": {"description": "Gusto handshake: the token matches the saved secret"},
                          "202": {"description": "Verified; an incremental sync follows (or: a Gusto handshake token held until the owner confirms it)"},
                          "401": {"description": "Bad signature: not processed"}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Integration Maestro local API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Document": {"type": "object",
                "description": "A JSON:API 1.1 document (https://jsonapi.org/format/1.1/)"}},
        },
    })
}
