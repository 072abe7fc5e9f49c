//! Record envelope, format version 1 (see also `docs/adr/0002-record-envelope.md`).
//!
//! # Construction
//!
//! `JCS(x)` is the RFC 8785 canonical JSON of `x`; byte fields inside JSON are unpadded
//! base64url. `meta` is the [`RecordMeta`] (id, collection, version, author device,
//! deleted).
//!
//! 1. Content key `CEK` = 32 random bytes; `nonce` = 12 random bytes (both fresh per
//!    envelope, so a nonce is never reused under a key).
//! 2. `AD = b"peerlog/v1/content\0" || JCS(meta)`;
//!    `ciphertext = AES-256-GCM(CEK, nonce, AD, plaintext)` (tag appended).
//! 3. `key_commitment = HMAC-SHA256(key = CEK, b"peerlog/v1/key-commitment")`. AES-GCM
//!    is not key-committing; the signed commitment pins the one content key that opens
//!    the envelope, so a substituted or re-wrapped key can never decrypt to a different
//!    plaintext.
//! 4. For each recipient public key `pk` (peer key, chapter key):
//!    `(enc, wrapped_key) = HPKE.SealBase(pk, info = b"peerlog/v1/wrap", aad = JCS(meta), pt = CEK)`
//!    with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (`wrapped_key` is
//!    48 bytes), and `kid = pk.key_id()`.
//! 5. `signature = Ed25519(author, b"peerlog/v1/envelope\0" ||
//!    JCS({v, meta, nonce, ciphertext, key_commitment}))`, i.e.
//!    `sign_document("envelope", ...)`.
//!
//! The recipient list is **not** signed: adding a recipient (enrolment of a device,
//! chapter key rotation) re-wraps the content key without the author, and the signature
//! stays valid. Tampering with a wrapped key can at worst deny opening: the unwrapped
//! key must match the signed commitment.
//!
//! # Opening
//!
//! [`open_record`] checks, in this order, and stops at the first failure:
//! structure ([`Envelope::validate`]) → author device id ([`CryptoError::WrongAuthor`]) →
//! signature ([`CryptoError::BadSignature`]) → a wrapped key for the opener's key id
//! ([`CryptoError::NotARecipient`]) → HPKE unwrap ([`CryptoError::DecryptFailed`]) →
//! key commitment ([`CryptoError::KeyCommitmentMismatch`]) → AES-GCM
//! ([`CryptoError::DecryptFailed`]). Nothing is decrypted before the signature is
//! verified.

use std::collections::HashSet;

use ring::hmac;
#[cfg(test)]
use serde::Serialize;
use zeroize::Zeroizing;

use crate::aead as gcm;
use crate::error::{CryptoError, Result};
use crate::hpke;
use crate::keys::{DevicePublicKey, DeviceSigningKey, RecipientPublicKey, RecipientSecretKey};
use crate::random_bytes;
use peerlog_protocol::{
    ENVELOPE_VERSION, Envelope, MAX_CIPHERTEXT_BYTES, MAX_RECIPIENTS, Members, ProtocolError,
    RecordMeta, WrappedKey, b64, canonical,
};

/// Prefix of the content encryption's associated data: `AD = prefix || JCS(meta)`.
pub const CONTENT_AD_PREFIX: &[u8] = b"peerlog/v1/content\0";
/// HPKE `info` of every content-key wrap.
pub const WRAP_INFO: &[u8] = b"peerlog/v1/wrap";
/// HMAC message of the key commitment (keyed with the content key).
pub const KEY_COMMITMENT_LABEL: &[u8] = b"peerlog/v1/key-commitment";
/// Signature domain: the author signs `b"peerlog/v1/envelope\0" || JCS(signed part)`.
pub const SIGNATURE_DOMAIN: &str = "envelope";

/// The signed part of an envelope: everything except the recipients and the signature.
/// The specification [`signed_message`] is tested against.
#[cfg(test)]
#[derive(Serialize)]
struct SignedPart<'a> {
    v: u8,
    meta: &'a RecordMeta,
    #[serde(with = "b64::array")]
    nonce: [u8; 12],
    #[serde(with = "b64::bytes")]
    ciphertext: &'a [u8],
    #[serde(with = "b64::array")]
    key_commitment: [u8; 32],
}

