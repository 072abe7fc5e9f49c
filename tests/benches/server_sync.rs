//! Server sync benchmarks over real HTTP on 127.0.0.1:
//!
//! - push throughput: `PEERS` peers (default 1 000) × `RECORDS` records (default 100),
//!   each peer pushing its records in one batch, 4 peers at a time; records/s per slice of
//!   100 peers, median reported;
//! - pull throughput: the coordinator pulling the whole chapter (pages of 1 000), 3 runs,
//!   median records/s;
//! - an empty sync: the bytes of one pull request and its response, exactly as sent on
//!   the wire (HTTP/1.1, without TLS);
//! - restore: a peer with 10 000 contacts (`PEERLOG_BENCH_RESTORE`) recovers on a new
//!   device from the recovery code through the core (`Peerlog::recover_from_server`: Argon2id unwrap,
//!   new device, pull, verify, decrypt, index); 3 runs, median.
//!
//! On SQLite always; on PostgreSQL too when `PEERLOG_TEST_POSTGRES` is set. Envelopes are
//! sealed before timing starts. Run: `cargo bench -p peerlog-tests --bench server_sync`
//! (env `PEERLOG_BENCH_PEERS`, `PEERLOG_BENCH_RECORDS` to scale; `PEERLOG_BENCH_PEERS=0`
//! measures only the device paths).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use peerlog_crypto::envelope::seal_record;
use peerlog_crypto::{DeviceSigningKey, RecipientPublicKey, RecipientSecretKey};
use peerlog_protocol::api::{self, ChapterKeys};
use peerlog_protocol::{Collection, Envelope, RecordMeta};
use peerlog_tests::{Backend, Database};

#[path = "../../core/core/benches/common/mod.rs"]
mod workload;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> R {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let bytes = resp.bytes().await.unwrap();
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).unwrap()
    }

    async fn login(&self, key: &DeviceSigningKey) -> String {
        let device_id = key.device_id();
        let c: api::ChallengeResponse = self
            .post(
                "/v1/auth/challenge",
                None,
                &api::ChallengeRequest {
                    device_id: device_id.clone(),
                },
            )
            .await;
        let doc = api::AuthChallengeDocument {
            device_id: device_id.clone(),
            challenge: c.challenge,
        };
        let signature = key.sign_document(api::AUTH_DOMAIN, &doc).unwrap();
        let t: api::TokenResponse = self
            .post(
                "/v1/auth/token",
                None,
                &api::TokenRequest {
                    device_id,
                    challenge: c.challenge,
                    signature,
                },
            )
            .await;
        t.token
    }
}

