//! `maestro people erase PERSON` and `maestro people erased`: erasing a person from the store
//! (every record, version and trace; the audit chain still verifies) and what the providers
//! still hold of the people erased.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use maestro_app::App;
use maestro_app::erasure::StillHeld;
use maestro_app::people::Person;
use maestro_core::ids::CompanyId;
use maestro_store::erasure;

/// Erases `person` after the owner confirms: `--yes`, or their name typed again at a terminal.
pub async fn erase(
    app: &App,
    company_id: CompanyId,
    person: &Person,
    yes: bool,
) -> Result<ExitCode> {
    let records = person.records.len();
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "erasing cannot be undone: pass --yes to erase {} without asking",
                person.name
            );
        }
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "This erases {} from this computer: {records} linked record(s) in every tool, every \
             version, and every trace (alerts, conflicts, queued writes, audit words). It cannot \
             be undone. The tools themselves still hold them.",
            person.name
        )?;
        write!(out, "Type their name to confirm: ")?;
        out.flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !line.trim().eq_ignore_ascii_case(person.name.trim()) {
            bail!("the name did not match; nothing was erased");
        }
    }
    let report = app
        .erase_person(company_id, person.identity_id, &person.name)
        .await?;
    println!(
        "Erased: {} records with {} versions removed, {} audit entries blanked (the chain still \
         verifies), {} compression dictionaries rebuilt, {} other rows removed. Erasure id {}.",
        report.records,
        report.versions,
        report.audit_entries_blanked,
        report.dictionaries_rebuilt,
        report.other_rows,
        report.erasure_id
    );
    print_held(&report.still_held);
    Ok(ExitCode::SUCCESS)
}

/// Lists what the providers still hold of the people erased, and whether `backup` was made
/// before some erasures (a restore here applies them again).
pub async fn erased(
    app: &App,
    company_id: CompanyId,
    json: bool,
    backup: Option<&Path>,
) -> Result<ExitCode> {
    if let Some(backup) = backup {
        match app.erasures_since_backup(backup).await? {
            0 => eprintln!("{} was made after every erasure.", backup.display()),
            n => eprintln!(
                "{} was made before {n} erasure(s): it still holds those people. Restoring it \
                 here (Settings → Restore) applies the erasures again.",
                backup.display()
            ),
        }
    }
    let held = app.still_held(company_id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&held)?);
        return Ok(ExitCode::SUCCESS);
    }
    if held.is_empty() {
        println!("No erased person is held at a connected tool.");
        return Ok(ExitCode::SUCCESS);
    }
    print_held(&held);
    Ok(ExitCode::SUCCESS)
}

/// One line per person record a tool holds; the records pointing to them (time entries, pay
/// statements…) counted per tool and kind (`--json` lists every one).
fn print_held(held: &[StillHeld]) {
    if held.is_empty() {
        return;
    }
    println!(
        "The tools still hold these records; syncs skip them and tell you. Nothing is written \
         to a tool unless you approve it:"
    );
    let mut others: BTreeMap<(&str, &str), (usize, i64)> = BTreeMap::new();
    for h in held {
        if erasure::is_person_kind(h.kind) {
            let skipped = if h.skipped > 0 {
                format!(" (skipped {} time(s) since)", h.skipped)
            } else {
                String::new()
            };
            println!(
                "  {} {} {}: {}{skipped}",
                h.connection, h.kind, h.remote_id, h.note
            );
        } else {
            let e = others
                .entry((h.connection.as_str(), h.kind.as_str()))
                .or_default();
            e.0 += 1;
            e.1 += h.skipped;
        }
    }
    for ((connection, kind), (n, skipped)) in others {
        let skipped = if skipped > 0 {
            format!(", skipped {skipped} time(s) since")
        } else {
            String::new()
        };
        println!("  {connection}: {n} {kind} record(s) pointing to them{skipped}");
    }
}
