//! Exports of canonical records as JSON or CSV. Sensitive fields are masked unless the owner
//! asks for them, and every export is written to the audit log. CSV cells are quoted and any
//! that a spreadsheet would run as a formula is made text (see `safe_cell`).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use maestro_core::model::{EntityKind, SENSITIVE_FIELDS};
use maestro_core::sensitive::REDACTED;
use maestro_store::companies::Company;
use maestro_store::records::{self, StoredRecord};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{AppError, ErrorCode, Result};
use crate::progress::Progress;

const PAGE: u32 = 1_000;

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One JSON document with every record.
    Json,
    /// One CSV file per entity kind; nested fields flattened with dots.
    Csv,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// Only this kind (all kinds when None).
    pub kind: Option<EntityKind>,
    /// The format.
    pub format: ExportFormat,
    /// JSON: the file to write ("-" for standard output). CSV: a folder for `<kind>.csv` files.
    pub dest: PathBuf,
    /// Include SSNs, birth dates, bank and tax numbers in clear.
    pub include_sensitive: bool,
    /// Include the providers' raw payloads (JSON only).
    pub include_raw: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// Records written.
    pub records: u64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Replaces sensitive values with `<redacted>`, at any depth.
pub fn mask_sensitive(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SENSITIVE_FIELDS.contains(&key.as_str()) && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    mask_sensitive(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_sensitive),
        _ => {}
    }
}

/// Streams every current record of `company` (optionally one kind) through `each`, a page at
/// a time, so memory stays flat however many records there are.
pub(crate) async fn for_each_record(
    pool: &maestro_store::sqlx::SqlitePool,
    company: &Company,
    kind: Option<EntityKind>,
    mut each: impl FnMut(StoredRecord) -> Result<()>,
) -> Result<u64> {
    let mut after = None;
    let mut n = 0;
    loop {
        let mut conn = pool
            .acquire()
            .await
            .map_err(maestro_store::StoreError::from)?;
        let page = records::current_page(&mut conn, company.id, kind, after, PAGE).await?;
        drop(conn);
        let Some(last) = page.last() else { break };
        after = Some(last.record_id);
        for record in page {
            n += 1;
            each(record)?;
        }
    }
    Ok(n)
}

fn export_value(record: &StoredRecord, req: &ExportRequest) -> Value {
    let mut data = record.data.clone();
    if !req.include_sensitive {
        mask_sensitive(&mut data);
    }
    let mut out = json!({
        "record_id": record.record_id,
        "kind": record.kind,
        "provider": record.provider,
        "connection_id": record.connection_id,
        "remote_id": record.remote_id,
        "version": record.version,
        "remote_modified_at": record.remote_modified_at,
        "stored_at": record.valid_from,
        "data": data,
    });
    if req.include_raw {
        let mut raw = record.raw.to_value();
        if !req.include_sensitive {
            mask_sensitive(&mut raw);
        }
        out["raw"] = raw;
    }
    out
}

fn open_output(dest: &Path) -> Result<Box<dyn Write>> {
    if dest.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout())));
    }
    if dest.exists() {
        return Err(AppError::new(
            ErrorCode::Validation,
            format!("{} already exists; choose a new file name", dest.display()),
        ));
    }
    Ok(Box::new(std::io::BufWriter::new(std::fs::File::create(
        dest,
    )?)))
}

/// Writes the JSON export: `{format, company, exported_at, records: [...]}`.
pub(crate) async fn write_json(
    pool: &maestro_store::sqlx::SqlitePool,
    company: &Company,
    req: &ExportRequest,
    exported_at: chrono::DateTime<chrono::Utc>,
    progress: &dyn Progress,
) -> Result<ExportSummary> {
    let mut out = open_output(&req.dest)?;
    let header = json!({
        "format": "integration-maestro-export/1",
        "company": {"id": company.id, "name": company.name},
        "exported_at": exported_at,
        "sensitive_fields": if req.include_sensitive { "included" } else { "masked" },
    });
    let head = header.to_string();
    // Re-open the object to append the records array.
    write!(out, "{},\"records\":[", &head[..head.len() - 1])?;
    let mut first = true;
    progress.start("Exporting records", None);
    let n = for_each_record(pool, company, req.kind, |record| {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut out, &export_value(&record, req))
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        progress.advance(1);
        Ok(())
    })
    .await?;
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    progress.finish();
    let files = if req.dest.as_os_str() == "-" {
        vec![]
    } else {
        vec![req.dest.clone()]
    };
    Ok(ExportSummary { records: n, files })
}

