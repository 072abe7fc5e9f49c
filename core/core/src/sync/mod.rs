//! The sync client (ADR 0005, ADR 0008): enrolment, login, push, pull, apply, backoff,
//! recovery from the server, and the coordinator's side.

pub(crate) mod backoff;
pub(crate) mod certs;
mod client;
mod coordinator;
pub(crate) mod http;

use crate::declaration::DeclarationText;
use crate::error::{CoreError, PeerlogError, Result};
use crate::model::ExpenseStatus;
use crate::store;
use peerlog_crypto::{DeviceSigningKey, RecipientPublicKey};
use peerlog_protocol::api::{self, ChapterKeys, Role};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub(crate) use client::Net;
pub(crate) use coordinator::Coordinator;

/// Secret-store names of the coordinator's chapter keys.
pub(crate) const SECRET_CHAPTER_KEY: &str = "chapter-key";
pub(crate) const SECRET_CHAPTER_SIGNING_KEY: &str = "chapter-signing-key";
/// Meta key of this device's own certificate record id (pushed first).
pub(crate) const META_CERT_ID: &str = "device_cert_id";
/// The extra CA certificate(s) of a self-hosted server, as the PEM text the user gave
/// (public data, so stored as is).
pub(crate) const META_EXTRA_ROOTS: &str = "extra_root_certificates";
/// Declaration id of a chapter's published declaration.
pub(crate) const CHAPTER_DECLARATION_ID: &str = "chapter";
/// Context of the peer key wrapped for recovery from the server.
pub(crate) const RECOVERY_CONTEXT: &str = "peerlog/v1/server-recovery";

/// The account role of an enrolled device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    Peer,
    Coordinator,
}

impl AccountRole {
    fn from_api(r: Role) -> Self {
        match r {
            Role::Coordinator | Role::Admin => AccountRole::Coordinator,
            Role::Peer => AccountRole::Peer,
        }
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

/// What `enrol` hands back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct EnrolResult {
    pub info: EnrolmentInfo,
    /// Only when enrolment set up a fresh device: show it once.
    pub recovery_code: Option<String>,
}

/// The outcome of one sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncReport {
    /// Records the server accepted (or already had).
    pub pushed: u64,
    /// Records pulled and applied.
    pub pulled: u64,
    /// Records the server refused (kept locally; see `SyncStatus.last_error`).
    pub rejected: u64,
    /// The chapter published a new declaration text.
    pub declaration_changed: bool,
}

/// The last sync error, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncErrorInfo {
    pub code: String,
    /// In the user's language.
    pub message: String,
}

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncStatus {
    pub device_id: Option<String>,
    pub enrolment: Option<EnrolmentInfo>,
    /// RFC 3339.
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<SyncErrorInfo>,
    /// Records not yet acknowledged by the server.
    pub pending: u64,
    /// RFC 3339: background schedulers should not sync before this (backoff after
    /// failures). `sync()` itself always tries.
    pub retry_after: Option<String>,
    /// The current declaration (the chapter's, once published) is signed.
    pub declaration_signed: bool,
}

/// The phase a sync is in, for progress reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, Serialize)]
pub enum SyncPhase {
    Login,
    Push,
    Pull,
    Apply,
}

/// Receives sync progress (the shells update a progress bar; the CLI draws one).
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// `done` of `total` (if known) items in `phase`.
    fn on_progress(&self, phase: SyncPhase, done: u64, total: Option<u64>);
}

/// A new invitation for a peer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct InvitationInfo {
    /// `peerlog1:…`, for a QR code or a link.
    pub invitation: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A device of a chapter account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ChapterDevice {
    pub device_id: String,
    pub created_at: String,
    pub last_seen: Option<String>,
    pub revoked_at: Option<String>,
}

/// An account of the chapter as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ChapterPeer {
    pub account_id: String,
    pub role: AccountRole,
    /// From their signed declaration.
    pub name: Option<String>,
    pub declaration_version: Option<u32>,
    pub declaration_valid: bool,
    pub devices: Vec<ChapterDevice>,
    /// RFC 3339: the most recent contact of any of their devices.
    pub last_sync: Option<String>,
}

/// Activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct CategoryCounts {
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
}

