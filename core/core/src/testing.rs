//! Fixtures for the core's unit tests: a home with a device set up offline.

use crate::clock::Clock;
use crate::declarations;
use crate::home::Home;
use crate::keys::Keys;
use crate::platform::FileSecretStore;
use crate::profile::{ENROLLED_RULE_SET, Profile};
use crate::session::Session;
use peerlog_crypto::recovery::RecoveryCode;
use peerlog_rules::Locale;
use std::path::Path;
use std::sync::Arc;

/// An empty home in `dir`.
pub(crate) fn home(dir: &Path) -> Home {
    let secrets = Arc::new(FileSecretStore::open(&dir.join("secrets")).unwrap());
    Home::open(dir, secrets).unwrap()
}

/// A home in `dir` with a device set up offline (peer id `p`, English) and the built-in
/// declaration signed. Returns its recovery code too.
pub(crate) fn device(dir: &Path) -> (Home, RecoveryCode) {
    let mut h = home(dir);
    let keys = Keys::generate().unwrap();
    let code = RecoveryCode::generate().unwrap();
    keys.save_with_recovery_code(h.secrets.as_ref(), &code)
        .unwrap();
    let profile = Profile::new(
        "p".into(),
        "Kari".into(),
        ENROLLED_RULE_SET.into(),
        Locale::En,
    );
    let s = Session::new(keys, profile, Clock::default());
    h.store.tx(|tx| s.save_new_device(tx)).unwrap();
    h.session = Some(s);
    let (st, s) = h.parts().unwrap();
    declarations::sign_current(st, s, "Kari Nordmann", true, None).unwrap();
    (h, code)
}

/// [`device`] as if enrolled in a chapter: records are sealed for a (made-up) chapter key too.
pub(crate) fn enrolled_device(dir: &Path) -> Home {
    let (mut h, _) = device(dir);
    if let Some(s) = h.session.as_mut() {
        s.chapter_key = Some(
            peerlog_crypto::RecipientSecretKey::generate()
                .unwrap()
                .public_key(),
        );
    }
    h
}
