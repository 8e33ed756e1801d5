//! `maestro compliance`: the compliance calendar (what is due, by when, and why), its iCalendar
//! export, the owner's calendar settings and marking items done.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use maestro_app::App;
use maestro_app::compliance_calendar::{
    CalendarSettings, DepositSchedule, EnrolmentWindow, Obligation, Poster, Urgency, posters,
};
use maestro_app::routes::parse_date;

/// Compliance subcommands.
#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// What is due (new-hire reports, final pay, payroll tax filings, open enrolment, posters),
    /// in date order with days left, the rule and its source.
    Calendar {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also write the calendar as an iCalendar file (.ics) to import into a calendar app.
        #[arg(long, value_name = "FILE")]
        ical: Option<PathBuf>,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Write the documents a compliance provider or auditor needs (roster, terminations, pay
    /// summaries) as CSV and/or PDF into a folder.
    Export(crate::compliance_docs_cmd::ExportArgs),
    /// Mark a calendar item done (its id is shown by `calendar`); it leaves the calendar and
    /// its alert resolves.
    Done {
        /// The item's id, e.g. form941:2026-Q1.
        id: String,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
    /// Show the calendar settings, or change them with the options given.
    Settings {
        /// The company's state (two-letter code), for people whose work location is unknown.
        #[arg(long, value_name = "CODE")]
        state: Option<String>,
        /// Forget the company's state.
        #[arg(long, conflicts_with = "state")]
        clear_state: bool,
        /// The benefits open-enrolment window: FROM..TO (YYYY-MM-DD..YYYY-MM-DD).
        #[arg(long, value_name = "FROM..TO")]
        enrolment: Option<String>,
        /// Remove the open-enrolment window.
        #[arg(long, conflicts_with = "enrolment")]
        no_enrolment: bool,
        /// Add (or move) a poster or policy reviewed yearly: "NAME=YYYY-MM-DD". Repeatable.
        #[arg(long, value_name = "NAME=DATE")]
        poster: Vec<String>,
        /// Remove a poster or policy by name. Repeatable.
        #[arg(long, value_name = "NAME")]
        remove_poster: Vec<String>,
        /// The federal tax deposit schedule (monthly lists a deposit each month).
        #[arg(long, value_enum)]
        deposit: Option<DepositArg>,
        /// "My payroll provider files these": whether the federal filings a connected
        /// full-service payroll (Gusto, ADP Workforce Now, Paychex Flex) files are shown as
        /// information instead of alerts. auto: yes when such a payroll is connected.
        #[arg(long, value_enum, value_name = "auto|on|off")]
        provider_files: Option<ProviderFilesArg>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The company (id or name); needed when there are several.
        #[arg(long)]
        company: Option<String>,
    },
}

/// `--deposit` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DepositArg {
    /// By the 15th of the next month.
    Monthly,
    /// After each payday (not listed on the calendar).
    Semiweekly,
    /// Not stated.
    None,
}

/// `--provider-files` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProviderFilesArg {
    /// Yes when a full-service payroll is connected (the default).
    Auto,
    /// My payroll provider files them.
    On,
    /// I file them myself: alert me.
    Off,
}

impl ProviderFilesArg {
    /// The setting's value.
    fn setting(self) -> Option<bool> {
        match self {
            ProviderFilesArg::Auto => None,
            ProviderFilesArg::On => Some(true),
            ProviderFilesArg::Off => Some(false),
        }
    }
}

/// A date typed by the owner (YYYY-MM-DD).
fn date(text: &str) -> Result<maestro_app::compliance_calendar::Date> {
    Ok(parse_date(text)?)
}

/// Applies the options of `settings` to `s`; whether anything was asked to change.
#[allow(clippy::too_many_arguments)]
fn apply(
    s: &mut CalendarSettings,
    state: Option<String>,
    clear_state: bool,
    enrolment: Option<String>,
    no_enrolment: bool,
    poster: Vec<String>,
    remove_poster: Vec<String>,
    deposit: Option<DepositArg>,
) -> Result<bool> {
    let changed = state.is_some()
        || clear_state
        || enrolment.is_some()
        || no_enrolment
        || !poster.is_empty()
        || !remove_poster.is_empty()
        || deposit.is_some();
    if let Some(st) = state {
        s.company_state = Some(st);
    }
    if clear_state {
        s.company_state = None;
    }
    if let Some(window) = enrolment {
        let Some((from, to)) = window.split_once("..") else {
            bail!("give the window as FROM..TO, for example 2026-11-01..2026-11-15");
        };
        s.open_enrolment = Some(EnrolmentWindow {
            opens: date(from)?,
            closes: date(to)?,
        });
    }
    if no_enrolment {
        s.open_enrolment = None;
    }
    for name in remove_poster {
        let before = s.posters.len();
        s.posters
            .retain(|p| posters::slug(&p.name) != posters::slug(&name));
        if s.posters.len() == before {
            bail!("no poster or policy named “{name}”");
        }
    }
    for item in poster {
        let Some((name, on)) = item.rsplit_once('=') else {
            bail!("give a poster as NAME=YYYY-MM-DD, for example \"OSHA poster=2026-01-15\"");
        };
        let review_on = date(on)?;
        s.posters
            .retain(|p| posters::slug(&p.name) != posters::slug(name));
        s.posters.push(Poster {
            name: name.trim().to_owned(),
            review_on,
        });
    }
    if let Some(d) = deposit {
        s.deposit_schedule = match d {
            DepositArg::Monthly => Some(DepositSchedule::Monthly),
            DepositArg::Semiweekly => Some(DepositSchedule::Semiweekly),
            DepositArg::None => None,
        };
    }
    Ok(changed)
}

