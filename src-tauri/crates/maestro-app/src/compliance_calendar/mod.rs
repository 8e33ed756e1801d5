//! The compliance calendar, the designed substitute for ComplianceHR and HR360 (neither
//! publishes an API): dated obligations derived from the synced data and the owner's settings.
//!
//! [`obligations`] is pure: `(today, company facts, owner settings, done ids)` → the
//! obligations due from [`LOOKBACK_DAYS`] ago to [`HORIZON_DAYS`] ahead, in date order. One
//! small file per area holds its rule; [`tables`] holds the state tables with their sources,
//! [`holidays`] the federal business-day roll and [`ical`] the RFC 5545 export. The app side
//! ([`facts`], [`settings`], [`alerts`]) reads the store, keeps the owner's settings and done
//! marks in the settings store, and raises the alerts as items come due.
//!
//! What no connector holds is not invented: the canonical model has no work-authorisation
//! expiry and no termination type (discharge or resignation), so I-9 re-verification items
//! appear only for facts that carry an expiry (none do today), and final pay is due on the
//! earlier of the state's two deadlines.

pub mod alerts;
pub mod enrolment;
pub mod facts;
pub mod final_pay;
pub mod holidays;
pub mod ical;
pub mod new_hire;
pub mod payroll_tax;
pub mod posters;
pub mod provider_filing;
pub mod settings;
pub mod tables;
pub mod work_authorisation;

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use maestro_core::ids::CompanyId;
use maestro_store::companies::Company;
use maestro_sync::routes::hours::PayCalendar;
use serde::{Deserialize, Serialize};

/// The calendar's date type (a day, no time zone), for callers that do not use `chrono`.
pub type Date = NaiveDate;

/// How many days back an unfinished obligation stays listed (as overdue).
pub const LOOKBACK_DAYS: i64 = 60;
/// How many days ahead obligations are listed.
pub const HORIZON_DAYS: i64 = 366;

/// What an obligation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Form I-9 reverification (Supplement B) of expiring employment authorisation.
    WorkAuthorisation,
    /// Reporting a hire to the state's new-hire registry.
    NewHireReport,
    /// Final pay after employment ends.
    FinalPay,
    /// Payroll tax deposits and filings (941, 940, W-2, 1099-NEC).
    PayrollTax,
    /// Benefits open enrolment.
    OpenEnrolment,
    /// A poster or policy acknowledgement's yearly review.
    Poster,
}

impl Area {
    /// Days before the due date at which the alert is raised as a warning, and at which it
    /// turns critical. I-9 re-verification warns 90 and 30 days ahead (time to collect new
    /// documents); the rest 14 and 3.
    pub fn alert_days(self) -> (i64, i64) {
        match self {
            Area::WorkAuthorisation => (90, 30),
            _ => (14, 3),
        }
    }
}

/// How close an obligation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Done for the owner by their payroll provider: shown to be checked, never alerted.
    Info,
    /// Further off than the area's warning days.
    Upcoming,
    /// Within the warning days.
    Soon,
    /// Within the critical days.
    Urgent,
    /// The due date has passed.
    Overdue,
}

impl Urgency {
    /// The urgency of `area`'s obligation with `days_left` days to go.
    pub fn of(area: Area, days_left: i64) -> Urgency {
        let (warn, urgent) = area.alert_days();
        if days_left < 0 {
            Urgency::Overdue
        } else if days_left <= urgent {
            Urgency::Urgent
        } else if days_left <= warn {
            Urgency::Soon
        } else {
            Urgency::Upcoming
        }
    }
}

/// One dated obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    /// Stable id (the same obligation has the same id on every run): `form941:2026-Q1`,
    /// `new_hire:<person>:<hire date>`…
    pub id: String,
    /// What it is about.
    pub area: Area,
    /// What to do, in plain words.
    pub title: String,
    /// The date it is due.
    pub due: NaiveDate,
    /// Days from today to the due date (negative: overdue).
    pub days_left: i64,
    /// How close it is.
    pub urgency: Urgency,
    /// How the due date was worked out.
    pub rule: String,
    /// The law or document the rule comes from.
    pub source: String,
    /// The person it concerns, if one.
    pub person: Option<String>,
    /// The payroll provider that files it for the owner ("Gusto"), when the owner's setting
    /// says so; the item is then information ([`Urgency::Info`]) and raises no alert.
    pub handled_by: Option<String>,
}

/// What a rule produces before today is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Stable id.
    pub id: String,
    /// Area.
    pub area: Area,
    /// What to do.
    pub title: String,
    /// Due date.
    pub due: NaiveDate,
    /// How the date was worked out.
    pub rule: String,
    /// Source citation.
    pub source: String,
    /// The person concerned.
    pub person: Option<String>,
}

