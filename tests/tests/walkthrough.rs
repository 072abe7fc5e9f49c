//! The README walkthrough, end to end, on SQLite and on PostgreSQL: an organisation's
//! server, a coordinator, two peers (one enrolled fresh, one who worked offline first),
//! sync, the chapter's report with exact counts; then a new declaration version, expenses,
//! a second device from the recovery code, revocation, and the confidentiality markers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use peerlog_tests::{Backend, Database, Device, TestServer, backends, contains};
use serde_json::Value;

const MARKER: &str = "ZQXMARKER";

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peerlog-e2e"))
}

/// Captures everything the server logs (at every level) in this test process.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let writer = move || LogWriter(sink.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(writer)
            .with_ansi(false)
            .try_init();
        buf
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn add(dev: &Device, args: &[&str]) -> Value {
    let mut all = vec!["contact", "add"];
    all.extend_from_slice(args);
    all.push("--json");
    dev.json(&all)
}

fn marked(field: &str) -> String {
    format!("{MARKER}-{field}")
}

fn invite(coordinator: &Device) -> String {
    coordinator.json(&["coordinator", "invite", "--json"])["invitation"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `coordinator report --year 2026 --format json`, parsed.
fn report_json(coordinator: &Device) -> Value {
    let out = coordinator.home.join("report-2026.json");
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
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

/// The coordinator of a new chapter `chapter` on `server`, enrolled.
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

/// A peer enrolled on a fresh device from a new invitation, declaration signed.
fn signed_peer(coordinator: &Device, name: &str) -> Device {
    let peer = Device::new(bin());
    peer.json(&["enrol", &invite(coordinator), "--name", name, "--json"]);
    peer.ok(&["declaration", "sign", "--name", name, "--accept"]);
    peer
}

fn peer_by_name<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no peer {name} in {report:#}"))
}

fn walkthrough(backend: Backend) {
    let logs = capture_logs();
    let db = Database::new(backend);
    let server = TestServer::start(&db.url);
    let url = server.url();
    let token = server.create_chapter("Kreftforeningen", "Bergen");

    // The coordinator enrols; the chapter keys are made on their machine.
    let coordinator = Device::new(bin());
    let enrolled = coordinator.json(&["coordinator", "enrol", &token, "--server", &url, "--json"]);
    assert_eq!(enrolled["role"], "coordinator");
    let fingerprint = enrolled["chapter_fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    // The token is one-time.
    let again = Device::new(bin());
    again.fails(&["coordinator", "enrol", &token, "--server", &url], 3);

    // Kari enrols on a fresh phone from an invitation and gets her recovery code.
    let kari = Device::new(bin());
    let inv = invite(&coordinator);
    // `peerlog1:<server>#<token>.<fingerprint>.<secret>`: the secret never reaches the server.
    assert!(
        inv.starts_with("peerlog1:") && inv.contains(&format!(".{fingerprint}.")),
        "{inv}"
    );
    let e = kari.json(&["enrol", &inv, "--name", "Kari Nordmann", "--json"]);
    let kari_code = e["recovery_code"].as_str().unwrap().to_string();
    assert_eq!(e["role"], "peer");
    // The invitation is one-time too.
    let intruder = Device::new(bin());
    intruder.fails(&["enrol", &inv, "--name", "Someone Else"], 3);

    kari.ok(&["declaration", "sign", "--name", "Kari Nordmann", "--accept"]);
    let free_text = [
        "--ref",
        &marked("ref"),
        "--note",
        &marked("note"),
        "--shared-note",
        &marked("shared"),
        "--municipality",
        &marked("municipality"),
        "--topic",
        &marked("topic"),
    ]
    .map(String::from);
    let free: Vec<&str> = free_text.iter().map(String::as_str).collect();
    let mut visit = vec![
        "--date",
        "2026-03-02",
        "--kind",
        "visit",
        "--minutes",
        "60",
        "--place",
        "hospital",
    ];
    visit.extend_from_slice(&free);
    assert_eq!(add(&kari, &visit)["counts"], true);
    let group = [
        "--date",
        "2026-03-05",
        "--kind",
        "self-help-group",
        "--minutes",
        "90",
        "--participants",
        "3",
    ];
    assert_eq!(add(&kari, &group)["category"], "group");
    let course = [
        "--date",
        "2026-04-10",
        "--kind",
        "course",
        "--minutes",
        "120",
        "--participants",
        "8",
    ];
    assert_eq!(add(&kari, &course)["category"], "course");
    let phone = ["--date", "2026-04-12", "--kind", "phone", "--minutes", "20"];
    assert_eq!(add(&kari, &phone)["counts"], false);
    let small = [
        "--date",
        "2026-05-01",
        "--kind",
        "self-help-group",
        "--minutes",
        "90",
        "--participants",
        "2",
    ];
    assert_eq!(add(&kari, &small)["counts"], false);
    kari.ok(&[
        "report",
        "sign",
        "--year",
        "2026",
        "--out",
        &kari.home.join("r.json").to_string_lossy(),
    ]);
    let s = kari.json(&["sync", "--json"]);
    assert!(s["pushed"].as_u64().unwrap() >= 7, "{s}");
    let status = kari.json(&["status", "--json"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["enrolment"]["chapter"], "Bergen");

    // Ola worked offline before he was invited: his history goes up when he enrols.
    let ola = Device::new(bin());
    ola.json(&["init", "--name", "Ola Hansen", "--locale", "nb", "--json"]);
    ola.ok(&["declaration", "sign", "--name", "Ola Hansen", "--accept"]);
    add(
        &ola,
        &[
            "--date",
            "2026-02-14",
            "--kind",
            "meeting",
            "--minutes",
            "45",
        ],
    );
    add(
        &ola,
        &["--date", "2026-06-01", "--kind", "visit", "--minutes", "44"],
    );
    let e = ola.json(&["enrol", &invite(&coordinator), "--json"]);
    assert!(
        e.get("recovery_code").is_none(),
        "an initialised home keeps its code: {e}"
    );
    ola.json(&["sync", "--json"]);
    let kari_summary = kari.json(&["summary", "--year", "2026", "--json"]);
    let ola_summary = ola.json(&["summary", "--year", "2026", "--json"]);
    assert_eq!(kari_summary["activity_days"], 3);
    assert_eq!(ola_summary["activity_days"], 1);

    // The coordinator pulls, decrypts on their machine and reports.
    coordinator.json(&["coordinator", "sync", "--json"]);
    let report = report_json(&coordinator);
    assert_eq!(report["activity_days"], 4, "{report:#}");
    assert_eq!(report["by_category"]["outreach"], 2);
    assert_eq!(report["by_category"]["group"], 1);
    assert_eq!(report["by_category"]["course"], 1);
    assert_eq!(report["active_peers_with_declaration"], 2);
    let k = peer_by_name(&report, "Kari Nordmann");
    assert_eq!(k["activity_days"], 3);
    assert_eq!(k["declaration_valid"], true);
    assert_eq!(k["report_signed"], true);
    assert_eq!(k["report_valid"], true);
    let dates: Vec<&str> = k["counted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-03-02", "2026-03-05", "2026-04-10"]);
    assert_eq!(k["counted"][0]["kind"], "visit");
    let o = peer_by_name(&report, "Ola Hansen");
    assert_eq!(o["activity_days"], 1);
    assert_eq!(o["report_signed"], false);
    // CSV and XLSX carry the same numbers.
    let csv = coordinator.home.join("report.csv");
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        "2026",
        "--format",
        "csv",
        "--out",
        &csv.to_string_lossy(),
    ]);
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv.lines().any(|l| l.contains("Kari Nordmann,3,1,1,1,2,")),
        "{csv}"
    );
    let xlsx = coordinator.home.join("report.xlsx");
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        "2026",
        "--format",
        "xlsx",
        "--out",
        &xlsx.to_string_lossy(),
    ]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Who signed, which devices.
    let peers = coordinator.json(&["coordinator", "peers", "--json"]);
    let kari_peer = peers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Kari Nordmann")
        .unwrap();
    let kari_device = kari_peer["devices"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        kari.json(&["status", "--json"])["device_id"],
        kari_device.as_str()
    );

    // A new declaration version reaches the peers; logging is refused until signed.
    let text = coordinator.home.join("declaration.md");
    std::fs::write(&text, "# Taushetserklæring\n\nNy versjon for Bergen.\n").unwrap();
    coordinator.ok(&[
        "coordinator",
        "declaration",
        "publish",
        "--file",
        &text.to_string_lossy(),
        "--locale",
        "nb",
    ]);
    let s = kari.json(&["sync", "--json"]);
    assert_eq!(s["declaration_changed"], true);
    kari.fails(
        &[
            "contact",
            "add",
            "--date",
            "2026-06-02",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
        3,
    );
    assert!(
        kari.ok(&["declaration", "show"])
            .contains("Ny versjon for Bergen")
    );
    kari.ok(&["declaration", "sign", "--name", "Kari Nordmann", "--accept"]);
    add(
        &kari,
        &["--date", "2026-06-02", "--kind", "visit", "--minutes", "60"],
    );

    // Expenses: submitted, approved by the coordinator, seen by the peer.
    let exp = kari.json(&[
        "expense",
        "add",
        "--date",
        "2026-06-02",
        "--kind",
        "travel",
        "--km",
        "12",
        "--description",
        &marked("expense"),
        "--json",
    ]);
    let exp_id = exp["id"].as_str().unwrap().to_string();
    kari.ok(&["expense", "submit", &exp_id]);
    kari.json(&["sync", "--json"]);
    coordinator.json(&["coordinator", "sync", "--json"]);
    let list = coordinator.json(&["coordinator", "expenses", "--json"]);
    let item = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == exp_id.as_str())
        .unwrap();
    assert_eq!(item["status"], "submitted");
    coordinator.ok(&["coordinator", "expense", "approve", &exp_id]);
    coordinator.json(&["coordinator", "sync", "--json"]);
    kari.json(&["sync", "--json"]);
    let mine = kari.json(&["expense", "list", "--json"]);
    let mine = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == exp_id.as_str())
        .unwrap();
    assert_eq!(mine["status"], "approved", "{mine}");

    // Kari's phone is lost: a new phone from the recovery code gets everything back and
    // both converge; then the old one is revoked, refused and wiped.
    let kari2 = Device::new(bin());
    let r = kari2.json(&[
        "recover",
        "--server",
        &url,
        "--recovery-code",
        &kari_code,
        "--json",
    ]);
    assert_eq!(r["contacts"], 6, "{r}");
    add(
        &kari2,
        &["--date", "2026-07-01", "--kind", "video", "--minutes", "30"],
    );
    kari2.json(&["sync", "--json"]);
    kari.json(&["sync", "--json"]);
    let a = kari.json(&["contact", "list", "--json"]);
    let b = kari2.json(&["contact", "list", "--json"]);
    let ids = |v: &Value| {
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{}@{}", c["id"], c["version"]))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(ids(&a).len(), 7);

    coordinator.ok(&["coordinator", "revoke", &kari_device]);
    let err = kari.fails(&["sync"], 3);
    assert!(err.contains("removed by the coordinator"), "{err}");
    assert!(
        !contains(&kari.raw_contents(), &marked("note")),
        "the revoked device wiped itself"
    );
    let st = kari.run(&["status", "--json"]);
    assert!(!String::from_utf8_lossy(&st.stdout).contains(&kari_device));
    // The new phone still works.
    kari2.json(&["sync", "--json"]);

    // No free text ever reached the server's database or its logs.
    let raw = db.raw_contents();
    assert!(!raw.is_empty());
    assert!(
        !contains(&raw, MARKER),
        "marker found in the server database ({backend:?})"
    );
    let logged = logs.lock().unwrap().clone();
    assert!(
        contains(&logged, "/v1/sync/push"),
        "the server's request logs were captured"
    );
    assert!(
        !contains(&logged, MARKER),
        "marker found in the server logs"
    );
    assert!(!contains(&logged, &kari_code.replace('-', "")));
}

