//! The statements of a `query` paginator (QuickBooks' query language), read strictly: exactly
//! the forms a provider file sends and nothing else —
//! `SELECT * FROM <Entity> [WHERE <condition> [AND <condition>]] [ORDERBY <member> [ASC|DESC]]
//! [STARTPOSITION <n>] [MAXRESULTS <m>]` (keywords in any case; QuickBooks' docs: data queries),
//! a condition being `<member> > '<date-time>'`, `Active = true|false` or `Active IN (true,
//! false)`: a name list (Employee, Vendor, Department, Class) answers only its active names
//! unless the statement asks for inactive ones too (Intuit, "Deep dive into QuickBooks Online
//! data queries", blogs.intuit.com 2017-02-08: `SELECT * FROM Customer` "retrieves all active
//! customers").
//! Anything else is refused as QuickBooks' query parser refuses it (a 400 its emulator answers
//! with `Fault` code 4000).

use chrono::{DateTime, Utc};

/// The default page size when a statement gives no `MAXRESULTS` (QuickBooks' docs: 100).
pub(crate) const DEFAULT_MAX: usize = 100;
/// The largest page a statement may ask for (QuickBooks: 1000).
pub(crate) const LIMIT_MAX: usize = 1000;

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// The entity after `FROM`.
    pub entity: String,
    /// `WHERE <member> > '<date-time>'`: the member and the time.
    pub after: Option<(String, DateTime<Utc>)>,
    /// `Active = …` / `Active IN (…)`: the values of `Active` asked for (`None`: not said).
    pub active: Option<Vec<bool>>,
    /// `ORDERBY <member> [DESC]`: the member and whether descending.
    pub order: Option<(String, bool)>,
    /// `STARTPOSITION` (1-based; 1 when absent).
    pub start: usize,
    /// `MAXRESULTS` (100 when absent).
    pub max: usize,
}

/// Why a statement was refused, in the words of QuickBooks' parser.
pub(crate) fn parse_error(what: &str) -> String {
    format!("QueryParserError: Encountered {what}")
}

/// Reads `text`, or says what the parser could not take.
pub(crate) fn parse(text: &str) -> Result<Statement, String> {
    let words = tokens(text)?;
    let mut it = words.iter().map(String::as_str).peekable();
    expect("SELECT", &mut it)?;
    expect("*", &mut it)?;
    expect("FROM", &mut it)?;
    let entity = it
        .next()
        .filter(|e| is_name(e))
        .ok_or_else(|| parse_error("no entity after FROM"))?
        .to_owned();
    let mut st = Statement {
        entity,
        after: None,
        active: None,
        order: None,
        start: 1,
        max: DEFAULT_MAX,
    };
    let mut stage = 0;
    while let Some(word) = it.next() {
        let kw = word.to_ascii_uppercase();
        match kw.as_str() {
            "WHERE" if stage < 1 => {
                stage = 1;
                loop {
                    condition(&mut st, &mut it)?;
                    match it.peek() {
                        Some(w) if w.eq_ignore_ascii_case("AND") => {
                            it.next();
                        }
                        _ => break,
                    }
                }
            }
            "ORDERBY" if stage < 2 => {
                stage = 2;
                let member = it
                    .next()
                    .filter(|m| is_member(m))
                    .ok_or_else(|| parse_error("no member after ORDERBY"))?;
                let desc = match it.peek().map(|w| w.to_ascii_uppercase()) {
                    Some(d) if d == "DESC" || d == "ASC" => {
                        it.next();
                        d == "DESC"
                    }
                    _ => false,
                };
                st.order = Some((member.to_owned(), desc));
            }
            "STARTPOSITION" if stage < 3 => {
                stage = 3;
                st.start = number(it.next(), "STARTPOSITION")?;
            }
            "MAXRESULTS" if stage < 4 => {
                stage = 4;
                st.max = number(it.next(), "MAXRESULTS")?;
                if st.max > LIMIT_MAX {
                    return Err(parse_error(&format!(
                        "MAXRESULTS {}, above {LIMIT_MAX}",
                        st.max
                    )));
                }
            }
            _ => return Err(parse_error(&format!("\"{word}\""))),
        }
    }
    Ok(st)
}

