//! Running the server: configuration, the database URL, the accept loop (plain HTTP or
//! TLS with rustls on ring), graceful shutdown, and the admin operations the binary and
//! the tests share.

use std::fs::File;
use std::io::BufReader;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tower::ServiceExt as _;

use crate::error::ServerError;
use crate::http::{AppState, router};
use crate::ratelimit::RateLimits;
use crate::storage::{NewToken, PostgresStorage, Role, SqliteStorage, Storage, StorageError};
use crate::{now, random, sha256};

/// Certificate chain and private key (PEM files) for serving HTTPS directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How to run the server. [`ServeConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// `sqlite://PATH` (e.g. `sqlite://./peerlog-data/peerlog.db`, `sqlite:///abs/path`) or
    /// `postgres://…` / `postgresql://…`.
    pub database: String,
    /// Where to listen; port 0 picks a free port ([`RunningServer::addr`]).
    pub listen: SocketAddr,
    /// Serve HTTPS with these files; `None` serves plain HTTP (behind a reverse proxy).
    pub tls: Option<TlsFiles>,
    /// Per-client-IP limits on enrolment, recovery and login.
    pub rate_limits: RateLimits,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a reverse
    /// proxy that sets it; otherwise clients could choose their own bucket).
    pub trust_forwarded_for: bool,
    /// How long shutdown waits for in-flight requests before dropping connections.
    pub shutdown_timeout: Duration,
    /// Longest time for one request, body upload included (→ `408` JSON).
    pub request_timeout: Duration,
    /// Longest time for a request's head (request line and headers), also while a kept-alive
    /// connection waits for its next request: a client that trickles or stalls is closed.
    pub header_read_timeout: Duration,
    /// Most connections open at once. At the cap the server stops accepting until one
    /// ends (new clients wait in the listen backlog), so a flood of idle connections
    /// cannot exhaust memory or file descriptors.
    pub max_connections: usize,
}

