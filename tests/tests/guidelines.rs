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