struct Peer {
    token: String,
    body: Vec<u8>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn sealed(
    key: &DeviceSigningKey,
    peer: &RecipientPublicKey,
    chapter: &RecipientPublicKey,
    n: usize,
) -> Vec<Envelope> {
    let device = key.device_id();
    let payload = vec![b'x'; 300];
    (0..n)
        .map(|i| {
            let meta = RecordMeta {
                id: uuid::Uuid::now_v7().to_string(),
                collection: Collection::Contacts,
                version: 1_700_000_000_000_000 + i as u64,
                author_device: device.clone(),
                deleted: false,
            };
            seal_record(&meta, &payload, &[peer.clone(), chapter.clone()], key).unwrap()
        })
        .collect()
}

async fn run(db: &Database, peers: usize, records: usize) {
    let backend = db.backend;
    let mut config =
        peerlog_server::ServeConfig::new(db.url.clone(), "127.0.0.1:0".parse().unwrap());
    config.rate_limits = peerlog_server::RateLimits::disabled();
    let server = peerlog_server::spawn(config).await.unwrap();
    let client = Client {
        http: reqwest::Client::builder().build().unwrap(),
        base: server.url(),
    };
    let created = peerlog_server::create_chapter(&db.url, "Bench", "Chapter", 7)
        .await
        .unwrap();
    let chapter_key = RecipientSecretKey::generate().unwrap();
    let chapter_sign = DeviceSigningKey::generate().unwrap();
    let coordinator = DeviceSigningKey::generate().unwrap();
    let _: api::EnrolResponse = client
        .post(
            "/v1/enrol/coordinator",
            None,
            &api::EnrolCoordinatorRequest {
                token: created.coordinator_token,
                device_key: *coordinator.public_key().as_bytes(),
                chapter_keys: ChapterKeys {
                    encryption_key: *chapter_key.public_key().as_bytes(),
                    signing_key: *chapter_sign.public_key().as_bytes(),
                },
            },
        )
        .await;
    let coord_token = client.login(&coordinator).await;

    eprintln!(
        "[{backend:?}] enrolling {peers} peers and sealing {} records…",
        peers * records
    );
    let mut all = Vec::with_capacity(peers);
    for _ in 0..peers {
        let inv: api::InvitationResponse = client
            .post(
                "/v1/chapter/invitations",
                Some(&coord_token),
                &api::InvitationRequest { expires_days: 1 },
            )
            .await;
        let key = DeviceSigningKey::generate().unwrap();
        let peer_key = RecipientSecretKey::generate().unwrap();
        let _: api::EnrolResponse = client
            .post(
                "/v1/enrol/peer",
                None,
                &api::EnrolPeerRequest {
                    token: inv.token,
                    account_id: uuid::Uuid::now_v7().to_string(),
                    device_key: *key.public_key().as_bytes(),
                    peer_key: *peer_key.public_key().as_bytes(),
                    account_key: *key.public_key().as_bytes(),
                    recovery: api::RecoveryUpload {
                        lookup: peerlog_crypto::random_bytes().unwrap(),
                        wrapped_peer_key: vec![7; 120],
                    },
                    proof: None,
                },
            )
            .await;
        let token = client.login(&key).await;
        let envs = sealed(
            &key,
            &peer_key.public_key(),
            &chapter_key.public_key(),
            records,
        );
        let body = serde_json::to_vec(&api::PushRequest {
            records: envs,
            head: None,
        })
        .unwrap();
        all.push(Peer { token, body });
    }

    // Push, 4 concurrent peers, timed per slice of 100 peers.
    let mut rates = Vec::new();
    let total_start = Instant::now();
    for slice in all.chunks(100) {
        let start = Instant::now();
        for group in slice.chunks(4) {
            let futs = group.iter().map(|p| {
                let http = client.http.clone();
                let url = format!("{}/v1/sync/push", client.base);
                let token = p.token.clone();
                let body = p.body.clone();
                async move {
                    let resp = http
                        .post(url)
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert!(resp.status().is_success());
                    let r: api::PushResponse = resp.json().await.unwrap();
                    assert!(
                        r.results
                            .iter()
                            .all(|r| matches!(r, api::PushResult::Accepted { .. }))
                    );
                }
            });
            let handles: Vec<_> = futs.map(tokio::spawn).collect();
            for h in handles {
                h.await.unwrap();
            }
        }
        rates.push((slice.len() * records) as f64 / start.elapsed().as_secs_f64());
    }
    let total = total_start.elapsed();
    let push_rate = median(rates.clone());
    workload::report(serde_json::json!({
        "path": format!("push, {peers} peers x {records} records over HTTP ({backend:?})"),
        "key": format!("push_{backend:?}").to_lowercase(),
        "unit": "rec/s",
        "value": push_rate,
        "today": if backend == Backend::Sqlite { 16_179.0 } else { 5_781.0 },
        "today_source": "issue",
        "baseline": null,
        "target": if backend == Backend::Sqlite { "(reference for PostgreSQL)" } else { ">= SQLite on the same run" },
        "pass": null,
    }));
    println!(
        "[{backend:?}] push: {} records in {:.1} s; median {:.0} records/s over {} slices of 100 peers",
        peers * records,
        total.as_secs_f64(),
        median(rates.clone()),
        rates.len()
    );

    // Pull the whole chapter as the coordinator, 3 times.
    let mut pull_rates = Vec::new();
    let mut cursor_end = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let mut since = 0u64;
        let mut n = 0usize;
        loop {
            let resp = client
                .http
                .get(format!(
                    "{}/v1/sync/pull?since={since}&limit={}",
                    client.base,
                    api::MAX_PULL_LIMIT
                ))
                .bearer_auth(&coord_token)
                .send()
                .await
                .unwrap();
            let page: api::PullResponse = resp.json().await.unwrap();
            n += page.records.len();
            since = page.cursor;
            if !page.has_more {
                break;
            }
        }
        assert_eq!(n, peers * records);
        cursor_end = since;
        pull_rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    let pull_rate = median(pull_rates.clone());
    workload::report(serde_json::json!({
        "path": format!("pull of the whole chapter, pages of {} ({backend:?})", api::MAX_PULL_LIMIT),
        "key": format!("pull_{backend:?}").to_lowercase(),
        "unit": "rec/s",
        "value": pull_rate,
        "today": if backend == Backend::Sqlite { 199_474.0 } else { 22_528.0 },
        "today_source": "issue",
        "baseline": null,
        "target": if backend == Backend::Sqlite { "(reference)" } else { ">= 100 000 rec/s" },
        "pass": if backend == Backend::Sqlite { serde_json::Value::Null } else { (pull_rate >= 100_000.0).into() },
    }));
    println!(
        "[{backend:?}] pull: median {:.0} records/s (3 runs of {} records, pages of {})",
        median(pull_rates),
        peers * records,
        api::MAX_PULL_LIMIT
    );

    // An empty sync: one pull with the current cursor, bytes on the wire.
    let (sent, received) = raw_pull(server.addr(), &coord_token, cursor_end);
    println!(
        "[{backend:?}] empty sync: 1 round trip, {sent} bytes sent + {received} bytes received = {} bytes",
        sent + received
    );
    server.shutdown().await;
}

/// One `GET /v1/sync/pull` over a plain socket, counting the exact bytes each way.
fn raw_pull(addr: std::net::SocketAddr, token: &str, since: u64) -> (usize, usize) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "GET /v1/sync/pull?since={since} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\naccept: application/json\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"records\":[]"), "{text}");
    (req.len(), resp.len())
}

