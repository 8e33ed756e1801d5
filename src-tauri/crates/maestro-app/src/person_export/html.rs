//! The readable half of a person's export: one self-contained HTML page (inline style, no
//! scripts, no external assets) that prints well, listing every value of every version of
//! every record with where it came from.

use std::fmt::Write;

use serde_json::Value;

use super::{PersonExport, RecordOut, Relation, TOUCHED, TouchReason, VersionOut};

const STYLE: &str = "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em;color:#1a1a1a;font-size:14px}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
h3{font-size:1.05em;margin:1.4em 0 .4em}h4{font-size:.95em;margin:.8em 0 .3em;color:#333}\
table{border-collapse:collapse;margin:.3em 0 1em;width:100%}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.k{width:30%;color:#444;font-family:monospace}pre{white-space:pre-wrap;word-break:break-all;background:#f8f8f8;padding:6px;font-size:12px}\
.meta{color:#555}.note{background:#fff8e1;border:1px solid #f0d98c;padding:8px}\
section.record{page-break-inside:auto}@media print{body{margin:1cm}h2{page-break-after:avoid}.version{page-break-inside:avoid}}";

/// Escapes text for HTML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A JSON value as one line: text as it is, money as "12.34 USD", the rest compact.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(map) => match (map.get("amount"), map.get("currency")) {
            (Some(Value::String(a)), Some(Value::String(c))) if map.len() == 2 => {
                format!("{a} {c}")
            }
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

/// Every leaf of `value` as (path, text), money kept whole; empty containers and nulls
/// included so that nothing held is hidden.
pub(super) fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let is_money = value
        .as_object()
        .is_some_and(|m| m.len() == 2 && m.contains_key("amount") && m.contains_key("currency"));
    match value {
        Value::Object(map) if !is_money && !map.is_empty() => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => out.push((prefix.to_owned(), scalar(value))),
    }
}

fn relation_text(r: &RecordOut) -> String {
    match &r.relation {
        Relation::Linked => "linked to the person".into(),
        Relation::RefersTo { field } => format!("belongs to the person ({field})"),
        Relation::Signer => "lists the person as a signer".into(),
    }
}

fn version_html(html: &mut String, v: &VersionOut) {
    let until = v
        .valid_to
        .map_or_else(|| "now (current)".to_owned(), |t| t.to_rfc3339());
    let run = v.sync_run.as_ref().map_or_else(
        || "not from a sync".to_owned(),
        |r| {
            format!(
                "sync run {}{}{}",
                r.id,
                r.mode
                    .as_ref()
                    .map(|m| format!(", {m}"))
                    .unwrap_or_default(),
                r.started_at
                    .map(|t| format!(", started {}", t.to_rfc3339()))
                    .unwrap_or_default()
            )
        },
    );
    let _ = write!(
        html,
        "<div class=\"version\"><h4>Version {}{} — held from {} until {}</h4><p class=\"meta\">Stored by {}{}</p>",
        v.version,
        if v.deleted {
            " (deleted at the provider)"
        } else {
            ""
        },
        escape(&v.valid_from.to_rfc3339()),
        escape(&until),
        escape(&run),
        v.remote_modified_at
            .map(|t| escape(&format!("; changed at the provider {}", t.to_rfc3339())))
            .unwrap_or_default(),
    );
    let mut rows = Vec::new();
    flatten("", &v.data, &mut rows);
    html.push_str("<table><tr><th>Field</th><th>Value</th></tr>");
    for (k, val) in rows {
        let _ = write!(
            html,
            "<tr><td class=\"k\">{}</td><td>{}</td></tr>",
            escape(&k),
            escape(&val)
        );
    }
    html.push_str("</table><p class=\"meta\">As the provider sent it:</p><pre>");
    html.push_str(&escape(
        &serde_json::to_string_pretty(&v.raw).unwrap_or_default(),
    ));
    html.push_str("</pre></div>");
}

fn reason_text(r: TouchReason) -> &'static str {
    match r {
        TouchReason::Names => "names the person",
        TouchReason::SyncStored => "sync that stored their record",
        TouchReason::SyncSaw => "last full sync that saw their record",
        TouchReason::Exported => "export that included their record",
    }
}

/// The export as one HTML page.
pub(super) fn render(e: &PersonExport) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let versions: usize = e.records.iter().map(|r| r.versions.len()).sum();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data held about {name}</title>\
<style>{STYLE}</style></head><body><h1>Data held about {name}</h1>\
<p class=\"meta\">{company} · generated {at} · person {id}{email}</p>\
<p class=\"note\">This is every value Integration Maestro holds about this person on this computer: {records} records \
with {versions} stored versions from {sources}, their identity links, {conflicts} conflicts, {outbox} queued writes, \
{alerts} alerts and {audit} audit entries. It includes sensitive values (SSN, birth date, bank numbers): hand it over \
securely. The JSON file beside it holds the same data for machines.</p>",
        name = escape(&e.person.name),
        company = escape(&e.company.name),
        at = escape(&e.generated_at.to_rfc3339()),
        id = escape(&e.person.identity_id.to_string()),
        email = e
            .person
            .work_email
            .as_ref()
            .map(|m| format!(" · {}", escape(m)))
            .unwrap_or_default(),
        records = e.records.len(),
        sources = escape(&sources(e)),
        conflicts = e.conflicts.len(),
        outbox = e.outbox.len(),
        alerts = e.alerts.len(),
        audit = e.audit.len(),
    );
    html.push_str("<h2>Identity links</h2><table><tr><th>Tool</th><th>Record</th><th>Kind</th><th>Matched by</th><th>Confidence</th><th>Status</th></tr>");
    for l in &e.identity_links {
        let _ = write!(
            html,
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.connection),
            escape(&l.provider),
            escape(&l.remote_id),
            l.kind.map(|k| k.as_str()).unwrap_or(""),
            escape(&l.method),
            escape(&l.confidence),
            escape(&l.status)
        );
    }
    html.push_str("</table><h2>Records</h2>");
    for r in &e.records {
        let _ = write!(
            html,
            "<section class=\"record\"><h3>{} in {} ({}) · id {}</h3><p class=\"meta\">{} · local record {}{}</p>",
            escape(r.kind.as_str()),
            escape(&r.connection),
            escape(&r.provider),
            escape(&r.remote_id),
            escape(&relation_text(r)),
            r.record_id,
            r.first_seen_at
                .map(|t| format!(" · first stored {}", escape(&t.to_rfc3339())))
                .unwrap_or_default()
        );
        for v in &r.versions {
            version_html(&mut html, v);
        }
        html.push_str("</section>");
    }
    json_section(&mut html, "Conflicts", &e.conflicts);
    json_section(&mut html, "Queued writes to providers", &e.outbox);
    json_section(&mut html, "Alerts", &e.alerts);
    let _ = write!(
        html,
        "<h2>Audit entries</h2><p class=\"meta\">{}</p><table><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Records</th><th>Why listed</th><th>Detail</th></tr>",
        escape(TOUCHED)
    );
    for t in &e.audit {
        let a = &t.entry;
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
            a.seq,
            escape(&a.at.to_rfc3339()),
            escape(&a.actor),
            escape(&a.action),
            escape(&a.target),
            a.record_count,
            reason_text(t.reason),
            escape(&a.detail.to_string())
        );
    }
    html.push_str("</table></body></html>\n");
    html
}

