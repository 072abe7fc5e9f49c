//! The organisation's report over its chapters' roll-ups (ADR 0020), for the admin's
//! `peerlog-server admin org report`: every chapter of the organisation, each stored
//! submission's signature checked again against the chapter signing key (so a row changed
//! in the database reads `verified: false`), the totals of the verified ones, and the
//! chapters that have not submitted. As JSON, CSV (machine headers) or XLSX.

use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::rollup::{
    ROLLUP_DOMAIN, ROLLUP_YEARS, RollupCategories, RollupMonth, SignedRollup,
};
use peerlog_sheets::{Cell, Sheet, csv_line};
use serde::Serialize;

use crate::ServerError;
use crate::serve::Database;
use crate::storage::{Chapter, ChapterRollup, PostgresStorage, SqliteStorage, Storage};

/// The formats of the organisation report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgReportFormat {
    Json,
    Csv,
    Xlsx,
}

/// One chapter's submitted figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterFigures {
    /// The chapter's name.
    pub name: String,
    /// The signature verifies with the chapter signing key and the document is this
    /// chapter's, for this year, within the format's bounds. Figures of an unverified
    /// submission are shown as stored but left out of the totals.
    pub verified: bool,
    /// Why it is not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub activity_days: u32,
    pub by_category: RollupCategories,
    pub by_month: Vec<RollupMonth>,
    pub active_peers: u32,
    pub peers_with_declaration: u32,
    pub active_peers_with_declaration: u32,
    pub certified_peers: u32,
    pub themes: std::collections::BTreeMap<String, u64>,
    pub rule_set: String,
    /// When the chapter made it and when the server received it (Unix seconds).
    pub created_at: i64,
    pub received_at: i64,
}

/// The organisation's year over all its chapters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgReport {
    pub organisation: String,
    pub year: i32,
    /// The chapters that submitted, by name.
    pub chapters: Vec<ChapterFigures>,
    /// Over the verified submissions only.
    pub total_activity_days: u64,
    pub total_by_category: Totals,
    pub total_active_peers_with_declaration: u64,
    pub total_certified_peers: u64,
    /// Chapters of the organisation that have not submitted the year, by name.
    pub missing: Vec<String>,
}

/// Sums over chapters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub outreach: u64,
    pub group: u64,
    pub course: u64,
}

/// The report of `org` for `year` from the database at `database`.
pub async fn org_report(database: &str, org: &str, year: i32) -> Result<OrgReport, ServerError> {
    match Database::parse(database)? {
        Database::Sqlite(url) => {
            org_report_in(&SqliteStorage::open_url(&url).await?, org, year).await
        }
        Database::Postgres(url) => {
            org_report_in(&PostgresStorage::connect_with(&url, 2).await?, org, year).await
        }
    }
}

/// [`org_report`] on an opened storage.
pub async fn org_report_in<S: Storage>(
    storage: &S,
    org: &str,
    year: i32,
) -> Result<OrgReport, ServerError> {
    if !ROLLUP_YEARS.contains(&year) {
        return Err(ServerError::InvalidInput(format!(
            "the year must be between {} and {}",
            ROLLUP_YEARS.start(),
            ROLLUP_YEARS.end()
        )));
    }
    let listed = storage.org_rollups(org, year).await.map_err(|e| match e {
        crate::storage::StorageError::NotFound(_) => {
            ServerError::InvalidInput(format!("there is no organisation named {org:?}"))
        }
        e => e.into(),
    })?;
    Ok(build(org, year, listed))
}

fn build(org: &str, year: i32, mut listed: Vec<ChapterRollup>) -> OrgReport {
    listed.sort_by(|a, b| (&a.chapter.name, a.chapter.id).cmp(&(&b.chapter.name, b.chapter.id)));
    let mut report = OrgReport {
        organisation: org.to_string(),
        year,
        chapters: Vec::new(),
        total_activity_days: 0,
        total_by_category: Totals::default(),
        total_active_peers_with_declaration: 0,
        total_certified_peers: 0,
        missing: Vec::new(),
    };
    for ChapterRollup { chapter, rollup } in listed {
        let Some(stored) = rollup else {
            report.missing.push(chapter.name);
            continue;
        };
        let figures = figures(&chapter, year, &stored.document, stored.received_at);
        if figures.verified {
            report.total_activity_days += u64::from(figures.activity_days);
            report.total_by_category.outreach += u64::from(figures.by_category.outreach);
            report.total_by_category.group += u64::from(figures.by_category.group);
            report.total_by_category.course += u64::from(figures.by_category.course);
            report.total_active_peers_with_declaration +=
                u64::from(figures.active_peers_with_declaration);
            report.total_certified_peers += u64::from(figures.certified_peers);
        }
        report.chapters.push(figures);
    }
    report
}