#[cfg(test)]
impl<'a> SignedPart<'a> {
    fn of(env: &'a Envelope) -> Self {
        SignedPart {
            v: env.v,
            meta: &env.meta,
            nonce: env.nonce,
            ciphertext: &env.ciphertext,
            key_commitment: env.key_commitment,
        }
    }
}

/// The bytes the author signs: [`document_message`](crate::keys::document_message) of the
/// signed part (the envelope without recipients and signature), written into one buffer
/// of the exact size (`Envelope::canonical_after`), not through a JSON tree.
fn signed_message(env: &Envelope) -> Result<Vec<u8>> {
    let prefix = crate::keys::document_prefix(SIGNATURE_DOMAIN, 0)?;
    Ok(env.canonical_after(Members::Signed, &prefix)?)
}

fn commitment(cek: &[u8; 32]) -> [u8; 32] {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, cek),
        KEY_COMMITMENT_LABEL,
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn content_ad(meta_jcs: &[u8]) -> Vec<u8> {
    [CONTENT_AD_PREFIX, meta_jcs].concat()
}

/// A record's content key, unwrapped for one recipient and checked against the envelope's
/// signed key commitment. Zeroised on drop; `Debug` is redacted.
///
/// It lets a device that verified an envelope once keep the key (sealed under a local key
/// bound to the envelope's bytes, ADR 0017) and open the record again with
/// [`open_with_key`]: one AES-GCM instead of Ed25519 + X25519 on every read.
#[derive(Clone)]
pub struct ContentKey(Zeroizing<[u8; 32]>);

impl ContentKey {
    /// The key's bytes (to seal it under a local key).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key as [`ContentKey::as_bytes`] gave it (e.g. unsealed from the local cache).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(CryptoError::Malformed("content key is not 32 bytes"));
        }
        key.copy_from_slice(bytes);
        Ok(Self(key))
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey(<redacted>)")
    }
}

/// Seals a record for `recipients`, signed by `author`. Duplicate recipient keys are
/// wrapped once. `meta.author_device` must be `author.device_id()`.
///
/// Errors: [`CryptoError::WrongAuthor`]; [`CryptoError::Protocol`] for invalid metadata,
/// no recipients, more than 16 recipients, or a plaintext over 8 MiB − 16 bytes.
pub fn seal_record(
    meta: &RecordMeta,
    plaintext: &[u8],
    recipients: &[RecipientPublicKey],
    author: &DeviceSigningKey,
) -> Result<Envelope> {
    let cek = Zeroizing::new(random_bytes::<32>()?);
    let nonce = random_bytes::<12>()?;
    seal_inner(
        meta,
        plaintext,
        recipients,
        author,
        &cek,
        &nonce,
        &mut |_, pk| hpke::encap(pk),
    )
}

/// [`seal_record`], also handing back the content key, so the author can keep it for its
/// own reads (see [`ContentKey`]).
pub fn seal_record_keeping_key(
    meta: &RecordMeta,
    plaintext: &[u8],
    recipients: &[RecipientPublicKey],
    author: &DeviceSigningKey,
) -> Result<(Envelope, ContentKey)> {
    let cek = Zeroizing::new(random_bytes::<32>()?);
    let nonce = random_bytes::<12>()?;
    let env = seal_inner(
        meta,
        plaintext,
        recipients,
        author,
        &cek,
        &nonce,
        &mut |_, pk| hpke::encap(pk),
    )?;
    Ok((env, ContentKey(cek)))
}

/// [`seal_record`] with a given content key, nonce and one HPKE ephemeral key per
/// (distinct) recipient. **For golden test vectors only**: reusing a content key or an
/// ephemeral key breaks confidentiality.
pub fn seal_record_deterministic(
    meta: &RecordMeta,
    plaintext: &[u8],
    recipients: &[RecipientPublicKey],
    author: &DeviceSigningKey,
    cek: &[u8; 32],
    nonce: &[u8; 12],
    ephemerals: &[RecipientSecretKey],
) -> Result<Envelope> {
    seal_inner(
        meta,
        plaintext,
        recipients,
        author,
        cek,
        nonce,
        &mut |i, pk| {
            let sk_e = ephemerals
                .get(i)
                .ok_or(CryptoError::Malformed("one ephemeral key per recipient"))?;
            hpke::encap_deterministic(pk, sk_e)
        },
    )
}

