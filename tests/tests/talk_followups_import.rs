//! More of the guidelines end to end through the `peerlog` program against a real
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
    Device::coordinator_of(bin(), server, chapter)
}

fn signed_peer(coordinator: &Device, name: &str) -> Device {
    coordinator.signed_peer(name)
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

fn follow_ups(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "Oslo");
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    let today = chrono::Local::now().date_naive();
    let in_a_week = (today + chrono::Duration::days(7)).to_string();
    let today = today.to_string();
    let contact = |follow_up: &str| {
        kari.json(&[
            "contact",
            "add",
            "--date",
            &today,
            "--kind",
            "visit",
            "--minutes",
            "30",
            "--follow-up",
            follow_up,
            "--json",
        ])["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // A bad date saves nothing: neither the contact nor the follow-up.
    for bad in ["2026-02-30", "1999-01-01", "2999-01-01"] {
        kari.fails(
            &[
                "contact",
                "add",
                "--date",
                &today,
                "--kind",
                "visit",
                "--minutes",
                "30",
                "--follow-up",
                bad,
            ],
            3,
        );
    }
    assert!(array(&kari.json(&["contact", "list", "--json"])).is_empty());
    let later = contact(&in_a_week);
    let now = contact(&today);
    let list = kari.json(&["followups", "--json"]);
    assert_eq!(array(&list).len(), 2);
    assert_eq!(list[0]["contact_id"], now.as_str());
    assert_eq!(list[0]["status"], "due");
    assert_eq!(list[1]["contact_id"], later.as_str());
    assert_eq!(list[1]["status"], "upcoming");
    assert_eq!(list[1]["due"], in_a_week.as_str());
    // Not a first contact is its own flag; it sets no follow-up.
    let c = kari.json(&[
        "contact",
        "add",
        "--date",
        &today,
        "--kind",
        "phone",
        "--minutes",
        "10",
        "--not-first",
        "--json",
    ]);
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        kari.json(&["contact", "show", id, "--json"])["is_new"],
        false
    );
    assert_eq!(array(&kari.json(&["followups", "--json"])).len(), 2);

    kari.ok(&["followup", "done", &now]);
    kari.fails(&["followup", "done", &now], 3);
    kari.fails(&["followup", "done", "no-such-contact"], 3);
    let list = kari.json(&["followups", "--json"]);
    assert_eq!(array(&list).len(), 1);
    assert_eq!(list[0]["contact_id"], later.as_str());

    // The date is sealed for the peer alone (unit-tested in the core); it survives a sync.
    kari.json(&["sync", "--json"]);
    assert_eq!(array(&kari.json(&["followups", "--json"])).len(), 1);
}

#[test]
fn follow_ups_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        follow_ups(backend);
    }
}

fn import(backend: Backend) {
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "Tromsø");
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    let ola = signed_peer(&coordinator, "Ola Hansen");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.csv");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/import-example.csv");
    std::fs::copy(&example, &file).unwrap();
    let path = file.to_string_lossy().to_string();

    // Bad rows: each reported with its line and field, in the peer's language; nothing
    // imported.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "date,kind,minutes,place\n2026-01-05,visit,60,hospital\n2026-01-06,dance,60,\n2026-01-07,phone,abc,moon\n",
    )
    .unwrap();
    let err = kari.fails(&["contact", "import", &bad.to_string_lossy()], 3);
    assert!(err.contains("line 3: kind"), "{err}");
    assert!(err.contains("line 4: minutes"), "{err}");
    assert!(err.contains("line 4: place"), "{err}");
    assert!(
        err.contains("not a number: write it in digits"),
        "in the peer's language: {err}"
    );
    assert!(array(&kari.json(&["contact", "list", "--json"])).is_empty());
    // Not CSV at all, an empty file, a missing file, a file too large.
    std::fs::write(&bad, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    kari.fails(&["contact", "import", &bad.to_string_lossy()], 3);
    std::fs::write(&bad, "").unwrap();
    kari.fails(&["contact", "import", &bad.to_string_lossy()], 3);
    kari.fails(&["contact", "import", "/no/such/file.csv"], 1);
    std::fs::write(&bad, vec![b'a'; 1024 * 1024 + 10]).unwrap();
    kari.fails(&["contact", "import", &bad.to_string_lossy()], 3);
    assert!(array(&kari.json(&["contact", "list", "--json"])).is_empty());

    // A dry run imports nothing; the import does; again imports nothing twice.
    let dry = kari.json(&["contact", "import", &path, "--dry-run", "--json"]);
    assert_eq!(
        (dry["rows"].as_u64(), dry["imported"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(array(&kari.json(&["contact", "list", "--json"])).is_empty());
    let first = kari.json(&["contact", "import", &path, "--json"]);
    assert_eq!(first["imported"], 4);
    let again = kari.json(&["contact", "import", &path, "--json"]);
    assert_eq!(
        (
            again["imported"].as_u64(),
            again["already_imported"].as_u64()
        ),
        (Some(0), Some(4))
    );
    assert_eq!(array(&kari.json(&["contact", "list", "--json"])).len(), 4);
    // Another peer importing the same file gets their own contacts.
    assert_eq!(
        ola.json(&["contact", "import", &path, "--json"])["imported"],
        4
    );

    // They sync and count like contacts logged by hand.
    kari.json(&["sync", "--json"]);
    ola.json(&["sync", "--json"]);
    coordinator.json(&["coordinator", "sync", "--json"]);
    let out = dir.path().join("report.json");
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        "2026",
        "--format",
        "json",
        "--out",
        &out.to_string_lossy(),
    ]);
    let report: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    for name in ["Kari Nordmann", "Ola Hansen"] {
        let p = array(&report["peers"])
            .iter()
            .find(|p| p["name"] == name)
            .unwrap();
        // The visit and the group count; the short phone call and the video abroad do
        // not (the rule set's decisions, as for contacts logged by hand).
        assert_eq!(p["activity_days"], 2, "{p:#}");
    }
    // The private reference stays the peer's: not in the server's database.
    assert!(!contains(&db.raw_contents(), "Trondheim-friend"));
}

#[test]
fn import_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        import(backend);
    }
}
