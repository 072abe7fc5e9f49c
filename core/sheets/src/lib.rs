//! Tables as files: CSV for systems (RFC 4180, CRLF, every field that a spreadsheet would
//! run as a formula defused) and XLSX for people (sheet names Excel accepts, bold frozen
//! header rows, numbers as number cells).
//!
//! Both the coordinator's chapter report and the server's organisation report write their
//! files with this crate, so the server needs nothing of the coordinator's crate.

pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (`=`, `+`,
/// `-`, `@`, tab, CR at the start) is prefixed with `'`: names come from people.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One CSV line of `cells`, ended by CRLF.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_field(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// A worksheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`), unique in `used`
/// (which starts with the workbook's own sheet names); `fallback` for an empty name.
pub fn sheet_name(wanted: &str, fallback: &str, used: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim().trim_matches('\'');
    let base: String = if clean.is_empty() {
        fallback.into()
    } else {
        clean.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Writes `cells` as a bold header row.
pub fn header<S: AsRef<str>>(
    ws: &mut Worksheet,
    row: u32,
    cells: &[S],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (col, cell) in (0u16..).zip(cells) {
        ws.write_string_with_format(row, col, cell.as_ref(), bold)?;
    }
    Ok(())
}

/// A cell of a [`Sheet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number cell (counts are exact up to 2^53).
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        // Counts of peer work stay far below 2^53, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        Cell::Number(n as f64)
    }
}

/// A simple table: a bold, frozen header row, then the rows; the last row bold if
/// `total_row` (a sum).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total_row: bool,
}

/// A workbook of `sheets`, in order (names made valid and unique).
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let mut used = Vec::new();
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&sheet.name, "Sheet", &mut used))?;
        header(ws, 0, &sheet.headers, &bold)?;
        let last = sheet.rows.len();
        for (row, (i, cells)) in (1u32..).zip(sheet.rows.iter().enumerate()) {
            let strong = sheet.total_row && i + 1 == last;
            for (col, cell) in (0u16..).zip(cells) {
                match (cell, strong) {
                    (Cell::Text(t), false) => ws.write_string(row, col, t)?,
                    (Cell::Text(t), true) => ws.write_string_with_format(row, col, t, &bold)?,
                    (Cell::Number(n), false) => ws.write_number(row, col, *n)?,
                    (Cell::Number(n), true) => ws.write_number_with_format(row, col, *n, &bold)?,
                    (Cell::Empty, _) => ws,
                };
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.autofit();
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::Read;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Kari"), "Kari");
        assert_eq!(csv_field("Nordmann, Kari"), "\"Nordmann, Kari\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_line(&["a", "b,c"]), "a,\"b,c\"\r\n");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(
            sheet_name("Kari Nordmann", "Peer", &mut used),
            "Kari Nordmann"
        );
        assert_eq!(
            sheet_name("Kari Nordmann", "Peer", &mut used),
            "Kari Nordmann (2)"
        );
        assert_eq!(sheet_name("a/b:c", "Peer", &mut used), "a b c");
        let long = sheet_name(&"x".repeat(40), "Peer", &mut used);
        assert_eq!(long.chars().count(), 31);
        let long2 = sheet_name(&"x".repeat(40), "Peer", &mut used);
        assert!(long2.ends_with(" (2)") && long2.chars().count() == 31);
        assert_eq!(sheet_name("  ", "Peer", &mut used), "Peer");
    }

    #[test]
    fn a_workbook_is_a_zip_with_its_sheets_and_strings() {
        let bytes = workbook(&[Sheet {
            name: "Chapters".into(),
            headers: vec!["chapter".into(), "days".into()],
            rows: vec![
                vec!["Bergen".into(), 3u32.into()],
                vec!["Total".into(), 3u64.into()],
            ],
            total_row: true,
        }])
        .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut workbook = String::new();
        zip.by_name("xl/workbook.xml")
            .unwrap()
            .read_to_string(&mut workbook)
            .unwrap();
        assert!(workbook.contains("name=\"Chapters\""), "{workbook}");
        let mut strings = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut strings)
            .unwrap();
        assert!(strings.contains("Bergen"));
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(sheet.contains("<v>3</v>"), "{sheet}");
        assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    }
}
