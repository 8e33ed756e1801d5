//! Federal payroll tax filings and deposits. Form 941 is due the last day of the month after
//! each quarter (April 30, July 31, October 31, January 31); Form 940, the W-2s (to employees
//! and filed with the SSA) and the 1099-NECs (to recipients and filed with the IRS) by January
//! 31. A monthly depositor deposits each month's taxes by the 15th of the next month. Every
//! date on a Saturday, Sunday or legal holiday moves to the next business day (26 U.S.C. 7503,
//! IRS Publication 509). The 941, 940 and W-2 apply only when the company has employees, the
//! 1099-NEC only when it pays contractors.

use chrono::{Datelike, NaiveDate};

use super::holidays::roll_to_business_day;
use super::{Area, CalendarSettings, CompanyFacts, DepositSchedule, Due};

const SOURCE_941: &str = "IRS Instructions for Form 941; IRS Publication 509; 26 U.S.C. 7503";
const SOURCE_940: &str = "IRS Instructions for Form 940; IRS Publication 509; 26 U.S.C. 7503";
const SOURCE_W2: &str =
    "26 U.S.C. 6051(a) (to employees), 6071(c) (filing); 26 CFR 31.6051-1(d); IRS Publication 509";
const SOURCE_1099: &str = "26 U.S.C. 6041(d) (to recipients), 6071(c) (filing); IRS Instructions \
                           for Form 1099-NEC; Publication 509";
const SOURCE_DEPOSIT: &str = "26 CFR 31.6302-1(c)(1); IRS Publication 15, section 11";

/// A date that exists (the rules' dates always do).
fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The due date of the quarter's Form 941: the last day of the month after the quarter,
/// rolled to a business day.
pub fn form_941_due(year: i32, quarter: u32) -> Option<NaiveDate> {
    let d = match quarter {
        1 => ymd(year, 4, 30),
        2 => ymd(year, 7, 31),
        3 => ymd(year, 10, 31),
        4 => ymd(year + 1, 1, 31),
        _ => None,
    }?;
    Some(roll_to_business_day(d))
}

/// January 31 after `year`, rolled to a business day (940, W-2, 1099-NEC for `year`).
pub fn january_31_after(year: i32) -> Option<NaiveDate> {
    ymd(year + 1, 1, 31).map(roll_to_business_day)
}

