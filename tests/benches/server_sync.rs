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
//! (env `PEERLOG_BENCH_PEERS`, `PEERLOG_BENCH_RECORDS` to scale).
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

/// Restore of `n` contacts onto new devices through the core, 3 runs.
async fn restore(db: &Database, n: usize) {
    let mut config =
        peerlog_server::ServeConfig::new(db.url.clone(), "127.0.0.1:0".parse().unwrap());
    config.rate_limits = peerlog_server::RateLimits::disabled();
    let server = peerlog_server::spawn(config).await.unwrap();
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
    let mut peak = None;
    for run in 0..3 {
        let new_home = dir.path().join(format!("new-{run}"));
        let measure_peak = run == 0 && workload::reset_peak_rss();
        let start = Instant::now();
        let restored = workload::open(&new_home);
        restored
            .recover_from_server(server.url(), code.clone())
            .await
            .unwrap();
        times.push(start.elapsed().as_secs_f64());
        if measure_peak {
            peak = workload::peak_rss_mb();
        }
        assert_eq!(restored.list_contacts(None, None).unwrap().len(), n);
    }
    let restore_s = median(times.clone());
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
        "path": format!("peak memory: restore of {n} (whole process, with the in-process server)"),
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
    let measured = workload::reset_peak_rss();
    peer.sync(None).await.unwrap();
    let peak = measured.then(workload::peak_rss_mb).flatten();
    workload::report(serde_json::json!({
        "path": "peak memory: syncing five 5 MB receipts (whole process, with the in-process server)",
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
    server.shutdown().await;
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
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
    for b in backends {
        // Created (and dropped) outside the runtime: PostgreSQL setup blocks.
        let db = Database::new(b);
        rt.block_on(run(&db, peers, records));
    }
    let db = Database::new(Backend::Sqlite);
    let n = env_usize("PEERLOG_BENCH_RESTORE", if quick { 1_000 } else { 10_000 });
    rt.block_on(restore(&db, n));
}
