//! What the tray shows and which alerts become desktop notifications: pure decisions over
//! the open alerts and the runs in progress, kept apart from Tauri so they can be tested.

use std::collections::HashSet;

use maestro_store::alerts::Alert;

/// The state the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayStatus {
    /// Locked: nothing syncs until the owner unlocks.
    Locked,
    /// Unlocked, nothing running, nothing waiting for the owner.
    Idle,
    /// At least one sync is running.
    Syncing,
    /// An alert waits for the owner (takes precedence over syncing).
    Attention,
}

impl TrayStatus {
    /// From the number of runs in progress and the alerts that need a human.
    pub fn from_activity(running: usize, needing_owner: usize) -> Self {
        if needing_owner > 0 {
            TrayStatus::Attention
        } else if running > 0 {
            TrayStatus::Syncing
        } else {
            TrayStatus::Idle
        }
    }
}

/// Whether an alert needs a person (a warning or critical one nobody has acknowledged yet);
/// informational alerts only show on the dashboard.
pub fn needs_owner(alert: &Alert) -> bool {
    alert.state == "open" && matches!(alert.severity.as_str(), "warning" | "critical")
}

/// At most this many alerts get a notification each; more become one summary.
pub const MAX_SEPARATE_NOTIFICATIONS: usize = 3;

/// A desktop notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Headline.
    pub title: String,
    /// One or two sentences.
    pub body: String,
}

/// Remembers which alerts the owner has already been told about, so each one notifies once.
#[derive(Debug, Default)]
pub struct Notifier {
    told: HashSet<String>,
    primed: bool,
}

impl Notifier {
    /// The notices for `alerts` (the company's open alerts now). The first call only learns
    /// what is already open, which the dashboard shows anyway, so unlocking does not replay
    /// old alerts as notifications. Alerts that went away are forgotten, so one that comes
    /// back notifies again.
    pub fn notices(&mut self, alerts: &[Alert]) -> Vec<Notice> {
        let open: Vec<&Alert> = alerts.iter().filter(|a| needs_owner(a)).collect();
        let fresh: Vec<&Alert> = open
            .iter()
            .copied()
            .filter(|a| !self.told.contains(&a.id))
            .collect();
        self.told = open.iter().map(|a| a.id.clone()).collect();
        if !self.primed {
            self.primed = true;
            return Vec::new();
        }
        if fresh.len() > MAX_SEPARATE_NOTIFICATIONS {
            return vec![Notice {
                title: format!("{} things need your attention", fresh.len()),
                body: fresh
                    .iter()
                    .map(|a| a.title.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            }];
        }
        fresh
            .into_iter()
            .map(|a| Notice {
                title: a.title.clone(),
                body: a.detail.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use chrono::Utc;
    use maestro_core::ids::CompanyId;

    fn alert(id: &str, severity: &str, state: &str) -> Alert {
        Alert {
            id: id.into(),
            company_id: CompanyId::new(),
            connection_id: None,
            kind: "auth_revoked".into(),
            severity: severity.into(),
            state: state.into(),
            dedupe_key: id.into(),
            title: format!("Alert {id}"),
            detail: format!("Details of {id}"),
            action: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn attention_wins_over_syncing_and_syncing_over_idle() {
        assert_eq!(TrayStatus::from_activity(0, 0), TrayStatus::Idle);
        assert_eq!(TrayStatus::from_activity(2, 0), TrayStatus::Syncing);
        assert_eq!(TrayStatus::from_activity(2, 1), TrayStatus::Attention);
    }

    #[test]
    fn acknowledged_and_informational_alerts_do_not_need_the_owner() {
        assert!(needs_owner(&alert("a", "critical", "open")));
        assert!(needs_owner(&alert("b", "warning", "open")));
        assert!(!needs_owner(&alert("c", "info", "open")));
        assert!(!needs_owner(&alert("d", "critical", "acknowledged")));
    }

    #[test]
    fn each_alert_notifies_once_and_old_ones_are_not_replayed_at_unlock() {
        let mut n = Notifier::default();
        assert!(n.notices(&[alert("old", "critical", "open")]).is_empty());
        let both = [
            alert("old", "critical", "open"),
            alert("new", "warning", "open"),
        ];
        let told = n.notices(&both);
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].title, "Alert new");
        assert_eq!(told[0].body, "Details of new");
        assert!(n.notices(&both).is_empty());
        // Resolved, then raised again: the owner hears about it again.
        assert!(n.notices(&[alert("old", "critical", "open")]).is_empty());
        assert_eq!(n.notices(&both).len(), 1);
    }

    #[test]
    fn a_burst_of_alerts_becomes_one_summary() {
        let mut n = Notifier::default();
        n.notices(&[]);
        let burst: Vec<Alert> = (0..5)
            .map(|i| alert(&format!("a{i}"), "warning", "open"))
            .collect();
        let told = n.notices(&burst);
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].title, "5 things need your attention");
        assert!(told[0].body.contains("Alert a4"));
    }
}