/// A stored submission read and checked: the figures as stored, `verified` only if every
/// check holds.
fn figures(chapter: &Chapter, year: i32, document: &[u8], received_at: i64) -> ChapterFigures {
    let mut out = ChapterFigures {
        name: chapter.name.clone(),
        verified: false,
        problem: None,
        activity_days: 0,
        by_category: RollupCategories::default(),
        by_month: Vec::new(),
        active_peers: 0,
        peers_with_declaration: 0,
        active_peers_with_declaration: 0,
        certified_peers: 0,
        themes: Default::default(),
        rule_set: String::new(),
        created_at: 0,
        received_at,
    };
    let signed: SignedRollup = match serde_json::from_slice(document) {
        Ok(s) => s,
        Err(_) => {
            out.problem = Some("the stored submission cannot be read".into());
            return out;
        }
    };
    let d = &signed.document;
    out.activity_days = d.activity_days;
    out.by_category = d.by_category;
    out.by_month = d.by_month.clone();
    out.active_peers = d.active_peers;
    out.peers_with_declaration = d.peers_with_declaration;
    out.active_peers_with_declaration = d.active_peers_with_declaration;
    out.certified_peers = d.certified_peers;
    out.themes = d.themes.clone();
    out.rule_set = d.rule_set.clone();
    out.created_at = d.created_at;
    let problem = if let Err(e) = d.check() {
        Some(e.to_string())
    } else if d.year != year {
        Some("the submission is for another year".into())
    } else if d.organisation != chapter.org_name || d.chapter != chapter.name {
        Some("the submission names another chapter".into())
    } else {
        match chapter.keys {
            None => Some("the chapter has no signing key".into()),
            Some(keys) => DevicePublicKey::from(keys.signing_public_key)
                .verify_document(ROLLUP_DOMAIN, d, &signed.signature)
                .err()
                .map(|_| "the signature does not verify with the chapter signing key".into()),
        }
    };
    out.verified = problem.is_none();
    out.problem = problem;
    out
}

const COLUMNS: [&str; 12] = [
    "chapter",
    "status",
    "activity_days",
    "outreach",
    "group",
    "course",
    "active_peers",
    "peers_with_declaration",
    "active_peers_with_declaration",
    "certified_peers",
    "rule_set",
    "received_at",
];

fn status(c: &ChapterFigures) -> &'static str {
    if c.verified {
        "verified"
    } else {
        "not_verified"
    }
}

/// The rows of the CSV and the workbook's first sheet: each chapter that submitted, each
/// missing one, and the total of the verified ones.
fn rows(r: &OrgReport) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for c in &r.chapters {
        let received = chrono::DateTime::from_timestamp(c.received_at, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        rows.push(vec![
            Cell::from(c.name.as_str()),
            status(c).into(),
            c.activity_days.into(),
            c.by_category.outreach.into(),
            c.by_category.group.into(),
            c.by_category.course.into(),
            c.active_peers.into(),
            c.peers_with_declaration.into(),
            c.active_peers_with_declaration.into(),
            c.certified_peers.into(),
            c.rule_set.as_str().into(),
            received.into(),
        ]);
    }
    for m in &r.missing {
        let mut row = vec![Cell::from(m.as_str()), "missing".into()];
        row.resize(COLUMNS.len(), Cell::Empty);
        rows.push(row);
    }
    let t = &r.total_by_category;
    let mut total = vec![
        Cell::from("TOTAL"),
        "verified".into(),
        r.total_activity_days.into(),
        t.outreach.into(),
        t.group.into(),
        t.course.into(),
        Cell::Empty,
        Cell::Empty,
        r.total_active_peers_with_declaration.into(),
        r.total_certified_peers.into(),
    ];
    total.resize(COLUMNS.len(), Cell::Empty);
    rows.push(total);
    rows
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) => format!("{n}"),
        Cell::Empty => String::new(),
    }
}

