//! The HTTP suite against SQLite: a real server on 127.0.0.1:0 per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod suite;

all_http_tests!(common::fresh_sqlite);

/// `all_http_tests!` lists the suite by hand; a suite function left off it would never run.
#[test]
fn the_http_suite_lists_every_suite_function() {
    let check = peerlog_server::storage::test_list::check(
        include_str!("suite/mod.rs"),
        "$crate::http_tests!($fresh;",
    );
    assert_eq!(
        check,
        Ok(()),
        "all_http_tests! is out of step with suite/mod.rs"
    );
}
