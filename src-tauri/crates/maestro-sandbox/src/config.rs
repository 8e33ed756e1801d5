//! Sandbox configuration: which company to seed, how much data, faults and rate limits.

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::faults::FaultPlan;

/// One of the emulated providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Gusto (payroll), `https://api.gusto.com`.
    Gusto,
    /// BambooHR (HRIS), `https://{companyDomain}.bamboohr.com`.
    #[serde(rename = "bamboohr")]
    BambooHr,
    /// Harvest (time tracking), `https://api.harvestapp.com` + `https://id.getharvest.com`.
    Harvest,
    /// Toggl Track (time tracking), `https://api.track.toggl.com`: emulated from its provider file.
    Toggl,
    /// Clockify (time tracking), `https://api.clockify.me/api`: emulated from its provider file.
    Clockify,
    /// Rippling (HRIS), `https://rest.ripplingapis.com`: emulated from its provider file.
    Rippling,
    /// Checkr (background checks), `https://api.checkr.com/v1`: emulated from its provider file.
    Checkr,
    /// GoodHire (background checks), `https://api.goodhire.com`: emulated from its provider file.
    GoodHire,
    /// Zenefits (TriNet HR Platform, HRIS), `https://api.zenefits.com`: emulated from its
    /// provider file (documentation-only: no published spec).
    Zenefits,
    /// Justworks (PEO payroll), `https://public-api.justworks.com`: emulated from its provider
    /// file (an unofficial spec), with its OAuth authorization-code sign-in.
    Justworks,
    /// TriNet (PEO, HRIS), `https://api.trinet.com/v1`: emulated from its provider file
    /// (documentation-only: no published spec), with its client-credentials token endpoint.
    #[serde(rename = "trinet")]
    TriNet,
    /// ADP Workforce Now (payroll), `https://api.adp.com`: emulated from its provider file
    /// (Ballerina's derivation of ADP's specs), served over mutual TLS with a test CA, with its
    /// client-credentials token endpoint.
    Adp,
    /// Paychex Flex (payroll), `https://api.paychex.com`: emulated from its provider file (its
    /// published External API), with its client-credentials token endpoint and vendor media types.
    Paychex,
    /// QuickBooks Online (payroll), `https://quickbooks.api.intuit.com`: emulated from its
    /// provider file (no OpenAPI: a transcription of Intuit's XSDs), with its OAuth sign-in,
    /// query language and change data capture.
    #[serde(rename = "quickbooks")]
    QuickBooks,
}

impl Provider {
    /// All providers, in a stable order.
    pub const ALL: [Provider; 14] = [
        Provider::Gusto,
        Provider::BambooHr,
        Provider::Harvest,
        Provider::Toggl,
        Provider::Clockify,
        Provider::Rippling,
        Provider::Checkr,
        Provider::GoodHire,
        Provider::Zenefits,
        Provider::Justworks,
        Provider::TriNet,
        Provider::Paychex,
        Provider::QuickBooks,
        Provider::Adp,
    ];

    /// Lower-case name used on the CLI and in `/_sandbox` JSON.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Gusto => "gusto",
            Provider::BambooHr => "bamboohr",
            Provider::Harvest => "harvest",
            Provider::Toggl => "toggl",
            Provider::Clockify => "clockify",
            Provider::Rippling => "rippling",
            Provider::Checkr => "checkr",
            Provider::GoodHire => "goodhire",
            Provider::Zenefits => "zenefits",
            Provider::Justworks => "justworks",
            Provider::TriNet => "trinet",
            Provider::Adp => "adp",
            Provider::Paychex => "paychex",
            Provider::QuickBooks => "quickbooks",
        }
    }
}

/// A value per provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de> + Default"))]
pub struct PerProvider<T> {
    /// Gusto's value.
    pub gusto: T,
    /// BambooHR's value.
    pub bamboohr: T,
    /// Harvest's value.
    pub harvest: T,
    /// Toggl Track's value.
    #[serde(default)]
    pub toggl: T,
    /// Clockify's value.
    #[serde(default)]
    pub clockify: T,
    /// Rippling's value.
    #[serde(default)]
    pub rippling: T,
    /// Checkr's value.
    #[serde(default)]
    pub checkr: T,
    /// GoodHire's value.
    #[serde(default)]
    pub goodhire: T,
    /// Zenefits' value.
    #[serde(default)]
    pub zenefits: T,
    /// Justworks' value.
    #[serde(default)]
    pub justworks: T,
    /// TriNet's value.
    #[serde(default)]
    pub trinet: T,
    /// ADP Workforce Now's value.
    #[serde(default)]
    pub adp: T,
    /// Paychex Flex's value.
    #[serde(default)]
    pub paychex: T,
    /// QuickBooks Online's value.
    #[serde(default)]
    pub quickbooks: T,
}

impl<T> PerProvider<T> {
    /// The value for `provider`.
    pub fn get(&self, provider: Provider) -> &T {
        match provider {
            Provider::Gusto => &self.gusto,
            Provider::BambooHr => &self.bamboohr,
            Provider::Harvest => &self.harvest,
            Provider::Toggl => &self.toggl,
            Provider::Clockify => &self.clockify,
            Provider::Rippling => &self.rippling,
            Provider::Checkr => &self.checkr,
            Provider::GoodHire => &self.goodhire,
            Provider::Zenefits => &self.zenefits,
            Provider::Justworks => &self.justworks,
            Provider::TriNet => &self.trinet,
            Provider::Adp => &self.adp,
            Provider::Paychex => &self.paychex,
            Provider::QuickBooks => &self.quickbooks,
        }
    }
}