fn seal_inner(
    meta: &RecordMeta,
    plaintext: &[u8],
    recipients: &[RecipientPublicKey],
    author: &DeviceSigningKey,
    cek: &[u8; 32],
    nonce: &[u8; 12],
    // `Encap(pkR)` of the `i`th recipient: (shared secret, enc).
    encap: &mut dyn FnMut(usize, &RecipientPublicKey) -> Result<hpke::Encapsulated>,
) -> Result<Envelope> {
    meta.validate()?;
    if meta.author_device != author.device_id() {
        return Err(CryptoError::WrongAuthor);
    }
    let mut seen = HashSet::new();
    let recipients: Vec<&RecipientPublicKey> = recipients
        .iter()
        .filter(|pk| seen.insert(pk.key_id()))
        .collect();
    if recipients.is_empty() {
        return Err(ProtocolError::NoRecipients.into());
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(ProtocolError::TooManyRecipients(recipients.len()).into());
    }
    let ct_len = plaintext.len().saturating_add(gcm::TAG_LEN);
    if ct_len > MAX_CIPHERTEXT_BYTES {
        return Err(ProtocolError::CiphertextTooLarge(ct_len).into());
    }

    let meta_jcs = canonical::to_canonical_vec(meta)?;
    let ciphertext = gcm::seal(
        &ring::aead::AES_256_GCM,
        cek,
        nonce,
        &content_ad(&meta_jcs),
        plaintext,
    )?;
    let key_commitment = commitment(cek);
    let mut wrapped = Vec::with_capacity(recipients.len());
    for (i, pk) in recipients.into_iter().enumerate() {
        let (enc, wrapped_key) = hpke::seal_encapsulated(encap(i, pk)?, WRAP_INFO, &meta_jcs, cek)?;
        wrapped.push(WrappedKey {
            kid: pk.key_id(),
            enc,
            wrapped_key,
        });
    }
    let mut env = Envelope {
        v: ENVELOPE_VERSION,
        meta: meta.clone(),
        nonce: *nonce,
        ciphertext,
        key_commitment,
        recipients: wrapped,
        signature: [0; 64],
    };
    env.signature = author.sign(&signed_message(&env)?);
    env.validate()?;
    Ok(env)
}

/// Checks an envelope's structure, that its author device is `author`'s device id, and
/// the author's signature. Does not decrypt anything (the server and backup restore use
/// this alone).
pub fn verify_envelope(env: &Envelope, author: &DevicePublicKey) -> Result<()> {
    env.validate()?;
    if env.meta.author_device != author.device_id() {
        return Err(CryptoError::WrongAuthor);
    }
    author.verify(&signed_message(env)?, &env.signature)
}

/// Finds and unwraps the content key for `sk`, and checks it against the commitment.
fn unwrap_cek(env: &Envelope, sk: &RecipientSecretKey) -> Result<Zeroizing<[u8; 32]>> {
    let kid = sk.public_key().key_id();
    let entry = env
        .recipients
        .iter()
        .find(|r| r.kid == kid)
        .ok_or(CryptoError::NotARecipient)?;
    let meta_jcs = canonical::to_canonical_vec(&env.meta)?;
    let pt = hpke::open(sk, &entry.enc, WRAP_INFO, &meta_jcs, &entry.wrapped_key)?;
    let mut cek = Zeroizing::new([0u8; 32]);
    if pt.len() != cek.len() {
        return Err(CryptoError::Malformed(
            "wrapped content key is not 32 bytes",
        ));
    }
    cek.copy_from_slice(&pt);
    let key = hmac::Key::new(hmac::HMAC_SHA256, &cek[..]);
    hmac::verify(&key, KEY_COMMITMENT_LABEL, &env.key_commitment)
        .map_err(|_| CryptoError::KeyCommitmentMismatch)?;
    Ok(cek)
}

/// An envelope whose structure and author signature [`verify`] has checked. Only this can
/// be opened with [`open_verified`], so a record is never decrypted unverified, and one
/// that was verified on arrival is not verified again to be read.
#[derive(Clone, Copy, Debug)]
pub struct Verified<'a>(&'a Envelope);

impl<'a> Verified<'a> {
    /// The envelope that was verified.
    pub fn envelope(&self) -> &'a Envelope {
        self.0
    }
}

