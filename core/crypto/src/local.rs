//! AES-256-GCM for small local blobs (e.g. the device's profile), with a key derived by
//! HKDF-SHA256 from a stored secret.
//!
//! `key = HKDF-SHA256(salt = b"peerlog/v1/local", ikm = secret, info = label, L = 32)`;
//! a sealed blob is `nonce (12 random bytes) || AES-256-GCM(key, nonce, aad, pt)`.
//! Random 96-bit nonces are fine for the small number of blobs sealed under one key.

use std::fmt;

use ring::hmac;
use zeroize::Zeroizing;

use crate::aead as gcm;
use crate::error::{CryptoError, Result};
use crate::random_bytes;

/// HKDF salt of local keys.
const LOCAL_SALT: &[u8] = b"peerlog/v1/local";
const NONCE_LEN: usize = 12;

/// A symmetric key for local blobs. Zeroised on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct LocalKey {
    key: Zeroizing<[u8; 32]>,
}

/// HKDF-SHA256 (RFC 5869) with a 32-byte output, which is a single HMAC block:
/// `PRK = HMAC(salt, ikm)`, `OKM = HMAC(PRK, info || 0x01)`.
pub(crate) fn hkdf_sha256_32(salt: &[u8], ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), ikm);
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()));
    ctx.update(info);
    ctx.update(&[1]);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

impl LocalKey {
    /// Derives the key for `label` from `secret` (e.g. the peer key's bytes). Different
    /// labels give independent keys.
    pub fn derive(secret: &[u8], label: &str) -> Self {
        Self {
            key: hkdf_sha256_32(LOCAL_SALT, secret, label.as_bytes()),
        }
    }

    /// Encrypts `pt`; returns `nonce || ciphertext || tag`.
    pub fn seal(&self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>> {
        let nonce = random_bytes::<NONCE_LEN>()?;
        let ct = gcm::seal(&ring::aead::AES_256_GCM, &self.key[..], &nonce, aad, pt)?;
        Ok([&nonce[..], &ct].concat())
    }

    /// Decrypts what [`LocalKey::seal`] produced with the same `aad`.
    pub fn open(&self, aad: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if data.len() < NONCE_LEN + gcm::TAG_LEN {
            return Err(CryptoError::Malformed("sealed blob is too short"));
        }
        let (nonce, ct) = data.split_at(NONCE_LEN);
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(nonce);
        gcm::open(&ring::aead::AES_256_GCM, &self.key[..], &n, aad, ct)
    }
}

impl fmt::Debug for LocalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hkdf_matches_ring_and_rfc5869_case_1() {
        // RFC 5869 A.1 (L = 42); our one-block HKDF must equal its first 32 bytes.
        let ikm = [0x0bu8; 22];
        let salt = hex("000102030405060708090a0b0c");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let okm = hex(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        );
        assert_eq!(hkdf_sha256_32(&salt, &ikm, &info)[..], okm[..32]);

        struct L32;
        impl ring::hkdf::KeyType for L32 {
            fn len(&self) -> usize {
                32
            }
        }
        let mut via_ring = [0u8; 32];
        ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"s")
            .extract(b"secret")
            .expand(&[b"label"], L32)
            .unwrap()
            .fill(&mut via_ring)
            .unwrap();
        assert_eq!(hkdf_sha256_32(b"s", b"secret", b"label")[..], via_ring);
    }

    #[test]
    fn seal_open() {
        let k = LocalKey::derive(b"secret", "peerlog/v1/local-profile");
        let sealed = k.seal(b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 12 + 5 + 16);
        assert_eq!(&k.open(b"aad", &sealed).unwrap()[..], b"hello");
        assert_eq!(k.open(b"other", &sealed), Err(CryptoError::DecryptFailed));
        let other = LocalKey::derive(b"secret", "other-label");
        assert_eq!(other.open(b"aad", &sealed), Err(CryptoError::DecryptFailed));
        let other = LocalKey::derive(b"secreT", "peerlog/v1/local-profile");
        assert_eq!(other.open(b"aad", &sealed), Err(CryptoError::DecryptFailed));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                k.open(b"aad", &bad),
                Err(CryptoError::DecryptFailed),
                "byte {i}"
            );
        }
        assert_eq!(
            k.open(b"aad", &sealed[..27]).unwrap_err().code(),
            "malformed"
        );
        // Fresh nonce every time.
        assert_ne!(k.seal(b"aad", b"hello").unwrap(), sealed);
        assert_eq!(format!("{k:?}"), "LocalKey(<redacted>)");
    }
}