/// Flattens nested objects into dotted column names; arrays stay as compact JSON.
fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), other.clone());
        }
    }
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"), with
/// their full-width forms, which some spreadsheets also accept.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// A cell made safe to open in a spreadsheet: one that starts (after any spaces) with a
/// formula character gets a leading `'`, so it is shown as the text it is. A cell that is
/// strictly a decimal number (`-120.50`: digits, an optional leading `-` and one `.`) is left
/// alone: a spreadsheet reads it as that number and it cannot be a formula, so negative
/// amounts stay numbers.
pub(crate) fn safe_cell(text: String) -> String {
    let starts_formula = text.starts_with(FORMULA_STARTS)
        || text.trim_start_matches(' ').starts_with(FORMULA_STARTS);
    if starts_formula && !is_plain_decimal(&text) {
        format!("'{text}")
    } else {
        text
    }
}

/// `-?digits(.digits)?`, nothing else (no exponent, sign `+` or spaces).
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

fn flat_row(record: &StoredRecord, req: &ExportRequest) -> Map<String, Value> {
    let mut data = record.data.clone();
    if !req.include_sensitive {
        mask_sensitive(&mut data);
    }
    let mut row = Map::new();
    row.insert("record_id".into(), json!(record.record_id));
    row.insert("provider".into(), json!(record.provider));
    row.insert("remote_id".into(), json!(record.remote_id));
    row.insert("version".into(), json!(record.version));
    row.insert(
        "remote_modified_at".into(),
        json!(record.remote_modified_at),
    );
    let mut flat = Map::new();
    flatten("", &data, &mut flat);
    flat.remove("raw");
    for (k, v) in flat {
        row.insert(k, v);
    }
    row
}

const FIXED_COLUMNS: [&str; 5] = [
    "record_id",
    "provider",
    "remote_id",
    "version",
    "remote_modified_at",
];