/// The server in a child process (this program again, see [`child`]), so that what this
/// process measures — a device's time and memory — is the device's alone.
struct ChildServer {
    child: std::process::Child,
    url: String,
}

impl ChildServer {
    fn start(db_url: &str) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, "serve")
            .arg(db_url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            child,
            url: line.trim().to_string(),
        }
    }

    fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // Closing its standard input stops it; it is killed if it does not.
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Selects what a child process of this benchmark does: `serve` (the server), `restore`
/// or `receipts` (one device operation, its time and peak memory printed as JSON).
const CHILD_ENV: &str = "PEERLOG_BENCH_CHILD";

/// Runs one device operation in this (child) process; prints `{"s": …, "peak_mb": …}`.
fn device_child(what: &str, args: &[String]) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let peak_from_here = workload::reset_peak_rss();
    let start = Instant::now();
    match (what, args) {
        ("restore", [url, code, home, n]) => {
            let home = std::path::Path::new(home);
            let restored = workload::open(home);
            rt.block_on(restored.recover_from_server(url.clone(), code.clone()))
                .unwrap();
            let s = start.elapsed().as_secs_f64();
            let peak = peak_from_here.then(workload::peak_rss_mb).flatten();
            assert_eq!(
                restored.list_contacts(None, None).unwrap().len(),
                n.parse::<usize>().unwrap()
            );
            println!("{}", serde_json::json!({ "s": s, "peak_mb": peak }));
        }
        ("receipts", [home]) => {
            let peer = workload::open(std::path::Path::new(home));
            rt.block_on(peer.sync(None)).unwrap();
            let s = start.elapsed().as_secs_f64();
            let peak = peak_from_here.then(workload::peak_rss_mb).flatten();
            println!("{}", serde_json::json!({ "s": s, "peak_mb": peak }));
        }
        _ => panic!("unknown child task {what} {args:?}"),
    }
}

/// Runs a device child process; its `(seconds, peak MB)`.
fn run_device_child(what: &str, args: &[String]) -> (f64, Option<f64>) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, what)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "the {what} child failed");
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (line["s"].as_f64().unwrap(), line["peak_mb"].as_f64())
}

/// The `serve` child: the server on 127.0.0.1, its URL on the first line of standard
/// output, until standard input closes.
fn serve_child(db_url: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut config =
            peerlog_server::ServeConfig::new(db_url.to_string(), "127.0.0.1:0".parse().unwrap());
        config.rate_limits = peerlog_server::RateLimits::disabled();
        let server = peerlog_server::spawn(config).await.unwrap();
        println!("{}", server.url());
        std::io::stdout().flush().unwrap();
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .unwrap();
        server.shutdown().await;
    });
}

