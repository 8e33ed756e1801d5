//! The review queue and cross-system discrepancies. After syncs, the same person's job title,
//! department, manager and pay rate are compared between the HRIS and payroll; each field goes
//! through the three-way merge of `maestro_sync::conflicts` against the last value both systems
//! held. Agreement moves the base forward; a change the rules may apply is recorded as decided
//! (with the write proposed to the other system); anything else — including every change of
//! pay — waits in the review queue for the owner. Nothing is overwritten silently.
//!
//! Discrepancy alerts follow the same comparison: "terminated in the HRIS but active in
//! payroll" and "pay rate differs"; each resolves itself once its cause is gone.
//!
//! People are linked by work email for now ([`pair_by_work_email`]); once identity resolution
//! lands, `linked_pairs` should return its confirmed links instead.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use maestro_connectors::{Category, EmployeeChanges, Registry, WriteOp};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{
    CanonicalEntity, Compensation, Department, Employee, Employment, EmploymentStatus,
};
use maestro_store::Result as StoreResult;
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::conflicts::{self as store, Conflict, ConflictSource, NewConflict};
use maestro_store::records::{self, Payload, StoredAt};
use maestro_store::sqlx::SqliteConnection;
use maestro_sync::conflicts::{
    Decision, EmployeeRef, Field, FieldOwners, FieldValue, LinkedPair, Reason, Which,
    category_name, decide, pair_by_work_email, parse_category,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// The fields compared between the HRIS and payroll.
const COMPARED: [Field; 4] = [
    Field::JobTitle,
    Field::Department,
    Field::Manager,
    Field::PayRate,
];
const KIND_PAY: &str = "pay_rate_mismatch";
const KIND_TERMINATION: &str = "termination_mismatch";
const KIND_WAITING: &str = "conflicts_waiting";
const WAITING_KEY: &str = "conflicts:waiting";

/// How the owner settles a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Keep one system's value: its connector id ("gusto"), connection id or category
    /// ("payroll").
    Keep(String),
    /// Use a value the owner typed (a pay rate takes an amount in the same currency and period).
    Value(String),
}

/// What a detection pass found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetectionSummary {
    /// People compared (linked HRIS–payroll pairs).
    pub people: usize,
    /// Conflicts newly put in the review queue.
    pub opened: usize,
    /// Conflicts already in the queue, refreshed with the current values.
    pub still_open: usize,
    /// Differences the rules decided (a write was proposed to the other system).
    pub decided: usize,
    /// Open conflicts closed because the systems now agree (or the records are gone).
    pub closed: usize,
    /// Discrepancy alerts open after the pass.
    pub discrepancies: usize,
}

/// A write proposed to the system whose value lost, for the outbox to send once approved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedWrite {
    /// The connection to write to.
    pub connection_id: ConnectionId,
    /// Its connector.
    pub provider: String,
    /// The record there.
    pub remote_id: String,
    /// The field.
    pub field: Field,
    /// The value to write.
    pub value: FieldValue,
    /// The connector operation, when the connector has one for this field.
    pub op: Option<WriteOp>,
}

/// One side of a linked pair: the fields as this system holds them.
#[derive(Debug, Clone)]
struct Side {
    record_id: RecordId,
    connection_id: ConnectionId,
    provider: String,
    category: Category,
    remote_id: String,
    name: String,
    status: EmploymentStatus,
    termination_date: Option<NaiveDate>,
    values: BTreeMap<Field, FieldValue>,
}

impl Side {
    fn source(&self, value: &FieldValue) -> Result<ConflictSource> {
        Ok(ConflictSource {
            connection_id: self.connection_id,
            provider: self.provider.clone(),
            category: category_name(self.category).into(),
            record_id: self.record_id,
            remote_id: self.remote_id.clone(),
            value: to_json(value)?,
        })
    }
}

/// Everything one connection holds that the comparison reads.
#[derive(Default)]
struct ConnectionData {
    employees: Vec<(RecordId, Employee)>,
    departments: HashMap<String, String>,
    employments: HashMap<String, Vec<Employment>>,
    compensations: HashMap<String, Vec<Compensation>>,
}

fn to_json<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

fn from_json(v: &Value) -> Option<FieldValue> {
    serde_json::from_value(v.clone()).ok()
}

fn provider_category(provider: &str) -> Option<Category> {
    Registry::current()
        .get(provider)
        .map(|d| d.manifest.category)
}

