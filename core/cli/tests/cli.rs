//! The `peerlog` CLI as a peer uses it, in exactly the forms the acceptance checks use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Home {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("home");
    Home { _dir: dir, path }
}

fn peerlog(home: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peerlog"));
    cmd.env_remove("PEERLOG_HOME");
    if let Some(h) = home {
        cmd.arg("--home").arg(h);
    }
    cmd.args(args).output().unwrap()
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = peerlog(Some(home), args);
    assert!(
        out.status.success(),
        "peerlog {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(home: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(home, args)).unwrap()
}

/// Runs and expects exit `code` with a one-line message on stderr.
fn fails(home: Option<&Path>, args: &[&str], code: i32) -> String {
    let out = peerlog(home, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "peerlog {args:?}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

fn init(h: &Path) -> Value {
    json(
        h,
        &[
            "init",
            "--name",
            "Kari Nordmann",
            "--rules",
            "no-bufdir-2020",
            "--locale",
            "en",
            "--json",
        ],
    )
}

#[test]
fn walkthrough_from_setup_to_verified_report() {
    let h = home();
    let h = h.path.as_path();
    let r = init(h);
    let code = r["recovery_code"].as_str().unwrap();
    assert_eq!(code.len(), 29);

    let text = ok(h, &["declaration", "show"]);
    assert!(text.contains("onfidential"), "{text}");
    let err = fails(
        Some(h),
        &[
            "contact",
            "add",
            "--date",
            "2026-03-02",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
        3,
    );
    assert!(err.contains("declaration"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    let err = fails(
        Some(h),
        &["declaration", "sign", "--name", "Kari Nordmann"],
        3,
    );
    assert!(err.contains("accept"), "{err}");
    ok(
        h,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );

    let visit = json(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-02",
            "--kind",
            "visit",
            "--minutes",
            "60",
            "--place",
            "hospital",
            "--json",
        ],
    );
    assert_eq!(visit["counts"], true);
    assert_eq!(visit["category"], "outreach");
    assert!(visit["reason"].as_str().unwrap().contains("outreach"));
    let group = json(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "self-help-group",
            "--minutes",
            "90",
            "--participants",
            "2",
            "--json",
        ],
    );
    assert_eq!(group["counts"], false);
    assert_eq!(group["category"], Value::Null);
    assert!(
        group["reason"].as_str().unwrap().contains("3 participants"),
        "{group}"
    );
    let course = json(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-04-10",
            "--kind",
            "course",
            "--minutes",
            "90",
            "--participants",
            "6",
            "--json",
        ],
    );
    assert_eq!(course["category"], "course");
    let abroad = json(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-04-11",
            "--kind",
            "visit",
            "--minutes",
            "60",
            "--abroad",
            "--json",
        ],
    );
    assert_eq!(abroad["counts"], false);
    // Human output: the id, then whether it counts and why.
    let human = ok(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-04-12",
            "--kind",
            "phone",
            "--minutes",
            "15",
        ],
    );
    let mut lines = human.lines();
    assert_eq!(lines.next().unwrap().len(), 36);
    assert!(lines.next().unwrap().contains("does not count"), "{human}");

    let list = json(h, &["contact", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 5);
    let march = json(
        h,
        &[
            "contact",
            "list",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--json",
        ],
    );
    assert_eq!(march.as_array().unwrap().len(), 2);

    // Edit the group to 3 participants: now it counts.
    let gid = group["id"].as_str().unwrap();
    let edited = json(
        h,
        &["contact", "edit", gid, "--participants", "3", "--json"],
    );
    assert_eq!(edited["counts"], true);
    assert_eq!(edited["category"], "group");
    // Delete the abroad visit.
    ok(h, &["contact", "delete", abroad["id"].as_str().unwrap()]);
    fails(
        Some(h),
        &["contact", "delete", abroad["id"].as_str().unwrap()],
        3,
    );

    let s = json(h, &["summary", "--year", "2026", "--json"]);
    assert_eq!(s["activity_days"], 3);
    assert_eq!(s["by_category"]["outreach"], 1);
    assert_eq!(s["by_category"]["group"], 1);
    assert_eq!(s["by_category"]["course"], 1);
    assert_eq!(s["not_counted_total"], 1);
    assert!(s["not_counted"].is_array());
    let human = ok(h, &["summary", "--year", "2026"]);
    assert!(human.contains("Activity-days: 3"), "{human}");

    let dir = h.parent().unwrap();
    let report = dir.join("report-2026.json");
    ok(
        h,
        &[
            "report",
            "sign",
            "--year",
            "2026",
            "--out",
            report.to_str().unwrap(),
        ],
    );
    // Anyone can verify, with no device at all.
    let v = ok_no_home(&["report", "verify", report.to_str().unwrap()]);
    assert!(v.starts_with("valid"), "{v}");
    // Set up offline: no chapter vouches for this device, and verify says so.
    assert!(v.contains("signed by a key no chapter certified"), "{v}");
    assert!(v.contains("3 activity-days"), "{v}");
    let forged = std::fs::read_to_string(&report)
        .unwrap()
        .replace("2026-04-10", "2026-04-09");
    let forged_path = dir.join("forged.json");
    std::fs::write(&forged_path, forged).unwrap();
    let err = fails(
        None,
        &["report", "verify", forged_path.to_str().unwrap()],
        3,
    );
    assert!(err.contains("changed after it was signed"), "{err}");

    // The printable copy: every date, verifiable like the JSON; a changed date on the page
    // (10.04.2026 in an nb copy, 2026-04-10 in this en one) is refused.
    let printable = dir.join("report-2026.html");
    ok(
        h,
        &[
            "report",
            "sign",
            "--year",
            "2026",
            "--format",
            "html",
            "--out",
            printable.to_str().unwrap(),
        ],
    );
    let page = std::fs::read_to_string(&printable).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<td>2026-04-10</td>"), "{page}");
    let v = ok_no_home(&["report", "verify", printable.to_str().unwrap()]);
    assert!(v.contains("3 activity-days"), "{v}");
    std::fs::write(
        &forged_path,
        page.replace("<td>2026-04-10</td>", "<td>2026-04-09</td>"),
    )
    .unwrap();
    let err = fails(
        None,
        &["report", "verify", forged_path.to_str().unwrap()],
        3,
    );
    assert!(
        err.contains("readable part of this copy was changed"),
        "{err}"
    );

    let html = dir.join("declaration.html");
    ok(
        h,
        &["declaration", "export", "--out", html.to_str().unwrap()],
    );
    assert!(ok_no_home(&["declaration", "verify", html.to_str().unwrap()]).starts_with("valid"));
}

fn ok_no_home(args: &[&str]) -> String {
    let out = peerlog(None, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn usage_errors_exit_2_and_refusals_exit_3_with_one_line() {
    let h = home();
    let h = h.path.as_path();
    fails(Some(h), &["frobnicate"], 2);
    fails(
        Some(h),
        &["contact", "add", "--kind", "visit", "--minutes", "5"],
        2,
    );
    fails(
        Some(h),
        &[
            "contact",
            "add",
            "--date",
            "2026-01-01",
            "--kind",
            "visit",
            "--minutes",
            "many",
        ],
        2,
    );
    let err = fails(Some(h), &["contact", "list"], 3);
    assert!(err.contains("not set up"), "{err}");
    init(h);
    ok(
        h,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["--date", "2999-01-01", "--kind", "visit", "--minutes", "30"],
            "date",
        ),
        (
            &["--date", "2026-01-01", "--kind", "visit", "--minutes", "0"],
            "minutes",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "visit",
                "--minutes",
                "1441",
            ],
            "minutes",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "conversation-group",
                "--minutes",
                "60",
                "--participants",
                "1",
            ],
            "participants",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "teleport",
                "--minutes",
                "60",
            ],
            "kind",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "visit",
                "--minutes",
                "60",
                "--ref",
                "this reference is much longer than forty characters",
            ],
            "private_ref",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "phone",
                "--minutes",
                "20",
                "--themes",
                "hope,joy",
            ],
            "themes: unknown theme: use connectedness, hope, identity, meaning or empowerment",
        ),
        (
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "phone",
                "--minutes",
                "20",
                "--themes",
                "hope,hope",
            ],
            "themes: a theme is given twice",
        ),
        (
            // A chapter that has not switched the question on (none has, offline).
            &[
                "--date",
                "2026-01-01",
                "--kind",
                "phone",
                "--minutes",
                "20",
                "--themes",
                "connectedness,hope",
            ],
            "your chapter has not switched on the recovery-themes question",
        ),
    ];
    for (args, field) in cases {
        let mut all = vec!["contact", "add"];
        all.extend_from_slice(args);
        let err = fails(Some(h), &all, 3);
        assert!(err.starts_with("peerlog: "), "{err}");
        assert!(err.contains(field), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert_eq!(
        json(h, &["contact", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn private_texts_stay_out_of_output_and_off_disk() {
    const MARKER: &str = "QQMARKER4242";
    let h = home();
    let h = h.path.as_path();
    init(h);
    ok(
        h,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );
    let out = ok(
        h,
        &[
            "contact",
            "add",
            "--date",
            "2026-02-02",
            "--kind",
            "visit",
            "--minutes",
            "45",
            "--ref",
            &format!("{MARKER}r"),
            "--note",
            &format!("{MARKER}n"),
            "--shared-note",
            &format!("{MARKER}s"),
            "--json",
        ],
    );
    assert!(!out.contains(MARKER));
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for args in [
        vec!["contact", "list"],
        vec!["contact", "list", "--json"],
        vec!["contact", "show", id.as_str()],
        vec!["contact", "history", id.as_str(), "--json"],
        vec!["summary", "--year", "2026", "--json"],
    ] {
        let out = ok(h, &args);
        assert!(
            !out.contains(MARKER),
            "{args:?} printed a private text: {out}"
        );
    }
    // Asked for, they are there.
    let shown = json(h, &["contact", "show", &id, "--private", "--json"]);
    assert_eq!(shown["private_ref"], format!("{MARKER}r"));
    assert_eq!(shown["private_note"], format!("{MARKER}n"));
    assert_eq!(shown["shared_note"], format!("{MARKER}s"));
    // Never on disk.
    for entry in walk(h) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
            "marker found in {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn export_and_restore_move_everything_to_a_new_home() {
    let a = home();
    let a = a.path.as_path();
    let r = init(a);
    let code = r["recovery_code"].as_str().unwrap().to_string();
    ok(
        a,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );
    ok(
        a,
        &[
            "contact",
            "add",
            "--date",
            "2026-02-02",
            "--kind",
            "visit",
            "--minutes",
            "45",
        ],
    );
    ok(
        a,
        &[
            "contact",
            "add",
            "--date",
            "2026-02-03",
            "--kind",
            "course",
            "--minutes",
            "120",
            "--participants",
            "9",
        ],
    );
    let backup = a.parent().unwrap().join("backup.peerlog");
    ok(a, &["export", "--out", backup.to_str().unwrap()]);

    let b = home();
    let b = b.path.as_path();
    let err = fails(
        Some(b),
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--recovery-code",
            "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
        ],
        3,
    );
    assert!(err.contains("recovery code"), "{err}");
    let out = ok(
        b,
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--recovery-code",
            &code,
        ],
    );
    assert!(out.contains("2 contacts"), "{out}");
    let s = json(b, &["summary", "--year", "2026", "--json"]);
    assert_eq!(s["activity_days"], 2);
    ok(
        b,
        &[
            "contact",
            "add",
            "--date",
            "2026-02-04",
            "--kind",
            "visit",
            "--minutes",
            "30",
        ],
    );
}

#[test]
fn amounts_are_read_and_shown_as_the_peers_language_writes_money() {
    let h = home();
    init(&h.path);
    let added = ok(
        &h.path,
        &[
            "expense",
            "add",
            "--date",
            "2026-03-01",
            "--kind",
            "ticket",
            "--amount",
            "1 234,50",
        ],
    );
    assert!(added.contains("NOK\u{a0}1,234.50 (draft)"), "{added}");
    let rate = ok(&h.path, &["settings", "show"]);
    assert!(rate.contains("NOK\u{a0}3.50/km"), "{rate}");

    ok(&h.path, &["settings", "locale", "nb"]);
    let list = ok(&h.path, &["expense", "list"]);
    assert!(list.contains("1\u{a0}234,50\u{a0}kr"), "{list}");

    let err = fails(
        Some(&h.path),
        &[
            "expense",
            "add",
            "--date",
            "2026-03-02",
            "--kind",
            "ticket",
            "--amount",
            "12,34,56",
        ],
        3,
    );
    assert!(err.contains("ikke et beløp"), "{err}");
    assert_eq!(
        json(&h.path, &["expense", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

// ---- server addresses and secrets -------------------------------------------------------

#[test]
fn a_plain_http_server_is_refused_before_anything_is_sent() {
    let h = home();
    let err = fails(
        Some(&h.path),
        &[
            "coordinator",
            "enrol",
            "AAECAwQFBgcICQoLDA0ODwABAgMEBQYHCAkKCwwNDg8",
            "--server",
            "http://peerlog.example",
        ],
        3,
    );
    assert!(err.contains("not be encrypted"), "{err}");
    assert!(err.contains("https://"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let code = init(&home().path)["recovery_code"]
        .as_str()
        .unwrap()
        .to_string();
    let fresh = home();
    let err = fails(
        Some(&fresh.path),
        &[
            "recover",
            "--server",
            "http://127.0.0.1.evil.example",
            "--recovery-code",
            &code,
        ],
        3,
    );
    assert!(err.contains("not be encrypted"), "{err}");
    let status = json(&fresh.path, &["status", "--json"]);
    assert_eq!(status["enrolment"], Value::Null, "{status}");
    assert_eq!(status["device_id"], Value::Null, "{status}");
}

/// A one-request HTTP server on loopback: records the request, answers `status` with an
/// API error body. Returns its URL and the request as received.
fn one_request_server(status: &str) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let status = status.to_string();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        // Headers, then as much body as Content-Length says.
        loop {
            let n = conn.read(&mut buf).unwrap();
            req.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&req).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if req.len() >= end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let body = r#"{"error":{"code":"not_found","message":"no"}}"#;
        let _ = conn.write_all(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        String::from_utf8_lossy(&req).to_string()
    });
    (url, handle)
}

fn peerlog_with(home: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peerlog"));
    cmd.env_remove("PEERLOG_HOME")
        .env_remove("PEERLOG_RECOVERY_CODE")
        .env_remove("PEERLOG_COORDINATOR_TOKEN")
        .arg("--home")
        .arg(home)
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// How a secret is given: arguments, environment variables, standard input.
type SecretInput<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], Option<&'a str>);

const TOKEN: &str = "-Bh0fcUcZAAECAwQFBgcICQoLDA0ODwABAgMEBQYHCA";

/// The coordinator's token from a file, standard input or the environment reaches the
/// server exactly (one trailing newline trimmed), and is never needed on the command line.
#[test]
fn the_coordinator_token_can_come_from_a_file_stdin_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let file = file.to_str().unwrap();
    let cases: [SecretInput; 3] = [
        (&["--token-file", file], &[], None),
        (&["-"], &[], Some(&format!("{TOKEN}\r\n"))),
        (&[], &[("PEERLOG_COORDINATOR_TOKEN", TOKEN)], None),
    ];
    for (how, env, stdin) in cases {
        let h = home();
        let (url, server) = one_request_server("403 Forbidden");
        let mut args = vec!["coordinator", "enrol"];
        args.extend_from_slice(how);
        args.extend_from_slice(&["--server", &url]);
        let out = peerlog_with(&h.path, &args, env, stdin);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{how:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let request = server.join().unwrap();
        assert!(
            request.starts_with("POST /v1/enrol/coordinator "),
            "{request}"
        );
        assert!(
            request.contains(&format!("\"token\":\"{TOKEN}\"")),
            "{how:?}: {request}"
        );
    }
    // No token at all is a usage error; so is an empty file.
    let h = home();
    let out = peerlog_with(
        &h.path,
        &[
            "coordinator",
            "enrol",
            "--server",
            "https://peerlog.example",
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = peerlog_with(
        &h.path,
        &[
            "coordinator",
            "enrol",
            "--token-file",
            empty.to_str().unwrap(),
            "--server",
            "https://peerlog.example",
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let help = String::from_utf8(
        peerlog_with(&h.path, &["coordinator", "enrol", "--help"], &[], None).stdout,
    )
    .unwrap();
    for hint in [
        "--token-file",
        "PEERLOG_COORDINATOR_TOKEN",
        "standard input",
    ] {
        assert!(help.contains(hint), "{hint} missing from: {help}");
    }
}

/// The recovery code from a file, standard input or the environment restores a backup
/// and reaches a recovery server.
#[test]
fn the_recovery_code_can_come_from_a_file_stdin_or_the_environment() {
    let a = home();
    let code = init(&a.path)["recovery_code"].as_str().unwrap().to_string();
    let backup = a.path.parent().unwrap().join("backup.peerlog");
    ok(&a.path, &["export", "--out", backup.to_str().unwrap()]);
    let backup = backup.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("code");
    std::fs::write(&file, format!("{code}\n")).unwrap();
    let file = file.to_str().unwrap();
    let line = format!("{code}\n");
    let cases: [SecretInput; 3] = [
        (&["--recovery-code-file", file], &[], None),
        (&["--recovery-code", "-"], &[], Some(&line)),
        (&[], &[("PEERLOG_RECOVERY_CODE", &code)], None),
    ];
    for (how, env, stdin) in cases {
        let b = home();
        let mut args = vec!["restore", "--from", backup];
        args.extend_from_slice(how);
        let out = peerlog_with(&b.path, &args, env, stdin);
        assert!(
            out.status.success(),
            "restore {how:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Recovery from the server: the code is read and checked before the request.
        let c = home();
        let (url, server) = one_request_server("404 Not Found");
        let mut args = vec!["recover", "--server", &url];
        args.extend_from_slice(how);
        let out = peerlog_with(&c.path, &args, env, stdin);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "recover {how:?}: {err}");
        assert!(err.contains("no account for this recovery code"), "{err}");
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /v1/recovery/fetch "), "{request}");
    }
    // A wrong code from a file is refused like a wrong one on the command line.
    std::fs::write(dir.path().join("bad"), "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\n").unwrap();
    let b = home();
    let out = peerlog_with(
        &b.path,
        &[
            "restore",
            "--from",
            backup,
            "--recovery-code-file",
            dir.path().join("bad").to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    // None given: a usage error.
    let out = peerlog_with(&b.path, &["restore", "--from", backup], &[], None);
    assert_eq!(out.status.code(), Some(2));
    for cmd in ["restore", "recover"] {
        let help =
            String::from_utf8(peerlog_with(&b.path, &[cmd, "--help"], &[], None).stdout).unwrap();
        for hint in [
            "--recovery-code-file",
            "PEERLOG_RECOVERY_CODE",
            "standard input",
        ] {
            assert!(help.contains(hint), "{cmd}: {hint} missing from: {help}");
        }
    }
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    // `peerlog … | head -0`: the reader is gone before the first line is printed (setting
    // a device up takes milliseconds; the pipe is closed as soon as the program started).
    let h = home();
    let mut child = Command::new(env!("CARGO_BIN_EXE_peerlog"))
        .env_remove("PEERLOG_HOME")
        .arg("--home")
        .arg(&h.path)
        .args([
            "init",
            "--name",
            "Kari Nordmann",
            "--rules",
            "no-bufdir-2020",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Runs `peerlog` with standard output a socket whose reading end is already closed, as
/// `peerlog … | head -1` is once `head` has its line: every write fails with a broken pipe,
/// deterministically. Returns the exit code and standard error.
fn into_closed_pipe(home: &Path, args: &[&str]) -> (Option<i32>, String) {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    let (ours, theirs) = UnixStream::pair().unwrap();
    drop(ours);
    let out = Command::new(env!("CARGO_BIN_EXE_peerlog"))
        .env_remove("PEERLOG_HOME")
        .env("RUST_BACKTRACE", "1")
        .arg("--home")
        .arg(home)
        .args(args)
        .stdout(std::process::Stdio::from(OwnedFd::from(theirs)))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let h = home();
    let h = h.path.as_path();
    init(h);
    ok(
        h,
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
    );
    for args in [
        &["--help"][..],
        &["contact", "--help"],
        &["declaration", "show"],
        &["summary", "--year", "2026"],
        &["status"],
        &["contact", "list", "--json"],
    ] {
        let (code, err) = into_closed_pipe(h, args);
        assert_eq!(code, Some(0), "peerlog {args:?}: {err}");
        assert_eq!(err, "", "peerlog {args:?}: no panic, no trace");
    }
}