/// Restore of `n` contacts onto new devices through the core, 3 runs, each a fresh device
/// process; the server runs in its own process.
async fn restore(db: &Database, n: usize) {
    let server = ChildServer::start(&db.url);
    let created = peerlog_server::create_chapter(&db.url, "Bench", "Restore", 7)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let coord_home = dir.path().join("coordinator");
    let coordinator =
        peerlog_coordinator::Coordinator::open(&coord_home, workload::secrets(&coord_home), None)
            .unwrap();
    coordinator
        .enrol(server.url(), created.coordinator_token)
        .await
        .unwrap();
    let invitation = coordinator.create_invitation(7).await.unwrap().invitation;
    let home = dir.path().join("peer");
    let peer = workload::open(&home);
    let code = peer
        .enrol(invitation, Some("Kari Nordmann".into()))
        .await
        .unwrap()
        .recovery_code
        .unwrap();
    peer.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    eprintln!("restore: logging {n} contacts and syncing them up…");
    workload::add_contacts(&peer, &mut workload::Rng::new(0x5EED_2025), n);
    peer.sync(None).await.unwrap();

    // The coordinator pulls, verifies, decrypts and indexes the chapter's records (the
    // chapter report reads every one of them).
    let start = Instant::now();
    coordinator.sync(None).await.unwrap();
    let report = coordinator.chapter_report(workload::YEAR).unwrap();
    let coordinator_s = start.elapsed().as_secs_f64();
    assert!(!report.peers.is_empty());
    workload::report(serde_json::json!({
        "path": format!("coordinator: pull, verify, decrypt and index {n} chapter records (sync + chapter report)"),
        "key": "coordinator_pull",
        "unit": "s",
        "value": coordinator_s,
        "today": null, "today_source": "issue (not measured)",
        "baseline": null,
        "target": "< 1 s",
        "pass": coordinator_s < 1.0,
        "contacts": n,
    }));

    let mut times = Vec::new();
    let mut peaks = Vec::new();
    for run in 0..3 {
        let new_home = dir.path().join(format!("new-{run}"));
        let args = [
            server.url(),
            code.clone(),
            new_home.display().to_string(),
            n.to_string(),
        ];
        let (s, peak) = tokio::task::block_in_place(|| run_device_child("restore", &args));
        times.push(s);
        peaks.extend(peak);
    }
    let restore_s = median(times.clone());
    let peak = (!peaks.is_empty()).then(|| median(peaks.clone()));
    workload::report(serde_json::json!({
        "path": format!("restore {n} records to a new device (recovery, pull, verify, decrypt, index)"),
        "key": "restore",
        "unit": "s",
        "value": restore_s,
        "today": 2.23, "today_source": "issue",
        "baseline": null,
        "target": "< 1 s",
        "pass": restore_s < 1.0,
        "contacts": n,
    }));
    workload::report(serde_json::json!({
        "path": format!("peak memory: restore of {n} (the device process; server in another)"),
        "key": "peak_memory_restore",
        "unit": "MB",
        "value": peak,
        "today": null, "today_source": "issue (not measured)",
        "baseline": null,
        "target": "< 50 MB",
        "pass": peak.map(|p| p < 50.0),
        "contacts": n,
    }));

    // Five 5 MB receipts: logged, then one sync pushes them.
    for i in 0..5u8 {
        let mut data = vec![i; peerlog_core::limits::MAX_RECEIPT_BYTES];
        // Not all one byte, so nothing on the way compresses it away.
        for (j, b) in data.iter_mut().enumerate() {
            *b = (j as u8).wrapping_mul(31).wrapping_add(i);
        }
        // A PDF as the core checks it: by its first bytes.
        data[..9].copy_from_slice(b"%PDF-1.7\n");
        peer.add_expense(peerlog_core::ExpenseInput {
            date: format!("{}-03-0{}", workload::YEAR, i + 1),
            kind: peerlog_core::ExpenseKind::Ticket,
            km: None,
            amount_minor: Some(12_000),
            description: Some("Train".into()),
            contact_ids: vec![],
            receipt: Some(peerlog_core::Receipt {
                mime_type: "application/pdf".into(),
                data,
            }),
        })
        .unwrap();
    }
    // The device syncs them in a process of its own (this one holds the coordinator).
    drop(peer);
    let home_arg = [home.display().to_string()];
    let (_, peak) = tokio::task::block_in_place(|| run_device_child("receipts", &home_arg));
    workload::report(serde_json::json!({
        "path": "peak memory: syncing five 5 MB receipts (the device process; server in another)",
        "key": "peak_memory_receipts",
        "unit": "MB",
        "value": peak,
        "today": null, "today_source": "issue (not measured)",
        "baseline": null,
        "target": "< 50 MB",
        "pass": peak.map(|p| p < 50.0),
    }));
    println!(
        "restore: {n} contacts onto a new device, median {:.2} s (runs: {})",
        median(times.clone()),
        times
            .iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    drop(server);
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Ok(what) = std::env::var(CHILD_ENV) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match what.as_str() {
            "serve" => serve_child(&args[0]),
            other => device_child(other, &args),
        }
        return;
    }
    let quick = workload::quick();
    let peers = env_usize("PEERLOG_BENCH_PEERS", if quick { 20 } else { 1000 });
    let records = env_usize("PEERLOG_BENCH_RECORDS", 100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("PEERLOG_TEST_POSTGRES").is_ok_and(|v| !v.is_empty()) {
        backends.push(Backend::Postgres);
    } else {
        eprintln!("PEERLOG_TEST_POSTGRES not set: PostgreSQL not measured");
    }
    // `PEERLOG_BENCH_PEERS=0`: restore, receipts and the coordinator only.
    for b in backends.into_iter().filter(|_| peers > 0) {
        // Created (and dropped) outside the runtime: PostgreSQL setup blocks.
        let db = Database::new(b);
        rt.block_on(run(&db, peers, records));
    }
    let db = Database::new(Backend::Sqlite);
    let n = env_usize("PEERLOG_BENCH_RESTORE", if quick { 1_000 } else { 10_000 });
    rt.block_on(restore(&db, n));
}
