//! A person's timeline: every version of the records linked to them (their employee or
//! contractor records and the jobs and pay rates that hang off those), newest first, each with
//! the fields that changed. Sensitive values (SSN, birth date, bank numbers) are never shown,
//! only that they changed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{EntityKind, SENSITIVE_FIELDS, SENSITIVE_RAW_KEYS};
use maestro_store::connections;
use maestro_store::identities::{self, IdentityId};
use maestro_store::records::{self, StoredRecord};
use maestro_store::sqlx::SqliteConnection;
use serde::Serialize;
use serde_json::Value;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// Kinds whose records hang off an employee by `employee_remote_id`.
const DEPENDENT_KINDS: [EntityKind; 2] = [EntityKind::Employment, EntityKind::Compensation];
/// Keys that describe where a record came from rather than what it says.
const BOOKKEEPING: [&str; 4] = ["provenance", "id", "company_id", "custom_fields"];

/// Whether `key` is bookkeeping: provenance, ids and links to other records by remote id.
fn is_bookkeeping(key: &str) -> bool {
    BOOKKEEPING.contains(&key) || key.ends_with("_remote_id")
}

/// What a version did to its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryChange {
    /// The record first arrived.
    Created,
    /// Some fields changed.
    Updated,
    /// The provider no longer has it.
    Deleted,
}

/// One field that changed in a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// Canonical field name ("job_title").
    pub field: String,
    /// The value before (None when unset, or sensitive).
    pub before: Option<String>,
    /// The value after (None when unset, or sensitive).
    pub after: Option<String>,
    /// The value is sensitive, so only the fact that it changed is shown.
    pub sensitive: bool,
}

/// One version of one record linked to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// When this version became current here.
    pub at: DateTime<Utc>,
    /// Connector id ("gusto").
    pub provider: String,
    /// The connection's name.
    pub connection: String,
    /// The record's kind.
    pub kind: EntityKind,
    /// The record.
    pub record_id: RecordId,
    /// Version number, from 1.
    pub version: i64,
    /// Created, updated or deleted.
    pub change: HistoryChange,
    /// The fields that changed (empty for a created or deleted record).
    pub changes: Vec<FieldDiff>,
}

fn is_sensitive(key: &str) -> bool {
    SENSITIVE_FIELDS.contains(&key) || SENSITIVE_RAW_KEYS.contains(&key)
}

/// A JSON value as one line for people: money as "25.50 USD", lists and objects compact.
fn show(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) => match (map.get("amount"), map.get("currency")) {
            (Some(Value::String(a)), Some(Value::String(c))) if map.len() == 2 => {
                Some(format!("{a} {c}"))
            }
            _ => Some(value.to_string()),
        },
        Value::Array(items) if items.is_empty() => None,
        Value::Array(_) => Some(value.to_string()),
    }
}

fn fields(data: &Value) -> BTreeMap<String, Value> {
    data.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !is_bookkeeping(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The fields that differ between two versions of a record (`before` None: all of `after`).
pub fn diff(before: Option<&Value>, after: &Value) -> Vec<FieldDiff> {
    let old = before.map(fields).unwrap_or_default();
    let new = fields(after);
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (b, a) = (old.get(k).and_then(show), new.get(k).and_then(show));
            if b == a {
                return None;
            }
            let sensitive = is_sensitive(k);
            Some(FieldDiff {
                field: k.clone(),
                before: if sensitive { None } else { b },
                after: if sensitive { None } else { a },
                sensitive,
            })
        })
        .collect()
}

fn entries(versions: &[StoredRecord], connection: &str) -> Vec<HistoryEntry> {
    let mut out = Vec::with_capacity(versions.len());
    let mut previous: Option<&StoredRecord> = None;
    for v in versions {
        let change = if v.deleted {
            HistoryChange::Deleted
        } else if previous.is_none_or(|p| p.deleted) {
            HistoryChange::Created
        } else {
            HistoryChange::Updated
        };
        let changes = match (change, previous) {
            (HistoryChange::Updated, Some(p)) => diff(Some(&p.data), &v.data),
            _ => Vec::new(),
        };
        out.push(HistoryEntry {
            at: v.valid_from,
            provider: v.provider.clone(),
            connection: connection.to_owned(),
            kind: v.kind,
            record_id: v.record_id,
            version: v.version,
            change,
            changes,
        });
        previous = Some(v);
    }
    out
}

