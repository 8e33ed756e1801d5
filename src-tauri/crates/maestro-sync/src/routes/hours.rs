//! Time tracking → payroll: tracked hours per employee per pay period, summed exactly, with
//! every entry shown so the owner can check the calculation before approving it.
//!
//! Pay periods come from payroll. The Gusto connector does not read pay schedules, so the
//! calendar is derived from the latest regular payroll run's period ([`PayCalendar::from_runs`]):
//! 1st–last of a month is monthly, 1st–15th or 16th–last is semi-monthly, anything else repeats
//! every (end − start + 1) days from that period (weekly, biweekly).
//!
//! Every tracked entry in the period counts (a running timer does not: its hours are not final).
//! The owner's approval of this preview is the approval; writing the hours into payroll needs a
//! time-sheet write the payroll connector does not have, so the route ends at the preview.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use maestro_core::model::{Employee, PayrollRun, PayrollRunStatus, PayrollRunType, TimeEntry};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::match_key;

/// A pay period, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PayPeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl PayPeriod {
    /// Whether `d` falls in the period.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
}

impl std::fmt::Display for PayPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.start, self.end)
    }
}

/// How pay periods repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PayCalendar {
    /// Every `days` days, one period starting on `anchor`.
    EveryNDays {
        /// The start of a known period.
        anchor: NaiveDate,
        /// Period length (7 weekly, 14 biweekly).
        days: i64,
    },
    /// 1st–15th and 16th–last of each month.
    SemiMonthly,
    /// 1st–last of each month.
    Monthly,
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(d)
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

impl PayCalendar {
    /// The calendar of the latest regular payroll run (not cancelled or failed), with that
    /// run's period; `None` when there is none.
    pub fn from_runs(runs: &[PayrollRun]) -> Option<(PayCalendar, PayPeriod)> {
        let latest = runs
            .iter()
            .filter(|r| matches!(r.run_type, None | Some(PayrollRunType::Regular)))
            .filter(|r| {
                !matches!(
                    r.status,
                    PayrollRunStatus::Cancelled | PayrollRunStatus::Failed
                )
            })
            .filter(|r| r.period_end >= r.period_start)
            .max_by_key(|r| (r.period_end, r.period_start))?;
        Some(Self::from_period(latest.period_start, latest.period_end))
    }

    /// The calendar of the latest period stated on pay statements, for a payroll whose runs
    /// cannot be read (ADP lists each worker's statements, not the runs); `None` when no
    /// statement states its period.
    pub fn from_statement_periods(
        periods: impl IntoIterator<Item = (NaiveDate, NaiveDate)>,
    ) -> Option<(PayCalendar, PayPeriod)> {
        let (start, end) = periods
            .into_iter()
            .filter(|(start, end)| end >= start)
            .max_by_key(|(start, end)| (*end, *start))?;
        Some(Self::from_period(start, end))
    }

    /// The calendar one known period belongs to: monthly, semi-monthly, or every N days.
    pub fn from_period(start: NaiveDate, end: NaiveDate) -> (PayCalendar, PayPeriod) {
        let calendar = if start.day() == 1 && end == month_end(start) {
            PayCalendar::Monthly
        } else if (start.day() == 1 && end.day() == 15 && end.month() == start.month())
            || (start.day() == 16 && end == month_end(start))
        {
            PayCalendar::SemiMonthly
        } else {
            PayCalendar::EveryNDays {
                anchor: start,
                days: (end - start).num_days() + 1,
            }
        };
        (calendar, PayPeriod { start, end })
    }

    /// The period that contains `d`.
    pub fn period_of(&self, d: NaiveDate) -> PayPeriod {
        match *self {
            PayCalendar::EveryNDays { anchor, days } => {
                let days = days.max(1);
                let offset = (d - anchor).num_days().div_euclid(days) * days;
                let start = anchor + Duration::days(offset);
                PayPeriod {
                    start,
                    end: start + Duration::days(days - 1),
                }
            }
            PayCalendar::Monthly => PayPeriod {
                start: month_start(d),
                end: month_end(d),
            },
            PayCalendar::SemiMonthly if d.day() <= 15 => PayPeriod {
                start: month_start(d),
                end: d.with_day(15).unwrap_or(d),
            },
            PayCalendar::SemiMonthly => PayPeriod {
                start: d.with_day(16).unwrap_or(d),
                end: month_end(d),
            },
        }
    }

