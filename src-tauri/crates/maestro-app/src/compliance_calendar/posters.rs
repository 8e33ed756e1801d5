//! Posters and policy acknowledgements the owner lists, each reviewed once a year on the month
//! and day the owner gave (February 29 falls on February 28 in other years).

use chrono::{Datelike, NaiveDate};

use super::{Area, CalendarSettings, Due};

/// Where the dates come from.
pub const SOURCE: &str = "Your poster and policy list (Compliance calendar settings)";

/// A short id for a poster's name: lowercase letters and digits, words joined by `-`.
pub fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// The yearly reviews falling between `from` and `to` (both included).
pub fn due(settings: &CalendarSettings, from: NaiveDate, to: NaiveDate) -> Vec<Due> {
    let mut out = Vec::new();
    for poster in &settings.posters {
        let (m, d) = (poster.review_on.month(), poster.review_on.day());
        for year in from.year()..=to.year() {
            let Some(on) = NaiveDate::from_ymd_opt(year, m, d)
                .or_else(|| NaiveDate::from_ymd_opt(year, m, d - 1))
            else {
                continue;
            };
            if on < from || on > to || on < poster.review_on {
                continue;
            }
            out.push(Due {
                id: format!("poster:{}:{on}", slug(&poster.name)),
                area: Area::Poster,
                title: format!("Review “{}” (yearly)", poster.name),
                due: on,
                rule: format!(
                    "Every year on {} (from {})",
                    poster.review_on.format("%B %-d"),
                    poster.review_on
                ),
                source: SOURCE.into(),
                person: None,
            });
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::Poster;
    use super::super::tests::day;
    use super::*;

    #[test]
    fn reviews_recur_yearly_from_the_given_date() {
        let settings = CalendarSettings {
            posters: vec![
                Poster {
                    name: "FLSA Minimum Wage poster".into(),
                    review_on: day("2026-01-15"),
                },
                Poster {
                    name: "Leap".into(),
                    review_on: day("2024-02-29"),
                },
            ],
            ..CalendarSettings::default()
        };
        let ids: Vec<String> = due(&settings, day("2025-12-01"), day("2027-03-01"))
            .into_iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(
            ids,
            [
                "poster:flsa-minimum-wage-poster:2026-01-15",
                "poster:flsa-minimum-wage-poster:2027-01-15",
                "poster:leap:2026-02-28",
                "poster:leap:2027-02-28",
            ]
        );
    }
}
