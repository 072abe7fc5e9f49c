//! The coordinator's console as the `peerlog` program serves it: a real server, a
//! coordinator and two peers working through the CLI, then `peerlog coordinator console`
//! as a process. Its Overview shows the same figures as `coordinator report --format json`;
//! it listens on loopback only; Ctrl-C stops it cleanly. With `PEERLOG_BROWSER_TEST=1`
//! (`cargo xtask test --only console-browser`), the same story runs in headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use peerlog_tests::{Backend, Database, Device, TestServer};
use serde_json::Value;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_peerlog-e2e"))
}

const YEAR: &str = "2026";

/// The chapter of the story: its server, coordinator and peers.
struct Chapter {
    _db: Database,
    _server: TestServer,
    coordinator: Device,
    kari: Device,
    ola: Device,
}

fn invite(coordinator: &Device) -> String {
    coordinator.json(&["coordinator", "invite", "--json"])["invitation"]
        .as_str()
        .unwrap()
        .to_string()
}

fn signed_peer(coordinator: &Device, name: &str) -> Device {
    let peer = Device::new(bin());
    peer.json(&["enrol", &invite(coordinator), "--name", name, "--json"]);
    peer.ok(&["declaration", "sign", "--name", name, "--accept"]);
    peer
}

fn log(peer: &Device, date: &str, kind: &str, minutes: &str, participants: &str) {
    peer.json(&[
        "contact",
        "add",
        "--date",
        date,
        "--kind",
        kind,
        "--minutes",
        minutes,
        "--participants",
        participants,
        "--note",
        "PRIVATE-NOTE-MARKER",
        "--json",
    ]);
}

fn expense(peer: &Device, amount: &str, description: &str, receipt: Option<&Path>) -> String {
    let mut args = vec![
        "expense",
        "add",
        "--date",
        "2026-03-02",
        "--kind",
        "ticket",
        "--amount",
        amount,
        "--description",
        description,
        "--json",
    ];
    let receipt = receipt.map(|r| r.to_string_lossy().into_owned());
    if let Some(r) = &receipt {
        args.extend(["--receipt", r.as_str()]);
    }
    let id = peer.json(&args)["id"].as_str().unwrap().to_string();
    peer.ok(&["expense", "submit", &id]);
    id
}

/// A server, a coordinator, Kari (four contacts, two expenses, one with a receipt) and Ola
/// (a course day), all synced.
fn chapter() -> Chapter {
    let db = Database::new(Backend::Sqlite);
    let server = TestServer::start(&db.url);
    let token = server.create_chapter("LHL", "Oslo");
    let coordinator = Device::new(bin());
    coordinator.json(&[
        "coordinator",
        "enrol",
        &token,
        "--server",
        &server.url(),
        "--json",
    ]);
    let kari = signed_peer(&coordinator, "Kari Nordmann");
    log(&kari, "2026-03-02", "visit", "60", "1");
    log(&kari, "2026-03-05", "self-help-group", "90", "4");
    log(&kari, "2026-04-12", "phone", "20", "1");
    log(&kari, "2025-05-10", "visit", "45", "1");
    let receipt = kari.home.with_extension("png");
    std::fs::write(&receipt, PNG).unwrap();
    expense(&kari, "45.00", "Bus to the hospital", Some(&receipt));
    expense(&kari, "120.00", "Taxi", None);
    kari.ok(&["sync"]);
    let ola = signed_peer(&coordinator, "Ola Nordmann");
    log(&ola, "2026-04-10", "course", "120", "8");
    ola.ok(&["sync"]);
    coordinator.ok(&["coordinator", "sync"]);
    Chapter {
        _db: db,
        _server: server,
        coordinator,
        kari,
        ola,
    }
}

/// A 1×1 PNG, as a phone's camera would not make it but a browser shows it.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `peerlog coordinator console` running, with the URL it printed.
struct Console {
    child: Child,
    url: String,
}

