//! Reading a provider's published spec (OpenAPI 3 or Swagger 2, as JSON): its operations,
//! their parameters and response schemas, whether a JSON pointer exists in a schema, an example
//! instance built from the schema's own examples, and a JSON Schema document to validate
//! responses with.

use serde_json::{Map, Value, json};

/// A parsed spec.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    swagger: bool,
}

/// One operation of the spec.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    spec: &'a Spec,
    path_item: &'a Value,
    op: &'a Value,
    /// The spec's path template, e.g. `/v1/workspaces/{workspaceId}/users`.
    pub path: &'a str,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// Query string.
    Query,
    /// Path.
    Path,
    /// Header.
    Header,
}

impl Spec {
    /// Parses a spec's JSON text.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !doc.get("paths").is_some_and(Value::is_object) {
            return Err("the spec has no `paths`".into());
        }
        let swagger = doc.get("swagger").is_some();
        Ok(Spec { doc, swagger })
    }

    /// The whole document.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// Follows `$ref`s until a schema (or parameter) that is not a reference.
    pub fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/") => match self.doc.pointer(&r[1..]) {
                    Some(target) => node = target,
                    None => return node,
                },
                _ => return node,
            }
        }
        node
    }

    /// The operation `method` at `path` (the file's path, placeholders of any name), trying
    /// `path` as is and with `base_path` taken off its front.
    pub fn operation(&self, method: &str, path: &str, base_path: &str) -> Option<Operation<'_>> {
        let want = [
            Some(path),
            path.strip_prefix(base_path)
                .filter(|_| !base_path.is_empty()),
        ];
        let paths = self.doc.get("paths")?.as_object()?;
        for candidate in want.into_iter().flatten() {
            let wanted = shape(candidate);
            for (spec_path, item) in paths {
                if shape(spec_path) == wanted
                    && let Some(op) = item.get(method.to_ascii_lowercase())
                {
                    return Some(Operation {
                        spec: self,
                        path_item: item,
                        op,
                        path: spec_path,
                    });
                }
            }
        }
        None
    }

    /// True when `pointer` (`/a/0/b`; a number or `-` steps into an array's items) can exist
    /// in instances of `schema`.
    pub fn has_pointer(&self, schema: &Value, pointer: &str) -> Result<(), String> {
        let mut nodes = vec![schema];
        let mut walked = String::new();
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            walked.push('/');
            walked.push_str(&seg);
            let mut next = Vec::new();
            for n in nodes {
                self.step(n, &seg, &mut next);
            }
            if next.is_empty() {
                return Err(format!("`{walked}` is not in the schema"));
            }
            nodes = next;
        }
        Ok(())
    }

    fn step<'a>(&'a self, node: &'a Value, seg: &str, out: &mut Vec<&'a Value>) {
        let node = self.resolve(node);
        for combinator in ["allOf", "oneOf", "anyOf"] {
            if let Some(parts) = node.get(combinator).and_then(Value::as_array) {
                for p in parts {
                    self.step(p, seg, out);
                }
            }
        }
        let is_index = seg == "-" || seg.bytes().all(|b| b.is_ascii_digit());
        if is_index && let Some(items) = node.get("items") {
            out.push(items);
        }
        if let Some(p) = node.get("properties").and_then(|p| p.get(seg)) {
            out.push(p);
        }
    }

    /// The schema at `pointer` in the spec (`#/definitions/x`), resolved.
    pub fn schema_at(&self, pointer: &str) -> Option<&Value> {
        self.doc
            .pointer(pointer.strip_prefix('#').unwrap_or(pointer))
            .map(|v| self.resolve(v))
    }

    /// An instance of `schema` built from the spec's examples (an object's own `example`, or
    /// its properties' examples), with empty values where the spec gives none.
    pub fn example_of(&self, schema: &Value) -> Value {
        self.example_at(schema, 0, &mut Vec::new())
    }

    /// `within` holds the references being expanded: a schema met again inside itself (a
    /// worker's manager is a worker) gives nothing, and an optional member that gives nothing
    /// is left out rather than sent as a `null` its schema may forbid.
    fn example_at<'a>(
        &'a self,
        schema: &'a Value,
        depth: usize,
        within: &mut Vec<&'a str>,
    ) -> Value {
        let reference = schema.get("$ref").and_then(Value::as_str);
        if let Some(r) = reference {
            if within.contains(&r) {
                return Value::Null;
            }
            within.push(r);
        }
        let out = self.example_here(schema, depth, within);
        if reference.is_some() {
            within.pop();
        }
        out
    }

    fn example_here<'a>(
        &'a self,
        schema: &'a Value,
        depth: usize,
        within: &mut Vec<&'a str>,
    ) -> Value {
        let s = self.resolve(schema);
        if let Some(e) = s.get("example") {
            return e.clone();
        }
        // References met again are cut above; this only bounds a pathological spec.
        if depth > 48 {
            return Value::Null;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let mut out = Map::new();
            for part in all {
                match self.example_at(part, depth + 1, within) {
                    Value::Object(m) => out.extend(m),
                    // A part that is a schema already being expanded: so is the whole.
                    Value::Null => return Value::Null,
                    // `allOf: [{$ref: <a string enum>}]` (Rippling's CountryCode) is that value.
                    other if all.len() == 1 => return other,
                    _ => {}
                }
            }
            return Value::Object(out);
        }
        match type_of(s) {
            Some("object") | None if s.get("properties").is_some() => {
                let mut out = Map::new();
                let required: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(props) = s.get("properties").and_then(Value::as_object) {
                    for (k, v) in props {
                        let example = self.example_at(v, depth + 1, within);
                        if example.is_null() && !required.contains(&k.as_str()) {
                            continue;
                        }
                        out.insert(k.clone(), example);
                    }
                }
                Value::Object(out)
            }
            Some("array") => match s.get("items") {
                Some(items) if self.resolve(items).get("example").is_some() => {
                    json!([self.example_at(items, depth + 1, within)])
                }
                // A list that must hold something (ADP's `minItems: 1`): one item.
                Some(items) if s.get("minItems").and_then(Value::as_u64).unwrap_or(0) > 0 => {
                    match self.example_at(items, depth + 1, within) {
                        Value::Null => json!([]),
                        item => json!([item]),
                    }
                }
                _ => json!([]),
            },
            Some("string") => s
                .get("enum")
                .and_then(|e| e.get(0))
                .cloned()
                .unwrap_or_else(|| json!("")),
            Some("integer") | Some("number") => json!(0),
            Some("boolean") => s.get("default").cloned().unwrap_or(json!(false)),
            // An object the spec leaves open (Checkr's `Metadata`): an empty one.
            Some("object") => json!({}),
            _ => Value::Null,
        }
    }

    /// A JSON Schema (2020-12) document that validates instances of `schema`: the spec's
    /// schemas carried along so references resolve, and OpenAPI 3.0's `nullable` (and Swagger's
    /// `x-nullable`) turned into `null` being allowed.
    pub fn validator_document(&self, schema: &Value) -> Value {
        let mut root = match nullable_to_types(schema) {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), json!([other]));
                m
            }
        };
        let key = if self.swagger {
            "definitions"
        } else {
            "components"
        };
        if let Some(defs) = self.doc.get(key) {
            root.insert(key.into(), nullable_to_types(defs));
        }
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        Value::Object(root)
    }

    /// Whether `text` appears in the spec's own description (`info.description`): for facts a
    /// spec states in prose, like Clockify's `Last-Page` header.
    pub fn describes(&self, text: &str) -> bool {
        self.doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.contains(text))
    }

    /// Every status any operation declares an answer for.
    pub fn declared_statuses(&self) -> std::collections::BTreeSet<&str> {
        let mut out = std::collections::BTreeSet::new();
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for item in paths.values().filter_map(Value::as_object) {
            for op in item.values() {
                if let Some(r) = op.get("responses").and_then(Value::as_object) {
                    out.extend(r.keys().map(String::as_str));
                }
            }
        }
        out
    }

    /// The security schemes (`components.securitySchemes` or `securityDefinitions`).
    pub fn security_schemes(&self) -> Vec<&Value> {
        let at = if self.swagger {
            self.doc.get("securityDefinitions")
        } else {
            self.doc.pointer("/components/securitySchemes")
        };
        at.and_then(Value::as_object)
            .map(|m| m.values().collect())
            .unwrap_or_default()
    }
}

