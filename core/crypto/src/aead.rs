//! AES-GCM through `ring`, with the key and nonce given explicitly.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};

/// Length of the AES-GCM authentication tag.
pub(crate) const TAG_LEN: usize = 16;

fn key(alg: &'static aead::Algorithm, key: &[u8]) -> Result<LessSafeKey> {
    UnboundKey::new(alg, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::Malformed("AEAD key length"))
}

/// Encrypts `pt`; returns ciphertext with the tag appended.
pub(crate) fn seal(
    alg: &'static aead::Algorithm,
    k: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    pt: &[u8],
) -> Result<Vec<u8>> {
    let key = key(alg, k)?;
    let mut buf = Vec::with_capacity(pt.len() + TAG_LEN);
    buf.extend_from_slice(pt);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(*nonce),
        Aad::from(aad),
        &mut buf,
    )
    .map_err(|_| CryptoError::Malformed("plaintext too long for AES-GCM"))?;
    Ok(buf)
}

/// Decrypts and authenticates `ct` (ciphertext with the tag appended).
pub(crate) fn open(
    alg: &'static aead::Algorithm,
    k: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if ct.len() < TAG_LEN {
        return Err(CryptoError::DecryptFailed);
    }
    let key = key(alg, k)?;
    let mut buf = Zeroizing::new(ct.to_vec());
    let len = key
        .open_in_place(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            &mut buf,
        )
        .map_err(|_| CryptoError::DecryptFailed)?
        .len();
    buf.truncate(len);
    Ok(buf)
}
