//! Erasing a person on the owner's request (the store's [`maestro_store::erasure`] does the
//! work): finding them on the roster, the strong confirmation (their name typed again), and
//! what each provider still holds, named so the owner can erase it there.

use std::collections::BTreeMap;

use maestro_core::ids::{CompanyId, ConnectionId};
use maestro_core::model::EntityKind;
use maestro_store::erasure::{self, ErasureOutcome, HeldAtProvider, LedgerEntry, Reason, Subject};
use maestro_store::identities::IdentityId;
use serde::Serialize;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};
use crate::people::Person;

/// A record a provider still holds after an erasure, for the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StillHeld {
    /// Connector id ("gusto").
    pub provider: String,
    /// The connection's name.
    pub connection: String,
    /// The connection.
    pub connection_id: ConnectionId,
    /// Kind of record.
    pub kind: EntityKind,
    /// The provider's id for it.
    pub remote_id: String,
    /// Times a sync skipped it since the erasure.
    pub skipped: i64,
    /// What to do: "still held at Gusto — erase there or approve a write".
    pub note: String,
}

/// What erasing a person did (no personal data: the name is not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    /// The erasure's opaque id (in the audit log).
    pub erasure_id: String,
    /// Records removed, across all connections.
    pub records: i64,
    /// Versions removed.
    pub versions: i64,
    /// Audit entries whose words were blanked (the chain still verifies).
    pub audit_entries_blanked: i64,
    /// Compression dictionaries rebuilt without their texts.
    pub dictionaries_rebuilt: i64,
    /// Alerts, conflicts, queued writes and other rows removed or blanked.
    pub other_rows: i64,
    /// What the providers still hold.
    pub still_held: Vec<StillHeld>,
}

impl App {
    /// The person `query` names on the roster: their identity id, or their name (any case)
    /// when exactly one person has it.
    pub async fn find_person(&self, company_id: CompanyId, query: &str) -> Result<Person> {
        let people = self.people(company_id).await?;
        let query = query.trim();
        if let Some(p) = people.iter().find(|p| p.identity_id.to_string() == query) {
            return Ok(p.clone());
        }
        let named: Vec<&Person> = people
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case(query))
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(AppError::new(
                ErrorCode::NotFound,
                format!("no one named {query:?} on the roster; `maestro people` lists everyone"),
            )),
            _ => Err(AppError::new(
                ErrorCode::Validation,
                format!(
                    "{} people are named {query:?}; give the id shown by `maestro people`",
                    named.len()
                ),
            )),
        }
    }

    /// Erases a person from the store (every record of theirs in every connection, every
    /// version, and every other trace; see [`maestro_store::erasure`]). `confirm_name` must
    /// be their name as the roster shows it (any case): an erasure cannot be undone.
    pub async fn erase_person(
        &self,
        company_id: CompanyId,
        identity_id: IdentityId,
        confirm_name: &str,
    ) -> Result<ErasureReport> {
        let person = self
            .find_person(company_id, &identity_id.to_string())
            .await?;
        if !person.name.trim().eq_ignore_ascii_case(confirm_name.trim()) {
            return Err(AppError::new(
                ErrorCode::Validation,
                "type the person's name exactly as shown to confirm",
            )
            .with_field("confirm"));
        }
        let subject = Subject {
            identity_id: Some(person.identity_id),
            person_records: person.records.iter().map(|r| r.record_id).collect(),
            records: Vec::new(),
        };
        let outcome = erasure::erase(
            self.store(),
            company_id,
            &subject,
            Reason::Erasure,
            &self.actor,
            self.now(),
        )
        .await?;
        self.report(company_id, outcome).await
    }

    async fn report(
        &self,
        company_id: CompanyId,
        outcome: ErasureOutcome,
    ) -> Result<ErasureReport> {
        let still_held = self.held(company_id, outcome.still_held).await?;
        Ok(ErasureReport {
            erasure_id: outcome.erasure_id,
            records: outcome.records,
            versions: outcome.versions,
            audit_entries_blanked: outcome.audit_entries_blanked,
            dictionaries_rebuilt: outcome.dictionaries_rebuilt,
            other_rows: outcome.other_rows,
            still_held,
        })
    }

    async fn held(
        &self,
        company_id: CompanyId,
        held: Vec<HeldAtProvider>,
    ) -> Result<Vec<StillHeld>> {
        let mut conn = self.conn().await?;
        let names: BTreeMap<ConnectionId, String> =
            maestro_store::connections::list(&mut conn, company_id)
                .await?
                .into_iter()
                .map(|c| (c.id, c.display_name))
                .collect();
        Ok(held
            .into_iter()
            .map(|h| {
                let connection = names
                    .get(&h.connection_id)
                    .cloned()
                    .unwrap_or_else(|| h.provider.clone());
                StillHeld {
                    note: format!(
                        "still held at {connection} — erase it there, or approve a write that does"
                    ),
                    provider: h.provider,
                    connection,
                    connection_id: h.connection_id,
                    kind: h.kind,
                    remote_id: h.remote_id,
                    skipped: h.skipped,
                }
            })
            .collect())
    }

    /// What the providers still hold of every person erased from the company.
    pub async fn still_held(&self, company_id: CompanyId) -> Result<Vec<StillHeld>> {
        let held = {
            let mut conn = self.conn().await?;
            erasure::still_held(&mut conn, company_id).await?
        };
        self.held(company_id, held).await
    }

    /// The company's erasure ledger (erasures and retention purges; no personal data).
    pub async fn erasure_ledger(&self, company_id: CompanyId) -> Result<Vec<LedgerEntry>> {
        let mut conn = self.conn().await?;
        Ok(erasure::ledger(&mut conn, company_id).await?)
    }

    /// How many erasures were made after a backup file was (restoring it applies them again).
    pub async fn erasures_since_backup(&self, backup: &std::path::Path) -> Result<i64> {
        let header = maestro_store::Store::backup_header(backup)?;
        let mut conn = self.conn().await?;
        Ok(erasure::made_since(&mut conn, header.created_at).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use maestro_core::clock::ManualClock;
    use maestro_store::{NewKey, Passphrase};

    use super::*;

    #[tokio::test]
    async fn erasing_needs_the_name_typed_and_an_unknown_person_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new("2026-03-02T10:00:00Z".parse().unwrap()));
        let app = App::init(
            &tmp.path().join("data"),
            NewKey::Passphrase(Passphrase::new("correct horse battery staple")),
            "Bluebird Bakery",
            clock,
        )
        .await
        .unwrap();
        let company = app.company(None).await.unwrap();
        let err = app
            .find_person(company.id, "Nobody Here")
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
        let err = app
            .erase_person(company.id, IdentityId::new(), "Nobody Here")
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::NotFound);
    }
}
