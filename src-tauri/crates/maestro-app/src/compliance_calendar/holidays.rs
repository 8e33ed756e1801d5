//! US federal legal holidays, the "next business day" roll of federal tax due dates, and the
//! business days that state rules count.
//!
//! The holidays are those of 5 U.S.C. 6103(a); a holiday on a Saturday is observed on the
//! Friday before and one on a Sunday on the Monday after (5 U.S.C. 6103(b) and Executive Order
//! 11582). State rules ("the next business day", "seven working days") count these
//! ([`is_business_day`], [`business_days_after`]); a state's own holidays may differ and are not
//! tabled.
//!
//! Federal tax dates roll by 26 U.S.C. 7503: "If the last day prescribed ... falls on Saturday,
//! Sunday, or a legal holiday, the performance of such act shall be considered timely if it is
//! performed on the next succeeding day which is not a Saturday, Sunday, or a legal holiday",
//! where a legal holiday includes "a legal holiday in the District of Columbia". The District's
//! legal holidays (D.C. Code § 28-2701) add Emancipation Day, April 16, observed the same way,
//! and Inauguration Day (January 20 every fourth year from 1965; the next that falls on a
//! weekday is 2033, beyond any calendar listed now, so it is not computed): only
//! [`is_tax_business_day`] and [`roll_to_business_day`] count them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The `n`th (1-based) `weekday` of `month` in `year`.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

/// The last `weekday` of `month` in `year`.
fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    (1..=5)
        .rev()
        .find_map(|n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n))
}

/// A fixed-date holiday moved off the weekend (Saturday → Friday, Sunday → Monday).
fn observed(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// The federal legal holidays observed in `year` (5 U.S.C. 6103), including a December 31 that
/// observes the next New Year's Day.
pub fn legal_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).map(observed);
    let mut days: Vec<NaiveDate> = [
        fixed(year, 1, 1),                                  // New Year's Day
        nth_weekday(year, 1, Weekday::Mon, 3),              // Birthday of Martin Luther King, Jr.
        nth_weekday(year, 2, Weekday::Mon, 3),              // Washington's Birthday
        last_weekday(year, 5, Weekday::Mon),                // Memorial Day
        fixed(year, 6, 19),                                 // Juneteenth National Independence Day
        fixed(year, 7, 4),                                  // Independence Day
        nth_weekday(year, 9, Weekday::Mon, 1),              // Labor Day
        nth_weekday(year, 10, Weekday::Mon, 2),             // Columbus Day
        fixed(year, 11, 11),                                // Veterans Day
        nth_weekday(year, 11, Weekday::Thu, 4),             // Thanksgiving Day
        fixed(year, 12, 25),                                // Christmas Day
        fixed(year + 1, 1, 1).filter(|d| d.year() == year), // next New Year's on a Saturday
    ]
    .into_iter()
    .flatten()
    .filter(|d| d.year() == year)
    .collect();
    days.sort();
    days
}

/// The legal holidays a federal tax date rolls over in `year`: the federal ones and D.C.
/// Emancipation Day (April 16, observed; D.C. Code § 28-2701), in date order.
pub fn tax_holidays(year: i32) -> Vec<NaiveDate> {
    let mut days = legal_holidays(year);
    if let Some(emancipation) = NaiveDate::from_ymd_opt(year, 4, 16).map(observed) {
        days.push(emancipation);
    }
    days.sort();
    days
}

/// Whether `d` is a federal legal holiday (as observed).
pub fn is_legal_holiday(d: NaiveDate) -> bool {
    legal_holidays(d.year()).contains(&d)
}

/// Whether `d` is a business day for a state rule: not a Saturday, Sunday or federal legal
/// holiday.
pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_legal_holiday(d)
}

/// Whether `d` is a business day for a federal tax date (26 U.S.C. 7503): not a Saturday,
/// Sunday, federal legal holiday or District of Columbia legal holiday.
pub fn is_tax_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !tax_holidays(d.year()).contains(&d)
}

/// `d` itself when it is a tax business day, else the next one (26 U.S.C. 7503).
pub fn roll_to_business_day(d: NaiveDate) -> NaiveDate {
    let mut day = d;
    while !is_tax_business_day(day) {
        day += Duration::days(1);
    }
    day
}

/// The `n`th business day after `d` for a state rule (`n` = 1: the next business day).
pub fn business_days_after(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if is_business_day(day) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::day;
    use super::*;

    #[test]
    fn the_2026_holidays_are_the_opm_list() {
        // OPM's 2026 federal holiday list (opm.gov, "Federal Holidays").
        let expected = [
            "2026-01-01",
            "2026-01-19",
            "2026-02-16",
            "2026-05-25",
            "2026-06-19",
            "2026-07-03",
            "2026-09-07",
            "2026-10-12",
            "2026-11-11",
            "2026-11-26",
            "2026-12-25",
        ]
        .map(day);
        assert_eq!(legal_holidays(2026), expected);
        // Tax dates also skip D.C. Emancipation Day; state rules do not.
        assert!(tax_holidays(2026).contains(&day("2026-04-16")));
        assert_eq!(tax_holidays(2026).len(), expected.len() + 1);
    }

    #[test]
    fn emancipation_day_moves_tax_dates_but_not_state_business_days() {
        // Thursday, April 16, 2026: a tax date rolls over it, a state's next business day
        // after Wednesday the 15th is the 16th itself.
        assert_eq!(roll_to_business_day(day("2026-04-16")), day("2026-04-17"));
        assert_eq!(business_days_after(day("2026-04-15"), 1), day("2026-04-16"));
        // Sunday, April 16, 2028 is observed Monday the 17th for tax dates.
        assert!(!is_tax_business_day(day("2028-04-17")));
        assert!(is_business_day(day("2028-04-17")));
    }

    #[test]
    fn a_saturday_new_year_is_observed_on_the_last_friday_of_december() {
        // January 1, 2022 was a Saturday: observed Friday, December 31, 2021.
        assert!(legal_holidays(2021).contains(&day("2021-12-31")));
        assert!(!legal_holidays(2022).contains(&day("2021-12-31")));
        // Independence Day 2027 is a Sunday: observed Monday, July 5.
        assert!(is_legal_holiday(day("2027-07-05")));
        assert!(!is_legal_holiday(day("2027-07-04")));
    }

    #[test]
    fn due_dates_roll_over_weekends_and_holidays() {
        // Saturday → Monday.
        assert_eq!(roll_to_business_day(day("2026-10-31")), day("2026-11-02"));
        // Sunday, January 31, 2027 → Monday, February 1, 2027.
        assert_eq!(roll_to_business_day(day("2027-01-31")), day("2027-02-01"));
        // Saturday before Columbus Day Monday → Tuesday.
        assert_eq!(roll_to_business_day(day("2026-10-10")), day("2026-10-13"));
        // A business day stays.
        assert_eq!(roll_to_business_day(day("2026-04-30")), day("2026-04-30"));
        // The business day after Wednesday, November 25, 2026 skips Thanksgiving and the weekend.
        assert_eq!(business_days_after(day("2026-11-25"), 1), day("2026-11-27"));
        assert_eq!(business_days_after(day("2026-11-25"), 2), day("2026-11-30"));
    }
}