/// [`verify_envelope`], keeping the proof that it passed.
pub fn verify<'a>(env: &'a Envelope, author: &DevicePublicKey) -> Result<Verified<'a>> {
    verify_envelope(env, author)?;
    Ok(Verified(env))
}

/// Unwraps the content key of a verified envelope for `recipient`, checks the key
/// commitment and decrypts.
pub fn open_verified(
    verified: Verified<'_>,
    recipient: &RecipientSecretKey,
) -> Result<Zeroizing<Vec<u8>>> {
    let env = verified.0;
    let cek = unwrap_cek(env, recipient)?;
    let meta_jcs = canonical::to_canonical_vec(&env.meta)?;
    gcm::open(
        &ring::aead::AES_256_GCM,
        &cek[..],
        &env.nonce,
        &content_ad(&meta_jcs),
        &env.ciphertext,
    )
}

/// Unwraps (and checks against the commitment) the content key of a verified envelope for
/// `recipient`, without decrypting.
pub fn unwrap_verified(
    verified: Verified<'_>,
    recipient: &RecipientSecretKey,
) -> Result<ContentKey> {
    unwrap_cek(verified.0, recipient).map(ContentKey)
}

/// Decrypts `env` with a content key this device unwrapped from it earlier (after
/// verifying it) and kept authenticated. The key is checked against the key commitment and
/// AES-GCM authenticates the ciphertext and metadata; the author's signature is **not**
/// checked here: the caller must know that this exact envelope was verified (ADR 0017).
pub fn open_with_key(env: &Envelope, key: &ContentKey) -> Result<Zeroizing<Vec<u8>>> {
    let mac = hmac::Key::new(hmac::HMAC_SHA256, &key.0[..]);
    hmac::verify(&mac, KEY_COMMITMENT_LABEL, &env.key_commitment)
        .map_err(|_| CryptoError::KeyCommitmentMismatch)?;
    let meta_jcs = canonical::to_canonical_vec(&env.meta)?;
    gcm::open(
        &ring::aead::AES_256_GCM,
        &key.0[..],
        &env.nonce,
        &content_ad(&meta_jcs),
        &env.ciphertext,
    )
}

/// [`open_with_key`] on an envelope's stored bytes (its canonical JSON, RFC 8785, as
/// [`Envelope::to_json_bytes`] wrote it), reading only what decryption needs. In canonical
/// form the members come in a fixed order — `ciphertext`, `key_commitment`, `meta`,
/// `nonce`, then the recipients and the signature, which are not even looked at — and
/// `meta`'s text is exactly `JCS(meta)`, the content's associated data, so nothing is
/// re-serialised. Returns the metadata and the plaintext.
///
/// Only for bytes the caller knows to be exactly those it verified (ADR 0017: the kept
/// key opens only for the SHA-256 of these bytes). Bytes of any other shape fail here
/// (and AES-GCM fails for any that are not what was sealed): the caller then parses and
/// verifies the envelope in full.
pub fn open_bytes_with_key(
    bytes: &[u8],
    key: &ContentKey,
) -> Result<(RecordMeta, Zeroizing<Vec<u8>>)> {
    const MALFORMED: CryptoError = CryptoError::Malformed("stored envelope");
    // `"name":"` … up to the next `"` (base64url never contains one).
    fn string<'a>(rest: &mut &'a [u8], name: &[u8]) -> Result<&'a [u8]> {
        *rest = rest.strip_prefix(name).ok_or(MALFORMED)?;
        let end = rest.iter().position(|&b| b == b'"').ok_or(MALFORMED)?;
        let (value, tail) = rest.split_at(end);
        *rest = &tail[1..];
        Ok(value)
    }
    fn text(b: &[u8]) -> Result<&str> {
        std::str::from_utf8(b).map_err(|_| MALFORMED)
    }
    let mut rest = bytes;
    let ciphertext = string(&mut rest, b"{\"ciphertext\":\"")?;
    let commitment = string(&mut rest, b",\"key_commitment\":\"")?;
    rest = rest.strip_prefix(b",\"meta\":").ok_or(MALFORMED)?;
    // `meta` holds only strings, numbers and booleans: it ends at the first `}` followed
    // by the next member (a `"` inside a string would be escaped).
    const AFTER_META: &[u8] = b"},\"nonce\":\"";
    let meta_end = rest
        .windows(AFTER_META.len())
        .position(|w| w == AFTER_META)
        .ok_or(MALFORMED)?;
    let meta_jcs = &rest[..=meta_end];
    rest = &rest[meta_end + 1..];
    let nonce = string(&mut rest, b",\"nonce\":\"")?;

    let commitment: [u8; 32] = b64::decode_array(text(commitment)?).map_err(|_| MALFORMED)?;
    let mac = hmac::Key::new(hmac::HMAC_SHA256, &key.0[..]);
    hmac::verify(&mac, KEY_COMMITMENT_LABEL, &commitment)
        .map_err(|_| CryptoError::KeyCommitmentMismatch)?;
    let nonce: [u8; 12] = b64::decode_array(text(nonce)?).map_err(|_| MALFORMED)?;
    let ciphertext = b64::decode(text(ciphertext)?).map_err(|_| MALFORMED)?;
    let plaintext = gcm::open(
        &ring::aead::AES_256_GCM,
        &key.0[..],
        &nonce,
        &content_ad(meta_jcs),
        &ciphertext,
    )?;
    let meta: RecordMeta = serde_json::from_slice(meta_jcs).map_err(|_| MALFORMED)?;
    Ok((meta, plaintext))
}

