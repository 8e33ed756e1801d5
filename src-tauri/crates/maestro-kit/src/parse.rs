//! Reading a provider file: TOML into [`ProviderFile`], then the rules TOML cannot state
//! (names that must exist, placeholders that must resolve, pointers that must be pointers).
//! Every error names the file, the line and the field.

use std::collections::BTreeSet;

use crate::file::{AuthSpec, KeyLocation, PageStop, PaginatorSpec, ProviderFile, StreamSpec};

/// Why a provider file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {field}: {message}")]
pub struct FileError {
    /// The file's name as given.
    pub file: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// The field (path) at fault, e.g. `streams[1].paginator.size`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The longest lookback or full-read span a file may ask for (ten years).
const MAX_DAYS: u32 = 3660;

/// The canonical kinds a stream may map to.
pub const ENTITY_KINDS: [&str; 15] = [
    "employee",
    "contractor",
    "time_entry",
    "department",
    "location",
    "time_off_request",
    "compensation",
    "background_check",
    "employment",
    "candidate",
    "company",
    "benefit_plan",
    "benefit_enrollment",
    "payroll_run",
    "pay_statement",
];

/// The categories a provider may have.
pub const CATEGORIES: [&str; 10] = [
    "payroll",
    "hris",
    "benefits",
    "time_tracking",
    "background_checks",
    "accounting",
    "chat",
    "e_signature",
    "compliance",
    "custom",
];

impl ProviderFile {
    /// Parses and checks `text`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<ProviderFile, FileError> {
        let de = toml::Deserializer::parse(text).map_err(|e| toml_error(file, text, &e, ""))?;
        let parsed: ProviderFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            toml_error(file, text, e.inner(), &path)
        })?;
        Checker {
            file,
            text,
            parsed: &parsed,
        }
        .check()?;
        Ok(parsed)
    }
}

fn toml_error(file: &str, text: &str, e: &toml::de::Error, path: &str) -> FileError {
    let line = e.span().map(|s| line_at(text, s.start)).unwrap_or(1);
    let message = e.message().trim().to_owned();
    FileError {
        file: file.to_owned(),
        line,
        field: if path.is_empty() || path == "." {
            field_in(&message).unwrap_or_else(|| "(file)".into())
        } else {
            path.to_owned()
        },
        message,
    }
}

/// The field a serde message names (`unknown field `pagintor``, `missing field `id``).
fn field_in(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

/// 1-based line of byte `offset`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    parsed: &'a ProviderFile,
}