impl ServeConfig {
    /// The defaults: plain HTTP, default rate limits, no forwarded-for, 30 s shutdown
    /// grace, 120 s per request, 30 s for a request's head, 1 024 connections.
    pub fn new(database: impl Into<String>, listen: SocketAddr) -> Self {
        ServeConfig {
            database: database.into(),
            listen,
            tls: None,
            rate_limits: RateLimits::default(),
            trust_forwarded_for: false,
            shutdown_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            header_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// `sqlite://PATH`: the file (its directory is created when opened).
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`, as given.
    Postgres(String),
}

impl Database {
    pub fn parse(url: &str) -> Result<Self, ServerError> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ServerError::InvalidDatabaseUrl(
                    "sqlite:// needs a file path, e.g. sqlite://./peerlog-data/peerlog.db".into(),
                ));
            }
            Ok(Database::Sqlite(url.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(url.to_owned()))
        } else {
            Err(ServerError::InvalidDatabaseUrl(
                "expected sqlite://PATH or postgres://USER:PASSWORD@HOST/DB".into(),
            ))
        }
    }
}

/// A server running in a tokio task.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then
    /// returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Kills the server at once: open connections and in-flight requests are dropped (a
    /// crash, for tests). Storage transactions are atomic, so nothing half-writes.
    pub async fn abort(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        // Dropped without `shutdown`: stop in the background.
        let _ = self.stop.send(true);
    }
}

/// Opens the database of `config.database` and starts the server.
pub async fn spawn(config: ServeConfig) -> Result<RunningServer, ServerError> {
    match Database::parse(&config.database)? {
        Database::Sqlite(url) => spawn_with(SqliteStorage::open_url(&url).await?, config).await,
        Database::Postgres(url) => spawn_with(PostgresStorage::connect(&url).await?, config).await,
    }
}

/// Starts the server on an opened storage (`config.database` is not used).
pub async fn spawn_with<S: Storage>(
    storage: S,
    config: ServeConfig,
) -> Result<RunningServer, ServerError> {
    let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;
    let state = AppState::new(
        storage,
        config.rate_limits,
        config.trust_forwarded_for,
        config.request_timeout,
    );
    let app = router(state.clone());
    let (stop, stop_rx) = watch::channel(false);
    let is_tls = tls.is_some();
    let limits = ConnLimits {
        max_connections: config.max_connections.max(1),
        header_read_timeout: config.header_read_timeout,
    };
    let task = tokio::spawn(accept_loop(
        listener,
        app,
        tls,
        stop_rx,
        config.shutdown_timeout,
        state,
        limits,
    ));
    tracing::info!(%addr, tls = is_tls, "listening");
    Ok(RunningServer {
        addr,
        tls: is_tls,
        stop,
        task: Some(task),
    })
}

fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServerError> {
    let open = |p: &Path| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| ServerError::Tls(format!("cannot read {}: {e}", p.display())))
    };
    let certs = rustls_pemfile::certs(&mut open(&files.cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ServerError::Tls(format!("{}: {e}", files.cert.display())))?;
    if certs.is_empty() {
        return Err(ServerError::Tls(format!(
            "{} holds no PEM certificate",
            files.cert.display()
        )));
    }
    let key = rustls_pemfile::private_key(&mut open(&files.key)?)
        .map_err(|e| ServerError::Tls(format!("{}: {e}", files.key.display())))?
        .ok_or_else(|| {
            ServerError::Tls(format!("{} holds no PEM private key", files.key.display()))
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(format!("certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Housekeeping interval: expired challenges and sessions, idle rate-limit buckets.
const PURGE_EVERY: Duration = Duration::from_secs(300);

/// Most bytes of a request's head: a real client sends well under 2 KiB (a bearer token
/// and a few headers). Larger → `431`.
const MAX_HEADER_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy)]
struct ConnLimits {
    max_connections: usize,
    header_read_timeout: Duration,
}

/// Waits for room under the connection cap, then for a client. Cancel-safe: dropped
/// while waiting, it gives its room back and loses no connection.
async fn accept_with_room(
    listener: &TcpListener,
    room: &Arc<Semaphore>,
) -> (
    OwnedSemaphorePermit,
    std::io::Result<(TcpStream, SocketAddr)>,
) {
    // The semaphore is never closed, so acquiring only fails if it were.
    let permit = match Arc::clone(room).acquire_owned().await {
        Ok(p) => p,
        Err(_) => std::future::pending().await,
    };
    (permit, listener.accept().await)
}

async fn accept_loop<S: Storage>(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
    state: AppState<S>,
    limits: ConnLimits,
) {
    let (conn_stop, conn_stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    let mut purge = tokio::time::interval(PURGE_EVERY);
    let room = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            (permit, accepted) = accept_with_room(&listener, &room) => match accepted {
                Ok((stream, peer)) => {
                    let conn = serve_connection(
                        stream,
                        peer,
                        app.clone(),
                        tls.clone(),
                        conn_stop_rx.clone(),
                        limits.header_read_timeout,
                    );
                    conns.spawn(async move {
                        conn.await;
                        drop(permit);
                    });
                }
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = purge.tick() => {
                state.limiter().prune();
                if let Err(e) = state.storage().purge_expired(now()).await {
                    tracing::warn!(error = %e, "purging expired sessions failed");
                }
            }
        }
    }
    drop(listener);
    tracing::info!(open_connections = conns.len(), "shutting down");
    let _ = conn_stop.send(true);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drain).await.is_err() {
        tracing::warn!("shutdown grace period over; dropping open connections");
        conns.abort_all();
    }
    tracing::info!("stopped");
}

/// Resolves once `true` was sent (or the sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|v| *v).await;
}

const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    tls: Option<TlsAcceptor>,
    stop: watch::Receiver<bool>,
    header_read_timeout: Duration,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_io(TokioIo::new(stream), peer, app, stop, header_read_timeout).await,
        Some(acceptor) => {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls_stream)) => {
                    serve_io(
                        TokioIo::new(tls_stream),
                        peer,
                        app,
                        stop,
                        header_read_timeout,
                    )
                    .await;
                }
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

async fn serve_io<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    mut stop: watch::Receiver<bool>,
    header_read_timeout: Duration,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = app.map_request(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .serve_connection(io, TowerToHyperService::new(svc));
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = stopped(&mut stop) => {
            // Finish the request in flight (if any), then close.
            conn.as_mut().graceful_shutdown();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
    }
}

/// What `admin chapter create` made.
#[derive(Clone, PartialEq, Eq)]
pub struct CreatedChapter {
    pub chapter_id: i64,
    /// The one-time coordinator enrolment token (only its SHA-256 is stored).
    pub coordinator_token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for CreatedChapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedChapter")
            .field("chapter_id", &self.chapter_id)
            .field("coordinator_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Longest coordinator token lifetime.
pub const MAX_COORDINATOR_TOKEN_DAYS: u32 = 365;

/// Creates a chapter (and its organisation if new) and a one-time coordinator enrolment
/// token valid `expires_days` days (0 makes it expired at once, for tests).
pub async fn create_chapter(
    database: &str,
    org: &str,
    chapter: &str,
    expires_days: u32,
) -> Result<CreatedChapter, ServerError> {
    match Database::parse(database)? {
        Database::Sqlite(url) => {
            create_chapter_in(
                &SqliteStorage::open_url(&url).await?,
                org,
                chapter,
                expires_days,
            )
            .await
        }
        Database::Postgres(url) => {
            create_chapter_in(
                &PostgresStorage::connect_with(&url, 2).await?,
                org,
                chapter,
                expires_days,
            )
            .await
        }
    }
}

/// [`create_chapter`] on an opened storage.
pub async fn create_chapter_in<S: Storage>(
    storage: &S,
    org: &str,
    chapter: &str,
    expires_days: u32,
) -> Result<CreatedChapter, ServerError> {
    if expires_days > MAX_COORDINATOR_TOKEN_DAYS {
        return Err(ServerError::InvalidInput(format!(
            "expires-days must be at most {MAX_COORDINATOR_TOKEN_DAYS}"
        )));
    }
    let secret = random::<16>().map_err(|e| ServerError::Random(e.to_string()))?;
    let coordinator_token = peerlog_protocol::b64::encode(&secret);
    let created = storage.create_chapter(org, chapter).await?;
    let expires_at = now() + i64::from(expires_days) * 86_400;
    storage
        .create_token(NewToken {
            token_hash: sha256(coordinator_token.as_bytes()),
            chapter_id: created.id,
            role: Role::Coordinator,
            expires_at,
            created_by: None,
        })
        .await?;
    Ok(CreatedChapter {
        chapter_id: created.id,
        coordinator_token,
        expires_at,
    })
}

/// An online backup of a SQLite database to a new file; PostgreSQL → `Unsupported` with
/// a pointer to `pg_dump`.
pub async fn backup(database: &str, out: &Path) -> Result<(), ServerError> {
    match Database::parse(database)? {
        Database::Sqlite(url) => Ok(SqliteStorage::open_url(&url).await?.backup(out).await?),
        Database::Postgres(_) => Err(StorageError::Unsupported(
            "backups of a PostgreSQL database are made with PostgreSQL's own tools: \
             pg_dump --format=custom --file=peerlog.dump DBNAME (or continuous archiving / a replica)"
                .into(),
        )
        .into()),
    }
}
