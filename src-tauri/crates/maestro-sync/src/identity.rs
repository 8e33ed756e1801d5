//! Identity resolution: which records, across providers, are the same person.
//!
//! Pure and deterministic: [`plan`] takes every person record of a company (employees and
//! contractors, with the link each has now) and says which identity each belongs to, by which
//! evidence and with what confidence. The app stores the result; running it twice over the same
//! data plans the same links, so a re-run changes nothing.
//!
//! **Evidence** between two records of *different* connections (two records of the same
//! connection are never put together by the matcher — that is the provider saying they are two
//! people):
//!
//! | evidence | confidence |
//! |---|---|
//! | same work email ([`normalize_email`]) | 0.99 (0.70 when both birth dates are known and differ) |
//! | same address among all the emails each record gives (a personal email, the email a background-check candidate gave) | 0.95 (0.70 when birth dates differ) |
//! | same employee number, one side HRIS and the other payroll | 0.90 (none when birth dates differ) |
//! | same name ([`name_keys`]) and same birth date | 0.85 |
//! | same name only (birth dates not contradicting) | 0.60 |
//!
//! Evidence at or above [`AUTO_LINK`] links records automatically; evidence at or above
//! [`SUGGEST`] only *suggests* a link: a record with nothing better is put with the person as
//! [`LinkStatus::Suggested`] for the owner to confirm or split.
//!
//! **Owner decisions win.** Records the owner confirmed ([`LinkStatus::Confirmed`]) stay with
//! their identity (others may still join it), and records the owner split off
//! ([`LinkStatus::Split`]) stand alone and are never matched again. The plan covers only the
//! records the matcher is allowed to move.
//!
//! **A page at a time.** A record nothing can join (no key shared with another connection's
//! record, no identity shared with another record) is planned on its own ([`plan_alone`]);
//! [`SharedKeys`] tells which records need the others, so a company's people can be linked a
//! page at a time with only those held for [`plan`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use maestro_core::ids::{ConnectionId, RecordId};
use serde::{Deserialize, Serialize};

mod alone;

pub use alone::{SharedKeys, plan_alone};

/// How sure a link is, in hundredths (0.00–1.00), exact and ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confidence(u8);

impl Confidence {
    /// Certain (1.00): the owner decided, or the record is alone.
    pub const CERTAIN: Confidence = Confidence(100);

    /// A confidence of `n` hundredths (more than 100 is read as 100).
    pub const fn from_hundredths(n: u8) -> Self {
        Confidence(if n > 100 { 100 } else { n })
    }

    /// The confidence in hundredths.
    pub const fn hundredths(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// A confidence that is not written `0.00`–`1.00`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a confidence between 0.00 and 1.00")]
pub struct BadConfidence(pub String);

impl FromStr for Confidence {
    type Err = BadConfidence;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadConfidence(s.to_owned());
        let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), "0"));
        if frac.is_empty() || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: u8 = whole.parse().map_err(|_| bad())?;
        let frac: u8 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let n = u16::from(whole) * 100 + u16::from(frac);
        u8::try_from(n)
            .ok()
            .filter(|n| *n <= 100)
            .map(Confidence)
            .ok_or_else(bad)
    }
}

impl Serialize for Confidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Evidence at or above this links records without asking.
pub const AUTO_LINK: Confidence = Confidence(90);
/// Evidence at or above this (and below [`AUTO_LINK`]) is suggested to the owner.
pub const SUGGEST: Confidence = Confidence(50);

const EMAIL: Confidence = Confidence(99);
const EMAIL_BIRTH_DATES_DIFFER: Confidence = Confidence(70);
const ANY_EMAIL: Confidence = Confidence(95);
const EMPLOYEE_NUMBER: Confidence = Confidence(90);
const NAME_BIRTH_DATE: Confidence = Confidence(85);
const NAME_ONLY: Confidence = Confidence(60);

/// What kind of tool a record came from (employee numbers are compared only HRIS ↔ payroll).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// HR information system (BambooHR, Rippling).
    Hris,
    /// Payroll (Gusto, ADP…).
    Payroll,
    /// Time tracking (Harvest…).
    TimeTracking,
    /// Anything else.
    Other,
}

/// Why a record is linked to its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The owner linked it (merge) or split it off.
    Owner,
    /// Same work email.
    WorkEmail,
    /// The same address among all the emails each record gives (a personal email on one, a
    /// candidate's email or a work email on the other).
    Email,
    /// Same employee number in the HRIS and payroll.
    EmployeeNumber,
    /// Same name and birth date.
    NameBirthDate,
    /// Same name only.
    Name,
    /// No other record matches: the person is known from this record alone.
    SoleRecord,
}