impl ConnectionData {
    fn side(
        &self,
        record_id: RecordId,
        e: &Employee,
        category: Category,
        today: NaiveDate,
    ) -> Side {
        let id = &e.provenance.remote_id;
        let mut values = BTreeMap::new();
        let current_job = self.employments.get(id).and_then(|jobs| {
            jobs.iter()
                .filter(|j| j.effective_date.is_none_or(|d| d <= today))
                .max_by_key(|j| j.effective_date)
        });
        if let Some(title) = current_job
            .and_then(|j| j.job_title.as_deref())
            .and_then(FieldValue::text)
        {
            values.insert(Field::JobTitle, title);
        }
        let rate = self
            .compensations
            .get(id)
            .and_then(|rows| {
                rows.iter()
                    .filter(|c| c.effective_date <= today)
                    .max_by_key(|c| c.effective_date)
            })
            .map(|c| FieldValue::Pay {
                rate: c.rate,
                period: c.period,
            })
            .or_else(|| {
                let j = current_job?;
                Some(FieldValue::Pay {
                    rate: j.pay_rate?,
                    period: j.pay_period?,
                })
            });
        if let Some(rate) = rate {
            values.insert(Field::PayRate, rate);
        }
        if let Some(dept) = e
            .department_remote_id
            .as_ref()
            .and_then(|d| self.departments.get(d))
            .and_then(|n| FieldValue::text(n))
        {
            values.insert(Field::Department, dept);
        }
        if let Some(manager) = e.manager_remote_id.as_ref().and_then(|m| {
            self.employees
                .iter()
                .find(|(_, x)| &x.provenance.remote_id == m)
                .and_then(|(_, x)| x.work_email.as_deref())
                .and_then(maestro_sync::conflicts::normalise_email)
        }) {
            values.insert(Field::Manager, FieldValue::Person(manager));
        }
        let name = e
            .display_full_name
            .clone()
            .or_else(|| {
                let n = [e.first_name.as_deref(), e.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!n.is_empty()).then_some(n)
            })
            .unwrap_or_else(|| id.clone());
        Side {
            record_id,
            connection_id: e.provenance.connection_id,
            provider: e.provenance.provider.clone(),
            category,
            remote_id: id.clone(),
            name,
            status: e.employment_status,
            termination_date: e.termination_date,
            values,
        }
    }
}

/// Hands each current `E` of the company to `each`, read without payloads (the comparison looks
/// only at canonical fields); a record that no longer decodes fails the detection.
async fn for_each_entity<E: CanonicalEntity>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    mut each: impl FnMut(StoredAt, E),
) -> Result<()> {
    records::for_each_current_entity(conn, company_id, Payload::Skip, |at, e: StoreResult<E>| {
        each(at, e?);
        Ok::<_, AppError>(())
    })
    .await
}

/// The HRIS and payroll the owner chose for the routes, when several are connected: the
/// systems of record, so the comparison is theirs alone (a second HRIS holding the same people
/// would otherwise raise every discrepancy twice).
#[derive(Debug, Clone, Copy, Default)]
struct Chosen {
    hris: Option<ConnectionId>,
    payroll: Option<ConnectionId>,
}

impl Chosen {
    /// Whether `connection` of `category` takes part in the comparison.
    fn includes(&self, category: Category, connection: ConnectionId) -> bool {
        let choice = match category {
            Category::Hris => self.hris,
            Category::Payroll => self.payroll,
            _ => None,
        };
        choice.is_none_or(|id| id == connection)
    }
}