/// The filings and deposits due between `from` and `to` (both included).
pub fn due(
    facts: &CompanyFacts,
    settings: &CalendarSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Due> {
    let mut out = Vec::new();
    let item = |id: String, title: String, due: NaiveDate, rule: String, source: &str| Due {
        id,
        area: Area::PayrollTax,
        title,
        due,
        rule,
        source: source.into(),
        person: None,
    };
    let rolled = |nominal: &str, d: NaiveDate| {
        if d.format("%B %-d").to_string() == nominal {
            format!("due {nominal}")
        } else {
            format!(
                "due {nominal}, which falls on a weekend or legal holiday, so the next business day"
            )
        }
    };
    for year in from.year() - 1..=to.year() {
        if facts.has_employees {
            for q in 1..=4 {
                let Some(d) = form_941_due(year, q) else {
                    continue;
                };
                let nominal = ["April 30", "July 31", "October 31", "January 31"][q as usize - 1];
                out.push(item(
                    format!("form941:{year}-Q{q}"),
                    format!("File Form 941 for Q{q} {year} (federal payroll taxes)"),
                    d,
                    format!("Quarterly return {}", rolled(nominal, d)),
                    SOURCE_941,
                ));
            }
            if let Some(d) = january_31_after(year) {
                out.push(item(
                    format!("form940:{year}"),
                    format!("File Form 940 for {year} (federal unemployment tax)"),
                    d,
                    format!("Annual return {}", rolled("January 31", d)),
                    SOURCE_940,
                ));
                out.push(item(
                    format!("w2:{year}"),
                    format!("Give {year} W-2s to employees and file them with the SSA"),
                    d,
                    format!("Forms W-2 and W-3 {}", rolled("January 31", d)),
                    SOURCE_W2,
                ));
            }
            if settings.deposit_schedule == Some(DepositSchedule::Monthly) {
                for month in 1..=12u32 {
                    let (y, m) = if month == 12 {
                        (year + 1, 1)
                    } else {
                        (year, month + 1)
                    };
                    let Some(d) = ymd(y, m, 15).map(roll_to_business_day) else {
                        continue;
                    };
                    let name = ymd(year, month, 1).map(|d| d.format("%B %Y").to_string());
                    out.push(item(
                        format!("deposit:{year}-{month:02}"),
                        format!(
                            "Deposit {}'s federal payroll taxes (monthly depositor)",
                            name.unwrap_or_default()
                        ),
                        d,
                        if d.day() == 15 {
                            "By the 15th of the next month".to_owned()
                        } else {
                            "By the 15th of the next month, which falls on a weekend or legal \
                             holiday, so the next business day"
                                .to_owned()
                        },
                        SOURCE_DEPOSIT,
                    ));
                }
            }
        }
        if facts.has_contractors
            && let Some(d) = january_31_after(year)
        {
            out.push(item(
                format!("1099nec:{year}"),
                format!("Send {year} 1099-NECs to contractors and file them with the IRS"),
                d,
                format!("Form 1099-NEC {}", rolled("January 31", d)),
                SOURCE_1099,
            ));
        }
    }
    out.retain(|d| d.due >= from && d.due <= to);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::day;
    use super::*;

    #[test]
    fn form_941_dates_per_publication_509() {
        assert_eq!(form_941_due(2026, 1), Some(day("2026-04-30")));
        assert_eq!(form_941_due(2026, 2), Some(day("2026-07-31")));
        // October 31, 2026 is a Saturday: Monday, November 2.
        assert_eq!(form_941_due(2026, 3), Some(day("2026-11-02")));
        // January 31, 2027 is a Sunday: Monday, February 1, 2027.
        assert_eq!(form_941_due(2026, 4), Some(day("2027-02-01")));
        assert_eq!(form_941_due(2026, 5), None);
        assert_eq!(january_31_after(2026), Some(day("2027-02-01")));
        assert_eq!(january_31_after(2027), Some(day("2028-01-31")));
    }

    #[test]
    fn filings_only_for_who_the_company_pays() {
        let (from, to) = (day("2026-12-01"), day("2027-02-28"));
        let settings = CalendarSettings::default();
        let ids = |facts: &CompanyFacts| {
            due(facts, &settings, from, to)
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        };
        let none = CompanyFacts::default();
        assert!(ids(&none).is_empty());
        let employees = CompanyFacts {
            has_employees: true,
            ..CompanyFacts::default()
        };
        assert_eq!(
            ids(&employees),
            ["form941:2026-Q4", "form940:2026", "w2:2026"]
        );
        let contractors = CompanyFacts {
            has_contractors: true,
            ..CompanyFacts::default()
        };
        assert_eq!(ids(&contractors), ["1099nec:2026"]);
        let w2 = due(&employees, &settings, from, to).pop().unwrap();
        assert_eq!(w2.due, day("2027-02-01"));
        assert!(w2.source.contains("6051(a)"), "{}", w2.source);
        let nec = due(&contractors, &settings, from, to).pop().unwrap();
        assert!(
            nec.source.starts_with("26 U.S.C. 6041(d)"),
            "{}",
            nec.source
        );
        assert!(w2.rule.contains("next business day"), "{}", w2.rule);
    }

    #[test]
    fn monthly_deposits_are_due_the_15th_rolled() {
        let facts = CompanyFacts {
            has_employees: true,
            ..CompanyFacts::default()
        };
        let settings = CalendarSettings {
            deposit_schedule: Some(DepositSchedule::Monthly),
            ..CalendarSettings::default()
        };
        let deposits: Vec<Due> = due(&facts, &settings, day("2026-02-01"), day("2026-03-31"))
            .into_iter()
            .filter(|d| d.id.starts_with("deposit:"))
            .collect();
        // January's: February 15, 2026 is a Sunday and the 16th Washington's Birthday, so
        // February 17. February's: March 15 is a Sunday, so March 16.
        let dates: Vec<NaiveDate> = deposits.iter().map(|d| d.due).collect();
        assert_eq!(dates, [day("2026-02-17"), day("2026-03-16")]);
        assert_eq!(deposits[0].id, "deposit:2026-01");
        assert!(
            deposits[0].rule.ends_with("so the next business day"),
            "{}",
            deposits[0].rule
        );
    }
}
