//! The storage conformance suite against PostgreSQL: a fresh database per test
//! (`CREATE DATABASE peerlog_t_<random>`), dropped at the end, also when the test fails.
//!
//! Needs `PEERLOG_TEST_POSTGRES` (a URL of a role with CREATEDB, e.g.
//! `postgres://peerlog_test:peerlog_test@127.0.0.1:5432/postgres`); `cargo xtask test`
//! starts PostgreSQL and sets it. Without it these tests fail, unless
//! `PEERLOG_SKIP_POSTGRES=1` says to skip them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;

use peerlog_server::storage::conformance::Fixture;
use peerlog_server::storage::{PostgresStorage, Storage, StorageError};

const HOW: &str = "PEERLOG_TEST_POSTGRES is not set. Run `cargo xtask test` (it installs and \
starts PostgreSQL and sets it), or start PostgreSQL yourself (Debian: `apt-get install -y \
postgresql && pg_ctlcluster 15 main start`, then as postgres: `psql -c \"CREATE ROLE \
peerlog_test LOGIN PASSWORD 'peerlog_test' CREATEDB\"`) and set \
PEERLOG_TEST_POSTGRES=postgres://peerlog_test:peerlog_test@127.0.0.1:5432/postgres. \
To skip the PostgreSQL tests on purpose, set PEERLOG_SKIP_POSTGRES=1.";

/// The admin URL, or `None` if skipping was asked for explicitly; panics otherwise.
fn admin_url() -> Option<String> {
    match std::env::var("PEERLOG_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("PEERLOG_SKIP_POSTGRES").as_deref() == Ok("1") => {
            eprintln!("PostgreSQL tests skipped (PEERLOG_SKIP_POSTGRES=1)");
            None
        }
        _ => panic!("{HOW}"),
    }
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PEERLOG_TEST_POSTGRES={url}: {e}\n{HOW}"));
    tokio::spawn(connection);
    client
}

/// Drops the database on a separate thread with its own runtime (drop is synchronous).
fn drop_database(url: String, name: String) {
    let joined = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = admin(&url).await;
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
        });
    })
    .join();
    if joined.is_err() {
        eprintln!("could not drop a test database");
    }
}

/// Creates a fresh database; the guard drops it.
async fn fresh_database() -> Option<(tokio_postgres::Config, impl FnOnce() + Send + 'static)> {
    let url = admin_url()?;
    let name = format!("peerlog_t_{}", uuid::Uuid::now_v7().simple());
    admin(&url)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut config = tokio_postgres::Config::from_str(&url).unwrap();
    config.dbname(&name);
    Some((config, move || drop_database(url, name)))
}

async fn fresh() -> Option<Fixture<PostgresStorage>> {
    let (config, cleanup) = fresh_database().await?;
    // The guard exists before connecting, so a failing connect still drops the database.
    let guard = Fixture::new((), cleanup);
    let storage = PostgresStorage::connect_config(config, 16).await.unwrap();
    let mut guard = guard;
    let cleanup = guard.take_cleanup();
    Some(Fixture::new(storage, cleanup))
}

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
    assert_eq!(n, 3, "migrations recorded once");
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
