//! Deterministic company data shared by all three providers: the same people, departments and
//! locations, generated from one seed with `StdRng::seed_from_u64`.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::SandboxConfig;

const FIRST: &[&str] = &[
    "Maya", "Jordan", "Priya", "Luis", "Hannah", "Marcus", "Sofia", "Ethan", "Aisha", "Noah",
    "Grace", "Diego", "Chloe", "Samuel", "Leah", "Omar", "Emily", "Tomas", "Nora", "Isaac", "Ava",
    "Kenji", "Rachel", "Mateo", "Zoe", "Daniel", "Fatima", "Caleb", "Lucia", "Owen", "Mei",
    "Elijah", "Ingrid", "Andre", "Julia", "Rafael", "Tessa", "Victor", "Amara", "Felix",
];
const LAST: &[&str] = &[
    "Alvarez",
    "Bennett",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Underwood",
    "Vasquez",
    "Walsh",
    "Yilmaz",
    "Zhang",
    "Brooks",
    "Castillo",
    "Foster",
    "Kim",
    "Romero",
];
const SHIRTS: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];

/// A department of the seeded company.
#[derive(Debug, Clone)]
pub struct DepartmentSeed {
    /// Title, e.g. "Kitchen".
    pub title: &'static str,
    /// Gusto department uuid.
    pub gusto_uuid: String,
    /// BambooHR list-option id.
    pub bamboo_id: u32,
}

/// A work location (café) of the seeded company.
#[derive(Debug, Clone)]
pub struct LocationSeed {
    /// Display name, e.g. "Mission Café".
    pub name: &'static str,
    /// Street line.
    pub street: &'static str,
    /// City.
    pub city: &'static str,
    /// Two-letter state.
    pub state: &'static str,
    /// ZIP code.
    pub zip: &'static str,
    /// IANA time zone.
    pub time_zone: &'static str,
    /// Phone number (10 digits).
    pub phone: &'static str,
    /// Gusto location uuid.
    pub gusto_uuid: String,
    /// BambooHR location id.
    pub bamboo_id: u32,
}

impl LocationSeed {
    /// Harvest's Rails-style zone name for an IANA zone.
    pub fn harvest_zone(iana: &str) -> &'static str {
        match iana {
            "America/Denver" => "Mountain Time (US & Canada)",
            "America/Chicago" => "Central Time (US & Canada)",
            "America/New_York" => "Eastern Time (US & Canada)",
            _ => "Pacific Time (US & Canada)",
        }
    }
}

/// How a person is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pay {
    /// Hourly at the given rate (USD/hour).
    Hourly(Decimal),
    /// Salaried at the given annual salary (USD/year).
    Salary(Decimal),
}

impl Pay {
    /// The rate as a decimal.
    pub fn rate(self) -> Decimal {
        match self {
            Pay::Hourly(r) | Pay::Salary(r) => r,
        }
    }
    /// Whether paid by the hour.
    pub fn is_hourly(self) -> bool {
        matches!(self, Pay::Hourly(_))
    }
    /// Equivalent hourly cost (salary / 2080).
    pub fn hourly_equivalent(self) -> Decimal {
        match self {
            Pay::Hourly(r) => r,
            Pay::Salary(s) => (s / Decimal::from(2080)).round_dp(2),
        }
    }
}

/// One person of the seeded company, with their ids in every provider.
#[derive(Debug, Clone)]
pub struct Person {
    /// Position in the roster (0-based).
    pub index: usize,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// `first.last@bluebird.example`.
    pub work_email: String,
    /// Personal email.
    pub home_email: String,
    /// Mobile phone.
    pub phone: String,
    /// Index into [`Company::departments`].
    pub department: usize,
    /// Index into [`Company::locations`].
    pub location: usize,
    /// Job title.
    pub title: &'static str,
    /// Pay, as the HRIS (BambooHR) knows it.
    pub pay: Pay,
    /// Pay as Gusto knows it (differs from `pay` for the discrepancy person).
    pub gusto_pay: Pay,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Termination date in BambooHR (HRIS truth).
    pub terminated_on: Option<NaiveDate>,
    /// Whether Gusto has processed the termination (false for the discrepancy person).
    pub terminated_in_gusto: bool,
    /// Custom field `customShirtSize`.
    pub shirt_size: &'static str,
    /// Full-time or part-time.
    pub full_time: bool,
    /// Gusto employee uuid.
    pub gusto_uuid: String,
    /// Gusto job uuid.
    pub gusto_job_uuid: String,
    /// Gusto compensation uuid.
    pub gusto_compensation_uuid: String,
    /// BambooHR employee id ("101", "102", ...).
    pub bamboo_id: u32,
    /// Harvest user id.
    pub harvest_id: u64,
    /// Index of the manager in the roster, if any.
    pub manager: Option<usize>,
}

