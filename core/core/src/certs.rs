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
use crate::store::CertifiedBy;
use peerlog_crypto::envelope::{CONTENT_AD_PREFIX, KEY_COMMITMENT_LABEL, WRAP_INFO};
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientSecretKey, hpke, sha256};
use peerlog_protocol::api::{self, SignedRevocation};
use peerlog_protocol::{Envelope, b64, canonical};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Signature domain of a certificate.
const CERT_DOMAIN: &str = "device-certificate";
/// Payload type of a device certificate record.
pub(crate) const CERT_RECORD_TYPE: &str = "peerlog-device-certificate/1";
/// Payload type of an expense decision record.
pub const DECISION_TYPE: &str = "peerlog-expense-decision/1";
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

/// A device certificate record (collection `notes`, private to the peer).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub cert: DeviceCert,
}

/// A coordinator's decision on an expense (collection `expenses`, its own record id),
/// addressed to the chapter and to the peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseDecision {
    #[serde(rename = "type")]
    pub kind: String,
    pub expense_id: String,
    pub account_id: String,
    pub approved: bool,
    pub reason: Option<String>,
    pub decided_at: String,
    pub cert: DeviceCert,
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
}
