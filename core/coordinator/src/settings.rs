//! The chapter's settings (recovery themes on/off, flag contacts by uncertified peers):
//! kept on this machine, and sent to every peer as a record issued by the chapter (see
//! `peerlog_core::chapter_settings`) — again to each peer whenever they change, and to a
//! new peer at the next sync.

use crate::{Coordinator, State, peer_key, write_for_peer};
use peerlog_core::Msg;
use peerlog_core::certs::{self, DeviceCert};
use peerlog_core::chapter_settings::{self, ChapterSettings, SettingsRecord};
use peerlog_core::enrolment::AccountRole;
use peerlog_core::error::{CoreError, PeerlogError, Result};
use peerlog_core::store;
use peerlog_core::util::now_rfc3339;
use peerlog_protocol::Collection;
use rusqlite::Connection;

/// Where this machine keeps the settings (`meta`): `(serial, settings)`.
const META_SETTINGS: &str = "coordinator.settings";
/// `meta` key prefix: the settings serial last sent to an account.
const META_SENT_PREFIX: &str = "coordinator.settings_sent:";

fn stored(conn: &Connection) -> Result<(u64, ChapterSettings)> {
    Ok(store::meta_get(conn, META_SETTINGS)?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

/// The chapter's settings as this machine keeps them.
pub(crate) fn current(conn: &Connection) -> Result<ChapterSettings> {
    Ok(stored(conn)?.1)
}

impl Coordinator {
    /// The chapter's settings (both off until changed).
    pub fn chapter_settings(&self) -> Result<ChapterSettings, PeerlogError> {
        current(self.lock().store.conn()).map_err(|e| self.fail("chapter_settings", e))
    }

    /// Changes the chapter's settings; every peer gets them with the next sync.
    pub fn set_chapter_settings(&self, settings: ChapterSettings) -> Result<(), PeerlogError> {
        let run = || {
            let mut st = self.lock();
            st.keys()?;
            let (serial, old) = stored(st.store.conn())?;
            if old == settings && serial > 0 {
                return Ok(());
            }
            st.store.tx(|tx| {
                store::meta_put(
                    tx,
                    META_SETTINGS,
                    &serde_json::to_vec(&(serial + 1, settings))?,
                )
            })?;
            distribute(&mut st).map(|_| ())
        };
        run().map_err(|e| self.fail("set_chapter_settings", e))
    }

    /// Sends the current settings to every peer that has not got them yet (run with each
    /// sync, so new peers get them too). Returns how many records were written.
    pub(crate) fn distribute_settings(&self) -> Result<usize> {
        distribute(&mut self.lock())
    }
}

fn distribute(st: &mut State) -> Result<usize> {
    let (serial, settings) = stored(st.store.conn())?;
    if serial == 0 {
        // Never changed: every device already assumes the defaults.
        return Ok(0);
    }
    let mut todo = Vec::new();
    for a in store::sync::chapter_accounts(st.store.conn())? {
        if AccountRole::parse(&a.role) != Some(AccountRole::Peer) || a.locked_at.is_some() {
            continue;
        }
        let sent_key = format!("{META_SENT_PREFIX}{}", a.account_id);
        let sent = store::meta_get(st.store.conn(), &sent_key)?
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<u64>().ok());
        if sent == Some(serial) {
            continue;
        }
        // A disputed account gets nothing from the chapter.
        let Ok(Some(key)) = peer_key(st.store.conn(), &a.account_id) else {
            continue;
        };
        todo.push((a.account_id, sent_key, key));
    }
    let keys = st
        .keys
        .as_ref()
        .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
    let clock = &mut st.clock;
    let written = todo.len();
    st.store.tx(|tx| {
        for (account, sent_key, key) in &todo {
            let record = SettingsRecord {
                kind: chapter_settings::SETTINGS_TYPE.into(),
                account_id: account.clone(),
                settings,
                issued_at: now_rfc3339(),
                cert: DeviceCert::issue(
                    account,
                    keys.device.public_key(),
                    certs::ISSUER_CHAPTER,
                    &keys.chapter_sign,
                    now_rfc3339(),
                )?,
            };
            let plaintext =
                zeroize::Zeroizing::new(peerlog_protocol::canonical::to_canonical_vec(&record)?);
            let id = uuid::Uuid::now_v7().to_string();
            write_for_peer(tx, clock, keys, (Collection::Expenses, id), &plaintext, key)?;
            store::meta_put(tx, sent_key, serial.to_string().as_bytes())?;
        }
        Ok(())
    })?;
    Ok(written)
}
