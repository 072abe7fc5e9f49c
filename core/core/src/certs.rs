//! How one device learns another device's signing key from the records themselves.
//!
//! A device certificate binds a device key to an account and is signed either by the
//! **account key** — an Ed25519 key derived from the peer key, so only a holder of the
//! peer key (one of the peer's devices, or someone with the recovery code) can issue it —
//! or by the **chapter signing key** (the coordinator's machines), which every device
//! checked against the invitation's fingerprint. A certificate travels inside a record
//! the new device writes (a private `notes` record for a peer's device, inside the
//! decision record for a coordinator's device). See ADR 0008.
//!
//! Public for the coordinator's crate, which issues decisions; not exported to the apps.
//!
//! Learning a key means opening that one record before its author is known: the content
//! key is unwrapped and checked against the envelope's key commitment, the AES-GCM tag
//! authenticates the plaintext under it, the certificate's signature is checked, and only
//! then is the envelope's own signature verified with the certified key. Nothing from an
//! unverified record is ever applied.

use crate::error::{CoreError, Result};
use crate::i18n;
use crate::model::ExpenseStatus;
use crate::store::{self, CertifiedBy};
use peerlog_crypto::envelope::{CONTENT_AD_PREFIX, KEY_COMMITMENT_LABEL, WRAP_INFO};
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientSecretKey, hpke, sha256};
use peerlog_protocol::api::{self, ChapterKeys, SignedRevocation};
use peerlog_protocol::{Envelope, b64, canonical};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Signature domain of a certificate.
const CERT_DOMAIN: &str = "device-certificate";
/// Payload type of a device certificate record.
pub(crate) const CERT_RECORD_TYPE: &str = "peerlog-device-certificate/1";
/// Payload type of an expense decision record. Version 2 binds the decision to one
/// version of the expense (its version and envelope hash); a version 1 decision named only
/// the expense id and is no longer counted anywhere.
pub const DECISION_TYPE: &str = "peerlog-expense-decision/2";
/// What every version of the decision payload type starts with.
pub const DECISION_TYPE_PREFIX: &str = "peerlog-expense-decision/";
/// Issued by the account key (one of the peer's own devices).
pub(crate) const ISSUER_ACCOUNT: &str = "account";
/// Issued by the chapter signing key (a coordinator's machine).
pub const ISSUER_CHAPTER: &str = "chapter";

/// The certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCert {
    pub account_id: String,
    pub device_key: DevicePublicKey,
    pub issuer: String,
    pub issued_at: String,
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

#[derive(Serialize)]
struct CertBody<'a> {
    account_id: &'a str,
    device_key: &'a DevicePublicKey,
    issuer: &'a str,
    issued_at: &'a str,
}

impl DeviceCert {
    fn body(&self) -> CertBody<'_> {
        CertBody {
            account_id: &self.account_id,
            device_key: &self.device_key,
            issuer: &self.issuer,
            issued_at: &self.issued_at,
        }
    }

    pub fn issue(
        account_id: &str,
        device_key: DevicePublicKey,
        issuer: &str,
        key: &DeviceSigningKey,
        issued_at: String,
    ) -> Result<Self> {
        let mut cert = DeviceCert {
            account_id: account_id.to_string(),
            device_key,
            issuer: issuer.to_string(),
            issued_at,
            signature: [0; 64],
        };
        cert.signature = key.sign_document(CERT_DOMAIN, &cert.body())?;
        Ok(cert)
    }

    pub fn verify(&self, issuer: &str, key: &DevicePublicKey) -> Result<()> {
        if self.issuer != issuer {
            return Err(CoreError::corrupt("certificate issuer"));
        }
        Ok(key.verify_document(CERT_DOMAIN, &self.body(), &self.signature)?)
    }
}