/// A person as the calendar needs them (from the people roster).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonFacts {
    /// Stable id (the roster's identity id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Work state (USPS code) from their work location, when synced.
    pub state: Option<String>,
    /// Hire date.
    pub hire_date: Option<NaiveDate>,
    /// Last day of employment, when terminated.
    pub termination_date: Option<NaiveDate>,
    /// When their time-limited employment authorisation expires (the document that sets a
    /// reverification date; never a U.S. citizen's or permanent resident's document, nor a
    /// List B identity document, whose expiry needs nothing). No connector maps one today, so
    /// this is `None` for every synced person.
    pub work_authorisation_expires: Option<NaiveDate>,
}

/// The regular paydays: each pay period is paid on its last day plus `lag_days` (the lag
/// between the latest regular run's period end and its check date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paydays {
    /// How pay periods repeat.
    pub calendar: PayCalendar,
    /// Days from a period's end to its payday.
    pub lag_days: i64,
    /// Where the schedule came from, for the rule text ("Gusto's payroll runs").
    pub from: String,
}

impl Paydays {
    /// The regular payday of the pay period `d` falls in.
    pub fn payday_for(&self, d: NaiveDate) -> NaiveDate {
        self.calendar.period_of(d).end + Duration::days(self.lag_days)
    }

    /// The first regular payday after `d` ("the next regularly scheduled payday"), whichever
    /// period it pays: with a lag it can pay the period before the one `d` falls in.
    pub fn next_payday_after(&self, d: NaiveDate) -> NaiveDate {
        let lag = Duration::days(self.lag_days.max(0));
        let mut period = self.calendar.period_of(d - lag);
        while period.end + lag <= d {
            period = self.calendar.period_of(period.end + Duration::days(1));
        }
        period.end + lag
    }

    /// The last day of the pay period `d` falls in.
    pub fn period_end(&self, d: NaiveDate) -> NaiveDate {
        self.calendar.period_of(d).end
    }

    /// The last day of the pay period after the one `d` falls in.
    pub fn next_period_end(&self, d: NaiveDate) -> NaiveDate {
        let end = self.period_end(d);
        self.period_end(end + Duration::days(1))
    }
}

/// What the calendar reads from the synced data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompanyFacts {
    /// The people on the roster.
    pub people: Vec<PersonFacts>,
    /// Whether anyone has been on payroll as an employee (941, 940, W-2 apply).
    pub has_employees: bool,
    /// Whether the company pays contractors (1099-NEC applies).
    pub has_contractors: bool,
    /// The regular paydays, when the pay schedule is known.
    pub paydays: Option<Paydays>,
    /// The connected full-service payroll that files payroll taxes for the employer, if any.
    pub payroll_filer: Option<provider_filing::PayrollFiler>,
}

/// How often federal employment taxes are deposited (IRS Publication 15, section 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositSchedule {
    /// By the 15th of the following month.
    Monthly,
    /// The Wednesday or Friday after each payday (not listed: it follows each payroll run).
    Semiweekly,
}

/// The benefits open-enrolment window the owner set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentWindow {
    /// The first day.
    pub opens: NaiveDate,
    /// The last day.
    pub closes: NaiveDate,
}

/// A poster or policy acknowledgement the owner reviews once a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poster {
    /// What it is ("FLSA minimum wage poster", "Handbook acknowledgement").
    pub name: String,
    /// A review date; the review recurs on this month and day every year.
    pub review_on: NaiveDate,
}

/// The owner's calendar settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarSettings {
    /// The company's state (USPS code), used for people whose work location is not synced.
    pub company_state: Option<String>,
    /// The benefits open-enrolment window.
    pub open_enrolment: Option<EnrolmentWindow>,
    /// Posters and policy acknowledgements.
    pub posters: Vec<Poster>,
    /// The federal tax deposit schedule, when the owner states it.
    pub deposit_schedule: Option<DepositSchedule>,
    /// "My payroll provider files these": whether the payroll taxes a connected full-service
    /// payroll files (941, 940, W-2, deposits; 1099-NEC for Gusto) are shown as information
    /// rather than alerted. `None` (the default): yes when such a payroll is connected.
    pub provider_files_taxes: Option<bool>,
}

