//! People: one person across providers. [`App::resolve_identities`] links each employee,
//! contractor and background-check candidate record to an identity with the matcher of
//! `maestro_sync::identity` (run it after syncs; re-running changes nothing), and
//! [`App::people`] is the unified roster: one row per person, each field with the value every
//! provider holds and which one is shown, and the background checks of their candidates. The owner
//! confirms, splits and merges; those decisions are audited and the matcher never undoes them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use maestro_connectors::{Category, Registry};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{
    Candidate as CheckCandidate, CanonicalEntity, Compensation, Contractor, Employee, Employment,
    EntityKind, Provenance,
};
use maestro_store::Result as StoreResult;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::identities::{self, IdentityId, Link, LinkWrite, PERSON};
use maestro_store::records::{self, Payload, StoredAt};
use maestro_store::sqlx::SqliteConnection;
use maestro_sync::identity::{self as matcher, Confidence, LinkStatus, Method, Role};
use serde::Serialize;
use serde_json::json;

use crate::App;
use crate::background_checks::{self, PersonCheck};
use crate::error::{AppError, ErrorCode, Result};

mod resolve;
mod tracked_hours;

/// What a matcher run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveSummary {
    /// Person records considered.
    pub records: usize,
    /// Links created or changed (0 when nothing changed).
    pub changed: usize,
    /// New identities.
    pub created: usize,
    /// Identities removed because no record points to them any more.
    pub removed: u64,
    /// Links waiting for the owner to confirm or split.
    pub suggested: usize,
}

/// One provider's value of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcedValue {
    /// The value as shown (a birth date only as "on file").
    pub value: String,
    /// Connector id ("gusto").
    pub provider: String,
    /// The connection's name.
    pub connection: String,
    /// The record it comes from.
    pub record_id: RecordId,
}

/// One field of a person, with where each value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonField {
    /// Stable field name ("job_title").
    pub field: &'static str,
    /// Label for people ("Job title").
    pub label: &'static str,
    /// The value shown: from the system trusted for this field (pay from payroll, title from
    /// the HRIS, hours from time tracking).
    pub value: String,
    /// Connector id of the shown value.
    pub source: String,
    /// Every provider's value, the shown one first.
    pub values: Vec<SourcedValue>,
    /// Whether every provider holds the same value.
    pub agree: bool,
}

/// A record linked to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedRecord {
    /// Local record id.
    pub record_id: RecordId,
    /// Employee or contractor.
    pub kind: EntityKind,
    /// Connector id.
    pub provider: String,
    /// Connection.
    pub connection_id: ConnectionId,
    /// The connection's name.
    pub connection: String,
    /// The provider's id for the record.
    pub remote_id: String,
    /// Why it is linked.
    pub method: Method,
    /// How sure.
    pub confidence: Confidence,
    /// Auto, suggested, confirmed or split.
    pub status: LinkStatus,
}

/// One row of the unified roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The identity.
    pub identity_id: IdentityId,
    /// Display name.
    pub name: String,
    /// Work email, as the trusted system has it.
    pub work_email: Option<String>,
    /// True when a link only suggested by weak evidence waits for the owner.
    pub needs_review: bool,
    /// Fields with their provenance.
    pub fields: Vec<PersonField>,
    /// The records linked, in provider order.
    pub records: Vec<LinkedRecord>,
    /// Background checks ordered for them (through their candidate records), newest first.
    pub checks: Vec<PersonCheck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Name,
    WorkEmail,
    PersonalEmail,
    EmployeeNumber,
    Phone,
    Status,
    HireDate,
    TerminationDate,
    BirthDate,
    JobTitle,
    PayRate,
    Hours,
}