    /// The period after `p`.
    pub fn next(&self, p: PayPeriod) -> PayPeriod {
        self.period_of(p.end + Duration::days(1))
    }
}

/// An owner's pay schedule as typed: `monthly`, `semi-monthly`, `weekly:YYYY-MM-DD` or
/// `biweekly:YYYY-MM-DD` (the date: the first day of any one period).
impl std::str::FromStr for PayCalendar {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim().to_ascii_lowercase();
        let (kind, anchor) = match text.split_once(':') {
            Some((k, a)) => (k.trim(), Some(a.trim())),
            None => (text.as_str(), None),
        };
        let anchor = |days: i64| -> Result<PayCalendar, String> {
            let a = anchor
                .ok_or_else(|| format!("say when one period starts, e.g. {kind}:2026-11-30"))?;
            let anchor = NaiveDate::parse_from_str(a, "%Y-%m-%d")
                .map_err(|_| format!("'{a}' is not a date (YYYY-MM-DD)"))?;
            Ok(PayCalendar::EveryNDays { anchor, days })
        };
        match kind {
            "monthly" => Ok(PayCalendar::Monthly),
            "semi-monthly" | "semimonthly" => Ok(PayCalendar::SemiMonthly),
            "weekly" => anchor(7),
            "biweekly" | "bi-weekly" => anchor(14),
            _ => Err(format!(
                "'{text}' is not a pay schedule: monthly, semi-monthly, weekly:YYYY-MM-DD or \
                 biweekly:YYYY-MM-DD"
            )),
        }
    }
}

impl std::fmt::Display for PayCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayCalendar::Monthly => f.write_str("monthly"),
            PayCalendar::SemiMonthly => f.write_str("semi-monthly"),
            PayCalendar::EveryNDays { anchor, days: 7 } => write!(f, "weekly:{anchor}"),
            PayCalendar::EveryNDays { anchor, days: 14 } => write!(f, "biweekly:{anchor}"),
            PayCalendar::EveryNDays { anchor, days } => {
                write!(f, "every {days} days from {anchor}")
            }
        }
    }
}

/// A person in the time tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeUser {
    /// The tracker's id (what time entries refer to).
    pub remote_id: String,
    /// Display name.
    pub name: String,
    /// Email, as given.
    pub email: Option<String>,
    /// True for a contractor (not paid through payroll hours).
    pub contractor: bool,
}

/// One tracked entry counted in a total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursLine {
    /// Day worked.
    pub date: NaiveDate,
    /// Hours, exact.
    pub hours: Decimal,
    /// The tracker's id of the entry.
    pub entry_remote_id: String,
    /// Project, when known.
    pub project: Option<String>,
    /// Task, when known.
    pub task: Option<String>,
}

/// One payroll employee's hours in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmployeeHours {
    /// Payroll's id of the employee.
    pub payroll_remote_id: String,
    /// Name.
    pub name: String,
    /// Work email (the match key).
    pub work_email: String,
    /// The tracker's id of the person.
    pub time_user_remote_id: String,
    /// Every entry counted, by date.
    pub lines: Vec<HoursLine>,
    /// Their sum, exact.
    pub total: Decimal,
}

impl EmployeeHours {
    /// The calculation in one line: "2026-03-02 8.00 + 2026-03-03 7.50 = 15.50".
    pub fn calculation(&self) -> String {
        let terms: Vec<String> = self
            .lines
            .iter()
            .map(|l| format!("{} {}", l.date, l.hours))
            .collect();
        if terms.is_empty() {
            return format!("= {}", self.total);
        }
        format!("{} = {}", terms.join(" + "), self.total)
    }
}

/// Hours that cannot go to payroll, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedHours {
    /// The tracker's id of the person.
    pub time_user_remote_id: String,
    /// Name (or the id when the person is unknown).
    pub name: String,
    /// Entries in the period.
    pub entries: usize,
    /// Their sum, exact.
    pub total: Decimal,
    /// Why, with what to do.
    pub reason: String,
}

/// The preview of one pay period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursPreview {
    /// The period.
    pub period: PayPeriod,
    /// Payroll employees with hours, by name.
    pub employees: Vec<EmployeeHours>,
    /// Hours that cannot be matched to a payroll employee.
    pub unmatched: Vec<UnmatchedHours>,
    /// Running timers left out.
    pub running_excluded: usize,
    /// Sum over `employees`, exact.
    pub total: Decimal,
}

