//! One device's home: its store, its secret store and, once set up, its unlocked session.
//! What "empty" means, and wiping.

use crate::enrolment::{self, AccountRole, Enrolment};
use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::keys::Keys;
use crate::platform::SecretStore;
use crate::session::{self, Session};
use crate::store::{self, Store};
use peerlog_rules::Locale;
use std::path::Path;
use std::sync::Arc;

/// A device's home.
pub(crate) struct Home {
    pub store: Store,
    pub secrets: Arc<dyn SecretStore>,
    pub session: Option<Session>,
}

impl std::fmt::Debug for Home {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Home")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Whether a store holds no Peerlog data yet: no device was set up in it and it was never
/// enrolled (as a peer or a coordinator). Restore, recovery and enrolment onto a fresh
/// home all require this.
pub fn store_is_empty(conn: &rusqlite::Connection) -> Result<bool> {
    Ok(store::meta_get(conn, session::META_DEVICE_ID)?.is_none()
        && Enrolment::load(conn)?.is_none())
}

impl Home {
    /// Opens (creating) the home in `dir` and unlocks the session if the device is set up.
    pub(crate) fn open(dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Self> {
        let store = Store::open_in(dir)?;
        let mut session = Session::load(store.conn(), secrets.as_ref())?;
        if let (Some(s), Some((enrol, row))) = (session.as_mut(), Enrolment::load(store.conn())?) {
            if enrol.role == AccountRole::Peer {
                s.chapter_key = Some(enrol.chapter_key());
                s.chapter_signing_key = Some(enrol.chapter_signing_key());
                if let Some(p) = enrolment::stored_declaration(&row)? {
                    s.chapter_declaration = Some(enrolment::chapter_declaration_text(&p)?);
                }
            }
        }
        Ok(Self {
            store,
            secrets,
            session,
        })
    }

    /// The user's language (the default before the device is set up).
    pub(crate) fn locale(&self) -> Locale {
        self.session
            .as_ref()
            .map(Session::locale)
            .unwrap_or_default()
    }

    /// The session; `NotInitialised` when the device is not set up.
    pub(crate) fn session(&self) -> Result<&Session> {
        self.session.as_ref().ok_or(CoreError::NotInitialised)
    }

    /// The store and the session, borrowed apart; fails when the device is not set up.
    pub(crate) fn parts(&mut self) -> Result<(&mut Store, &mut Session)> {
        let s = self.session.as_mut().ok_or(CoreError::NotInitialised)?;
        Ok((&mut self.store, s))
    }

    /// Refuses unless this home holds no Peerlog data yet.
    pub(crate) fn require_empty(&self) -> Result<()> {
        if self.session.is_some() || !store_is_empty(self.store.conn())? {
            return Err(CoreError::NotAllowed(Msg::HomeNotEmpty));
        }
        Ok(())
    }

    /// Whether this home belongs to a coordinator's machine (the peer's object does not
    /// open the chapter's keys, and never deletes them).
    pub(crate) fn is_coordinators(&self) -> Result<bool> {
        Ok(Enrolment::load(self.store.conn())?
            .is_some_and(|(e, _)| e.role == AccountRole::Coordinator))
    }

    /// Erases the peer's keys and every local row.
    pub(crate) fn wipe(&mut self) -> Result<()> {
        if self.is_coordinators()? {
            return Err(CoreError::NotAllowed(Msg::CoordinatorHome));
        }
        Keys::delete(self.secrets.as_ref())?;
        self.session = None;
        self.store.wipe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn a_home_is_empty_until_a_device_is_set_up_or_enrolled() {
        let dir = tempfile::tempdir().unwrap();
        assert!(testing::home(dir.path()).require_empty().is_ok());
        // A device set up offline.
        let (h, _) = testing::device(dir.path());
        assert!(!store_is_empty(h.store.conn()).unwrap());
        assert!(h.require_empty().is_err());
        // Only enrolled (a coordinator's machine has no peer device id).
        let dir2 = tempfile::tempdir().unwrap();
        let h2 = testing::home(dir2.path());
        assert!(h2.require_empty().is_ok());
        Enrolment {
            server: "https://peerlog.example".into(),
            organisation: "Org".into(),
            chapter: "Bergen".into(),
            chapter_id: 1,
            account_id: "a".into(),
            device_id: "d".into(),
            role: AccountRole::Coordinator,
            chapter_keys: peerlog_protocol::api::ChapterKeys {
                encryption_key: [1; 32],
                signing_key: [2; 32],
            },
        }
        .insert(h2.store.conn())
        .unwrap();
        assert!(store_is_empty(h2.store.conn()).is_ok_and(|empty| !empty));
        assert!(h2.require_empty().is_err());
        // The peer's object never wipes a coordinator's home (the chapter keys live there).
        let mut h2 = h2;
        assert!(matches!(
            h2.wipe(),
            Err(CoreError::NotAllowed(Msg::CoordinatorHome))
        ));
        assert!(!store_is_empty(h2.store.conn()).unwrap());
    }
}
