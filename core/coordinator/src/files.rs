//! The chapter's yearly report as the coordinator hands it on: JSON (the
//! `ChapterReport` as is), CSV (for systems: machine headers, one row per peer plus a
//! total row) and XLSX (for people: in the coordinator's language, the grant
//! application's figures, month by month, the peers, and a sheet per peer with the dates
//! of their counted contacts). The CLI and the console
//! both download these files; the numbers all come from [`crate::Coordinator::chapter_report`],
//! this module only lays them out.

use crate::{ChapterReport, PeerReport};
use chrono::{Datelike, NaiveDate};
use peerlog_core::error::CoreError;
use peerlog_core::themes::THEME_IDS;
use peerlog_core::{Category, ContactKind, Locale};
use peerlog_sheets::{csv_line, header};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

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

const PEER_COLUMNS: [&str; 15] = [
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
    "report_chapter_verified",
    "certified",
    "uncertified_contacts",
    "flagged",
];

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn peer_cells(p: &PeerReport) -> [String; 15] {
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
        yes_no(p.report_chapter_verified).into(),
        yes_no(p.certified).into(),
        p.uncertified_contacts.to_string(),
        yes_no(p.flagged).into(),
    ]
}

/// The theme columns (`theme_hope`, …): the chapter's counts, filled in the `TOTAL` row
/// only (themes are counted per chapter, never per peer), empty when no peer sent counts.
fn theme_columns() -> Vec<String> {
    THEME_IDS.iter().map(|id| format!("theme_{id}")).collect()
}