#[test]
fn walkthrough_on_every_backend() {
    for backend in backends() {
        eprintln!("--- {backend:?}");
        walkthrough(backend);
    }
}

#[test]
fn a_tampered_invitation_fingerprint_is_refused_and_nothing_is_stored() {
    let db = Database::new(Backend::Sqlite);
    let server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "X");
    let inv = invite(&coordinator);
    // `…#token.fingerprint.secret`: flip the fingerprint's first digit.
    let (head, fragment) = inv.rsplit_once('#').unwrap();
    let parts: Vec<&str> = fragment.split('.').collect();
    let fp = parts[1];
    let first = if fp.starts_with('0') { '1' } else { '0' };
    let flipped = format!("{first}{}", &fp[1..]);
    let forged = format!("{head}#{}.{flipped}.{}", parts[0], parts[2..].join("."));
    let peer = Device::new(bin());
    let err = peer.fails(&["enrol", &forged, "--name", "Kari Nordmann"], 3);
    assert!(err.contains("fingerprint") || err.contains("key"), "{err}");
    // The real invitation is still unused and works.
    peer.json(&["enrol", &inv, "--name", "Kari Nordmann", "--json"]);
}

#[test]
fn a_server_crash_mid_way_loses_and_duplicates_nothing() {
    let db = Database::new(Backend::Sqlite);
    let mut server = TestServer::start(&db.url);
    let coordinator = coordinator_of(&server, "Y");
    let peer = signed_peer(&coordinator, "Per Persen");
    for day in 1..=20 {
        let date = format!("2026-08-{day:02}");
        add(
            &peer,
            &["--date", &date, "--kind", "visit", "--minutes", "60"],
        );
    }
    let pending = peer.json(&["status", "--json"])["pending"]
        .as_u64()
        .unwrap();
    assert!(
        pending >= 20,
        "20 contacts and the signed declaration wait: {pending}"
    );
    server.kill();
    // Offline: sync fails cleanly, nothing is lost locally.
    let err = peer.fails(&["sync"], 1);
    assert!(err.contains("could not be reached"), "{err}");
    assert_eq!(peer.json(&["status", "--json"])["pending"], pending);
    server.restart();
    peer.json(&["sync", "--json"]);
    // Pushing again is harmless (duplicates are idempotent).
    peer.json(&["sync", "--json"]);
    assert_eq!(peer.json(&["status", "--json"])["pending"], 0);
    coordinator.json(&["coordinator", "sync", "--json"]);
    let report = report_json(&coordinator);
    assert_eq!(report["activity_days"], 20, "{report:#}");
    assert_eq!(
        peer_by_name(&report, "Per Persen")["counted"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

#[test]
fn a_coordinator_sees_only_their_own_chapter() {
    let db = Database::new(Backend::Sqlite);
    let server = TestServer::start(&db.url);
    let mut coordinators = Vec::new();
    for chapter in ["X", "Y"] {
        let c = coordinator_of(&server, chapter);
        let p = signed_peer(&c, &format!("Peer {chapter}"));
        add(
            &p,
            &["--date", "2026-09-01", "--kind", "visit", "--minutes", "60"],
        );
        p.json(&["sync", "--json"]);
        coordinators.push(c);
    }
    for (c, own) in coordinators.iter().zip(["Peer X", "Peer Y"]) {
        c.json(&["coordinator", "sync", "--json"]);
        let report = report_json(c);
        let names: Vec<&str> = report["peers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, [own]);
        assert_eq!(report["activity_days"], 1);
        let peers = c.json(&["coordinator", "peers", "--json"]);
        assert_eq!(
            peers
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["role"] == "peer")
                .count(),
            1
        );
    }
    let peers_y = coordinators[1].json(&["coordinator", "peers", "--json"]);
    let y_device = peers_y
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "peer")
        .unwrap()["devices"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Revoking another chapter's device is refused as if it did not exist.
    let err = coordinators[0].fails(&["coordinator", "revoke", &y_device], 3);
    assert!(!err.is_empty());
    // Chapter Y's peer is unaffected.
    let still = coordinators[1].json(&["coordinator", "peers", "--json"]);
    assert!(still.to_string().contains(&y_device));
    assert!(!still.to_string().contains("revoked_at\":\"2"), "{still}");
}

#[test]
fn a_self_hosted_https_server_needs_its_ca_and_works_with_it() {
    let db = Database::new(Backend::Sqlite);
    let server = TestServer::start_tls(&db.url);
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");
    let token = server.create_chapter("Org", "TLS");
    let ca = peerlog_tests::fixtures().join("ca.pem");
    let ca = ca.to_string_lossy();
    let coordinator = Device::new(bin());
    // The bundled public roots do not know the test CA: refused, nothing enrolled.
    let err = coordinator.fails(&["coordinator", "enrol", &token, "--server", &url], 1);
    assert!(err.contains("could not be reached"), "{err}");
    coordinator.json(&[
        "--ca-cert",
        &ca,
        "coordinator",
        "enrol",
        &token,
        "--server",
        &url,
        "--json",
    ]);
    let inv =
        coordinator.json(&["--ca-cert", &ca, "coordinator", "invite", "--json"])["invitation"]
            .as_str()
            .unwrap()
            .to_string();
    let peer = Device::new(bin());
    peer.json(&[
        "--ca-cert",
        &ca,
        "enrol",
        &inv,
        "--name",
        "Tia Larsen",
        "--json",
    ]);
    peer.ok(&["declaration", "sign", "--name", "Tia Larsen", "--accept"]);
    add(
        &peer,
        &["--date", "2026-09-01", "--kind", "visit", "--minutes", "60"],
    );
    // The device keeps the CA it enrolled with: later syncs need no `--ca-cert`.
    let s = peer.json(&["sync", "--json"]);
    assert!(s["pushed"].as_u64().unwrap() >= 2, "{s}");
}
