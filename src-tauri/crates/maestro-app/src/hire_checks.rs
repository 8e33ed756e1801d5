//! The cross-system check "a hire started before their background check cleared": a person
//! whose start date (as the HRIS holds it) has passed while the background check ordered for
//! their hire is still pending, or came back needing review (`consider`) once they had started
//! and nobody has decided on it. Each raises an alert naming who, which check, since when and
//! what to do; it resolves itself once the check clears, someone decides on it, or the person
//! is gone. A result that needed review and came back before the start was in the employer's
//! hands when they let the person start, so it is not this alert's news.
//!
//! A check counts as the hire's when it was ordered before the start date or within
//! [`HIRING_WINDOW_DAYS`] after it (a check ordered late for a new hire); a re-screening of
//! someone who has worked there for a while is not a hiring check.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use maestro_core::ids::{CompanyId, RecordId};
use maestro_core::model::{BackgroundCheckResult, BackgroundCheckStatus, EntityKind};
use maestro_store::alerts::{self, NewAlert, Severity};
use maestro_store::records;

use crate::App;
use crate::background_checks::PersonCheck;
use crate::error::Result;
use crate::people::Person;

/// Alert kind of a hire whose check has not cleared.
pub const KIND_NOT_CLEARED: &str = "check_not_cleared";
/// Days after the start date within which a check ordered still counts as the hire's.
pub const HIRING_WINDOW_DAYS: i64 = 30;
const KEY_PREFIX: &str = "hire_check:";

/// Why a started hire's check has not cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCleared {
    /// Not finished: ordered, running, paused for missing information, or disputed.
    Pending,
    /// Finished after the start with a result that needs the employer's review, and nobody
    /// has decided.
    NeedsReview,
}

/// Whether `check` is the hire's check (see the module) and has not cleared, for someone
/// who started on `start`, seen on `today`. `None` before the start date has passed.
pub fn not_cleared(start: NaiveDate, check: &PersonCheck, today: NaiveDate) -> Option<NotCleared> {
    if start >= today {
        return None;
    }
    let ordered = check.ordered_at.map(|t| t.date_naive());
    if ordered.is_some_and(|o| o > start + Duration::days(HIRING_WINDOW_DAYS)) {
        return None;
    }
    match check.status {
        BackgroundCheckStatus::Pending
        | BackgroundCheckStatus::InProgress
        | BackgroundCheckStatus::Suspended
        | BackgroundCheckStatus::Disputed => Some(NotCleared::Pending),
        BackgroundCheckStatus::Completed
            if check.result == Some(BackgroundCheckResult::Consider)
                && check.adjudication.is_none()
                && check.completed_at.is_none_or(|t| t.date_naive() >= start) =>
        {
            Some(NotCleared::NeedsReview)
        }
        BackgroundCheckStatus::Completed | BackgroundCheckStatus::Cancelled => None,
    }
}

/// The provider's display name ("Checkr"), for messages.
fn provider_name(id: &str) -> String {
    maestro_connectors::Registry::current()
        .get(id)
        .map(|d| d.manifest.name.to_owned())
        .unwrap_or_else(|| id.to_owned())
}

/// The dedupe key of the alert about `check` of the person whose employee record is
/// `employee`: `hire_check:<employee record>:<check record>`.
fn key(employee: RecordId, check: RecordId) -> String {
    format!("{KEY_PREFIX}{employee}:{check}")
}

/// The employee record a hire-check alert names (so the owner can open the person).
pub fn alert_record(dedupe_key: &str) -> Option<RecordId> {
    dedupe_key
        .strip_prefix(KEY_PREFIX)?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// The alert for `person` (started on `start`) whose `check` has not cleared, as of `today`.
pub fn alert(
    company_id: CompanyId,
    person: &Person,
    employee: RecordId,
    start: NaiveDate,
    check: &PersonCheck,
    why: NotCleared,
    today: NaiveDate,
) -> NewAlert {
    let tool = provider_name(&check.provider);
    let name = &person.name;
    let what = match &check.package {
        Some(p) => format!("{tool} check ({p}, report {})", check.remote_id),
        None => format!("{tool} check (report {})", check.remote_id),
    };
    let ordered = check
        .ordered_at
        .map(|t| format!(", ordered on {}", t.date_naive()))
        .unwrap_or_default();
    let days = (today - start).num_days();
    let started = format!(
        "{name} started on {start} ({days} day{} ago)",
        if days == 1 { "" } else { "s" }
    );
    let open = match &check.report_url {
        Some(url) => format!("Open the report in {tool}: {url}"),
        None => format!(
            "Open the report in {tool} ({tool} gives no direct link; look for report {})",
            check.remote_id
        ),
    };
    let (title, detail) = match why {
        NotCleared::Pending => (
            format!("{name} started before their {tool} background check cleared"),
            format!(
                "{started}, but their {what}{ordered} is still {}. {open}, see what it is \
                 waiting for, and decide whether {name} keeps working until it clears.",
                status_words(check.status)
            ),
        ),
        NotCleared::NeedsReview => (
            format!("{name}'s {tool} background check needs your review"),
            format!(
                "{started}, and their {what}{ordered} came back needing review{} with no \
                 decision recorded. {open} and review it: decide to keep {name} on, or follow \
                 the adverse-action steps.",
                check
                    .completed_at
                    .map(|t| format!(" on {}", t.date_naive()))
                    .unwrap_or_default()
            ),
        ),
    };
    NewAlert {
        company_id,
        connection_id: Some(check.connection_id),
        kind: KIND_NOT_CLEARED.into(),
        severity: Severity::Warning,
        dedupe_key: key(employee, check.record_id),
        title,
        detail,
        action: Some("review".into()),
    }
}

fn status_words(status: BackgroundCheckStatus) -> &'static str {
    match status {
        BackgroundCheckStatus::Pending => "pending",
        BackgroundCheckStatus::InProgress => "in progress",
        BackgroundCheckStatus::Suspended => "paused, waiting for missing information",
        BackgroundCheckStatus::Disputed => "disputed by the candidate",
        BackgroundCheckStatus::Completed => "complete",
        BackgroundCheckStatus::Cancelled => "cancelled",
    }
}

