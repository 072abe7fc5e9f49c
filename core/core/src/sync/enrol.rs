//! Joining a chapter: enrolment from an invitation (a fresh home, or one used offline),
//! and recovery of an enrolled peer's account onto a new device from the recovery code.

use crate::certs::{self, CertRecord, DeviceCert};
use crate::clock::Clock;
use crate::declaration;
use crate::device::Device;
use crate::enrolment::{Enrolment, EnrolmentInfo};
use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::keys::{self, Keys};
use crate::net::META_CERT_ID;
use crate::platform::LogLevel;
use crate::profile::{ENROLLED_RULE_SET, Profile};
use crate::session::{Audience, Session};
use crate::store;
use crate::util::now_rfc3339;
use peerlog_crypto::RecipientSecretKey;
use peerlog_crypto::recovery::{self, KdfParams, RecoveryCode, WrappedSecret};
use peerlog_protocol::Collection;
use peerlog_protocol::api::{
    ChapterInfo, ENROL_PROOF_DOMAIN, EnrolPeerRequest, EnrolProofDocument, EnrolResponse,
    Invitation, InvitationError, InvitationLookup, RECOVERY_DEVICE_DOMAIN, RECOVERY_ROTATE_DOMAIN,
    RecoveryDeviceDocument, RecoveryDeviceRequest, RecoveryFetchResponse, RecoveryLookup,
    RecoveryRotateDocument, RecoveryUpload, RotateRecoveryRequest, RotateRecoveryResponse,
};
use peerlog_rules::Locale;
use serde::{Deserialize, Serialize};

/// Context of the peer key wrapped for recovery from the server.
const RECOVERY_CONTEXT: &str = "peerlog/v1/server-recovery";

/// What `enrol` hands back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct EnrolResult {
    pub info: EnrolmentInfo,
    /// Only when enrolment set up a fresh device: show it once.
    pub recovery_code: Option<String>,
}

/// What the recovery blob on the server holds (wrapped under the recovery code): the
/// peer key and what a new device needs to trust the chapter and rebuild the profile.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoveryBlob {
    #[serde(with = "peerlog_protocol::b64::array")]
    peer_key: [u8; 32],
    chapter_fingerprint: String,
    peer_id: String,
    name: String,
    rule_set: String,
    locale: Locale,
}

impl Drop for RecoveryBlob {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.peer_key);
    }
}

/// Writes this device's certificate (a private record, pushed first).
pub(super) fn write_cert(tx: &rusqlite::Connection, s: &mut Session) -> Result<()> {
    let account = certs::account_key(&s.keys.peer)?;
    let cert = DeviceCert::issue(
        &s.profile.peer_id,
        s.keys.device.public_key(),
        certs::ISSUER_ACCOUNT,
        &account,
        now_rfc3339(),
    )?;
    let id = uuid::Uuid::now_v7().to_string();
    s.write(
        tx,
        Collection::Notes,
        &id,
        Some(&CertRecord {
            kind: certs::CERT_RECORD_TYPE.into(),
            cert,
        }),
        Audience::PeerOnly,
    )?;
    store::meta_put(tx, META_CERT_ID, id.as_bytes())
}

/// The server's enrolment reply must name the chapter and the device we asked for.
fn check_reply(resp: &EnrolResponse, chapter: &ChapterInfo, keys: &Keys) -> Result<()> {
    if resp.chapter.keys != chapter.keys || resp.device_id != keys.device.device_id() {
        return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
    }
    Ok(())
}