impl Method {
    /// Every method.
    pub const ALL: &'static [Method] = &[
        Method::Owner,
        Method::WorkEmail,
        Method::Email,
        Method::EmployeeNumber,
        Method::NameBirthDate,
        Method::Name,
        Method::SoleRecord,
    ];

    /// Stable name used in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Owner => "owner",
            Method::WorkEmail => "work_email",
            Method::Email => "email",
            Method::EmployeeNumber => "employee_number",
            Method::NameBirthDate => "name_birth_date",
            Method::Name => "name",
            Method::SoleRecord => "sole_record",
        }
    }

    /// Plain words for the owner (a birth date is named, never shown).
    pub const fn describe(self) -> &'static str {
        match self {
            Method::Owner => "linked by you",
            Method::WorkEmail => "same work email",
            Method::Email => "same email address",
            Method::EmployeeNumber => "same employee number",
            Method::NameBirthDate => "same name and birth date",
            Method::Name => "same name only",
            Method::SoleRecord => "only record",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored name that is not a known value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown identity link value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for Method {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Method::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Linked by the matcher on strong evidence.
    Auto,
    /// Weak evidence: put with the person until the owner confirms or splits.
    Suggested,
    /// The owner confirmed it: the matcher never moves it.
    Confirmed,
    /// The owner split it off: it stands alone and is never matched again.
    Split,
}

impl LinkStatus {
    /// Every status.
    pub const ALL: &'static [LinkStatus] = &[
        LinkStatus::Auto,
        LinkStatus::Suggested,
        LinkStatus::Confirmed,
        LinkStatus::Split,
    ];

    /// Stable name used in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Auto => "auto",
            LinkStatus::Suggested => "suggested",
            LinkStatus::Confirmed => "confirmed",
            LinkStatus::Split => "split",
        }
    }

    /// True for the owner's decisions, which the matcher leaves alone.
    pub const fn is_owner_decision(self) -> bool {
        matches!(self, LinkStatus::Confirmed | LinkStatus::Split)
    }
}

impl fmt::Display for LinkStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LinkStatus {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LinkStatus::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// A work email compared case-insensitively, with surrounding spaces and a `+tag` removed.
///
/// Decisions: the whole address is lower-cased (mail servers in practice treat the local part
/// case-insensitively); a `+tag` is dropped because `jo+hr@x` and `jo@x` reach the same mailbox;
/// dots are kept (only some providers ignore them). Not an address → `None`.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    let valid = |s: &str| !s.is_empty() && !s.contains(['@', ' ', '\t', '\n']);
    (valid(local) && valid(domain) && domain.contains('.')).then(|| format!("{local}@{domain}"))
}

/// An employee number without spaces, upper-cased, and without leading zeros when it is all
/// digits (`" 00123 "` = `"123"`). Empty → `None`.
pub fn normalize_employee_number(number: &str) -> Option<String> {
    let compact: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if compact.is_empty() {
        return None;
    }
    if compact.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = compact.trim_start_matches('0');
        return Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned());
    }
    Some(compact)
}

fn fold(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ß' => "ss",
        'ś' | 'š' | 'ş' => "s",
        'ť' | 'ţ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

/// A name for comparison: lower-case, accents folded (`José` = `jose`), apostrophes and dots
/// dropped (`O'Brien` = `obrien`), hyphens and other separators read as spaces, spaces
/// collapsed.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        let folded = fold(c);
        if !folded.is_empty() {
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if matches!(c, '\'' | '’' | '.') {
            // dropped
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names a person may be known by, each as `"given family"` normalised: the legal first
/// name and the preferred name, each with the family name (middle names are ignored). When the
/// record has no family name, the full display name is the only key.
pub fn name_keys(
    first: Option<&str>,
    last: Option<&str>,
    preferred: Option<&str>,
    display: Option<&str>,
) -> Vec<String> {
    let clean = |s: Option<&str>| s.map(normalize_name).filter(|s| !s.is_empty());
    let mut keys = BTreeSet::new();
    match clean(last) {
        Some(last) => {
            for given in [clean(first), clean(preferred)].into_iter().flatten() {
                keys.insert(format!("{given} {last}"));
            }
        }
        None => {
            if let Some(full) = clean(display) {
                keys.insert(full);
            }
        }
    }
    keys.into_iter().collect()
}

/// What a record says about who the person is, already normalised.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PersonKeys {
    /// Work email ([`normalize_email`]).
    pub work_email: Option<String>,
    /// Every other address the record gives for the person ([`normalize_email`]): a personal
    /// email, or the email a background-check candidate gave (which may be either).
    pub other_emails: Vec<String>,
    /// Employee number ([`normalize_employee_number`]).
    pub employee_number: Option<String>,
    /// Name keys ([`name_keys`]).
    pub names: Vec<String>,
    /// Date of birth (sensitive: compared, never shown).
    pub birth_date: Option<NaiveDate>,
}

impl fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonKeys")
            .field("work_email", &self.work_email)
            .field("other_emails", &self.other_emails)
            .field("employee_number", &self.employee_number)
            .field("names", &self.names)
            .field("birth_date", &self.birth_date.map(|_| "<redacted>"))
            .finish()
    }
}

