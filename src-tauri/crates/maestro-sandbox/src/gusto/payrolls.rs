//! `GET /v1/companies/{company_id}/payrolls` as the spec describes it: "By default, will return
//! processed, regular payrolls for the past 6 months"; "end_date can be at most 3 months in the
//! future and start_date and end_date can't be more than 1 year apart". The spec declares no
//! error answer for those limits; the emulator answers 422 with the spec's
//! `Unprocessable-Entity-Error-Object` (`invalid_attribute_value` on the date).

// Handlers short-circuit with ready-made `Response`s as errors.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Months, NaiveDate};
use serde_json::Value;

use super::routes::{Q, S, check_company, err, includes, listed, paginate};
use crate::server::lock;

/// The pay-period range asked for.
#[derive(Debug, Clone, Copy)]
struct Range {
    start: NaiveDate,
    end: NaiveDate,
    by_check_date: bool,
}

fn invalid(key: &str, message: &str) -> Response {
    err(
        StatusCode::UNPROCESSABLE_ENTITY,
        key,
        "invalid_attribute_value",
        message,
    )
}

fn date_param(q: &HashMap<String, String>, key: &str) -> Result<Option<NaiveDate>, Response> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| invalid(key, &format!("{key} must be a date (YYYY-MM-DD)"))),
    }
}

/// The range asked for, with the spec's defaults (the end is today; the start six months
/// before the end or today, whichever is earlier) and limits. `today` anchors the data;
/// `latest_today` (the later of it and the real date) bounds how far ahead the end may be, so
/// a client on the real clock is never refused by a sandbox anchored in the past.
fn range(
    q: &HashMap<String, String>,
    today: NaiveDate,
    latest_today: NaiveDate,
) -> Result<Range, Response> {
    let end = date_param(q, "end_date")?.unwrap_or(today);
    let start = match date_param(q, "start_date")? {
        Some(s) => s,
        None => end
            .min(today)
            .checked_sub_months(Months::new(6))
            .unwrap_or(NaiveDate::MIN),
    };
    let ahead = latest_today
        .checked_add_months(Months::new(3))
        .unwrap_or(NaiveDate::MAX);
    if end > ahead {
        return Err(invalid(
            "end_date",
            "end_date can be at most 3 months in the future",
        ));
    }
    if start > end {
        return Err(invalid("start_date", "start_date must be before end_date"));
    }
    if end
        .checked_sub_months(Months::new(12))
        .is_some_and(|y| start < y)
    {
        return Err(invalid(
            "start_date",
            "start_date and end_date can't be more than 1 year apart",
        ));
    }
    let by_check_date = q.get("date_filter_by").map(String::as_str) == Some("check_date");
    Ok(Range {
        start,
        end,
        by_check_date,
    })
}

fn date_at(p: &Value, pointer: &str) -> Option<NaiveDate> {
    p.pointer(pointer)?.as_str()?.parse().ok()
}

fn processed(p: &Value) -> bool {
    p["processed"].as_bool() == Some(true)
}

/// `regular`, `off_cycle` or `external`.
fn kind(p: &Value) -> &'static str {
    if p["external"].as_bool() == Some(true) {
        "external"
    } else if p["off_cycle"].as_bool() == Some(true) {
        "off_cycle"
    } else {
        "regular"
    }
}

impl Range {
    /// "Return payrolls whose pay period is after the start date / before the end date", read
    /// literally: the whole period inside the range. `date_filter_by=check_date` "applies only
    /// to regular processed payrolls".
    fn holds(&self, p: &Value) -> bool {
        let inside = |d: Option<NaiveDate>| d.is_some_and(|d| d >= self.start && d <= self.end);
        if self.by_check_date && processed(p) && kind(p) == "regular" {
            return inside(date_at(p, "/check_date"));
        }
        let start = date_at(p, "/pay_period/start_date");
        let end = date_at(p, "/pay_period/end_date");
        start.is_some_and(|s| s >= self.start) && end.is_some_and(|e| e <= self.end)
    }
}

/// Which processing statuses: `processing_statuses` (default `processed`), else the boolean
/// `processed`.
fn statuses(q: &HashMap<String, String>) -> Vec<&str> {
    let listed = listed(q, "processing_statuses");
    if !listed.is_empty() {
        return listed;
    }
    match q.get("processed").map(String::as_str) {
        Some("false") => vec!["unprocessed"],
        _ => vec!["processed"],
    }
}

/// Which payroll types: `payroll_types` (default `regular`), else `include_off_cycle`.
fn types(q: &HashMap<String, String>) -> Vec<&str> {
    let listed = listed(q, "payroll_types");
    if !listed.is_empty() {
        return listed;
    }
    if q.get("include_off_cycle").map(String::as_str) == Some("true") {
        vec!["regular", "off_cycle"]
    } else {
        vec!["regular"]
    }
}

/// The list handler: `Payroll` items without `employee_compensations`, `totals` and
/// `payroll_status_meta` only when `include` asks for them, at most 100 a page.
pub(super) async fn list(State(s): S, Path(id): Path<String>, Query(q): Q) -> Response {
    if let Err(r) = check_company(&s, &id) {
        return r;
    }
    let data = lock(&s.data);
    let today = data.today;
    let latest_today = chrono::Utc::now().date_naive().max(today);
    let range = match range(&q, today, latest_today) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let statuses = statuses(&q);
    let types = types(&q);
    let keep: Vec<&str> = ["totals", "payroll_status_meta"]
        .into_iter()
        .filter(|k| includes(&q, k))
        .collect();
    let mut list: Vec<Value> = data
        .payrolls
        .iter()
        .filter(|p| {
            statuses.contains(&if processed(p) {
                "processed"
            } else {
                "unprocessed"
            })
        })
        .filter(|p| types.contains(&kind(p)))
        .filter(|p| range.holds(p))
        .map(|p| {
            let mut p = p.clone();
            if let Some(m) = p.as_object_mut() {
                m.remove("employee_compensations");
                for k in ["totals", "payroll_status_meta"] {
                    if !keep.contains(&k) {
                        m.remove(k);
                    }
                }
            }
            p
        })
        .collect();
    drop(data);
    if q.get("sort_order").map(String::as_str) == Some("desc") {
        list.reverse();
    }
    // Payroll endpoints: max 100 per page (changelog v2025-06-15).
    paginate(list, &q, Some(100), false)
}
