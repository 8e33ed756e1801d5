//! Background checks on the person page. A check refers to its candidate by remote id in the
//! same connection (`BackgroundCheck::candidate_remote_id`); the candidate record is linked to
//! a person by identity resolution like any employee record (by the email the candidate gave,
//! and their name), so a person's checks are those of the candidates linked to them. Only a
//! check's state is shown (provider, package, status, result, dates and a link to the report in
//! the provider's app), never what a report says.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{
    BackgroundCheck, BackgroundCheckResult, BackgroundCheckStatus, Candidate,
};
use maestro_store::Result as StoreResult;
use maestro_store::records::{self, Payload};
use maestro_store::sqlx::SqliteConnection;
use serde::Serialize;

use crate::error::{AppError, Result};

/// One background check of a person, as the person page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonCheck {
    /// The check's local record.
    pub record_id: RecordId,
    /// The candidate record it hangs off (linked to the person).
    pub candidate_record_id: RecordId,
    /// Connector id ("checkr").
    pub provider: String,
    /// The connection it came from.
    pub connection_id: ConnectionId,
    /// The provider's id of the check.
    pub remote_id: String,
    /// Package or screening ordered ("tasker_standard").
    pub package: Option<String>,
    /// Progress.
    pub status: BackgroundCheckStatus,
    /// Outcome, once completed.
    pub result: Option<BackgroundCheckResult>,
    /// The employer's decision on a result that needs review, when the provider records one.
    pub adjudication: Option<String>,
    /// When it was ordered.
    pub ordered_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The report's page in the provider's app, when the provider documents one.
    pub report_url: Option<String>,
}

/// Every current check of the company, by the local record of its candidate. A check whose
/// candidate is not (or no longer) stored is left out: nobody can be named for it.
pub(crate) async fn by_candidate(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
) -> Result<BTreeMap<RecordId, Vec<PersonCheck>>> {
    let mut candidates: HashMap<(ConnectionId, String), RecordId> = HashMap::new();
    records::for_each_current_entity(
        conn,
        company_id,
        Payload::Skip,
        |at, c: StoreResult<Candidate>| {
            match c {
                Ok(c) => {
                    candidates.insert((at.connection_id, c.provenance.remote_id), at.record_id);
                }
                Err(e) => tracing::warn!(record = %at.record_id, error = %e, "candidate skipped"),
            }
            Ok::<_, AppError>(())
        },
    )
    .await?;
    let mut out: BTreeMap<RecordId, Vec<PersonCheck>> = BTreeMap::new();
    records::for_each_current_entity(
        conn,
        company_id,
        Payload::Skip,
        |at, c: StoreResult<BackgroundCheck>| {
            let c = match c {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(record = %at.record_id, error = %e, "check skipped");
                    return Ok::<_, AppError>(());
                }
            };
            let Some(&candidate) =
                candidates.get(&(at.connection_id, c.candidate_remote_id.clone()))
            else {
                return Ok(());
            };
            out.entry(candidate).or_default().push(PersonCheck {
                record_id: at.record_id,
                candidate_record_id: candidate,
                provider: c.provenance.provider,
                connection_id: at.connection_id,
                remote_id: c.provenance.remote_id,
                package: c.package,
                status: c.status,
                result: c.result,
                adjudication: c.adjudication,
                ordered_at: c.submitted_at,
                completed_at: c.completed_at,
                report_url: c.report_url,
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// `checks` newest first (by the day ordered, then the record), those without a date last.
pub(crate) fn newest_first(mut checks: Vec<PersonCheck>) -> Vec<PersonCheck> {
    checks.sort_by(|a, b| {
        b.ordered_at
            .cmp(&a.ordered_at)
            .then(a.record_id.cmp(&b.record_id))
    });
    checks
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(ordered: Option<&str>) -> PersonCheck {
        PersonCheck {
            record_id: RecordId::new(),
            candidate_record_id: RecordId::new(),
            provider: "checkr".into(),
            connection_id: ConnectionId::new(),
            remote_id: "r".into(),
            package: None,
            status: BackgroundCheckStatus::Pending,
            result: None,
            adjudication: None,
            ordered_at: ordered.map(|t| t.parse().unwrap()),
            completed_at: None,
            report_url: None,
        }
    }

    #[test]
    fn checks_are_listed_newest_first_and_undated_last() {
        let (old, new, undated) = (
            check(Some("2024-01-02T00:00:00Z")),
            check(Some("2026-11-30T09:00:00Z")),
            check(None),
        );
        let sorted = newest_first(vec![old.clone(), undated.clone(), new.clone()]);
        assert_eq!(sorted, vec![new, old, undated]);
    }
}