/// The link a record has now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentLink<I> {
    /// The identity it belongs to.
    pub identity: I,
    /// Its status.
    pub status: LinkStatus,
}

/// One person record to resolve.
#[derive(Debug, Clone)]
pub struct Candidate<I> {
    /// The record.
    pub record_id: RecordId,
    /// The connection it came from.
    pub connection_id: ConnectionId,
    /// What kind of tool that connection is.
    pub role: Role,
    /// What it says about the person.
    pub keys: PersonKeys,
    /// Its link now, if it has one.
    pub current: Option<CurrentLink<I>>,
}

/// Why two records are (probably) the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The strongest evidence found.
    pub method: Method,
    /// How sure it makes us.
    pub confidence: Confidence,
}

/// The evidence that `a` and `b` are the same person, or `None` when there is none worth
/// suggesting — always `None` for two records of the same connection.
pub fn score<I>(a: &Candidate<I>, b: &Candidate<I>) -> Option<Evidence> {
    if a.connection_id == b.connection_id {
        return None;
    }
    let (ka, kb) = (&a.keys, &b.keys);
    let birth_dates_differ = matches!((ka.birth_date, kb.birth_date), (Some(x), Some(y)) if x != y);
    let birth_dates_match = matches!((ka.birth_date, kb.birth_date), (Some(x), Some(y)) if x == y);
    let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
    let names_match = ka.names.iter().any(|n| kb.names.contains(n));
    let hris_payroll = matches!(
        (a.role, b.role),
        (Role::Hris, Role::Payroll) | (Role::Payroll, Role::Hris)
    );

    let found = |method, confidence| Some(Evidence { method, confidence });
    if same(&ka.work_email, &kb.work_email) {
        let confidence = if birth_dates_differ {
            EMAIL_BIRTH_DATES_DIFFER
        } else {
            EMAIL
        };
        return found(Method::WorkEmail, confidence);
    }
    let addresses = |k: &PersonKeys| {
        k.work_email
            .iter()
            .chain(&k.other_emails)
            .cloned()
            .collect::<BTreeSet<String>>()
    };
    if !addresses(ka).is_disjoint(&addresses(kb)) {
        let confidence = if birth_dates_differ {
            EMAIL_BIRTH_DATES_DIFFER
        } else {
            ANY_EMAIL
        };
        return found(Method::Email, confidence);
    }
    if hris_payroll && !birth_dates_differ && same(&ka.employee_number, &kb.employee_number) {
        return found(Method::EmployeeNumber, EMPLOYEE_NUMBER);
    }
    if names_match && birth_dates_match {
        return found(Method::NameBirthDate, NAME_BIRTH_DATE);
    }
    if names_match && !birth_dates_differ {
        return found(Method::Name, NAME_ONLY);
    }
    None
}

/// Where the plan puts a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<I> {
    /// An identity that exists now.
    Existing(I),
    /// A new identity; the same number means the same new identity.
    New(usize),
}

/// The link a record should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment<I> {
    /// The record.
    pub record_id: RecordId,
    /// Its identity.
    pub target: Target<I>,
    /// The strongest evidence tying it to the identity's other records.
    pub method: Method,
    /// How sure that evidence is.
    pub confidence: Confidence,
    /// [`LinkStatus::Auto`] or [`LinkStatus::Suggested`].
    pub status: LinkStatus,
}

/// Groups of records (union–find) that also know their connections and owner identity.
struct Groups<I> {
    parent: Vec<usize>,
    members: Vec<Vec<usize>>,
    connections: Vec<BTreeSet<ConnectionId>>,
    fixed: Vec<Option<I>>,
}

