//! Data retention for the owner: the policy per kind (documented defaults, owner-editable),
//! and the daily purge the scheduler runs ([`maestro_store::retention`] does the work).

use chrono::NaiveDate;
use maestro_core::ids::CompanyId;
use maestro_core::model::EntityKind;
use maestro_store::audit::AuditEvent;
use maestro_store::retention::{self, Period, Purged, Rule};
use serde::Serialize;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// One kind's retention, for the Settings page and `maestro retention show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    /// The kind ("time_entry").
    pub kind: EntityKind,
    /// The period after termination ("3y"), or None: kept for ever.
    pub period: Option<String>,
    /// The documented default ("3y").
    pub default: Option<String>,
    /// Where the default comes from.
    pub source: String,
}

impl From<Rule> for RetentionRule {
    fn from(r: Rule) -> Self {
        Self {
            kind: r.kind,
            period: r.period.map(|p| p.to_string()),
            default: r.default.map(|p| p.to_string()),
            source: r.source.to_owned(),
        }
    }
}

/// Reads an owner's period: "4y", "18m", "400d", "3y6m", or "never".
pub fn parse_period(text: &str) -> Result<Option<Period>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    text.parse::<Period>()
        .map(Some)
        .map_err(|e| AppError::new(ErrorCode::Validation, e).with_field("period"))
}

impl App {
    /// The company's retention rules, one per kind that has one.
    pub async fn retention_policy(&self, company_id: CompanyId) -> Result<Vec<RetentionRule>> {
        let mut conn = self.conn().await?;
        Ok(retention::policy(&mut conn, company_id)
            .await?
            .into_iter()
            .map(RetentionRule::from)
            .collect())
    }

    /// Sets how long `kind` is kept after termination (`None`: for ever). Audited.
    pub async fn set_retention(
        &self,
        company_id: CompanyId,
        kind: EntityKind,
        period: Option<Period>,
    ) -> Result<Vec<RetentionRule>> {
        if period.is_some_and(|p| p.years == 0 && p.months == 0 && p.days == 0) {
            return Err(AppError::new(
                ErrorCode::Validation,
                "a period of 0 would purge at once; write at least 1d, or never",
            )
            .with_field("period"));
        }
        let mut tx = self.store().write().await?;
        retention::set(tx.conn(), company_id, kind, period, self.now()).await?;
        maestro_store::audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "retention.set", kind.as_str())
                .company(company_id)
                .detail(serde_json::json!({
                    "period": period.map_or_else(|| "never".to_owned(), |p| p.to_string()),
                })),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.retention_policy(company_id).await
    }

    /// Purges what is past its retention today (by this app's clock); audited per kind.
    pub async fn purge_retention(&self, company_id: CompanyId) -> Result<Vec<Purged>> {
        let today = self.now().date_naive();
        let purged =
            retention::purge(self.store(), company_id, today, &self.actor, self.now()).await?;
        let mut tx = self.store().write().await?;
        retention::note_run(tx.conn(), company_id, today, self.now()).await?;
        tx.commit().await?;
        Ok(purged)
    }

    /// The scheduler's daily purge: runs [`App::purge_retention`] unless it already ran today.
    /// Returns what it purged (nothing when it was not due).
    pub async fn purge_retention_if_due(&self, company_id: CompanyId) -> Result<Vec<Purged>> {
        let today = self.now().date_naive();
        let last: Option<NaiveDate> = {
            let mut conn = self.conn().await?;
            retention::last_run(&mut conn, company_id).await?
        };
        if last.is_some_and(|d| d >= today) {
            return Ok(Vec::new());
        }
        self.purge_retention(company_id).await
    }
}

/// "purged 12 versions of 3 time entries" for each kind purged.
pub fn describe(purged: &[Purged]) -> Vec<String> {
    purged
        .iter()
        .map(|p| {
            format!(
                "purged {} versions of {} {}",
                p.versions,
                p.records,
                retention::plural(p.kind)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn periods_are_read_or_refused_naming_the_field() {
        assert_eq!(parse_period("never").unwrap(), None);
        assert_eq!(parse_period(" 4y ").unwrap(), Some(Period::years(4)));
        let err = parse_period("four years").unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation);
        assert_eq!(err.field.as_deref(), Some("period"));
    }
}
