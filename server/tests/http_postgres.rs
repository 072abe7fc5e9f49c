//! The HTTP suite against PostgreSQL (a fresh database per test). Needs
//! `PEERLOG_TEST_POSTGRES` like `server/tests/postgres.rs`, unless `PEERLOG_SKIP_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod suite;

all_http_tests!(common::pg::fresh);