impl Console {
    fn start(coordinator: &Device, extra: &[&str]) -> Console {
        let mut child = Command::new(bin())
            .env_remove("PEERLOG_HOME")
            .arg("--home")
            .arg(&coordinator.home)
            .args(["coordinator", "console", "--no-open"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        Console { child, url }
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string()
    }

    /// Signs in with the printed URL; returns the session cookie.
    fn sign_in(&self) -> String {
        let path = &self.url[self.url.find("/?").unwrap()..];
        let r = http(&self.addr(), "GET", path, &[]);
        assert!(r.head.starts_with("HTTP/1.1 303"), "{}", r.head);
        r.header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    /// Ctrl-C: the console stops and says so.
    fn interrupt(mut self) -> String {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(status.success(), "{status:?}: {err}");
        err
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request, as a browser on this machine would send it.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    Reply {
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// The number in the element with `data-testid="{id}"`.
fn testid(html: &str, id: &str) -> u64 {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].trim().parse().unwrap()
}

fn report_json(coordinator: &Device) -> Value {
    let out = coordinator.home.with_extension("report.json");
    coordinator.ok(&[
        "coordinator",
        "report",
        "--year",
        YEAR,
        "--format",
        "json",
        "--out",
        &out.to_string_lossy(),
    ]);
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

#[test]
fn the_consoles_overview_agrees_with_the_cli_report() {
    let c = chapter();
    let console = Console::start(&c.coordinator, &["--lang", "en"]);
    assert!(
        console.url.starts_with("http://127.0.0.1:"),
        "{}",
        console.url
    );
    assert!(console.url.contains("/?token="));
    let cookie = console.sign_in();
    // The CLI reads the same home while the console has it open.
    let report = report_json(&c.coordinator);
    let html = http(
        &console.addr(),
        "GET",
        &format!("/?year={YEAR}"),
        &[("Cookie", &cookie)],
    )
    .body;
    assert_eq!(testid(&html, "activity-days"), report["activity_days"]);
    for cat in ["outreach", "group", "course"] {
        assert_eq!(
            testid(&html, &format!("category-{cat}")),
            report["by_category"][cat],
            "{cat}"
        );
    }
    assert_eq!(report["activity_days"], 3, "a visit, a group, a course day");
    assert_eq!(
        testid(&html, "active-with-declaration"),
        report["active_peers_with_declaration"]
    );
    let peers = http(&console.addr(), "GET", "/peers", &[("Cookie", &cookie)]).body;
    assert_eq!(peers.matches("data-testid=\"peer-row\"").count(), 2);
    assert!(!peers.contains("PRIVATE-NOTE-MARKER"));
    // The printed secret was used: a second browser with the same URL is not signed in.
    let path = &console.url[console.url.find("/?").unwrap()..];
    assert!(
        http(&console.addr(), "GET", path, &[])
            .head
            .starts_with("HTTP/1.1 401")
    );
    let err = console.interrupt();
    assert!(err.contains("Console stopped."), "{err}");
}

#[test]
fn the_console_listens_on_loopback_only() {
    let coordinator = Device::new(bin());
    let err = coordinator.fails(&["coordinator", "console", "--no-open"], 3);
    assert!(err.contains("enrol it first"), "{err}");
    for addr in ["0.0.0.0:0", "192.168.1.20:8080", "[::]:0"] {
        let err = coordinator.fails(
            &["coordinator", "console", "--no-open", "--listen", addr],
            2,
        );
        assert!(err.contains("not a loopback address"), "{addr}: {err}");
    }
}

/// Where the browser tests put their screenshots: `$PEERLOG_BROWSER_OUT`, else
/// `$CARGO_TARGET_DIR/console-browser`, else `target/console-browser`.
fn browser_out() -> PathBuf {
    let out = std::env::var_os("PEERLOG_BROWSER_OUT")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("console-browser"))
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-browser"));
    std::fs::create_dir_all(&out).unwrap();
    out
}

/// The story in headless Chromium (Debian's `chromium`, driven by `playwright-core`), run by
/// `cargo xtask test --only console-browser`; screenshots go to
/// `$CARGO_TARGET_DIR/console-browser/`.
#[test]
fn the_console_in_a_browser() {
    if std::env::var("PEERLOG_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set PEERLOG_BROWSER_TEST=1 (cargo xtask test --only console-browser)");
        return;
    }
    let c = chapter();
    // The guidelines' parts of the story: the themes question on and a contact that touched
    // two themes; "I need to talk" from both peers (Ola's for today, so it comes first).
    c.coordinator
        .ok(&["coordinator", "settings", "--themes", "on"]);
    c.coordinator.ok(&["coordinator", "sync"]);
    c.kari.ok(&["sync"]);
    c.kari.json(&[
        "contact",
        "add",
        "--date",
        "2026-04-20",
        "--kind",
        "phone",
        "--minutes",
        "30",
        "--themes",
        "hope,connectedness",
        "--json",
    ]);
    c.kari.ok(&[
        "debrief",
        "request",
        "--when",
        "week",
        "--message",
        "After a hard visit",
    ]);
    c.kari.ok(&["sync"]);
    c.ola.ok(&["debrief", "request", "--when", "today"]);
    c.ola.ok(&["sync"]);
    c.coordinator.ok(&["coordinator", "sync"]);
    let report = report_json(&c.coordinator);
    assert_eq!(report["themes"]["hope"], 1, "{report:#}");
    let console = Console::start(&c.coordinator, &["--lang", "en"]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("console-browser");
    let out = browser_out();
    let mut node = Command::new("node");
    node.arg(root.join("story.mjs"))
        .current_dir(&root)
        .env("CONSOLE_URL", &console.url)
        .env("EXPECT", report.to_string())
        .env("YEAR", YEAR)
        .env("OUT_DIR", &out);
    // The README's picture is made on purpose only (PEERLOG_DOCS_SCREENSHOT=1), not by CI.
    if std::env::var("PEERLOG_DOCS_SCREENSHOT").as_deref() == Ok("1") {
        node.env(
            "DOCS_SCREENSHOT",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/console-overview.png"),
        );
    }
    let status = node.status().unwrap();
    assert!(status.success(), "the browser story failed: {status:?}");
    console.interrupt();

    // The CLI sees the browser's decisions.
    let expenses = c.coordinator.json(&["coordinator", "expenses", "--json"]);
    let status_of = |description: &str| {
        expenses
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["description"] == description)
            .unwrap_or_else(|| panic!("{expenses:#}"))
            .clone()
    };
    assert_eq!(status_of("Bus to the hospital")["status"], "approved");
    let taxi = status_of("Taxi");
    assert_eq!(taxi["status"], "rejected");
    assert_eq!(taxi["decision_reason"], "Please take the bus");
    // And so do the peers, after a sync: Kari's decisions, and a new declaration to sign.
    c.coordinator.ok(&["coordinator", "sync"]);
    c.kari.ok(&["sync"]);
    let mine = c.kari.json(&["expense", "list", "--json"]);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|e| e["status"] == "approved"),
        "{mine:#}"
    );
    // Kari's course recorded in the browser: certified on her phone and in the peers list.
    assert_eq!(c.kari.json(&["training", "--json"])["certified"], true);
    let peers = c.coordinator.json(&["coordinator", "peers", "--json"]);
    let kari = peers
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Kari Nordmann")
        .unwrap();
    assert_eq!(kari["certified"], true, "{peers:#}");
    // The settings saved in the browser.
    let settings = c.coordinator.json(&["coordinator", "settings", "--json"]);
    assert_eq!(
        settings,
        serde_json::json!({"themes": true, "flag_uncertified": true})
    );
    c.ola.ok(&["sync"]);
    // Ola's request marked followed up in the browser; Kari's still open.
    let mine = c.ola.json(&["debrief", "list", "--json"]);
    assert!(mine[0]["followed_up_at"].is_string(), "{mine:#}");
    let open = c.coordinator.json(&["coordinator", "debriefs", "--json"]);
    assert!(open[0]["followed_up_at"].is_null(), "{open:#}");
    let decl = c.ola.json(&["declaration", "show", "--json"]);
    assert_eq!(
        decl["signed"], false,
        "version 1 of the chapter's text: {decl:#}"
    );
}

/// The signed documents as a browser shows them (Debian's headless Chromium, as above):
/// the declaration copy's points numbered 1 to 8 with no Markdown left, the yearly overview
/// with its dates, printable on A4. Screenshots (and the overview as a PDF) go to
/// `$CARGO_TARGET_DIR/console-browser/`.
#[test]
fn signed_documents_in_a_browser() {
    if std::env::var("PEERLOG_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set PEERLOG_BROWSER_TEST=1 (cargo xtask test --only console-browser)");
        return;
    }
    let peer = Device::new(bin());
    peer.json(&[
        "init",
        "--name",
        "Kari Nordmann",
        "--locale",
        "en",
        "--json",
    ]);
    peer.ok(&["declaration", "sign", "--name", "Kari Nordmann", "--accept"]);
    peer.json(&[
        "contact",
        "add",
        "--date",
        "2025-03-02",
        "--kind",
        "visit",
        "--minutes",
        "60",
        "--place",
        "hospital",
        "--json",
    ]);
    let out = browser_out();
    let declaration = out.join("declaration-copy.html");
    let overview = out.join("yearly-overview.html");
    peer.ok(&[
        "declaration",
        "export",
        "--out",
        declaration.to_str().unwrap(),
    ]);
    peer.ok(&[
        "report",
        "sign",
        "--year",
        "2025",
        "--format",
        "html",
        "--out",
        overview.to_str().unwrap(),
    ]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("console-browser");
    let status = Command::new("node")
        .arg(root.join("documents.mjs"))
        .current_dir(&root)
        .env("DECLARATION", &declaration)
        .env("OVERVIEW", &overview)
        .env("OUT_DIR", &out)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the documents failed in the browser: {status:?}"
    );
}
