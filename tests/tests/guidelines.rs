//! What the guidelines ask for beyond logging, through the `peerlog` program against a real
//! server on every backend: the chapter records a peer's course, the peer sees it and the
//! coordinator's peers list says who is certified; bad input is refused and changes
//! nothing; the chapter's settings reach the peer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use peerlog_tests::{Backend, Database, Device, TestServer, backends};
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peerlog-e2e"))
}

fn coordinator_of(server: &TestServer, chapter: &str) -> Device {
    Device::coordinator_of(bin(), server, chapter)
}

fn signed_peer(coordinator: &Device, name: &str) -> Device {
    let peer = coordinator.signed_peer(name);
    peer.ok(&["sync"]);
    peer
}

fn peers(coordinator: &Device) -> Vec<Value> {
    coordinator
        .json(&["coordinator", "peers", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn training(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "Bergen");
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    coordinator.ok(&["sync"]);
    let list = peers(&coordinator);
    let kari_entry = list.iter().find(|p| p["name"] == "Kari Nordmann").unwrap();
    assert_eq!(kari_entry["certified"], false);
    let account = kari_entry["account_id"].as_str().unwrap().to_string();

    // Bad input of every kind: exit code 3, a clear message, nothing recorded.
    for (args, message) in [
        (vec!["--course", " ", "--date", "2026-03-01"], "course"),
        (
            vec!["--course", "Kurs", "--date", "2026-02-30"],
            "not a date",
        ),
        (vec!["--course", "Kurs", "--date", "2999-01-01"], "future"),
        (
            vec![
                "--course",
                "Kurs",
                "--date",
                "2026-03-01",
                "--valid-until",
                "2026-01-01",
            ],
            "before the course date",
        ),
    ] {
        let mut all = vec!["coordinator", "training", "add", "--peer", account.as_str()];
        all.extend_from_slice(&args);
        let err = coordinator.fails(&all, 3);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let err = coordinator.fails(
        &[
            "coordinator",
            "training",
            "add",
            "--peer",
            "no-such-peer",
            "--course",
            "Kurs",
            "--date",
            "2026-03-01",
        ],
        3,
    );
    assert!(!err.is_empty());
    assert_eq!(
        coordinator.json(&["coordinator", "training", "list", "--json"]),
        serde_json::json!([])
    );

    let added = coordinator.json(&[
        "coordinator",
        "training",
        "add",
        "--peer",
        &account,
        "--course",
        "Likepersonskurs",
        "--date",
        "2026-03-01",
        "--json",
    ]);
    assert!(added["id"].is_string());
    coordinator.ok(&["sync"]);
    kari.ok(&["sync"]);
    let own = kari.json(&["training", "--json"]);
    assert_eq!(own["certified"], true, "{own:#}");
    assert_eq!(own["records"][0]["course"], "Likepersonskurs");
    assert_eq!(own["records"][0]["valid_until"], Value::Null);
    let list = coordinator.json(&["coordinator", "training", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["account_id"], account.as_str());
    let kari_entry = peers(&coordinator)
        .into_iter()
        .find(|p| p["account_id"] == account.as_str())
        .unwrap();
    assert_eq!(kari_entry["certified"], true);

    // The chapter's settings reach the peer's device.
    coordinator.ok(&[
        "coordinator",
        "settings",
        "--themes",
        "on",
        "--flag-uncertified",
        "on",
    ]);
    let s = coordinator.json(&["coordinator", "settings", "--json"]);
    assert_eq!(
        s,
        serde_json::json!({"themes": true, "flag_uncertified": true})
    );
    coordinator.ok(&["sync"]);
    kari.ok(&["sync"]);
}

#[test]
fn training_end_to_end_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        training(backend);
    }
}

fn chapter_themes(coordinator: &Device, year: &str, dir: &Path) -> Value {
    let out = dir.join(format!("report-{year}.json"));
    let out = out.to_str().unwrap();
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        year,
        "--format",
        "json",
        "--out",
        out,
    ]);
    let report: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    report["themes"].clone()
}

fn themes(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let files = tempfile::tempdir().unwrap();
    let coordinator = coordinator_of(&server, "Bergen");
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    let ola = signed_peer(&coordinator, "Ola Nordmann");
    coordinator.ok(&["sync"]);
    let add = |peer: &Device, date: &str, themes: &str| {
        peer.json(&[
            "contact",
            "add",
            "--date",
            date,
            "--kind",
            "phone",
            "--minutes",
            "20",
            "--themes",
            themes,
            "--json",
        ])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Off by default: refused with a message saying so; unknown ids are named.
    let args = |themes: &'static str| {
        [
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "phone",
            "--minutes",
            "20",
            "--themes",
            themes,
        ]
    };
    let err = kari.fails(&args("connectedness,hope"), 3);
    assert!(
        err.contains("your chapter has not switched on the recovery-themes question"),
        "{err}"
    );
    let err = kari.fails(&args("hope,courage"), 3);
    assert!(
        err.contains("connectedness, hope, identity, meaning or empowerment"),
        "{err}"
    );
    assert_eq!(
        kari.json(&["contact", "list", "--json"]),
        serde_json::json!([])
    );
    assert_eq!(
        chapter_themes(&coordinator, "2026", files.path()),
        serde_json::json!({})
    );

    // The chapter switches the question on; the peers get it at their next sync.
    coordinator.ok(&["coordinator", "settings", "--themes", "on"]);
    coordinator.ok(&["sync"]);
    kari.ok(&["sync"]);
    ola.ok(&["sync"]);
    let one = add(&kari, "2026-03-05", "hope,connectedness");
    add(&kari, "2026-04-02", "hope");
    let ola_one = add(&ola, "2026-05-01", "identity");
    add(&ola, "2025-11-01", "meaning");
    let shown = kari.json(&["contact", "show", &one, "--json"]);
    assert_eq!(
        shown["themes"],
        serde_json::json!(["connectedness", "hope"])
    );
    for p in [&kari, &ola] {
        p.ok(&["sync"]);
    }
    coordinator.ok(&["sync"]);
    let counts = chapter_themes(&coordinator, "2026", files.path());
    assert_eq!(
        counts,
        serde_json::json!({"connectedness": 1, "empowerment": 0, "hope": 2, "identity": 1, "meaning": 0})
    );
    assert_eq!(
        chapter_themes(&coordinator, "2025", files.path())["meaning"],
        1
    );

    // Editing and deleting change the counts.
    kari.ok(&["contact", "edit", &one, "--themes", "meaning"]);
    let edited = kari.json(&["contact", "show", &one, "--json"]);
    assert_eq!(edited["themes"], serde_json::json!(["meaning"]));
    ola.ok(&["contact", "delete", &ola_one]);
    for p in [&kari, &ola] {
        p.ok(&["sync"]);
    }
    coordinator.ok(&["sync"]);
    let counts = chapter_themes(&coordinator, "2026", files.path());
    assert_eq!(
        counts,
        serde_json::json!({"connectedness": 0, "empowerment": 0, "hope": 1, "identity": 0, "meaning": 1})
    );
    // The CSV carries the totals too.
    let csv = files.path().join("report.csv");
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        "2026",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(csv).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",theme_empowerment"));
    assert!(csv.lines().last().unwrap().ends_with(",0,1,0,1,0"), "{csv}");
    // The server never sees a theme in clear.
    assert!(!peerlog_tests::contains(
        &db.raw_contents(),
        "connectedness"
    ));
}

#[test]
fn recovery_themes_end_to_end_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        themes(backend);
    }
}