/// The obligations due between [`LOOKBACK_DAYS`] ago and [`HORIZON_DAYS`] ahead of `today`,
/// less those marked `done`, in due-date order.
pub fn obligations(
    today: NaiveDate,
    facts: &CompanyFacts,
    settings: &CalendarSettings,
    done: &BTreeSet<String>,
) -> Vec<Obligation> {
    let from = today - Duration::days(LOOKBACK_DAYS);
    let to = today + Duration::days(HORIZON_DAYS);
    let mut all = Vec::new();
    all.extend(work_authorisation::due(facts));
    all.extend(new_hire::due(facts, settings));
    all.extend(final_pay::due(facts, settings));
    all.extend(payroll_tax::due(facts, settings, from, to));
    all.extend(enrolment::due(settings));
    all.extend(posters::due(settings, from, to));
    let mut out: Vec<Obligation> = all
        .into_iter()
        .filter(|d| d.due >= from && d.due <= to && !done.contains(&d.id))
        .map(|d| {
            let days_left = (d.due - today).num_days();
            match provider_filing::filer_of(&d, facts, settings) {
                Some((name, source)) => Obligation {
                    urgency: Urgency::Info,
                    days_left,
                    title: format!(
                        "{name} files this for you — check it was filed: {}",
                        d.title
                    ),
                    rule: format!(
                        "{}. {name} files it as your full-service payroll (change this in the \
                         calendar settings: \"my payroll provider files these\")",
                        d.rule
                    ),
                    source: format!("{}; {source}", d.source),
                    handled_by: Some(name.to_owned()),
                    id: d.id,
                    area: d.area,
                    due: d.due,
                    person: d.person,
                },
                None => Obligation {
                    urgency: Urgency::of(d.area, days_left),
                    days_left,
                    id: d.id,
                    area: d.area,
                    title: d.title,
                    due: d.due,
                    rule: d.rule,
                    source: d.source,
                    person: d.person,
                    handled_by: None,
                },
            }
        })
        .collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// The state that applies to `person`: their work location's, else the company's.
pub(crate) fn state_of<'a>(
    person: &'a PersonFacts,
    settings: &'a CalendarSettings,
) -> Option<&'a str> {
    person
        .state
        .as_deref()
        .or(settings.company_state.as_deref())
        .filter(|s| !s.trim().is_empty())
}

impl crate::App {
    /// The company's calendar as of today (the clock's date, UTC).
    pub async fn compliance_calendar(
        &self,
        company_id: CompanyId,
    ) -> crate::error::Result<Vec<Obligation>> {
        let facts = self.compliance_facts(company_id).await?;
        let settings = self.compliance_settings(company_id).await?;
        let done: BTreeSet<String> = self
            .compliance_done(company_id)
            .await?
            .into_keys()
            .collect();
        Ok(obligations(
            self.now().date_naive(),
            &facts,
            &settings,
            &done,
        ))
    }

    /// The company's calendar as the text of an iCalendar (.ics) file.
    pub async fn compliance_ical(&self, company: &Company) -> crate::error::Result<String> {
        let items = self.compliance_calendar(company.id).await?;
        Ok(ical::calendar(
            &company.id.to_string(),
            &company.name,
            &items,
            self.now(),
        ))
    }

