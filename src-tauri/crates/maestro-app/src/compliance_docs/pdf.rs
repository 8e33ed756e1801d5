//! A compliance document as PDF: US Letter landscape pages with a header (company, title,
//! generation time in ISO 8601 with its zone, page n of m) and the table, its heading row
//! repeated on every page. Text is set in the standard Helvetica (no font files) with the
//! WinAnsi encoding: accented Latin letters (é, ñ, ü…) print as they are; a character WinAnsi
//! cannot encode prints as '?'. A cell too wide for its column is cut with '…'.

use chrono::SecondsFormat;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{ComplianceDocs, Table};

const PAGE_W: f32 = 792.0;
const PAGE_H: f32 = 612.0;
const MARGIN: f32 = 36.0;
const BODY_SIZE: f32 = 8.0;
const ROW_H: f32 = 11.0;
const HEAD_H: f32 = 14.0;
const PAD: f32 = 4.0;
/// The widest a column starts before columns are fitted to the page.
const MAX_NATURAL: f32 = 240.0;
/// Where the table starts, below the page header.
const TABLE_TOP: f32 = PAGE_H - MARGIN - 52.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Helvetica's advance widths (1/1000 em) for the printable ASCII characters 32–126, from
/// Adobe's Helvetica AFM (WinAnsi order: 39 is quotesingle, 96 grave).
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' ' – '/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0' – '?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@' – 'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P' – '_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`' – 'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p' – '~'
];

/// The WinAnsi (Windows-1252) code of `c`, or `?` when it has none.
pub fn win_ansi(c: char) -> u8 {
    let code = u32::from(c);
    match code {
        0x20..=0x7E | 0xA0..=0xFF => code as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201C}' => 0x93,
            '\u{201D}' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => b'?',
        },
    }
}

/// `text` in WinAnsi bytes (tabs and line breaks become spaces).
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .map(win_ansi)
        .collect()
}

/// Width of one WinAnsi byte in 1/1000 em (outside ASCII: a typical letter's 556).
fn glyph_width(b: u8) -> f32 {
    match b {
        0x20..=0x7E => f32::from(ASCII_WIDTHS[usize::from(b - 0x20)]),
        0x85 => 1000.0,
        _ => 556.0,
    }
}

/// Width of encoded text at `size` points; bold is taken as 6 % wider.
fn width(bytes: &[u8], size: f32, bold: bool) -> f32 {
    let w: f32 = bytes.iter().map(|b| glyph_width(*b)).sum::<f32>() * size / 1000.0;
    if bold { w * 1.06 } else { w }
}

/// The encoded text cut to fit `max` points, ending in '…' when cut.
fn fit(text: &str, max: f32, size: f32, bold: bool) -> Vec<u8> {
    let mut bytes = encode(text);
    if width(&bytes, size, bold) <= max {
        return bytes;
    }
    let ellipsis = width(&[0x85], size, bold);
    while !bytes.is_empty() && width(&bytes, size, bold) + ellipsis > max {
        bytes.pop();
    }
    bytes.push(0x85);
    bytes
}

/// Column widths: each column's widest text (capped), scaled to fill the page's width.
fn column_widths(table: &Table) -> Vec<f32> {
    let natural: Vec<f32> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, heading)| {
            let cells = table
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(&encode(c), BODY_SIZE, false))
                .fold(0.0_f32, f32::max);
            (cells.max(width(&encode(heading), BODY_SIZE, true)) + 2.0 * PAD).min(MAX_NATURAL)
        })
        .collect();
    let total: f32 = natural.iter().sum();
    let available = PAGE_W - 2.0 * MARGIN;
    if total <= 0.0 {
        return natural;
    }
    natural.iter().map(|w| w * available / total).collect()
}

fn text(content: &mut Content, font: Name, size: f32, x: f32, y: f32, bytes: &[u8]) {
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(bytes));
    content.end_text();
}

/// Rows that fit on one page below the header.
fn rows_per_page() -> usize {
    let usable = TABLE_TOP - HEAD_H - MARGIN;
    (usable / ROW_H).floor().max(1.0) as usize
}

