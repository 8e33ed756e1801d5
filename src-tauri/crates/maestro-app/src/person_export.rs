//! A person's data export (a data subject access request under GDPR art. 15 / CCPA): every
//! value this installation holds about one person, in one file set — JSON for machines and a
//! self-contained HTML summary for people.
//!
//! **What is included.** The records linked to the person's identity (their employee,
//! contractor and background-check candidate records, in every connection) and every record
//! attributable to them: any record whose canonical data, in any version, refers to one of
//! those by `employee_remote_id` within the same connection (jobs, pay rates, pay statements,
//! time entries, timesheets, time off, benefit enrollments, bank accounts, dependents), the
//! background checks of their candidate records (`candidate_remote_id`), and signature
//! requests that list one of their email addresses as a signer. For each record: **every
//! stored version**, deleted ones included, with its validity range, the sync run that stored
//! it, the connection and provider it came from, the canonical data and the provider's raw
//! payload. Sensitive values (SSN, birth date, bank numbers) are included: it is the person's
//! own data. Also their identity links (method, confidence, status), the conflicts about them,
//! the queued writes (outbox) about them, the alerts that name them, and the audit entries
//! that touched their records ([`TOUCHED`]). Records about other people that merely point at
//! this person (someone whose manager they are) are the other person's data and are left out.
//!
//! The export itself is audited (`person.export`, target the identity id; the entry holds
//! counts only, never a name or a path, which could name the person).

mod html;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use maestro_connectors::{Category, Registry};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::EntityKind;
use maestro_store::audit::{self, AuditEntry, AuditEvent};
use maestro_store::conflicts::{self, Conflict};
use maestro_store::identities::{self, IdentityId};
use maestro_store::outbox::{self, OutboxItem};
use maestro_store::person_records::{self, AlertRow};
use maestro_store::records::{self, StoredRecord};
use maestro_store::sqlx::SqliteConnection;
use maestro_store::sync_runs::{self, SyncRun};
use serde::Serialize;
use serde_json::Value;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// The `format` member of the JSON: its name and version.
pub const FORMAT: &str = "integration-maestro/person-export/1";

/// What "an audit entry touched the person" means, as the export states it.
pub const TOUCHED: &str = "An audit entry touched this person when (1) it names them: its target or detail holds \
the id of their identity, of one of their records, or of a conflict, queued write or alert about them \
(identity confirm/split/merge, conflict decisions, writes to providers, reads of one record through the \
local API, this export); (2) it is the sync read that stored a version of one of their records, or the \
last full sync that saw one; or (3) it is an export of all records (or of a kind they have a record of) \
made while one of those records was live. Reads through the local API of a whole list, GraphQL queries \
and identity matching runs over everyone do not say which records they returned, so they are not listed.";

/// Kinds that belong to an employee (or contractor) through `employee_remote_id`.
const EMPLOYEE_OWNED: [EntityKind; 10] = [
    EntityKind::Employment,
    EntityKind::Compensation,
    EntityKind::TimeOffRequest,
    EntityKind::TimeOffBalance,
    EntityKind::TimeEntry,
    EntityKind::TimesheetEntry,
    EntityKind::PayStatement,
    EntityKind::BenefitEnrollment,
    EntityKind::BankAccount,
    EntityKind::Dependent,
];

/// The whole export, as written to the JSON file.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// [`FORMAT`].
    pub format: &'static str,
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// The company holding the data.
    pub company: ExportCompany,
    /// Who it is about.
    pub person: ExportPerson,
    /// What the audit section counts as touching the person ([`TOUCHED`]).
    pub audit_scope: &'static str,
    /// How the person's records are linked to their identity.
    pub identity_links: Vec<IdentityLinkOut>,
    /// Every record held about them, each with every version.
    pub records: Vec<RecordOut>,
    /// Conflicts between systems about them.
    pub conflicts: Vec<Conflict>,
    /// Writes to providers queued about them.
    pub outbox: Vec<OutboxItem>,
    /// Alerts that name them.
    pub alerts: Vec<AlertRow>,
    /// Audit entries that touched their records, oldest first.
    pub audit: Vec<AuditTouch>,
}

/// The company in an export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportCompany {
    /// Local id.
    pub id: CompanyId,
    /// Name.
    pub name: String,
}

/// Who an export is about.
#[derive(Debug, Clone, Serialize)]
pub struct ExportPerson {
    /// The identity joining their records across tools.
    pub identity_id: IdentityId,
    /// Name, as the roster shows it.
    pub name: String,
    /// Work email, as the roster shows it.
    pub work_email: Option<String>,
}

