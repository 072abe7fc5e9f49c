//! A fresh PostgreSQL database per test (`CREATE DATABASE peerlog_t_<random>`), dropped by
//! the fixture's cleanup, also when the test fails. Used by the HTTP suite and the storage
//! conformance suite.
#![allow(dead_code)]

use std::str::FromStr;

use peerlog_server::storage::PostgresStorage;
use peerlog_server::storage::conformance::Fixture;

const HOW: &str = "PEERLOG_TEST_POSTGRES is not set. Run `cargo xtask test` (it starts \
PostgreSQL and sets it), or set it to a role with CREATEDB, e.g. \
PEERLOG_TEST_POSTGRES=postgres://peerlog_test:peerlog_test@127.0.0.1:5432/postgres. \
To skip the PostgreSQL tests on purpose, set PEERLOG_SKIP_POSTGRES=1.";

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

/// Creates a fresh database: its connection config and the cleanup that drops it; `None`
/// if PostgreSQL tests are skipped.
pub async fn fresh_database() -> Option<(tokio_postgres::Config, impl FnOnce() + Send + 'static)> {
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

/// A fresh, empty database: its URL and the guard that drops it; `None` if PostgreSQL
/// tests are skipped.
pub async fn fresh_url() -> Option<(String, Fixture<()>)> {
    let admin = admin_url()?;
    let (config, cleanup) = fresh_database().await?;
    let base = admin.split('?').next().unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    let db_url = format!("{server}/{}", config.get_dbname().unwrap());
    Some((db_url, Fixture::new((), cleanup)))
}

/// A fresh database and the storage on it; `None` if PostgreSQL tests are skipped.
pub async fn fresh() -> Option<Fixture<PostgresStorage>> {
    let (config, cleanup) = fresh_database().await?;
    // The guard exists before connecting, so a failing connect still drops the database.
    let mut guard = Fixture::new((), cleanup);
    let storage = PostgresStorage::connect_config(config, 16).await.unwrap();
    let cleanup = guard.take_cleanup();
    Some(Fixture::new(storage, cleanup))
}
