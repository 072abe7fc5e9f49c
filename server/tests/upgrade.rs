//! Upgrades: a server database frozen at a past schema (a SQLite file and a PostgreSQL
//! plain-SQL dump under `tests/fixtures/server-schema-7/`, a small chapter made through the
//! API: a coordinator, three peers, records, a second device, a revocation, a locked
//! account, an open invitation, a declaration) is opened by this server, which migrates
//! it; then everything is still there: the counts, every account, device, lock and
//! revocation, the open invitation, and a pull over HTTP by the coordinator and by a peer
//! equal to what the fixture held when it was made (`expected.json`).
//!
//! Freezing a schema: `cargo test -p peerlog-server --test upgrade -- --ignored` (with
//! `PEERLOG_TEST_POSTGRES` set and `pg_dump` on the PATH) writes the three files for the
//! current schema into `tests/fixtures/server-schema-<N>/`; commit them and add a test for
//! that directory next to the ones below. Fixtures of older schemas stay as they are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Coordinator, Harness, seal};
use peerlog_crypto::DeviceSigningKey;
use peerlog_protocol::{Collection, api};
use peerlog_server::storage::{PostgresStorage, SqliteStorage, Storage};
use serde::{Deserialize, Serialize};

/// The schema the fixtures of this file were made at.
const FROZEN: &str = "server-schema-7";

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What a frozen chapter holds, as a server reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Holdings {
    chapter_id: i64,
    /// chapters, accounts, devices, records.
    stats: [u64; 4],
    /// (account id, role, locked).
    accounts: Vec<(String, String, bool)>,
    /// (device id, account id, revoked, revocation statement kept).
    devices: Vec<(String, String, bool, bool)>,
    declaration_version: Option<u32>,
    /// SHA-256 (hex) of the invitation token still open; checked to be unused.
    open_invitation: String,
    /// What the coordinator and the first peer pull: (seq, collection, id, version,
    /// deleted, SHA-256 of the canonical envelope).
    coordinator_pull: Vec<(u64, String, String, u64, bool, String)>,
    peer_pull: Vec<(u64, String, String, u64, bool, String)>,
}

/// The frozen chapter's keys the test logs in with (test keys, made for the fixture).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Expected {
    holdings: Holdings,
    coordinator_device_seed: String,
    peer_device_seed: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

async fn pulled(
    h: &Harness<impl Storage>,
    token: &str,
) -> Vec<(u64, String, String, u64, bool, String)> {
    h.pull_all(token)
        .await
        .into_iter()
        .map(|p| {
            let m = &p.envelope.meta;
            let bytes = serde_json::to_vec(&p.envelope).unwrap();
            (
                p.seq,
                m.collection.as_str().to_string(),
                m.id.clone(),
                m.version,
                m.deleted,
                hex(&peerlog_crypto::sha256(&bytes)),
            )
        })
        .collect()
}

/// Everything but the pulls, read through the storage.
async fn read_holdings(s: &impl Storage, chapter_id: i64, open_invitation: &str) -> Holdings {
    let stats = s.stats().await.unwrap();
    let mut accounts: Vec<(String, String, bool)> = s
        .list_accounts(chapter_id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.role.as_str().to_string(), a.locked_at.is_some()))
        .collect();
    accounts.sort();
    let mut devices: Vec<(String, String, bool, bool)> = s
        .list_devices(chapter_id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.device_id,
                d.account_id,
                d.revoked_at.is_some(),
                d.revocation.is_some(),
            )
        })
        .collect();
    devices.sort();
    let token = s.token(unhex(open_invitation)).await.unwrap();
    let token = token.expect("the open invitation is still there");
    assert!(token.used_at.is_none(), "the invitation is still unused");
    assert_eq!(token.role.as_str(), "peer");
    Holdings {
        chapter_id,
        stats: [stats.chapters, stats.accounts, stats.devices, stats.records],
        accounts,
        devices,
        declaration_version: s.declaration_version(chapter_id).await.unwrap(),
        open_invitation: open_invitation.to_string(),
        coordinator_pull: Vec::new(),
        peer_pull: Vec::new(),
    }
}

