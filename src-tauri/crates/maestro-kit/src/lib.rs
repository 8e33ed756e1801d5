//! The connector kit's data: provider files (a provider's API described in TOML), the
//! providers' published specs (trimmed copies, see `specs/SOURCE.md`), and the spec lint that
//! checks one against the other. The engine in `maestro-connectors` and the emulator in
//! `maestro-sandbox` both read the same files; the lint and the emulator's spec checks keep
//! them honest. See `providers/README.md` for how to add a provider.

pub mod builtin;
pub mod declarative;
pub mod file;
pub mod lint;
pub mod openapi;
mod parse;

pub use builtin::{BuiltIn, builtin, builtin_file};
pub use file::ProviderFile;
pub use lint::{LintProblem, lint};
pub use openapi::Spec;
pub use parse::{CATEGORIES, ENTITY_KINDS, FileError};

/// Whole days in an ISO 8601 duration of days or weeks (`P7D`, `P2W`); `None` otherwise.
pub fn days(duration: &str) -> Option<u32> {
    let rest = duration.strip_prefix('P')?;
    if let Some(d) = rest.strip_suffix('D') {
        return d.parse().ok();
    }
    rest.strip_suffix('W')?.parse::<u32>().ok()?.checked_mul(7)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_in_days_and_weeks() {
        assert_eq!(super::days("P7D"), Some(7));
        assert_eq!(super::days("P2W"), Some(14));
        assert_eq!(super::days("PT1H"), None);
        assert_eq!(super::days("7D"), None);
    }
}