/// The connections the records came from, named once each.
fn sources(e: &PersonExport) -> String {
    let mut names: Vec<String> = e
        .records
        .iter()
        .map(|r| format!("{} ({})", r.connection, r.provider))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        "no tool".into()
    } else {
        names.join(", ")
    }
}

/// A list of stored items, each as its every field.
fn json_section<T: serde::Serialize>(html: &mut String, title: &str, items: &[T]) {
    let _ = write!(html, "<h2>{}</h2>", escape(title));
    if items.is_empty() {
        html.push_str("<p class=\"meta\">None.</p>");
        return;
    }
    for item in items {
        let value = serde_json::to_value(item).unwrap_or(Value::Null);
        let mut rows = Vec::new();
        flatten("", &value, &mut rows);
        html.push_str("<table>");
        for (k, v) in rows {
            let _ = write!(
                html,
                "<tr><td class=\"k\">{}</td><td>{}</td></tr>",
                escape(&k),
                escape(&v)
            );
        }
        html.push_str("</table>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            escape("<b>O'Neil & \"Co\"</b>"),
            "&lt;b&gt;O&#39;Neil &amp; &quot;Co&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn flattening_keeps_every_leaf_and_money_whole() {
        let mut rows = Vec::new();
        flatten(
            "",
            &json!({"a": {"b": [1, {"c": null}]}, "pay": {"amount": "12.50", "currency": "USD"}, "tags": []}),
            &mut rows,
        );
        assert_eq!(
            rows,
            vec![
                ("a.b[0]".to_owned(), "1".to_owned()),
                ("a.b[1].c".to_owned(), String::new()),
                ("pay".to_owned(), "12.50 USD".to_owned()),
                ("tags".to_owned(), "[]".to_owned()),
            ]
        );
    }
}
