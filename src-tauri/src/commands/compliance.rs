//! The Dashboard's compliance calendar: what is due, marking an item done, the owner's
//! calendar settings, and saving the calendar as an iCalendar (.ics) file.

use maestro_app::compliance_calendar::{
    Area, CalendarSettings, DepositSchedule, EnrolmentWindow, Obligation, Poster, Urgency,
};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use crate::dto::SavedFileDto;
use crate::error::{IpcError, IpcErrorCode};
use crate::file_dialog::{self, FileFilter};
use crate::state::DesktopState;

/// iCalendar files.
const ICS: FileFilter = FileFilter {
    name: "iCalendar",
    extensions: &["ics"],
};

/// One calendar item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ObligationDto {
    /// Stable id (`form941:2026-Q1`).
    pub id: String,
    /// "work_authorisation", "new_hire_report", "final_pay", "payroll_tax",
    /// "open_enrolment" or "poster".
    pub area: String,
    /// What to do.
    pub title: String,
    /// Due date, ISO 8601.
    pub due: String,
    /// Days left (negative: overdue).
    pub days_left: i32,
    /// "upcoming", "soon", "urgent", "overdue", or "info" for an item the payroll provider
    /// files (never alerted).
    pub urgency: String,
    /// How the date was worked out.
    pub rule: String,
    /// The law or document behind it.
    pub source: String,
    /// The person it concerns.
    pub person: Option<String>,
    /// The payroll provider that files it for the owner ("Gusto"), when the setting says so.
    pub handled_by: Option<String>,
}

/// A poster or policy reviewed yearly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PosterDto {
    /// Its name.
    pub name: String,
    /// A review date (ISO 8601); it recurs every year on that month and day.
    pub review_on: String,
}

/// The owner's calendar settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceSettingsDto {
    /// Two-letter state code, or `None`.
    pub company_state: Option<String>,
    /// Open enrolment opens (ISO 8601), when set.
    pub enrolment_opens: Option<String>,
    /// Open enrolment closes (ISO 8601), when set.
    pub enrolment_closes: Option<String>,
    /// Posters and policies.
    pub posters: Vec<PosterDto>,
    /// "monthly", "semiweekly" or `None`.
    pub deposit_schedule: Option<String>,
    /// "My payroll provider files these": `None` automatic (yes when a full-service payroll is
    /// connected), `true` yes, `false` no.
    pub provider_files_taxes: Option<bool>,
}

/// The calendar and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceCalendarDto {
    /// Items in date order.
    pub items: Vec<ObligationDto>,
    /// The settings.
    pub settings: ComplianceSettingsDto,
}

fn snake<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<&Obligation> for ObligationDto {
    fn from(o: &Obligation) -> Self {
        Self {
            id: o.id.clone(),
            area: snake::<Area>(o.area),
            title: o.title.clone(),
            due: o.due.to_string(),
            days_left: i32::try_from(o.days_left).unwrap_or(i32::MAX),
            urgency: snake::<Urgency>(o.urgency),
            rule: o.rule.clone(),
            source: o.source.clone(),
            person: o.person.clone(),
            handled_by: o.handled_by.clone(),
        }
    }
}

impl From<&CalendarSettings> for ComplianceSettingsDto {
    fn from(s: &CalendarSettings) -> Self {
        Self {
            company_state: s.company_state.clone(),
            enrolment_opens: s.open_enrolment.as_ref().map(|w| w.opens.to_string()),
            enrolment_closes: s.open_enrolment.as_ref().map(|w| w.closes.to_string()),
            posters: s
                .posters
                .iter()
                .map(|p| PosterDto {
                    name: p.name.clone(),
                    review_on: p.review_on.to_string(),
                })
                .collect(),
            deposit_schedule: s.deposit_schedule.map(snake::<DepositSchedule>),
            provider_files_taxes: s.provider_files_taxes,
        }
    }
}

fn date(text: &str, field: &str) -> Result<chrono::NaiveDate, IpcError> {
    text.trim().parse().map_err(|_| {
        IpcError::new(
            IpcErrorCode::Validation,
            format!("“{text}” is not a date: use YYYY-MM-DD"),
        )
        .with_field(field)
    })
}

impl TryFrom<ComplianceSettingsDto> for CalendarSettings {
    type Error = IpcError;

