//! The organisations' guidelines end to end through the `peerlog` program against a real
//! server on every backend: "I need to talk" (a debrief request sealed for the chapter,
//! followed up by the coordinator), private follow-up dates, importing last year's log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use peerlog_tests::{Backend, Database, Device, TestServer, backends, contains};
use serde_json::Value;

const MARKER: &str = "ZQXDEBRIEFMARKER";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peerlog-e2e"))
}

fn coordinator_of(server: &TestServer, chapter: &str) -> Device {
    let coordinator = Device::new(bin());
    let token = server.create_chapter("Org", chapter);
    coordinator.json(&[
        "coordinator",
        "enrol",
        &token,
        "--server",
        &server.url(),
        "--json",
    ]);
    coordinator
}

fn signed_peer(coordinator: &Device, name: &str) -> Device {
    let inv = coordinator.json(&["coordinator", "invite", "--json"])["invitation"]
        .as_str()
        .unwrap()
        .to_string();
    let peer = Device::new(bin());
    peer.json(&["enrol", &inv, "--name", name, "--json"]);
    peer.ok(&["declaration", "sign", "--name", name, "--accept"]);
    peer
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v:#}"))
}

fn debrief(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "Bergen");
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    let ola = signed_peer(&coordinator, "Ola Hansen");

    // Bad input of every kind is refused and stores nothing.
    kari.fails(&["debrief", "request", "--when", "tomorrow"], 2);
    kari.fails(&["debrief", "request"], 2);
    let long = "x".repeat(281);
    let err = kari.fails(
        &["debrief", "request", "--when", "week", "--message", &long],
        3,
    );
    assert!(err.contains("280"), "{err}");
    let err = kari.fails(
        &[
            "debrief",
            "request",
            "--when",
            "week",
            "--message",
            "a\u{7}b",
        ],
        3,
    );
    assert!(!err.is_empty());
    assert!(array(&kari.json(&["debrief", "list", "--json"])).is_empty());
    // Not enrolled: nobody could read it.
    let offline = Device::new(bin());
    offline.ok(&["init", "--name", "Per"]);
    offline.fails(&["debrief", "request", "--when", "today"], 3);

    // Kari asks for a talk this week with a short message; Ola for one today.
    let message = format!("{MARKER} a hard visit");
    let id = kari.json(&[
        "debrief",
        "request",
        "--when",
        "week",
        "--message",
        &message,
        "--json",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ola_id = ola.json(&["debrief", "request", "--when", "today", "--json"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mine = kari.json(&["debrief", "list", "--json"]);
    assert_eq!(array(&mine).len(), 1);
    assert_eq!(mine[0]["id"], id.as_str());
    assert_eq!(mine[0]["when"], "week");
    assert_eq!(mine[0]["followed_up_at"], Value::Null);
    kari.json(&["sync", "--json"]);
    ola.json(&["sync", "--json"]);

    // The server holds it but cannot read it.
    assert!(
        !contains(&db.raw_contents(), MARKER),
        "the message is readable in the server's database"
    );

    // The coordinator sees both open, the more urgent first, with the peer's name.
    coordinator.json(&["coordinator", "sync", "--json"]);
    let list = coordinator.json(&["coordinator", "debriefs", "--json"]);
    assert_eq!(array(&list).len(), 2, "{list:#}");
    assert_eq!(list[0]["id"], ola_id.as_str());
    assert_eq!(list[0]["when"], "today");
    assert_eq!(list[0]["peer_name"], "Ola Hansen");
    assert_eq!(list[1]["id"], id.as_str());
    assert_eq!(list[1]["peer_name"], "Kari Nordmann");
    assert_eq!(list[1]["message"], message.as_str());
    assert!(list[1]["created_at"].as_str().is_some());
    assert_eq!(list[1]["followed_up_at"], Value::Null);

    // An unknown id is refused; Kari's is marked followed up (twice is still once).
    coordinator.fails(&["coordinator", "debrief", "done", "no-such-id"], 3);
    coordinator.ok(&["coordinator", "debrief", "done", &id]);
    coordinator.ok(&["coordinator", "debrief", "done", &id]);
    let list = coordinator.json(&["coordinator", "debriefs", "--json"]);
    assert_eq!(list[0]["id"], ola_id.as_str(), "open ones first");
    assert_eq!(list[0]["followed_up_at"], Value::Null);
    assert!(list[1]["followed_up_at"].as_str().is_some());
    coordinator.json(&["coordinator", "sync", "--json"]);

    // Kari sees it followed up after her sync; Ola's stays open, and Ola sees nothing of
    // Kari's.
    kari.json(&["sync", "--json"]);
    ola.json(&["sync", "--json"]);
    let mine = kari.json(&["debrief", "list", "--json"]);
    assert!(mine[0]["followed_up_at"].as_str().is_some(), "{mine:#}");
    assert_eq!(mine[0]["pending"], false);
    let olas = ola.json(&["debrief", "list", "--json"]);
    assert_eq!(array(&olas).len(), 1);
    assert_eq!(olas[0]["id"], ola_id.as_str());
    assert_eq!(olas[0]["followed_up_at"], Value::Null);
    assert!(!contains(&ola.raw_contents(), MARKER));
    // Still unreadable on the server after the round trip.
    assert!(!contains(&db.raw_contents(), MARKER));
}

#[test]
fn debrief_requests_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        debrief(backend);
    }
}
