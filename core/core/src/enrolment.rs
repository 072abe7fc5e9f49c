//! Which server, organisation and chapter a home belongs to, as stored at enrolment
//! (public data only), and the chapter's published declaration that came with it.

use crate::declaration::DeclarationText;
use crate::error::{CoreError, Result};
use crate::store;
use peerlog_protocol::api::{self, ChapterKeys, Role};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Declaration id of a chapter's published declaration.
pub const CHAPTER_DECLARATION_ID: &str = "chapter";

/// The account role of an enrolled device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    Peer,
    Coordinator,
}

impl AccountRole {
    pub fn from_api(r: Role) -> Self {
        match r {
            Role::Coordinator | Role::Admin => AccountRole::Coordinator,
            Role::Peer => AccountRole::Peer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Peer => "peer",
            AccountRole::Coordinator => "coordinator",
        }
    }

    /// The role `as_str` names.
    pub fn parse(s: &str) -> Option<Self> {
        [AccountRole::Peer, AccountRole::Coordinator]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Which server, organisation and chapter this device belongs to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct EnrolmentInfo {
    pub server: String,
    pub organisation: String,
    pub chapter: String,
    pub chapter_fingerprint: String,
    pub account_id: String,
    pub device_id: String,
    pub role: AccountRole,
}

/// The enrolment as stored (public data only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolment {
    pub server: String,
    pub organisation: String,
    pub chapter: String,
    pub chapter_id: i64,
    pub account_id: String,
    pub device_id: String,
    pub role: AccountRole,
    pub chapter_keys: ChapterKeys,
}

impl Enrolment {
    pub fn from_response(server: &str, r: &api::EnrolResponse) -> Self {
        Enrolment {
            server: server.to_string(),
            organisation: r.chapter.organisation.clone(),
            chapter: r.chapter.chapter.clone(),
            chapter_id: r.chapter.chapter_id,
            account_id: r.account_id.clone(),
            device_id: r.device_id.clone(),
            role: AccountRole::from_api(r.role),
            chapter_keys: r.chapter.keys,
        }
    }

    pub fn fingerprint(&self) -> String {
        peerlog_crypto::chapter_fingerprint(
            &self.chapter_keys.encryption_key,
            &self.chapter_keys.signing_key,
        )
    }

    pub fn info(&self) -> EnrolmentInfo {
        EnrolmentInfo {
            server: self.server.clone(),
            organisation: self.organisation.clone(),
            chapter: self.chapter.clone(),
            chapter_fingerprint: self.fingerprint(),
            account_id: self.account_id.clone(),
            device_id: self.device_id.clone(),
            role: self.role,
        }
    }

    pub fn chapter_key(&self) -> peerlog_crypto::RecipientPublicKey {
        peerlog_crypto::RecipientPublicKey::from(self.chapter_keys.encryption_key)
    }

    pub fn chapter_signing_key(&self) -> peerlog_crypto::DevicePublicKey {
        peerlog_crypto::DevicePublicKey::from(self.chapter_keys.signing_key)
    }

    /// Stores a new enrolment (a home is enrolled once).
    pub fn insert(&self, conn: &Connection) -> Result<()> {
        store::sync::insert_sync_row(conn, &self.server, &serde_json::to_string(self)?)
    }

    /// The stored enrolment and its sync state, if this home is enrolled.
    pub fn load(conn: &Connection) -> Result<Option<(Self, store::sync::SyncRow)>> {
        match store::sync::sync_row(conn)? {
            None => Ok(None),
            Some(row) => {
                let e: Enrolment = serde_json::from_str(&row.enrolment)
                    .map_err(|e| CoreError::corrupt(format!("enrolment: {e}")))?;
                Ok(Some((e, row)))
            }
        }
    }

    /// The stored enrolment; `NotEnrolled` when there is none.
    pub fn require(conn: &Connection) -> Result<Self> {
        Self::load(conn)?
            .map(|(e, _)| e)
            .ok_or(CoreError::NotAllowed(crate::i18n::Msg::NotEnrolled))
    }
}

/// The chapter's published declaration kept with the enrolment, if one was published.
pub fn stored_declaration(row: &store::sync::SyncRow) -> Result<Option<api::PublishedDeclaration>> {
    row.declaration
        .as_deref()
        .map(|json| {
            serde_json::from_str(json).map_err(|e| CoreError::corrupt(format!("declaration: {e}")))
        })
        .transpose()
}

/// The chapter's declaration as the peer must sign it, from a verified published one.
pub(crate) fn chapter_declaration_text(p: &api::PublishedDeclaration) -> Result<DeclarationText> {
    let locale: Locale = p
        .document
        .locale
        .parse()
        .map_err(|_| CoreError::corrupt("declaration locale"))?;
    Ok(DeclarationText::new(
        &p.document.declaration_id,
        p.document.version,
        locale,
        &p.document.text,
    ))
}
