//! Shared helpers for the core's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use peerlog_core::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug)]
pub struct Device {
    pub dir: tempfile::TempDir,
    pub app: Arc<Peerlog>,
}

impl Device {
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
}

pub fn secrets(home: &Path) -> Arc<FileSecretStore> {
    Arc::new(FileSecretStore::open(&home.join("secrets")).unwrap())
}

pub fn open(home: &Path) -> Arc<Peerlog> {
    Peerlog::open_dir(home, secrets(home), None).unwrap()
}

/// A fresh device, set up in `locale` with the Bufdir rules.
pub fn device(locale: Locale) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir.path().join("home"));
    app.init("Kari Nordmann".into(), "no-bufdir-2020".into(), locale)
        .unwrap();
    Device { dir, app }
}

/// A fresh device with the declaration signed.
pub fn signed_device(locale: Locale) -> Device {
    let d = device(locale);
    d.app
        .sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    d
}

pub fn contact(date: &str, kind: ContactKind, minutes: u32) -> ContactInput {
    ContactInput::new(date, kind, minutes)
}

pub fn group(date: &str, kind: ContactKind, minutes: u32, participants: u32) -> ContactInput {
    ContactInput {
        participants,
        ..ContactInput::new(date, kind, minutes)
    }
}

/// Every file of the store (database, WAL, shared memory) concatenated.
pub fn store_bytes(home: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["peerlog.db", "peerlog.db-wal", "peerlog.db-shm"] {
        if let Ok(b) = std::fs::read(home.join(name)) {
            all.extend(b);
        }
    }
    all
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