impl Checker<'_> {
    /// An error at the first line containing `near` (the key or value at fault).
    fn err(&self, near: &str, field: impl Into<String>, message: impl Into<String>) -> FileError {
        let line = self
            .text
            .find(near)
            .map(|at| line_at(self.text, at))
            .unwrap_or(1);
        FileError {
            file: self.file.to_owned(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    fn check(&self) -> Result<(), FileError> {
        let p = self.parsed;
        let id_ok = !p.id.is_empty()
            && p.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(self.err(
                "id",
                "id",
                "use lower-case letters, digits, `-` and `_` only",
            ));
        }
        if !CATEGORIES.contains(&p.category.as_str()) {
            return Err(self.err(
                "category",
                "category",
                format!("`{}` is not one of {}", p.category, CATEGORIES.join(", ")),
            ));
        }
        if let Some(bad) = p
            .errors
            .throttled
            .iter()
            .chain(&p.errors.reauthorize)
            .find(|s| !(400..500).contains(*s))
        {
            return Err(self.err(
                "[errors]",
                "errors",
                format!(
                    "{bad} is not a client error (4xx); only those mean throttled or reconnect"
                ),
            ));
        }
        if p.rate_limit.requests == 0 || p.rate_limit.per_seconds == 0 {
            return Err(self.err(
                "[rate_limit]",
                "rate_limit",
                "requests and per_seconds must be above zero",
            ));
        }
        let fields: BTreeSet<&str> = p.fields.iter().map(|f| f.key.as_str()).collect();
        if fields.len() != p.fields.len() {
            return Err(self.err("[[fields]]", "fields", "two fields share a key"));
        }
        for (i, f) in p.fields.iter().enumerate() {
            if let Some(pattern) = &f.pattern
                && let Err(e) = regex::Regex::new(pattern)
            {
                return Err(self.err(
                    pattern,
                    format!("fields[{i}].pattern"),
                    format!("not a regular expression: {e}"),
                ));
            }
        }
        self.check_auth(&fields)?;
        if let Some(w) = &p.webhook {
            self.check_webhook(w, &fields)?;
        }
        for w in &p.writes {
            if !ENTITY_KINDS.contains(&w.as_str()) {
                return Err(self.err(
                    "writes",
                    "writes",
                    format!("`{w}` is not one of {}", ENTITY_KINDS.join(", ")),
                ));
            }
        }
        self.placeholders(&p.base_url.production, "base_url.production", &fields, None)?;
        self.placeholders(&p.check.path, "check.path", &fields, None)?;
        for v in p.query.values() {
            self.placeholders(v, "query", &fields, None)?;
        }
        self.pointer(&p.check.account, "check.account")?;
        let names: BTreeSet<&str> = p.streams.iter().map(|s| s.name.as_str()).collect();
        if names.len() != p.streams.len() {
            return Err(self.err("[[streams]]", "streams", "two streams share a name"));
        }
        for (i, s) in p.streams.iter().enumerate() {
            // A parent that is itself partitioned lends its placeholder too (Paychex: a pay
            // period's checks are read under its company).
            let outer = s
                .partition
                .as_ref()
                .and_then(|part| p.streams.iter().find(|x| x.name == part.parent))
                .and_then(|parent| parent.partition.as_ref())
                .map(|pp| pp.name.as_str());
            self.check_stream(i, s, &fields, &names, outer)?;
        }
        Ok(())
    }

    fn check_webhook(
        &self,
        w: &crate::file::WebhookSpec,
        fields: &BTreeSet<&str>,
    ) -> Result<(), FileError> {
        let schemes = ["hmac_sha256_hex", "hmac_sha256_base64", "token"];
        if !schemes.contains(&w.scheme.as_str()) {
            return Err(self.err(
                "scheme",
                "webhook.scheme",
                format!("must be one of {}", schemes.join(", ")),
            ));
        }
        if let Some(key) = &w.secret
            && !fields.contains(key.as_str())
        {
            return Err(self.err(
                key,
                "webhook.secret",
                format!("names the field `{key}`, which the file does not define"),
            ));
        }
        for (k, p) in [
            ("events", &w.events),
            ("event_type", &w.event_type),
            ("record_id", &w.record_id),
            ("record_kind", &w.record_kind),
        ] {
            if let Some(p) = p {
                self.pointer(p, &format!("webhook.{k}"))?;
            }
        }
        for kind in w.kinds.values() {
            if !ENTITY_KINDS.contains(&kind.as_str()) {
                return Err(self.err(
                    kind,
                    "webhook.kinds",
                    format!("`{kind}` is not one of {}", ENTITY_KINDS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn check_auth(&self, fields: &BTreeSet<&str>) -> Result<(), FileError> {
        let need = |key: &str, what: &str| {
            if fields.contains(key) {
                Ok(())
            } else {
                Err(self.err(
                    key,
                    format!("auth.{what}"),
                    format!("names the field `{key}`, which the file does not define"),
                ))
            }
        };
        match &self.parsed.auth {
            AuthSpec::ApiKey {
                location: KeyLocation::Query,
                prefix: Some(_),
                ..
            } => Err(self.err(
                "prefix",
                "auth.prefix",
                "a prefix goes before a header's value, not a query parameter's",
            )),
            AuthSpec::ApiKey { field, .. } => need(field, "field"),
            AuthSpec::Bearer { field } => need(field, "field"),
            AuthSpec::Basic {
                username_field,
                password_field,
                password,
            } => {
                need(username_field, "username_field")?;
                match (password_field, password) {
                    (Some(f), None) => need(f, "password_field"),
                    (None, Some(_)) => Ok(()),
                    _ => Err(self.err(
                        "username_field",
                        "auth",
                        "give either password_field or password",
                    )),
                }
            }
            AuthSpec::OAuth2 {
                callback_fields, ..
            } => {
                for field in callback_fields.values() {
                    need(field, "callback_fields")?;
                }
                Ok(())
            }
            AuthSpec::ClientCredentials {
                client_id_field,
                client_secret_field,
                method,
                client_certificate,
                ..
            } => {
                need(client_id_field, "client_id_field")?;
                need(client_secret_field, "client_secret_field")?;
                let secret = self
                    .parsed
                    .fields
                    .iter()
                    .any(|f| &f.key == client_secret_field && f.secret);
                if !secret {
                    return Err(self.err(
                        client_secret_field,
                        "auth.client_secret_field",
                        format!("the field `{client_secret_field}` must be marked secret = true"),
                    ));
                }
                if method != "GET" && method != "POST" {
                    return Err(self.err(
                        "method",
                        "auth.method",
                        format!("`{method}` is not GET or POST"),
                    ));
                }
                if let Some(cert) = client_certificate {
                    for (key, what) in [
                        (&cert.cert_field, "cert_field"),
                        (&cert.key_field, "key_field"),
                    ] {
                        need(key, &format!("client_certificate.{what}"))?;
                        let ok = self
                            .parsed
                            .fields
                            .iter()
                            .any(|f| &f.key == key && f.secret && f.multiline);
                        if !ok {
                            return Err(self.err(
                                key,
                                format!("auth.client_certificate.{what}"),
                                format!(
                                    "the field `{key}` holds PEM text: mark it secret = true and multiline = true"
                                ),
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn check_stream(
        &self,
        i: usize,
        s: &StreamSpec,
        fields: &BTreeSet<&str>,
        names: &BTreeSet<&str>,
        outer: Option<&str>,
    ) -> Result<(), FileError> {
        let at = format!("name = \"{}\"", s.name);
        let f = |k: &str| format!("streams[{i}].{k}");
        if s.method != "GET" && s.method != "POST" {
            return Err(self.err(&at, f("method"), "must be GET or POST"));
        }
        for e in &s.entities {
            if !ENTITY_KINDS.contains(&e.as_str()) {
                return Err(self.err(
                    &at,
                    f("entities"),
                    format!("`{e}` is not one of {}", ENTITY_KINDS.join(", ")),
                ));
            }
        }
        match (&s.map, &s.fields) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &at,
                    f("fields"),
                    "give either a mapper (`map`) or `fields`, not both",
                ));
            }
            (None, None) if !s.entities.is_empty() => {
                return Err(self.err(
                    &at,
                    f("map"),
                    "a stream with entities needs a mapper (`map`) or `fields`",
                ));
            }
            (None, Some(fields)) => self.check_fields(i, s, fields)?,
            _ => {}
        }
        let partition = match &s.partition {
            Some(p) => {
                if p.parent == s.name || !names.contains(p.parent.as_str()) {
                    return Err(self.err(
                        &at,
                        f("partition.parent"),
                        format!("`{}` is not another stream of this file", p.parent),
                    ));
                }
                self.pointer(&p.key, &f("partition.key"))?;
                for k in &p.keep {
                    self.pointer(k, &f("partition.keep"))?;
                }
                Some(p.name.as_str())
            }
            None => None,
        };
        if s.single && !matches!(s.paginator, PaginatorSpec::None) {
            return Err(self.err(&at, f("single"), "a single record has no pages"));
        }
        let own = |t: &str| match outer {
            Some(o) => t.replace(&format!("{{partition.{o}}}"), ""),
            None => t.to_owned(),
        };
        self.placeholders(&own(&s.path), &f("path"), fields, partition)?;
        for v in s.query.values() {
            self.placeholders(&own(v), &f("query"), fields, partition)?;
        }
        if !s.records.is_empty() {
            self.pointer(&s.records, &f("records"))?;
        }
        self.pointer(&s.id, &f("id"))?;
        for (k, p) in [("updated", &s.updated), ("deleted", &s.deleted)] {
            if let Some(p) = p {
                self.pointer(p, &f(k))?;
            }
        }
        match &s.paginator {
            PaginatorSpec::PageNumber { size, stop, .. } => {
                if *size == 0 {
                    return Err(self.err(&at, f("paginator.size"), "must be above zero"));
                }
                if let PageStop::TotalPages { pointer } | PageStop::NextLink { pointer } = stop {
                    self.pointer(pointer, &f("paginator.stop.pointer"))?;
                }
            }
            PaginatorSpec::Offset { size, .. } | PaginatorSpec::HeaderCursor { size, .. }
                if *size == 0 =>
            {
                return Err(self.err(&at, f("paginator.size"), "must be above zero"));
            }
            PaginatorSpec::NextUrl { pointer, .. } | PaginatorSpec::BodyCursor { pointer, .. } => {
                self.pointer(pointer, &f("paginator.pointer"))?;
            }
            PaginatorSpec::Offset {
                total: Some(pointer),
                ..
            } => {
                self.pointer(pointer, &f("paginator.total"))?;
            }
            PaginatorSpec::Query { size, .. } if *size == 0 => {
                return Err(self.err(&at, f("paginator.size"), "must be above zero"));
            }
            PaginatorSpec::Query { param, .. } if !s.query.contains_key(param) => {
                return Err(self.err(
                    &at,
                    f("paginator.param"),
                    "the statement to page must be in the stream's `query` under this name",
                ));
            }
            PaginatorSpec::HeaderCursor { .. } if s.method != "POST" => {
                return Err(self.err(
                    &at,
                    f("paginator"),
                    "header cursors are sent back in a JSON body: the stream must be a POST",
                ));
            }
            _ => {}
        }
        if let Some(c) = &s.changes {
            self.placeholders(&c.path, &f("changes.path"), fields, None)?;
            for v in c.query.values() {
                self.placeholders(v, &f("changes.query"), fields, None)?;
            }
            self.pointer(&c.records, &f("changes.records"))?;
            if let Some(d) = &c.deleted {
                self.pointer(d, &f("changes.deleted"))?;
            }
            if c.window_days == 0 || c.cap == 0 {
                return Err(self.err(&at, f("changes"), "window_days and cap must be above zero"));
            }
            if s.partition.is_some() {
                return Err(self.err(
                    &at,
                    f("changes"),
                    "a change feed answers for the whole stream: not with a partition",
                ));
            }
        }
        if let Some(inc) = &s.incremental {
            if !["rfc3339", "date", "unix"].contains(&inc.format.as_str()) {
                return Err(self.err(
                    &at,
                    f("incremental.format"),
                    "must be rfc3339, date or unix",
                ));
            }
            if !["changed", "start_time", "work_date"].contains(&inc.filters_on.as_str()) {
                return Err(self.err(
                    &at,
                    f("incremental.filters_on"),
                    "must be changed, start_time or work_date",
                ));
            }
            if !["query", "body"].contains(&inc.location.as_str()) {
                return Err(self.err(&at, f("incremental.in"), "must be query or body"));
            }
            if inc.location == "body" && s.method != "POST" {
                return Err(self.err(&at, f("incremental.in"), "a GET has no body"));
            }
            if let Some(l) = &inc.lookback
                && crate::days(l).is_none_or(|d| d > MAX_DAYS)
            {
                return Err(self.err(
                    l,
                    f("incremental.lookback"),
                    format!("write days as an ISO 8601 duration up to P{MAX_DAYS}D, e.g. P7D"),
                ));
            }
            if inc.full_read_days.is_some_and(|d| d > MAX_DAYS) {
                return Err(self.err(
                    "full_read_days",
                    f("incremental.full_read_days"),
                    format!("at most {MAX_DAYS} days"),
                ));
            }
        }
        Ok(())
    }

    /// Checks a declarative mapping: one kind, known fields, the fields a record needs, and
    /// pointers that are pointers.
    fn check_fields(
        &self,
        i: usize,
        s: &StreamSpec,
        fields: &std::collections::BTreeMap<String, crate::file::FieldMap>,
    ) -> Result<(), FileError> {
        let at = format!("name = \"{}\"", s.name);
        let [kind] = s.entities.as_slice() else {
            return Err(self.err(
                &at,
                format!("streams[{i}].entities"),
                "a stream mapped with `fields` reads exactly one kind",
            ));
        };
        let Some((may, must)) = crate::declarative::fields_of(kind) else {
            return Err(self.err(
                &at,
                format!("streams[{i}].entities"),
                format!(
                    "`fields` cannot map {kind} yet; it maps employee, contractor and time_entry"
                ),
            ));
        };
        for (name, map) in fields {
            let field = format!("streams[{i}].fields.{name}");
            if !may.contains(&name.as_str()) {
                return Err(self.err(
                    name,
                    field,
                    format!("{kind} has no field `{name}`; it has {}", may.join(", ")),
                ));
            }
            self.pointer(map.pointer(), &field)?;
            if let crate::file::FieldMap::Translated { values, .. } = map
                && name == "status"
                && let Some(bad) = values
                    .values()
                    .find(|v| !crate::declarative::STATUSES.contains(&v.as_str()))
            {
                return Err(self.err(
                    bad,
                    field,
                    format!(
                        "`{bad}` is not one of {}",
                        crate::declarative::STATUSES.join(", ")
                    ),
                ));
            }
        }
        if fields.contains_key("ended_at") && !fields.contains_key("started_at") {
            return Err(self.err(
                "ended_at",
                format!("streams[{i}].fields.ended_at"),
                "an end needs a start (`started_at`) to make hours",
            ));
        }
        for need in must {
            if !need.split('|').any(|n| fields.contains_key(n)) {
                return Err(self.err(
                    &at,
                    format!("streams[{i}].fields"),
                    format!("a {kind} needs {}", need.replace('|', " or ")),
                ));
            }
        }
        Ok(())
    }

    /// Checks `{config.x}` and `{partition.y}` placeholders (and bare `{x}` for fields).
    fn placeholders(
        &self,
        text: &str,
        field: &str,
        fields: &BTreeSet<&str>,
        partition: Option<&str>,
    ) -> Result<(), FileError> {
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(self.err(text, field, "a `{` is never closed"));
            };
            let name = &rest[open + 1..open + close];
            let ok = match name.split_once('.') {
                Some(("config", key)) => fields.contains(key),
                Some(("partition", key)) => partition == Some(key),
                None => fields.contains(name),
                _ => false,
            };
            if !ok {
                return Err(self.err(
                    text,
                    field,
                    format!("`{{{name}}}` names no field of the form (or partition) of this file"),
                ));
            }
            rest = &rest[open + close + 1..];
        }
        Ok(())
    }

    fn pointer(&self, pointer: &str, field: &str) -> Result<(), FileError> {
        if pointer.starts_with('/') {
            Ok(())
        } else {
            Err(self.err(
                pointer,
                field,
                format!("`{pointer}` is not a JSON pointer (it starts with `/`)"),
            ))
        }
    }
}