/// Signature domain of the chapter's statement that a device is an enrolled device of one
/// of its accounts. Distinct from [`CERT_DOMAIN`]: such a statement about a peer's phone
/// can never pass as the certificate of a coordinator's machine (which may decide
/// expenses), nor the other way round.
pub const ENROLLED_DOMAIN: &str = "enrolled-device";
/// Type of [`EnrolledDevice`].
pub const ENROLLED_TYPE: &str = "peerlog-enrolled-device/1";
/// Payload type of the record that brings a peer's device its [`EnrolmentCert`]
/// (collection `expenses`: the one route from the chapter into a peer's pull).
pub const ENROLMENT_RECORD_TYPE: &str = "peerlog-device-enrolment/1";
/// Where a peer's device keeps its own enrolment certificate (`meta`).
const META_ENROLMENT_CERT: &str = "enrolment_certificate";

/// What the chapter states about a peer's device: this device key belongs to this account
/// of this organisation and chapter, whose public keys are named (so anyone can compute
/// the chapter key's fingerprint, the one on the invitation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolledDevice {
    #[serde(rename = "type")]
    pub kind: String,
    pub organisation: String,
    pub chapter: String,
    pub chapter_keys: ChapterKeys,
    pub account_id: String,
    pub device_key: DevicePublicKey,
    pub issued_at: String,
}

/// [`EnrolledDevice`] signed by the chapter signing key (domain [`ENROLLED_DOMAIN`]):
/// the chain carried by signed declarations and reports made on an enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentCert {
    pub enrolled: EnrolledDevice,
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

impl EnrolmentCert {
    pub fn issue(enrolled: EnrolledDevice, chapter_signing: &DeviceSigningKey) -> Result<Self> {
        let signature = chapter_signing.sign_document(ENROLLED_DOMAIN, &enrolled)?;
        Ok(Self {
            enrolled,
            signature,
        })
    }

    /// Signed by the chapter signing key it names.
    fn verifies(&self) -> bool {
        self.enrolled.kind == ENROLLED_TYPE
            && DevicePublicKey::from(self.enrolled.chapter_keys.signing_key)
                .verify_document(ENROLLED_DOMAIN, &self.enrolled, &self.signature)
                .is_ok()
    }

    /// The chapter key's fingerprint (as on the invitation).
    pub fn chapter_fingerprint(&self) -> String {
        let k = &self.enrolled.chapter_keys;
        peerlog_crypto::chapter_fingerprint(&k.encryption_key, &k.signing_key)
    }

    /// Whether this certifies `device_key` as a device of `account_id`, signed by the
    /// chapter with exactly `chapter` keys — what a coordinator checks.
    pub fn certifies_for(
        &self,
        chapter: &ChapterKeys,
        account_id: &str,
        device_key: &DevicePublicKey,
    ) -> bool {
        self.enrolled.chapter_keys == *chapter && self.certifies(account_id, device_key)
    }

    fn certifies(&self, account_id: &str, device_key: &DevicePublicKey) -> bool {
        self.enrolled.account_id == account_id
            && self.enrolled.device_key == *device_key
            && self.verifies()
    }
}

/// Who made a signed document, as far as the file itself can tell.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Authorship {
    /// The signing device carries a certificate of the chapter (fingerprint shown: compare
    /// it with the one on the chapter's invitation) for the document's account.
    EnrolledDevice {
        organisation: String,
        chapter: String,
        chapter_fingerprint: String,
        account_id: String,
    },
    /// Signed by a key no chapter certified (an offline device, or a file made elsewhere).
    /// Not an error, but says nothing about who signed.
    Uncertified,
}

/// The authorship a file shows: its certificate, only if it verifies and certifies exactly
/// the document's signing key and account.
pub fn authorship(
    cert: Option<&EnrolmentCert>,
    account_id: &str,
    device_key: &DevicePublicKey,
) -> Authorship {
    match cert {
        Some(c) if c.certifies(account_id, device_key) => Authorship::EnrolledDevice {
            organisation: c.enrolled.organisation.clone(),
            chapter: c.enrolled.chapter.clone(),
            chapter_fingerprint: c.chapter_fingerprint(),
            account_id: account_id.to_string(),
        },
        _ => Authorship::Uncertified,
    }
}

