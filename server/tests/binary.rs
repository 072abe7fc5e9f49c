//! The `peerlog-server` binary: admin commands, exit codes, and `serve` with JSON logs —
//! a whole flow against it, then SIGTERM; the logs and the database files never contain
//! a token, a recovery lookup or the marker from the records' plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Harness, MARKER, new_id, seal};
use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::api::{self, EnrolCoordinatorRequest, EnrolResponse};
use peerlog_protocol::{Collection, b64};
use peerlog_server::storage::SqliteStorage;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_peerlog-server"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin()
        .args(args)
        .env_remove("PEERLOG_DATABASE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn admin_commands_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/data/peerlog.db", dir.path().display());
    let (code, out, err) = run(&[
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Org",
        "--chapter",
        "Oslo",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["chapter_id"], 1);
    let token = v["coordinator_token"].as_str().unwrap();
    assert_eq!(b64::decode(token).unwrap().len(), 16);
    assert!(v["expires_at"].as_i64().unwrap() > 1_700_000_000);
    // Text form: the token and how to use it.
    let (code, out, _) = run(&[
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Org",
        "--chapter",
        "Bergen",
        "--expires-days",
        "3",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("peerlog --home DIR coordinator enrol "),
        "{out}"
    );
    assert!(out.contains("--server URL"), "{out}");
    // The same chapter again: a one-line error, exit 1.
    let (code, _, err) = run(&[
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Org",
        "--chapter",
        "Oslo",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    // Usage errors: exit 2.
    for args in [
        &["admin", "chapter", "create", "--org", "Org"][..],
        &[
            "admin",
            "chapter",
            "create",
            "--org",
            "O",
            "--chapter",
            "C",
            "--expires-days",
            "0",
        ],
        &["serve", "--listen", "not-an-address"],
        &["frobnicate"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    // Backup: SQLite online copy; never overwrites.
    let backup = dir.path().join("backup.db");
    let backup_s = backup.to_str().unwrap();
    let (code, _, err) = run(&["--database", &db, "admin", "backup", "--out", backup_s]);
    assert_eq!(code, 0, "{err}");
    assert!(backup.exists());
    let (code, _, _) = run(&["--database", &db, "admin", "backup", "--out", backup_s]);
    assert_eq!(code, 1);
    // PostgreSQL: a clear pointer to pg_dump, exit 1 (no connection needed).
    let (code, _, err) = run(&[
        "--database",
        "postgres://nobody@127.0.0.1:1/none",
        "admin",
        "backup",
        "--out",
        backup_s,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("pg_dump"), "{err}");
    let (code, _, err) = run(&["--database", "mysql://x", "admin", "backup", "--out", "x"]);
    assert_eq!(code, 1);
    assert!(err.contains("database URL"), "{err}");
}

fn read_dir_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_json_without_secrets_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = format!("sqlite://{}/peerlog.db", data.display());
    let (code, out, _) = run(&[
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Org",
        "--chapter",
        "Oslo",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let coordinator_token = v["coordinator_token"].as_str().unwrap().to_owned();

    let log_path = dir.path().join("server.log");
    let mut child = bin()
        .args([
            "--database",
            &db,
            "--log-format",
            "json",
            "--log-level",
            "debug",
        ])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("peerlog-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let storage = SqliteStorage::open(data.join("peerlog.db")).await.unwrap();
    let h = Harness {
        storage,
        server: None,
        url,
        http: common::client(),
    };
    // The coordinator enrols with the CLI's token.
    let enc = RecipientSecretKey::generate().unwrap();
    let sig = DeviceSigningKey::generate().unwrap();
    let device = DeviceSigningKey::generate().unwrap();
    let res: EnrolResponse = h
        .post(
            "/v1/enrol/coordinator",
            None,
            &EnrolCoordinatorRequest {
                token: coordinator_token.clone(),
                device_key: *device.public_key().as_bytes(),
                chapter_keys: api::ChapterKeys {
                    encryption_key: *enc.public_key().as_bytes(),
                    signing_key: *sig.public_key().as_bytes(),
                },
            },
        )
        .await
        .ok();
    let coord = common::Coordinator {
        token: h.login(&device).await,
        device,
        chapter: res.chapter,
        account_id: res.account_id,
        enc,
        sig,
    };
    let mut secrets = vec![coordinator_token, coord.token.clone()];
    let invitation = h.invite(&coord).await;
    secrets.push(invitation.clone());
    let (req, peer_device, peer_key) = Harness::<SqliteStorage>::peer_request(&invitation);
    secrets.push(b64::encode(&req.recovery.lookup));
    h.post("/v1/enrol/peer", None, &req)
        .await
        .ok::<EnrolResponse>();
    let peer_token = h.login(&peer_device).await;
    secrets.push(peer_token.clone());
    let records: Vec<_> = (0..5)
        .map(|i| {
            let recipients = if i % 2 == 0 {
                vec![peer_key.public_key(), coord.chapter_key()]
            } else {
                vec![peer_key.public_key()]
            };
            seal(
                &peer_device,
                Collection::Contacts,
                &new_id(),
                1,
                &recipients,
            )
        })
        .collect();
    h.push(&peer_token, records).await;
    assert_eq!(h.pull_all(&peer_token).await.len(), 5);
    assert_eq!(h.pull_all(&coord.token).await.len(), 3);
    h.send(
        reqwest::Method::POST,
        &format!("/v1/devices/{}/revoke", peer_device.device_id()),
        Some(&coord.token),
        Some(coord.revocation(&peer_device, &req.account_id)),
    )
    .await
    .ok::<api::RevokeResponse>();
    h.get("/v1/sync/pull", Some(&peer_token))
        .await
        .err(403, api::codes::DEVICE_REVOKED);
    h.post(
        "/v1/enrol/peer",
        None,
        &serde_json::json!({"token": MARKER}),
    )
    .await
    .err(400, api::codes::INVALID_REQUEST);
    let metrics = h.get("/metrics", None).await;
    assert_eq!(metrics.status, 200);

    // SIGTERM: a clean exit.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    drop(h);

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["route"] == "/v1/devices/{device_id}/revoke"
                && l["status"] == 200
                && l["method"] == "POST")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["route"] == "/v1/sync/push"
                && l["device"] == peer_device.device_id().as_str())
    );
    assert!(lines.iter().any(|l| l["message"] == "stopped"));
    assert!(
        !log.contains(&format!("/v1/devices/{}", peer_device.device_id())),
        "route templates only"
    );
    for secret in secrets.iter().map(String::as_str).chain([MARKER]) {
        assert!(!log.contains(secret), "log contains {secret}");
    }
    // Nothing in the database files either (the server only stores hashes and ciphertext).
    let files = read_dir_bytes(&data);
    assert!(!files.is_empty());
    for secret in secrets.iter().map(String::as_str).chain([MARKER]) {
        assert!(!contains(&files, secret), "database contains {secret}");
    }
}

/// Runs the binary with standard output a socket whose reading end is already closed, as
/// `peerlog-server … | head -1` is once `head` has its line: every write fails with a broken
/// pipe, deterministically.
fn run_into_closed_pipe(args: &[&str]) -> (i32, String) {
    use std::os::fd::OwnedFd;
    use std::os::unix::net::UnixStream;
    let (ours, theirs) = UnixStream::pair().unwrap();
    drop(ours);
    let out = bin()
        .args(args)
        .env_remove("PEERLOG_DATABASE")
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::from(OwnedFd::from(theirs)))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let backup = dir.path().join("backup.db");
    let backup = backup.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        &["--help"],
        &["--version"],
        &["admin", "--help"],
        &[
            "--database",
            &db,
            "admin",
            "chapter",
            "create",
            "--org",
            "Org",
            "--chapter",
            "Oslo",
        ],
        &[
            "--database",
            &db,
            "admin",
            "chapter",
            "create",
            "--org",
            "Org",
            "--chapter",
            "Bergen",
            "--json",
        ],
        &["--database", &db, "admin", "backup", "--out", backup],
    ];
    for args in cases {
        let (code, err) = run_into_closed_pipe(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}: nothing on stderr, no panic, no trace");
    }
    // The work itself was done: both chapters exist, the backup was written.
    assert!(dir.path().join("backup.db").exists());
    let (code, _, err) = run(&[
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Org",
        "--chapter",
        "Bergen",
    ]);
    assert_eq!(code, 1, "Bergen was created before the closed pipe: {err}");
}

/// `admin org report`: the organisation's chapters in JSON, CSV and XLSX, each stored
/// submission's signature checked; bad input is a clear error and writes nothing.
#[test]
fn admin_org_report() {
    use peerlog_protocol::rollup::{
        ROLLUP_DOMAIN, ROLLUP_FORMAT, RollupCategories, RollupDocument, RollupMonth, SignedRollup,
    };
    use peerlog_server::storage::{Storage, StoredRollup};
    use std::io::Read;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("peerlog.db");
    let db = format!("sqlite://{}", path.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = SqliteStorage::open(&path).await.unwrap();
        let key = DeviceSigningKey::generate().unwrap();
        let oslo = s.create_chapter("Org", "Oslo, sentrum").await.unwrap();
        s.create_chapter("Org", "=Bergen").await.unwrap();
        s.set_chapter_keys(oslo.id, [1; 32], *key.public_key().as_bytes())
            .await
            .unwrap();
        let mut by_month: Vec<RollupMonth> = (1..=12)
            .map(|month| RollupMonth {
                month,
                ..RollupMonth::default()
            })
            .collect();
        by_month[5].course = 4;
        let document = RollupDocument {
            format: ROLLUP_FORMAT.into(),
            organisation: "Org".into(),
            chapter: "Oslo, sentrum".into(),
            year: 2026,
            rule_set: "no-bufdir-2020".into(),
            created_at: 100,
            activity_days: 4,
            by_category: RollupCategories {
                outreach: 0,
                group: 0,
                course: 4,
            },
            by_month,
            active_peers: 3,
            peers_with_declaration: 3,
            active_peers_with_declaration: 3,
            certified_peers: 2,
            themes: Default::default(),
        };
        let signature = key.sign_document(ROLLUP_DOMAIN, &document).unwrap();
        let signed = SignedRollup {
            document,
            signature,
        };
        s.put_rollup(
            oslo.id,
            StoredRollup {
                year: 2026,
                created_at: 100,
                received_at: 200,
                document: serde_json::to_vec(&signed).unwrap(),
            },
        )
        .await
        .unwrap();
    });
    let report = |format: &str, out: &Path| {
        run(&[
            "--database",
            &db,
            "admin",
            "org",
            "report",
            "--org",
            "Org",
            "--year",
            "2026",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let json = dir.path().join("org.json");
    let (code, out, err) = report("json", &json);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 activity-days") && out.contains("=Bergen"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["chapters"][0]["name"], "Oslo, sentrum");
    assert_eq!(v["chapters"][0]["verified"], true);
    assert_eq!(v["chapters"][0]["activity_days"], 4);
    assert_eq!(v["chapters"][0]["by_category"]["course"], 4);
    assert_eq!(v["total_activity_days"], 4);
    assert_eq!(v["missing"], serde_json::json!(["=Bergen"]));

    // CSV: quoted where a name needs it, a name that looks like a formula defused.
    let csv = dir.path().join("org.csv");
    assert_eq!(report("csv", &csv).0, 0);
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert!(csv.starts_with("chapter,status,activity_days,outreach,group,course,"));
    assert!(
        csv.contains("\r\n\"Oslo, sentrum\",verified,4,0,0,4,3,3,3,2,no-bufdir-2020,"),
        "{csv}"
    );
    assert!(csv.contains("\r\n'=Bergen,missing,"), "{csv}");

    // XLSX: a workbook with the chapters and months, the names as text.
    let xlsx = dir.path().join("org.xlsx");
    assert_eq!(report("xlsx", &xlsx).0, 0);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut book = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut book)
        .unwrap();
    assert!(
        book.contains("name=\"Org 2026\"") && book.contains("By month"),
        "{book}"
    );
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    assert!(strings.contains("Oslo, sentrum") && strings.contains("=Bergen"));

    // Bad input: usage errors exit 2, others 1 with one line; no file written.
    let none = dir.path().join("none.json");
    for (args, want) in [
        (
            vec!["--org", "Org", "--year", "1999", "--format", "json"],
            2,
        ),
        (vec!["--org", "Org", "--year", "2026", "--format", "pdf"], 2),
        (vec!["--org", "Org", "--format", "json"], 2),
        (
            vec!["--org", "Nobody", "--year", "2026", "--format", "json"],
            1,
        ),
    ] {
        let mut all = vec!["--database", &db, "admin", "org", "report"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&["--out", none.to_str().unwrap()]);
        let (code, _, err) = run(&all);
        assert_eq!(code, want, "{args:?}: {err}");
        if want == 1 {
            assert!(
                err.starts_with("error: ") && err.trim().lines().count() == 1,
                "{err}"
            );
            assert!(err.contains("no organisation named \"Nobody\""), "{err}");
        }
        assert!(!none.exists());
    }
    let (code, _, err) = report("json", &dir.path().join("no/such/dir/x.json"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write"), "{err}");
}