/// One identity link: a record of the person and why it is theirs.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityLinkOut {
    /// The linked record.
    pub record_id: RecordId,
    /// Its kind (employee, contractor, candidate).
    pub kind: Option<EntityKind>,
    /// Its connection's name.
    pub connection: String,
    /// Connector id.
    pub provider: String,
    /// The provider's id for it.
    pub remote_id: String,
    /// How it was matched (work_email, employee_number, name_birth_date, owner…).
    pub method: String,
    /// How sure the match is.
    pub confidence: String,
    /// auto, suggested, confirmed or split.
    pub status: String,
    /// Linked.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Why a record is in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Relation {
    /// Linked to the person's identity.
    Linked,
    /// Its data names one of the person's records by remote id in `field`.
    RefersTo {
        /// The referring field (`employee_remote_id`).
        field: &'static str,
    },
    /// It lists one of the person's email addresses as a signer.
    Signer,
}

/// One record with all its versions.
#[derive(Debug, Clone, Serialize)]
pub struct RecordOut {
    /// Local record id.
    pub record_id: RecordId,
    /// Kind.
    pub kind: EntityKind,
    /// Connection it came from.
    pub connection_id: ConnectionId,
    /// That connection's name.
    pub connection: String,
    /// Connector id.
    pub provider: String,
    /// The provider's id.
    pub remote_id: String,
    /// Why it is the person's.
    pub relation: Relation,
    /// First stored here.
    pub first_seen_at: Option<DateTime<Utc>>,
    /// Every version, oldest first.
    pub versions: Vec<VersionOut>,
}

/// One stored version of a record.
#[derive(Debug, Clone, Serialize)]
pub struct VersionOut {
    /// Version number, from 1.
    pub version: i64,
    /// When it became current here.
    pub valid_from: DateTime<Utc>,
    /// When it was superseded (None: current).
    pub valid_to: Option<DateTime<Utc>>,
    /// A deletion tombstone (the provider no longer had the record).
    pub deleted: bool,
    /// The provider's last-modified time, when it gave one.
    pub remote_modified_at: Option<DateTime<Utc>>,
    /// The sync run that stored it.
    pub sync_run: Option<RunOut>,
    /// The canonical data.
    pub data: Value,
    /// The provider's payload as received.
    pub raw: Value,
}

/// The sync run behind a version.
#[derive(Debug, Clone, Serialize)]
pub struct RunOut {
    /// Run id.
    pub id: String,
    /// full or incremental.
    pub mode: Option<String>,
    /// Why it ran (schedule, sync now, webhook…).
    pub trigger: Option<String>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
}

/// Why an audit entry is in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchReason {
    /// It names the person (their identity, a record, conflict, write or alert of theirs).
    Names,
    /// The sync read that stored a version of one of their records.
    SyncStored,
    /// The last full sync that saw one of their records.
    SyncSaw,
    /// An export of records that included theirs.
    Exported,
}

/// An audit entry that touched the person, and why.
#[derive(Debug, Clone, Serialize)]
pub struct AuditTouch {
    /// Why it counts.
    pub reason: TouchReason,
    /// The entry as stored.
    pub entry: AuditEntry,
}

/// What writing an export produced.
#[derive(Debug, Clone, Serialize)]
pub struct PersonExportFiles {
    /// The JSON file.
    pub json: PathBuf,
    /// The HTML summary.
    pub html: PathBuf,
    /// Records included.
    pub records: usize,
    /// Versions included.
    pub versions: usize,
    /// Audit entries included.
    pub audit_entries: usize,
}

fn is_payroll(provider: &str) -> bool {
    Registry::current()
        .get(provider)
        .is_some_and(|d| d.manifest.category == Category::Payroll)
}

/// The payroll remote id an hours alert names (`discrepancy:hours:<remote id>:<day>`).
fn hours_alert_remote_id(dedupe_key: &str) -> Option<&str> {
    let rest = dedupe_key.strip_prefix("discrepancy:hours:")?;
    rest.rsplit_once(':').map(|(id, _)| id)
}

/// Whether `text` holds any of `ids` (UUIDs: a substring match cannot confuse two of them).
fn names_any(text: &str, ids: &BTreeSet<String>) -> bool {
    ids.iter().any(|id| text.contains(id.as_str()))
}