/// The report's file in `format`.
pub fn render(r: &OrgReport, format: OrgReportFormat) -> Result<Vec<u8>, ServerError> {
    match format {
        OrgReportFormat::Json => serde_json::to_vec_pretty(r)
            .map_err(|e| ServerError::InvalidInput(format!("cannot write JSON: {e}"))),
        OrgReportFormat::Csv => {
            let mut out = csv_line(&COLUMNS);
            for row in rows(r) {
                out.push_str(&csv_line(&row.iter().map(text).collect::<Vec<_>>()));
            }
            Ok(out.into_bytes())
        }
        OrgReportFormat::Xlsx => {
            let mut by_month = Vec::new();
            for month in 1..=12u32 {
                let mut sum = Totals::default();
                for c in r.chapters.iter().filter(|c| c.verified) {
                    for m in c.by_month.iter().filter(|m| m.month == month) {
                        sum.outreach += u64::from(m.outreach);
                        sum.group += u64::from(m.group);
                        sum.course += u64::from(m.course);
                    }
                }
                by_month.push(vec![
                    Cell::from(month),
                    sum.outreach.into(),
                    sum.group.into(),
                    sum.course.into(),
                    (sum.outreach + sum.group + sum.course).into(),
                ]);
            }
            let sheets = [
                Sheet {
                    name: format!("{} {}", r.organisation, r.year),
                    headers: COLUMNS.iter().map(|c| c.to_string()).collect(),
                    rows: rows(r),
                    total_row: true,
                },
                Sheet {
                    name: "By month (verified)".into(),
                    headers: ["month", "outreach", "group", "course", "activity_days"]
                        .map(String::from)
                        .to_vec(),
                    rows: by_month,
                    total_row: false,
                },
            ];
            peerlog_sheets::workbook(&sheets)
                .map_err(|e| ServerError::InvalidInput(format!("cannot write the workbook: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::storage::{ChapterKeys, StoredRollup};
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::rollup::{ROLLUP_FORMAT, RollupDocument};

    fn chapter(id: i64, name: &str, key: &DeviceSigningKey) -> Chapter {
        Chapter {
            id,
            org_id: 1,
            org_name: "Org".into(),
            name: name.into(),
            keys: Some(ChapterKeys {
                encryption_public_key: [1; 32],
                signing_public_key: *key.public_key().as_bytes(),
            }),
        }
    }

    fn signed(chapter: &str, outreach: u32, key: &DeviceSigningKey) -> Vec<u8> {
        let mut by_month: Vec<RollupMonth> = (1..=12)
            .map(|month| RollupMonth {
                month,
                ..Default::default()
            })
            .collect();
        by_month[0].outreach = outreach;
        let document = RollupDocument {
            format: ROLLUP_FORMAT.into(),
            organisation: "Org".into(),
            chapter: chapter.into(),
            year: 2026,
            rule_set: "no-bufdir-2020".into(),
            created_at: 10,
            activity_days: outreach,
            by_category: RollupCategories {
                outreach,
                group: 0,
                course: 0,
            },
            by_month,
            active_peers: 1,
            peers_with_declaration: 1,
            active_peers_with_declaration: 1,
            certified_peers: 0,
            themes: Default::default(),
        };
        let signature = key.sign_document(ROLLUP_DOMAIN, &document).unwrap();
        serde_json::to_vec(&SignedRollup {
            document,
            signature,
        })
        .unwrap()
    }

    fn stored(document: Vec<u8>) -> Option<StoredRollup> {
        Some(StoredRollup {
            year: 2026,
            created_at: 10,
            received_at: 20,
            document,
        })
    }

    #[test]
    fn only_verified_submissions_count_and_every_check_holds() {
        let (a, b, c) = (
            DeviceSigningKey::generate().unwrap(),
            DeviceSigningKey::generate().unwrap(),
            DeviceSigningKey::generate().unwrap(),
        );
        let tampered = String::from_utf8(signed("Bergen", 2, &b))
            .unwrap()
            .replace("\"outreach\":2", "\"outreach\":20")
            .replace("\"activity_days\":2", "\"activity_days\":20");
        let listed = vec![
            ChapterRollup {
                chapter: chapter(1, "Oslo", &a),
                rollup: stored(signed("Oslo", 3, &a)),
            },
            ChapterRollup {
                chapter: chapter(2, "Bergen", &b),
                rollup: stored(tampered.into_bytes()),
            },
            ChapterRollup {
                chapter: chapter(3, "Tromsø", &c),
                rollup: None,
            },
            // Signed by another chapter's key, or naming another chapter.
            ChapterRollup {
                chapter: chapter(4, "Bodø", &c),
                rollup: stored(signed("Bodø", 1, &a)),
            },
            ChapterRollup {
                chapter: chapter(5, "Alta", &c),
                rollup: stored(signed("Oslo", 1, &c)),
            },
            ChapterRollup {
                chapter: chapter(6, "Hamar", &c),
                rollup: stored(b"not json".to_vec()),
            },
        ];
        let r = build("Org", 2026, listed);
        let verified: Vec<_> = r
            .chapters
            .iter()
            .map(|c| (c.name.as_str(), c.verified))
            .collect();
        assert_eq!(
            verified,
            [
                ("Alta", false),
                ("Bergen", false),
                ("Bodø", false),
                ("Hamar", false),
                ("Oslo", true)
            ]
        );
        assert_eq!(r.missing, ["Tromsø"]);
        assert_eq!(r.total_activity_days, 3);
        let bergen = &r.chapters[1];
        assert_eq!(bergen.activity_days, 20, "shown as stored");
        assert!(bergen.problem.as_deref().unwrap().contains("signature"));

        let json: serde_json::Value =
            serde_json::from_slice(&render(&r, OrgReportFormat::Json).unwrap()).unwrap();
        assert_eq!(json["chapters"][4]["name"], "Oslo");
        assert_eq!(json["chapters"][4]["by_category"]["outreach"], 3);
        let csv = String::from_utf8(render(&r, OrgReportFormat::Csv).unwrap()).unwrap();
        assert!(csv.starts_with("chapter,status,activity_days,"));
        assert!(csv.contains("Oslo,verified,3,3,0,0,1,1,1,0,no-bufdir-2020,"));
        assert!(csv.contains("Tromsø,missing,,,"));
        assert!(csv.contains("TOTAL,verified,3,3,0,0,,,1,0,,\r\n"));
        let xlsx = render(&r, OrgReportFormat::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK"));
    }
}