/// The linked HRIS–payroll pairs of a company, each side with its fields.
async fn snapshot(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    today: NaiveDate,
    chosen: Chosen,
) -> Result<Vec<(LinkedPair, Side, Side)>> {
    let connections = maestro_store::connections::list(conn, company_id).await?;
    let mut categories: HashMap<ConnectionId, Category> = HashMap::new();
    for c in &connections {
        if let Some(cat) = provider_category(&c.provider)
            .filter(|cat| matches!(cat, Category::Hris | Category::Payroll))
        {
            categories.insert(c.id, cat);
        }
    }
    // A choice naming a connection that is gone is no choice.
    let chosen = Chosen {
        hris: chosen
            .hris
            .filter(|id| categories.get(id) == Some(&Category::Hris)),
        payroll: chosen
            .payroll
            .filter(|id| categories.get(id) == Some(&Category::Payroll)),
    };
    categories.retain(|id, cat| chosen.includes(*cat, *id));
    // A pair needs both sides: with no HRIS or no payroll connected there is nothing to compare,
    // so nobody is read (a company with one HR tool held every person here after each sync).
    let has = |wanted: Category| categories.values().any(|c| *c == wanted);
    if !(has(Category::Hris) && has(Category::Payroll)) {
        return Ok(Vec::new());
    }
    let mut data: HashMap<ConnectionId, ConnectionData> = HashMap::new();
    let wanted = |at: &StoredAt| categories.contains_key(&at.connection_id);
    for_each_entity(conn, company_id, |at, e: Employee| {
        if wanted(&at) {
            let d = data.entry(at.connection_id).or_default();
            d.employees.push((at.record_id, e));
        }
    })
    .await?;
    for_each_entity(conn, company_id, |at, dep: Department| {
        if wanted(&at) {
            let d = data.entry(at.connection_id).or_default();
            d.departments.insert(dep.provenance.remote_id, dep.name);
        }
    })
    .await?;
    for_each_entity(conn, company_id, |at, j: Employment| {
        if wanted(&at) {
            let d = data.entry(at.connection_id).or_default();
            d.employments
                .entry(j.employee_remote_id.clone())
                .or_default()
                .push(j);
        }
    })
    .await?;
    for_each_entity(conn, company_id, |at, c: Compensation| {
        if wanted(&at) {
            let d = data.entry(at.connection_id).or_default();
            d.compensations
                .entry(c.employee_remote_id.clone())
                .or_default()
                .push(c);
        }
    })
    .await?;
    let mut sides: HashMap<RecordId, Side> = HashMap::new();
    let mut refs = Vec::new();
    for (connection_id, d) in &data {
        let Some(&category) = categories.get(connection_id) else {
            continue;
        };
        for (record_id, e) in &d.employees {
            refs.push(EmployeeRef {
                record_id: *record_id,
                connection_id: *connection_id,
                category,
                work_email: e.work_email.clone(),
            });
            sides.insert(*record_id, d.side(*record_id, e, category, today));
        }
    }
    Ok(linked_pairs(&refs)
        .into_iter()
        .filter_map(|p| Some((p, sides.get(&p.left)?.clone(), sides.get(&p.right)?.clone())))
        .collect())
}

/// The people linked across the HRIS and payroll. Until identity resolution lands this is the
/// work-email fallback; then it should return the confirmed identity links' record pairs.
fn linked_pairs(refs: &[EmployeeRef]) -> Vec<LinkedPair> {
    pair_by_work_email(refs, Category::Hris, Category::Payroll)
}

fn proposed_write(
    to: &ConflictSource,
    field: Field,
    value: &FieldValue,
    today: NaiveDate,
) -> ProposedWrite {
    let op = match (field, value) {
        (Field::PayRate, FieldValue::Pay { rate, .. }) => Some(WriteOp::UpdatePayRate {
            remote_id: to.remote_id.clone(),
            rate: *rate,
            effective_date: today,
        }),
        (Field::JobTitle, FieldValue::Text(t)) => Some(WriteOp::UpdateEmployee {
            remote_id: to.remote_id.clone(),
            changes: EmployeeChanges {
                job_title: Some(t.clone()),
                ..EmployeeChanges::default()
            },
        }),
        (Field::Department, FieldValue::Text(t)) => Some(WriteOp::UpdateEmployee {
            remote_id: to.remote_id.clone(),
            changes: EmployeeChanges {
                department: Some(t.clone()),
                ..EmployeeChanges::default()
            },
        }),
        _ => None,
    };
    ProposedWrite {
        connection_id: to.connection_id,
        provider: to.provider.clone(),
        remote_id: to.remote_id.clone(),
        field,
        value: value.clone(),
        op,
    }
}

