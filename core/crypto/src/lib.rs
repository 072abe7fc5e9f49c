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