/// Whether an entry is a running timer (its hours are not final).
pub fn is_running(e: &TimeEntry) -> bool {
    e.raw.get("is_running").and_then(|v| v.as_bool()) == Some(true)
        || (e.started_at.is_some() && e.ended_at.is_none())
}

/// What [`aggregate`] reads.
#[derive(Debug, Clone, Copy)]
pub struct HoursInput<'a> {
    /// The period to sum.
    pub period: PayPeriod,
    /// People in the tracker.
    pub users: &'a [TimeUser],
    /// Tracked entries (any dates; only the period's count).
    pub entries: &'a [TimeEntry],
    /// People in payroll.
    pub payroll: &'a [Employee],
    /// The tracker's name, for messages ("Harvest").
    pub source_name: &'a str,
    /// Payroll's name, for messages ("Gusto").
    pub target_name: &'a str,
}

/// Sums the period's hours per payroll employee.
pub fn aggregate(input: &HoursInput<'_>) -> HoursPreview {
    let mut payroll: BTreeMap<String, &Employee> = BTreeMap::new();
    for e in input.payroll {
        if let Some(k) = match_key(e.work_email.as_deref()) {
            payroll.entry(k).or_insert(e);
        }
    }
    let users: BTreeMap<&str, &TimeUser> = input
        .users
        .iter()
        .map(|u| (u.remote_id.as_str(), u))
        .collect();
    let mut running_excluded = 0;
    let mut by_user: BTreeMap<&str, Vec<HoursLine>> = BTreeMap::new();
    for e in input.entries {
        if !input.period.contains(e.work_date) {
            continue;
        }
        if is_running(e) {
            running_excluded += 1;
            continue;
        }
        by_user
            .entry(e.employee_remote_id.as_str())
            .or_default()
            .push(HoursLine {
                date: e.work_date,
                hours: e.hours,
                entry_remote_id: e.provenance.remote_id.clone(),
                project: e.project_name.clone(),
                task: e.task_name.clone(),
            });
    }
    let mut employees: BTreeMap<String, EmployeeHours> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for (user_id, mut lines) in by_user {
        lines.sort_by(|a, b| (a.date, &a.entry_remote_id).cmp(&(b.date, &b.entry_remote_id)));
        let total: Decimal = lines.iter().map(|l| l.hours).sum();
        let user = users.get(user_id).copied();
        let target = user
            .filter(|u| !u.contractor)
            .and_then(|u| match_key(u.email.as_deref()))
            .and_then(|k| payroll.get(&k).copied());
        let (Some(user), Some(employee)) = (user, target) else {
            let reason = match user {
                None => format!(
                    "no person with this id was synced from {}; sync it again",
                    input.source_name
                ),
                Some(u) if u.contractor => format!(
                    "is a contractor in {}; contractors are not paid through {} hours",
                    input.source_name, input.target_name
                ),
                Some(u) => match u.email.as_deref() {
                    Some(email) => format!(
                        "no {} employee has the work email {email}",
                        input.target_name
                    ),
                    None => format!(
                        "has no email in {}, so cannot be matched with {}",
                        input.source_name, input.target_name
                    ),
                },
            };
            unmatched.push(UnmatchedHours {
                time_user_remote_id: user_id.to_owned(),
                name: user.map_or_else(|| format!("user {user_id}"), |u| u.name.clone()),
                entries: lines.len(),
                total,
                reason,
            });
            continue;
        };
        let key = employee.provenance.remote_id.clone();
        let name = [
            employee.first_name.as_deref(),
            employee.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        // Two tracker accounts with one email: their hours add up on the one employee.
        let slot = employees
            .entry(key.clone())
            .or_insert_with(|| EmployeeHours {
                payroll_remote_id: key,
                name: if name.is_empty() {
                    user.name.clone()
                } else {
                    name
                },
                work_email: employee.work_email.clone().unwrap_or_default(),
                time_user_remote_id: user_id.to_owned(),
                lines: Vec::new(),
                total: Decimal::ZERO,
            });
        slot.lines.extend(lines);
        slot.lines
            .sort_by(|a, b| (a.date, &a.entry_remote_id).cmp(&(b.date, &b.entry_remote_id)));
        slot.total += total;
    }
    let mut employees: Vec<EmployeeHours> = employees.into_values().collect();
    employees.sort_by(|a, b| (&a.name, &a.payroll_remote_id).cmp(&(&b.name, &b.payroll_remote_id)));
    let total = employees.iter().map(|e| e.total).sum();
    HoursPreview {
        period: input.period,
        employees,
        unmatched,
        running_excluded,
        total,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::{CompanyId, ConnectionId};
    use maestro_core::model::{EmploymentStatus, PayrollTotals, Provenance};

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn run(start: &str, end: &str, kind: Option<PayrollRunType>) -> PayrollRun {
        PayrollRun {
            provenance: Provenance::new(ConnectionId::new(), "gusto", start),
            company_id: CompanyId::new(),
            status: PayrollRunStatus::Paid,
            run_type: kind,
            period_start: d(start),
            period_end: d(end),
            check_date: None,
            totals: PayrollTotals::default(),
            raw: serde_json::Value::Null.into(),
        }
    }

    #[test]
    fn calendars_follow_the_latest_regular_run() {
        let runs = [
            run("2026-02-01", "2026-02-14", Some(PayrollRunType::Regular)),
            run("2026-02-15", "2026-02-28", None),
            run("2026-03-02", "2026-03-02", Some(PayrollRunType::OffCycle)),
        ];
        let (cal, latest) = PayCalendar::from_runs(&runs).unwrap();
        assert_eq!(
            cal,
            PayCalendar::EveryNDays {
                anchor: d("2026-02-15"),
                days: 14
            }
        );
        assert_eq!(latest.end, d("2026-02-28"));
        let next = cal.next(latest);
        assert_eq!((next.start, next.end), (d("2026-03-01"), d("2026-03-14")));
        let before = cal.period_of(d("2026-01-31"));
        assert_eq!(
            (before.start, before.end),
            (d("2026-01-18"), d("2026-01-31"))
        );
        assert_eq!(cal.period_of(d("2026-03-14")), next);

        let (semi, p) = PayCalendar::from_runs(&[run("2026-02-16", "2026-02-28", None)]).unwrap();
        assert_eq!(semi, PayCalendar::SemiMonthly);
        let n = semi.next(p);
        assert_eq!((n.start, n.end), (d("2026-03-01"), d("2026-03-15")));
        assert_eq!(semi.next(n).end, d("2026-03-31"));
        let (monthly, p) =
            PayCalendar::from_runs(&[run("2024-02-01", "2024-02-29", None)]).unwrap();
        assert_eq!(monthly, PayCalendar::Monthly);
        assert_eq!(monthly.next(p).end, d("2024-03-31"));
        assert_eq!(monthly.period_of(d("2024-12-31")).start, d("2024-12-01"));
        assert!(PayCalendar::from_runs(&[]).is_none());
    }

    #[test]
    fn statements_give_the_calendar_when_runs_are_not_readable() {
        // Each worker's statements, in any order; a backwards period is ignored.
        let periods = [
            (d("2026-11-01"), d("2026-11-14")),
            (d("2026-11-15"), d("2026-11-28")),
            (d("2026-12-01"), d("2026-11-20")),
            (d("2026-11-15"), d("2026-11-28")),
        ];
        let (cal, latest) = PayCalendar::from_statement_periods(periods).unwrap();
        assert_eq!(
            cal,
            PayCalendar::EveryNDays {
                anchor: d("2026-11-15"),
                days: 14
            }
        );
        assert_eq!(cal.next(latest).start, d("2026-11-29"));
        assert!(PayCalendar::from_statement_periods([]).is_none());
        // An owner's schedule is saved and read back as the same calendar.
        let text = serde_json::to_string(&cal).unwrap();
        assert_eq!(serde_json::from_str::<PayCalendar>(&text).unwrap(), cal);
    }

    #[test]
    fn owners_type_their_pay_schedule() {
        for text in [
            "monthly",
            "semi-monthly",
            "weekly:2026-11-30",
            "biweekly:2026-11-29",
        ] {
            let cal: PayCalendar = text.parse().unwrap();
            assert_eq!(cal.to_string(), text);
        }
        let cal: PayCalendar = " BiWeekly : 2026-11-29 ".parse().unwrap();
        assert_eq!(cal.period_of(d("2026-12-07")).start, d("2026-11-29"));
        assert!(
            "biweekly"
                .parse::<PayCalendar>()
                .unwrap_err()
                .contains("when one period starts")
        );
        assert!(
            "weekly:30/11/2026"
                .parse::<PayCalendar>()
                .unwrap_err()
                .contains("not a date")
        );
        assert!(
            "fortnightly"
                .parse::<PayCalendar>()
                .unwrap_err()
                .contains("not a pay schedule")
        );
    }

    fn entry(id: &str, user: &str, date: &str, hours: &str, running: bool) -> TimeEntry {
        TimeEntry {
            provenance: Provenance::new(ConnectionId::new(), "harvest", id),
            company_id: CompanyId::new(),
            employee_remote_id: user.into(),
            work_date: d(date),
            started_at: None,
            ended_at: None,
            time_zone: None,
            hours: hours.parse().unwrap(),
            project_remote_id: None,
            project_name: Some("Bakery".into()),
            task_name: None,
            client_name: None,
            notes: None,
            billable: false,
            rate: None,
            raw: serde_json::json!({ "is_running": running }).into(),
        }
    }

    fn employee(id: &str, email: &str) -> Employee {
        Employee {
            provenance: Provenance::new(ConnectionId::new(), "gusto", id),
            company_id: CompanyId::new(),
            first_name: Some("Ada".into()),
            middle_name: None,
            last_name: Some("Baker".into()),
            preferred_name: None,
            display_full_name: None,
            employee_number: None,
            work_email: Some(email.into()),
            personal_email: None,
            phone_numbers: Vec::new(),
            date_of_birth: None,
            ssn: None,
            employment_status: EmploymentStatus::Active,
            hire_date: None,
            start_date: None,
            termination_date: None,
            manager_remote_id: None,
            department_remote_id: None,
            work_location_remote_id: None,
            home_location_remote_id: None,
            custom_fields: Default::default(),
            raw: serde_json::Value::Null.into(),
        }
    }

    fn user(id: &str, email: Option<&str>, contractor: bool) -> TimeUser {
        TimeUser {
            remote_id: id.into(),
            name: format!("user {id}"),
            email: email.map(str::to_owned),
            contractor,
        }
    }

    #[test]
    fn hours_are_summed_exactly_per_employee_with_the_calculation() {
        let period = PayPeriod {
            start: d("2026-03-01"),
            end: d("2026-03-14"),
        };
        let entries = [
            entry("e1", "10", "2026-03-03", "0.1", false),
            entry("e2", "10", "2026-03-02", "0.2", false),
            entry("e3", "10", "2026-03-14", "7.75", false),
            entry("e4", "10", "2026-03-15", "8", false),
            entry("e5", "10", "2026-02-28", "8", false),
            entry("e6", "10", "2026-03-05", "1.5", true),
            entry("e7", "20", "2026-03-05", "3.33", false),
            entry("e8", "30", "2026-03-05", "2", false),
            entry("e9", "40", "2026-03-05", "4", false),
            entry("e10", "99", "2026-03-05", "1", false),
        ];
        let users = [
            user("10", Some("ADA@bluebird.example"), false),
            user("20", Some("cy@bluebird.example"), true),
            user("30", Some("nobody@bluebird.example"), false),
            user("40", None, false),
        ];
        let payroll = [employee("g1", "ada@bluebird.example")];
        let p = aggregate(&HoursInput {
            period,
            users: &users,
            entries: &entries,
            payroll: &payroll,
            source_name: "Harvest",
            target_name: "Gusto",
        });
        assert_eq!(p.employees.len(), 1);
        let ada = &p.employees[0];
        assert_eq!(ada.total, "8.05".parse::<Decimal>().unwrap());
        assert_eq!(p.total, ada.total);
        assert_eq!(
            ada.calculation(),
            "2026-03-02 0.2 + 2026-03-03 0.1 + 2026-03-14 7.75 = 8.05"
        );
        assert_eq!(p.running_excluded, 1);
        let reasons: Vec<&str> = p.unmatched.iter().map(|u| u.reason.as_str()).collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].contains("contractor"));
        assert!(reasons[1].contains("no Gusto employee has the work email"));
        assert!(reasons[2].contains("has no email"));
        assert!(reasons[3].contains("no person with this id"));
        assert_eq!(p.unmatched[0].total, "3.33".parse::<Decimal>().unwrap());
    }
}