fn theme_cells(report: &ChapterReport) -> Vec<String> {
    THEME_IDS
        .iter()
        .map(|id| {
            report
                .themes
                .get(*id)
                .map(|n| n.to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// One row per peer and a `TOTAL` row.
pub fn csv(report: &ChapterReport) -> String {
    let mut head: Vec<String> = PEER_COLUMNS.map(String::from).to_vec();
    head.extend(theme_columns());
    let mut out = csv_line(&head);
    for p in &report.peers {
        let mut row = peer_cells(p).to_vec();
        row.extend(THEME_IDS.iter().map(|_| String::new()));
        out.push_str(&csv_line(&row));
    }
    let c = &report.by_category;
    let mut total = vec![
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
        String::new(),
        report.certified_peers.to_string(),
        String::new(),
        String::new(),
    ];
    total.extend(theme_cells(report));
    out.push_str(&csv_line(&total));
    out
}

/// Chooses the text for `l`.
fn pick<'a>(l: Locale, en: &'a str, nb: &'a str, da: &'a str) -> &'a str {
    match l {
        Locale::En => en,
        Locale::Nb => nb,
        Locale::Da => da,
    }
}

/// The workbook's own sheet names in `l`: the grant figures, month by month, the peers.
fn fixed_sheets(l: Locale) -> [&'static str; 3] {
    [
        pick(l, "Grant application", "Til søknaden", "Til ansøgningen"),
        pick(l, "By month", "Per måned", "Pr. måned"),
        pick(l, "Peers", "Likepersoner", "Peer-støttegivere"),
    ]
}

fn category_of(code: &str) -> Option<Category> {
    Category::ALL.iter().copied().find(|c| c.as_str() == code)
}

/// An ISO date as a spreadsheet date (a number with a date format, not text).
fn excel_date(iso: &str) -> Option<ExcelDateTime> {
    let d = NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok()?;
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

fn number(ws: &mut Worksheet, row: u32, col: u16, n: u32) -> Result<(), XlsxError> {
    ws.write_number(row, col, f64::from(n))?;
    Ok(())
}

fn yes_no_in(l: Locale, b: bool) -> &'static str {
    if b {
        pick(l, "yes", "ja", "ja")
    } else {
        pick(l, "no", "nei", "nej")
    }
}

/// The workbook a person reads: in the report's language, with
/// - a sheet of exactly the figures the grant application asks for,
/// - the counted activity-days month by month,
/// - the peers (one row each),
/// - one sheet per peer with the dates (date cells) of their counted contacts.
///
/// Every table's header row is frozen. The CSV keeps machine headers for systems.
pub fn xlsx(report: &ChapterReport) -> Result<Vec<u8>, XlsxError> {
    let l = report.locale;
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format(match l {
        Locale::En => "yyyy-mm-dd",
        Locale::Nb | Locale::Da => "dd.mm.yyyy",
    });
    let month_format = Format::new()
        .set_num_format("mmmm yyyy")
        .set_align(FormatAlign::Left);
    let names = fixed_sheets(l);
    let mut used: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let c = &report.by_category;
    let cat = |k: Category| k.label(l);
    let mut wb = Workbook::new();

    // 1. The grant application's figures, by the names the application uses.
    let ws = wb.add_worksheet();
    ws.set_name(names[0])?;
    header(
        ws,
        0,
        &[
            pick(l, "Figure", "Tall", "Tal"),
            pick(l, "Value", "Verdi", "Værdi"),
        ],
        &bold,
    )?;
    let rule_name = peerlog_rules::rule_set(&report.rule_set)
        .map(|r| r.name(l).to_string())
        .unwrap_or_else(|| report.rule_set.clone());
    let texts: [(&str, &str); 3] = [
        (
            pick(l, "Organisation", "Organisasjon", "Organisation"),
            &report.organisation,
        ),
        (
            pick(l, "Chapter", "Lokallag", "Lokalafdeling"),
            &report.chapter,
        ),
        (
            pick(
                l,
                "Reporting rules",
                "Regler for telling",
                "Regler for opgørelse",
            ),
            &rule_name,
        ),
    ];
    let mut row = 1;
    for (label, value) in texts {
        ws.write_string(row, 0, label)?;
        ws.write_string(row, 1, value)?;
        row += 1;
    }
    ws.write_string(row, 0, pick(l, "Year", "År", "År"))?;
    ws.write_number(row, 1, f64::from(report.year))?;
    row += 1;
    let peers_with_report = report.peers.iter().filter(|p| p.report_valid).count();
    let figures: [(&str, u32); 8] = [
        (
            pick(
                l,
                "Activity-days in total",
                "Aktivitetsdager i alt",
                "Aktivitetsdage i alt",
            ),
            report.activity_days,
        ),
        (cat(Category::Outreach), c.outreach),
        (cat(Category::Group), c.group),
        (cat(Category::Course), c.course),
        (
            pick(
                l,
                "Active peers with a signed confidentiality declaration",
                "Aktive likepersoner med signert taushetserklæring",
                "Aktive peer-støttegivere med underskrevet tavshedserklæring",
            ),
            report.active_peers_with_declaration,
        ),
        (
            pick(
                l,
                "Peers in the chapter",
                "Likepersoner i lokallaget",
                "Peer-støttegivere i lokalafdelingen",
            ),
            u32::try_from(report.peers.len()).unwrap_or(u32::MAX),
        ),
        (
            pick(
                l,
                "Peers with a signed yearly overview",
                "Likepersoner med signert årsoversikt",
                "Peer-støttegivere med underskrevet årsoversigt",
            ),
            u32::try_from(peers_with_report).unwrap_or(u32::MAX),
        ),
        (
            pick(
                l,
                "Logged, not counted",
                "Registrert, teller ikke",
                "Registreret, tæller ikke",
            ),
            report.not_counted,
        ),
    ];
    for (label, n) in figures {
        ws.write_string(row, 0, label)?;
        number(ws, row, 1, n)?;
        row += 1;
    }
    // The recovery themes, when peers sent counts: contacts that touched each.
    if !report.themes.is_empty() {
        let prefix = pick(
            l,
            "Contacts touching the recovery theme",
            "Kontakter innom recovery-temaet",
            "Kontakter, der kom ind på recovery-temaet",
        );
        for theme in peerlog_core::themes::recovery_themes(l) {
            let n = report.themes.get(&theme.id).copied().unwrap_or(0);
            ws.write_string(row, 0, format!("{prefix}: {}", theme.name))?;
            ws.write_number(row, 1, n as f64)?;
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(0, 58)?;
    ws.set_column_width(1, 30)?;

    // 2. Month by month.
    let ws = wb.add_worksheet();
    ws.set_name(names[1])?;
    let total_label = pick(l, "Activity-days", "Aktivitetsdager", "Aktivitetsdage");
    header(
        ws,
        0,
        &[
            pick(l, "Month", "Måned", "Måned"),
            cat(Category::Outreach),
            cat(Category::Group),
            cat(Category::Course),
            total_label,
        ],
        &bold,
    )?;
    let year = u16::try_from(report.year).unwrap_or(1900);
    let mut row = 1;
    // The rules' own month totals, as the Overview and the CLI report show them.
    for t in &report.by_month {
        let m = u8::try_from(t.month).unwrap_or(1);
        ws.write_datetime_with_format(row, 0, ExcelDateTime::from_ymd(year, m, 1)?, &month_format)?;
        number(ws, row, 1, t.outreach)?;
        number(ws, row, 2, t.group)?;
        number(ws, row, 3, t.course)?;
        number(ws, row, 4, t.outreach + t.group + t.course)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, pick(l, "Total", "Sum", "I alt"), &bold)?;
    for (col, n) in (1u16..).zip([c.outreach, c.group, c.course, report.activity_days]) {
        ws.write_number_with_format(row, col, f64::from(n), &bold)?;
    }
    ws.set_freeze_panes(1, 1)?;
    ws.set_column_width(0, 18)?;
    for col in 1..=4 {
        ws.set_column_width(col, 30)?;
    }

    // 3. The peers.
    let ws = wb.add_worksheet();
    ws.set_name(names[2])?;
    let peer_headers = [
        pick(l, "Name", "Navn", "Navn"),
        pick(l, "Account", "Konto", "Konto"),
        total_label,
        cat(Category::Outreach),
        cat(Category::Group),
        cat(Category::Course),
        pick(l, "Not counted", "Teller ikke", "Tæller ikke"),
        pick(
            l,
            "Declaration version",
            "Erklæring, versjon",
            "Erklæring, version",
        ),
        pick(
            l,
            "Declaration valid",
            "Erklæring gyldig",
            "Erklæring gyldig",
        ),
        pick(
            l,
            "Overview signed",
            "Årsoversikt signert",
            "Årsoversigt underskrevet",
        ),
        pick(
            l,
            "Overview valid",
            "Årsoversikt gyldig",
            "Årsoversigt gyldig",
        ),
        pick(
            l,
            "Overview from an enrolled device",
            "Årsoversikt fra innmeldt enhet",
            "Årsoversigt fra tilmeldt enhed",
        ),
        pick(l, "Certified", "Sertifisert", "Certificeret"),
        pick(
            l,
            "Counted while not certified",
            "Tellende uten gyldig sertifikat",
            "Tællende uden gyldigt certifikat",
        ),
        pick(l, "Flagged", "Flagget", "Markeret"),
    ];
    header(ws, 0, &peer_headers, &bold)?;
    for (row, p) in (1u32..).zip(&report.peers) {
        ws.write_string(row, 0, p.name.as_deref().unwrap_or_default())?;
        ws.write_string(row, 1, &p.account_id)?;
        number(ws, row, 2, p.activity_days)?;
        number(ws, row, 3, p.by_category.outreach)?;
        number(ws, row, 4, p.by_category.group)?;
        number(ws, row, 5, p.by_category.course)?;
        number(ws, row, 6, p.not_counted)?;
        if let Some(v) = p.declaration_version {
            number(ws, row, 7, v)?;
        }
        ws.write_string(row, 8, yes_no_in(l, p.declaration_valid))?;
        ws.write_string(row, 9, yes_no_in(l, p.report_signed))?;
        ws.write_string(row, 10, yes_no_in(l, p.report_valid))?;
        ws.write_string(row, 11, yes_no_in(l, p.report_chapter_verified))?;
        ws.write_string(row, 12, yes_no_in(l, p.certified))?;
        number(ws, row, 13, p.uncertified_contacts)?;
        ws.write_string(row, 14, yes_no_in(l, p.flagged))?;
    }
    ws.set_freeze_panes(1, 1)?;
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 38)?;
    for col in 2..=14 {
        ws.set_column_width(col, 16)?;
    }

    // 4. One sheet per peer.
    for p in &report.peers {
        let ws = wb.add_worksheet();
        let title = p.name.clone().unwrap_or_else(|| p.account_id.clone());
        ws.set_name(peerlog_sheets::sheet_name(&title, "Peer", &mut used))?;
        let declaration = match (p.declaration_version, p.declaration_valid) {
            (Some(v), true) => format!(
                "{} {v}, {}",
                pick(l, "version", "versjon", "version"),
                pick(
                    l,
                    "signature valid",
                    "signaturen er gyldig",
                    "underskriften er gyldig"
                )
            ),
            (Some(v), false) => format!(
                "{} {v}, {}",
                pick(l, "version", "versjon", "version"),
                pick(
                    l,
                    "SIGNATURE NOT VALID",
                    "SIGNATUREN ER IKKE GYLDIG",
                    "UNDERSKRIFTEN ER IKKE GYLDIG"
                )
            ),
            (None, _) => pick(l, "not signed", "ikke signert", "ikke underskrevet").into(),
        };
        let overview = match (p.report_signed, p.report_valid) {
            (true, true) => pick(
                l,
                "signature valid",
                "signaturen er gyldig",
                "underskriften er gyldig",
            ),
            (true, false) => pick(
                l,
                "SIGNATURE NOT VALID",
                "SIGNATUREN ER IKKE GYLDIG",
                "UNDERSKRIFTEN ER IKKE GYLDIG",
            ),
            (false, _) => pick(l, "not signed", "ikke signert", "ikke underskrevet"),
        };
        let info: [(&str, &str); 4] = [
            (pick(l, "Peer", "Likeperson", "Peer-støttegiver"), &title),
            (pick(l, "Account", "Konto", "Konto"), &p.account_id),
            (
                pick(
                    l,
                    "Confidentiality declaration",
                    "Taushetserklæring",
                    "Tavshedserklæring",
                ),
                &declaration,
            ),
            (
                pick(
                    l,
                    "Signed yearly overview",
                    "Signert årsoversikt",
                    "Underskrevet årsoversigt",
                ),
                overview,
            ),
        ];
        for (row, (label, value)) in (0u32..).zip(info) {
            ws.write_string_with_format(row, 0, label, &bold)?;
            ws.write_string(row, 1, value)?;
        }
        ws.write_string_with_format(4, 0, total_label, &bold)?;
        number(ws, 4, 1, p.activity_days)?;
        let table = 6;
        header(
            ws,
            table,
            &[
                pick(l, "Date", "Dato", "Dato"),
                pick(l, "Kind", "Type", "Type"),
                pick(l, "Counts as", "Teller som", "Tæller som"),
                pick(l, "Minutes", "Minutter", "Minutter"),
                pick(l, "Participants", "Deltakere", "Deltagere"),
            ],
            &bold,
        )?;
        for (row, k) in (table + 1..).zip(&p.counted) {
            match excel_date(&k.date) {
                Some(d) => ws.write_datetime_with_format(row, 0, d, &date_format)?,
                None => ws.write_string(row, 0, &k.date)?,
            };
            let kind = k
                .kind
                .parse::<ContactKind>()
                .map(|c| c.label(l).to_string())
                .unwrap_or_else(|_| k.kind.clone());
            ws.write_string(row, 1, kind)?;
            ws.write_string(
                row,
                2,
                category_of(&k.category).map(cat).unwrap_or(&k.category),
            )?;
            number(ws, row, 3, k.minutes)?;
            number(ws, row, 4, k.participants)?;
        }
        ws.set_freeze_panes(table + 1, 0)?;
        ws.set_column_width(0, 30)?;
        ws.set_column_width(1, 42)?;
        ws.set_column_width(2, 40)?;
        ws.set_column_width(3, 12)?;
        ws.set_column_width(4, 12)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::CategoryTotals;

    #[test]
    fn peer_sheets_never_take_the_workbooks_own_names() {
        let mut fixed: Vec<String> = fixed_sheets(Locale::Nb).map(String::from).to_vec();
        assert_eq!(
            peerlog_sheets::sheet_name("Likepersoner", "Peer", &mut fixed),
            "Likepersoner (2)"
        );
    }

    pub(crate) fn report() -> ChapterReport {
        let contact = |date: &str, kind: &str, category: &str| crate::CountedContact {
            date: date.into(),
            kind: kind.into(),
            category: category.into(),
            minutes: 60,
            participants: 1,
        };
        ChapterReport {
            year: 2026,
            locale: Locale::Nb,
            organisation: "Org".into(),
            chapter: "Bergen".into(),
            rule_set: "no-bufdir-2020".into(),
            activity_days: 3,
            by_category: CategoryTotals {
                outreach: 2,
                group: 0,
                course: 1,
            },
            not_counted: 1,
            active_peers_with_declaration: 1,
            by_month: (1..=12)
                .map(|month| crate::MonthTotals {
                    year: 2026,
                    month,
                    outreach: if month == 1 { 2 } else { 0 },
                    group: 0,
                    course: u32::from(month == 3),
                    not_counted: 0,
                })
                .collect(),
            peers: vec![PeerReport {
                account_id: "acc".into(),
                name: Some("Kari".into()),
                activity_days: 3,
                by_category: CategoryTotals {
                    outreach: 2,
                    group: 0,
                    course: 1,
                },
                not_counted: 1,
                declaration_version: Some(1),
                declaration_valid: true,
                report_signed: true,
                report_valid: true,
                report_chapter_verified: true,
                counted: vec![
                    contact("2026-01-05", "visit", "outreach"),
                    contact("2026-01-20", "visit", "outreach"),
                    contact("2026-03-02", "course", "course"),
                ],
                certified: true,
                uncertified_contacts: 0,
                flagged: false,
            }],
            certified_peers: 1,
            flag_uncertified: false,
            themes: [("hope".to_string(), 2), ("meaning".to_string(), 1)]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn the_workbook_is_written_in_every_language_and_the_csv_keeps_machine_headers() {
        for l in [Locale::Nb, Locale::Da, Locale::En] {
            let mut r = report();
            r.locale = l;
            let bytes = xlsx(&r).unwrap();
            assert!(bytes.starts_with(b"PK"), "{l:?}");
            assert!(csv(&r).starts_with("account_id,name,activity_days,"));
        }
        // Theme counts only in the total row, in the themes' fixed order.
        let csv = csv(&report());
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].ends_with(
            ",theme_connectedness,theme_hope,theme_identity,theme_meaning,theme_empowerment"
        ));
        assert!(lines[1].ends_with(",,,,,"), "{}", lines[1]);
        assert!(
            lines[2].starts_with("TOTAL,") && lines[2].ends_with(",,2,,1,"),
            "{}",
            lines[2]
        );
        let mut none = report();
        none.themes.clear();
        assert!(super::csv(&none).lines().nth(2).unwrap().ends_with(",,,,,"));
        assert_ne!(fixed_sheets(Locale::Nb), fixed_sheets(Locale::En));
        assert_ne!(fixed_sheets(Locale::Da), fixed_sheets(Locale::Nb));
    }
}