/// One page's content: header, heading row, `rows`.
fn page_content(
    docs: &ComplianceDocs,
    table: &Table,
    widths: &[f32],
    rows: &[Vec<String>],
    page: usize,
    pages: usize,
) -> Vec<u8> {
    let mut c = Content::new();
    let generated = docs
        .generated_at
        .to_rfc3339_opts(SecondsFormat::Secs, false);
    text(
        &mut c,
        BOLD,
        14.0,
        MARGIN,
        PAGE_H - MARGIN - 14.0,
        &fit(&docs.company, PAGE_W - 2.0 * MARGIN, 14.0, true),
    );
    text(
        &mut c,
        REGULAR,
        10.0,
        MARGIN,
        PAGE_H - MARGIN - 30.0,
        &encode(&format!(
            "{} · generated {generated} · {} rows",
            table.title,
            table.rows.len()
        )),
    );
    let page_label = encode(&format!("Page {page} of {pages}"));
    text(
        &mut c,
        REGULAR,
        9.0,
        PAGE_W - MARGIN - width(&page_label, 9.0, false),
        PAGE_H - MARGIN - 30.0,
        &page_label,
    );
    // Heading row on a light band.
    let table_w: f32 = widths.iter().sum();
    c.set_fill_gray(0.88);
    c.rect(MARGIN, TABLE_TOP - HEAD_H, table_w, HEAD_H);
    c.fill_nonzero();
    c.set_fill_gray(0.0);
    let mut x = MARGIN;
    for (heading, w) in table.columns.iter().zip(widths) {
        let bytes = fit(heading, w - 2.0 * PAD, BODY_SIZE, true);
        text(
            &mut c,
            BOLD,
            BODY_SIZE,
            x + PAD,
            TABLE_TOP - HEAD_H + 4.0,
            &bytes,
        );
        x += w;
    }
    c.set_stroke_gray(0.8);
    c.set_line_width(0.4);
    let mut y = TABLE_TOP - HEAD_H;
    for row in rows {
        let mut x = MARGIN;
        for (cell, w) in row.iter().zip(widths) {
            let bytes = fit(cell, w - 2.0 * PAD, BODY_SIZE, false);
            text(&mut c, REGULAR, BODY_SIZE, x + PAD, y - ROW_H + 3.0, &bytes);
            x += w;
        }
        y -= ROW_H;
        c.move_to(MARGIN, y);
        c.line_to(MARGIN + table_w, y);
        c.stroke();
    }
    if rows.is_empty() {
        text(
            &mut c,
            REGULAR,
            BODY_SIZE,
            MARGIN + PAD,
            y - ROW_H + 3.0,
            &encode("No rows."),
        );
    }
    c.finish().to_vec()
}

/// The table as a PDF document.
pub fn render(docs: &ComplianceDocs, table: &Table) -> Vec<u8> {
    let per_page = rows_per_page();
    let chunks: Vec<&[Vec<String>]> = if table.rows.is_empty() {
        vec![&[]]
    } else {
        table.rows.chunks(per_page).collect()
    };
    let widths = column_widths(table);
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    // Each page is followed by its content stream.
    let mut next = Ref::new(6);
    let page_ids: Vec<Ref> = chunks
        .iter()
        .map(|_| {
            let page = next;
            next = Ref::new(page.get() + 2);
            page
        })
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&format!("{} — {}", docs.company, table.title)))
        .producer(TextStr("Integration Maestro"));
    for (i, rows) in chunks.iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(REGULAR, regular);
        fonts.pair(BOLD, bold);
        drop(fonts);
        drop(resources);
        drop(page);
        let content = page_content(docs, table, &widths, rows, i + 1, chunks.len());
        pdf.stream(content_id, &content);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn docs(rows: usize) -> (ComplianceDocs, Table) {
        let table = Table {
            slug: "roster",
            title: "Roster",
            columns: vec!["Name", "Note"],
            rows: (0..rows)
                .map(|i| vec![format!("José Núñez {i}"), "x".repeat(400)])
                .collect(),
        };
        let docs = ComplianceDocs {
            company: "Panadería Ñandú".into(),
            generated_at: Utc
                .with_ymd_and_hms(2026, 12, 7, 20, 0, 0)
                .single()
                .unwrap_or_default(),
            tables: vec![table.clone()],
        };
        (docs, table)
    }

    fn count(haystack: &[u8], needle: &[u8]) -> usize {
        haystack
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    }

    #[test]
    fn win_ansi_keeps_latin_letters_and_replaces_the_rest() {
        assert_eq!(
            encode("é ñ Ü €"),
            vec![0xE9, b' ', 0xF1, b' ', 0xDC, b' ', 0x80]
        );
        assert_eq!(encode("漢字 ok"), b"?? ok".to_vec());
        assert_eq!(encode("a\tb\nc"), b"a b c".to_vec());
    }

    #[test]
    fn long_cells_are_cut_to_their_column() {
        let cut = fit(&"W".repeat(100), 50.0, BODY_SIZE, false);
        assert!(width(&cut, BODY_SIZE, false) <= 50.0);
        assert_eq!(cut.last(), Some(&0x85));
        assert_eq!(fit("ok", 50.0, BODY_SIZE, false), b"ok".to_vec());
    }

    #[test]
    fn a_long_table_is_paginated_with_its_header_on_every_page() {
        let per_page = rows_per_page();
        let (d, t) = docs(per_page * 2 + 1);
        let bytes = render(&d, &t);
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(count(&bytes, b"xref"), 2, "the table and startxref");
        assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
        let pages = count(&bytes, b"/Type /Page") - count(&bytes, b"/Type /Pages");
        assert_eq!(pages, 3);
        assert_eq!(count(&bytes, b"/Count 3"), 1);
        // Uncompressed content: each page has the company name in WinAnsi (a hex string, as
        // it is not ASCII), and its number.
        let hex: String = encode("Panadería Ñandú")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let lower = String::from_utf8_lossy(&bytes).to_lowercase();
        assert!(
            hex.contains("ed") && hex.contains("d1"),
            "í and Ñ in WinAnsi"
        );
        assert_eq!(
            lower.matches(&format!("<{hex}>")).count(),
            3,
            "one per page"
        );
        assert_eq!(count(&bytes, b"Page 3 of 3"), 1);
        assert!(count(&bytes, b"/WinAnsiEncoding") == 2);
    }

    #[test]
    fn an_empty_table_still_has_a_page() {
        let (d, t) = docs(0);
        let bytes = render(&d, &t);
        assert_eq!(count(&bytes, b"/Count 1"), 1);
        assert_eq!(count(&bytes, b"No rows."), 1);
    }
}