/// The writes that bring every source whose value differs from `value` in line.
/// Queues the proposed writes the connectors can carry out (today: employee field updates)
/// in the outbox, where they are retried, audited and shown like every other write. Pay-rate
/// writes stay proposals to enter by hand: no payroll connector writes rates yet.
async fn enqueue_proposed(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    conflict_id: &str,
    person: &str,
    writes: &[ProposedWrite],
    owner_decided: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let mut queued = 0;
    for w in writes {
        let Some(op) = &w.op else { continue };
        let writable = maestro_connectors::Registry::current()
            .get(&w.provider)
            .and_then(|d| d.manifest.entity(maestro_core::model::EntityKind::Employee))
            .is_some_and(|e| e.write);
        if !writable || !matches!(op, WriteOp::UpdateEmployee { .. }) {
            continue;
        }
        let payload = serde_json::to_value(op)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let changes = json!([{ "field": w.field, "after": w.value }]);
        let summary = format!(
            "Set {}'s {} in {} (decided in the review queue)",
            person,
            w.field.label(),
            provider_name(&w.provider)
        );
        let key = format!("conflict:{conflict_id}:{}", w.connection_id);
        let enqueued = maestro_store::outbox::enqueue(
            conn,
            &maestro_store::outbox::NewOutboxItem {
                company_id,
                connection_id: w.connection_id,
                route: "review_queue",
                subject: &key,
                operation: "update_employee",
                payload: &payload,
                changes: &changes,
                summary: &summary,
                idempotency_key: &key,
                requires_approval: op.affects_pay() && !owner_decided,
            },
            now,
        )
        .await?;
        queued += usize::from(enqueued.created);
    }
    Ok(queued)
}

fn writes_for(
    sources: &[ConflictSource],
    field: Field,
    value: &FieldValue,
    today: NaiveDate,
) -> Vec<ProposedWrite> {
    sources
        .iter()
        .filter(|s| from_json(&s.value).as_ref() != Some(value))
        .map(|s| proposed_write(s, field, value, today))
        .collect()
}

/// True when every source still holds the value it held when `decision` was made: the
/// decision stands and its proposed writes have not landed yet.
fn unchanged_since(decision: &Conflict, sources: &[ConflictSource]) -> bool {
    decision.sources.len() == sources.len()
        && sources.iter().all(|s| {
            decision.sources.iter().any(|d| {
                d.connection_id == s.connection_id
                    && from_json(&d.value).is_some()
                    && from_json(&d.value) == from_json(&s.value)
            })
        })
}