impl<I: Clone> Groups<I> {
    fn new<T>(cands: &[Candidate<T>]) -> Self {
        Groups {
            parent: (0..cands.len()).collect(),
            members: (0..cands.len()).map(|i| vec![i]).collect(),
            connections: cands
                .iter()
                .map(|c| BTreeSet::from([c.connection_id]))
                .collect(),
            fixed: vec![None; cands.len()],
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Joins `b`'s group into `a`'s.
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        self.parent[rb] = ra;
        let moved = std::mem::take(&mut self.members[rb]);
        self.members[ra].extend(moved);
        let conns = std::mem::take(&mut self.connections[rb]);
        self.connections[ra].extend(conns);
        if self.fixed[ra].is_none() {
            self.fixed[ra] = self.fixed[rb].take();
        }
    }

    fn share_a_connection(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        !self.connections[ra].is_disjoint(&self.connections[rb])
    }
}

/// The keys two records must share for [`score`] to find any evidence, each tagged with what
/// it is: the work email (0), an employee number (1), a name key (2), any email (3).
fn match_keys(keys: &PersonKeys) -> impl Iterator<Item = (u8, &str)> {
    let work = keys.work_email.iter().map(|e| (0, e.as_str()));
    let any = keys
        .work_email
        .iter()
        .chain(&keys.other_emails)
        .map(|e| (3, e.as_str()));
    let number = keys.employee_number.iter().map(|n| (1, n.as_str()));
    let names = keys.names.iter().map(|n| (2, n.as_str()));
    work.chain(any).chain(number).chain(names)
}

/// Pairs of records sharing at least one key, each once, lower index first.
fn candidate_pairs<I>(cands: &[Candidate<I>], eligible: &[bool]) -> BTreeSet<(usize, usize)> {
    let mut buckets: BTreeMap<(u8, &str), Vec<usize>> = BTreeMap::new();
    for (i, c) in cands.iter().enumerate().filter(|(i, _)| eligible[*i]) {
        for key in match_keys(&c.keys) {
            buckets.entry(key).or_default().push(i);
        }
    }
    let mut pairs = BTreeSet::new();
    for bucket in buckets.values() {
        for (x, &i) in bucket.iter().enumerate() {
            for &j in &bucket[x + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    pairs
}

/// Plans the links of every record the matcher may move (those not confirmed or split by the
/// owner). Deterministic: the same candidates, in any order, give the same plan.
///
/// Records are grouped on the strongest evidence first (ties broken by record id), never putting
/// two records of one connection together nor joining two identities the owner confirmed. Then
/// each record still alone may join a person on weaker evidence as a suggestion. Each group
/// keeps the identity most of its records have now, so re-running keeps identities stable.
pub fn plan<I: Clone + Ord>(candidates: &[Candidate<I>]) -> Vec<Assignment<I>> {
    let mut cands: Vec<&Candidate<I>> = candidates.iter().collect();
    cands.sort_by_key(|c| c.record_id);
    let owned: Vec<Candidate<I>> = cands.into_iter().cloned().collect();
    let cands = owned.as_slice();
    let status = |i: usize| cands[i].current.as_ref().map(|c| c.status);
    let eligible: Vec<bool> = (0..cands.len())
        .map(|i| status(i) != Some(LinkStatus::Split))
        .collect();

    // Seeds: what the owner confirmed stays together under its identity.
    let mut groups = Groups::new(cands);
    let mut seeds: BTreeMap<I, usize> = BTreeMap::new();
    for (i, c) in cands.iter().enumerate() {
        if let Some(link) = c
            .current
            .as_ref()
            .filter(|l| l.status == LinkStatus::Confirmed)
        {
            match seeds.get(&link.identity) {
                Some(&first) => groups.union(first, i),
                None => {
                    seeds.insert(link.identity.clone(), i);
                    groups.fixed[i] = Some(link.identity.clone());
                }
            }
        }
    }

    let mut edges: Vec<(Evidence, usize, usize)> = candidate_pairs(cands, &eligible)
        .into_iter()
        .filter_map(|(i, j)| score(&cands[i], &cands[j]).map(|e| (e, i, j)))
        .filter(|(e, _, _)| e.confidence >= SUGGEST)
        .collect();
    edges.sort_by(|(ea, ia, ja), (eb, ib, jb)| {
        eb.confidence
            .cmp(&ea.confidence)
            .then(ea.method.cmp(&eb.method))
            .then((ia, ja).cmp(&(ib, jb)))
    });

    for &(_, i, j) in edges.iter().filter(|(e, _, _)| e.confidence >= AUTO_LINK) {
        let (ri, rj) = (groups.find(i), groups.find(j));
        if ri == rj || groups.share_a_connection(i, j) {
            continue;
        }
        if groups.fixed[ri].is_some() && groups.fixed[rj].is_some() {
            continue;
        }
        groups.union(i, j);
    }
    for &(_, i, j) in edges.iter().filter(|(e, _, _)| e.confidence < AUTO_LINK) {
        let (ri, rj) = (groups.find(i), groups.find(j));
        if ri == rj || groups.share_a_connection(i, j) {
            continue;
        }
        let alone = |r: usize, g: &Groups<I>| g.members[r].len() == 1 && g.fixed[r].is_none();
        if alone(rj, &groups) {
            groups.union(i, j);
        } else if alone(ri, &groups) {
            groups.union(j, i);
        }
    }

    // Identities: owner seeds keep theirs; other groups keep the one most of them have.
    let mut taken: BTreeSet<I> = cands
        .iter()
        .filter_map(|c| c.current.as_ref())
        .filter(|l| l.status.is_owner_decision())
        .map(|l| l.identity.clone())
        .collect();
    let mut roots: Vec<usize> = (0..cands.len())
        .filter(|&i| eligible[i])
        .map(|i| groups.find(i))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    roots.sort_by_key(|&r| groups.members[r].iter().min().copied());
    let mut new_count = 0;
    let mut out = Vec::new();
    for root in roots {
        let mut members = groups.members[root].clone();
        members.sort_unstable();
        let target = match groups.fixed[root].clone() {
            Some(identity) => Target::Existing(identity),
            None => {
                let mut votes: BTreeMap<&I, usize> = BTreeMap::new();
                for &m in &members {
                    if let Some(link) = &cands[m].current {
                        *votes.entry(&link.identity).or_default() += 1;
                    }
                }
                let best = votes
                    .into_iter()
                    .filter(|(id, _)| !taken.contains(*id))
                    .fold(None::<(&I, usize)>, |best, (id, n)| match best {
                        Some((_, bn)) if bn >= n => best,
                        _ => Some((id, n)),
                    });
                match best {
                    Some((id, _)) => {
                        taken.insert(id.clone());
                        Target::Existing(id.clone())
                    }
                    None => {
                        new_count += 1;
                        Target::New(new_count - 1)
                    }
                }
            }
        };
        for &m in &members {
            if status(m).is_some_and(LinkStatus::is_owner_decision) {
                continue;
            }
            let best = members
                .iter()
                .filter(|&&o| o != m)
                .filter_map(|&o| score(&cands[m], &cands[o]))
                .max_by(|a, b| {
                    a.confidence
                        .cmp(&b.confidence)
                        .then(b.method.cmp(&a.method))
                });
            let (method, confidence) = match best {
                Some(e) => (e.method, e.confidence),
                None if members.len() == 1 => (Method::SoleRecord, Confidence::CERTAIN),
                None => (Method::Name, SUGGEST),
            };
            out.push(Assignment {
                record_id: cands[m].record_id,
                target: target.clone(),
                method,
                confidence,
                status: if confidence >= AUTO_LINK {
                    LinkStatus::Auto
                } else {
                    LinkStatus::Suggested
                },
            });
        }
    }
    out.sort_by_key(|a| a.record_id);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    struct Rec {
        conn: ConnectionId,
        role: Role,
        email: Option<&'static str>,
        others: Vec<&'static str>,
        number: Option<&'static str>,
        first: &'static str,
        last: &'static str,
        birth: Option<&'static str>,
    }

    fn rec(conn: ConnectionId, role: Role, first: &'static str, last: &'static str) -> Rec {
        Rec {
            conn,
            role,
            email: None,
            others: Vec::new(),
            number: None,
            first,
            last,
            birth: None,
        }
    }

    impl Rec {
        fn email(mut self, e: &'static str) -> Self {
            self.email = Some(e);
            self
        }
        fn other_email(mut self, e: &'static str) -> Self {
            self.others.push(e);
            self
        }
        fn number(mut self, n: &'static str) -> Self {
            self.number = Some(n);
            self
        }
        fn born(mut self, d: &'static str) -> Self {
            self.birth = Some(d);
            self
        }
        fn build(self) -> Candidate<u32> {
            Candidate {
                record_id: RecordId::new(),
                connection_id: self.conn,
                role: self.role,
                keys: PersonKeys {
                    work_email: self.email.and_then(normalize_email),
                    other_emails: self
                        .others
                        .iter()
                        .filter_map(|e| normalize_email(e))
                        .collect(),
                    employee_number: self.number.and_then(normalize_employee_number),
                    names: name_keys(Some(self.first), Some(self.last), None, None),
                    birth_date: self.birth.map(date),
                },
                current: None,
            }
        }
    }

    struct Conns {
        hris: ConnectionId,
        payroll: ConnectionId,
        time: ConnectionId,
    }

    fn conns() -> Conns {
        Conns {
            hris: ConnectionId::new(),
            payroll: ConnectionId::new(),
            time: ConnectionId::new(),
        }
    }

    /// Applies a plan: gives new identities numbers after the highest one used.
    fn apply(cands: &mut [Candidate<u32>], plan: &[Assignment<u32>]) {
        let base = cands
            .iter()
            .filter_map(|c| c.current.as_ref().map(|l| l.identity))
            .max()
            .map_or(0, |m| m + 1);
        for a in plan {
            let c = cands
                .iter_mut()
                .find(|c| c.record_id == a.record_id)
                .unwrap();
            let identity = match a.target {
                Target::Existing(i) => i,
                Target::New(n) => base + u32::try_from(n).unwrap(),
            };
            c.current = Some(CurrentLink {
                identity,
                status: a.status,
            });
        }
    }

    fn identity(cands: &[Candidate<u32>], i: usize) -> u32 {
        cands[i].current.as_ref().unwrap().identity
    }

    fn status(cands: &[Candidate<u32>], i: usize) -> LinkStatus {
        cands[i].current.as_ref().unwrap().status
    }

    #[test]
    fn emails_are_normalised_and_invalid_ones_ignored() {
        assert_eq!(
            normalize_email("  Ana.Diaz+payroll@Bluebird.Example "),
            Some("ana.diaz@bluebird.example".into())
        );
        assert_eq!(normalize_email("ana.diaz"), None);
        assert_eq!(normalize_email("@bluebird.example"), None);
        assert_eq!(normalize_email("ana@localhost"), None);
        assert_eq!(normalize_email("a b@x.example"), None);
    }

    #[test]
    fn employee_numbers_and_names_are_normalised() {
        assert_eq!(normalize_employee_number(" 00123 "), Some("123".into()));
        assert_eq!(normalize_employee_number("e-12 a"), Some("E-12A".into()));
        assert_eq!(normalize_employee_number("000"), Some("0".into()));
        assert_eq!(normalize_employee_number("  "), None);
        assert_eq!(
            normalize_name("  José  O'Brien-Núñez "),
            "jose obrien nunez"
        );
        assert_eq!(normalize_name("ZOË"), "zoe");
        assert_eq!(
            name_keys(Some("Robert"), Some("Smith"), Some("Bob"), None),
            vec!["bob smith".to_owned(), "robert smith".to_owned()]
        );
        assert_eq!(
            name_keys(None, None, None, Some("Rosa  Delgado")),
            vec!["rosa delgado".to_owned()]
        );
    }

    #[test]
    fn confidences_print_and_parse_exactly() {
        assert_eq!(Confidence::from_hundredths(99).to_string(), "0.99");
        assert_eq!(Confidence::CERTAIN.to_string(), "1.00");
        assert_eq!("0.85".parse::<Confidence>().unwrap().hundredths(), 85);
        assert_eq!("1".parse::<Confidence>().unwrap(), Confidence::CERTAIN);
        assert_eq!("0.9".parse::<Confidence>().unwrap().hundredths(), 90);
        assert!("1.01".parse::<Confidence>().is_err());
        assert!("0.999".parse::<Confidence>().is_err());
        assert!("high".parse::<Confidence>().is_err());
    }

    #[test]
    fn evidence_scores_follow_the_table() {
        let c = conns();
        let a = rec(c.hris, Role::Hris, "Ana", "Diaz")
            .email("ana@b.example")
            .number("7")
            .born("1990-01-02")
            .build();
        let email = rec(c.time, Role::TimeTracking, "Ann", "Diaz")
            .email("ANA@b.example")
            .build();
        assert_eq!(
            score(&a, &email),
            Some(Evidence {
                method: Method::WorkEmail,
                confidence: Confidence(99)
            })
        );
        let number = rec(c.payroll, Role::Payroll, "Anita", "Ruiz")
            .number("007")
            .build();
        assert_eq!(score(&a, &number).unwrap().confidence, Confidence(90));
        // Employee numbers mean nothing between HRIS and time tracking.
        let number_time = rec(c.time, Role::TimeTracking, "Anita", "Ruiz")
            .number("7")
            .build();
        assert_eq!(score(&a, &number_time), None);
        let nb = rec(c.payroll, Role::Payroll, "ána", "DIAZ")
            .born("1990-01-02")
            .build();
        assert_eq!(
            score(&a, &nb),
            Some(Evidence {
                method: Method::NameBirthDate,
                confidence: Confidence(85)
            })
        );
        let name = rec(c.time, Role::TimeTracking, "Ana", "Diaz").build();
        assert_eq!(score(&a, &name).unwrap().confidence, Confidence(60));
        // Contradicting birth dates: an email match drops below auto-linking, a name is nothing.
        let other = rec(c.payroll, Role::Payroll, "Ana", "Diaz")
            .email("ana@b.example")
            .born("1991-05-05")
            .build();
        assert_eq!(score(&a, &other).unwrap().confidence, Confidence(70));
        let other_name = rec(c.payroll, Role::Payroll, "Ana", "Diaz")
            .born("1991-05-05")
            .build();
        assert_eq!(score(&a, &other_name), None);
        // Never within one connection.
        let same_conn = rec(c.hris, Role::Hris, "Ana", "Diaz")
            .email("ana@b.example")
            .build();
        assert_eq!(score(&a, &same_conn), None);
    }

    #[test]
    fn links_across_providers_leaves_strangers_alone_and_rerun_changes_nothing() {
        let c = conns();
        let mut cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .born("1990-01-02")
                .build(),
            rec(c.payroll, Role::Payroll, "Ana", "Diaz")
                .email("Ana@B.example")
                .born("1990-01-02")
                .build(),
            rec(c.time, Role::TimeTracking, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.hris, Role::Hris, "Bo", "Li")
                .email("bo@b.example")
                .build(),
            rec(c.time, Role::TimeTracking, "Rosa", "Delgado")
                .email("rosa@cakes.example")
                .build(),
        ];
        let first = plan(&cands);
        assert_eq!(first.len(), 5);
        apply(&mut cands, &first);
        assert_eq!(identity(&cands, 0), identity(&cands, 1));
        assert_eq!(identity(&cands, 0), identity(&cands, 2));
        assert_ne!(identity(&cands, 3), identity(&cands, 0));
        assert_ne!(identity(&cands, 4), identity(&cands, 3));
        for a in &first[..] {
            if a.method == Method::WorkEmail {
                assert_eq!((a.confidence, a.status), (Confidence(99), LinkStatus::Auto));
            }
        }
        let rosa = first
            .iter()
            .find(|a| a.record_id == cands[4].record_id)
            .unwrap();
        assert_eq!(
            (rosa.method, rosa.confidence),
            (Method::SoleRecord, Confidence::CERTAIN)
        );

        // Same input, any order: identical links.
        let mut shuffled = cands.clone();
        shuffled.reverse();
        let again = plan(&shuffled);
        let expected: Vec<Assignment<u32>> = plan(&cands);
        assert_eq!(again, expected);
        for a in &again {
            let c = cands.iter().find(|c| c.record_id == a.record_id).unwrap();
            let now = c.current.as_ref().unwrap();
            assert_eq!(a.target, Target::Existing(now.identity));
            assert_eq!(a.status, now.status);
        }
    }

    #[test]
    fn never_puts_two_records_of_one_connection_together() {
        let c = conns();
        let cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.payroll, Role::Payroll, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
        ];
        let p = plan(&cands);
        let target_of = |i: usize| {
            p.iter()
                .find(|a| a.record_id == cands[i].record_id)
                .unwrap()
                .target
                .clone()
        };
        assert_ne!(target_of(0), target_of(1));
        // The payroll record joins exactly one of them (the lower record id, deterministically).
        let mut ids: Vec<RecordId> = vec![cands[0].record_id, cands[1].record_id];
        ids.sort();
        let lower = if ids[0] == cands[0].record_id { 0 } else { 1 };
        assert_eq!(target_of(2), target_of(lower));
    }

    #[test]
    fn name_and_birth_date_only_is_a_suggestion_and_name_only_too() {
        let c = conns();
        let cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Díaz")
                .email("ana@b.example")
                .born("1990-01-02")
                .build(),
            rec(c.payroll, Role::Payroll, "Ana", "Diaz")
                .email("ana.diaz@old.example")
                .born("1990-01-02")
                .build(),
            rec(c.time, Role::TimeTracking, "Bo", "Li").build(),
            rec(c.hris, Role::Hris, "Bo", "Li").build(),
        ];
        let p = plan(&cands);
        let of = |i: usize| {
            p.iter()
                .find(|a| a.record_id == cands[i].record_id)
                .unwrap()
        };
        assert_eq!(of(0).target, of(1).target);
        assert_eq!(
            (of(1).method, of(1).confidence, of(1).status),
            (Method::NameBirthDate, Confidence(85), LinkStatus::Suggested)
        );
        assert_eq!(of(2).target, of(3).target);
        assert_eq!(
            (of(2).method, of(2).status),
            (Method::Name, LinkStatus::Suggested)
        );
    }

    #[test]
    fn owner_decisions_are_never_undone() {
        let c = conns();
        let mut cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.payroll, Role::Payroll, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.time, Role::TimeTracking, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.payroll, Role::Payroll, "Bo", "Li")
                .email("bo@b.example")
                .build(),
        ];
        let first = plan(&cands);
        apply(&mut cands, &first);
        let ana = identity(&cands, 0);