impl Field {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Field::Name => ("name", "Name"),
            Field::WorkEmail => ("work_email", "Work email"),
            Field::PersonalEmail => ("personal_email", "Personal email"),
            Field::EmployeeNumber => ("employee_number", "Employee number"),
            Field::Phone => ("phone", "Phone"),
            Field::Status => ("status", "Status"),
            Field::HireDate => ("hire_date", "Hire date"),
            Field::TerminationDate => ("termination_date", "Termination date"),
            Field::BirthDate => ("date_of_birth", "Date of birth"),
            Field::JobTitle => ("job_title", "Job title"),
            Field::PayRate => ("pay_rate", "Pay rate"),
            Field::Hours => ("hours", "Hours tracked"),
        }
    }

    /// Which kind of system is trusted for the field, most trusted first.
    fn trust(self) -> [Role; 4] {
        match self {
            Field::PayRate => [Role::Payroll, Role::Hris, Role::TimeTracking, Role::Other],
            Field::Hours => [Role::TimeTracking, Role::Payroll, Role::Hris, Role::Other],
            _ => [Role::Hris, Role::Payroll, Role::TimeTracking, Role::Other],
        }
    }
}

struct ConnInfo {
    name: String,
    role: Role,
}

fn role_of(provider: &str) -> Role {
    match Registry::current()
        .get(provider)
        .map(|d| d.manifest.category)
    {
        Some(Category::Hris) => Role::Hris,
        Some(Category::Payroll) => Role::Payroll,
        Some(Category::TimeTracking) => Role::TimeTracking,
        _ => Role::Other,
    }
}

async fn connection_info(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<BTreeMap<ConnectionId, ConnInfo>> {
    Ok(maestro_store::connections::list(conn, company_id)
        .await?
        .into_iter()
        .map(|c| {
            let role = role_of(&c.provider);
            (
                c.id,
                ConnInfo {
                    name: c.display_name,
                    role,
                },
            )
        })
        .collect())
}

/// The entity, or `None` (logged): a record that no longer decodes is left out of the roster.
fn skip_undecodable<E>(record: RecordId, decoded: StoreResult<E>) -> Option<E> {
    match decoded {
        Ok(e) => Some(e),
        Err(err) => {
            tracing::warn!(%record, error = %err, "record skipped in the roster");
            None
        }
    }
}

/// Hands each current `E` of the company to `each`, read without payloads (the roster and
/// matching look only at canonical fields); a record that no longer decodes is logged and
/// left out.
async fn for_each_decodable<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    mut each: impl FnMut(StoredAt, E),
) -> Result<()> {
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at, e: StoreResult<E>| {
        if let Some(e) = skip_undecodable(at.record_id, e) {
            each(at, e);
        }
        Ok::<_, AppError>(())
    })
    .await
}

/// An employee or contractor record, or a background-check candidate.
enum PersonRecord {
    Employee(StoredAt, Box<Employee>),
    Contractor(StoredAt, Box<Contractor>),
    Candidate(StoredAt, Box<CheckCandidate>),
}

impl PersonRecord {
    fn stored(&self) -> &StoredAt {
        match self {
            PersonRecord::Employee(r, _)
            | PersonRecord::Contractor(r, _)
            | PersonRecord::Candidate(r, _) => r,
        }
    }

    fn kind(&self) -> EntityKind {
        match self {
            PersonRecord::Employee(..) => EntityKind::Employee,
            PersonRecord::Contractor(..) => EntityKind::Contractor,
            PersonRecord::Candidate(..) => EntityKind::Candidate,
        }
    }

    /// The tool it came from and its id there.
    fn provenance(&self) -> &Provenance {
        match self {
            PersonRecord::Employee(_, e) => &e.provenance,
            PersonRecord::Contractor(_, c) => &c.provenance,
            PersonRecord::Candidate(_, c) => &c.provenance,
        }
    }

    fn name(&self) -> Option<String> {
        let join = |first: Option<&str>, last: Option<&str>| {
            let full = [first, last]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            (!full.is_empty()).then_some(full)
        };
        match self {
            PersonRecord::Employee(_, e) => join(
                e.preferred_name.as_deref().or(e.first_name.as_deref()),
                e.last_name.as_deref(),
            )
            .or_else(|| e.display_full_name.clone()),
            PersonRecord::Contractor(_, c) => join(c.first_name.as_deref(), c.last_name.as_deref())
                .or_else(|| c.business_name.clone()),
            PersonRecord::Candidate(_, c) => join(c.first_name.as_deref(), c.last_name.as_deref()),
        }
    }

