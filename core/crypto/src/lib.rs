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