/// Opens the migrated storage, serves it, and compares everything with `expected.json`
/// (its `backend` part: each backend's chapter was made on its own).
async fn check_migrated(s: &impl Storage, dir: &Path, backend: &str) {
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let expected: Expected = serde_json::from_value(all[backend].clone()).unwrap();
    let want = &expected.holdings;
    let mut got = read_holdings(s, want.chapter_id, &want.open_invitation).await;
    let h = Harness::start(s).await;
    let coordinator =
        DeviceSigningKey::from_seed(&unhex(&expected.coordinator_device_seed)).unwrap();
    let peer = DeviceSigningKey::from_seed(&unhex(&expected.peer_device_seed)).unwrap();
    let ct = h.login(&coordinator).await;
    let pt = h.login(&peer).await;
    got.coordinator_pull = pulled(&h, &ct).await;
    got.peer_pull = pulled(&h, &pt).await;
    assert_eq!(&got, want);
    assert!(!got.coordinator_pull.is_empty() && !got.peer_pull.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_sqlite_database_of_schema_7_is_migrated_with_everything_in_it() {
    let dir = fixture_dir(FROZEN);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("peerlog.db");
    std::fs::copy(dir.join("server.sqlite"), &db).unwrap();
    let s = SqliteStorage::open(&db).await.unwrap();
    check_migrated(&s, &dir, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_postgres_dump_of_schema_7_is_migrated_with_everything_in_it() {
    let Some((url, _fixture)) = common::pg::fresh_url().await else {
        return;
    };
    let dir = fixture_dir(FROZEN);
    let dump = std::fs::read_to_string(dir.join("server.postgres.sql")).unwrap();
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client.batch_execute(&plain_sql(&dump)).await.unwrap();
    drop(client);
    let s = PostgresStorage::connect(&url).await.unwrap();
    check_migrated(&s, &dir, "postgres").await;
}

/// A dump without psql's meta-commands (`\restrict` in newer pg_dump), so a plain client
/// runs it.
fn plain_sql(dump: &str) -> String {
    dump.lines()
        .filter(|l| !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A small realistic chapter through the API, on `s`; returns what it holds.
async fn make_chapter(s: &impl Storage) -> Expected {
    let h = Harness::start(s).await;
    let c: Coordinator = h.coordinator("Kreftforeningen", "Bergen").await;
    let published = c.declaration(1, "# Taushetserklæring\n\nFor Bergen.\n");
    h.post("/v1/chapter/declaration", Some(&c.token), &published)
        .await
        .ok::<serde_json::Value>();
    let mut peers = Vec::new();
    for _ in 0..3 {
        peers.push(h.peer(&c).await);
    }
    let chapter = c.chapter_key();
    for (i, p) in peers.iter().enumerate() {
        let own = p.peer_key.public_key();
        let mut batch = Vec::new();
        for n in 0..4u64 {
            let id = common::new_id();
            batch.push(seal(
                &p.device,
                Collection::Contacts,
                &id,
                1_000 + n,
                &[own.clone(), chapter.clone()],
            ));
            batch.push(seal(
                &p.device,
                Collection::Notes,
                &id,
                1_000 + n,
                std::slice::from_ref(&own),
            ));
            if n == 0 {
                // An edit: a later version of the same contact.
                batch.push(seal(
                    &p.device,
                    Collection::Contacts,
                    &id,
                    2_000,
                    &[own.clone(), chapter.clone()],
                ));
            }
        }
        batch.push(seal(
            &p.device,
            Collection::Declarations,
            &common::new_id(),
            1_500 + i as u64,
            &[own.clone(), chapter.clone()],
        ));
        let results = h.push(&p.token, batch).await;
        assert!(
            results
                .iter()
                .all(|r| matches!(r, api::PushResult::Accepted { .. })),
            "{results:?}"
        );
    }
    // A second device of the second peer, by recovery, then revoked by the chapter.
    let second = DeviceSigningKey::generate().unwrap();
    h.post(
        "/v1/recovery/device",
        None,
        &peers[1].recovery_device(&second),
    )
    .await
    .ok::<serde_json::Value>();
    let (body, ct) = c.revocation(&second, &peers[1].account_id);
    h.send(
        reqwest::Method::POST,
        &format!("/v1/devices/{}/revoke", second.device_id()),
        Some(&c.token),
        Some((body, ct)),
    )
    .await
    .ok::<serde_json::Value>();
    // The third peer lost a phone: the chapter locked the account.
    let now = chrono::Utc::now().timestamp();
    h.post(
        &format!("/v1/accounts/{}/lock", peers[2].account_id),
        Some(&c.token),
        &Coordinator::lock(&peers[2].account_id, true, now, &c.sig),
    )
    .await
    .ok::<serde_json::Value>();
    // An invitation nobody has used yet.
    let open = h.invite(&c).await;

    let chapter_id = c.chapter.chapter_id;
    let mut holdings = read_holdings(
        s,
        chapter_id,
        &hex(&peerlog_crypto::sha256(open.as_bytes())),
    )
    .await;
    holdings.coordinator_pull = pulled(&h, &c.token).await;
    holdings.peer_pull = pulled(&h, &peers[0].token).await;
    Expected {
        holdings,
        coordinator_device_seed: hex(&*c.device.seed()),
        peer_device_seed: hex(&*peers[0].device.seed()),
    }
}

/// Writes the fixtures of the current schema (see the top of this file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes tests/fixtures/server-schema-N; run by hand when the schema changes"]
async fn freeze_server_fixtures() {
    // The current schema: one migration file per version.
    let version =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite"))
            .unwrap()
            .count();
    let dir = fixture_dir(&format!("server-schema-{version}"));
    std::fs::create_dir_all(&dir).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("peerlog.db");
    let s = SqliteStorage::open(&db).await.unwrap();
    let expected_sqlite = make_chapter(&s).await;
    drop(s);
    // One self-contained file: the WAL folded in.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; VACUUM;",
        )
        .unwrap();
    }
    std::fs::copy(&db, dir.join("server.sqlite")).unwrap();

    let (url, _fixture) = common::pg::fresh_url()
        .await
        .expect("PEERLOG_TEST_POSTGRES is needed to freeze the PostgreSQL dump");
    let pg = PostgresStorage::connect(&url).await.unwrap();
    let expected_pg = make_chapter(&pg).await;
    drop(pg);
    let out = std::process::Command::new("pg_dump")
        .args([
            "--no-owner",
            "--no-privileges",
            "--inserts",
            "--dbname",
            &url,
        ])
        .output()
        .expect("pg_dump on the PATH");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.join("server.postgres.sql"),
        plain_sql(&String::from_utf8(out.stdout).unwrap()) + "\n",
    )
    .unwrap();

    // Both backends got the same kind of chapter; the SQLite one's ids are the expected.
    assert_eq!(expected_sqlite.holdings.stats, expected_pg.holdings.stats);
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "sqlite": expected_sqlite,
            "postgres": expected_pg,
        }))
        .unwrap(),
    )
    .unwrap();
    println!("wrote {}", dir.display());
}
