//! Reading passphrases: from the environment for automation, else from the terminal without
//! echo. Never from arguments (they show in process lists and shell history).

use std::io::IsTerminal;

use anyhow::{Result, bail};
use maestro_store::Passphrase;

/// The store passphrase variable.
pub const PASSPHRASE_ENV: &str = "MAESTRO_PASSPHRASE";
/// The backup passphrase variable.
pub const BACKUP_PASSPHRASE_ENV: &str = "MAESTRO_BACKUP_PASSPHRASE";
/// The new passphrase when changing it.
pub const NEW_PASSPHRASE_ENV: &str = "MAESTRO_NEW_PASSPHRASE";

fn from_env(var: &str) -> Option<Passphrase> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Passphrase::new)
}

/// An existing passphrase: `var`, else a prompt, else `None` when there is no terminal.
pub fn existing(var: &str, prompt: &str) -> Result<Option<Passphrase>> {
    if let Some(p) = from_env(var) {
        return Ok(Some(p));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    Ok(Some(Passphrase::new(rpassword::prompt_password(prompt)?)))
}

/// A new passphrase: `var`, else typed twice at a prompt.
pub fn new(var: &str, what: &str) -> Result<Passphrase> {
    if let Some(p) = from_env(var) {
        p.check_strength()?;
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{what} is needed: set {var} (no terminal to ask on)");
    }
    loop {
        let first = rpassword::prompt_password(format!("New {what}: "))?;
        let p = Passphrase::new(first.clone());
        if let Err(e) = p.check_strength() {
            eprintln!("{e}");
            continue;
        }
        let again = rpassword::prompt_password(format!("Repeat the {what}: "))?;
        if again == first {
            return Ok(p);
        }
        eprintln!("The two entries differ; try again.");
    }
}