/// A request budget: at most `max_requests` within any rolling `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub max_requests: u32,
    /// Rolling window length.
    pub window: Duration,
}

impl RateLimit {
    /// Gusto: 200 requests per 60 s rolling window (docs.gusto.com rate-limits).
    pub const GUSTO: RateLimit = RateLimit {
        max_requests: 200,
        window: Duration::from_secs(60),
    };
    /// Harvest: 100 requests per 15 s (help.getharvest.com api-v2 overview; reports endpoints are
    /// stricter, 100 per 15 min, which the emulator does not model since it has no reports).
    pub const HARVEST: RateLimit = RateLimit {
        max_requests: 100,
        window: Duration::from_secs(15),
    };
    /// BambooHR: the real numbers are undisclosed ("we may throttle"); 20 requests per second is an
    /// assumption chosen to be plausible, not a documented figure.
    pub const BAMBOOHR: RateLimit = RateLimit {
        max_requests: 20,
        window: Duration::from_secs(1),
    };
    /// Toggl Track: about one request a second per token (developers.track.toggl.com).
    pub const TOGGL: RateLimit = RateLimit {
        max_requests: 1,
        window: Duration::from_secs(1),
    };
    /// Clockify: 50 requests a second (spec info.description, "Rate limiting").
    pub const CLOCKIFY: RateLimit = RateLimit {
        max_requests: 50,
        window: Duration::from_secs(1),
    };
    /// Rippling: not published; 5 requests a second, the figure its provider file assumes.
    pub const RIPPLING: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// Checkr: 1200 requests a minute across the account (spec info.description, "Rate
    /// limiting").
    pub const CHECKR: RateLimit = RateLimit {
        max_requests: 1200,
        window: Duration::from_secs(60),
    };
    /// GoodHire: not published; 5 requests a second, the figure its provider file assumes.
    pub const GOODHIRE: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// Zenefits: not documented; 5 requests a second, the figure its provider file assumes.
    pub const ZENEFITS: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// Justworks: not published; 5 requests a second, the figure its provider file assumes.
    pub const JUSTWORKS: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// TriNet: not documented (a quota per client may apply); 5 requests a second, the
    /// figure its provider file assumes.
    pub const TRINET: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// ADP: not published; 3 requests a second, the figure its provider file assumes.
    pub const ADP: RateLimit = RateLimit {
        max_requests: 3,
        window: Duration::from_secs(1),
    };
    /// Paychex: not published; 5 requests a second, the figure its provider file assumes.
    pub const PAYCHEX: RateLimit = RateLimit {
        max_requests: 5,
        window: Duration::from_secs(1),
    };
    /// QuickBooks Online: 10 requests a second per company and app (Intuit's limits and
    /// throttles page; 500 a minute per company too).
    pub const QUICKBOOKS: RateLimit = RateLimit {
        max_requests: 10,
        window: Duration::from_secs(1),
    };
}

/// Everything [`crate::Sandbox::start`] needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxConfig {
    /// Seed for all generated data (names, ids, tokens, hours).
    pub seed: u64,
    /// Company display name.
    pub company_name: String,
    /// Number of people employed (the same people exist in all three providers).
    pub employees: usize,
    /// Total Harvest time entries; `None` = realistic: ~8 weeks of weekday shifts for hourly staff.
    pub time_entries: Option<usize>,
    /// Inject the demo's cross-system differences (a pay-rate mismatch, a person terminated in
    /// BambooHR but active in Gusto, a Harvest-only contractor).
    pub discrepancies: bool,
    /// The "today" the data is generated around; `None` = the current UTC date. Fix it in tests that
    /// compare two runs across midnight.
    pub today: Option<NaiveDate>,
    /// Faults armed at start.
    pub faults: PerProvider<FaultPlan>,
    /// Per-provider rate limit; `None` disables limiting.
    pub rate_limits: PerProvider<Option<RateLimit>>,
    /// The providers that hold all `employees` people; `None` = every provider. The others
    /// hold the first [`SandboxConfig::FEW_PEOPLE`] of them (same company, ids and secrets),
    /// so a benchmark can seed 100,000 people into the one provider it measures in bounded
    /// time and memory.
    #[serde(default)]
    pub seeded: Option<Vec<Provider>>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            company_name: "Bluebird Bakery & Café".to_string(),
            employees: 25,
            time_entries: None,
            discrepancies: true,
            today: None,
            faults: PerProvider::default(),
            rate_limits: PerProvider {
                gusto: Some(RateLimit::GUSTO),
                bamboohr: Some(RateLimit::BAMBOOHR),
                harvest: Some(RateLimit::HARVEST),
                toggl: Some(RateLimit::TOGGL),
                clockify: Some(RateLimit::CLOCKIFY),
                rippling: Some(RateLimit::RIPPLING),
                checkr: Some(RateLimit::CHECKR),
                goodhire: Some(RateLimit::GOODHIRE),
                zenefits: Some(RateLimit::ZENEFITS),
                justworks: Some(RateLimit::JUSTWORKS),
                trinet: Some(RateLimit::TRINET),
                adp: Some(RateLimit::ADP),
                paychex: Some(RateLimit::PAYCHEX),
                quickbooks: Some(RateLimit::QUICKBOOKS),
            },
            seeded: None,
        }
    }
}

impl SandboxConfig {
    /// How many people a provider outside [`SandboxConfig::seeded`] holds (the default
    /// company's size).
    pub const FEW_PEOPLE: usize = 25;

    /// Whether `provider` holds all `employees` people.
    pub fn seeds(&self, provider: Provider) -> bool {
        self.seeded.as_ref().is_none_or(|s| s.contains(&provider))
    }

    /// The configured or current date the data is anchored on.
    pub fn anchor_date(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}
