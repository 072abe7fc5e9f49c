//! A plain-HTTP server is refused before anything is sent to it: an invitation that names
//! one, and recovery from one, fail with `insecure_server` and leave the home empty.
#![allow(clippy::unwrap_used)]

mod common;

use peerlog_core::*;
use std::path::Path;

/// Nothing was kept: no device, no enrolment, no secret.
fn assert_nothing_stored(app: &Peerlog, home: &Path) {
    let status = app.sync_status().unwrap();
    assert_eq!(status.device_id, None);
    assert_eq!(status.enrolment, None);
    let secrets: Vec<_> = std::fs::read_dir(home.join("secrets"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(secrets.is_empty(), "secrets were stored: {secrets:?}");
}

#[tokio::test]
async fn an_invitation_to_a_plain_http_server_is_refused_and_nothing_is_stored() {
    for server in [
        "http://peerlog.example",
        "http://127.0.0.1.evil.example:8080",
        "http://127.0.0.1@evil.example",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let app = common::open(&home);
        let invitation =
            format!("peerlog1:{server}#AAECAwQFBgcICQoLDA0ODw.a1b2-c3d4-e5f6-0718-293a-4b5c");
        let err = app
            .enrol(invitation, Some("Kari Nordmann".into()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "insecure_server", "{server}: {err:?}");
        assert!(err.message().contains("https://"), "{}", err.message());
        assert!(err.is_user_error());
        assert_nothing_stored(&app, &home);
    }
}

#[tokio::test]
async fn recovery_from_a_plain_http_server_is_refused_and_nothing_is_stored() {
    let code = common::device(Locale::En).app.recovery_code().unwrap();
    for server in [
        "http://peerlog.example",
        "http://127.0.0.1.evil.example",
        "http://localhost@evil.example/",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let app = common::open(&home);
        let err = app
            .recover_from_server(server.into(), code.clone())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "insecure_server", "{server}: {err:?}");
        assert_nothing_stored(&app, &home);
    }
}
