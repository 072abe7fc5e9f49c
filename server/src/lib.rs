//! The Peerlog organisation server (ADR 0005, 0006, 0007): the HTTP API v1 ([`http`]) on
//! axum, generic over the [`storage::Storage`] trait with a SQLite and a PostgreSQL
//! backend, plus the operations the `peerlog-server` binary runs ([`spawn`],
//! [`create_chapter`], [`backup`], the organisation's report [`rollup::org_report`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), peerlog_server::ServerError> {
//! use peerlog_server::{ServeConfig, create_chapter, spawn};
//! let db = "sqlite:///tmp/peerlog-demo/peerlog.db";
//! let created = create_chapter(db, "Org", "Oslo", 7).await?;
//! let server = spawn(ServeConfig::new(db, "127.0.0.1:0".parse().unwrap())).await?;
//! println!("{} {}", server.url(), created.coordinator_token);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
// The hand-written OpenAPI document is one large `json!`.
#![recursion_limit = "512"]

mod error;
pub mod http;
mod metrics;
mod push;
mod ratelimit;
pub mod rollup;
mod serve;
pub mod storage;

pub use error::{ApiError, ServerError};
pub use ratelimit::RateLimits;
pub use serve::{
    CreatedChapter, Database, MAX_COORDINATOR_TOKEN_DAYS, RunningServer, ServeConfig, TlsFiles,
    backup, create_chapter, create_chapter_in, spawn, spawn_with,
};

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    peerlog_crypto::sha256(data)
}

pub(crate) fn random<const N: usize>() -> peerlog_crypto::Result<[u8; N]> {
    peerlog_crypto::random_bytes::<N>()
}
