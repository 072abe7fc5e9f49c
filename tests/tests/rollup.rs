//! The national roll-up end to end on every backend: coordinators submit their chapter's
//! year through the `peerlog` program to a real server, and the organisation's report
//! (what `peerlog-server admin org report` writes) lists every chapter of the
//! organisation with its signature checked again, and the chapters that have not
//! submitted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use peerlog_server::rollup::{self, OrgReportFormat};
use peerlog_tests::{Backend, Database, Device, TestServer, backends};
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peerlog-e2e"))
}

fn add(dev: &Device, args: &[&str]) -> Value {
    let mut all = vec!["contact", "add"];
    all.extend_from_slice(args);
    all.push("--json");
    dev.json(&all)
}

/// The organisation report as the admin command writes it, read back as JSON.
fn org_report(server: &TestServer, org: &str) -> Value {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let report = rt
        .block_on(rollup::org_report(&server.database, org, 2026))
        .unwrap();
    serde_json::from_slice(&rollup::render(&report, OrgReportFormat::Json).unwrap()).unwrap()
}

fn chapter<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report:#}"))
}

/// Changes the stored document of `chapter` as someone with access to the database
/// could: figures that still add up, so only the signature can tell.
fn tamper(db: &Database, chapter: &str) {
    let change = |bytes: Vec<u8>| -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(&bytes).unwrap();
        let d = &mut v["document"];
        let add = |x: &Value| serde_json::json!(x.as_u64().unwrap() + 10);
        d["activity_days"] = add(&d["activity_days"]);
        d["by_category"]["outreach"] = add(&d["by_category"]["outreach"]);
        d["by_month"][0]["outreach"] = add(&d["by_month"][0]["outreach"]);
        serde_json::to_vec(&v).unwrap()
    };
    match db.backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(db.dir.path().join("peerlog.db")).unwrap();
            let (rowid, doc): (i64, Vec<u8>) = conn
                .query_row(
                    "SELECT r.rowid, r.document FROM rollups r JOIN chapters c ON c.id = r.chapter_id WHERE c.name = ?1",
                    [chapter],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            conn.execute(
                "UPDATE rollups SET document = ?2 WHERE rowid = ?1",
                rusqlite::params![rowid, change(doc)],
            )
            .unwrap();
        }
        Backend::Postgres => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let row = client
                    .query_one(
                        "SELECT r.chapter_id, r.document FROM rollups r JOIN chapters c ON c.id = r.chapter_id WHERE c.name = $1",
                        &[&chapter],
                    )
                    .await
                    .unwrap();
                let id: i64 = row.get(0);
                let doc: Vec<u8> = row.get(1);
                client
                    .execute(
                        "UPDATE rollups SET document = $2 WHERE chapter_id = $1",
                        &[&id, &change(doc)],
                    )
                    .await
                    .unwrap();
            });
        }
    }
}