    /// Writes the company's calendar as an iCalendar file at `dest` (a new file: an existing
    /// one is never overwritten); audited. Returns how many items it holds.
    pub async fn save_compliance_ical(
        &self,
        company: &Company,
        dest: &std::path::Path,
    ) -> crate::error::Result<usize> {
        use std::io::Write;

        use crate::error::{AppError, ErrorCode};

        let items = self.compliance_calendar(company.id).await?;
        let text = ical::calendar(&company.id.to_string(), &company.name, &items, self.now());
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
                ),
                std::io::ErrorKind::NotFound => AppError::new(
                    ErrorCode::Validation,
                    format!("the folder of {} does not exist", dest.display()),
                ),
                _ => AppError::from(e),
            })?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        self.audit(
            maestro_store::audit::AuditEvent::new(
                &self.actor,
                "compliance.calendar_export",
                &dest.display().to_string(),
            )
            .company(company.id)
            .detail(serde_json::json!({ "items": items.len(), "format": "ical" })),
        )
        .await?;
        Ok(items.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The date `s` (YYYY-MM-DD); the calendar modules' tests share it.
    pub(super) fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn urgency_follows_the_days_left() {
        assert_eq!(Urgency::of(Area::PayrollTax, 15), Urgency::Upcoming);
        assert_eq!(Urgency::of(Area::PayrollTax, 14), Urgency::Soon);
        assert_eq!(Urgency::of(Area::PayrollTax, 3), Urgency::Urgent);
        assert_eq!(Urgency::of(Area::PayrollTax, 0), Urgency::Urgent);
        assert_eq!(Urgency::of(Area::PayrollTax, -1), Urgency::Overdue);
        assert_eq!(Urgency::of(Area::WorkAuthorisation, 90), Urgency::Soon);
        assert_eq!(Urgency::of(Area::WorkAuthorisation, 30), Urgency::Urgent);
    }

    #[test]
    fn the_calendar_is_windowed_sorted_and_leaves_out_what_is_done() {
        let facts = CompanyFacts {
            people: vec![PersonFacts {
                id: "p1".into(),
                name: "Ada Lovelace".into(),
                state: Some("GA".into()),
                hire_date: Some(day("2026-03-02")),
                ..PersonFacts::default()
            }],
            has_employees: true,
            has_contractors: false,
            paydays: None,
            payroll_filer: None,
        };
        let settings = CalendarSettings::default();
        let today = day("2026-03-05");
        let all = obligations(today, &facts, &settings, &BTreeSet::new());
        let ids: Vec<&str> = all.iter().map(|o| o.id.as_str()).collect();
        // GA: 10 days after March 2; then the 941s; the Q4 2025 941 (Feb 2, 2026) and last
        // year's W-2s are inside the lookback; no 1099-NEC without contractors.
        assert_eq!(
            ids,
            [
                "form940:2025",
                "form941:2025-Q4",
                "w2:2025",
                "new_hire:p1:2026-03-02",
                "form941:2026-Q1",
                "form941:2026-Q2",
                "form941:2026-Q3",
                "form940:2026",
                "form941:2026-Q4",
                "w2:2026",
            ]
        );
        assert!(all.windows(2).all(|w| w[0].due <= w[1].due));
        let new_hire = &all[3];
        assert_eq!(new_hire.due, day("2026-03-12"));
        assert_eq!(new_hire.days_left, 7);
        assert_eq!(new_hire.urgency, Urgency::Soon);
        assert_eq!(all[0].urgency, Urgency::Overdue);
        assert_eq!(all[0].due, day("2026-02-02"));

        let done = BTreeSet::from(["new_hire:p1:2026-03-02".to_owned()]);
        let rest = obligations(today, &facts, &settings, &done);
        assert_eq!(rest.len(), all.len() - 1);
        assert!(rest.iter().all(|o| o.id != "new_hire:p1:2026-03-02"));
    }

    #[test]
    fn a_full_service_payroll_files_the_federal_items_shown_as_information() {
        let mut facts = CompanyFacts {
            has_employees: true,
            has_contractors: true,
            payroll_filer: Some(provider_filing::PayrollFiler {
                provider: "gusto".into(),
                name: "Gusto".into(),
            }),
            ..CompanyFacts::default()
        };
        let today = day("2026-02-10");
        let mut settings = CalendarSettings {
            open_enrolment: Some(EnrolmentWindow {
                opens: day("2026-02-12"),
                closes: day("2026-02-20"),
            }),
            ..CalendarSettings::default()
        };
        let none = BTreeSet::new();
        // Default (no setting): Gusto files the 941, 940, W-2 and 1099-NEC, all information,
        // even the overdue ones; the enrolment item is still the owner's.
        let all = obligations(today, &facts, &settings, &none);
        let tax: Vec<&Obligation> = all.iter().filter(|o| o.area == Area::PayrollTax).collect();
        assert!(tax.iter().any(|o| o.id == "1099nec:2025"));
        for o in &tax {
            assert_eq!(o.urgency, Urgency::Info, "{}", o.id);
            assert_eq!(o.handled_by.as_deref(), Some("Gusto"));
            assert!(
                o.title
                    .starts_with("Gusto files this for you — check it was filed: "),
                "{}",
                o.title
            );
        }
        let overdue_941 = all.iter().find(|o| o.id == "form941:2025-Q4").unwrap();
        assert!(overdue_941.days_left < 0);
        let enrolment = all.iter().find(|o| o.area == Area::OpenEnrolment).unwrap();
        assert_eq!(enrolment.urgency, Urgency::Urgent);
        assert_eq!(enrolment.handled_by, None);

        // The owner turns it off: the items are theirs again, the overdue one overdue.
        settings.provider_files_taxes = Some(false);
        let off = obligations(today, &facts, &settings, &none);
        let o = off.iter().find(|o| o.id == "form941:2025-Q4").unwrap();
        assert_eq!(o.urgency, Urgency::Overdue);
        assert_eq!(o.handled_by, None);

        // ADP files the payroll returns but 1099-NECs are not assumed.
        settings.provider_files_taxes = None;
        facts.payroll_filer = Some(provider_filing::PayrollFiler {
            provider: "adp".into(),
            name: "ADP Workforce Now".into(),
        });
        let adp = obligations(today, &facts, &settings, &none);
        let nec = adp.iter().find(|o| o.id == "1099nec:2025").unwrap();
        assert_eq!(nec.urgency, Urgency::Overdue);
        let w2 = adp.iter().find(|o| o.id == "w2:2025").unwrap();
        assert_eq!(w2.urgency, Urgency::Info);

        // No full-service payroll connected: "on" has no one to name, nothing changes.
        facts.payroll_filer = None;
        settings.provider_files_taxes = Some(true);
        let alone = obligations(today, &facts, &settings, &none);
        assert!(alone.iter().all(|o| o.handled_by.is_none()));
    }
}
