//! The HTTP suite against PostgreSQL (a fresh database per test). Needs
//! `PEERLOG_TEST_POSTGRES` like `server/tests/postgres.rs`, unless `PEERLOG_SKIP_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod suite;

all_http_tests!(common::pg::fresh);

/// The URL path: `create_chapter` and `spawn` open PostgreSQL themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_and_create_chapter_by_postgres_url() {
    let Some((url, _guard)) = common::pg::fresh_url().await else {
        return;
    };
    let created = peerlog_server::create_chapter(&url, "Org", "Oslo", 7)
        .await
        .unwrap();
    let server = peerlog_server::spawn(peerlog_server::ServeConfig::new(
        url.as_str(),
        "127.0.0.1:0".parse().unwrap(),
    ))
    .await
    .unwrap();
    let http = common::client();
    let health = http
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let res = http
        .post(format!("{}/v1/enrol/coordinator", server.url()))
        .json(&peerlog_protocol::api::EnrolCoordinatorRequest {
            token: created.coordinator_token,
            device_key: [1; 32],
            chapter_keys: peerlog_protocol::api::ChapterKeys {
                encryption_key: [2; 32],
                signing_key: [3; 32],
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.shutdown().await;
    let err = peerlog_server::backup(&url, std::path::Path::new("/tmp/never.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
}
