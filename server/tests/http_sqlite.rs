//! The HTTP suite against SQLite: a real server on 127.0.0.1:0 per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod suite;

all_http_tests!(common::fresh_sqlite);
