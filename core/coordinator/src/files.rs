//! The chapter's yearly report as the coordinator hands it on: JSON (the
//! `ChapterReport` as is), CSV (one row per peer plus a total row) and XLSX (a summary
//! sheet plus one sheet per peer with their counted contacts). The CLI and the console
//! both download these files; the numbers all come from [`crate::Coordinator::chapter_report`],
//! this module only lays them out.

use crate::{ChapterReport, PeerReport};
use peerlog_core::error::CoreError;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The file formats of the chapter report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Xlsx,
    Json,
}

impl ReportFormat {
    /// The file name extension (also the format's name on the command line).
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Json => "json",
        }
    }

    /// The media type a download of this format is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Json => "application/json",
        }
    }
}

/// The report file's bytes in `format`.
pub fn render(report: &ChapterReport, format: ReportFormat) -> Result<Vec<u8>, CoreError> {
    match format {
        ReportFormat::Json => Ok(serde_json::to_vec_pretty(report)?),
        ReportFormat::Csv => Ok(csv(report).into_bytes()),
        ReportFormat::Xlsx => {
            xlsx(report).map_err(|e| CoreError::Io(std::io::Error::other(e.to_string())))
        }
    }
}

const PEER_COLUMNS: [&str; 11] = [
    "account_id",
    "name",
    "activity_days",
    "outreach",
    "group",
    "course",
    "not_counted",
    "declaration_version",
    "declaration_valid",
    "report_signed",
    "report_valid",
];

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn peer_cells(p: &PeerReport) -> [String; 11] {
    [
        p.account_id.clone(),
        p.name.clone().unwrap_or_default(),
        p.activity_days.to_string(),
        p.by_category.outreach.to_string(),
        p.by_category.group.to_string(),
        p.by_category.course.to_string(),
        p.not_counted.to_string(),
        p.declaration_version
            .map(|v| v.to_string())
            .unwrap_or_default(),
        yes_no(p.declaration_valid).into(),
        yes_no(p.report_signed).into(),
        yes_no(p.report_valid).into(),
    ]
}