/// Current records of `kind` in `connection_id` that belong to the employee `remote_id`.
async fn dependents(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    kind: EntityKind,
    owners: &BTreeSet<(ConnectionId, String)>,
) -> Result<Vec<RecordId>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = records::current_page(conn, company_id, Some(kind), after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.record_id);
        for r in &page {
            let owner = r
                .data
                .get("employee_remote_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if owner.is_some_and(|o| owners.contains(&(r.connection_id, o))) {
                out.push(r.record_id);
            }
        }
    }
    Ok(out)
}

/// The record a discrepancy alert compares, when its key names one by local id: pay rate and
/// termination alerts are keyed `discrepancy:<what>:<hris record>:<payroll record>`.
pub fn discrepancy_record(dedupe_key: &str) -> Option<RecordId> {
    // Hire-check alerts: `hire_check:<employee record>:<check record>`.
    if let Some(r) = crate::hire_checks::alert_record(dedupe_key) {
        return Some(r);
    }
    // Benefit alerts: `benefits:<rule>:<employee record>:<plan or line>`.
    if let Some(rest) = dedupe_key.strip_prefix("benefits:") {
        return rest.split(':').nth(1)?.parse().ok();
    }
    let mut parts = dedupe_key.split(':');
    if parts.next() != Some("discrepancy") {
        return None;
    }
    match parts.next()? {
        "pay_rate" | "terminated" => parts.next()?.parse().ok(),
        _ => None,
    }
}

/// The payroll remote id an hours alert names (`discrepancy:hours:<payroll remote id>:<day>`).
fn hours_remote_id(dedupe_key: &str) -> Option<&str> {
    let rest = dedupe_key.strip_prefix("discrepancy:hours:")?;
    rest.rsplit_once(':').map(|(id, _)| id)
}