    fn birth_date(&self) -> Option<NaiveDate> {
        match self {
            PersonRecord::Employee(_, e) => e.date_of_birth.as_ref().map(|d| *d.expose()),
            PersonRecord::Contractor(..) | PersonRecord::Candidate(..) => None,
        }
    }
}

async fn person_records(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Vec<PersonRecord>> {
    let mut out = Vec::new();
    for_each_decodable(conn, company_id, |at, e: Employee| {
        out.push(PersonRecord::Employee(at, Box::new(e)));
    })
    .await?;
    for_each_decodable(conn, company_id, |at, c: Contractor| {
        out.push(PersonRecord::Contractor(at, Box::new(c)));
    })
    .await?;
    for_each_decodable(conn, company_id, |at, c: CheckCandidate| {
        out.push(PersonRecord::Candidate(at, Box::new(c)));
    })
    .await?;
    out.sort_by_key(|p| p.stored().record_id);
    Ok(out)
}

fn parse_link(link: &Link) -> Result<(Method, Confidence, LinkStatus)> {
    let corrupt = |what: &str| {
        AppError::new(
            ErrorCode::Internal,
            format!(
                "the saved link of record {} has an unreadable {what}; run the matcher again",
                link.record_id
            ),
        )
    };
    Ok((
        link.method.parse().map_err(|_| corrupt("method"))?,
        link.confidence.parse().map_err(|_| corrupt("confidence"))?,
        link.status.parse().map_err(|_| corrupt("status"))?,
    ))
}

fn not_linked(record_id: RecordId) -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("record {record_id} is not a person linked in this company; sync and try again"),
    )
}

impl App {
    /// The unified roster: one row per person with every field's provenance and the records
    /// linked, sorted by name. Records not linked yet are resolved first.
    pub async fn people(&self, company_id: CompanyId) -> Result<Vec<Person>> {
        let mut conn = self.conn().await?;
        let mut people = person_records(&mut conn, company_id).await?;
        let mut links = identities::links(&mut conn, company_id, PERSON).await?;
        let linked: BTreeSet<RecordId> = links.iter().map(|l| l.record_id).collect();
        if people
            .iter()
            .any(|p| !linked.contains(&p.stored().record_id))
        {
            drop(conn);
            self.resolve_identities(company_id).await?;
            conn = self.conn().await?;
            people = person_records(&mut conn, company_id).await?;
            links = identities::links(&mut conn, company_id, PERSON).await?;
        }
        // A second connection: the time entries are read in two halves side by side.
        let mut second = self.conn().await?;
        roster(&mut conn, &mut second, company_id, &people, links).await
    }