/// Writes one CSV file per kind into the folder `req.dest`.
pub(crate) async fn write_csv(
    pool: &maestro_store::sqlx::SqlitePool,
    company: &Company,
    req: &ExportRequest,
    kinds: &[EntityKind],
    progress: &dyn Progress,
) -> Result<ExportSummary> {
    std::fs::create_dir_all(&req.dest)?;
    let mut files = Vec::new();
    let mut total = 0;
    for &kind in kinds {
        let path = req.dest.join(format!("{kind}.csv"));
        if path.exists() {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!("{} already exists; choose an empty folder", path.display()),
            ));
        }
        // First pass: the union of columns, so every row lines up.
        let mut columns = BTreeSet::new();
        for_each_record(pool, company, Some(kind), |record| {
            columns.extend(flat_row(&record, req).into_iter().map(|(k, _)| k));
            Ok(())
        })
        .await?;
        for fixed in FIXED_COLUMNS {
            columns.remove(fixed);
        }
        let header: Vec<String> = FIXED_COLUMNS
            .iter()
            .map(|s| (*s).to_owned())
            .chain(columns)
            .collect();
        // Every cell quoted (OWASP): a `;` in a value cannot start a new cell in a
        // spreadsheet that splits on semicolons.
        let mut writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .from_path(&path)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        writer
            .write_record(header.iter().map(|h| safe_cell(h.clone())))
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        progress.start(&format!("Exporting {kind}"), None);
        total += for_each_record(pool, company, Some(kind), |record| {
            let row = flat_row(&record, req);
            writer
                .write_record(header.iter().map(|c| safe_cell(cell(row.get(c)))))
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            progress.advance(1);
            Ok(())
        })
        .await?;
        writer.flush()?;
        progress.finish();
        files.push(path);
    }
    Ok(ExportSummary {
        records: total,
        files,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn masks_sensitive_fields_at_any_depth() {
        let mut v = json!({"ssn": "123-45-6789", "name": "Ada",
            "dependents": [{"date_of_birth": "2019-01-01"}], "bank": {"account_number": "000123"},
            "tax_id": null});
        mask_sensitive(&mut v);
        let text = v.to_string();
        assert!(
            !text.contains("123-45-6789")
                && !text.contains("2019-01-01")
                && !text.contains("000123")
        );
        assert_eq!(v["name"], "Ada");
        assert_eq!(v["tax_id"], Value::Null);
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_made_text() {
        for (given, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("  =1+1", "'  =1+1"),
            ("\u{FF1D}1+1", "'\u{FF1D}1+1"),
            ("-", "'-"),
            ("-1e5", "'-1e5"),
            ("- 5", "'- 5"),
            // Plain numbers stay numbers, negative amounts included.
            ("-120.50", "-120.50"),
            ("-7", "-7"),
            ("25.50", "25.50"),
            ("Ada Lovelace", "Ada Lovelace"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(given.to_owned()), written, "{given:?}");
        }
    }

    #[tokio::test]
    async fn a_csv_export_cannot_carry_a_formula() {
        use std::sync::Arc;

        use maestro_core::model::{Provenance, RawPayload};
        use maestro_store::records::RecordWrite;
        use maestro_store::{MemorySecretStore, NewKey, connections};

        let dir = tempfile::tempdir().unwrap();
        let app = crate::App::init(
            &dir.path().join("data"),
            NewKey::Keychain(Arc::new(MemorySecretStore::default())),
            "Bluebird Bakery",
            Arc::new(maestro_core::clock::SystemClock),
        )
        .await
        .unwrap();
        let company = app.company(None).await.unwrap();
        let mut tx = app.store().write().await.unwrap();
        let connection = connections::insert(
            tx.conn(),
            company.id,
            "bamboohr",
            "BambooHR",
            &json!({}),
            app.now(),
        )
        .await
        .unwrap();
        let data = json!({"first_name": "=cmd|' /C calc'!A0", "last_name": "@SUM(1+1)",
            "job_title": "Baker;=1+1", "pay_rate": {"amount": "-120.50", "currency": "USD"}});
        records::put(
            tx.conn(),
            &RecordWrite {
                company_id: company.id,
                kind: EntityKind::Employee,
                provenance: &Provenance::new(connection.id, "bamboohr", "1"),
                data: &data,
                raw: &RawPayload::from(json!({"id": 1})),
                sync_run_id: None,
            },
            app.now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let out = dir.path().join("csv");
        app.export(
            &company,
            &ExportRequest {
                kind: Some(EntityKind::Employee),
                format: ExportFormat::Csv,
                dest: out.clone(),
                include_sensitive: false,
                include_raw: false,
            },
            &crate::NoProgress,
        )
        .await
        .unwrap();
        let text = std::fs::read_to_string(out.join("employee.csv")).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let row = reader.records().next().unwrap().unwrap();
        let get = |name: &str| {
            row.get(header.iter().position(|h| h == name).unwrap())
                .unwrap()
        };
        assert_eq!(get("first_name"), "'=cmd|' /C calc'!A0");
        assert_eq!(get("last_name"), "'@SUM(1+1)");
        assert_eq!(get("pay_rate.amount"), "-120.50");
        // Every cell is quoted, so a `;` separator (some locales) cannot start a new cell.
        assert!(text.contains("\"Baker;=1+1\""), "{text}");
        for line in text.lines() {
            assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
        }
    }

    #[test]
    fn flattens_nested_fields_with_dots() {
        let mut out = Map::new();
        flatten(
            "",
            &json!({"pay_rate": {"amount": "25.50", "currency": "USD"}, "tags": [1, 2]}),
            &mut out,
        );
        assert_eq!(out["pay_rate.amount"], "25.50");
        assert_eq!(cell(out.get("tags")), "[1,2]");
    }
}
