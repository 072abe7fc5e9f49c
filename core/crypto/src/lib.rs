//! Peerlog cryptography: device signing keys, recipient (peer and chapter) keys, HPKE key
//! wrapping, the record envelope, the recovery code and local blob encryption.
//!
//! Primitives: `ring` (AES-GCM, HKDF-SHA256, HMAC, SHA-256, Ed25519, randomness),
//! `x25519-dalek` (X25519 static keys) and `argon2` (Argon2id). Secrets are zeroised on
//! drop and never shown by `Debug`.
#![warn(missing_docs)]

mod aead;
pub mod envelope;
mod error;
pub mod hpke;
mod keys;
pub mod local;
pub mod recovery;

pub use error::{CryptoError, Result};
pub use keys::{
    DevicePublicKey, DeviceSigningKey, RecipientPublicKey, RecipientSecretKey, document_message,
};

use ring::rand::{SecureRandom, SystemRandom};

/// `N` bytes from the operating system's secure random number generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CryptoError::Rng)?;
    Ok(out)
}

/// The chapter fingerprint that invitations carry and devices compare with the keys a
/// server presents: the first 16 bytes of
/// `SHA-256("peerlog/v1/chapter\0" || encryption key || signing key)` as lower-case hex in 8
/// groups of 4 (`a1b2-c3d4-…`). Binding both keys means a server can swap neither.
pub fn chapter_fingerprint(encryption_key: &[u8; 32], signing_key: &[u8; 32]) -> String {
    let mut data = Vec::with_capacity(19 + 64);
    data.extend_from_slice(b"peerlog/v1/chapter\0");
    data.extend_from_slice(encryption_key);
    data.extend_from_slice(signing_key);
    keys::fingerprint_hex(&sha256(&data)[..16])
}

/// HMAC-SHA256 of `domain`, a zero byte and `data` under `key`: a proof that whoever made
/// it knew `key`, bound to what it is for.
pub fn keyed_proof(key: &[u8; 32], domain: &str, data: &[u8]) -> [u8; 32] {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let mut ctx = ring::hmac::Context::with_key(&k);
    ctx.update(domain.as_bytes());
    ctx.update(&[0]);
    ctx.update(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// Whether `proof` is [`keyed_proof`] of `domain` and `data` under `key` (in constant time).
pub fn check_keyed_proof(key: &[u8; 32], domain: &str, data: &[u8], proof: &[u8; 32]) -> bool {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let mut msg = Vec::with_capacity(domain.len() + 1 + data.len());
    msg.extend_from_slice(domain.as_bytes());
    msg.push(0);
    msg.extend_from_slice(data);
    ring::hmac::verify(&k, &msg, proof).is_ok()
}

/// SHA-256 of an envelope's canonical JSON (the bytes stored and sent), computed as it is
/// written: no copy of the envelope's text is made.
pub fn envelope_sha256(env: &peerlog_protocol::Envelope) -> Result<[u8; 32]> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    env.write_canonical(&mut |b| ctx.update(b))?;
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok(out)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 (key "Jefe"), through the domain-prefixed form: the domain
    /// "what do ya want " and the data "for nothing?" with the zero byte between are not the
    /// RFC's message, so the key and the raw HMAC are checked against the RFC, and the proof
    /// against the same HMAC over domain, 0, data.
    #[test]
    fn keyed_proof_is_hmac_sha256_over_domain_zero_data() {
        let rfc = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"Jefe"),
            b"what do ya want for nothing?",
        );
        assert_eq!(
            keys::fingerprint_hex(rfc.as_ref()).replace('-', ""),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let key = [7u8; 32];
        let proof = keyed_proof(&key, "peerlog/v1/test", b"data");
        let raw = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
            b"peerlog/v1/test\0data",
        );
        assert_eq!(&proof[..], raw.as_ref());
        assert!(check_keyed_proof(&key, "peerlog/v1/test", b"data", &proof));
        assert!(!check_keyed_proof(&key, "peerlog/v1/test", b"date", &proof));
        assert!(!check_keyed_proof(&key, "peerlog/v1/tesu", b"data", &proof));
        assert!(!check_keyed_proof(
            &[8; 32],
            "peerlog/v1/test",
            b"data",
            &proof
        ));
    }

    #[test]
    fn sha256_fips_180_2_abc() {
        let h = sha256(b"abc");
        assert_eq!(
            peerlog_protocol::b64::encode(&h),
            peerlog_protocol::b64::encode(&[
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
                0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
                0xf2, 0x00, 0x15, 0xad
            ])
        );
    }

    #[test]
    fn random_bytes_differ() {
        let a = random_bytes::<32>().unwrap();
        let b = random_bytes::<32>().unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    #[test]
    fn chapter_fingerprint_is_frozen_and_binds_both_keys() {
        let enc = [1u8; 32];
        let sig = [2u8; 32];
        let fp = chapter_fingerprint(&enc, &sig);
        assert_eq!(fp.len(), 39);
        assert_eq!(fp, chapter_fingerprint(&enc, &sig));
        assert_ne!(fp, chapter_fingerprint(&sig, &enc));
        assert_ne!(fp, chapter_fingerprint(&enc, &[3u8; 32]));
        assert_eq!(fp, FROZEN);
    }

    // Computed independently (Python hashlib) from the definition above.
    const FROZEN: &str = "53c2-e11e-1a1c-2be6-ae8f-2217-7898-9e8c";
}