/// The start date, status and an employee record of a person, from the roster's fields (the
/// trusted system's values).
fn started(person: &Person) -> Option<(NaiveDate, RecordId)> {
    let field = |name: &str| person.fields.iter().find(|f| f.field == name);
    if field("status").is_some_and(|f| f.value == "terminated") {
        return None;
    }
    let start = field("hire_date")?.value.parse().ok()?;
    let employee = person
        .records
        .iter()
        .find(|r| r.kind == EntityKind::Employee)?
        .record_id;
    Some((start, employee))
}

impl App {
    /// Raises an alert for every started hire whose background check has not cleared, and
    /// resolves those whose cause is gone. Returns how many are open.
    pub async fn check_hire_checks(&self, company_id: CompanyId) -> Result<usize> {
        {
            // Nothing to look at (and nothing to resolve): skip building the roster.
            let mut conn = self.conn().await?;
            let any_check = !records::current_page(
                &mut conn,
                company_id,
                Some(EntityKind::BackgroundCheck),
                None,
                1,
            )
            .await?
            .is_empty();
            if !any_check
                && !alerts::open(&mut conn, company_id)
                    .await?
                    .iter()
                    .any(|a| a.kind == KIND_NOT_CLEARED)
            {
                return Ok(0);
            }
        }
        let people = self.people(company_id).await?;
        let now = self.now();
        let today = now.date_naive();
        let mut raised = Vec::new();
        for person in people.iter().filter(|p| !p.checks.is_empty()) {
            let Some((start, employee)) = started(person) else {
                continue;
            };
            for check in &person.checks {
                if let Some(why) = not_cleared(start, check, today) {
                    raised.push(alert(
                        company_id, person, employee, start, check, why, today,
                    ));
                }
            }
        }
        let keys: BTreeSet<String> = raised.iter().map(|a| a.dedupe_key.clone()).collect();
        let mut tx = self.store().write().await?;
        for a in &raised {
            alerts::raise(tx.conn(), a, now).await?;
        }
        for a in alerts::open(tx.conn(), company_id).await? {
            if a.kind == KIND_NOT_CLEARED && !keys.contains(&a.dedupe_key) {
                alerts::resolve(tx.conn(), company_id, &a.dedupe_key, now).await?;
            }
        }
        tx.commit().await?;
        Ok(keys.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::ConnectionId;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn check(status: BackgroundCheckStatus, ordered: &str) -> PersonCheck {
        PersonCheck {
            record_id: RecordId::new(),
            candidate_record_id: RecordId::new(),
            provider: "checkr".into(),
            connection_id: ConnectionId::new(),
            remote_id: "4722c07dd9a10c3985ae432a".into(),
            package: Some("tasker_standard".into()),
            status,
            result: None,
            adjudication: None,
            ordered_at: Some(format!("{ordered}T16:00:00Z").parse().unwrap()),
            completed_at: None,
            report_url: Some("https://dashboard.checkr.com/candidates/e44a".into()),
        }
    }

    use BackgroundCheckStatus as S;

    #[test]
    fn a_pending_hiring_check_counts_once_the_start_date_has_passed() {
        let start = day("2026-12-01");
        let c = check(S::Pending, "2026-11-24");
        assert_eq!(
            not_cleared(start, &c, day("2026-11-30")),
            None,
            "not started"
        );
        assert_eq!(
            not_cleared(start, &c, day("2026-12-01")),
            None,
            "starts today"
        );
        assert_eq!(
            not_cleared(start, &c, day("2026-12-02")),
            Some(NotCleared::Pending)
        );
        for s in [S::InProgress, S::Suspended, S::Disputed] {
            let c = check(s, "2026-11-24");
            assert_eq!(
                not_cleared(start, &c, day("2026-12-04")),
                Some(NotCleared::Pending),
                "{s:?}"
            );
        }
    }

    #[test]
    fn cleared_cancelled_and_decided_checks_do_not_count_and_consider_does() {
        let (start, today) = (day("2026-12-01"), day("2026-12-05"));
        let mut c = check(S::Completed, "2026-11-24");
        c.completed_at = Some("2026-12-02T10:00:00Z".parse().unwrap());
        c.result = Some(BackgroundCheckResult::Clear);
        assert_eq!(not_cleared(start, &c, today), None);
        c.result = Some(BackgroundCheckResult::Other);
        assert_eq!(not_cleared(start, &c, today), None);
        c.result = Some(BackgroundCheckResult::Consider);
        assert_eq!(not_cleared(start, &c, today), Some(NotCleared::NeedsReview));
        c.adjudication = Some("engaged".into());
        assert_eq!(not_cleared(start, &c, today), None, "someone decided");
        // Back before the start: the employer had the result when they let them start.
        c.adjudication = None;
        c.completed_at = Some("2026-11-30T10:00:00Z".parse().unwrap());
        assert_eq!(not_cleared(start, &c, today), None);
        c.completed_at = Some("2026-12-01T08:00:00Z".parse().unwrap());
        assert_eq!(not_cleared(start, &c, today), Some(NotCleared::NeedsReview));
        let c = check(S::Cancelled, "2026-11-24");
        assert_eq!(not_cleared(start, &c, today), None);
    }

    #[test]
    fn a_rescreen_long_after_the_start_is_not_the_hires_check() {
        let start = day("2024-03-01");
        let today = day("2026-12-05");
        assert_eq!(
            not_cleared(start, &check(S::Pending, "2026-12-02"), today),
            None
        );
        // Ordered late for a new hire: still theirs.
        assert_eq!(
            not_cleared(start, &check(S::Pending, "2024-03-31"), today),
            Some(NotCleared::Pending)
        );
        assert_eq!(
            not_cleared(start, &check(S::Pending, "2024-04-01"), today),
            None
        );
        // No order date: it cannot be told apart, so it counts.
        let mut c = check(S::Pending, "2024-01-01");
        c.ordered_at = None;
        assert_eq!(not_cleared(start, &c, today), Some(NotCleared::Pending));
    }

    fn person() -> Person {
        Person {
            identity_id: maestro_store::identities::IdentityId::new(),
            name: "Nora Quinn".into(),
            work_email: Some("nora.quinn@bluebird.example".into()),
            needs_review: false,
            fields: Vec::new(),
            records: Vec::new(),
            checks: Vec::new(),
        }
    }

    #[test]
    fn the_alert_says_who_which_check_since_when_and_what_to_do() {
        let c = check(S::Pending, "2026-11-24");
        let employee = RecordId::new();
        let a = alert(
            CompanyId::new(),
            &person(),
            employee,
            day("2026-12-01"),
            &c,
            NotCleared::Pending,
            day("2026-12-04"),
        );
        assert_eq!(
            a.title,
            "Nora Quinn started before their Checkr background check cleared"
        );
        assert_eq!(
            a.detail,
            "Nora Quinn started on 2026-12-01 (3 days ago), but their Checkr check \
             (tasker_standard, report 4722c07dd9a10c3985ae432a), ordered on 2026-11-24 is still \
             pending. Open the report in Checkr: https://dashboard.checkr.com/candidates/e44a, \
             see what it is waiting for, and decide whether Nora Quinn keeps working until it \
             clears."
        );
        assert_eq!(a.connection_id, Some(c.connection_id));
        assert_eq!(alert_record(&a.dedupe_key), Some(employee));
        assert!(a.dedupe_key.ends_with(&c.record_id.to_string()));

        let mut c = check(S::Completed, "2026-11-24");
        c.provider = "goodhire".into();
        c.report_url = None;
        c.result = Some(BackgroundCheckResult::Consider);
        c.completed_at = Some("2026-12-01T10:00:00Z".parse().unwrap());
        let a = alert(
            CompanyId::new(),
            &person(),
            employee,
            day("2026-12-01"),
            &c,
            NotCleared::NeedsReview,
            day("2026-12-02"),
        );
        assert_eq!(
            a.title,
            "Nora Quinn's GoodHire background check needs your review"
        );
        assert!(
            a.detail.starts_with(
                "Nora Quinn started on 2026-12-01 (1 day ago), and their GoodHire check"
            ),
            "{}",
            a.detail
        );
        assert!(a.detail.contains("came back needing review on 2026-12-01"));
        assert!(
            a.detail
                .contains("GoodHire gives no direct link; look for report")
        );
        assert_eq!(alert_record("discrepancy:pay_rate:x:y"), None);
    }
}