/// One condition of a WHERE: `<member> > '<date-time>'`, or `Active = true|false`, or
/// `Active IN (true, false)`.
fn condition<'a>(
    st: &mut Statement,
    it: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
) -> Result<(), String> {
    let member = it
        .next()
        .filter(|m| is_member(m))
        .ok_or_else(|| parse_error("no member after WHERE"))?;
    if member.eq_ignore_ascii_case("Active") {
        let op = it.next().unwrap_or_default().to_ascii_uppercase();
        let mut list = String::new();
        match op.as_str() {
            "=" => list.push_str(it.next().unwrap_or_default()),
            "IN" => {
                for w in it.by_ref() {
                    list.push_str(w);
                    if w.ends_with(')') {
                        break;
                    }
                }
                list = list
                    .strip_prefix('(')
                    .and_then(|l| l.strip_suffix(')'))
                    .ok_or_else(|| parse_error("IN without a list in brackets"))?
                    .to_owned();
            }
            _ => return Err(parse_error(&format!("\"{op}\" after Active"))),
        }
        let values = list
            .split(',')
            .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(parse_error(&format!("\"{other}\", not true or false"))),
            })
            .collect::<Result<Vec<bool>, String>>()?;
        st.active = Some(values);
        return Ok(());
    }
    if st.after.is_some() {
        return Err(parse_error("a second time condition"));
    }
    expect(">", it)?;
    let value = it
        .next()
        .and_then(|v| v.strip_prefix('\'')?.strip_suffix('\''))
        .ok_or_else(|| parse_error("a value that is not a quoted time"))?;
    let at = DateTime::parse_from_rfc3339(value)
        .map_err(|_| parse_error(&format!("'{value}', not a date-time")))?;
    st.after = Some((member.to_owned(), at.with_timezone(&Utc)));
    Ok(())
}

/// The next word, which must be `want` (any case).
fn expect<'a>(want: &str, it: &mut impl Iterator<Item = &'a str>) -> Result<(), String> {
    match it.next() {
        Some(w) if w.eq_ignore_ascii_case(want) => Ok(()),
        Some(w) => Err(parse_error(&format!("\"{w}\" where {want} was expected"))),
        None => Err(parse_error(&format!("the end where {want} was expected"))),
    }
}

fn number(word: Option<&str>, after: &str) -> Result<usize, String> {
    word.and_then(|w| w.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| parse_error(&format!("no whole number from 1 after {after}")))
}

fn is_name(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_member(w: &str) -> bool {
    !w.is_empty() && w.split('.').all(is_name)
}

/// Words, with a quoted value kept whole (quotes included).
fn tokens(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            let mut word = String::from(chars.next().unwrap_or('\''));
            loop {
                match chars.next() {
                    Some('\'') => {
                        word.push('\'');
                        break;
                    }
                    Some(ch) => word.push(ch),
                    None => return Err(parse_error("a quote that is never closed")),
                }
            }
            out.push(word);
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '\'' {
                    break;
                }
                word.push(ch);
                chars.next();
            }
            out.push(word);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_files_forms_are_read() {
        let s = parse("SELECT * FROM Employee STARTPOSITION 1001 MAXRESULTS 1000").unwrap();
        assert_eq!(
            (s.entity.as_str(), s.start, s.max),
            ("Employee", 1001, 1000)
        );
        let s = parse(
            "select * from TimeActivity where Metadata.LastUpdatedTime > '2024-06-01T10:00:00-07:00' orderby Metadata.LastUpdatedTime desc",
        )
        .unwrap();
        let (member, at) = s.after.unwrap();
        assert_eq!(member, "Metadata.LastUpdatedTime");
        assert_eq!(at.to_rfc3339(), "2024-06-01T17:00:00+00:00");
        assert_eq!(s.order, Some(("Metadata.LastUpdatedTime".into(), true)));
        assert_eq!((s.start, s.max), (1, DEFAULT_MAX));
    }

    #[test]
    fn active_conditions_are_read() {
        let s = parse(
            "SELECT * FROM Employee WHERE Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000",
        )
        .unwrap();
        assert_eq!(s.active, Some(vec![true, false]));
        let s = parse("SELECT * FROM Vendor WHERE Metadata.LastUpdatedTime > '2024-06-01T10:00:00Z' AND Active = false").unwrap();
        assert_eq!(s.active, Some(vec![false]));
        assert!(s.after.is_some());
        assert_eq!(parse("SELECT * FROM Employee").unwrap().active, None);
    }

    #[test]
    fn anything_else_is_a_parser_error() {
        for bad in [
            "SELECT Id FROM Employee",
            "SELECT * FROM Employee WHERE Active = maybe",
            "SELECT * FROM Employee WHERE Active IN true",
            "SELECT * FROM Employee WHERE Active LIKE 'x'",
            "SELECT * FROM Employee MAXRESULTS 1001",
            "SELECT * FROM Employee STARTPOSITION 0",
            "SELECT * FROM Employee MAXRESULTS 10 STARTPOSITION 1",
            "SELECT * FROM Employee; DROP",
            "SELECT * FROM Employee WHERE Metadata.LastUpdatedTime > 'yesterday'",
            "SELECT * FROM Employee WHERE Metadata.LastUpdatedTime > '2024",
            "DELETE FROM Employee",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.starts_with("QueryParserError"), "{bad}: {e}");
        }
    }
}
