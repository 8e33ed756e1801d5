//! `maestro people`: the unified roster — one row per person across providers, where each value
//! came from, and the owner's confirm / split / merge decisions. Birth dates are never printed:
//! only whether they are on file and agree.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use maestro_app::App;
use maestro_app::people::{LinkedRecord, Person};
use maestro_core::ids::CompanyId;
use maestro_sync::identity::{LinkStatus, Method};

/// `maestro people` arguments.
#[derive(Debug, Args)]
pub struct PeopleCommand {
    /// What to do (default: list everyone).
    #[command(subcommand)]
    pub action: Option<PeopleAction>,
    /// The company (id or name); needed when there are several.
    #[arg(long, global = true)]
    pub company: Option<String>,
}

/// `maestro people` subcommands.
#[derive(Debug, Subcommand)]
pub enum PeopleAction {
    /// One row per person: name, work email, the systems they are in, and how sure the link is.
    List {
        /// Only people with a suggested link waiting for you.
        #[arg(long)]
        review: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Every field of one person with the system each value came from, and the linked records.
    Show {
        /// The person: the id from the list (or its end), a work email, or a unique name.
        person: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Confirm that the records now linked to a person are all that person.
    Confirm {
        /// The person (id, work email or name).
        person: String,
    },
    /// Take one record out of its person: it stands alone from now on.
    Split {
        /// The record: provider:remote-id as `show` prints it (e.g. gusto:8f2c…), or its id.
        record: String,
    },
    /// Everything held about one person (a data access request): every version of every
    /// record from every tool, their links, conflicts, queued writes, alerts and the audit
    /// entries that touched them, as JSON plus a printable HTML summary. Includes their SSN,
    /// birth date and bank numbers when stored; the export is audited.
    Export {
        /// The person (id, work email or name).
        person: String,
        /// A folder for `person-<id>-<day>.json|html`, or a file name whose .json and .html
        /// are written (default: the current folder).
        #[arg(long, value_name = "DIR|FILE", default_value = ".")]
        out: PathBuf,
    },
    /// Erase a person from this computer: every record of theirs in every tool, every
    /// version and every trace; the audit chain still verifies. Asks for their name unless
    /// --yes. The tools still hold them: `people erased` lists what.
    Erase {
        /// The person (id, work email or name).
        person: String,
        /// Do not ask: erase at once.
        #[arg(long)]
        yes: bool,
    },
    /// What the tools still hold of the people erased (syncs skip those records).
    Erased {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Also say whether this backup file predates erasures (restoring it here applies
        /// them again).
        #[arg(long, value_name = "FILE")]
        backup: Option<PathBuf>,
    },
    /// Make two people one: the second person's records join the first.
    Merge {
        /// The person to keep.
        keep: String,
        /// The person whose records join the first.
        other: String,
    },
}

/// Runs a `maestro people` command.
pub async fn run(app: &App, cmd: PeopleCommand) -> Result<ExitCode> {
    let company = app.company(cmd.company.as_deref()).await?;
    let summary = app.resolve_identities(company.id).await?;
    if summary.changed > 0 {
        eprintln!(
            "Matched {} records ({} links updated, {} new people).",
            summary.records, summary.changed, summary.created
        );
    }
    match cmd.action.unwrap_or(PeopleAction::List {
        review: false,
        json: false,
    }) {
        PeopleAction::List { review, json } => {
            let people: Vec<Person> = app
                .people(company.id)
                .await?
                .into_iter()
                .filter(|p| !review || p.needs_review)
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&people)?);
            } else {
                print_table(&people);
            }
        }
        PeopleAction::Show { person, json } => {
            let people = app.people(company.id).await?;
            let p = find_person(&people, &person)?;
            if json {
                println!("{}", serde_json::to_string_pretty(p)?);
            } else {
                print_person(p);
            }
        }
        PeopleAction::Confirm { person } => {
            let people = app.people(company.id).await?;
            let p = find_person(&people, &person)?;
            let Some(first) = p.records.first() else {
                bail!("{} has no records to confirm", p.name);
            };
            app.confirm_link(company.id, first.record_id).await?;
            println!(
                "Confirmed: {} is one person across {}.",
                p.name,
                systems(&p.records)
            );
        }
        PeopleAction::Split { record } => split(app, company.id, &record).await?,
        PeopleAction::Export { person, out } => {
            let people = app.people(company.id).await?;
            let p = find_person(&people, &person)?;
            let files = app.export_person(company.id, p.identity_id, &out).await?;
            println!(
                "Exported everything held about {}: {} records with {} versions, {} audit entries.",
                p.name, files.records, files.versions, files.audit_entries
            );
            println!("  {}", files.json.display());
            println!("  {}", files.html.display());
            println!(
                "These files hold the person's SSN, birth date and bank numbers if they are stored: hand them over securely."
            );
        }
        PeopleAction::Erase { person, yes } => {
            let people = app.people(company.id).await?;
            let p = find_person(&people, &person)?;
            return crate::erase_cmd::erase(app, company.id, p, yes).await;
        }
        PeopleAction::Erased { json, backup } => {
            return crate::erase_cmd::erased(app, company.id, json, backup.as_deref()).await;
        }
        PeopleAction::Merge { keep, other } => {
            let people = app.people(company.id).await?;
            let a = find_person(&people, &keep)?;
            let b = find_person(&people, &other)?;
            if a.identity_id == b.identity_id {
                bail!("'{keep}' and '{other}' are already the same person");
            }
            app.merge(company.id, a.identity_id, b.identity_id).await?;
            println!(
                "Merged {} into {} ({}); they stay together.",
                b.name,
                a.name,
                short(&a.identity_id.to_string())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn split(app: &App, company: CompanyId, selector: &str) -> Result<()> {
    let people = app.people(company).await?;
    let mut found = Vec::new();
    for p in &people {
        for r in &p.records {
            let id = r.record_id.to_string();
            if record_ref(r).eq_ignore_ascii_case(selector)
                || id == selector
                || (selector.len() >= 6 && id.ends_with(selector))
            {
                found.push((p, r));
            }
        }
    }
    let (p, r) = match found.as_slice() {
        [one] => *one,
        [] => bail!(
            "no record '{selector}'; `maestro people show PERSON` lists each person's records"
        ),
        _ => bail!("'{selector}' names several records; use the record id from `--json`"),
    };
    if p.records.len() == 1 && r.status == LinkStatus::Split {
        println!("{} is already on its own.", record_ref(r));
        return Ok(());
    }
    let identity = app.split(company, r.record_id).await?;
    println!(
        "{} ({}) is now a person of its own ({}); it will not be matched again.",
        record_ref(r),
        r.connection,
        short(&identity.to_string())
    );
    Ok(())
}

/// The last 8 hex digits of an identity id: its random part (the start is a timestamp shared
/// by ids made together).
fn short(id: &str) -> String {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    hex[hex.len().saturating_sub(8)..].to_owned()
}

fn record_ref(r: &LinkedRecord) -> String {
    format!("{}:{}", r.provider, r.remote_id)
}

fn find_person<'a>(people: &'a [Person], selector: &str) -> Result<&'a Person> {
    let sel = selector.trim();
    let lower = sel.to_lowercase();
    let hex: String = lower.chars().filter(|c| *c != '-').collect();
    let by_id: Vec<&Person> = people
        .iter()
        .filter(|p| {
            let id: String = p.identity_id.to_string().replace('-', "");
            id == hex || (hex.len() >= 6 && id.ends_with(&hex))
        })
        .collect();
    let by_email: Vec<&Person> = people
        .iter()
        .filter(|p| {
            p.fields
                .iter()
                .filter(|f| f.field == "work_email")
                .flat_map(|f| &f.values)
                .any(|v| v.value.to_lowercase() == lower)
        })
        .collect();
    let by_name: Vec<&Person> = people
        .iter()
        .filter(|p| p.name.to_lowercase() == lower)
        .collect();
    for matches in [by_id, by_email, by_name] {
        match matches.as_slice() {
            [one] => return Ok(one),
            [] => {}
            several => bail!(
                "'{sel}' fits {} people ({}); use the id from `maestro people`",
                several.len(),
                several
                    .iter()
                    .map(|p| short(&p.identity_id.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
    bail!("no person '{sel}'; `maestro people` lists everyone with their id")
}

fn systems(records: &[LinkedRecord]) -> String {
    let mut names: Vec<&str> = records.iter().map(|r| r.connection.as_str()).collect();
    names.dedup();
    names.join(", ")
}

/// How a person's records hang together, in a few words: the weakest link decides.
fn match_text(p: &Person) -> String {
    if let Some(s) = p.records.iter().find(|r| r.status == LinkStatus::Suggested) {
        return format!(
            "REVIEW: {} ({}) — confirm or split",
            s.method.describe(),
            s.confidence
        );
    }
    if p.records.len() == 1 {
        return match p.records[0].status {
            LinkStatus::Split => "split off by you".into(),
            _ => "only in one system".into(),
        };
    }
    if p.records.iter().all(|r| r.status == LinkStatus::Confirmed) {
        return "confirmed by you".into();
    }
    let weakest = p
        .records
        .iter()
        .filter(|r| r.method != Method::Owner)
        .min_by_key(|r| r.confidence);
    match weakest {
        Some(r) => format!("{} ({})", r.method.describe(), r.confidence),
        None => "linked by you".into(),
    }
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn print_table(people: &[Person]) {
    if people.is_empty() {
        println!("No people yet: connect a system with `maestro connect` and run `maestro sync`.");
        return;
    }
    println!(
        "{:<8}  {:<24}  {:<32}  {:<26}  MATCH",
        "PERSON", "NAME", "WORK EMAIL", "SYSTEMS"
    );
    for p in people {
        println!(
            "{:<8}  {:<24}  {:<32}  {:<26}  {}",
            short(&p.identity_id.to_string()),
            cut(&p.name, 24),
            cut(p.work_email.as_deref().unwrap_or("—"), 32),
            cut(&systems(&p.records), 26),
            match_text(p)
        );
    }
    let review = people.iter().filter(|p| p.needs_review).count();
    println!(
        "\n{} people{}",
        people.len(),
        if review > 0 {
            format!("; {review} to review (`maestro people show ID`, then `confirm` or `split`)")
        } else {
            String::new()
        }
    );
}

fn print_person(p: &Person) {
    println!("{}  (person {})", p.name, short(&p.identity_id.to_string()));
    println!();
    println!(
        "{:<18}  {:<40}  {:<10}  OTHER SYSTEMS",
        "FIELD", "VALUE", "FROM"
    );
    for f in &p.fields {
        let others: Vec<String> = f
            .values
            .iter()
            .skip(1)
            .filter(|v| f.field == "date_of_birth" || v.value != f.value)
            .map(|v| format!("{}: {}", v.provider, v.value))
            .collect();
        let value = if f.field == "date_of_birth" {
            match (f.values.len(), f.agree) {
                (1, _) => "on file".to_owned(),
                (n, true) => format!("on file, the same in {n} systems"),
                (_, false) => "on file, DIFFERS between systems".to_owned(),
            }
        } else {
            f.value.clone()
        };
        let others = if f.field == "date_of_birth" {
            String::new()
        } else if others.is_empty() && f.values.len() > 1 {
            "same everywhere".to_owned()
        } else {
            others.join("; ")
        };
        println!(
            "{:<18}  {:<40}  {:<10}  {}",
            f.label,
            cut(&value, 40),
            f.source,
            others
        );
    }
    println!();
    let width = p
        .records
        .iter()
        .map(|r| record_ref(r).chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    println!(
        "{:<width$}  {:<12}  {:<10}  {:<26}  {:<5}  STATUS",
        "RECORD", "SYSTEM", "KIND", "MATCHED ON", "SURE"
    );
    for r in &p.records {
        println!(
            "{:<width$}  {:<12}  {:<10}  {:<26}  {:<5}  {}",
            record_ref(r),
            cut(&r.connection, 12),
            r.kind.as_str(),
            r.method.describe(),
            r.confidence.to_string(),
            r.status
        );
    }
    if p.needs_review {
        println!(
            "\nA link is only suggested. `maestro people confirm {}` if this is one person, or \
             `maestro people split RECORD` for the record that is someone else.",
            short(&p.identity_id.to_string())
        );
    }
}
