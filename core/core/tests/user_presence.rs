//! The recovery code is kept behind the phone's screen lock; the keys background sync needs
//! are not. A thief holding an unlocked phone (but not its PIN) plays the attacker here,
//! through a secret store that behaves like the platforms' (Android Keystore keys with
//! `setUserAuthenticationRequired`, iOS Keychain items with `.userPresence`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use peerlog_core::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A phone's secret store: what was put with `UserPresence` is readable only while the
/// user has just confirmed with the screen lock (`confirmed`); on a phone without a screen
/// lock everything is kept device-only.
#[derive(Debug)]
struct PhoneStore {
    files: FileSecretStore,
    protection: Mutex<HashMap<String, SecretProtection>>,
    confirmed: AtomicBool,
    /// Whether the phone has a screen lock; without one nothing can ask for the user.
    screen_lock: AtomicBool,
}

impl PhoneStore {
    fn new(home: &Path) -> Arc<Self> {
        Arc::new(Self {
            files: FileSecretStore::open(&home.join("secrets")).unwrap(),
            protection: Mutex::new(HashMap::new()),
            confirmed: AtomicBool::new(false),
            screen_lock: AtomicBool::new(true),
        })
    }

    fn protection_of(&self, name: &str) -> Option<SecretProtection> {
        self.protection.lock().unwrap().get(name).copied()
    }
}

impl SecretStore for PhoneStore {
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        if self.protection(name.clone())? == Some(SecretProtection::UserPresence)
            && !self.confirmed.load(Ordering::SeqCst)
        {
            return Err(SecretStoreError::UserPresenceRequired);
        }
        self.files.get(name)
    }

    fn put(
        &self,
        name: String,
        value: Vec<u8>,
        protection: SecretProtection,
    ) -> Result<(), SecretStoreError> {
        // What a phone without a screen lock can do: keep it device-only.
        let kept = if self.screen_lock.load(Ordering::SeqCst) {
            protection
        } else {
            SecretProtection::DeviceOnly
        };
        self.protection.lock().unwrap().insert(name.clone(), kept);
        self.files.put(name, value, kept)
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        self.protection.lock().unwrap().remove(&name);
        self.files.delete(name)
    }

    fn protection(&self, name: String) -> Result<Option<SecretProtection>, SecretStoreError> {
        Ok(self.protection_of(&name))
    }
}

#[test]
fn a_thief_with_the_unlocked_phone_cannot_see_or_use_the_recovery_code() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let store = PhoneStore::new(&home);
    let app = Peerlog::open_dir(&home, store.clone(), None).unwrap();
    let code = app
        .init("Kari Nordmann".into(), "no-bufdir-2020".into(), Locale::Nb)
        .unwrap()
        .recovery_code;

    // Only the recovery code asks for the user; the keys do not.
    assert_eq!(
        store.protection_of("recovery-code"),
        Some(SecretProtection::UserPresence)
    );
    let device_only: Vec<_> = store
        .protection
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, p)| **p == SecretProtection::DeviceOnly)
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(device_only.len(), 2, "{device_only:?}");

    // The thief: shown the screen, but the code stays behind the screen lock, and a backup
    // (wrapped with the code) is not written either.
    let refused = app.recovery_code().unwrap_err();
    assert_eq!(refused.code(), "user_presence_required");
    assert!(
        refused.message().contains("skjermlås"),
        "{}",
        refused.message()
    );
    let backup = dir.path().join("kari.peerlog-backup");
    let refused = app
        .export_backup(backup.to_string_lossy().into_owned())
        .unwrap_err();
    assert_eq!(refused.code(), "user_presence_required");
    assert!(!backup.exists());

    // Everything that runs in the background still works without the user: the app opens
    // again (as after a restart), and the peer's work goes on.
    drop(app);
    let app = Peerlog::open_dir(&home, store.clone(), None).unwrap();
    app.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    app.add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap();

    // The owner confirms with the screen lock: the code and the backup are there.
    store.confirmed.store(true, Ordering::SeqCst);
    assert_eq!(app.recovery_code().unwrap(), code);
    app.export_backup(backup.to_string_lossy().into_owned())
        .unwrap();
    assert!(backup.exists());
}

#[test]
fn a_phone_without_a_screen_lock_is_told_so_until_it_has_one() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let store = PhoneStore::new(&home);
    store.screen_lock.store(false, Ordering::SeqCst);
    let app = Peerlog::open_dir(&home, store.clone(), None).unwrap();
    let code = app
        .init("Kari Nordmann".into(), "no-bufdir-2020".into(), Locale::Da)
        .unwrap()
        .recovery_code;

    // Nothing to ask for: the code is readable, and the app says why that is a risk.
    assert_eq!(app.recovery_code().unwrap(), code);
    let advice = app.recovery_code_advice().unwrap().expect("advice");
    assert!(advice.contains("skærmlås"), "{advice}");

    // The peer sets a screen lock; the next time they look at the code (having confirmed),
    // it goes behind the lock, and the advice is gone.
    store.screen_lock.store(true, Ordering::SeqCst);
    store.confirmed.store(true, Ordering::SeqCst);
    assert_eq!(app.recovery_code().unwrap(), code);
    assert_eq!(app.recovery_code_advice().unwrap(), None);
    store.confirmed.store(false, Ordering::SeqCst);
    assert_eq!(
        app.recovery_code().unwrap_err().code(),
        "user_presence_required"
    );
}

#[test]
fn the_note_with_a_replaced_code_says_old_backups_need_the_old_one() {
    for (locale, word) in [
        (Locale::Nb, "sikkerhetskopier"),
        (Locale::Da, "sikkerhedskopier"),
        (Locale::En, "backups"),
    ] {
        assert!(
            recovery_code_replaced_note(locale).contains(word),
            "{locale:?}"
        );
    }
}
