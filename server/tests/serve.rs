//! Running the server: database URLs, TLS (rustls on ring), graceful shutdown that
//! finishes in-flight requests, abort, and client IPs behind a reverse proxy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use peerlog_protocol::api::{self, codes};
use peerlog_server::{Database, RateLimits, ServeConfig, ServerError, TlsFiles, spawn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn local() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn database_urls() {
    assert_eq!(
        Database::parse("sqlite://./peerlog-data/peerlog.db").unwrap(),
        Database::Sqlite("sqlite://./peerlog-data/peerlog.db".into())
    );
    assert!(matches!(
        Database::parse("sqlite:///abs/p.db").unwrap(),
        Database::Sqlite(_)
    ));
    for pg in ["postgres://u:p@h/db", "postgresql://u@h:5433/db"] {
        assert!(matches!(
            Database::parse(pg).unwrap(),
            Database::Postgres(_)
        ));
    }
    for bad in ["", "sqlite://", "mysql://x", "./file.db"] {
        assert!(
            matches!(
                Database::parse(bad),
                Err(ServerError::InvalidDatabaseUrl(_))
            ),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_by_url_creates_the_directory_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/nested/data/peerlog.db", dir.path().display());
    let created = peerlog_server::create_chapter(&db, "Org", "Oslo", 7)
        .await
        .unwrap();
    assert!(!format!("{created:?}").contains(&created.coordinator_token));
    let server = spawn(ServeConfig::new(db.as_str(), local())).await.unwrap();
    assert!(dir.path().join("nested/data/peerlog.db").exists());
    assert_eq!(server.url(), format!("http://{}", server.addr()));
    assert_ne!(server.addr().port(), 0);
    let http = common::client();
    let res = http
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok");
    // The chapter made by URL is the one the server sees: its token enrols.
    let res = http
        .post(format!("{}/v1/enrol/coordinator", server.url()))
        .json(&api::EnrolCoordinatorRequest {
            token: created.coordinator_token.clone(),
            device_key: [1; 32],
            chapter_keys: api::ChapterKeys {
                encryption_key: [2; 32],
                signing_key: [3; 32],
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.shutdown().await;
    assert!(
        http.get(format!("http://{}/healthz", local()))
            .send()
            .await
            .is_err()
    );
    // Bad configurations are errors, not panics.
    assert!(matches!(
        spawn(ServeConfig::new("nope://", local())).await,
        Err(ServerError::InvalidDatabaseUrl(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_rustls() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let mut config = ServeConfig::new(db.as_str(), local());
    config.tls = Some(TlsFiles {
        cert: fixture("server.pem"),
        key: fixture("server.key"),
    });
    let server = spawn(config).await.unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    common::install_provider();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(fixture("ca.pem")).unwrap()).unwrap();
    let https = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    for host in [
        server.url(),
        format!("https://localhost:{}", server.addr().port()),
    ] {
        let res = https.get(format!("{host}/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    // Plain HTTP to the TLS port gets no HTTP answer; a client without the CA refuses.
    let plain = common::client();
    let res = plain
        .get(format!("http://{}/healthz", server.addr()))
        .send()
        .await;
    assert!(res.is_err() || res.unwrap().status() != 200);
    let untrusting = reqwest::Client::builder()
        .tls_certs_only(Vec::<reqwest::Certificate>::new())
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("{}/healthz", server.url()))
            .send()
            .await
            .is_err()
    );
    server.shutdown().await;

    // Missing or wrong files: a clear error.
    for (cert, key) in [
        (fixture("missing.pem"), fixture("server.key")),
        (fixture("server.key"), fixture("server.key")),
        (fixture("server.pem"), fixture("server.pem")),
    ] {
        let mut config = ServeConfig::new(db.as_str(), local());
        config.tls = Some(TlsFiles { cert, key });
        assert!(matches!(spawn(config).await, Err(ServerError::Tls(_))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let server = spawn(ServeConfig::new(db.as_str(), local())).await.unwrap();
    let addr = server.addr();
    // A request whose body is only half sent when shutdown starts.
    let body = br#"{"token":"not-a-real-invitation-token"}"#;
    let (first, rest) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/enrol/chapter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!shutdown.is_finished(), "waits for the request in flight");
    // No new connections meanwhile.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    stream.write_all(rest).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(response).unwrap();
    assert!(text.starts_with("HTTP/1.1 404"), "{text}");
    assert!(text.contains(r#""code":"not_found""#), "{text}");
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let server = spawn(ServeConfig::new(db.as_str(), local())).await.unwrap();
    let addr = server.addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /v1/enrol/chapter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), server.abort())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0, "connection dropped without an answer");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

async fn limited_server(trust: bool) -> (peerlog_server::RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let mut config = ServeConfig::new(db.as_str(), local());
    config.rate_limits = RateLimits {
        enrol_per_minute: 1,
        login_per_minute: 1,
    };
    config.trust_forwarded_for = trust;
    (spawn(config).await.unwrap(), dir)
}

async fn lookup_status(url: &str, forwarded_for: &str) -> (u16, String) {
    let res = common::client()
        .post(format!("{url}/v1/enrol/chapter"))
        .header("x-forwarded-for", forwarded_for)
        .json(&api::InvitationLookup { token: "x".into() })
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: api::ErrorBody = res.json().await.unwrap();
    (status, body.error.code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_trusted_only_when_asked() {
    let (trusting, _d1) = limited_server(true).await;
    let url = trusting.url();
    assert_eq!(lookup_status(&url, "10.0.0.1").await.0, 404);
    assert_eq!(
        lookup_status(&url, "10.0.0.1").await,
        (429, codes::RATE_LIMITED.into())
    );
    // The last entry is the proxy's view of the client: a spoofed first entry is ignored.
    assert_eq!(lookup_status(&url, "10.0.0.1, 10.0.0.2").await.0, 404);
    assert_eq!(lookup_status(&url, "10.0.0.9, 10.0.0.2").await.0, 429);
    trusting.shutdown().await;

    let (direct, _d2) = limited_server(false).await;
    let url = direct.url();
    assert_eq!(lookup_status(&url, "10.0.0.1").await.0, 404);
    assert_eq!(
        lookup_status(&url, "10.0.0.2").await.0,
        429,
        "the header is ignored: same connection IP"
    );
    direct.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upload_times_out_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let mut config = ServeConfig::new(db.as_str(), local());
    config.request_timeout = Duration::from_millis(300);
    let server = spawn(config).await.unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /v1/enrol/chapter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{")
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(response).unwrap();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""code":"invalid_request""#), "{text}");
    server.shutdown().await;
}

async fn abusive_server(
    header_timeout: Duration,
    max_connections: usize,
) -> (peerlog_server::RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/peerlog.db", dir.path().display());
    let mut config = ServeConfig::new(db.as_str(), local());
    config.header_read_timeout = header_timeout;
    config.max_connections = max_connections;
    (spawn(config).await.unwrap(), dir)
}

/// `GET /healthz` on a fresh connection; the status line and how long it took.
async fn healthz(addr: std::net::SocketAddr) -> (String, Duration) {
    let started = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    (
        text.lines().next().unwrap_or_default().to_owned(),
        started.elapsed(),
    )
}

/// Reads until the server closes the connection; how long that took.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Duration {
    let started = std::time::Instant::now();
    let mut sink = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await;
    assert!(read.is_ok(), "the server kept a stalled connection open");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_clients_are_cut_off_and_capped() {
    let (server, _dir) = abusive_server(Duration::from_millis(600), 3).await;
    let addr = server.addr();
    // Three clients take every connection: one sends nothing, one stops halfway through
    // its head, one trickles a header byte every 100 ms (never finishing).
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let trickler = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if s.write_all(b"a").await.is_err() {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        started.elapsed()
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A fourth client waits for room (the cap), and is served once the server has cut the
    // others off (the head timeout), not after them.
    let (status, took) = healthz(addr).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        took >= Duration::from_millis(300),
        "served at once although three connections were open: {took:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    closed_within(&mut silent, Duration::from_secs(5)).await;
    closed_within(&mut stalled, Duration::from_secs(5)).await;
    let trickled = trickler.await.unwrap();
    assert!(trickled < Duration::from_secs(5), "{trickled:?}");
    // With room again, requests are served at once.
    let (status, took) = healthz(addr).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(took < Duration::from_millis(500), "{took:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_head_is_refused_and_the_server_goes_on() {
    let (server, _dir) = abusive_server(Duration::from_secs(5), 16).await;
    let addr = server.addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let huge = "a".repeat(64 * 1024);
    let head = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: {huge}\r\n\r\n");
    // The server may close while the head is still being written.
    let _ = stream.write_all(head.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "refused or cut off: {text}"
    );
    // Many headers, each small: refused too.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "refused or cut off: {text}"
    );
    assert_eq!(healthz(addr).await.0, "HTTP/1.1 200 OK");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_push_leaves_nothing_half_written() {
    let Some(fixture) = common::fresh_sqlite().await else {
        return;
    };
    let h = common::Harness::start(&fixture.storage).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let records: Vec<_> = (0..20)
        .map(|_| {
            common::seal(
                &p.device,
                peerlog_protocol::Collection::Contacts,
                &common::new_id(),
                1,
                &[c.chapter_key()],
            )
        })
        .collect();
    let body = serde_json::to_vec(&api::PushRequest {
        records,
        head: None,
    })
    .unwrap();
    let before = h.stats().await.records;
    for cut in [1, body.len() / 2, body.len() - 1] {
        let mut stream = tokio::net::TcpStream::connect(h.server.as_ref().unwrap().addr())
            .await
            .unwrap();
        let head = format!(
            "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            p.token,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..cut]).await.unwrap();
        drop(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        h.stats().await.records,
        before,
        "nothing of a cut-off push is kept"
    );
    // The whole push, sent again, is taken in full.
    let results = h
        .push(
            &p.token,
            serde_json::from_slice::<api::PushRequest>(&body)
                .unwrap()
                .records,
        )
        .await;
    assert_eq!(results.len(), 20);
    assert_eq!(h.stats().await.records, before + 20);
}