fn print_settings(s: &CalendarSettings) {
    println!(
        "Company state:   {}",
        s.company_state.as_deref().unwrap_or("not set")
    );
    match &s.open_enrolment {
        Some(w) => println!("Open enrolment:  {} to {}", w.opens, w.closes),
        None => println!("Open enrolment:  not set"),
    }
    let deposit = match s.deposit_schedule {
        Some(DepositSchedule::Monthly) => "monthly",
        Some(DepositSchedule::Semiweekly) => "semiweekly",
        None => "not set",
    };
    println!("Tax deposits:    {deposit}");
    let provider = match s.provider_files_taxes {
        None => "automatic (yes when Gusto, ADP Workforce Now or Paychex Flex is connected)",
        Some(true) => "yes: my payroll provider files the federal payroll taxes",
        Some(false) => "no: I file them myself",
    };
    println!("Provider files:  {provider}");
    if s.posters.is_empty() {
        println!("Posters:         none listed");
    } else {
        println!("Posters and policies (reviewed yearly):");
        for p in &s.posters {
            println!("  {} — every {}", p.name, p.review_on.format("%B %-d"));
        }
    }
}

fn days_left(o: &Obligation) -> String {
    if let Some(by) = &o.handled_by {
        return format!("by {by}");
    }
    match o.days_left {
        d if d < 0 => format!("OVERDUE {}d", -d),
        0 => "today".to_owned(),
        d => format!("in {d}d"),
    }
}

fn print_calendar(items: &[Obligation]) {
    if items.is_empty() {
        println!("Nothing due in the next year.");
        return;
    }
    for o in items {
        let mark = match o.urgency {
            Urgency::Overdue | Urgency::Urgent => "!",
            Urgency::Soon => "*",
            Urgency::Upcoming | Urgency::Info => " ",
        };
        println!("{mark} {}  {:>12}  {}", o.due, days_left(o), o.title);
        println!("    {}", o.rule);
        println!("    Source: {}   [{}]", o.source, o.id);
    }
}

/// Runs a compliance subcommand.
pub async fn run(app: &App, command: ComplianceCommand) -> Result<ExitCode> {
    match command {
        ComplianceCommand::Calendar {
            json,
            ical,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let items = app.compliance_calendar(company.id).await?;
            if let Some(path) = ical {
                let n = app.save_compliance_ical(&company, &path).await?;
                if !json {
                    println!("Wrote {n} item(s) to {} (iCalendar).\n", path.display());
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else {
                print_calendar(&items);
            }
        }
        ComplianceCommand::Export(args) => {
            return crate::compliance_docs_cmd::export(app, args).await;
        }
        ComplianceCommand::Done { id, company } => {
            let company = app.company(company.as_deref()).await?;
            let item = app.mark_compliance_done(company.id, &id).await?;
            println!("Marked done: {} (due {}).", item.title, item.due);
        }
        ComplianceCommand::Settings {
            state,
            clear_state,
            enrolment,
            no_enrolment,
            poster,
            remove_poster,
            deposit,
            provider_files,
            json,
            company,
        } => {
            let company = app.company(company.as_deref()).await?;
            let mut s = app.compliance_settings(company.id).await?;
            let mut changed = apply(
                &mut s,
                state,
                clear_state,
                enrolment,
                no_enrolment,
                poster,
                remove_poster,
                deposit,
            )?;
            if let Some(p) = provider_files {
                s.provider_files_taxes = p.setting();
                changed = true;
            }
            if changed {
                s = app.set_compliance_settings(company.id, s).await?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print_settings(&s);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// [`apply`] with only posters added (`name=date`) and removed (by name).
    fn apply_posters(s: &mut CalendarSettings, add: &[&str], remove: &[&str]) -> Result<bool> {
        let owned = |v: &[&str]| v.iter().map(|p| (*p).to_owned()).collect();
        apply(s, None, false, None, false, owned(add), owned(remove), None)
    }

    #[test]
    fn settings_options_apply_and_refuse_malformed_values() {
        let mut s = CalendarSettings::default();
        let changed = apply(
            &mut s,
            Some("ca".into()),
            false,
            Some("2026-11-01..2026-11-15".into()),
            false,
            vec![
                "OSHA poster=2026-01-15".into(),
                "Handbook=2026-03-01".into(),
            ],
            vec![],
            Some(DepositArg::Monthly),
        )
        .unwrap();
        assert!(changed);
        assert_eq!(s.company_state.as_deref(), Some("ca"));
        assert_eq!(s.posters.len(), 2);
        assert_eq!(s.deposit_schedule, Some(DepositSchedule::Monthly));
        // Moving a poster replaces it; removing one by any spelling of its name.
        apply_posters(&mut s, &["osha POSTER=2026-02-01"], &[]).unwrap();
        assert_eq!(s.posters.len(), 2);
        apply_posters(&mut s, &[], &["handbook"]).unwrap();
        assert_eq!(s.posters.len(), 1);
        assert!(apply_posters(&mut s, &[], &["nope"]).is_err());
        assert!(
            apply(
                &mut s,
                None,
                false,
                Some("2026-11-01".into()),
                false,
                vec![],
                vec![],
                None
            )
            .is_err()
        );
        assert!(apply_posters(&mut s, &["x=11/01/2026"], &[]).is_err());
        let unchanged = apply_posters(&mut s, &[], &[]).unwrap();
        assert_eq!(ProviderFilesArg::Auto.setting(), None);
        assert_eq!(ProviderFilesArg::On.setting(), Some(true));
        assert_eq!(ProviderFilesArg::Off.setting(), Some(false));
        assert!(!unchanged);
    }
}
