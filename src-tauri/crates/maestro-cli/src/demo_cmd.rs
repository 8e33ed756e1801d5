//! `maestro demo`: the whole product on the built-in sandbox, start to finish, no accounts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use maestro_app::{App, NoProgress, keys};
use maestro_core::clock::SystemClock;
use maestro_sandbox::{Sandbox, SandboxConfig};
use maestro_store::{NewKey, Passphrase};
use maestro_sync::Mode;

use crate::secrets::PASSPHRASE_ENV;

fn demo_key() -> Result<NewKey> {
    let keychain = keys::system_keychain();
    if keychain.is_available() {
        return Ok(NewKey::Keychain(keychain));
    }
    match std::env::var(PASSPHRASE_ENV).ok().filter(|p| !p.is_empty()) {
        Some(p) => Ok(NewKey::Passphrase(Passphrase::new(p))),
        None => anyhow::bail!(
            "no system keychain is available here, so the demo store needs a passphrase: set {PASSPHRASE_ENV} (12+ characters)"
        ),
    }
}

/// Runs the demo of `stack` (see `maestro_app::demo_stacks`) into `dir` (a new folder).
pub async fn run(dir: Option<&Path>, stack: &str) -> Result<ExitCode> {
    let stack = maestro_app::demo_stacks::stack(stack)?;
    let dir: PathBuf = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("maestro-demo-{}", std::process::id())),
    };
    println!("Integration Maestro demo — no accounts needed.\n");
    println!("1. Starting the provider sandbox (local emulators of every provider it has)…");
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    println!(
        "   {} with {} people, on this machine only.",
        sandbox.config().company_name,
        sandbox.config().employees
    );

    println!("2. Creating the encrypted store in {}…", dir.display());
    let app = App::init(
        &dir,
        demo_key()?,
        &sandbox.config().company_name,
        Arc::new(SystemClock),
    )
    .await
    .with_context(|| format!("creating the demo store in {}", dir.display()))?
    .with_actor("demo");
    let status = app.status().await?;
    println!(
        "   SQLCipher {}, key in the {}.",
        status.cipher_version,
        if status.key_source == "keychain" {
            "system keychain"
        } else {
            "passphrase"
        }
    );
    let company = app.company(None).await?;

    println!(
        "3. Connecting the '{}' stack: {} (each connection tested)…",
        stack.name, stack.summary
    );
    let connections = app.connect_demo_stack(&company, &sandbox, stack).await?;
    for c in &connections {
        println!("   ✓ {}", c.display_name);
    }

    println!("4. First full sync…");
    let mut total = 0u64;
    let mut failed = 0;
    for c in &connections {
        let outcomes = app
            .sync_connection(company.id, c.id, None, Mode::Full)
            .await?;
        let mut line = Vec::new();
        for o in &outcomes {
            match (&o.summary, &o.error) {
                (Some(s), _) => {
                    total += s.created;
                    if s.created > 0 {
                        line.push(format!(
                            "{} {}",
                            s.created,
                            o.entity.as_str().replace('_', " ")
                        ));
                    }
                }
                (None, Some(e)) => {
                    failed += 1;
                    line.push(format!("{} failed: {e}", o.entity.as_str()));
                }
                _ => {}
            }
        }
        println!("   {}: {}", c.display_name, line.join(", "));
    }

    let reconciled = app.reconcile(company.id).await?;
    let people = app.people(company.id).await?;
    // The tools that hold people as staff (background checks hold candidates, joined to them).
    let staff = |r: &&maestro_app::people::LinkedRecord| {
        matches!(
            r.kind,
            maestro_core::model::EntityKind::Employee | maestro_core::model::EntityKind::Contractor
        )
    };
    let holding: std::collections::BTreeSet<_> = people
        .iter()
        .flat_map(|p| p.records.iter().filter(staff).map(|r| r.connection_id))
        .collect();
    let across_all = people
        .iter()
        .filter(|p| {
            let mine: std::collections::BTreeSet<_> = p
                .records
                .iter()
                .filter(staff)
                .map(|r| r.connection_id)
                .collect();
            mine.len() >= holding.len()
        })
        .count();
    println!(
        "5. People: {}; {across_all} linked across all {} tools that hold people, {} waiting for you to confirm a link.",
        people_in_all(&people),
        holding.len(),
        reconciled.identities.suggested
    );
    let checks: usize = people.iter().map(|p| p.checks.len()).sum();
    println!(
        "   Background checks: {checks} joined to {} people by the email each candidate gave.",
        people.iter().filter(|p| !p.checks.is_empty()).count()
    );
    let waiting = app.conflicts(company.id, false).await?;
    println!(
        "   Review: {} conflict(s) waiting (differences the rules will not settle alone, such as pay).",
        waiting.len()
    );

    let plan = app.plan_routes(company.id, true).await?;
    let new_writes: Vec<_> = plan.new_writes().collect();
    println!(
        "   Routes (dry run, nothing written): {} write(s) would be queued{}",
        new_writes.len(),
        if new_writes.is_empty() { "." } else { ":" }
    );
    for w in &new_writes {
        println!(
            "   - {} → {}: {}{}",
            w.route.as_str(),
            w.target,
            w.summary,
            if w.requires_approval {
                " (waits for your approval: it changes pay)"
            } else {
                ""
            }
        );
    }
    for note in &plan.notes {
        println!("   · {note}");
    }
    if let Some(h) = &plan.hours {
        let routes = app.route_settings(company.id).await?;
        let tracker = connections
            .iter()
            .find(|c| Some(c.id) == routes.time_tracking)
            .map_or("the time tracker", |c| c.display_name.as_str());
        println!(
            "   Hours for payroll {} to {}: {} h for {} people, summed exactly from {tracker}.",
            h.period.start,
            h.period.end,
            h.total,
            h.employees.len()
        );
    }

    let alerts = app.open_alerts(company.id).await?;
    println!(
        "6. Needs attention: {}",
        if alerts.is_empty() {
            "nothing".to_owned()
        } else {
            format!("{} alert(s)", alerts.len())
        }
    );
    for a in &alerts {
        println!(
            "   - {} ({})",
            a.title,
            a.action.as_deref().unwrap_or("review")
        );
    }

    let verification = app.verify_audit(&NoProgress).await?;
    println!(
        "7. Audit log: {} entries, {}.",
        verification.entries,
        if verification.is_intact() {
            "chain intact"
        } else {
            "CHAIN BROKEN"
        }
    );

    println!(
        "\nSummary: {total} records stored from {} providers in an encrypted store; {} sync step(s) failed; audit log {}.",
        connections.len(),
        failed,
        if verification.is_intact() {
            "intact"
        } else {
            "broken"
        }
    );
    println!(
        "Look around: maestro --data-dir {} status   (the sandbox stops now; the data stays)",
        dir.display()
    );
    app.close().await;
    sandbox.shutdown().await;
    Ok(if failed == 0 && verification.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// "26 in all: 25 employees and 1 contractor (in Harvest only)": who the people are, so a
/// count above the company's headcount explains itself.
fn people_in_all(people: &[maestro_app::people::Person]) -> String {
    use maestro_core::model::EntityKind::{Contractor, Employee};
    let has = |p: &maestro_app::people::Person, kind| p.records.iter().any(|r| r.kind == kind);
    let employees = people.iter().filter(|p| has(p, Employee)).count();
    let contractors: Vec<_> = people
        .iter()
        .filter(|p| !has(p, Employee) && has(p, Contractor))
        .collect();
    let others = people.len() - employees - contractors.len();
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![count(employees, "employee", "employees")];
    if !contractors.is_empty() {
        let tools: std::collections::BTreeSet<&str> = contractors
            .iter()
            .flat_map(|p| p.records.iter().map(|r| r.connection.as_str()))
            .collect();
        let only = match tools.iter().next() {
            Some(tool) if tools.len() == 1 => format!(" (in {tool} only)"),
            _ => String::new(),
        };
        parts.push(format!(
            "{}{only}",
            count(contractors.len(), "contractor", "contractors")
        ));
    }
    if others > 0 {
        parts.push(count(others, "other person", "other people"));
    }
    let listed = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    };
    format!("{} in all: {listed}", people.len())
}
