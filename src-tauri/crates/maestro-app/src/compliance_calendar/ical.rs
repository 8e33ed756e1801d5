//! The calendar as iCalendar (RFC 5545): one VEVENT per obligation, an all-day event on the
//! due date (`DTSTART;VALUE=DATE`, `DTEND` the day after, RFC 5545 3.6.1) with a UID that
//! stays the same for the same obligation, so a calendar that imports the file again updates
//! its events instead of doubling them, and a display alarm at the area's warning days. Lines
//! end in CRLF and are folded at 75 octets without splitting a UTF-8 character (3.1); TEXT
//! values escape backslash, semicolon, comma and newline (3.3.11).

use chrono::{DateTime, Duration, Utc};

use super::Obligation;

/// The longest line, in octets, before folding (RFC 5545 3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value (RFC 5545 3.3.11).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at [`MAX_LINE_OCTETS`] octets and ended with CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

/// The UID of an obligation of the company `company` (its local id).
pub fn uid(company: &str, obligation_id: &str) -> String {
    format!("{obligation_id}@{company}.compliance.integration-maestro")
}

/// The calendar of `obligations` for the company whose local id is `company`, stamped `now`.
pub fn calendar(
    company: &str,
    name: &str,
    obligations: &[Obligation],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Integration Maestro//Compliance calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, line);
    }
    push_line(
        &mut out,
        &format!(
            "X-WR-CALNAME:{}",
            escape_text(&format!("{name}: compliance"))
        ),
    );
    for o in obligations {
        let (warn, _) = o.area.alert_days();
        let mut description = format!("{}.\nSource: {}", o.rule, o.source);
        if let Some(person) = &o.person {
            description = format!("{person}.\n{description}");
        }
        let lines = [
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape_text(&uid(company, &o.id))),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", o.due.format("%Y%m%d")),
            format!(
                "DTEND;VALUE=DATE:{}",
                (o.due + Duration::days(1)).format("%Y%m%d")
            ),
            format!("SUMMARY:{}", escape_text(&o.title)),
            format!("DESCRIPTION:{}", escape_text(&description)),
            "TRANSP:TRANSPARENT".to_owned(),
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            format!("DESCRIPTION:{}", escape_text(&o.title)),
            format!("TRIGGER:-P{warn}D"),
            "END:VALARM".to_owned(),
            "END:VEVENT".to_owned(),
        ];
        for line in &lines {
            push_line(&mut out, line);
        }
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::NaiveDate;

    use super::super::{Area, Urgency};
    use super::*;

    /// A content line read back: name, parameters, value (unescaped).
    #[derive(Debug, PartialEq)]
    struct Line {
        name: String,
        params: Vec<String>,
        value: String,
    }

    /// Unfolds and parses `text` as RFC 5545 content lines, failing on bare LF line ends.
    fn parse(text: &str) -> Vec<Line> {
        assert!(text.ends_with("\r\n"));
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "a line ends without CR"
        );
        let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
        unfolded
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (head, value) = l.split_once(':').unwrap();
                let mut parts = head.split(';');
                let name = parts.next().unwrap().to_owned();
                Line {
                    name,
                    params: parts.map(str::to_owned).collect(),
                    value: unescape(value),
                }
            })
            .collect()
    }

    fn unescape(v: &str) -> String {
        let mut out = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next().unwrap() {
                    'n' | 'N' => out.push('\n'),
                    other => out.push(other),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    fn obligation(title: &str) -> Obligation {
        Obligation {
            id: "new_hire:7f1c:2026-03-02".into(),
            area: Area::NewHireReport,
            title: title.into(),
            due: NaiveDate::from_ymd_opt(2026, 3, 12).unwrap(),
            days_left: 7,
            urgency: Urgency::Soon,
            rule: "10 days after the hire on 2026-03-02; GA's deadline".into(),
            source: "O.C.G.A. § 19-11-9.2".into(),
            person: Some("José Núñez".into()),
            handled_by: None,
        }
    }

    #[test]
    fn escaping_covers_the_four_specials() {
        assert_eq!(escape_text("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne");
    }

    #[test]
    fn the_file_is_crlf_folded_at_75_octets_escaped_and_reads_back() {
        let title = "Report José Núñez's hire to GA's new-hire registry; then file, sign \
                     and keep the confirmation — ünïcödé ‘quotes’ push this past 75 octets";
        let now = "2026-03-05T09:00:00Z".parse().unwrap();
        let text = calendar("c0ffee", "Bluebird, Bakery", &[obligation(title)], now);
        for line in text.split("\r\n") {
            assert!(
                line.len() <= MAX_LINE_OCTETS,
                "{} octets: {line}",
                line.len()
            );
        }
        assert!(text.contains("\r\n "), "the long title is folded");
        let lines = parse(&text);
        let get = |name: &str| lines.iter().find(|l| l.name == name).unwrap();
        assert_eq!(lines.first().unwrap().value, "VCALENDAR");
        assert_eq!(lines.last().unwrap().value, "VCALENDAR");
        assert_eq!(get("VERSION").value, "2.0");
        assert_eq!(get("X-WR-CALNAME").value, "Bluebird, Bakery: compliance");
        assert_eq!(get("SUMMARY").value, title);
        assert_eq!(
            get("UID").value,
            "new_hire:7f1c:2026-03-02@c0ffee.compliance.integration-maestro"
        );
        let start = get("DTSTART");
        assert_eq!(start.params, ["VALUE=DATE"]);
        assert_eq!(start.value, "20260312");
        assert_eq!(get("DTEND").value, "20260313");
        assert_eq!(get("DTSTAMP").value, "20260305T090000Z");
        assert_eq!(
            get("DESCRIPTION").value,
            "José Núñez.\n10 days after the hire on 2026-03-02; GA's deadline.\n\
             Source: O.C.G.A. § 19-11-9.2"
        );
        assert_eq!(get("TRIGGER").value, "-P14D");
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names.iter().filter(|n| **n == "BEGIN").count(), 3);
        assert_eq!(names.iter().filter(|n| **n == "END").count(), 3);
    }

    #[test]
    fn the_same_obligation_keeps_its_uid() {
        let now = "2026-03-05T09:00:00Z".parse().unwrap();
        let later = "2026-03-09T09:00:00Z".parse().unwrap();
        let uid_of = |t: &str| {
            parse(t)
                .into_iter()
                .find(|l| l.name == "UID")
                .map(|l| l.value)
                .unwrap()
        };
        let a = calendar("c0ffee", "B", &[obligation("x")], now);
        let b = calendar("c0ffee", "B", &[obligation("x changed")], later);
        assert_eq!(uid_of(&a), uid_of(&b));
    }
}