impl Person {
    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A contractor who exists only in Harvest.
#[derive(Debug, Clone)]
pub struct ContractorSeed {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email (own business domain).
    pub email: String,
    /// Hourly rate.
    pub rate: Decimal,
    /// Harvest user id.
    pub harvest_id: u64,
}

/// Secrets and ids shared by the providers, all derived from the seed.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// Gusto OAuth client id.
    pub gusto_client_id: String,
    /// Gusto OAuth client secret.
    pub gusto_client_secret: String,
    /// Pre-issued Gusto company access token.
    pub gusto_access_token: String,
    /// Pre-issued Gusto refresh token.
    pub gusto_refresh_token: String,
    /// Gusto webhook subscription verification token (HMAC key).
    pub gusto_verification_token: String,
    /// Gusto webhook subscription uuid.
    pub gusto_webhook_subscription_uuid: String,
    /// BambooHR API key (40 hex chars).
    pub bamboo_api_key: String,
    /// BambooHR webhook private key.
    pub bamboo_webhook_private_key: String,
    /// Harvest personal access token.
    pub harvest_pat: String,
    /// Harvest account id.
    pub harvest_account_id: u64,
    /// Harvest OAuth client id.
    pub harvest_client_id: String,
    /// Harvest OAuth client secret.
    pub harvest_client_secret: String,
}

/// The whole seeded company.
#[derive(Debug, Clone)]
pub struct Company {
    /// Display name.
    pub name: String,
    /// Legal name.
    pub legal_name: String,
    /// BambooHR company domain (subdomain).
    pub domain: String,
    /// Gusto company uuid.
    pub gusto_uuid: String,
    /// EIN.
    pub ein: String,
    /// Departments.
    pub departments: Vec<DepartmentSeed>,
    /// Locations.
    pub locations: Vec<LocationSeed>,
    /// Staff.
    pub people: Vec<Person>,
    /// Harvest-only contractor (when discrepancies are on).
    pub contractor: Option<ContractorSeed>,
    /// Index of the person whose rate differs between BambooHR and Gusto.
    pub rate_mismatch: Option<usize>,
    /// Index of the person terminated in BambooHR but active in Gusto.
    pub stale_termination: Option<usize>,
    /// Index of the person terminated everywhere.
    pub terminated: Option<usize>,
    /// Index of the person who started a few days ago (with discrepancies) while the
    /// background check ordered for their hire is still pending in Checkr and GoodHire: every
    /// tool holds them with that start date.
    pub new_hire: Option<usize>,
    /// The date the data is anchored on ("today").
    pub today: NaiveDate,
    /// Secrets.
    pub secrets: Secrets,
    /// The seed (for lazily generated data such as time entries).
    pub seed: u64,
}

