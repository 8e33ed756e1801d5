//! Payroll tax filings a full-service payroll files for the employer. Gusto, ADP Workforce Now
//! and Paychex Flex file the federal payroll returns and make the deposits themselves, so the
//! calendar shows those items as information ("Gusto files this for you — check it was
//! filed") and raises no alert for them. The owner's setting
//! ([`CalendarSettings::provider_files_taxes`]) turns this off or on; by default it is on when
//! such a payroll is connected. QuickBooks Online Payroll Core files too, but the QuickBooks
//! connector does not read payroll, so it is not listed.

use super::{CalendarSettings, CompanyFacts, Due};

/// A federal filing or deposit on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    /// Form 941, quarterly.
    Form941,
    /// Form 940, yearly.
    Form940,
    /// Forms W-2 and W-3.
    W2,
    /// Forms 1099-NEC.
    Form1099Nec,
    /// A monthly federal tax deposit.
    Deposit,
}

impl Filing {
    /// The filing a calendar item id names (`form941:2026-Q1` → 941), if any.
    pub fn of_id(id: &str) -> Option<Filing> {
        let kind = id.split(':').next()?;
        Some(match kind {
            "form941" => Filing::Form941,
            "form940" => Filing::Form940,
            "w2" => Filing::W2,
            "1099nec" => Filing::Form1099Nec,
            "deposit" => Filing::Deposit,
            _ => return None,
        })
    }
}

/// A full-service payroll and what it files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullService {
    /// The connector id.
    pub provider: &'static str,
    /// The filings and deposits it makes for the employer.
    pub files: &'static [Filing],
    /// Where that comes from.
    pub source: &'static str,
}

/// The full-service payrolls Maestro connects to.
pub const FULL_SERVICE: &[FullService] = &[
    // support.gusto.com, "Add or edit your federal and state tax details": "As a full-service
    // payroll provider, we take care of your federal tax returns and deposits"; the forms Gusto
    // files include 941, 940, W-2/W-3 and 1099/1096 (its list of forms filed).
    FullService {
        provider: "gusto",
        files: &[
            Filing::Form941,
            Filing::Form940,
            Filing::W2,
            Filing::Form1099Nec,
            Filing::Deposit,
        ],
        source: "Gusto: \"As a full-service payroll provider, we take care of your federal tax \
                 returns and deposits\" (support.gusto.com); its forms filed list 941, 940, \
                 W-2/W-3 and 1099",
    },
    // ADP Workforce Now with ADP's tax filing service: the federal payroll returns, W-2s and
    // deposits. Contractors' 1099-NECs are not assumed (not verified in this project's
    // sources).
    FullService {
        provider: "adp",
        files: &[
            Filing::Form941,
            Filing::Form940,
            Filing::W2,
            Filing::Deposit,
        ],
        source: "ADP Workforce Now's payroll tax filing service (unverified in this \
                 project's sources): federal returns, W-2s and deposits",
    },
    // Paychex Flex with Paychex Taxpay (Tax Payment Services): federal withholding, FICA and
    // FUTA deposits and returns, and W-2s. 1099-NECs are not assumed.
    FullService {
        provider: "paychex",
        files: &[
            Filing::Form941,
            Filing::Form940,
            Filing::W2,
            Filing::Deposit,
        ],
        source: "Paychex Flex with Paychex Taxpay (Tax Payment Services): federal payroll tax \
                 deposits and returns, W-2s (unverified in this project's sources)",
    },
];

/// The full-service payroll with connector id `provider`, if it is one.
pub fn full_service(provider: &str) -> Option<&'static FullService> {
    FULL_SERVICE.iter().find(|f| f.provider == provider)
}

/// The connected full-service payroll as the calendar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollFiler {
    /// Its connector id ("gusto").
    pub provider: String,
    /// Its name ("Gusto").
    pub name: String,
}

/// Whether the owner's setting lets the connected payroll's filings be shown as information.
pub fn applies(facts: &CompanyFacts, settings: &CalendarSettings) -> bool {
    facts.payroll_filer.is_some() && settings.provider_files_taxes != Some(false)
}

/// The payroll that files `item` for the employer, when the setting applies and it files that
/// kind of item: its name and the source that says so.
pub fn filer_of<'a>(
    item: &Due,
    facts: &'a CompanyFacts,
    settings: &CalendarSettings,
) -> Option<(&'a str, &'static str)> {
    if !applies(facts, settings) {
        return None;
    }
    let filer = facts.payroll_filer.as_ref()?;
    let service = full_service(&filer.provider)?;
    let filing = Filing::of_id(&item.id)?;
    service
        .files
        .contains(&filing)
        .then_some((filer.name.as_str(), service.source))
}