async fn refresh_waiting_alert(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<usize> {
    let open = store::list(conn, company_id, Some("open")).await?.len();
    if open == 0 {
        alerts::resolve(conn, company_id, WAITING_KEY, at).await?;
    } else {
        alerts::raise(
            conn,
            &NewAlert {
                company_id,
                connection_id: None,
                kind: KIND_WAITING.into(),
                severity: Severity::Warning,
                dedupe_key: WAITING_KEY.into(),
                title: format!(
                    "{open} difference{} between your systems need{} your decision",
                    if open == 1 { "" } else { "s" },
                    if open == 1 { "s" } else { "" }
                ),
                // Read in the desktop (whose Review action opens the screen) and by
                // `maestro alerts` (which names the command for the action): no UI named here.
                detail: "The same person has different values in two systems and the rules \
                         cannot safely pick one. Review each and keep the right value."
                    .into(),
                action: Some("review".into()),
            },
            at,
        )
        .await?;
    }
    Ok(open)
}

impl App {
    /// The source of truth per field for a company: the defaults with the owner's choices.
    pub async fn field_owners(&self, company_id: CompanyId) -> Result<FieldOwners> {
        let mut conn = self.conn().await?;
        let mut owners = FieldOwners::default();
        for (field, owner) in store::owners(&mut conn, company_id).await? {
            if let (Ok(f), Some(c)) = (field.parse::<Field>(), parse_category(&owner)) {
                owners.set(f, c);
            }
        }
        Ok(owners)
    }

    /// Makes `owner` (a kind of system) the source of truth for `field`; audited.
    pub async fn set_field_owner(
        &self,
        company_id: CompanyId,
        field: Field,
        owner: Category,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        store::set_owner(
            tx.conn(),
            company_id,
            field.as_str(),
            category_name(owner),
            now,
        )
        .await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "conflicts.set_owner", field.as_str())
                .company(company_id)
                .detail(json!({ "owner": category_name(owner) })),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Compares linked people across the HRIS and payroll (run it after syncs): fills the
    /// review queue, records what the rules decided, and raises or resolves discrepancy
    /// alerts. Running it again without changes changes nothing.
    pub async fn detect_conflicts(&self, company_id: CompanyId) -> Result<DetectionSummary> {
        let owners = self.field_owners(company_id).await?;
        let now = self.now();
        let today = now.date_naive();
        let chosen = {
            let routes = self.route_settings(company_id).await?;
            Chosen {
                hris: routes.hris,
                payroll: routes.payroll,
            }
        };
        let pairs = {
            let mut conn = self.conn().await?;
            snapshot(&mut conn, company_id, today, chosen).await?
        };
        let mut summary = DetectionSummary {
            people: pairs.len(),
            ..DetectionSummary::default()
        };
        let mut tx = self.store.write().await?;
        let conn = tx.conn();
        let mut live_keys = BTreeSet::new();
        let mut alert_keys = BTreeSet::new();
        for (pair, left, right) in &pairs {
            let key = pair.key();
            live_keys.insert(key.clone());
            for field in COMPARED {
                let (Some(lv), Some(rv)) = (left.values.get(&field), right.values.get(&field))
                else {
                    continue;
                };
                let sources = vec![left.source(lv)?, right.source(rv)?];
                let open = store::open_for(conn, company_id, &key, field.as_str()).await?;
                let base = store::baseline(conn, company_id, &key, field.as_str())
                    .await?
                    .as_ref()
                    .and_then(from_json);
                let decision = decide(
                    field,
                    base.as_ref(),
                    &owners,
                    (left.category, lv),
                    (right.category, rv),
                );
                if let Decision::InStep(v) = &decision {
                    store::set_baseline(conn, company_id, &key, field.as_str(), &to_json(v)?, now)
                        .await?;
                    if let Some(c) = open {
                        let resolution = json!({ "outcome": "in_step", "value": v });
                        store::resolve(conn, company_id, &c.id, &resolution, "detection", now)
                            .await?;
                        summary.closed += 1;
                    }
                    continue;
                }
                if open.is_none()
                    && store::latest_decision(conn, company_id, &key, field.as_str())
                        .await?
                        .is_some_and(|d| unchanged_since(&d, &sources))
                {
                    // Decided already; its proposed write has not landed yet.
                    continue;
                }
                let side = |w: Which| if w == Which::Left { left } else { right };
                let new = NewConflict {
                    company_id,
                    pair_key: key.clone(),
                    identity_id: None,
                    person: left.name.clone(),
                    field: field.as_str().into(),
                    base_value: base.as_ref().map(to_json).transpose()?,
                    sources: sources.clone(),
                    suggested: match decision {
                        Decision::Review { suggested: Some(w) }
                        | Decision::Apply { winner: w, .. } => Some(side(w).connection_id),
                        _ => None,
                    },
                };
                match decision {
                    Decision::InStep(_) => {}
                    Decision::Apply { winner, reason } => {
                        let win = side(winner);
                        let value = win.values.get(&field).cloned().ok_or_else(|| {
                            AppError::new(ErrorCode::Internal, "compared value vanished")
                        })?;
                        let rule = match reason {
                            Reason::Owner => format!(
                                "rule: {} owns the {}",
                                category_name(owners.owner(field)),
                                field.label()
                            ),
                            Reason::OnlyChange => {
                                format!("rule: only {} changed it", win.provider)
                            }
                        };
                        let writes = writes_for(&sources, field, &value, today);
                        let resolution = json!({
                            "outcome": "applied",
                            "kept": win.provider,
                            "kept_connection": win.connection_id,
                            "value": value,
                            "proposed_writes": writes,
                        });
                        let id = match &open {
                            Some(c) => {
                                store::resolve(conn, company_id, &c.id, &resolution, &rule, now)
                                    .await?;
                                c.id.clone()
                            }
                            None => {
                                store::record_decision(conn, &new, &resolution, &rule, now).await?
                            }
                        };
                        store::set_baseline(
                            conn,
                            company_id,
                            &key,
                            field.as_str(),
                            &to_json(&value)?,
                            now,
                        )
                        .await?;
                        audit::append(
                            conn,
                            &AuditEvent::new(&self.actor, "conflict.auto_resolve", &id)
                                .company(company_id)
                                .detail(json!({
                                    "person": left.name,
                                    "field": field,
                                    "rule": rule,
                                    "resolution": resolution,
                                })),
                            now,
                        )
                        .await?;
                        enqueue_proposed(conn, company_id, &id, &left.name, &writes, false, now)
                            .await?;
                        summary.decided += 1;
                    }
                    Decision::Review { .. } => {
                        let (id, created) = store::open_or_refresh(conn, &new, now).await?;
                        if created {
                            summary.opened += 1;
                            audit::append(
                                conn,
                                &AuditEvent::new(&self.actor, "conflict.open", &id)
                                    .company(company_id)
                                    .detail(json!({
                                        "person": left.name,
                                        "field": field,
                                        "values": sources
                                            .iter()
                                            .map(|s| (s.provider.clone(), s.value.clone()))
                                            .collect::<BTreeMap<_, _>>(),
                                    })),
                                now,
                            )
                            .await?;
                        } else {
                            summary.still_open += 1;
                        }
                    }
                }
            }
            for alert in discrepancies(company_id, &key, left, right) {
                alert_keys.insert(alert.dedupe_key.clone());
                alerts::raise(conn, &alert, now).await?;
            }
        }
        // Open conflicts of people no longer linked: their records are gone.
        for c in store::list(conn, company_id, Some("open")).await? {
            if !live_keys.contains(&c.pair_key) {
                let resolution = json!({ "outcome": "records_gone" });
                store::resolve(conn, company_id, &c.id, &resolution, "detection", now).await?;
                summary.closed += 1;
            }
        }
        for a in alerts::open(conn, company_id).await? {
            if (a.kind == KIND_PAY || a.kind == KIND_TERMINATION)
                && !alert_keys.contains(&a.dedupe_key)
            {
                alerts::resolve(conn, company_id, &a.dedupe_key, now).await?;
            }
        }
        summary.discrepancies = alert_keys.len();
        refresh_waiting_alert(conn, company_id, now).await?;
        audit::append(
            conn,
            &AuditEvent::new(&self.actor, "conflicts.detect", "employees")
                .company(company_id)
                .records(i64::try_from(summary.people).unwrap_or(i64::MAX))
                .detail(to_json(&summary)?),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The company's conflicts: the open ones (the review queue), or all with `all`.
    pub async fn conflicts(&self, company_id: CompanyId, all: bool) -> Result<Vec<Conflict>> {
        let mut conn = self.conn().await?;
        let status = if all { None } else { Some("open") };
        Ok(store::list(&mut conn, company_id, status).await?)
    }

    /// Settles an open conflict (`id` or a unique start of it) with the owner's `choice`;
    /// audited. The systems holding another value get a proposed write, recorded in the
    /// resolution for the outbox.
    pub async fn resolve_conflict(
        &self,
        company_id: CompanyId,
        id: &str,
        choice: &Choice,
    ) -> Result<Conflict> {
        let conflict = self.find_conflict(company_id, id).await?;
        if conflict.status != "open" {
            return Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "this difference was already settled by {}{}",
                    conflict.resolved_by.as_deref().unwrap_or("someone"),
                    conflict
                        .resolved_at
                        .map(|t| format!(" at {}", t.to_rfc3339()))
                        .unwrap_or_default()
                ),
            ));
        }
        let field: Field =
            conflict
                .field
                .parse()
                .map_err(|e: maestro_sync::conflicts::UnknownField| {
                    AppError::new(ErrorCode::Internal, e.to_string())
                })?;
        let (value, kept) = match choice {
            Choice::Keep(sel) => {
                let sel = sel.trim();
                let source = conflict
                    .sources
                    .iter()
                    .find(|s| {
                        s.connection_id.to_string() == sel
                            || s.provider.eq_ignore_ascii_case(sel)
                            || s.category.eq_ignore_ascii_case(sel)
                    })
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::Validation,
                            format!(
                                "'{sel}' is not one of the systems in this difference; choose {}",
                                conflict
                                    .sources
                                    .iter()
                                    .map(|s| s.provider.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        )
                    })?;
                let value = from_json(&source.value).ok_or_else(|| {
                    AppError::new(ErrorCode::Internal, "a stored value could not be read")
                })?;
                (value, json!(source.provider))
            }
            Choice::Value(text) => {
                let like = conflict.sources.iter().find_map(|s| from_json(&s.value));
                let value = FieldValue::parse_for(field, text, like.as_ref())
                    .map_err(|m| AppError::new(ErrorCode::Validation, m))?;
                (value, Value::Null)
            }
        };
        let now = self.now();
        let writes = writes_for(&conflict.sources, field, &value, now.date_naive());
        let resolution = json!({
            "outcome": "owner_decision",
            "kept": kept,
            "value": value,
            "proposed_writes": writes,
        });
        let mut tx = self.store.write().await?;
        let conn = tx.conn();
        if !store::resolve(
            conn,
            company_id,
            &conflict.id,
            &resolution,
            &self.actor,
            now,
        )
        .await?
        {
            return Err(AppError::new(
                ErrorCode::Validation,
                "this difference was settled meanwhile; list the review queue again",
            ));
        }
        store::set_baseline(
            conn,
            company_id,
            &conflict.pair_key,
            field.as_str(),
            &to_json(&value)?,
            now,
        )
        .await?;
        audit::append(
            conn,
            &AuditEvent::new(&self.actor, "conflict.resolve", &conflict.id)
                .company(company_id)
                .detail(json!({
                    "person": conflict.person,
                    "field": field,
                    "kept": kept,
                    "value": value,
                    "proposed_writes": writes,
                })),
            now,
        )
        .await?;
        enqueue_proposed(
            conn,
            company_id,
            &conflict.id,
            &conflict.person,
            &writes,
            true,
            now,
        )
        .await?;
        refresh_waiting_alert(conn, company_id, now).await?;
        tx.commit().await?;
        self.find_conflict(company_id, &conflict.id).await
    }

    async fn find_conflict(&self, company_id: CompanyId, id: &str) -> Result<Conflict> {
        let mut conn = self.conn().await?;
        let id = id.trim();
        if let Some(c) = store::get(&mut conn, company_id, id).await? {
            return Ok(c);
        }
        let mut matches: Vec<Conflict> = store::list(&mut conn, company_id, None)
            .await?
            .into_iter()
            .filter(|c| !id.is_empty() && c.id.starts_with(id))
            .collect();
        match matches.len() {
            1 => Ok(matches.remove(0)),
            0 => Err(AppError::new(
                ErrorCode::NotFound,
                format!("there is no difference with id '{id}'; see `maestro conflicts list`"),
            )),
            n => Err(AppError::new(
                ErrorCode::Validation,
                format!("'{id}' matches {n} differences; type more of the id"),
            )),
        }
    }
}