fn rollup_flow(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let oslo = Device::coordinator_of(bin(), &server, "Oslo");
    let bergen = Device::coordinator_of(bin(), &server, "Bergen");
    // A chapter of another organisation, with figures of its own.
    let elsewhere = Device::new(bin());
    let token = server.create_chapter("Other Org", "Tromsø");
    elsewhere.json(&[
        "coordinator",
        "enrol",
        &token,
        "--server",
        &server.url(),
        "--json",
    ]);

    let kari = oslo.signed_peer("Kari Nordmann");
    let ola = oslo.signed_peer("Ola Nordmann");
    add(
        &kari,
        &[
            "--date",
            "2026-01-12",
            "--kind",
            "visit",
            "--minutes",
            "60",
            "--place",
            "hospital",
        ],
    );
    add(
        &kari,
        &[
            "--date",
            "2026-03-05",
            "--kind",
            "self-help-group",
            "--minutes",
            "90",
            "--participants",
            "3",
        ],
    );
    add(
        &ola,
        &["--date", "2026-02-01", "--kind", "phone", "--minutes", "20"],
    );
    kari.ok(&["sync"]);
    ola.ok(&["sync"]);
    oslo.ok(&["coordinator", "sync"]);

    // Bad input: a clear error, nothing sent.
    for (args, code) in [
        (vec!["--year", "1999"], 2),
        (vec!["--year", "twenty"], 2),
        (vec![], 2),
        (vec!["--year", "2099"], 3),
    ] {
        let mut all = vec!["coordinator", "submit"];
        all.extend_from_slice(&args);
        let err = oslo.fails(&all, code);
        assert!(!err.trim().is_empty(), "{args:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A peer's device cannot submit for the chapter.
    let err = kari.fails(&["coordinator", "submit", "--year", "2026"], 3);
    assert!(err.contains("coordinator"), "{err}");
    let report = org_report(&server, "Org");
    assert_eq!(report["chapters"], serde_json::json!([]));
    assert_eq!(report["missing"], serde_json::json!(["Bergen", "Oslo"]));

    // The coordinator submits: exactly the counts of its own report, no names.
    let report_file = oslo.home.join("report.json");
    oslo.ok(&[
        "coordinator",
        "report",
        "--year",
        "2026",
        "--format",
        "json",
        "--out",
        report_file.to_str().unwrap(),
    ]);
    let own: Value = serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    let submitted = oslo.json(&["coordinator", "submit", "--year", "2026", "--json"]);
    assert_eq!(submitted["replaced"], false);
    let doc = &submitted["document"];
    assert_eq!(doc["activity_days"], own["activity_days"]);
    assert_eq!(doc["activity_days"], 2);
    assert_eq!(doc["by_category"]["outreach"], 1);
    assert_eq!(doc["by_category"]["group"], 1);
    assert_eq!(doc["by_month"][0]["outreach"], 1);
    assert_eq!(doc["by_month"][2]["group"], 1);
    assert_eq!(doc["active_peers"], 2);
    assert_eq!(doc["peers_with_declaration"], 2);
    assert_eq!(
        doc["active_peers_with_declaration"],
        own["active_peers_with_declaration"]
    );
    let text = doc.to_string();
    assert!(
        !text.contains("Nordmann") && !text.contains("2026-01-12"),
        "{text}"
    );
    elsewhere.ok(&["coordinator", "submit", "--year", "2026"]);

    let report = org_report(&server, "Org");
    let o = chapter(&report, "Oslo");
    assert_eq!(o["verified"], true, "{report:#}");
    assert_eq!(o["activity_days"], 2);
    assert_eq!(o["by_category"]["group"], 1);
    assert_eq!(report["total_activity_days"], 2);
    assert_eq!(report["missing"], serde_json::json!(["Bergen"]));
    assert_eq!(report["chapters"].as_array().unwrap().len(), 1, "no Tromsø");

    // More work, then a new submission replaces the year's.
    add(
        &ola,
        &[
            "--date",
            "2026-01-20",
            "--kind",
            "visit",
            "--minutes",
            "45",
            "--place",
            "home",
        ],
    );
    ola.ok(&["sync"]);
    oslo.ok(&["coordinator", "sync"]);
    let again = oslo.json(&["coordinator", "submit", "--year", "2026", "--json"]);
    assert_eq!(again["replaced"], true);
    assert_eq!(again["document"]["activity_days"], 3);
    bergen.ok(&["coordinator", "submit", "--year", "2026"]);
    let report = org_report(&server, "Org");
    assert_eq!(chapter(&report, "Oslo")["activity_days"], 3);
    assert_eq!(chapter(&report, "Bergen")["verified"], true);
    assert_eq!(chapter(&report, "Bergen")["activity_days"], 0);
    assert_eq!(report["total_activity_days"], 3);
    assert_eq!(report["missing"], serde_json::json!([]));

    // A row changed in the database reads as not verified and leaves the totals.
    tamper(&db, "Oslo");
    let report = org_report(&server, "Org");
    let o = chapter(&report, "Oslo");
    assert_eq!(o["verified"], false, "{report:#}");
    assert_eq!(o["activity_days"], 13, "shown as stored");
    assert_eq!(report["total_activity_days"], 0);
    // The CSV and the workbook say so too.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let r = rt
        .block_on(rollup::org_report(&server.database, "Org", 2026))
        .unwrap();
    let csv = String::from_utf8(rollup::render(&r, OrgReportFormat::Csv).unwrap()).unwrap();
    assert!(csv.contains("\r\nOslo,not_verified,13,"), "{csv}");
    assert!(csv.contains("\r\nBergen,verified,0,"), "{csv}");
    let xlsx = rollup::render(&r, OrgReportFormat::Xlsx).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    // An organisation that does not exist is a clear error.
    let err = rt
        .block_on(rollup::org_report(&server.database, "Nobody", 2026))
        .unwrap_err();
    assert!(err.to_string().contains("no organisation"), "{err}");
}

#[test]
fn rollup_end_to_end_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        rollup_flow(backend);
    }
}
