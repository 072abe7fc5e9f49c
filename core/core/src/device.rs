//! The peer's device as one object: its home under one lock, its server connection and
//! its logger. The app surface (`ffi`) is a list of operations over this; every
//! operation runs under the lock and turns its error into the small FFI error in the
//! user's language, logging only the error's code.

use crate::error::{CoreError, PeerlogError, Result};
use crate::home::Home;
use crate::net::{Host, Net};
use crate::platform::{LogSink, Logger, SecretStore};
use crate::store::Store;
use peerlog_protocol::api::{self, AuthChallengeDocument};
use peerlog_rules::Locale;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A peer's device: home, connection, logger.
#[derive(Debug)]
pub(crate) struct Device {
    home: Mutex<Home>,
    pub net: Net,
    pub log: Logger,
}

impl Device {
    pub(crate) fn open(
        dir: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Self> {
        let home = Home::open(dir, secrets)?;
        let net = Net::load(home.store.conn())?;
        Ok(Self {
            home: Mutex::new(home),
            net,
            log: Logger::new(log),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Home> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions),
        // so a poisoned lock is safe to keep using.
        self.home.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn locale(&self) -> Locale {
        self.lock().locale()
    }

    /// Runs `f` on the home and converts its error to the FFI error.
    pub(crate) fn run<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Home) -> Result<T>,
    ) -> Result<T, PeerlogError> {
        let mut home = self.lock();
        let locale = home.locale();
        let out = f(&mut home);
        drop(home);
        out.map_err(|e| self.to_ffi(what, locale, e))
    }

    /// Awaits `f` and converts its error to the FFI error.
    pub(crate) async fn run_async<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T, PeerlogError> {
        let out = f.await;
        out.map_err(|e| self.to_ffi(what, self.locale(), e))
    }

    /// Converts an internal error to the FFI error in `locale`, logging only its code.
    pub(crate) fn to_ffi(&self, what: &str, locale: Locale, e: CoreError) -> PeerlogError {
        self.log.failure("peerlog::core", what, locale, e)
    }
}

impl Host for Device {
    fn sign_login(&self, doc: &AuthChallengeDocument) -> Result<[u8; 64]> {
        let home = self.lock();
        Ok(home
            .session()?
            .keys
            .device
            .sign_document(api::AUTH_DOMAIN, doc)?)
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(&mut self.lock().store)
    }

    fn head_keys(&self) -> Result<Option<crate::heads::HeadKeys>> {
        let home = self.lock();
        let s = home.session()?;
        let chapter_kid = s.chapter_key.as_ref().map(|k| k.key_id());
        Ok(Some(crate::heads::HeadKeys::new(
            &s.profile.peer_id,
            &s.keys.peer,
            chapter_kid,
        )?))
    }
}
