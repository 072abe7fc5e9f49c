//! The storage conformance suite against PostgreSQL: a fresh database per test
//! (`CREATE DATABASE peerlog_t_<random>`), dropped at the end, also when the test fails.
//!
//! Needs `PEERLOG_TEST_POSTGRES` (a URL of a role with CREATEDB, e.g.
//! `postgres://peerlog_test:peerlog_test@127.0.0.1:5432/postgres`); `cargo xtask test`
//! starts PostgreSQL and sets it. Without it these tests fail, unless
//! `PEERLOG_SKIP_POSTGRES=1` says to skip them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use peerlog_server::storage::conformance::Fixture;
use peerlog_server::storage::{PostgresStorage, Storage, StorageError};

#[path = "common/pg.rs"]
mod pg;

use pg::{fresh, fresh_database};

peerlog_server::conformance_tests!(fresh);

#[tokio::test]
async fn refuses_a_newer_schema_and_migrates_once() {
    let Some((config, cleanup)) = fresh_database().await else {
        return;
    };
    let _guard = Fixture::new((), cleanup);
    drop(
        PostgresStorage::connect_config(config.clone(), 2)
            .await
            .unwrap(),
    );
    drop(
        PostgresStorage::connect_config(config.clone(), 2)
            .await
            .unwrap(),
    );
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let n: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(
        usize::try_from(n).unwrap(),
        files,
        "each migration recorded once"
    );
    client
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')",
            &[],
        )
        .await
        .unwrap();
    drop(client);
    let err = PostgresStorage::connect_config(config, 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::SchemaTooNew { found: 999, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn backup_points_to_pg_dump() {
    let Some(fixture) = fresh().await else {
        return;
    };
    let err = fixture
        .storage
        .backup(std::path::Path::new("/tmp/never-written.db"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported");
    assert!(err.to_string().contains("pg_dump"), "{err}");
}