/// True when some version of the record was live (not a tombstone) at `at`.
fn live_at(versions: &[VersionOut], at: DateTime<Utc>) -> bool {
    versions
        .iter()
        .any(|v| !v.deleted && v.valid_from <= at && v.valid_to.is_none_or(|to| to > at))
}

/// The email addresses in a person record's data (work, personal, a contractor's or
/// candidate's email), lowercased.
fn emails_of(data: &Value) -> impl Iterator<Item = String> + '_ {
    ["work_email", "personal_email", "email"]
        .into_iter()
        .filter_map(|k| data.get(k).and_then(Value::as_str))
        .filter(|e| e.contains('@'))
        .map(str::to_lowercase)
}

/// The sync run of a version, described (a run since removed keeps only its id).
async fn run_out(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    cache: &mut BTreeMap<String, Option<SyncRun>>,
    id: &str,
) -> Result<RunOut> {
    if !cache.contains_key(id) {
        let run = sync_runs::get(conn, company_id, id).await?;
        cache.insert(id.to_owned(), run);
    }
    let run = cache.get(id).and_then(Option::as_ref);
    Ok(RunOut {
        id: id.to_owned(),
        mode: run.map(|r| r.mode.clone()),
        trigger: run.map(|r| r.trigger.clone()),
        started_at: run.map(|r| r.started_at),
    })
}

/// Every version of one record, with the run behind each.
async fn versions_of(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    record_id: RecordId,
    runs: &mut BTreeMap<String, Option<SyncRun>>,
) -> Result<(Vec<StoredRecord>, Vec<VersionOut>)> {
    let history = records::history(conn, company_id, record_id).await?;
    let sources: BTreeMap<i64, Option<String>> =
        person_records::version_sources(conn, company_id, record_id)
            .await?
            .into_iter()
            .map(|s| (s.version, s.sync_run_id))
            .collect();
    let mut out = Vec::with_capacity(history.len());
    for v in &history {
        let sync_run = match sources.get(&v.version).cloned().flatten() {
            Some(id) => Some(run_out(conn, company_id, runs, &id).await?),
            None => None,
        };
        out.push(VersionOut {
            version: v.version,
            valid_from: v.valid_from,
            valid_to: v.valid_to,
            deleted: v.deleted,
            remote_modified_at: v.remote_modified_at,
            sync_run,
            data: v.data.clone(),
            raw: v.raw.to_value(),
        });
    }
    Ok((history, out))
}

