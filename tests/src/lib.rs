//! End-to-end test harness: a real `peerlog-server` on 127.0.0.1:0 (on its own runtime
//! thread, so a test can stop and restart it) over SQLite or a fresh PostgreSQL
//! database, and the real `peerlog` program run as a process per command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use serde_json::Value;

pub mod soak;

/// Which storage the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

const HOW: &str = "PEERLOG_TEST_POSTGRES is not set: run `cargo xtask test` (it starts \
PostgreSQL and sets it), or set it to a role with CREATEDB, or set PEERLOG_SKIP_POSTGRES=1 \
to skip the PostgreSQL runs on purpose.";

/// The backends to run against: SQLite always, PostgreSQL unless skipping was asked for
/// explicitly (without `PEERLOG_TEST_POSTGRES` and without the skip flag: panic).
pub fn backends() -> Vec<Backend> {
    match std::env::var("PEERLOG_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => vec![Backend::Sqlite, Backend::Postgres],
        _ if std::env::var("PEERLOG_SKIP_POSTGRES").as_deref() == Ok("1") => {
            eprintln!("PostgreSQL runs skipped (PEERLOG_SKIP_POSTGRES=1)");
            vec![Backend::Sqlite]
        }
        _ => panic!("{HOW}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A database for one test: a SQLite file in a temporary directory, or a fresh PostgreSQL
/// database dropped on drop.
#[derive(Debug)]
pub struct Database {
    pub url: String,
    pub backend: Backend,
    /// The directory holding the SQLite files (and nothing else).
    pub dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl Database {
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => Database {
                url: format!("sqlite://{}", dir.path().join("peerlog.db").display()),
                backend,
                dir,
                pg_drop: None,
            },
            Backend::Postgres => {
                let admin = std::env::var("PEERLOG_TEST_POSTGRES").expect(HOW);
                let name = format!("peerlog_e2e_{}", uuid::Uuid::now_v7().simple());
                runtime().block_on(async {
                    let client = pg_admin(&admin).await;
                    client
                        .batch_execute(&format!("CREATE DATABASE {name}"))
                        .await
                        .unwrap();
                });
                let base = admin.split('?').next().unwrap_or(&admin);
                let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
                Database {
                    url: format!("{base}/{name}"),
                    backend,
                    dir,
                    pg_drop: Some((admin, name)),
                }
            }
        }
    }

    /// Every file of the SQLite database (db, -wal, -shm) as bytes, concatenated; for
    /// PostgreSQL, every text and bytea value (raw bytes) of every table.
    pub fn raw_contents(&self) -> Vec<u8> {
        match &self.pg_drop {
            None => {
                let mut all = Vec::new();
                for entry in std::fs::read_dir(self.dir.path()).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_file() {
                        all.extend(std::fs::read(&path).unwrap());
                    }
                }
                all
            }
            Some(_) => runtime().block_on(async {
                let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let tables = client
                    .query(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                        &[],
                    )
                    .await
                    .unwrap();
                let mut all = Vec::new();
                for t in tables {
                    let name: String = t.get(0);
                    let rows = client
                        .query(&format!("SELECT * FROM \"{name}\""), &[])
                        .await
                        .unwrap();
                    for r in rows {
                        for (i, col) in r.columns().iter().enumerate() {
                            use tokio_postgres::types::Type;
                            let t = col.type_();
                            if *t == Type::BYTEA {
                                let v: Option<Vec<u8>> = r.get(i);
                                all.extend(v.unwrap_or_default());
                            } else if *t == Type::TEXT || *t == Type::VARCHAR {
                                let v: Option<String> = r.get(i);
                                all.extend(v.unwrap_or_default().into_bytes());
                            }
                        }
                    }
                }
                all
            }),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_drop.take() {
            let _ = std::thread::spawn(move || {
                runtime().block_on(async {
                    let client = pg_admin(&admin).await;
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                });
            })
            .join();
        }
    }
}

async fn pg_admin(url: &str) -> tokio_postgres::Client {
    let config = tokio_postgres::Config::from_str(url).expect(HOW);
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PEERLOG_TEST_POSTGRES: {e}\n{HOW}"));
    tokio::spawn(conn);
    client
}

/// The test-only TLS material of the server's tests.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/fixtures")
}

/// The server's configuration in tests: rate limits off (one test process is one client
/// IP making many enrolments and logins; the limits have their own server tests).
fn config(database: &str, listen: SocketAddr) -> peerlog_server::ServeConfig {
    let mut config = peerlog_server::ServeConfig::new(database.to_string(), listen);
    config.rate_limits = peerlog_server::RateLimits::disabled();
    config
}

/// A running server on its own runtime.
#[derive(Debug)]
pub struct TestServer {
    pub database: String,
    rt: Option<tokio::runtime::Runtime>,
    running: Option<peerlog_server::RunningServer>,
    addr: SocketAddr,
}

impl TestServer {
    /// Starts a server on 127.0.0.1:0 over `database`.
    pub fn start(database: &str) -> Self {
        Self::start_at(database, "127.0.0.1:0".parse().unwrap())
    }

    /// Starts a server serving HTTPS with the test certificate of `server/tests/fixtures`
    /// (for localhost and 127.0.0.1, signed by the test CA `ca_pem()`).
    pub fn start_tls(database: &str) -> Self {
        let mut config = config(database, "127.0.0.1:0".parse().unwrap());
        config.tls = Some(peerlog_server::TlsFiles {
            cert: fixtures().join("server.pem"),
            key: fixtures().join("server.key"),
        });
        Self::start_with(database, config)
    }

    fn start_at(database: &str, listen: SocketAddr) -> Self {
        Self::start_with(database, config(database, listen))
    }

    fn start_with(database: &str, config: peerlog_server::ServeConfig) -> Self {
        let rt = runtime();
        let running = rt.block_on(peerlog_server::spawn(config)).unwrap();
        let addr = running.addr();
        TestServer {
            database: database.to_string(),
            rt: Some(rt),
            running: Some(running),
            addr,
        }
    }

    pub fn url(&self) -> String {
        match &self.running {
            Some(r) => r.url(),
            None => format!("http://{}", self.addr),
        }
    }

    /// Creates a chapter as `peerlog-server admin chapter create` does; returns the
    /// one-time coordinator token.
    pub fn create_chapter(&self, org: &str, chapter: &str) -> String {
        let rt = self.rt.as_ref().unwrap();
        rt.block_on(peerlog_server::create_chapter(
            &self.database,
            org,
            chapter,
            7,
        ))
        .unwrap()
        .coordinator_token
    }

    /// Stops the server abruptly (its runtime is dropped: in-flight requests are cut),
    /// as a crash would.
    pub fn kill(&mut self) {
        self.running.take();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    /// Starts it again on the same address and database.
    pub fn restart(&mut self) {
        self.kill();
        let mut tries = 0;
        loop {
            let rt = runtime();
            let config = config(&self.database, self.addr);
            match rt.block_on(peerlog_server::spawn(config)) {
                Ok(running) => {
                    self.running = Some(running);
                    self.rt = Some(rt);
                    return;
                }
                Err(e) if tries < 50 => {
                    tries += 1;
                    eprintln!("restart: {e}; retrying");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("cannot restart the server: {e}"),
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let (Some(rt), Some(running)) = (self.rt.take(), self.running.take()) {
            rt.block_on(running.shutdown());
        }
    }
}

/// One device (or coordinator machine): a home directory and the `peerlog` program.
#[derive(Debug)]
pub struct Device {
    pub bin: PathBuf,
    pub home: PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    pub fn new(bin: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Device {
            bin: bin.to_path_buf(),
            home: dir.path().join("home"),
            _dir: dir,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .env_remove("PEERLOG_HOME")
            .arg("--home")
            .arg(&self.home)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "peerlog {args:?} failed ({:?}): {}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `--json` already in `args`; parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// Runs and expects exit `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "peerlog {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    /// Every byte of every file under the home (store, WAL, secrets).
    pub fn raw_contents(&self) -> Vec<u8> {
        let mut all = Vec::new();
        let mut stack = vec![self.home.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    all.extend(std::fs::read(&p).unwrap_or_default());
                }
            }
        }
        all
    }
}

impl Device {
    /// A coordinator's machine, enrolled in a new chapter `chapter` of "Org" on `server`.
    pub fn coordinator_of(bin: &Path, server: &TestServer, chapter: &str) -> Device {
        let coordinator = Device::new(bin);
        let token = server.create_chapter("Org", chapter);
        coordinator.json(&[
            "coordinator",
            "enrol",
            &token,
            "--server",
            &server.url(),
            "--json",
        ]);
        coordinator
    }

    /// A peer invited by this coordinator, enrolled as `name`, the declaration signed.
    pub fn signed_peer(&self, name: &str) -> Device {
        let inv = self.json(&["coordinator", "invite", "--json"])["invitation"]
            .as_str()
            .unwrap()
            .to_string();
        let peer = Device::new(&self.bin);
        peer.json(&["enrol", &inv, "--name", name, "--json"]);
        peer.ok(&["declaration", "sign", "--name", name, "--accept"]);
        peer
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
