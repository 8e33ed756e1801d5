//! The owner's calendar settings and done marks, kept in the settings store per company
//! (`compliance_calendar.settings`, `compliance_calendar.done`), each change audited.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use maestro_core::ids::CompanyId;
use maestro_store::audit::{self, AuditEvent};
use maestro_store::settings::{self, Scope};

use super::{CalendarSettings, Obligation, posters};
use crate::App;
use crate::error::{AppError, ErrorCode, Result};

const SETTINGS_KEY: &str = "compliance_calendar.settings";
const DONE_KEY: &str = "compliance_calendar.done";

/// The USPS codes of the states and the District of Columbia.
pub const STATES: &[&str] = &[
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN",
    "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ",
    "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA",
    "WI", "WV", "WY",
];

/// The settings with the state upper-cased and poster names trimmed, or why they cannot be
/// saved.
pub fn validated(mut s: CalendarSettings) -> Result<CalendarSettings> {
    let invalid = |m: String| Err(AppError::new(ErrorCode::Validation, m));
    s.company_state = s
        .company_state
        .map(|st| st.trim().to_uppercase())
        .filter(|st| !st.is_empty());
    if let Some(st) = &s.company_state
        && !STATES.contains(&st.as_str())
    {
        return invalid(format!(
            "“{st}” is not a US state code: use the two-letter postal code (for example CA)"
        ));
    }
    if let Some(w) = &s.open_enrolment
        && w.closes < w.opens
    {
        return invalid(format!(
            "open enrolment closes ({}) before it opens ({}): swap the dates",
            w.closes, w.opens
        ));
    }
    let mut seen = BTreeSet::new();
    for p in &mut s.posters {
        p.name = p.name.trim().to_owned();
        let slug = posters::slug(&p.name);
        if slug.is_empty() {
            return invalid("give each poster or policy a name".into());
        }
        if !seen.insert(slug) {
            return invalid(format!("“{}” is listed twice", p.name));
        }
    }
    Ok(s)
}

impl App {
    /// The owner's calendar settings (defaults when never set).
    pub async fn compliance_settings(&self, company_id: CompanyId) -> Result<CalendarSettings> {
        self.company_setting(company_id, SETTINGS_KEY).await
    }

    /// Saves the owner's calendar settings after [`validated`]; audited. The alerts follow.
    pub async fn set_compliance_settings(
        &self,
        company_id: CompanyId,
        new: CalendarSettings,
    ) -> Result<CalendarSettings> {
        let new = validated(new)?;
        let now = self.now();
        let mut tx = self.store().write().await?;
        settings::set(
            tx.conn(),
            Scope::Company(company_id),
            SETTINGS_KEY,
            &new,
            now,
        )
        .await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(
                &self.actor,
                "settings.compliance_calendar",
                "compliance calendar",
            )
            .company(company_id)
            .detail(serde_json::json!({
                "company_state": new.company_state,
                "open_enrolment": new.open_enrolment,
                "posters": new.posters.len(),
                "deposit_schedule": new.deposit_schedule,
                "provider_files_taxes": new.provider_files_taxes,
            })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.check_compliance_calendar(company_id).await?;
        Ok(new)
    }

    /// The obligations the owner marked done, with the day each was marked.
    pub async fn compliance_done(
        &self,
        company_id: CompanyId,
    ) -> Result<BTreeMap<String, NaiveDate>> {
        self.company_setting(company_id, DONE_KEY).await
    }

    /// Marks the listed obligation `id` done (it leaves the calendar and its alert resolves);
    /// audited. Returns the obligation marked.
    pub async fn mark_compliance_done(
        &self,
        company_id: CompanyId,
        id: &str,
    ) -> Result<Obligation> {
        let listed = self.compliance_calendar(company_id).await?;
        let Some(item) = listed.into_iter().find(|o| o.id == id) else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!(
                    "no open calendar item “{id}”: list them with `maestro compliance calendar`"
                ),
            ));
        };
        let now = self.now();
        let mut done = self.compliance_done(company_id).await?;
        done.insert(item.id.clone(), now.date_naive());
        let mut tx = self.store().write().await?;
        settings::set(tx.conn(), Scope::Company(company_id), DONE_KEY, &done, now).await?;
        audit::append(
            tx.conn(),
            &AuditEvent::new(&self.actor, "compliance.done", &item.id)
                .company(company_id)
                .detail(serde_json::json!({ "title": item.title, "due": item.due })),
            now,
        )
        .await?;
        tx.commit().await?;
        self.check_compliance_calendar(company_id).await?;
        Ok(item)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{EnrolmentWindow, Poster};
    use super::*;

    #[test]
    fn validation_normalises_and_refuses_what_cannot_be_used() {
        let ok = validated(CalendarSettings {
            company_state: Some(" ca ".into()),
            posters: vec![Poster {
                name: " Handbook ".into(),
                review_on: "2026-01-05".parse().unwrap(),
            }],
            ..CalendarSettings::default()
        })
        .unwrap();
        assert_eq!(ok.company_state.as_deref(), Some("CA"));
        assert_eq!(ok.posters[0].name, "Handbook");
        let bad_state = CalendarSettings {
            company_state: Some("XX".into()),
            ..CalendarSettings::default()
        };
        assert!(
            validated(bad_state)
                .unwrap_err()
                .to_string()
                .contains("not a US state")
        );
        let backwards = CalendarSettings {
            open_enrolment: Some(EnrolmentWindow {
                opens: "2026-11-15".parse().unwrap(),
                closes: "2026-11-01".parse().unwrap(),
            }),
            ..CalendarSettings::default()
        };
        assert!(validated(backwards).is_err());
        let twice = CalendarSettings {
            posters: vec![
                Poster {
                    name: "OSHA poster".into(),
                    review_on: "2026-01-05".parse().unwrap(),
                },
                Poster {
                    name: "osha  poster".into(),
                    review_on: "2026-02-05".parse().unwrap(),
                },
            ],
            ..CalendarSettings::default()
        };
        assert!(validated(twice).is_err());
    }
}