impl App {
    /// Gathers everything held about one person (`identity_id` from [`App::people`]). Reads
    /// only; [`App::export_person`] writes and audits it.
    pub async fn person_export(
        &self,
        company_id: CompanyId,
        identity_id: IdentityId,
    ) -> Result<PersonExport> {
        let company = self.company(Some(&company_id.to_string())).await?;
        let person = self
            .people(company_id)
            .await?
            .into_iter()
            .find(|p| p.identity_id == identity_id);
        let mut conn = self.conn().await?;
        let links = identities::links_of(&mut conn, company_id, identity_id).await?;
        let Some(person) = person.filter(|_| !links.is_empty()) else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this person is no longer in the roster; refresh the list",
            ));
        };
        let connections: BTreeMap<ConnectionId, (String, String)> =
            maestro_store::connections::list(&mut conn, company_id)
                .await?
                .into_iter()
                .map(|c| (c.id, (c.display_name, c.provider)))
                .collect();
        let name_of = |id: &ConnectionId, provider: &str| {
            connections
                .get(id)
                .map_or_else(|| provider.to_owned(), |c| c.0.clone())
        };
        let mut runs = BTreeMap::new();
        let mut out_records: Vec<RecordOut> = Vec::new();
        let mut identity_links = Vec::new();
        // The person's own records: who they are in each tool.
        let mut owners: BTreeSet<(ConnectionId, String)> = BTreeSet::new();
        let mut candidates: BTreeSet<(ConnectionId, String)> = BTreeSet::new();
        let mut emails: BTreeSet<String> = BTreeSet::new();
        let mut payroll_ids: BTreeSet<String> = BTreeSet::new();
        for link in &links {
            let (history, versions) =
                versions_of(&mut conn, company_id, link.record_id, &mut runs).await?;
            let first = history.first();
            identity_links.push(IdentityLinkOut {
                record_id: link.record_id,
                kind: first.map(|r| r.kind),
                connection: first
                    .map_or_else(String::new, |r| name_of(&r.connection_id, &r.provider)),
                provider: first.map_or_else(String::new, |r| r.provider.clone()),
                remote_id: first.map_or_else(String::new, |r| r.remote_id.clone()),
                method: link.method.clone(),
                confidence: link.confidence.clone(),
                status: link.status.clone(),
                created_at: link.created_at,
                updated_at: link.updated_at,
            });
            let Some(first) = first else { continue };
            let key = (first.connection_id, first.remote_id.clone());
            if first.kind == EntityKind::Candidate {
                candidates.insert(key);
            } else {
                owners.insert(key);
            }
            if is_payroll(&first.provider) {
                payroll_ids.insert(first.remote_id.clone());
            }
            for v in &history {
                emails.extend(emails_of(&v.data));
            }
            out_records.push(record_out(first, Relation::Linked, versions, &name_of));
        }
        // Records attributable to them.
        let mut attributable: Vec<(RecordId, Relation)> = Vec::new();
        for kind in EMPLOYEE_OWNED {
            let found = person_records::records_where(&mut conn, company_id, kind, |c, data| {
                data.get("employee_remote_id")
                    .and_then(Value::as_str)
                    .is_some_and(|o| owners.contains(&(c, o.to_owned())))
            })
            .await?;
            attributable.extend(found.into_iter().map(|id| {
                (
                    id,
                    Relation::RefersTo {
                        field: "employee_remote_id",
                    },
                )
            }));
        }
        let checks = person_records::records_where(
            &mut conn,
            company_id,
            EntityKind::BackgroundCheck,
            |c, data| {
                data.get("candidate_remote_id")
                    .and_then(Value::as_str)
                    .is_some_and(|o| candidates.contains(&(c, o.to_owned())))
            },
        )
        .await?;
        attributable.extend(checks.into_iter().map(|id| {
            (
                id,
                Relation::RefersTo {
                    field: "candidate_remote_id",
                },
            )
        }));
        let signed = person_records::records_where(
            &mut conn,
            company_id,
            EntityKind::SignatureRequest,
            |_, data| {
                data.get("signers")
                    .and_then(Value::as_array)
                    .is_some_and(|signers| {
                        signers.iter().any(|s| {
                            s.get("email")
                                .and_then(Value::as_str)
                                .is_some_and(|e| emails.contains(&e.to_lowercase()))
                        })
                    })
            },
        )
        .await?;
        attributable.extend(signed.into_iter().map(|id| (id, Relation::Signer)));
        for (id, relation) in attributable {
            let (history, versions) = versions_of(&mut conn, company_id, id, &mut runs).await?;
            if let Some(first) = history.first() {
                out_records.push(record_out(first, relation, versions, &name_of));
            }
        }
        for r in &mut out_records {
            r.first_seen_at = person_records::seen(&mut conn, company_id, r.record_id)
                .await?
                .map(|s| s.first_seen_at);
        }
        let record_ids: BTreeSet<String> = out_records
            .iter()
            .map(|r| r.record_id.to_string())
            .collect();

        let conflicts: Vec<Conflict> = conflicts::list(&mut conn, company_id, None)
            .await?
            .into_iter()
            .filter(|c| {
                c.identity_id.as_deref() == Some(identity_id.to_string().as_str())
                    || names_any(&c.pair_key, &record_ids)
                    || c.sources
                        .iter()
                        .any(|s| record_ids.contains(&s.record_id.to_string()))
            })
            .collect();
        let conflict_ids: BTreeSet<String> = conflicts.iter().map(|c| c.id.clone()).collect();
        let outbox: Vec<OutboxItem> = outbox::list(&mut conn, company_id, None)
            .await?
            .into_iter()
            .filter(|o| {
                let text = format!("{} {} {}", o.subject, o.payload, o.changes);
                names_any(&text, &record_ids) || names_any(&text, &conflict_ids)
            })
            .collect();
        let name_lower = person.name.to_lowercase();
        let alerts: Vec<AlertRow> = person_records::all_alerts(&mut conn, company_id)
            .await?
            .into_iter()
            .filter(|a| {
                names_any(&a.dedupe_key, &record_ids)
                    || hours_alert_remote_id(&a.dedupe_key).is_some_and(|r| payroll_ids.contains(r))
                    || (name_lower.contains(' ')
                        && format!("{} {}", a.title, a.detail)
                            .to_lowercase()
                            .contains(&name_lower))
            })
            .collect();

        let mut named: BTreeSet<String> = record_ids.clone();
        named.insert(identity_id.to_string());
        named.extend(conflict_ids);
        named.extend(outbox.iter().map(|o| o.id.clone()));
        named.extend(alerts.iter().map(|a| a.id.clone()));
        let stored_by: BTreeSet<String> = out_records
            .iter()
            .flat_map(|r| &r.versions)
            .filter_map(|v| v.sync_run.as_ref().map(|s| s.id.clone()))
            .collect();
        let mut saw: BTreeSet<String> = BTreeSet::new();
        for r in &out_records {
            if let Some(run) = person_records::seen(&mut conn, company_id, r.record_id)
                .await?
                .and_then(|s| s.last_seen_run)
            {
                saw.insert(run);
            }
        }
        let audit = touching(
            &mut conn,
            company_id,
            &named,
            &stored_by,
            &saw,
            &out_records,
        )
        .await?;
        Ok(PersonExport {
            format: FORMAT,
            generated_at: self.now(),
            company: ExportCompany {
                id: company.id,
                name: company.name,
            },
            person: ExportPerson {
                identity_id,
                name: person.name,
                work_email: person.work_email,
            },
            audit_scope: TOUCHED,
            identity_links,
            records: out_records,
            conflicts,
            outbox,
            alerts,
            audit,
        })
    }

    /// Writes a person's export ([`App::person_export`]) as JSON and HTML and audits it
    /// (`person.export`). `out` is a folder (files named after the identity and the day) or a
    /// file name: its `.json` and `.html` siblings are written.
    pub async fn export_person(
        &self,
        company_id: CompanyId,
        identity_id: IdentityId,
        out: &Path,
    ) -> Result<PersonExportFiles> {
        let export = self.person_export(company_id, identity_id).await?;
        let (json_path, html_path) = file_names(out, &export);
        let json = serde_json::to_vec_pretty(&export).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot encode the export: {e}"),
            )
        })?;
        write_new(&json_path, &json)?;
        write_new(&html_path, html::render(&export).as_bytes())?;
        let versions = export.records.iter().map(|r| r.versions.len()).sum();
        self.audit(
            AuditEvent::new(&self.actor, "person.export", &identity_id.to_string())
                .company(company_id)
                .records(i64::try_from(export.records.len()).unwrap_or(i64::MAX))
                .detail(serde_json::json!({
                    "formats": ["json", "html"],
                    "versions": versions,
                    "audit_entries": export.audit.len(),
                    "sensitive_fields": true,
                })),
        )
        .await?;
        Ok(PersonExportFiles {
            json: json_path,
            html: html_path,
            records: export.records.len(),
            versions,
            audit_entries: export.audit.len(),
        })
    }
}