impl App {
    /// For each alert about one person (pay rate, termination, hours), a record of that
    /// person, so the owner can open them: alert id → record id.
    pub async fn alert_people(
        &self,
        company_id: CompanyId,
        alerts: &[maestro_store::alerts::Alert],
    ) -> Result<BTreeMap<String, RecordId>> {
        let mut out = BTreeMap::new();
        let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in alerts {
            if let Some(r) = discrepancy_record(&a.dedupe_key) {
                out.insert(a.id.clone(), r);
            } else if let Some(remote) = hours_remote_id(&a.dedupe_key) {
                wanted
                    .entry(remote.to_owned())
                    .or_default()
                    .push(a.id.clone());
            }
        }
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut conn = self.conn().await?;
        let mut after = None;
        loop {
            let page = records::current_page(
                &mut conn,
                company_id,
                Some(EntityKind::Employee),
                after,
                1000,
            )
            .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.record_id);
            for r in &page {
                if let Some(ids) = wanted.get(&r.remote_id) {
                    for id in ids {
                        out.entry(id.clone()).or_insert(r.record_id);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The timeline of one person (`identity_id` from [`App::people`]): every version of
    /// their linked records and of their jobs and pay rates, newest first.
    pub async fn person_history(
        &self,
        company_id: CompanyId,
        identity_id: IdentityId,
    ) -> Result<Vec<HistoryEntry>> {
        let mut conn = self.conn().await?;
        let links = identities::links_of(&mut conn, company_id, identity_id).await?;
        if links.is_empty() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this person is no longer in the roster; refresh the list",
            ));
        }
        let names: BTreeMap<ConnectionId, String> = connections::list(&mut conn, company_id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.display_name))
            .collect();
        let mut record_ids: Vec<RecordId> = links.iter().map(|l| l.record_id).collect();
        let mut owners = BTreeSet::new();
        for l in &links {
            if let Some(current) = records::history(&mut conn, company_id, l.record_id)
                .await?
                .last()
            {
                owners.insert((current.connection_id, current.remote_id.clone()));
            }
        }
        for kind in DEPENDENT_KINDS {
            record_ids.extend(dependents(&mut conn, company_id, kind, &owners).await?);
        }
        let mut out = Vec::new();
        for id in record_ids {
            let versions = records::history(&mut conn, company_id, id).await?;
            let Some(first) = versions.first() else {
                continue;
            };
            let name = names
                .get(&first.connection_id)
                .cloned()
                .unwrap_or_else(|| first.provider.clone());
            out.extend(entries(&versions, &name));
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then(b.version.cmp(&a.version)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_changed_fields_and_hides_sensitive_values() {
        let before = json!({"id": "1", "job_title": "Baker", "ssn": "123-45-6789", "manager_remote_id": "7",
            "pay_rate": {"amount": "20.00", "currency": "USD"}, "provenance": {"x": 1}});
        let after = json!({"id": "1", "job_title": "Head Baker", "ssn": "987-65-4321", "manager_remote_id": "8",
            "pay_rate": {"amount": "22.50", "currency": "USD"}, "provenance": {"x": 2}});
        let d = diff(Some(&before), &after);
        assert_eq!(
            d,
            vec![
                FieldDiff {
                    field: "job_title".into(),
                    before: Some("Baker".into()),
                    after: Some("Head Baker".into()),
                    sensitive: false
                },
                FieldDiff {
                    field: "pay_rate".into(),
                    before: Some("20.00 USD".into()),
                    after: Some("22.50 USD".into()),
                    sensitive: false
                },
                FieldDiff {
                    field: "ssn".into(),
                    before: None,
                    after: None,
                    sensitive: true
                },
            ]
        );
    }

    #[test]
    fn discrepancy_alerts_name_their_record() {
        let id = RecordId::new();
        let other = RecordId::new();
        assert_eq!(
            discrepancy_record(&format!("discrepancy:pay_rate:{id}:{other}")),
            Some(id)
        );
        assert_eq!(discrepancy_record("conflicts:waiting"), None);
        assert_eq!(
            discrepancy_record(&format!("discrepancy:hours:{id}:2026-03-01")),
            None
        );
        assert_eq!(
            hours_remote_id("discrepancy:hours:g-7:2026-03-01"),
            Some("g-7")
        );
    }

    fn version(n: i64, deleted: bool, data: Value) -> StoredRecord {
        StoredRecord {
            record_id: RecordId::new(),
            company_id: CompanyId::new(),
            kind: EntityKind::Employment,
            connection_id: ConnectionId::new(),
            provider: "bamboohr".into(),
            remote_id: "40".into(),
            version: n,
            deleted,
            remote_modified_at: None,
            valid_from: format!("2026-03-0{n}T10:00:00Z")
                .parse()
                .unwrap_or_default(),
            valid_to: None,
            data,
            raw: Value::Null.into(),
        }
    }

    #[test]
    fn versions_become_added_changed_and_removed_with_only_real_changes() {
        let v = [
            version(1, false, json!({"job_title": "Baker", "company_id": "c1"})),
            version(
                2,
                false,
                json!({"job_title": "Head Baker", "company_id": "c2"}),
            ),
            version(3, true, json!({})),
            version(4, false, json!({"job_title": "Head Baker"})),
        ];
        let e = entries(&v, "BambooHR");
        let changes: Vec<_> = e.iter().map(|h| h.change).collect();
        assert_eq!(
            changes,
            [
                HistoryChange::Created,
                HistoryChange::Updated,
                HistoryChange::Deleted,
                HistoryChange::Created
            ]
        );
        assert!(e[0].changes.is_empty() && e[2].changes.is_empty() && e[3].changes.is_empty());
        assert_eq!(e[1].changes.len(), 1, "{:?}", e[1].changes);
        assert_eq!(e[1].changes[0].after.as_deref(), Some("Head Baker"));
    }

    #[test]
    fn a_first_version_shows_every_set_field() {
        let d = diff(None, &json!({"job_title": "Baker", "manager": null}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].after.as_deref(), Some("Baker"));
    }
}