/// "signed by an enrolled device of ORG / CHAPTER (chapter key …)" or "signed by a key no
/// chapter certified", in `locale`.
pub fn describe(a: &Authorship, locale: Locale) -> String {
    match a {
        Authorship::EnrolledDevice {
            organisation,
            chapter,
            chapter_fingerprint,
            ..
        } => i18n::signed_by_enrolled(locale, organisation, chapter, chapter_fingerprint),
        Authorship::Uncertified => i18n::signed_by_uncertified(locale),
    }
}

/// The record that brings a peer's device its enrolment certificate. `cert` is the
/// coordinator machine's own certificate (so the peer learns its key, as for a decision).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: String,
    pub enrolment: EnrolmentCert,
    pub cert: DeviceCert,
}

/// Keeps `cert` if it is the chapter's (the keys this device checked against the
/// invitation) statement about this very device and account; anything else is ignored.
pub(crate) fn keep_enrolment(
    conn: &Connection,
    cert: &EnrolmentCert,
    chapter: &ChapterKeys,
    account_id: &str,
    device_key: &DevicePublicKey,
) -> Result<()> {
    if cert.certifies_for(chapter, account_id, device_key) {
        store::meta_put(conn, META_ENROLMENT_CERT, &serde_json::to_vec(cert)?)?;
    }
    Ok(())
}

/// This device's enrolment certificate, if the chapter sent one.
pub(crate) fn stored_enrolment(
    conn: &Connection,
    device_key: &DevicePublicKey,
) -> Result<Option<EnrolmentCert>> {
    Ok(store::meta_get(conn, META_ENROLMENT_CERT)?
        .and_then(|b| serde_json::from_slice::<EnrolmentCert>(&b).ok())
        .filter(|c| c.enrolled.device_key == *device_key))
}

/// A device certificate record (collection `notes`, private to the peer).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub cert: DeviceCert,
}

/// A coordinator's decision on one version of an expense (collection `expenses`, its own
/// record id), addressed to the chapter and to the peer. It counts only if [`Self::is_from_chapter`]
/// and [`Self::decides`] the expense as it is now.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseDecision {
    #[serde(rename = "type")]
    pub kind: String,
    pub expense_id: String,
    /// The version of the expense decided on.
    pub expense_version: u64,
    /// [`expense_hash`] of that version's envelope.
    #[serde(with = "b64::array")]
    pub expense_sha256: [u8; 32],
    pub account_id: String,
    pub approved: bool,
    pub reason: Option<String>,
    pub decided_at: String,
    pub cert: DeviceCert,
}

/// SHA-256 of an expense envelope's canonical bytes: what a decision binds, so that any
/// change to the expense (amount, receipt, recipients) voids the decision.
pub fn expense_hash(env: &Envelope) -> Result<[u8; 32]> {
    Ok(peerlog_crypto::envelope_sha256(env)?)
}

impl ExpenseDecision {
    /// Whether the chapter made this decision: a current-format decision whose certificate
    /// is signed by `chapter_signing`, certifies `author_device` (the decision envelope's
    /// verified author) and is for the account the decision is about. A peer cannot issue
    /// such a certificate, nor reuse the coordinator's for a record it signs itself.
    pub fn is_from_chapter(&self, author_device: &str, chapter_signing: &DevicePublicKey) -> bool {
        self.kind == DECISION_TYPE
            && self.cert.device_key.device_id() == author_device
            && self.cert.account_id == self.account_id
            && self.cert.verify(ISSUER_CHAPTER, chapter_signing).is_ok()
    }