fn record_out(
    first: &StoredRecord,
    relation: Relation,
    versions: Vec<VersionOut>,
    name_of: &dyn Fn(&ConnectionId, &str) -> String,
) -> RecordOut {
    RecordOut {
        record_id: first.record_id,
        kind: first.kind,
        connection_id: first.connection_id,
        connection: name_of(&first.connection_id, &first.provider),
        provider: first.provider.clone(),
        remote_id: first.remote_id.clone(),
        relation,
        first_seen_at: None,
        versions,
    }
}

/// The audit entries of the company that touched the person ([`TOUCHED`]), oldest first.
async fn touching(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    named: &BTreeSet<String>,
    stored_by: &BTreeSet<String>,
    saw: &BTreeSet<String>,
    held: &[RecordOut],
) -> Result<Vec<AuditTouch>> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = audit::page(conn, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in page {
            if entry.company_id.is_some_and(|c| c != company_id) {
                continue;
            }
            if let Some(reason) = touch_reason(&entry, named, stored_by, saw, held) {
                out.push(AuditTouch { reason, entry });
            }
        }
    }
    Ok(out)
}

/// Why `entry` touched the person, if it did ([`TOUCHED`]).
fn touch_reason(
    entry: &AuditEntry,
    named: &BTreeSet<String>,
    stored_by: &BTreeSet<String>,
    saw: &BTreeSet<String>,
    held: &[RecordOut],
) -> Option<TouchReason> {
    if names_any(&entry.target, named) || names_any(&entry.detail.to_string(), named) {
        return Some(TouchReason::Names);
    }
    if entry.action == "sync.read" {
        let run = entry.detail.get("run_id").and_then(Value::as_str)?;
        if stored_by.contains(run) {
            return Some(TouchReason::SyncStored);
        }
        if saw.contains(run) {
            return Some(TouchReason::SyncSaw);
        }
        return None;
    }
    if entry.action == "records.export" && entry.company_id.is_some() {
        let included = held.iter().any(|r| {
            (entry.target == "all" || entry.target == r.kind.as_str())
                && live_at(&r.versions, entry.at)
        });
        if included {
            return Some(TouchReason::Exported);
        }
    }
    None
}

