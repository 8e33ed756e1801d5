//! What happened, for the owner to check: recent sync runs with their errors, records changed
//! and failed runs per day (the dashboard's activity chart), and the audit log filtered by
//! action and date and saved as CSV or JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use maestro_core::ids::CompanyId;
use maestro_store::StoreError;
use maestro_store::audit::{self, AuditEntry, AuditEvent};
use maestro_store::sqlx::{self, Row};
use maestro_store::sync_runs::{self, SyncRun};
use serde::Serialize;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};
use crate::export::ExportFormat;

/// At most this many days in the activity chart.
pub const MAX_DAYS: u32 = 90;
const AUDIT_PAGE: u32 = 1000;

/// Sync activity of one calendar day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayActivity {
    /// The day.
    pub day: NaiveDate,
    /// Runs started that day.
    pub runs: i64,
    /// Records created, changed or deleted by those runs.
    pub records: i64,
    /// Runs that failed.
    pub errors: i64,
}

/// Which audit entries to show or save.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries whose action starts with this ("conflict" matches "conflict.resolve").
    pub action: Option<String>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
    /// At most this many, newest first (None: all).
    pub limit: Option<usize>,
}

/// A calendar day typed by the owner ("2026-03-01"), naming `field` when it is not one.
fn parse_day(text: &str, field: &str) -> Result<NaiveDate> {
    text.trim().parse().map_err(|_| {
        AppError::new(
            ErrorCode::Validation,
            format!("'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-01"),
        )
        .with_field(field)
    })
}

impl AuditFilter {
    /// The entries of `action` from the start of day `from` to the end of day `to` (both
    /// "YYYY-MM-DD", UTC, either may be empty).
    pub fn for_days(
        action: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        limit: Option<usize>,
    ) -> Result<AuditFilter> {
        let day = |t: Option<&str>, field: &str| -> Result<Option<NaiveDate>> {
            t.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| parse_day(t, field))
                .transpose()
        };
        let (from, to) = (day(from, "from")?, day(to, "to")?);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                "the end date is before the start date",
            )
            .with_field("to"));
        }
        Ok(AuditFilter {
            action: action
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
            from: from
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc()),
            to: to
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc()),
            limit,
        })
    }

    /// Whether `entry` passes the filter.
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        let action = self
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        action.is_none_or(|a| entry.action.starts_with(a))
            && self.from.is_none_or(|f| entry.at >= f)
            && self.to.is_none_or(|t| entry.at < t)
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, e.to_string())
}

/// Writes `entries` to `out` as CSV (one row per entry, the detail as JSON) or as one JSON
/// array.
pub fn write_audit(
    entries: &[AuditEntry],
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, entries).map_err(internal)?;
            out.write_all(b"\n")?;
        }
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record([
                "seq",
                "at",
                "actor",
                "action",
                "target",
                "record_count",
                "company_id",
                "detail",
                "hash",
            ])
            .map_err(internal)?;
            for e in entries {
                // Text that reached the log from outside (targets, details) must not run
                // as a formula when the file is opened in a spreadsheet.
                w.write_record(
                    [
                        e.seq.to_string(),
                        e.at.to_rfc3339(),
                        e.actor.clone(),
                        e.action.clone(),
                        e.target.clone(),
                        e.record_count.to_string(),
                        e.company_id.map(|c| c.to_string()).unwrap_or_default(),
                        e.detail.to_string(),
                        e.hash.clone(),
                    ]
                    .map(crate::export::safe_cell),
                )
                .map_err(internal)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// Where a saved audit log goes when the owner names no file: the downloads folder (else the
/// home folder), named after the time, e.g. `maestro-audit-20260301T101500Z.csv`.
pub fn default_audit_path(format: ExportFormat, now: DateTime<Utc>) -> Result<PathBuf> {
    let dirs = directories::UserDirs::new().ok_or_else(|| {
        AppError::new(
            ErrorCode::Validation,
            "this computer has no home folder; type where to save the file",
        )
        .with_field("path")
    })?;
    let folder = dirs
        .download_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.home_dir().to_path_buf());
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    };
    Ok(folder.join(format!(
        "maestro-audit-{}.{ext}",
        now.format("%Y%m%dT%H%M%SZ")
    )))
}

impl App {
    /// The company's newest sync runs (one per connection and entity), at most `limit`.
    pub async fn sync_run_history(
        &self,
        company_id: CompanyId,
        limit: u32,
    ) -> Result<Vec<SyncRun>> {
        let mut conn = self.conn().await?;
        Ok(sync_runs::recent(&mut conn, company_id, limit).await?)
    }