    /// Whether this decision is about exactly `expense` (its current envelope) of
    /// `account`: a newer version or different bytes void it.
    pub fn decides(&self, expense: &Envelope, account: &str) -> bool {
        self.account_id == account
            && self.expense_id == expense.meta.id
            && self.expense_version == expense.meta.version
            && expense_hash(expense).is_ok_and(|h| h == self.expense_sha256)
    }
}

/// The status to show for an expense whose payload says `own`, given the chapter's valid
/// decision on this version, if any (`Some(approved)`). The peer's own field counts only
/// for draft and submitted: an "approved" or "rejected" the peer wrote is shown as
/// submitted, awaiting a decision.
pub fn shown_status(own: ExpenseStatus, decision: Option<bool>) -> ExpenseStatus {
    match (own, decision) {
        (ExpenseStatus::Draft, _) => ExpenseStatus::Draft,
        (_, Some(true)) => ExpenseStatus::Approved,
        (_, Some(false)) => ExpenseStatus::Rejected,
        (_, None) => ExpenseStatus::Submitted,
    }
}

/// The `type` field of a payload that carries one (device certificates, expense
/// decisions); contacts, notes and the peer's expenses have none.
pub fn payload_type(v: &serde_json::Value) -> Option<&str> {
    v.get("type").and_then(|t| t.as_str())
}

/// The account signing key, derived from the peer key:
/// `Ed25519 seed = SHA-256("peerlog/v1/account-signing-key\0" || peer key)`.
pub(crate) fn account_key(peer: &RecipientSecretKey) -> Result<DeviceSigningKey> {
    let mut data = Zeroizing::new(Vec::with_capacity(64));
    data.extend_from_slice(b"peerlog/v1/account-signing-key\0");
    data.extend_from_slice(&peer.to_bytes()[..]);
    let seed = Zeroizing::new(sha256(&data));
    Ok(DeviceSigningKey::from_seed(&seed)?)
}

/// Opens an envelope WITHOUT checking its author signature (see the module docs: only to
/// read a certificate, which is then verified before anything is trusted).
fn open_unverified(env: &Envelope, sk: &RecipientSecretKey) -> Option<Zeroizing<Vec<u8>>> {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    env.validate().ok()?;
    let kid = sk.public_key().key_id();
    let entry = env.recipients.iter().find(|r| r.kid == kid)?;
    let meta_jcs = canonical::to_canonical_vec(&env.meta).ok()?;
    let cek = hpke::open(sk, &entry.enc, WRAP_INFO, &meta_jcs, &entry.wrapped_key).ok()?;
    if cek.len() != 32 {
        return None;
    }
    let hkey = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &cek);
    ring::hmac::verify(&hkey, KEY_COMMITMENT_LABEL, &env.key_commitment).ok()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).ok()?);
    let mut buf = Zeroizing::new(env.ciphertext.clone());
    let ad = [CONTENT_AD_PREFIX, &meta_jcs].concat();
    let pt = key
        .open_in_place(
            Nonce::assume_unique_for_key(env.nonce),
            Aad::from(ad),
            &mut buf,
        )
        .ok()?;
    Some(Zeroizing::new(pt.to_vec()))
}

/// Whether `env` carries a certificate of its own author issued by the chapter (a decision
/// by a coordinator's machine). Not verified: it only ever restricts what that device may
/// write, so a false claim hurts nobody but its author.
pub(crate) fn claims_chapter_author(env: &Envelope, peer: &RecipientSecretKey) -> bool {
    let Some(pt) = open_unverified(env, peer) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&pt)
        .ok()
        .and_then(|v| serde_json::from_value::<DeviceCert>(v.get("cert")?.clone()).ok())
        .is_some_and(|c| {
            c.issuer == ISSUER_CHAPTER && c.device_key.device_id() == env.meta.author_device
        })
}