/// One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (`=`, `+`,
/// `-`, `@`, tab, CR at the start) is prefixed with `'`: names come from peers.
fn csv_field(s: &str) -> String {
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

fn csv_line(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// One row per peer and a `TOTAL` row.
pub fn csv(report: &ChapterReport) -> String {
    let mut out = csv_line(&PEER_COLUMNS.map(String::from));
    for p in &report.peers {
        out.push_str(&csv_line(&peer_cells(p)));
    }
    let c = &report.by_category;
    out.push_str(&csv_line(&[
        "TOTAL".into(),
        format!(
            "{} / {} {} ({} peers with a signed declaration)",
            report.organisation, report.chapter, report.year, report.active_peers_with_declaration
        ),
        report.activity_days.to_string(),
        c.outreach.to_string(),
        c.group.to_string(),
        c.course.to_string(),
        report.not_counted.to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]));
    out
}

/// A worksheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`), unique in `used`.
fn sheet_name(wanted: &str, used: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let clean = clean.trim().trim_matches('\'');
    let base: String = if clean.is_empty() {
        "Peer".into()
    } else {
        clean.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) || name.eq_ignore_ascii_case("Summary")
    {
        let suffix = format!(" ({n})");
        let keep = 31 - suffix.chars().count();
        name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    used.push(name.clone());
    name
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[String],
    numeric: &[u16],
    fmt: Option<&Format>,
) -> Result<(), XlsxError> {
    for (col, cell) in (0u16..).zip(cells) {
        match (numeric.contains(&col), cell.parse::<u32>()) {
            (true, Ok(n)) => {
                ws.write_number(row, col, f64::from(n))?;
            }
            _ => match fmt {
                Some(f) => {
                    ws.write_string_with_format(row, col, cell, f)?;
                }
                None => {
                    ws.write_string(row, col, cell)?;
                }
            },
        }
    }
    Ok(())
}

/// A summary sheet (totals and one row per peer) and a sheet per peer listing the dates
/// and kinds of their counted contacts.
pub fn xlsx(report: &ChapterReport) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let summary = wb.add_worksheet();
    summary.set_name("Summary")?;
    let c = &report.by_category;
    let head: [(&str, String); 9] = [
        ("Organisation", report.organisation.clone()),
        ("Chapter", report.chapter.clone()),
        ("Year", report.year.to_string()),
        ("Rules", report.rule_set.clone()),
        ("Activity-days", report.activity_days.to_string()),
        ("Outreach", c.outreach.to_string()),
        ("Group", c.group.to_string()),
        ("Course", c.course.to_string()),
        (
            "Active peers with a signed declaration",
            report.active_peers_with_declaration.to_string(),
        ),
    ];
    for (row, (label, value)) in (0u32..).zip(head.iter()) {
        summary.write_string_with_format(row, 0, *label, &bold)?;
        write_row(summary, row, &[String::new(), value.clone()], &[1], None)?;
    }
    let table = u32::try_from(head.len()).unwrap_or(0) + 1;
    write_row(
        summary,
        table,
        &PEER_COLUMNS.map(String::from),
        &[],
        Some(&bold),
    )?;
    let numeric = [2, 3, 4, 5, 6, 7];
    for (row, p) in (table + 1..).zip(&report.peers) {
        write_row(summary, row, &peer_cells(p), &numeric, None)?;
    }
    summary.set_column_width(0, 38)?;
    summary.set_column_width(1, 28)?;

    let mut used = Vec::new();
    for p in &report.peers {
        let ws = wb.add_worksheet();
        let title = p.name.clone().unwrap_or_else(|| p.account_id.clone());
        ws.set_name(sheet_name(&title, &mut used))?;
        ws.write_string_with_format(0, 0, "Peer", &bold)?;
        ws.write_string(0, 1, &title)?;
        ws.write_string_with_format(1, 0, "Account", &bold)?;
        ws.write_string(1, 1, &p.account_id)?;
        ws.write_string_with_format(2, 0, "Activity-days", &bold)?;
        ws.write_number(2, 1, f64::from(p.activity_days))?;
        ws.write_string_with_format(3, 0, "Declaration", &bold)?;
        ws.write_string(
            3,
            1,
            match (p.declaration_version, p.declaration_valid) {
                (Some(v), true) => format!("version {v}, signature valid"),
                (Some(v), false) => format!("version {v}, SIGNATURE INVALID"),
                (None, _) => "not signed".into(),
            },
        )?;
        ws.write_string_with_format(4, 0, "Signed report", &bold)?;
        ws.write_string(
            4,
            1,
            match (p.report_signed, p.report_valid) {
                (true, true) => "signature valid",
                (true, false) => "SIGNATURE INVALID",
                (false, _) => "not signed",
            },
        )?;
        let header = ["date", "kind", "category", "minutes", "participants"].map(String::from);
        write_row(ws, 6, &header, &[], Some(&bold))?;
        for (row, k) in (7u32..).zip(&p.counted) {
            write_row(
                ws,
                row,
                &[
                    k.date.clone(),
                    k.kind.clone(),
                    k.category.clone(),
                    k.minutes.to_string(),
                    k.participants.to_string(),
                ],
                &[3, 4],
                None,
            )?;
        }
        ws.set_column_width(0, 16)?;
        ws.set_column_width(1, 40)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("Kari"), "Kari");
        assert_eq!(csv_field("Nordmann, Kari"), "\"Nordmann, Kari\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("Kari Nordmann", &mut used), "Kari Nordmann");
        assert_eq!(sheet_name("Kari Nordmann", &mut used), "Kari Nordmann (2)");
        assert_eq!(sheet_name("a/b:c", &mut used), "a b c");
        assert_eq!(sheet_name("Summary", &mut used), "Summary (2)");
        let long = sheet_name(&"x".repeat(40), &mut used);
        assert_eq!(long.chars().count(), 31);
        let long2 = sheet_name(&"x".repeat(40), &mut used);
        assert!(long2.ends_with(" (2)") && long2.chars().count() == 31);
        assert_eq!(sheet_name("  ", &mut used), "Peer");
    }
}