/// The peer key and profile wrapped under `code` for the server, with the code's lookup.
async fn wrap_for_recovery(
    keys: &Keys,
    profile: &Profile,
    chapter_fingerprint: String,
    code: &RecoveryCode,
) -> Result<RecoveryUpload> {
    let blob = RecoveryBlob {
        peer_key: *keys.peer.to_bytes(),
        chapter_fingerprint,
        peer_id: profile.peer_id.clone(),
        name: profile.name.clone(),
        rule_set: profile.rule_set.clone(),
        locale: profile.locale,
    };
    let blob_json = zeroize::Zeroizing::new(serde_json::to_vec(&blob)?);
    drop(blob);
    // Argon2id (64 MiB) is seconds of CPU on a cheap phone: off the async workers.
    // A copy for the blocking task, zeroised on drop like the original.
    let copy = code.clone();
    let wrapped = tokio::task::spawn_blocking(move || {
        recovery::wrap_secret(&copy, &blob_json, KdfParams::DEFAULT, RECOVERY_CONTEXT)
    })
    .await
    .map_err(|e| CoreError::corrupt(format!("key wrapping task: {e}")))??;
    Ok(RecoveryUpload {
        lookup: code.lookup_id(),
        wrapped_peer_key: serde_json::to_vec(&wrapped)?,
    })
}

