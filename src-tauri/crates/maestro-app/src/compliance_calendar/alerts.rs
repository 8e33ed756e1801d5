//! Alerts as calendar items come due, after the pattern of the sign-in expiry alert: each
//! item raises a warning within its area's warning days (14; 90 for I-9 re-verification) and
//! turns critical within its critical days (3; 30) or once overdue, under the dedupe key
//! `compliance:<item id>`. An alert resolves itself once the item is marked done or leaves the
//! calendar (a setting changed, a person's data changed, or it fell out of the window).

use std::collections::BTreeSet;

use maestro_core::ids::CompanyId;
use maestro_store::alerts::{self, NewAlert, Severity};

use super::{Obligation, Urgency};
use crate::App;
use crate::error::Result;

/// Alert kind of a compliance calendar item coming due.
pub const KIND: &str = "compliance_due";
const KEY_PREFIX: &str = "compliance:";

/// The alert of `item` in `company_id`; `None` while it is further off than its warning days.
pub fn alert(company_id: CompanyId, item: &Obligation) -> Option<NewAlert> {
    let severity = match item.urgency {
        Urgency::Info | Urgency::Upcoming => return None,
        Urgency::Soon => Severity::Warning,
        Urgency::Urgent | Urgency::Overdue => Severity::Critical,
    };
    let when = match item.days_left {
        d if d < -1 => format!("was due on {} ({} days ago)", item.due, -d),
        -1 => format!("was due yesterday, {}", item.due),
        0 => format!("is due today, {}", item.due),
        1 => format!("is due tomorrow, {}", item.due),
        d => format!("is due on {} (in {d} days)", item.due),
    };
    Some(NewAlert {
        company_id,
        connection_id: None,
        kind: KIND.into(),
        severity,
        dedupe_key: format!("{KEY_PREFIX}{}", item.id),
        title: format!("{}: {when}", item.title),
        detail: format!(
            "{}. Source: {}. Once it is done, mark it done in the compliance calendar \
             (Dashboard) or with `maestro compliance done {}`.",
            item.rule, item.source, item.id
        ),
        action: None,
    })
}

impl App {
    /// Raises or updates the alert of every calendar item within its warning days and
    /// resolves the others'. Returns how many are open.
    pub async fn check_compliance_calendar(&self, company_id: CompanyId) -> Result<usize> {
        let items = self.compliance_calendar(company_id).await?;
        let raised: Vec<NewAlert> = items.iter().filter_map(|o| alert(company_id, o)).collect();
        let keys: BTreeSet<&str> = raised.iter().map(|a| a.dedupe_key.as_str()).collect();
        let now = self.now();
        let mut tx = self.store().write().await?;
        for a in &raised {
            alerts::raise(tx.conn(), a, now).await?;
        }
        for open in alerts::open(tx.conn(), company_id).await? {
            if open.kind == KIND && !keys.contains(open.dedupe_key.as_str()) {
                alerts::resolve(tx.conn(), company_id, &open.dedupe_key, now).await?;
            }
        }
        tx.commit().await?;
        Ok(keys.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::Area;
    use super::*;

    fn item(days_left: i64) -> Obligation {
        Obligation {
            id: "form941:2026-Q1".into(),
            area: Area::PayrollTax,
            title: "File Form 941 for Q1 2026 (federal payroll taxes)".into(),
            due: "2026-04-30".parse().unwrap(),
            days_left,
            urgency: Urgency::of(Area::PayrollTax, days_left),
            rule: "Quarterly return due April 30".into(),
            source: "IRS Publication 509".into(),
            person: None,
            handled_by: None,
        }
    }

    #[test]
    fn warning_at_14_days_critical_at_3_and_overdue() {
        let company = CompanyId::new();
        assert!(alert(company, &item(15)).is_none());
        let warn = alert(company, &item(14)).unwrap();
        assert_eq!(warn.severity, Severity::Warning);
        assert_eq!(warn.dedupe_key, "compliance:form941:2026-Q1");
        assert_eq!(
            warn.title,
            "File Form 941 for Q1 2026 (federal payroll taxes): is due on 2026-04-30 (in 14 days)"
        );
        assert_eq!(
            alert(company, &item(3)).unwrap().severity,
            Severity::Critical
        );
        let late = alert(company, &item(-2)).unwrap();
        assert_eq!(late.severity, Severity::Critical);
        assert!(
            late.title.ends_with("was due on 2026-04-30 (2 days ago)"),
            "{}",
            late.title
        );
        assert!(
            late.detail
                .contains("maestro compliance done form941:2026-Q1")
        );
        // Filed by the payroll provider: information, never an alert, even overdue.
        let handled = Obligation {
            urgency: Urgency::Info,
            handled_by: Some("Gusto".into()),
            ..item(-2)
        };
        assert!(alert(company, &handled).is_none());
    }
}