/// Verifies the author's signature, then unwraps the content key for `recipient`, checks
/// the key commitment and decrypts. See the module docs for the order of checks.
pub fn open_record(
    env: &Envelope,
    recipient: &RecipientSecretKey,
    author: &DevicePublicKey,
) -> Result<Zeroizing<Vec<u8>>> {
    open_verified(verify(env, author)?, recipient)
}

/// Wraps the content key for more recipients, using `opener` (a current recipient) to
/// unwrap it. Only the recipient list changes, so the author's signature stays valid.
/// Keys whose key id is already present are skipped.
///
/// The content key is checked against the key commitment before it is re-wrapped. The
/// author's signature is not checked here (no author key is given); call
/// [`verify_envelope`] first where that matters — new recipients verify it on opening.
pub fn add_recipients(
    env: &Envelope,
    opener: &RecipientSecretKey,
    new: &[RecipientPublicKey],
) -> Result<Envelope> {
    env.validate()?;
    let cek = unwrap_cek(env, opener)?;
    let meta_jcs = canonical::to_canonical_vec(&env.meta)?;
    let mut out = env.clone();
    let mut seen: HashSet<String> = env.recipients.iter().map(|r| r.kid.clone()).collect();
    for pk in new {
        let kid = pk.key_id();
        if !seen.insert(kid.clone()) {
            continue;
        }
        if out.recipients.len() >= MAX_RECIPIENTS {
            return Err(ProtocolError::TooManyRecipients(out.recipients.len() + 1).into());
        }
        let (enc, wrapped_key) = hpke::seal(pk, WRAP_INFO, &meta_jcs, &cek[..])?;
        out.recipients.push(WrappedKey {
            kid,
            enc,
            wrapped_key,
        });
    }
    Ok(out)
}