impl Device {
    /// Enrols this device with the chapter from an invitation. A fresh home needs
    /// `name` and gets new keys; a home used offline keeps its keys, and its records are
    /// re-wrapped for the chapter and uploaded with the next sync.
    pub(crate) async fn enrol(
        &self,
        invitation: &str,
        name: Option<String>,
    ) -> Result<EnrolResult> {
        let locale = self.locale();
        let inv: Invitation = invitation.parse().map_err(|e| {
            if e == InvitationError::INSECURE_SERVER {
                CoreError::NotAllowed(Msg::InsecureServer)
            } else {
                Msg::BadInvitation.at("invitation", locale)
            }
        })?;
        // An offline-initialised home keeps its keys; a fresh one gets new ones below.
        let existing = {
            let home = self.lock();
            if Enrolment::load(home.store.conn())?.is_some() {
                return Err(CoreError::NotAllowed(Msg::AlreadyEnrolled));
            }
            match &home.session {
                Some(s) => Some((
                    s.keys.duplicate()?,
                    s.profile.clone(),
                    keys::stored_recovery_code(home.secrets.as_ref())?,
                )),
                None => None,
            }
        };
        let name = match (&existing, name) {
            (None, None) => return Err(Msg::NameRequired.at("name", locale)),
            (None, Some(n)) => Some(declaration::validate_name(&n, locale)?),
            (Some(_), _) => None,
        };
        let http = self.net.http(&inv.server)?;
        // 1. Which chapter? Refuse before sending anything about us.
        let chapter: ChapterInfo = http
            .post(
                "/v1/enrol/chapter",
                &InvitationLookup {
                    token: inv.token.clone(),
                },
                None,
            )
            .await?;
        let fp = peerlog_crypto::chapter_fingerprint(
            &chapter.keys.encryption_key,
            &chapter.keys.signing_key,
        );
        if fp != inv.fingerprint {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        // 2. Keys (new ones for a fresh home, kept in memory until the server agrees).
        let fresh = existing.is_none();
        let (keys, profile, code) = match existing {
            Some(x) => x,
            None => (
                Keys::generate()?,
                Profile::new(
                    uuid::Uuid::now_v7().to_string(),
                    name.unwrap_or_default(),
                    ENROLLED_RULE_SET.into(),
                    locale,
                ),
                RecoveryCode::generate()?,
            ),
        };
        let recovery = wrap_for_recovery(&keys, &profile, fp, &code).await?;
        let proof_doc = EnrolProofDocument {
            account_id: profile.peer_id.clone(),
            peer_key: *keys.peer_public.as_bytes(),
            account_key: *certs::account_key(&keys.peer)?.public_key().as_bytes(),
            device_key: *keys.device.public_key().as_bytes(),
        };
        // The invitation's secret never leaves this device: only the proof made with it
        // goes to the server, for the coordinator to check these keys against.
        let proof = match &inv.secret {
            Some(secret) => Some(peerlog_crypto::keyed_proof(
                secret,
                ENROL_PROOF_DOMAIN,
                &peerlog_protocol::canonical::to_canonical_vec(&proof_doc)?,
            )),
            None => None,
        };
        let req = EnrolPeerRequest {
            token: inv.token.clone(),
            account_id: proof_doc.account_id,
            device_key: proof_doc.device_key,
            peer_key: proof_doc.peer_key,
            account_key: proof_doc.account_key,
            recovery,
            proof,
        };
        // 3. Enrol.
        let resp: EnrolResponse = http.post("/v1/enrol/peer", &req, None).await?;
        check_reply(&resp, &chapter, &keys)?;
        let enrol = Enrolment::from_response(&inv.server, &resp);
        // 4. Store.
        let mut home = self.lock();
        let home = &mut *home;
        if fresh {
            keys.save_with_recovery_code(home.secrets.as_ref(), &code)?;
            home.session = Some(Session::new(keys, profile, Clock::default()));
        }
        let s = home.session.as_mut().ok_or(CoreError::NotInitialised)?;
        s.chapter_key = Some(enrol.chapter_key());
        s.chapter_signing_key = Some(enrol.chapter_signing_key());
        home.store.tx(|tx| {
            if fresh {
                s.save_new_device(tx)?;
            }
            enrol.insert(tx)?;
            // The coordinator can read the peer's offline history: wrap it for the chapter.
            let chapter = [enrol.chapter_key()];
            for rec in store::all_records(tx, None)? {
                if rec.envelope.meta.collection == Collection::Notes {
                    continue;
                }
                let env = peerlog_crypto::envelope::add_recipients(
                    &rec.envelope,
                    &s.keys.peer,
                    &chapter,
                )?;
                store::sync::replace_envelope(tx, &env)?;
            }
            store::sync::mark_all_pending(tx)?;
            write_cert(tx, s)
        })?;
        self.log
            .log(LogLevel::Info, "peerlog::sync", || "enrolled".into());
        Ok(EnrolResult {
            info: enrol.info(),
            recovery_code: fresh.then(|| code.display()),
        })
    }

    /// Sets up this (empty) home as a new device of an enrolled peer from the recovery
    /// code: fetches the wrapped peer key, unwraps it here (a wrong code fails before any
    /// device is registered), registers this device and pulls everything.
    pub(crate) async fn recover(&self, server: &str, recovery_code: &str) -> Result<()> {
        self.lock().require_empty()?;
        let code = RecoveryCode::parse(recovery_code)?;
        let server = server.trim().trim_end_matches('/').to_string();
        let http = self.net.http(&server)?;
        let lookup = code.lookup_id();
        let fetched: RecoveryFetchResponse = http
            .post("/v1/recovery/fetch", &RecoveryLookup { lookup }, None)
            .await
            .map_err(|e| match e {
                CoreError::Server { status: 404, .. } => {
                    CoreError::NotAllowed(Msg::RecoveryNotFound)
                }
                e => e,
            })?;
        let wrapped: WrappedSecret = serde_json::from_slice(&fetched.wrapped_peer_key)
            .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
        // A wrong code fails here, before any device is registered.
        // A copy for the blocking task, zeroised on drop like the original.
        let copy = code.clone();
        let bytes = tokio::task::spawn_blocking(move || {
            recovery::unwrap_secret(&copy, &wrapped, RECOVERY_CONTEXT)
        })
        .await
        .map_err(|e| CoreError::corrupt(format!("key unwrapping task: {e}")))??;
        let blob: RecoveryBlob = serde_json::from_slice(&bytes)
            .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
        let fp = peerlog_crypto::chapter_fingerprint(
            &fetched.chapter.keys.encryption_key,
            &fetched.chapter.keys.signing_key,
        );
        if fp != blob.chapter_fingerprint || fetched.account_id != blob.peer_id {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let keys = Keys::from_parts(
            peerlog_crypto::DeviceSigningKey::generate()?,
            RecipientSecretKey::from_bytes(&blob.peer_key),
        );
        // The account key (derived from the peer key just unwrapped) vouches for this
        // device: the lookup alone finds the account but cannot add a device to it.
        let doc = RecoveryDeviceDocument {
            account_id: fetched.account_id.clone(),
            device_key: *keys.device.public_key().as_bytes(),
        };
        let signature =
            certs::account_key(&keys.peer)?.sign_document(RECOVERY_DEVICE_DOMAIN, &doc)?;
        let resp: EnrolResponse = http
            .post(
                "/v1/recovery/device",
                &RecoveryDeviceRequest {
                    lookup,
                    device_key: doc.device_key,
                    signature,
                },
                None,
            )
            .await?;
        check_reply(&resp, &fetched.chapter, &keys)?;
        let enrol = Enrolment::from_response(&server, &resp);
        let profile = Profile::new(
            blob.peer_id.clone(),
            blob.name.clone(),
            blob.rule_set.clone(),
            blob.locale,
        );
        {
            let mut home = self.lock();
            let home = &mut *home;
            keys.save_with_recovery_code(home.secrets.as_ref(), &code)?;
            let mut s = Session::new(keys, profile, Clock::default());
            s.chapter_key = Some(enrol.chapter_key());
            s.chapter_signing_key = Some(enrol.chapter_signing_key());
            home.store.tx(|tx| {
                s.save_new_device(tx)?;
                enrol.insert(tx)?;
                write_cert(tx, &mut s)
            })?;
            home.session = Some(s);
        }
        self.log.log(LogLevel::Info, "peerlog::sync", || {
            "recovered from the server".into()
        });
        // Pull everything (and announce this device).
        self.sync(None).await?;
        Ok(())
    }

    /// Replaces the recovery code (after a lost phone, or when someone else may have seen
    /// it): the server gets the peer key wrapped under a new code, signed by the account
    /// key; the old code finds nothing from then on. Returns the new code, to show once.
    /// A backup made earlier still opens with the code it was made with.
    pub(crate) async fn rotate_recovery_code(&self) -> Result<String> {
        let _one_at_a_time = self.net.one_sync_at_a_time().await;
        let (enrol, keys, profile) = {
            let home = self.lock();
            if home.is_coordinators()? {
                return Err(CoreError::NotAllowed(Msg::CoordinatorHome));
            }
            let (enrol, _) = Enrolment::load(home.store.conn())?
                .ok_or(CoreError::NotAllowed(Msg::NotEnrolled))?;
            let s = home.session()?;
            (enrol, s.keys.duplicate()?, s.profile.clone())
        };
        let code = RecoveryCode::generate()?;
        let recovery = wrap_for_recovery(&keys, &profile, enrol.fingerprint(), &code).await?;
        let doc = RecoveryRotateDocument {
            account_id: enrol.account_id.clone(),
            lookup_sha256: peerlog_crypto::sha256(&recovery.lookup),
            wrapped_sha256: peerlog_crypto::sha256(&recovery.wrapped_peer_key),
        };
        let signature =
            certs::account_key(&keys.peer)?.sign_document(RECOVERY_ROTATE_DOMAIN, &doc)?;
        let http = self.net.http(&enrol.server)?;
        let _: RotateRecoveryResponse = self
            .net
            .authed(
                self,
                &http,
                &enrol.device_id,
                "/v1/recovery/rotate",
                Some(&RotateRecoveryRequest {
                    recovery,
                    signature,
                }),
            )
            .await?;
        // The server holds the new code's blob now: keep the new code, or the peer would be
        // shown one that no longer works.
        keys::save_recovery_code(self.lock().secrets.as_ref(), &code)?;
        self.log.log(LogLevel::Info, "peerlog::sync", || {
            "recovery code replaced".into()
        });
        Ok(code.display())
    }
}
