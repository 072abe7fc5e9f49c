//! The chapter's settings a peer's device must know, issued like a training record (a
//! record in `expenses` sealed for the chapter and the peer, signed through the issuing
//! machine's chapter certificate): whether the recovery-themes question is on, and
//! whether contacts by a peer without a valid certificate are flagged in the chapter's
//! report. A device keeps the newest genuine one; until then everything is off.

use crate::certs::{DeviceCert, ISSUER_CHAPTER};
use crate::error::Result;
use crate::session::Session;
use crate::store;
use peerlog_crypto::DevicePublicKey;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Payload type of a settings record.
pub const SETTINGS_TYPE: &str = "peerlog-chapter-settings/1";
/// Where a peer's device keeps the newest settings (`meta`): `(version, settings)`.
const META_SETTINGS: &str = "chapter_settings";

/// The chapter's settings. Both off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ChapterSettings {
    /// The optional recovery-themes (CHIME) question after each contact.
    pub themes: bool,
    /// Contacts by a peer without a valid certificate are counted and flagged in the
    /// chapter's report (otherwise counted without a flag).
    pub flag_uncertified: bool,
}

/// The record that brings a peer's device the chapter's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: String,
    pub settings: ChapterSettings,
    pub issued_at: String,
    pub cert: DeviceCert,
}

impl SettingsRecord {
    /// Whether the chapter issued it (as for an expense decision).
    pub fn is_from_chapter(&self, author_device: &str, chapter_signing: &DevicePublicKey) -> bool {
        self.kind == SETTINGS_TYPE
            && self.cert.device_key.device_id() == author_device
            && self.cert.account_id == self.account_id
            && self.cert.verify(ISSUER_CHAPTER, chapter_signing).is_ok()
    }
}

/// Keeps a pulled settings record if the chapter issued it for this peer and it is newer
/// than the one kept.
pub(crate) fn reindex(
    conn: &Connection,
    s: &Session,
    author_device: &str,
    version: u64,
    v: serde_json::Value,
) -> Result<()> {
    let Ok(r) = serde_json::from_value::<SettingsRecord>(v) else {
        return Ok(());
    };
    let genuine = s.issued_to_me(&r.account_id, |k| r.is_from_chapter(author_device, k));
    if !genuine || stored(conn)?.is_some_and(|(kept, _)| kept > version) {
        return Ok(());
    }
    store::meta_put(
        conn,
        META_SETTINGS,
        &serde_json::to_vec(&(version, r.settings))?,
    )
}

fn stored(conn: &Connection) -> Result<Option<(u64, ChapterSettings)>> {
    Ok(store::meta_get(conn, META_SETTINGS)?.and_then(|b| serde_json::from_slice(&b).ok()))
}

/// The chapter's settings as this device last received them (all off until then).
pub fn current(conn: &Connection) -> Result<ChapterSettings> {
    Ok(stored(conn)?.map(|(_, s)| s).unwrap_or_default())
}
