//! Benefits open enrolment: the window the owner sets, with one item on the day it opens and
//! one on the day it closes (their alerts are the reminders before each).

use super::{Area, CalendarSettings, Due};

/// Where the dates come from.
pub const SOURCE: &str = "Your open-enrolment window (Compliance calendar settings)";

/// The opening and closing of the owner's window, when set.
pub fn due(settings: &CalendarSettings) -> Vec<Due> {
    let Some(w) = &settings.open_enrolment else {
        return Vec::new();
    };
    vec![
        Due {
            id: format!("enrolment_opens:{}", w.opens),
            area: Area::OpenEnrolment,
            title: "Benefits open enrolment opens: tell employees how to enrol".into(),
            due: w.opens,
            rule: format!("Your window runs {} to {}", w.opens, w.closes),
            source: SOURCE.into(),
            person: None,
        },
        Due {
            id: format!("enrolment_closes:{}", w.closes),
            area: Area::OpenEnrolment,
            title: "Benefits open enrolment closes: remind anyone who has not chosen".into(),
            due: w.closes,
            rule: format!("Your window runs {} to {}", w.opens, w.closes),
            source: SOURCE.into(),
            person: None,
        },
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::EnrolmentWindow;
    use super::*;

    #[test]
    fn an_item_when_the_window_opens_and_one_when_it_closes() {
        assert!(due(&CalendarSettings::default()).is_empty());
        let settings = CalendarSettings {
            open_enrolment: Some(EnrolmentWindow {
                opens: "2026-11-01".parse().unwrap(),
                closes: "2026-11-15".parse().unwrap(),
            }),
            ..CalendarSettings::default()
        };
        let [opens, closes] = due(&settings).try_into().unwrap();
        assert_eq!(opens.due, "2026-11-01".parse().unwrap());
        assert_eq!(closes.due, "2026-11-15".parse().unwrap());
        assert_eq!(closes.id, "enrolment_closes:2026-11-15");
    }
}