        // The owner splits the time-tracking record off and puts Bo with Ana's HRIS record.
        cands[2].current = Some(CurrentLink {
            identity: 90,
            status: LinkStatus::Split,
        });
        cands[3].current = Some(CurrentLink {
            identity: ana,
            status: LinkStatus::Confirmed,
        });
        cands[0].current = Some(CurrentLink {
            identity: ana,
            status: LinkStatus::Confirmed,
        });
        let p = plan(&cands);
        // Only Ana's payroll record may move; it cannot join (Bo holds that connection now).
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].record_id, cands[1].record_id);
        assert_ne!(p[0].target, Target::Existing(ana));
        assert_ne!(p[0].target, Target::Existing(90));
        apply(&mut cands, &p);
        assert_eq!(status(&cands, 2), LinkStatus::Split);
        assert_eq!(plan(&cands).len(), 1, "stable on re-run");
        assert_eq!(
            plan(&cands)[0].target,
            Target::Existing(identity(&cands, 1))
        );
    }

    #[test]
    fn a_new_record_joins_a_confirmed_person() {
        let c = conns();
        let mut cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
            rec(c.payroll, Role::Payroll, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
        ];
        for cand in &mut cands {
            cand.current = Some(CurrentLink {
                identity: 4,
                status: LinkStatus::Confirmed,
            });
        }
        cands.push(
            rec(c.time, Role::TimeTracking, "Ana", "Diaz")
                .email("ana@b.example")
                .build(),
        );
        let p = plan(&cands);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].target, Target::Existing(4));
        assert_eq!(p[0].status, LinkStatus::Auto);
    }

    #[test]
    fn a_candidates_email_links_them_to_the_person_with_that_personal_or_work_email() {
        let c = conns();
        let checks = ConnectionId::new();
        let cands = vec![
            rec(c.hris, Role::Hris, "Ana", "Diaz")
                .email("ana@b.example")
                .other_email("Ana.Diaz+jobs@Mail.example")
                .build(),
            rec(c.hris, Role::Hris, "Bo", "Kim")
                .email("bo@b.example")
                .build(),
            // Candidates in a background-check tool: names spelt otherwise, no work email.
            rec(checks, Role::Other, "Anna", "Diaz-Ruiz")
                .other_email("ana.diaz@mail.example")
                .build(),
            rec(checks, Role::Other, "Robert", "Kim")
                .other_email("bo@b.example")
                .build(),
            rec(checks, Role::Other, "Ana", "Diaz")
                .other_email("someone.else@mail.example")
                .build(),
        ];
        let e = score(&cands[0], &cands[2]).unwrap();
        assert_eq!(
            (e.method, e.confidence.to_string().as_str()),
            (Method::Email, "0.95")
        );
        assert_eq!(score(&cands[1], &cands[3]).unwrap().method, Method::Email);
        // Same name, another address: a suggestion only, as before.
        assert_eq!(score(&cands[0], &cands[4]).unwrap().method, Method::Name);
        let p = plan(&cands);
        let target = |i: usize| {
            p.iter()
                .find(|a| a.record_id == cands[i].record_id)
                .map(|a| (a.target.clone(), a.status))
                .unwrap()
        };
        assert_eq!(target(0).0, target(2).0);
        assert_eq!(target(2).1, LinkStatus::Auto);
        assert_eq!(target(1).0, target(3).0);
        assert_ne!(target(0).0, target(1).0);
        // The same-name candidate with another address stays its own person: the records of
        // one connection never join, and Ana's identity has a Checkr record already.
        assert_ne!(target(4).0, target(0).0);
        let mut born = cands[2].clone();
        born.keys.birth_date = Some(date("1990-01-01"));
        let mut other = cands[0].clone();
        other.keys.birth_date = Some(date("1991-01-01"));
        assert_eq!(score(&other, &born).unwrap().confidence.to_string(), "0.70");
    }

    #[test]
    fn birth_dates_never_reach_debug_output() {
        let keys = PersonKeys {
            birth_date: Some(date("1990-01-02")),
            ..PersonKeys::default()
        };
        let text = format!("{keys:?}");
        assert!(!text.contains("1990"), "{text}");
    }
}
