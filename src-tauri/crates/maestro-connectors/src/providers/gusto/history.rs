//! Payroll history in year-long windows.
//!
//! `GET /v1/companies/{company_id}/payrolls` without dates returns only the past 6 months; its
//! `end_date` "can be at most 3 months in the future and start_date and end_date can't be more
//! than 1 year apart" (spec). So the history is read in windows walking back from 3 months
//! ahead to the company's `join_date` ("Company's first invoiceable event date", i.e. its first
//! payroll or contractor payment): each window asks for a 12-month range and keeps the
//! payrolls whose pay period ends in its last 9 months, so every payroll is kept by exactly one
//! window, and a pay period up to 3 months long is wholly inside the range that keeps it,
//! however Gusto reads "whose pay period is after the start date / before the end date".
//! A company without a join date has had no invoiceable event; its windows are walked back
//! until one holds no payroll at all (at most [`MAX_WINDOWS`]). An incremental read covers
//! only the open window (the latest one).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::api;

/// Months a window's range reaches back before the part it keeps.
const LEAD_MONTHS: u32 = 3;
/// Months each window keeps; with the lead, a range spans the spec's maximum of a year.
const KEEP_MONTHS: u32 = 9;
/// How far ahead of today the open window ends (the spec's limit for `end_date`).
const AHEAD_MONTHS: u32 = 3;
/// Windows walked at most when the company has no join date (30 years).
pub const MAX_WINDOWS: u32 = 40;

/// Where a walk through the payroll history stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    /// Where the open window ends (3 months after the day before the walk began).
    pub top: NaiveDate,
    /// Index of the last window to read; `None` = until a window holds no payroll.
    pub last: Option<u32>,
    /// The window being read (0 = the open one).
    pub window: u32,
    /// The page of that window to read.
    pub page: u32,
    /// Whether the window has held any payroll so far.
    #[serde(default)]
    pub seen: bool,
}

/// One window: the range asked for and the part kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `start_date` sent.
    pub start: NaiveDate,
    /// `end_date` sent, and the last day kept.
    pub end: NaiveDate,
    /// The first day kept.
    pub keep_from: NaiveDate,
}

fn months_before(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// The `i`th boundary back from `top` (boundary 0 is `top`).
fn boundary(top: NaiveDate, i: u32) -> NaiveDate {
    months_before(top, KEEP_MONTHS.saturating_mul(i))
}

impl Walk {
    /// A walk beginning `today`: back to `join_date` when known, only the open window when
    /// `open_only` (incremental reads).
    pub fn begin(today: NaiveDate, join_date: Option<NaiveDate>, open_only: bool) -> Walk {
        // From the day before: Gusto counts "3 months in the future" from its own date, which
        // can be a day behind ours (a UTC date is ahead of the Pacific one every evening there),
        // and an end a day too far is refused outright. Nothing is paid that far ahead.
        let anchor = today.pred_opt().unwrap_or(today);
        let top = anchor
            .checked_add_months(Months::new(AHEAD_MONTHS))
            .unwrap_or(anchor);
        let last = if open_only {
            Some(0)
        } else {
            join_date.map(|join| {
                // The first window whose kept part starts a lead before the join date: the
                // first payroll's period may end before the company joined.
                let reach = months_before(join, LEAD_MONTHS);
                (0..MAX_WINDOWS)
                    .find(|&i| window_of(top, i).keep_from <= reach)
                    .unwrap_or(MAX_WINDOWS - 1)
            })
        };
        Walk {
            top,
            last,
            window: 0,
            page: 1,
            seen: false,
        }
    }

    /// The window being read.
    pub fn current(&self) -> Window {
        window_of(self.top, self.window)
    }

    /// Whether `payroll` belongs to the current window (by the end of its pay period,
    /// else its check date; one with neither is kept by the open window only).
    pub fn keeps(&self, payroll: &api::Payroll) -> bool {
        let w = self.current();
        let day = payroll
            .pay_period
            .as_ref()
            .and_then(|p| p.end_date)
            .or(payroll.check_date);
        match day {
            Some(d) => d >= w.keep_from && d <= w.end,
            None => self.window == 0,
        }
    }

    /// Where to go after a page of the current window that held `items` payrolls, with
    /// `next_page` the window's next page, if any. `None` when the walk is over.
    pub fn after(&self, items: usize, next_page: Option<u32>) -> Option<Walk> {
        let seen = self.seen || items > 0;
        if let Some(page) = next_page {
            return Some(Walk {
                page,
                seen,
                ..self.clone()
            });
        }
        let more = match self.last {
            Some(last) => self.window < last,
            None => seen && self.window + 1 < MAX_WINDOWS,
        };
        more.then(|| Walk {
            window: self.window + 1,
            page: 1,
            seen: false,
            ..self.clone()
        })
    }
}

fn window_of(top: NaiveDate, i: u32) -> Window {
    let end = boundary(top, i);
    let keep_from = boundary(top, i.saturating_add(1))
        .succ_opt()
        .unwrap_or(NaiveDate::MIN);
    // At most a year minus a day: "can't be more than 1 year apart".
    let year = months_before(end, 12).succ_opt().unwrap_or(NaiveDate::MIN);
    let start = months_before(keep_from, LEAD_MONTHS).max(year);
    Window {
        start,
        end,
        keep_from,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_tile_the_history_and_never_span_more_than_a_year() {
        for today in ["2026-12-07", "2027-05-31", "2024-02-29", "2026-08-31"] {
            let walk = Walk::begin(d(today), Some(d("2019-03-15")), false);
            let last = walk.last.unwrap();
            let mut prev: Option<Window> = None;
            for i in 0..=last {
                let w = window_of(walk.top, i);
                assert!(w.start <= w.keep_from && w.keep_from <= w.end, "{w:?}");
                assert!(w.start > months_before(w.end, 12), "{today}: {w:?}");
                assert!((w.keep_from - w.start).num_days() >= 85, "{w:?}");
                if let Some(p) = prev {
                    assert_eq!(w.end.succ_opt().unwrap(), p.keep_from, "contiguous");
                }
                prev = Some(w);
            }
            let oldest = prev.unwrap();
            assert!(oldest.keep_from <= months_before(d("2019-03-15"), 3));
            assert!(window_of(walk.top, last - 1).keep_from > months_before(d("2019-03-15"), 3));
            assert_eq!(
                walk.top,
                d(today)
                    .pred_opt()
                    .unwrap()
                    .checked_add_months(Months::new(3))
                    .unwrap(),
                "3 months after the day before today"
            );
        }
    }

    #[test]
    fn incremental_reads_only_the_open_window() {
        let walk = Walk::begin(d("2026-12-07"), Some(d("2019-03-15")), true);
        assert_eq!(walk.last, Some(0));
        assert_eq!(walk.after(3, None), None);
        assert_eq!(walk.after(100, Some(2)).map(|w| w.page), Some(2));
    }

    #[test]
    fn without_a_join_date_the_walk_ends_at_an_empty_window() {
        let walk = Walk::begin(d("2026-12-07"), None, false);
        let next = walk.after(5, None).unwrap();
        assert_eq!((next.window, next.page, next.seen), (1, 1, false));
        let paged = next.after(100, Some(2)).unwrap();
        assert!(paged.seen);
        assert_eq!(paged.after(0, None).map(|w| w.window), Some(2));
        assert_eq!(paged.after(0, None).unwrap().after(0, None), None);
        let mut w = walk;
        let mut n = 1;
        while let Some(next) = w.after(1, None) {
            w = next;
            n += 1;
        }
        assert_eq!(n, MAX_WINDOWS, "bounded");
    }
}
