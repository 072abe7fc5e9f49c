//! The storage conformance suite against SQLite (a fresh file in a temp dir per test), plus
//! the SQLite-only behaviours: migrations, schema version guard, backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerlog_server::storage::conformance::Fixture;
use peerlog_server::storage::{PullScope, SqliteStorage, Storage, StorageError};

async fn fresh() -> Option<Fixture<SqliteStorage>> {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(dir.path().join("peerlog.db"))
        .await
        .unwrap();
    Some(Fixture::new(storage, move || drop(dir)))
}

peerlog_server::conformance_tests!(fresh);

#[tokio::test]
async fn open_url_creates_the_directory_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/peerlog-data/peerlog.db", dir.path().display());
    let s = SqliteStorage::open_url(&url).await.unwrap();
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    drop(s);
    let s = SqliteStorage::open_url(&url).await.unwrap();
    assert_eq!(s.chapter(c.id).await.unwrap().unwrap().name, "Oslo");
    assert_eq!(
        SqliteStorage::open_url("postgres://x")
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
}

#[tokio::test]
async fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("peerlog.db");
    drop(SqliteStorage::open(&path).await.unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let err = SqliteStorage::open(&path).await.unwrap_err();
    assert!(
        matches!(err, StorageError::SchemaTooNew { found: 999, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "schema_too_new");
}

#[tokio::test]
async fn migrations_are_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("peerlog.db");
    drop(SqliteStorage::open(&path).await.unwrap());
    drop(SqliteStorage::open(&path).await.unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // One migration file per version.
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count() as i64;
    assert_eq!(versions, (1..=files).collect::<Vec<_>>());
    assert!(files >= 8);
}

#[tokio::test]
async fn backup_is_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(dir.path().join("peerlog.db"))
        .await
        .unwrap();
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    s.create_account(peerlog_server::storage::NewAccount {
        id: "acc-1".into(),
        chapter_id: c.id,
        role: peerlog_server::storage::Role::Peer,
        recovery_lookup: None,
        wrapped_peer_key: None,
        peer_key: None,
        account_key: None,
        created_at: 1,
        locked_at: None,
        invitation: None,
        enrol_proof: None,
    })
    .await
    .unwrap();
    let rec = peerlog_server::storage::IncomingRecord {
        collection: "contacts".into(),
        id: "r1".into(),
        version: 1,
        author_device: "d".into(),
        deleted: false,
        for_chapter: true,
        addressed_to: None,
        envelope: b"sealed".to_vec(),
    };
    s.push("acc-1", c.id, &[rec]).await.unwrap();
    let backup = dir.path().join("backup.db");
    s.backup(&backup).await.unwrap();
    assert_eq!(
        s.backup(&backup).await.unwrap_err().code(),
        "already_exists",
        "never overwrites"
    );
    let restored = SqliteStorage::open(&backup).await.unwrap();
    let page = restored
        .pull(PullScope::Chapter(c.id), 0, 10)
        .await
        .unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].envelope, b"sealed");
    assert_eq!(restored.stats().await.unwrap(), s.stats().await.unwrap());
}