impl<'a> Operation<'a> {
    /// Every parameter (path-level ones included, `$ref`s followed).
    fn all_parameters(&self) -> impl Iterator<Item = &'a Value> + use<'a> {
        let spec = self.spec;
        [self.path_item.get("parameters"), self.op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .map(move |p| spec.resolve(p))
    }

    /// Names of the parameters in `location`; only the required ones when `required`.
    fn named(&self, location: ParamIn, required: bool) -> Vec<&'a str> {
        let want = match location {
            ParamIn::Query => "query",
            ParamIn::Path => "path",
            ParamIn::Header => "header",
        };
        self.all_parameters()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some(want))
            .filter(|p| !required || p.get("required") == Some(&Value::Bool(true)))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect()
    }

    /// Names of the parameters in `location` (path-level ones included, `$ref`s followed).
    pub fn parameters(&self, location: ParamIn) -> Vec<&'a str> {
        self.named(location, false)
    }

    /// Names of the required parameters in `location`.
    pub fn required_parameters(&self, location: ParamIn) -> Vec<&'a str> {
        self.named(location, true)
    }

    /// The declared default of parameter `name`, as text.
    pub fn parameter_default(&self, name: &str) -> Option<String> {
        self.all_parameters()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.pointer("/schema/default").or_else(|| p.get("default")))
            .map(|d| match d {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    }

    /// The JSON body's schema, when the operation takes one.
    pub fn body_schema(&self) -> Option<&'a Value> {
        if self.spec.swagger {
            self.op
                .get("parameters")?
                .as_array()?
                .iter()
                .map(|p| self.spec.resolve(p))
                .find(|p| p.get("in").and_then(Value::as_str) == Some("body"))?
                .get("schema")
                .map(|s| self.spec.resolve(s))
        } else {
            let body = self.spec.resolve(self.op.get("requestBody")?);
            // A vendor media type (`application/vnd.paychex.workers.v1+json`) when the
            // operation takes no plain JSON.
            let content = body.get("content")?.as_object()?;
            content
                .get("application/json")
                .or_else(|| {
                    content
                        .iter()
                        .find(|(t, _)| t.ends_with("+json"))
                        .map(|(_, v)| v)
                })?
                .get("schema")
                .map(|s| self.spec.resolve(s))
        }
    }

    /// Names of the members of a form body (`application/x-www-form-urlencoded`), e.g. a
    /// token endpoint's `grant_type`, `client_id` and `client_secret`; only the required ones
    /// when `required`.
    pub fn form_members(&self, required: bool) -> Vec<&'a str> {
        let schema = self
            .op
            .get("requestBody")
            .map(|b| self.spec.resolve(b))
            .and_then(|b| b.pointer("/content/application~1x-www-form-urlencoded/schema"))
            .map(|s| self.spec.resolve(s));
        if required {
            schema
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        } else {
            schema
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default()
        }
    }

    /// Names of the JSON body's members.
    pub fn body_members(&self) -> Vec<&'a str> {
        self.body_schema()
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The success response (200, else 201): its schema, when it has one.
    pub fn response_schema(&self) -> Option<&'a Value> {
        let responses = self.op.get("responses")?;
        let ok = responses.get("200").or_else(|| responses.get("201"))?;
        let ok = self.spec.resolve(ok);
        if self.spec.swagger {
            ok.get("schema")
        } else {
            ok.pointer("/content/application~1json/schema")
        }
    }

    /// The media types the success response (200, else 201) is offered in (OpenAPI 3 only;
    /// empty for Swagger 2, whose `produces` is not read).
    pub fn success_media_types(&self) -> Vec<&'a str> {
        let responses = self.op.get("responses");
        responses
            .and_then(|r| r.get("200").or_else(|| r.get("201")))
            .map(|ok| self.spec.resolve(ok))
            .and_then(|ok| ok.get("content"))
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Names of the headers the success response declares.
    pub fn response_headers(&self) -> Vec<&'a str> {
        let responses = self.op.get("responses");
        let ok = responses.and_then(|r| r.get("200").or_else(|| r.get("201")));
        ok.and_then(|r| r.get("headers"))
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The operation's own description and summary.
    pub fn description(&self) -> String {
        ["summary", "description"]
            .iter()
            .filter_map(|k| self.op.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A path with every `{placeholder}` made the same, for matching.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// Rewrites OpenAPI 3.0 `nullable: true` / Swagger `x-nullable: true` as JSON Schema allowing
/// `null`, everywhere in `v`.
fn nullable_to_types(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(nullable_to_types).collect()),
        Value::Object(m) => {
            let mut out: Map<String, Value> = m
                .iter()
                .map(|(k, v)| {
                    // `example`s and `properties` names are data, not schemas; recurse anyway:
                    // no example carries a `nullable` member.
                    (k.clone(), nullable_to_types(v))
                })
                .collect();
            let nullable = [out.remove("nullable"), out.remove("x-nullable")]
                .into_iter()
                .flatten()
                .any(|n| n == Value::Bool(true));
            if !nullable {
                return Value::Object(out);
            }
            if let Some(r) = out.remove("$ref") {
                out.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
            } else if let Some(Value::String(t)) = out.get("type").cloned() {
                out.insert("type".into(), json!([t, "null"]));
                if let Some(Value::Array(e)) = out.get_mut("enum") {
                    e.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_whatever_their_placeholders_are_called() {
        assert_eq!(
            shape("/v1/workspaces/{workspaceId}/users"),
            "/v1/workspaces/{}/users"
        );
        assert_eq!(
            shape("/v1/workspaces/{config.workspace_id}/users/"),
            "/v1/workspaces/{}/users"
        );
    }

    #[test]
    fn nullable_becomes_a_null_type() {
        let v = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"$ref": "#/x", "nullable": true}}});
        let out = nullable_to_types(&v);
        assert_eq!(out["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(out["properties"]["b"]["anyOf"][1], json!({"type": "null"}));
    }
}