    /// The owner confirms the person `record_id` belongs to: every record linked to that
    /// person now is confirmed and the matcher will not move them. Audited.
    pub async fn confirm_link(&self, company_id: CompanyId, record_id: RecordId) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let link = identities::link_of(tx.conn(), company_id, record_id)
            .await?
            .ok_or_else(|| not_linked(record_id))?;
        let mut confirmed = Vec::new();
        for l in identities::links_of(tx.conn(), company_id, link.identity_id).await? {
            if l.status == LinkStatus::Auto.as_str() || l.status == LinkStatus::Suggested.as_str() {
                identities::set_link(
                    tx.conn(),
                    company_id,
                    &LinkWrite {
                        identity_id: l.identity_id,
                        record_id: l.record_id,
                        method: &l.method,
                        confidence: &l.confidence,
                        status: LinkStatus::Confirmed.as_str(),
                    },
                    now,
                )
                .await?;
                confirmed.push(l.record_id.to_string());
            }
        }
        audit::append(
            tx.conn(),
            &AuditEvent::new(
                &self.actor,
                "identities.confirm",
                &link.identity_id.to_string(),
            )
            .company(company_id)
            .records(i64::try_from(confirmed.len()).unwrap_or(i64::MAX))
            .detail(json!({ "record": record_id.to_string(), "confirmed": confirmed })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner says `record_id` is not the same person as the records linked with it: it
    /// becomes a person of its own and stays so (the matcher never links it again; only a
    /// [`App::merge`] does). Returns its identity. Audited.
    pub async fn split(&self, company_id: CompanyId, record_id: RecordId) -> Result<IdentityId> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let link = identities::link_of(tx.conn(), company_id, record_id)
            .await?
            .ok_or_else(|| not_linked(record_id))?;
        if link.status == LinkStatus::Split.as_str() {
            return Ok(link.identity_id);
        }
        let alone = identities::links_of(tx.conn(), company_id, link.identity_id)
            .await?
            .len()
            == 1;
        let identity_id = if alone {
            link.identity_id
        } else {
            identities::create(tx.conn(), company_id, PERSON, now).await?
        };
        identities::set_link(
            tx.conn(),
            company_id,
            &LinkWrite {
                identity_id,
                record_id,
                method: Method::Owner.as_str(),
                confidence: &Confidence::CERTAIN.to_string(),
                status: LinkStatus::Split.as_str(),
            },
            now,
        )
        .await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "identities.split", &record_id.to_string())
                .company(company_id)
                .records(1)
                .detail(json!({
                    "from": link.identity_id.to_string(),
                    "to": identity_id.to_string(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(identity_id)
    }

    /// The owner says two people are one: every record of `other` joins `keep`, and all of
    /// `keep`'s records are confirmed. The owner may merge records of the same connection
    /// (the matcher never would). Audited.
    pub async fn merge(
        &self,
        company_id: CompanyId,
        keep: IdentityId,
        other: IdentityId,
    ) -> Result<()> {
        if keep == other {
            return Err(AppError::new(
                ErrorCode::Validation,
                "choose two different people to merge",
            ));
        }
        let now = self.now();
        let mut tx = self.store.write().await?;
        for id in [keep, other] {
            if !identities::exists(tx.conn(), company_id, id).await? {
                return Err(AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "there is no person {id} in this company; list them with `maestro people`"
                    ),
                ));
            }
        }
        let certain = Confidence::CERTAIN.to_string();
        let kept = identities::links_of(tx.conn(), company_id, keep).await?;
        let moved = identities::links_of(tx.conn(), company_id, other).await?;
        for l in &kept {
            let owner_split = l.status == LinkStatus::Split.as_str();
            identities::set_link(
                tx.conn(),
                company_id,
                &LinkWrite {
                    identity_id: keep,
                    record_id: l.record_id,
                    method: if owner_split {
                        Method::Owner.as_str()
                    } else {
                        &l.method
                    },
                    confidence: if owner_split { &certain } else { &l.confidence },
                    status: LinkStatus::Confirmed.as_str(),
                },
                now,
            )
            .await?;
        }
        for l in &moved {
            identities::set_link(
                tx.conn(),
                company_id,
                &LinkWrite {
                    identity_id: keep,
                    record_id: l.record_id,
                    method: Method::Owner.as_str(),
                    confidence: &certain,
                    status: LinkStatus::Confirmed.as_str(),
                },
                now,
            )
            .await?;
        }
        identities::delete_unlinked(tx.conn(), company_id).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "identities.merge", &keep.to_string())
                .company(company_id)
                .records(i64::try_from(kept.len() + moved.len()).unwrap_or(i64::MAX))
                .detail(json!({
                    "merged": other.to_string(),
                    "moved": moved.iter().map(|l| l.record_id.to_string()).collect::<Vec<_>>(),
                })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Facts per (connection, employee remote id) from related records.
#[derive(Default)]
struct Related {
    title: BTreeMap<(ConnectionId, String), (Option<NaiveDate>, RecordId, String)>,
    pay: BTreeMap<(ConnectionId, String), (Option<NaiveDate>, RecordId, String)>,
    hours: tracked_hours::HoursByPerson,
}

fn keep_latest(
    map: &mut BTreeMap<(ConnectionId, String), (Option<NaiveDate>, RecordId, String)>,
    key: (ConnectionId, String),
    candidate: (Option<NaiveDate>, RecordId, String),
) {
    match map.get(&key) {
        Some(existing) if (existing.0, existing.1) >= (candidate.0, candidate.1) => {}
        _ => {
            map.insert(key, candidate);
        }
    }
}

/// What the roster shows next to each person, from the records that refer to them: folded a
/// page at a time, so a company with years of time entries does not hold them all at once.
async fn related(
    conn: &mut SqliteConnection,
    second: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<Related> {
    let mut out = Related::default();
    for_each_decodable(conn, company_id, |r, e: Employment| {
        let key = (r.connection_id, e.employee_remote_id.clone());
        if let Some(title) = e.job_title.as_ref().filter(|t| !t.trim().is_empty()) {
            keep_latest(
                &mut out.title,
                key.clone(),
                (e.effective_date, r.record_id, title.trim().to_owned()),
            );
        }
        if let Some(rate) = &e.pay_rate {
            let period = e
                .pay_period
                .and_then(|p| serde_json::to_value(p).ok())
                .and_then(|v| v.as_str().map(|s| format!(" per {}", s.replace('_', " "))))
                .unwrap_or_default();
            keep_latest(
                &mut out.pay,
                key,
                (e.effective_date, r.record_id, format!("{rate}{period}")),
            );
        }
    })
    .await?;
    // Compensation history fills in a pay rate where no job carries one.
    let mut from_history = BTreeMap::new();
    for_each_decodable(conn, company_id, |r, c: Compensation| {
        let period = serde_json::to_value(c.period)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default();
        keep_latest(
            &mut from_history,
            (r.connection_id, c.employee_remote_id.clone()),
            (
                Some(c.effective_date),
                r.record_id,
                format!("{} per {period}", c.rate),
            ),
        );
    })
    .await?;
    for (key, value) in from_history {
        out.pay.entry(key).or_insert(value);
    }
    out.hours = tracked_hours::by_person(conn, second, company_id).await?;
    Ok(out)
}

/// One value from one record: shown text, comparison key.
struct Said {
    field: Field,
    shown: String,
    compare: String,
}

fn said_by(p: &PersonRecord, rel: &Related) -> Vec<Said> {
    let mut out = Vec::new();
    let mut push = |field: Field, value: Option<String>| {
        if let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            let compare = match field {
                Field::Name => matcher::normalize_name(&v),
                Field::WorkEmail | Field::PersonalEmail => v.to_lowercase(),
                _ => v.clone(),
            };
            out.push(Said {
                field,
                shown: v,
                compare,
            });
        }
    };
    let key = (p.stored().connection_id, p.provenance().remote_id.clone());
    push(Field::Name, p.name());
    match p {
        PersonRecord::Employee(_, e) => {
            push(Field::WorkEmail, e.work_email.clone());
            push(Field::PersonalEmail, e.personal_email.clone());
            push(Field::EmployeeNumber, e.employee_number.clone());
            push(
                Field::Phone,
                e.phone_numbers.first().map(|n| n.number.clone()),
            );
            push(Field::Status, status_text(&e.employment_status));
            push(Field::HireDate, e.hire_date.map(|d| d.to_string()));
            push(
                Field::TerminationDate,
                e.termination_date.map(|d| d.to_string()),
            );
        }
        PersonRecord::Contractor(_, c) => {
            push(Field::WorkEmail, c.email.clone());
            push(Field::Phone, c.phone.clone());
            push(
                Field::Status,
                status_text(&c.status).map(|s| format!("{s} (contractor)")),
            );
        }
        // A candidate says only who they are: their name (above).
        PersonRecord::Candidate(..) => {}
    }
    push(Field::JobTitle, rel.title.get(&key).map(|t| t.2.clone()));
    push(Field::PayRate, rel.pay.get(&key).map(|t| t.2.clone()));
    push(
        Field::Hours,
        rel.hours
            .get(&key.0)
            .and_then(|of_connection| of_connection.get(&key.1))
            .map(|h| format!("{} h, {} to {}", h.total.normalize(), h.first, h.last)),
    );
    if let Some(d) = p.birth_date() {
        // Compared, never shown.
        out.push(Said {
            field: Field::BirthDate,
            shown: "on file".into(),
            compare: d.to_string(),
        });
    }
    out
}

fn status_text<T: Serialize>(status: &T) -> Option<String> {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
}

/// The roster of `records` (the company's person records) linked by `links`; `second` reads
/// half of the time entries.
async fn roster(
    conn: &mut SqliteConnection,
    second: &mut SqliteConnection,
    company_id: CompanyId,
    records: &[PersonRecord],
    links: Vec<Link>,
) -> Result<Vec<Person>> {
    let conns = connection_info(conn, company_id).await?;
    let rel = related(conn, second, company_id).await?;
    let mut checks = background_checks::by_candidate(conn, company_id).await?;
    let links: BTreeMap<RecordId, Link> = links.into_iter().map(|l| (l.record_id, l)).collect();
    let mut by_identity: BTreeMap<IdentityId, Vec<&PersonRecord>> = BTreeMap::new();
    for p in records {
        if let Some(l) = links.get(&p.stored().record_id) {
            by_identity.entry(l.identity_id).or_default().push(p);
        }
    }
    let role = |c: &ConnectionId| conns.get(c).map_or(Role::Other, |i| i.role);
    let conn_name = |p: &PersonRecord| {
        conns
            .get(&p.stored().connection_id)
            .map_or_else(|| p.provenance().provider.clone(), |i| i.name.clone())
    };
    let mut out = Vec::new();
    for (identity_id, members) in by_identity {
        let mut linked = Vec::new();
        let mut person_checks = Vec::new();
        let mut said: BTreeMap<Field, Vec<(Role, RecordId, SourcedValue, String)>> =
            BTreeMap::new();
        for p in &members {
            let r = p.stored();
            let Some(link) = links.get(&r.record_id) else {
                continue;
            };
            let (method, confidence, status) = parse_link(link)?;
            person_checks.extend(checks.remove(&r.record_id).unwrap_or_default());
            linked.push(LinkedRecord {
                record_id: r.record_id,
                kind: p.kind(),
                provider: p.provenance().provider.clone(),
                connection_id: r.connection_id,
                connection: conn_name(p),
                remote_id: p.provenance().remote_id.clone(),
                method,
                confidence,
                status,
            });
            for s in said_by(p, &rel) {
                said.entry(s.field).or_default().push((
                    role(&r.connection_id),
                    r.record_id,
                    SourcedValue {
                        value: s.shown,
                        provider: p.provenance().provider.clone(),
                        connection: conn_name(p),
                        record_id: r.record_id,
                    },
                    s.compare,
                ));
            }
        }
        let mut fields = Vec::new();
        for (field, mut values) in said {
            let trust = field.trust();
            let rank = |r: Role| trust.iter().position(|t| *t == r).unwrap_or(trust.len());
            values.sort_by_key(|(r, id, _, _)| (rank(*r), *id));
            let agree = values.windows(2).all(|w| w[0].3 == w[1].3);
            let (field_name, label) = field.names();
            let Some(first) = values.first() else {
                continue;
            };
            fields.push(PersonField {
                field: field_name,
                label,
                value: first.2.value.clone(),
                source: first.2.provider.clone(),
                agree,
                values: values.into_iter().map(|v| v.2).collect(),
            });
        }
        let value_of = |name: &str| {
            fields
                .iter()
                .find(|f| f.field == name)
                .map(|f| f.value.clone())
        };
        linked.sort_by_key(|l| {
            (
                rank_role(role(&l.connection_id)),
                l.provider.clone(),
                l.record_id,
            )
        });
        out.push(Person {
            identity_id,
            name: value_of("name").unwrap_or_else(|| "(no name)".into()),
            work_email: value_of("work_email"),
            needs_review: linked.iter().any(|l| l.status == LinkStatus::Suggested),
            fields,
            records: linked,
            checks: background_checks::newest_first(person_checks),
        });
    }
    // Each name normalised once, not once per comparison.
    out.sort_by_cached_key(|p| (matcher::normalize_name(&p.name), p.identity_id));
    Ok(out)
}

fn rank_role(role: Role) -> u8 {
    match role {
        Role::Hris => 0,
        Role::Payroll => 1,
        Role::TimeTracking => 2,
        Role::Other => 3,
    }
}