/// Removes the wrapped key with key id `kid` (if present). The signature stays valid.
///
/// This only stops *future* holders of the envelope from opening it with that key; a
/// party that already unwrapped the content key keeps it. Removing the last recipient
/// yields an envelope that no longer validates.
pub fn remove_recipient(env: &Envelope, kid: &str) -> Envelope {
    let mut out = env.clone();
    out.recipients.retain(|r| r.kid != kid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitment_is_hmac_of_label() {
        // HMAC-SHA256 keyed with the content key, over the label.
        let cek = [0x42u8; 32];
        let c = commitment(&cek);
        let key = hmac::Key::new(hmac::HMAC_SHA256, &cek);
        assert!(hmac::verify(&key, b"peerlog/v1/key-commitment", &c).is_ok());
        assert_ne!(commitment(&[0x43; 32]), c);
    }

    #[test]
    fn signed_part_field_names() {
        let env = Envelope {
            v: 1,
            meta: RecordMeta {
                id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
                collection: peerlog_protocol::Collection::Notes,
                version: 1,
                author_device: "d".into(),
                deleted: false,
            },
            nonce: [0; 12],
            ciphertext: vec![1, 2, 3],
            key_commitment: [0; 32],
            recipients: vec![],
            signature: [0; 64],
        };
        let jcs = canonical::to_canonical_vec(&SignedPart::of(&env)).unwrap();
        let text = String::from_utf8(jcs).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"ciphertext":"AQID","key_commitment":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","#,
                r#""meta":{"author_device":"d","collection":"notes","deleted":false,"#,
                r#""id":"01890a5d-ac96-774b-bcce-b302099a8057","version":1},"#,
                r#""nonce":"AAAAAAAAAAAAAAAA","v":1}"#
            )
        );
    }

    /// The message written in one piece is the general document message of the signed
    /// part at every length around base64's groups and the writer's 3 KiB pieces.
    #[test]
    fn the_signed_message_is_the_document_message_of_the_signed_part() {
        let mut env = Envelope {
            v: 1,
            meta: RecordMeta {
                id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
                collection: peerlog_protocol::Collection::Contacts,
                version: 1_700_000_000_000_000,
                author_device: "dev-1_A".into(),
                deleted: true,
            },
            nonce: [9; 12],
            ciphertext: vec![],
            key_commitment: [7; 32],
            recipients: vec![WrappedKey {
                kid: "AAAAAAAAAAAAAAAA".into(),
                enc: [4; 32],
                wrapped_key: vec![5; 48],
            }],
            signature: [0; 64],
        };
        for len in [16, 17, 18, 3071, 3072, 3073, 3074, 70_001] {
            env.ciphertext = (0..len).map(|i| (i * 13 + len) as u8).collect();
            let general =
                crate::keys::document_message(SIGNATURE_DOMAIN, &SignedPart::of(&env)).unwrap();
            let msg = signed_message(&env).unwrap();
            assert_eq!(msg, general, "ciphertext of {len} bytes");
            assert_eq!(msg.capacity(), msg.len(), "sized exactly for {len} bytes");
        }
    }

    #[test]
    fn a_kept_content_key_opens_its_envelope_and_no_other() {
        let author = DeviceSigningKey::generate().unwrap();
        let peer = RecipientSecretKey::generate().unwrap();
        let meta = |id: &str| RecordMeta {
            id: id.into(),
            collection: peerlog_protocol::Collection::Notes,
            version: 1,
            author_device: author.device_id(),
            deleted: false,
        };
        let (env, key) = seal_record_keeping_key(
            &meta("01890a5d-ac96-774b-bcce-b302099a8057"),
            b"private",
            &[peer.public_key()],
            &author,
        )
        .unwrap();
        assert_eq!(&open_with_key(&env, &key).unwrap()[..], b"private");
        let unwrapped =
            unwrap_verified(verify(&env, &author.public_key()).unwrap(), &peer).unwrap();
        assert_eq!(unwrapped.as_bytes(), key.as_bytes());
        // Another envelope's key fails the commitment; a changed ciphertext fails AES-GCM.
        let (other, other_key) = seal_record_keeping_key(
            &meta("01890a5d-ac96-774b-bcce-b302099a8058"),
            b"other",
            &[peer.public_key()],
            &author,
        )
        .unwrap();
        assert!(matches!(
            open_with_key(&other, &key),
            Err(CryptoError::KeyCommitmentMismatch)
        ));
        let mut changed = env.clone();
        changed.ciphertext[0] ^= 1;
        assert!(open_with_key(&changed, &key).is_err());
        assert!(open_with_key(&env, &other_key).is_err());

        // The same from the stored bytes, reading only what decryption needs.
        let bytes = env.to_json_bytes().unwrap();
        let (m, pt) = open_bytes_with_key(&bytes, &key).unwrap();
        assert_eq!((m, &pt[..]), (env.meta.clone(), &b"private"[..]));
        assert!(matches!(
            open_bytes_with_key(&other.to_json_bytes().unwrap(), &key),
            Err(CryptoError::KeyCommitmentMismatch)
        ));
        assert!(open_bytes_with_key(&changed.to_json_bytes().unwrap(), &key).is_err());
        let mut moved = env.clone();
        moved.meta.version = 2;
        assert!(
            open_bytes_with_key(&moved.to_json_bytes().unwrap(), &key).is_err(),
            "the metadata is authenticated"
        );
        assert!(open_bytes_with_key(&bytes, &other_key).is_err());
        assert!(open_bytes_with_key(b"{}", &key).is_err());
    }
}