/// The cross-system discrepancies of one linked pair (HRIS left, payroll right), as alerts.
/// The provider's display name ("BambooHR"), for messages.
fn provider_name(id: &str) -> String {
    maestro_connectors::Registry::current()
        .get(id)
        .map(|d| d.manifest.name.to_owned())
        .unwrap_or_else(|| id.to_owned())
}

fn discrepancies(company_id: CompanyId, key: &str, hris: &Side, payroll: &Side) -> Vec<NewAlert> {
    let mut out = Vec::new();
    let (hris_name, payroll_name) = (
        provider_name(&hris.provider),
        provider_name(&payroll.provider),
    );
    if hris.status == EmploymentStatus::Terminated && payroll.status != EmploymentStatus::Terminated
    {
        let when = hris
            .termination_date
            .map(|d| format!(" on {d}"))
            .unwrap_or_default();
        out.push(NewAlert {
            company_id,
            connection_id: Some(payroll.connection_id),
            kind: KIND_TERMINATION.into(),
            severity: Severity::Warning,
            dedupe_key: format!("discrepancy:terminated:{key}"),
            title: format!(
                "{} left in {hris_name} but is still active in {payroll_name}",
                hris.name
            ),
            detail: format!(
                "{} ended {}'s employment{when}, but {} still lists them as active, so they \
                 could be paid again. Terminate them in {} (or correct {}).",
                hris_name, hris.name, payroll_name, payroll_name, hris_name
            ),
            action: Some("review".into()),
        });
    }
    if let (Some(a), Some(b)) = (
        hris.values.get(&Field::PayRate),
        payroll.values.get(&Field::PayRate),
    ) && a != b
    {
        out.push(NewAlert {
            company_id,
            connection_id: Some(payroll.connection_id),
            kind: KIND_PAY.into(),
            severity: Severity::Warning,
            dedupe_key: format!("discrepancy:pay_rate:{key}"),
            title: format!("{}'s pay rate differs between systems", hris.name),
            detail: format!(
                "{} has {a}, {} has {b}. Check which is right and keep it in the review \
                 queue; the other system will be updated after you approve.",
                hris_name, payroll_name
            ),
            action: Some("review".into()),
        });
    }
    out
}