/// Whether a revocation the server handed over really revokes this device: it names this
/// device and account, and its signature verifies with the chapter signing key (checked
/// against the invitation) or with this account's own key. Nothing else may wipe a device.
pub(crate) fn revocation_is_genuine(
    rev: &SignedRevocation,
    device_id: &str,
    account_id: &str,
    chapter_signing: Option<&DevicePublicKey>,
    peer: &RecipientSecretKey,
) -> bool {
    let st = &rev.statement;
    if st.device_id != device_id || st.account_id != account_id {
        return false;
    }
    let verifies = |key: &DevicePublicKey| {
        key.verify_document(api::REVOCATION_DOMAIN, st, &rev.signature)
            .is_ok()
    };
    match st.issuer.as_str() {
        api::REVOKED_BY_CHAPTER => chapter_signing.is_some_and(verifies),
        api::REVOKED_BY_ACCOUNT => account_key(peer).is_ok_and(|k| verifies(&k.public_key())),
        _ => false,
    }
}

/// Tries to learn the key of `env`'s unknown author from a certificate inside it: issued
/// by `account_id`'s account key, or (with `chapter_signing`) by the chapter. Returns the
/// key and who certified it, only if the certificate and then the envelope signature
/// verify.
pub(crate) fn learn_author(
    env: &Envelope,
    peer: &RecipientSecretKey,
    account_id: &str,
    chapter_signing: Option<&DevicePublicKey>,
) -> Option<(DevicePublicKey, CertifiedBy)> {
    if env.meta.deleted {
        return None;
    }
    let pt = open_unverified(env, peer)?;
    let v: serde_json::Value = serde_json::from_slice(&pt).ok()?;
    let cert: DeviceCert = serde_json::from_value(v.get("cert")?.clone()).ok()?;
    if cert.device_key.device_id() != env.meta.author_device {
        return None;
    }
    let by = match cert.issuer.as_str() {
        ISSUER_ACCOUNT => {
            let account = account_key(peer).ok()?;
            (cert.account_id == account_id
                && cert.verify(ISSUER_ACCOUNT, &account.public_key()).is_ok())
            .then_some(CertifiedBy::Account)
        }
        ISSUER_CHAPTER => chapter_signing
            .is_some_and(|k| {
                cert.account_id == account_id && cert.verify(ISSUER_CHAPTER, k).is_ok()
            })
            .then_some(CertifiedBy::Chapter),
        _ => None,
    }?;
    peerlog_crypto::envelope::verify_envelope(env, &cert.device_key).ok()?;
    Some((cert.device_key, by))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerlog_protocol::{Collection, RecordMeta};

    fn sealed(
        author: &DeviceSigningKey,
        peer: &RecipientSecretKey,
        payload: &serde_json::Value,
    ) -> Envelope {
        let meta = RecordMeta {
            id: uuid::Uuid::now_v7().to_string(),
            collection: Collection::Notes,
            version: 1,
            author_device: author.device_id(),
            deleted: false,
        };
        peerlog_crypto::envelope::seal_record(
            &meta,
            &canonical::to_canonical_vec(payload).unwrap(),
            &[peer.public_key()],
            author,
        )
        .unwrap()
    }

    #[test]
    fn learns_a_certified_device_and_refuses_forgeries() {
        let peer = RecipientSecretKey::generate().unwrap();
        let device = DeviceSigningKey::generate().unwrap();
        let account = account_key(&peer).unwrap();
        let cert = DeviceCert::issue(
            "acc",
            device.public_key(),
            ISSUER_ACCOUNT,
            &account,
            "2026-01-01T00:00:00Z".into(),
        )
        .unwrap();
        let rec = serde_json::to_value(CertRecord {
            kind: CERT_RECORD_TYPE.into(),
            cert: cert.clone(),
        })
        .unwrap();
        let env = sealed(&device, &peer, &rec);
        assert_eq!(
            learn_author(&env, &peer, "acc", None),
            Some((device.public_key(), CertifiedBy::Account))
        );
        // Another account id, or a certificate signed by someone without the peer key.
        assert_eq!(learn_author(&env, &peer, "other", None), None);
        let intruder = DeviceSigningKey::generate().unwrap();
        let forged = DeviceCert::issue(
            "acc",
            intruder.public_key(),
            ISSUER_ACCOUNT,
            &intruder,
            "2026-01-01T00:00:00Z".into(),
        )
        .unwrap();
        let rec = serde_json::to_value(CertRecord {
            kind: CERT_RECORD_TYPE.into(),
            cert: forged,
        })
        .unwrap();
        let env = sealed(&intruder, &peer, &rec);
        assert_eq!(learn_author(&env, &peer, "acc", None), None);
        // A certificate for another device than the envelope's author.
        let rec = serde_json::to_value(CertRecord {
            kind: CERT_RECORD_TYPE.into(),
            cert,
        })
        .unwrap();
        let env = sealed(&intruder, &peer, &rec);
        assert_eq!(learn_author(&env, &peer, "acc", None), None);
    }

    /// The decision payload `peerlog-expense-decision/2`, frozen: canonical JSON from fixed
    /// keys (Ed25519 signatures are deterministic). A change here is a wire-format change.
    const DECISION_GOLDEN: &str = concat!(
        r#"{"account_id":"acc_1","approved":false,"#,
        r#""cert":{"account_id":"acc_1","device_key":"gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q","#,
        r#""issued_at":"2025-02-03T10:00:00Z","issuer":"chapter","#,
        r#""signature":"6khL8hLbfLGp4H3DnnLSFhKrEhR4imudrcQUDZJnM0mXn1Xb_TJAi-uHouKtbRlg4AG5QUMsow093h8AcAmOCQ"},"#,
        r#""decided_at":"2025-02-03T10:00:01Z","expense_id":"0193a000-0000-7000-8000-000000000001","#,
        r#""expense_sha256":"KADFHIPeEkqpz2iVc5ICFKyesze29RciizBH_EUOmy4","#,
        r#""expense_version":1738576800000001,"reason":"no receipt","#,
        r#""type":"peerlog-expense-decision/2"}"#
    );

    #[test]
    fn decision_payload_is_frozen() {
        let chapter = DeviceSigningKey::from_seed(&[1; 32]).unwrap();
        let device = DeviceSigningKey::from_seed(&[2; 32]).unwrap();
        let cert = DeviceCert::issue(
            "acc_1",
            device.public_key(),
            ISSUER_CHAPTER,
            &chapter,
            "2025-02-03T10:00:00Z".into(),
        )
        .unwrap();
        let d = ExpenseDecision {
            kind: DECISION_TYPE.into(),
            expense_id: "0193a000-0000-7000-8000-000000000001".into(),
            expense_version: 1_738_576_800_000_001,
            expense_sha256: sha256(b"the expense envelope"),
            account_id: "acc_1".into(),
            approved: false,
            reason: Some("no receipt".into()),
            decided_at: "2025-02-03T10:00:01Z".into(),
            cert,
        };
        let json = String::from_utf8(canonical::to_canonical_vec(&d).unwrap()).unwrap();
        assert_eq!(json, DECISION_GOLDEN);
        let back: ExpenseDecision = serde_json::from_str(DECISION_GOLDEN).unwrap();
        assert!(back.is_from_chapter(&device.device_id(), &chapter.public_key()));
        assert!(!back.is_from_chapter(&chapter.device_id(), &chapter.public_key()));
        assert!(!back.is_from_chapter(&device.device_id(), &device.public_key()));
    }

    fn enrolled(chapter: &DeviceSigningKey, device: &DevicePublicKey) -> EnrolmentCert {
        EnrolmentCert::issue(
            EnrolledDevice {
                kind: ENROLLED_TYPE.into(),
                organisation: "LHL".into(),
                chapter: "Bergen".into(),
                chapter_keys: ChapterKeys {
                    encryption_key: [7; 32],
                    signing_key: *chapter.public_key().as_bytes(),
                },
                account_id: "acc".into(),
                device_key: device.clone(),
                issued_at: "2026-01-01T00:00:00Z".into(),
            },
            chapter,
        )
        .unwrap()
    }

    #[test]
    fn authorship_names_the_chapter_only_for_the_certified_key_and_account() {
        let chapter = DeviceSigningKey::from_seed(&[1; 32]).unwrap();
        let device = DeviceSigningKey::generate().unwrap().public_key();
        let cert = enrolled(&chapter, &device);
        let keys = cert.enrolled.chapter_keys;
        let a = authorship(Some(&cert), "acc", &device);
        assert!(
            matches!(&a, Authorship::EnrolledDevice { chapter_fingerprint, .. }
                if *chapter_fingerprint == peerlog_crypto::chapter_fingerprint(&[7; 32], &keys.signing_key)),
            "{a:?}"
        );
        assert_eq!(
            describe(&a, Locale::En),
            format!(
                "signed by an enrolled device of LHL / Bergen (chapter key {})",
                cert.chapter_fingerprint()
            )
        );
        assert!(cert.certifies_for(&keys, "acc", &device));
        // Another key or account than the document's: nothing is claimed.
        let other = DeviceSigningKey::generate().unwrap().public_key();
        assert_eq!(
            authorship(Some(&cert), "acc", &other),
            Authorship::Uncertified
        );
        assert_eq!(
            authorship(Some(&cert), "bob", &device),
            Authorship::Uncertified
        );
        assert_eq!(authorship(None, "acc", &device), Authorship::Uncertified);
        assert_eq!(
            describe(&Authorship::Uncertified, Locale::En),
            "signed by a key no chapter certified"
        );
        // An edited certificate (another chapter name) no longer verifies.
        let mut edited = cert.clone();
        edited.enrolled.chapter = "Oslo".into();
        assert_eq!(
            authorship(Some(&edited), "acc", &device),
            Authorship::Uncertified
        );
        // A "chapter" of the forger's own making verifies as itself, with its own
        // fingerprint — never as the real chapter.
        let forger = DeviceSigningKey::generate().unwrap();
        let fake = enrolled(&forger, &device);
        assert!(!fake.certifies_for(&keys, "acc", &device));
        assert_ne!(fake.chapter_fingerprint(), cert.chapter_fingerprint());
    }

    /// A peer's device holds the chapter's signature on its enrolment. Reused as the
    /// certificate of a coordinator's machine it must not let that phone decide expenses.
    #[test]
    fn an_enrolment_certificate_is_not_a_coordinator_certificate() {
        let chapter = DeviceSigningKey::from_seed(&[1; 32]).unwrap();
        let phone = DeviceSigningKey::generate().unwrap();
        let cert = enrolled(&chapter, &phone.public_key());
        let posing = DeviceCert {
            account_id: "acc".into(),
            device_key: phone.public_key(),
            issuer: ISSUER_CHAPTER.into(),
            issued_at: cert.enrolled.issued_at.clone(),
            signature: cert.signature,
        };
        assert!(
            posing
                .verify(ISSUER_CHAPTER, &chapter.public_key())
                .is_err()
        );
        let decision = ExpenseDecision {
            kind: DECISION_TYPE.into(),
            expense_id: "e".into(),
            expense_version: 1,
            expense_sha256: [0; 32],
            account_id: "acc".into(),
            approved: true,
            reason: None,
            decided_at: "2026-01-02T00:00:00Z".into(),
            cert: posing,
        };
        assert!(!decision.is_from_chapter(&phone.device_id(), &chapter.public_key()));
    }

    #[test]
    fn only_draft_and_submitted_are_the_peers_to_say() {
        use ExpenseStatus::*;
        for own in [Submitted, Approved, Rejected] {
            assert_eq!(shown_status(own, None), Submitted);
            assert_eq!(shown_status(own, Some(true)), Approved);
            assert_eq!(shown_status(own, Some(false)), Rejected);
        }
        assert_eq!(shown_status(Draft, None), Draft);
    }
}