/// One counted contact in a coordinator report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct CountedContact {
    pub date: String,
    pub kind: String,
    pub category: String,
    pub minutes: u32,
    pub participants: u32,
}

/// One peer's year.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct PeerReport {
    pub account_id: String,
    pub name: Option<String>,
    pub activity_days: u32,
    pub by_category: CategoryCounts,
    pub not_counted: u32,
    pub declaration_version: Option<u32>,
    pub declaration_valid: bool,
    /// The peer signed a report for this year.
    pub report_signed: bool,
    /// Its signature verifies and its totals equal the ones computed here.
    pub report_valid: bool,
    pub counted: Vec<CountedContact>,
}

/// The chapter's yearly report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ChapterReport {
    pub year: i32,
    pub organisation: String,
    pub chapter: String,
    pub rule_set: String,
    pub activity_days: u32,
    pub by_category: CategoryCounts,
    pub not_counted: u32,
    /// Peers with at least one contact in the year and a valid declaration signature.
    pub active_peers_with_declaration: u32,
    pub peers: Vec<PeerReport>,
}

/// An expense as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ChapterExpense {
    pub id: String,
    pub account_id: String,
    pub peer_name: Option<String>,
    pub date: String,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub description: Option<String>,
    pub status: ExpenseStatus,
    pub decision_reason: Option<String>,
}

/// The enrolment as stored (public data only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Enrolment {
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
    pub(crate) fn from_response(server: &str, r: &api::EnrolResponse) -> Self {
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

    pub(crate) fn fingerprint(&self) -> String {
        peerlog_crypto::chapter_fingerprint(
            &self.chapter_keys.encryption_key,
            &self.chapter_keys.signing_key,
        )
    }

    pub(crate) fn info(&self) -> EnrolmentInfo {
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

    pub(crate) fn chapter_key(&self) -> RecipientPublicKey {
        RecipientPublicKey::from(self.chapter_keys.encryption_key)
    }

    pub(crate) fn chapter_signing_key(&self) -> peerlog_crypto::DevicePublicKey {
        peerlog_crypto::DevicePublicKey::from(self.chapter_keys.signing_key)
    }

    pub(crate) fn load(conn: &Connection) -> Result<Option<(Self, store::sync::SyncRow)>> {
        match store::sync::sync_row(conn)? {
            None => Ok(None),
            Some(row) => {
                let e: Enrolment = serde_json::from_str(&row.enrolment)
                    .map_err(|e| CoreError::corrupt(format!("enrolment: {e}")))?;
                Ok(Some((e, row)))
            }
        }
    }
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

/// What the recovery blob on the server holds (wrapped under the recovery code): the
/// peer key and what a new device needs to trust the chapter and rebuild the profile.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecoveryBlob {
    #[serde(with = "peerlog_protocol::b64::array")]
    pub peer_key: [u8; 32],
    pub chapter_fingerprint: String,
    pub peer_id: String,
    pub name: String,
    pub rule_set: String,
    pub locale: Locale,
}

/// Copies a signing key (the type is deliberately not `Clone`).
pub(crate) fn copy_key(k: &DeviceSigningKey) -> Result<DeviceSigningKey> {
    Ok(DeviceSigningKey::from_seed(&k.seed())?)
}

/// Loads the coordinator's keys if this home is a coordinator's, and attaches the
/// chapter key and declaration to a peer's session.
pub(crate) fn attach(
    conn: &Connection,
    session: &mut Option<crate::session::Session>,
    secrets: &Arc<dyn crate::platform::SecretStore>,
) -> Result<Option<Coordinator>> {
    let Some((enrol, row)) = Enrolment::load(conn)? else {
        return Ok(None);
    };
    match enrol.role {
        AccountRole::Coordinator => Ok(Some(Coordinator::load(conn, secrets.as_ref())?)),
        AccountRole::Peer => {
            if let Some(s) = session.as_mut() {
                s.chapter_key = Some(enrol.chapter_key());
                s.chapter_signing_key = Some(enrol.chapter_signing_key());
                if let Some(json) = row.declaration {
                    let p: api::PublishedDeclaration = serde_json::from_str(&json)
                        .map_err(|e| CoreError::corrupt(format!("declaration: {e}")))?;
                    s.chapter_declaration = Some(chapter_declaration_text(&p)?);
                }
            }
            Ok(None)
        }
    }
}