    fn try_from(d: ComplianceSettingsDto) -> Result<Self, IpcError> {
        let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let open_enrolment = match (blank(d.enrolment_opens), blank(d.enrolment_closes)) {
            (Some(o), Some(c)) => Some(EnrolmentWindow {
                opens: date(&o, "enrolmentOpens")?,
                closes: date(&c, "enrolmentCloses")?,
            }),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(IpcError::new(
                    IpcErrorCode::Validation,
                    "give the day open enrolment opens too",
                )
                .with_field("enrolmentOpens"));
            }
            (Some(_), None) => {
                return Err(IpcError::new(
                    IpcErrorCode::Validation,
                    "give the day open enrolment closes too",
                )
                .with_field("enrolmentCloses"));
            }
        };
        let posters = d
            .posters
            .into_iter()
            .map(|p| {
                Ok(Poster {
                    review_on: date(&p.review_on, "posters")?,
                    name: p.name,
                })
            })
            .collect::<Result<Vec<_>, IpcError>>()?;
        let deposit_schedule = match blank(d.deposit_schedule).as_deref() {
            None => None,
            Some("monthly") => Some(DepositSchedule::Monthly),
            Some("semiweekly") => Some(DepositSchedule::Semiweekly),
            Some(other) => {
                return Err(IpcError::new(
                    IpcErrorCode::Validation,
                    format!("unknown deposit schedule “{other}”"),
                )
                .with_field("depositSchedule"));
            }
        };
        Ok(CalendarSettings {
            company_state: blank(d.company_state),
            open_enrolment,
            posters,
            deposit_schedule,
            provider_files_taxes: d.provider_files_taxes,
        })
    }
}

async fn calendar_dto(
    app: &maestro_app::App,
    company_id: maestro_core::ids::CompanyId,
) -> Result<ComplianceCalendarDto, IpcError> {
    let items = app.compliance_calendar(company_id).await?;
    let settings = app.compliance_settings(company_id).await?;
    Ok(ComplianceCalendarDto {
        items: items.iter().map(ObligationDto::from).collect(),
        settings: ComplianceSettingsDto::from(&settings),
    })
}

/// The compliance calendar (the coming year's items) and its settings.
#[tauri::command]
#[specta::specta]
pub async fn compliance_calendar(
    state: State<'_, DesktopState>,
) -> Result<ComplianceCalendarDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    calendar_dto(&app, company.id).await
}

/// Marks a calendar item done; its alert resolves.
#[tauri::command]
#[specta::specta]
pub async fn mark_compliance_done(
    state: State<'_, DesktopState>,
    id: String,
) -> Result<ComplianceCalendarDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    app.mark_compliance_done(company.id, &id).await?;
    calendar_dto(&app, company.id).await
}

/// Saves the calendar settings (validated: a state code, a window that closes after it opens,
/// distinct poster names).
#[tauri::command]
#[specta::specta]
pub async fn set_compliance_settings(
    state: State<'_, DesktopState>,
    settings: ComplianceSettingsDto,
) -> Result<ComplianceCalendarDto, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    app.set_compliance_settings(company.id, CalendarSettings::try_from(settings)?)
        .await?;
    calendar_dto(&app, company.id).await
}

/// Saves the calendar as an iCalendar file where the owner chooses; `None` when they cancel.
#[tauri::command]
#[specta::specta]
pub async fn save_compliance_calendar<R: Runtime>(
    handle: AppHandle<R>,
    state: State<'_, DesktopState>,
) -> Result<Option<SavedFileDto>, IpcError> {
    let app = state.app().await?;
    let company = app.company(None).await?;
    let Some(dest) = file_dialog::pick_save_path(
        &handle,
        "Save the compliance calendar",
        "compliance-calendar.ics",
        &[ICS],
    )
    .await
    else {
        return Ok(None);
    };
    let n = app.save_compliance_ical(&company, &dest).await?;
    let bytes = std::fs::metadata(&dest).map(|m| m.len() as f64).ok();
    Ok(Some(SavedFileDto {
        path: dest.display().to_string(),
        entries: u32::try_from(n).unwrap_or(u32::MAX),
        bytes,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_half_a_window_is_refused() {
        let dto = ComplianceSettingsDto {
            company_state: Some("CA".into()),
            enrolment_opens: Some("2026-11-01".into()),
            enrolment_closes: Some("2026-11-15".into()),
            posters: vec![PosterDto {
                name: "OSHA poster".into(),
                review_on: "2026-01-15".into(),
            }],
            deposit_schedule: Some("monthly".into()),
            provider_files_taxes: Some(false),
        };
        let settings = CalendarSettings::try_from(dto.clone()).unwrap();
        assert_eq!(settings.provider_files_taxes, Some(false));
        assert_eq!(ComplianceSettingsDto::from(&settings), dto);
        let half = ComplianceSettingsDto {
            enrolment_closes: Some(" ".into()),
            ..dto.clone()
        };
        let err = CalendarSettings::try_from(half).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("enrolmentCloses"));
        let bad = ComplianceSettingsDto {
            posters: vec![PosterDto {
                name: "x".into(),
                review_on: "15/01/2026".into(),
            }],
            ..dto
        };
        assert!(CalendarSettings::try_from(bad).is_err());
    }
}