    /// Records changed and failed runs per day over the last `days` days (today included,
    /// UTC), oldest first; days without runs are zero.
    pub async fn daily_activity(
        &self,
        company_id: CompanyId,
        days: u32,
    ) -> Result<Vec<DayActivity>> {
        let days = days.clamp(1, MAX_DAYS);
        let today = self.now().date_naive();
        let first = today - Duration::days(i64::from(days) - 1);
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT substr(started_at, 1, 10) AS day, count(*) AS runs,
                    sum(records_created + records_updated + records_deleted) AS records,
                    sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS errors
             FROM sync_runs WHERE company_id = ?1 AND started_at >= ?2
             GROUP BY day",
        )
        .bind(company_id.to_string())
        .bind(first.format("%Y-%m-%d").to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)?;
        let mut out: Vec<DayActivity> = first
            .iter_days()
            .take_while(|d| *d <= today)
            .map(|day| DayActivity {
                day,
                runs: 0,
                records: 0,
                errors: 0,
            })
            .collect();
        for row in &rows {
            let day: String = row.try_get("day").map_err(StoreError::from)?;
            let Ok(day) = day.parse::<NaiveDate>() else {
                continue;
            };
            if let Some(slot) = out.iter_mut().find(|d| d.day == day) {
                slot.runs = row.try_get("runs").map_err(StoreError::from)?;
                slot.records = row
                    .try_get::<Option<i64>, _>("records")
                    .map_err(StoreError::from)?
                    .unwrap_or(0);
                slot.errors = row
                    .try_get::<Option<i64>, _>("errors")
                    .map_err(StoreError::from)?
                    .unwrap_or(0);
            }
        }
        Ok(out)
    }

    /// Audit entries passing `filter`, newest first.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut conn = self.conn().await?;
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = audit::page(&mut conn, after, AUDIT_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            out.extend(page.into_iter().filter(|e| filter.matches(e)));
        }
        out.reverse();
        if let Some(limit) = filter.limit {
            out.truncate(limit);
        }
        Ok(out)
    }

    /// Saves the audit entries passing `filter` to `dest` as CSV or JSON; never overwrites a
    /// file. Audited itself. Returns how many entries were written.
    pub async fn save_audit(
        &self,
        filter: &AuditFilter,
        format: ExportFormat,
        dest: &Path,
    ) -> Result<usize> {
        let entries = self.audit_entries(filter).await?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => AppError::new(
                    ErrorCode::Validation,
                    format!(
                        "{} already exists; choose another file name",
                        dest.display()
                    ),
                )
                .with_field("path"),
                std::io::ErrorKind::NotFound => AppError::new(
                    ErrorCode::Validation,
                    format!("the folder of {} does not exist", dest.display()),
                )
                .with_field("path"),
                _ => AppError::from(e),
            })?;
        write_audit(&entries, format, &mut file)?;
        file.sync_all()?;
        self.audit(
            AuditEvent::new(&self.actor, "audit.export", "audit_log")
                .records(i64::try_from(entries.len()).unwrap_or(i64::MAX))
                .detail(serde_json::json!({
                    "format": format,
                    "destination": dest.display().to_string(),
                    "action": filter.action,
                    "from": filter.from.map(|t| t.to_rfc3339()),
                    "to": filter.to.map(|t| t.to_rfc3339()),
                })),
        )
        .await?;
        Ok(entries.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn entry(seq: i64, at: &str, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at: at.parse().unwrap(),
            company_id: None,
            actor: "app".into(),
            action: action.into(),
            target: "t, with comma".into(),
            record_count: 2,
            detail: serde_json::json!({"a": 1}),
            prev_hash: "p".into(),
            hash: "h".into(),
        }
    }

    #[test]
    fn filter_matches_action_prefix_and_half_open_dates() {
        let f = AuditFilter {
            action: Some("conflict".into()),
            from: Some("2026-03-01T00:00:00Z".parse().unwrap()),
            to: Some("2026-03-02T00:00:00Z".parse().unwrap()),
            limit: None,
        };
        assert!(f.matches(&entry(1, "2026-03-01T00:00:00Z", "conflict.resolve")));
        assert!(!f.matches(&entry(2, "2026-03-02T00:00:00Z", "conflict.resolve")));
        assert!(!f.matches(&entry(3, "2026-03-01T10:00:00Z", "store.init")));
        assert!(AuditFilter::default().matches(&entry(4, "2020-01-01T00:00:00Z", "x")));
    }

    #[test]
    fn days_cover_whole_days_and_refuse_bad_input() {
        let f = AuditFilter::for_days(Some(" sync "), Some("2026-03-01"), Some("2026-03-01"), None)
            .unwrap();
        assert_eq!(f.action.as_deref(), Some("sync"));
        assert!(f.matches(&entry(1, "2026-03-01T23:59:59Z", "sync.run")));
        assert!(!f.matches(&entry(2, "2026-03-02T00:00:00Z", "sync.run")));
        let bad = AuditFilter::for_days(None, Some("March 1"), None, None).unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("from"));
        let reversed =
            AuditFilter::for_days(None, Some("2026-03-02"), Some("2026-03-01"), None).unwrap_err();
        assert_eq!(reversed.field.as_deref(), Some("to"));
    }

    #[test]
    fn csv_quotes_fields_and_keeps_detail_as_json() {
        let mut out = Vec::new();
        write_audit(
            &[entry(7, "2026-03-01T10:00:00Z", "sync.run")],
            ExportFormat::Csv,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("seq,at,actor,action,target,record_count,company_id,detail,hash")
        );
        assert_eq!(
            lines.next(),
            Some(
                "7,2026-03-01T10:00:00+00:00,app,sync.run,\"t, with comma\",2,,\"{\"\"a\"\":1}\",h"
            )
        );
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_made_text() {
        let mut e = entry(8, "2026-03-01T10:00:00Z", "backup.write");
        e.target = "=HYPERLINK(\"http://x\")".into();
        e.actor = "@evil".into();
        let mut out = Vec::new();
        write_audit(&[e], ExportFormat::Csv, &mut out).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(row.get(2), Some("'@evil"));
        assert_eq!(row.get(4), Some("'=HYPERLINK(\"http://x\")"));
    }
}