/// The JSON and HTML paths for `out`: a folder gets `person-<id end>-<day>.json|html`, a file
/// name its `.json` and `.html` forms.
fn file_names(out: &Path, export: &PersonExport) -> (PathBuf, PathBuf) {
    let is_dir = out.is_dir()
        || out
            .as_os_str()
            .to_string_lossy()
            .ends_with(std::path::MAIN_SEPARATOR);
    let base = if is_dir {
        let id: String = export
            .person
            .identity_id
            .to_string()
            .chars()
            .filter(|c| *c != '-')
            .collect();
        let tail = &id[id.len().saturating_sub(8)..];
        out.join(format!(
            "person-{tail}-{}",
            export.generated_at.format("%Y-%m-%d")
        ))
    } else {
        out.with_extension("")
    };
    (base.with_extension("json"), base.with_extension("html"))
}

/// Writes `bytes` to `path` through a temporary sibling renamed into place, so a reader never
/// sees half a file; the folder is created when missing.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(action: &str, target: &str, detail: Value) -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: "2026-03-02T10:00:00Z".parse().unwrap_or_default(),
            company_id: Some(CompanyId::new()),
            actor: "owner".into(),
            action: action.into(),
            target: target.into(),
            record_count: 1,
            detail,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn held(kind: EntityKind, from: &str, to: Option<&str>) -> RecordOut {
        RecordOut {
            record_id: RecordId::new(),
            kind,
            connection_id: ConnectionId::new(),
            connection: "Gusto".into(),
            provider: "gusto".into(),
            remote_id: "7".into(),
            relation: Relation::Linked,
            first_seen_at: None,
            versions: vec![VersionOut {
                version: 1,
                valid_from: from.parse().unwrap_or_default(),
                valid_to: to.and_then(|t| t.parse().ok()),
                deleted: false,
                remote_modified_at: None,
                sync_run: None,
                data: json!({}),
                raw: Value::Null,
            }],
        }
    }

    #[test]
    fn entries_touch_by_name_by_sync_run_and_by_export() {
        let rec = RecordId::new().to_string();
        let named: BTreeSet<String> = [rec.clone()].into();
        let stored: BTreeSet<String> = ["run-1".to_owned()].into();
        let saw: BTreeSet<String> = ["run-2".to_owned()].into();
        let records = [held(EntityKind::Employee, "2026-03-01T00:00:00Z", None)];
        let reason = |e: &AuditEntry| touch_reason(e, &named, &stored, &saw, &records);
        assert_eq!(
            reason(&entry("identities.split", &rec, json!({}))),
            Some(TouchReason::Names)
        );
        assert_eq!(
            reason(&entry("identities.merge", "x", json!({"moved": [rec]}))),
            Some(TouchReason::Names)
        );
        assert_eq!(
            reason(&entry("sync.read", "c", json!({"run_id": "run-1"}))),
            Some(TouchReason::SyncStored)
        );
        assert_eq!(
            reason(&entry("sync.read", "c", json!({"run_id": "run-2"}))),
            Some(TouchReason::SyncSaw)
        );
        assert_eq!(
            reason(&entry("sync.read", "c", json!({"run_id": "run-3"}))),
            None
        );
        assert_eq!(
            reason(&entry("records.export", "all", json!({}))),
            Some(TouchReason::Exported)
        );
        assert_eq!(
            reason(&entry("records.export", "employee", json!({}))),
            Some(TouchReason::Exported)
        );
        assert_eq!(
            reason(&entry("records.export", "time_entry", json!({}))),
            None
        );
        // An export made before the record arrived did not include it.
        let later = [held(EntityKind::Employee, "2026-03-05T00:00:00Z", None)];
        assert_eq!(
            touch_reason(
                &entry("records.export", "all", json!({})),
                &named,
                &stored,
                &saw,
                &later
            ),
            None
        );
        assert_eq!(
            reason(&entry("api.read", "/api/v1/employees", json!({}))),
            None
        );
    }

    #[test]
    fn hours_alerts_name_the_payroll_id() {
        assert_eq!(
            hours_alert_remote_id("discrepancy:hours:g-7:2026-03-01"),
            Some("g-7")
        );
        assert_eq!(hours_alert_remote_id("discrepancy:pay_rate:a:b"), None);
    }
}