/// A uuid drawn from `rng`.
pub fn uuid_from(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// `n` random bytes as lower-case hex.
pub fn hex_from(rng: &mut StdRng, n: usize) -> String {
    let mut b = vec![0u8; n];
    rng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A random v4 uuid (for records created at runtime).
pub fn new_uuid() -> String {
    Uuid::new_v4().to_string()
}

/// A Gusto-style opaque version string (32 hex chars) derived from `parts`.
pub fn version_of(parts: &str) -> String {
    let d = Sha256::digest(parts.as_bytes());
    hex::encode(&d[..16])
}

/// A stable 64-bit hash of (seed, tag, index), for lazily generated data.
pub fn mix(seed: u64, tag: u64, index: u64) -> u64 {
    // splitmix64 over a combination; cheap and well-distributed.
    let mut z =
        seed ^ tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

struct Role {
    title: &'static str,
    department: usize,
    salaried: bool,
    /// hourly range in cents, or salary range in dollars
    low: i64,
    high: i64,
}

const ROLES: &[Role] = &[
    Role {
        title: "General Manager",
        department: 3,
        salaried: true,
        low: 72_000,
        high: 85_000,
    },
    Role {
        title: "Head Baker",
        department: 0,
        salaried: true,
        low: 58_000,
        high: 66_000,
    },
    Role {
        title: "Café Manager",
        department: 1,
        salaried: true,
        low: 52_000,
        high: 60_000,
    },
    Role {
        title: "Bookkeeper",
        department: 3,
        salaried: true,
        low: 48_000,
        high: 55_000,
    },
    Role {
        title: "Baker",
        department: 0,
        salaried: false,
        low: 1_900,
        high: 2_400,
    },
    Role {
        title: "Barista",
        department: 1,
        salaried: false,
        low: 1_650,
        high: 1_950,
    },
    Role {
        title: "Pastry Cook",
        department: 0,
        salaried: false,
        low: 1_800,
        high: 2_200,
    },
    Role {
        title: "Shift Lead",
        department: 1,
        salaried: false,
        low: 2_000,
        high: 2_350,
    },
    Role {
        title: "Delivery Driver",
        department: 2,
        salaried: false,
        low: 1_700,
        high: 2_000,
    },
    Role {
        title: "Cashier",
        department: 1,
        salaried: false,
        low: 1_600,
        high: 1_850,
    },
    Role {
        title: "Line Cook",
        department: 0,
        salaried: false,
        low: 1_800,
        high: 2_150,
    },
    Role {
        title: "Dishwasher",
        department: 0,
        salaried: false,
        low: 1_600,
        high: 1_750,
    },
];

/// Days since the new hire ([`Company::new_hire`]) started.
pub const NEW_HIRE_DAYS: i64 = 3;
/// Days before their start that the new hire's background check was ordered.
pub const NEW_HIRE_CHECK_LEAD_DAYS: i64 = 7;

/// Generates the company for `config`.
pub fn generate(config: &SandboxConfig) -> Company {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let today = config.anchor_date();

    let secrets = Secrets {
        gusto_client_id: format!("sbx_{}", hex_from(&mut rng, 16)),
        gusto_client_secret: hex_from(&mut rng, 24),
        gusto_access_token: hex_from(&mut rng, 24),
        gusto_refresh_token: hex_from(&mut rng, 24),
        gusto_verification_token: hex_from(&mut rng, 16),
        gusto_webhook_subscription_uuid: uuid_from(&mut rng),
        bamboo_api_key: hex_from(&mut rng, 20),
        bamboo_webhook_private_key: hex_from(&mut rng, 32),
        harvest_pat: format!(
            "{}.pt.{}",
            rng.random_range(1_000_000..9_999_999),
            hex_from(&mut rng, 28)
        ),
        harvest_account_id: rng.random_range(1_000_000..9_999_999),
        harvest_client_id: hex_from(&mut rng, 12),
        harvest_client_secret: hex_from(&mut rng, 32),
    };

    let departments = ["Kitchen", "Front of House", "Delivery", "Office"]
        .iter()
        .enumerate()
        .map(|(i, t)| DepartmentSeed {
            title: t,
            gusto_uuid: uuid_from(&mut rng),
            bamboo_id: 18_260 + i as u32,
        })
        .collect::<Vec<_>>();
    let locations = vec![
        LocationSeed {
            name: "Mission Café",
            street: "2145 Mission St",
            city: "San Francisco",
            state: "CA",
            zip: "94110",
            time_zone: "America/Los_Angeles",
            phone: "4155550142",
            gusto_uuid: uuid_from(&mut rng),
            bamboo_id: 1,
        },
        LocationSeed {
            name: "Pearl Street Café",
            street: "1720 Pearl St",
            city: "Boulder",
            state: "CO",
            zip: "80302",
            time_zone: "America/Denver",
            phone: "3035550187",
            gusto_uuid: uuid_from(&mut rng),
            bamboo_id: 2,
        },
    ];

    let mut used = std::collections::HashSet::new();
    // Local parts of the work emails given so far: a person whose name is taken gets their
    // index appended (a set, so seeding 100,000 people stays linear).
    let mut locals = std::collections::HashSet::new();
    let mut people = Vec::with_capacity(config.employees);
    for index in 0..config.employees {
        let (first, last) = loop {
            let f = FIRST.choose(&mut rng).copied().unwrap_or("Alex");
            let l = LAST.choose(&mut rng).copied().unwrap_or("Smith");
            if used.insert((f, l)) || used.len() >= FIRST.len() * LAST.len() {
                break (f, l);
            }
        };
        let mut local = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        if !locals.insert(local.clone()) {
            local = format!("{local}{index}");
            locals.insert(local.clone());
        }
        let role = if let Some(r) = ROLES.get(index).filter(|_| index < 4) {
            r
        } else {
            &ROLES[4 + rng.random_range(0..ROLES.len() - 4)]
        };
        let pay = if role.salaried {
            Pay::Salary(Decimal::from(
                rng.random_range(role.low / 500..=role.high / 500) * 500,
            ))
        } else {
            Pay::Hourly(money(rng.random_range(role.low / 25..=role.high / 25) * 25))
        };
        let years_back = rng.random_range(0..6);
        let hire_date = today - Duration::days(60 + years_back * 365 + rng.random_range(0..300));
        let birth_date = NaiveDate::from_ymd_opt(
            today.year() - rng.random_range(19..58),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        )
        .unwrap_or(today);
        people.push(Person {
            index,
            first_name: first.to_string(),
            last_name: last.to_string(),
            work_email: format!("{local}@bluebird.example"),
            home_email: format!("{local}{}@mail.example", rng.random_range(10..99)),
            phone: format!("555{:07}", rng.random_range(0..10_000_000)),
            department: role.department,
            location: if index == 0 {
                0
            } else {
                rng.random_range(0..locations.len())
            },
            title: role.title,
            pay,
            gusto_pay: pay,
            hire_date,
            birth_date,
            terminated_on: None,
            terminated_in_gusto: false,
            shirt_size: SHIRTS.choose(&mut rng).copied().unwrap_or("M"),
            full_time: role.salaried || rng.random_bool(0.6),
            gusto_uuid: uuid_from(&mut rng),
            gusto_job_uuid: uuid_from(&mut rng),
            gusto_compensation_uuid: uuid_from(&mut rng),
            bamboo_id: 101 + index as u32,
            harvest_id: 4_100_000 + (index as u64) * 7 + rng.random_range(0..7),
            manager: if index == 0 { None } else { Some(0) },
        });
    }

    // One person terminated everywhere; with discrepancies, one more terminated only in BambooHR
    // and one hourly person whose rate in Gusto differs from the HRIS.
    let hourly: Vec<usize> = people
        .iter()
        .filter(|p| p.pay.is_hourly())
        .map(|p| p.index)
        .collect();
    let mut terminated = None;
    let mut stale_termination = None;
    let mut rate_mismatch = None;
    if let Some(&i) = hourly.last() {
        let end = today - Duration::days(21);
        if let Some(p) = people.get_mut(i) {
            p.terminated_on = Some(end.max(p.hire_date + Duration::days(30)));
            p.terminated_in_gusto = true;
        }
        terminated = Some(i);
    }
    let mut contractor = None;
    let mut new_hire = None;
    if config.discrepancies {
        if hourly.len() >= 3 {
            let i = hourly[hourly.len() - 2];
            if let Some(p) = people.get_mut(i) {
                p.terminated_on = Some(today - Duration::days(6));
                p.terminated_in_gusto = false;
            }
            stale_termination = Some(i);
        }
        if let Some(&i) = hourly.first() {
            if let Some(p) = people.get_mut(i) {
                p.gusto_pay = Pay::Hourly(p.pay.rate() + money(75));
            }
            rate_mismatch = Some(i);
        }
        // Among the people no background-check provider screens otherwise (Checkr screens every
        // third person and invites the first three from the second; GoodHire screens every
        // third from the third), the first: the other demo stories take the first hourly
        // person (Gusto's paid hours) and the last (the benefits'), so nobody tells two.
        new_hire = hourly.iter().copied().find(|&i| {
            i % 3 == 1
                && i > 7
                && ![stale_termination, rate_mismatch, terminated].contains(&Some(i))
        });
        if let Some(p) = new_hire.and_then(|i| people.get_mut(i)) {
            p.hire_date = today - Duration::days(NEW_HIRE_DAYS);
        }
        contractor = Some(ContractorSeed {
            first_name: "Rosa".into(),
            last_name: "Delgado".into(),
            email: "rosa@delgadocakes.example".into(),
            rate: money(4_500),
            harvest_id: 4_099_001,
        });
    }

    Company {
        name: config.company_name.clone(),
        legal_name: format!(
            "{} LLC",
            config.company_name.replace(" & Café", " and Cafe")
        ),
        domain: "bluebird".into(),
        gusto_uuid: uuid_from(&mut rng),
        ein: format!(
            "{:02}-{:07}",
            rng.random_range(10..99),
            rng.random_range(0..10_000_000)
        ),
        departments,
        locations,
        people,
        contractor,
        rate_mismatch,
        stale_termination,
        terminated,
        new_hire,
        today,
        secrets,
        seed: config.seed,
    }
}

/// `company` (generated for `config`) with only its first `n` people: the people, and who
/// among them tells each demo story, as a company of `n` is seeded; its ids, places and
/// secrets are `company`'s own. The same company when it has no more than `n`.
pub fn with_first(config: &SandboxConfig, company: &Company, n: usize) -> Company {
    if company.people.len() <= n {
        return company.clone();
    }
    let few = generate(&SandboxConfig {
        employees: n,
        ..config.clone()
    });
    Company {
        name: company.name.clone(),
        legal_name: company.legal_name.clone(),
        domain: company.domain.clone(),
        gusto_uuid: company.gusto_uuid.clone(),
        ein: company.ein.clone(),
        departments: company.departments.clone(),
        locations: company.locations.clone(),
        secrets: company.secrets.clone(),
        ..few
    }
}

/// Midnight UTC of `d` as a `DateTime`.
pub fn at(d: NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    d.and_hms_opt(hour.min(23), 0, 0)
        .unwrap_or_default()
        .and_utc()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(employees: usize) -> SandboxConfig {
        SandboxConfig {
            employees,
            today: NaiveDate::from_ymd_opt(2026, 3, 2),
            ..SandboxConfig::default()
        }
    }

    #[test]
    fn work_emails_stay_unique_past_every_name() {
        // 40 first names × 30 last names: past 1,200 people every name repeats.
        let c = generate(&config(3_000));
        let emails: std::collections::HashSet<&str> =
            c.people.iter().map(|p| p.work_email.as_str()).collect();
        assert_eq!(emails.len(), 3_000);
        // A repeated name takes the person's index; the first with a name keeps it bare.
        let first = &c.people[0];
        assert_eq!(
            first.work_email,
            format!(
                "{}.{}@bluebird.example",
                first.first_name.to_lowercase(),
                first.last_name.to_lowercase()
            )
        );
        assert!(c.people[2_999].work_email.starts_with(&format!(
            "{}.{}2999@",
            c.people[2_999].first_name.to_lowercase(),
            c.people[2_999].last_name.to_lowercase()
        )));
    }

    #[test]
    fn the_first_few_are_a_small_company_of_the_same_ids() {
        let big_config = config(500);
        let big = generate(&big_config);
        let few = with_first(&big_config, &big, 25);
        let small = generate(&config(25));
        assert_eq!(few.people.len(), 25);
        for (a, b) in few.people.iter().zip(&small.people) {
            assert_eq!(
                (&a.work_email, a.gusto_uuid.as_str(), a.harvest_id, a.pay),
                (&b.work_email, b.gusto_uuid.as_str(), b.harvest_id, b.pay)
            );
        }
        assert_eq!(
            (few.terminated, few.stale_termination, few.rate_mismatch),
            (
                small.terminated,
                small.stale_termination,
                small.rate_mismatch
            )
        );
        // The company itself is the big one's: the same uuid, EIN and secrets.
        assert_eq!(few.gusto_uuid, big.gusto_uuid);
        assert_eq!(few.ein, big.ein);
        assert_eq!(few.secrets.harvest_pat, big.secrets.harvest_pat);
        // People in the first few are the big company's first people.
        for (a, b) in few.people.iter().zip(&big.people).take(20) {
            assert_eq!(a.harvest_id, b.harvest_id);
        }
    }
}
