//! A compliance document as CSV (RFC 4180: a heading row, CRLF line ends, fields quoted when
//! they hold a comma, quote or line break), UTF-8.

use super::Table;
use crate::error::{AppError, ErrorCode, Result};

/// The table as CSV bytes.
pub fn render(table: &Table) -> Result<Vec<u8>> {
    let fail = |e: ::csv::Error| {
        AppError::new(
            ErrorCode::Internal,
            format!("cannot write {}.csv: {e}", table.slug),
        )
    };
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(&table.columns).map_err(fail)?;
    for row in &table.rows {
        writer.write_record(row).map_err(fail)?;
    }
    writer.into_inner().map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("cannot write {}.csv: {e}", table.slug),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_read_back_whole() {
        let table = Table {
            slug: "roster",
            title: "Roster",
            columns: vec!["Name", "Note"],
            rows: vec![
                vec!["José Núñez".into(), "says \"hi\", twice".into()],
                vec!["Ann".into(), "two\nlines".into()],
            ],
        };
        let bytes = render(&table).unwrap_or_default();
        let text = String::from_utf8(bytes.clone()).unwrap_or_default();
        assert!(text.starts_with("Name,Note\r\n"), "{text}");
        assert!(text.contains("\"says \"\"hi\"\", twice\""), "{text}");
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        let rows: Vec<Vec<String>> = reader
            .records()
            .filter_map(|r| r.ok())
            .map(|r| r.iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(rows, table.rows);
    }
}
