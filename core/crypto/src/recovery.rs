//! Recovery code and password-based wrapping of secrets (the peer key backup).
//!
//! # Recovery code
//!
//! 15 random bytes (120 bits) written as 24 characters of Crockford base32
//! (`0-9 A-Z` without `I L O U`), followed by one Crockford mod-37 check character
//! (the 120-bit number modulo 37, written with the alphabet extended by `* ~ $ = U`),
//! shown as 5 groups of 5 separated by `-`, e.g. `7ZQ3K-1M0PA-R4T9X-...`.
//!
//! [`RecoveryCode::parse`] is forgiving: case-insensitive, ignores spaces and hyphens,
//! reads `O` as `0` and `I`/`L` as `1`. A mistyped character or two swapped neighbours
//! always changes the check value (37 is prime and larger than the alphabet), so typos
//! are reported as [`CryptoError::RecoveryCodeTypo`] before any slow key derivation.
//!
//! # Wrapping
//!
//! `KEK = Argon2id(password = the 15 code bytes, salt = 16 random bytes, m, t, p, 32 bytes)`,
//! then `ct = AES-256-GCM(KEK, nonce = 12 random bytes, AD = b"peerlog/v1/recovery\0" || context, secret)`.
//! The parameters travel in the [`WrappedSecret`] and are bounds-checked when read back.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::aead as gcm;
use crate::error::{CryptoError, Result};
use crate::random_bytes;
use peerlog_protocol::b64;

/// Crockford base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Crockford check symbols: the alphabet plus values 32..=36.
const CHECK_SYMBOLS: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
/// Random bytes in a recovery code.
pub const CODE_BYTES: usize = 15;
const DATA_CHARS: usize = 24;
const CODE_CHARS: usize = DATA_CHARS + 1;
/// Associated-data prefix of a wrapped secret: `prefix || context`.
const WRAP_AD_PREFIX: &[u8] = b"peerlog/v1/recovery\0";
/// The only supported KDF name.
pub const KDF_ARGON2ID: &str = "argon2id";
/// Largest secret [`wrap_secret`] accepts (and ciphertext [`unwrap_secret`] reads).
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// A recovery code: 120 random bits. Zeroised on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct RecoveryCode {
    bytes: Zeroizing<[u8; CODE_BYTES]>,
}

impl RecoveryCode {
    /// A new random code.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_bytes(&random_bytes::<CODE_BYTES>()?))
    }

    /// The code with these 15 bytes.
    pub fn from_bytes(bytes: &[u8; CODE_BYTES]) -> Self {
        Self {
            bytes: Zeroizing::new(*bytes),
        }
    }

    /// The 120-bit value (big-endian bytes), kept in a `u128`.
    fn value(&self) -> u128 {
        self.bytes
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
    }

    /// Parses a code as typed by a person. Case-insensitive; spaces and hyphens are
    /// ignored; `O` is read as `0`, `I` and `L` as `1`.
    ///
    /// Errors: [`CryptoError::Malformed`] for a wrong length or a character outside the
    /// alphabet, [`CryptoError::RecoveryCodeTypo`] when the check character does not match.
    pub fn parse(s: &str) -> Result<Self> {
        let mut chars = Zeroizing::new(Vec::with_capacity(CODE_CHARS));
        for c in s.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            if !c.is_ascii() {
                return Err(CryptoError::Malformed(
                    "recovery code contains a character that is not in the code alphabet",
                ));
            }
            let c = match c.to_ascii_uppercase() {
                'O' => b'0',
                'I' | 'L' => b'1',
                other => other as u8,
            };
            chars.push(c);
        }
        if chars.len() != CODE_CHARS {
            return Err(CryptoError::Malformed(
                "recovery code must have 25 characters (5 groups of 5)",
            ));
        }
        let mut value: u128 = 0;
        for &c in &chars[..DATA_CHARS] {
            let digit = ALPHABET
                .iter()
                .position(|&a| a == c)
                .ok_or(CryptoError::Malformed(
                    "recovery code contains a character that is not in the code alphabet",
                ))?;
            value = (value << 5) | digit as u128;
        }
        let check = CHECK_SYMBOLS
            .iter()
            .position(|&a| a == chars[DATA_CHARS])
            .ok_or(CryptoError::Malformed(
                "recovery code check character is not in the check alphabet",
            ))?;
        if value % 37 != check as u128 {
            return Err(CryptoError::RecoveryCodeTypo);
        }
        let mut bytes = Zeroizing::new([0u8; CODE_BYTES]);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (value >> (8 * (CODE_BYTES - 1 - i))) as u8;
        }
        Ok(Self { bytes })
    }

    /// The recovery lookup id: `HKDF-SHA256(salt = "peerlog/v1/recovery-lookup",
    /// ikm = the 15 code bytes, info = "lookup")`. A device sends it to find its account
    /// on a new phone; the server keeps only its SHA-256, so its database alone cannot
    /// be used to register a device. 120 bits of code make it unguessable.
    pub fn lookup_id(&self) -> [u8; 32] {
        *crate::local::hkdf_sha256_32(b"peerlog/v1/recovery-lookup", &self.bytes[..], b"lookup")
    }

    /// The code for people: 5 groups of 5 characters separated by `-`
    /// (24 data characters and the check character). Treat the returned string as a
    /// secret.
    pub fn display(&self) -> String {
        let value = self.value();
        let mut chars = Zeroizing::new([0u8; CODE_CHARS]);
        for (i, c) in chars[..DATA_CHARS].iter_mut().enumerate() {
            let digit = (value >> (5 * (DATA_CHARS - 1 - i))) & 31;
            *c = ALPHABET[digit as usize];
        }
        chars[DATA_CHARS] = CHECK_SYMBOLS[(value % 37) as usize];
        let mut out = String::with_capacity(CODE_CHARS + 4);
        for (i, &c) in chars.iter().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push('-');
            }
            out.push(char::from(c));
        }
        out
    }
}

// Its only field is `Zeroizing`, so the code's bytes are wiped when it (or a clone) drops.
impl zeroize::ZeroizeOnDrop for RecoveryCode {}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Parallelism (lanes).
    pub p: u32,
}

impl KdfParams {
    /// The parameters for new wraps: Argon2id, 19 MiB, 2 iterations, 1 lane (OWASP's
    /// first recommended setting). The code itself carries 120 random bits, so the KDF is
    /// not what keeps a guesser out; a cheap phone's memory is what it costs (ADR 0023).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// What wraps made before ADR 0023 use (64 MiB, 3 iterations): still read.
    pub const FIRST: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Upper bound on memory accepted from a file: the most any version ever wrote, so a
    /// crafted backup cannot make a phone spend more than a genuine one.
    pub const MAX_M_KIB: u32 = Self::FIRST.m_kib;
    /// Upper bound on iterations accepted from a file (the most any version ever wrote).
    pub const MAX_T: u32 = Self::FIRST.t;
    /// Upper bound on lanes accepted from a file.
    pub const MAX_P: u32 = 4;

    /// Checks the bounds: 1 ≤ p ≤ 4, 1 ≤ t ≤ 3, 8·p KiB ≤ m ≤ 64 MiB. Values read from a
    /// file must pass this before any work, so a crafted file cannot make the device
    /// allocate or compute without limit.
    pub fn validate(&self) -> Result<()> {
        if !(1..=Self::MAX_P).contains(&self.p) {
            return Err(CryptoError::InvalidKdfParams("p must be 1 to 4"));
        }
        if !(1..=Self::MAX_T).contains(&self.t) {
            return Err(CryptoError::InvalidKdfParams("t must be 1 to 3"));
        }
        if self.m_kib > Self::MAX_M_KIB {
            return Err(CryptoError::InvalidKdfParams("m must be at most 64 MiB"));
        }
        if self.m_kib < 8 * self.p {
            return Err(CryptoError::InvalidKdfParams(
                "m must be at least 8 KiB per lane",
            ));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A secret wrapped under a recovery code. Serialises as JSON with base64url bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedSecret {
    /// KDF name; always `"argon2id"`.
    pub kdf: String,
    /// Argon2id memory in KiB.
    pub m_kib: u32,
    /// Argon2id iterations.
    pub t: u32,
    /// Argon2id lanes.
    pub p: u32,
    /// Argon2id salt.
    #[serde(with = "b64::array")]
    pub salt: [u8; 16],
    /// AES-256-GCM nonce.
    #[serde(with = "b64::array")]
    pub nonce: [u8; 12],
    /// AES-256-GCM ciphertext with tag.
    #[serde(with = "b64::bytes")]
    pub ct: Vec<u8>,
}

impl WrappedSecret {
    /// The KDF parameters (unchecked).
    pub fn params(&self) -> KdfParams {
        KdfParams {
            m_kib: self.m_kib,
            t: self.t,
            p: self.p,
        }
    }
}

fn derive_kek(
    code: &RecoveryCode,
    salt: &[u8; 16],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>> {
    params.validate()?;
    let argon_params = Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|_| CryptoError::InvalidKdfParams("rejected by Argon2"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut kek = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(&code.bytes[..], salt, &mut kek[..])
        .map_err(|_| CryptoError::Kdf)?;
    Ok(kek)
}

fn wrap_ad(context: &str) -> Vec<u8> {
    [WRAP_AD_PREFIX, context.as_bytes()].concat()
}

/// Wraps `secret` under `code`. `context` names what is wrapped (e.g.
/// `"peerlog/v1/backup-peer-key"`); the same context must be given to unwrap.
pub fn wrap_secret(
    code: &RecoveryCode,
    secret: &[u8],
    params: KdfParams,
    context: &str,
) -> Result<WrappedSecret> {
    if secret.len() > MAX_SECRET_BYTES {
        return Err(CryptoError::Malformed("secret too large to wrap"));
    }
    let salt = random_bytes::<16>()?;
    let nonce = random_bytes::<12>()?;
    let kek = derive_kek(code, &salt, params)?;
    let ct = gcm::seal(
        &ring::aead::AES_256_GCM,
        &kek[..],
        &nonce,
        &wrap_ad(context),
        secret,
    )?;
    Ok(WrappedSecret {
        kdf: KDF_ARGON2ID.to_string(),
        m_kib: params.m_kib,
        t: params.t,
        p: params.p,
        salt,
        nonce,
        ct,
    })
}

/// Unwraps a secret. Checks the KDF name and parameter bounds before any work.
///
/// Errors: [`CryptoError::WrongRecoveryCode`] if the code (or the context) does not open
/// it — which is also what an altered file looks like; [`CryptoError::InvalidKdfParams`]
/// or [`CryptoError::Malformed`] for an unacceptable file.
pub fn unwrap_secret(
    code: &RecoveryCode,
    w: &WrappedSecret,
    context: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    if w.kdf != KDF_ARGON2ID {
        return Err(CryptoError::Malformed(
            "unsupported KDF (expected argon2id)",
        ));
    }
    if w.ct.len() < gcm::TAG_LEN || w.ct.len() > MAX_SECRET_BYTES + gcm::TAG_LEN {
        return Err(CryptoError::Malformed(
            "wrapped secret has an impossible length",
        ));
    }
    let kek = derive_kek(code, &w.salt, w.params())?;
    gcm::open(
        &ring::aead::AES_256_GCM,
        &kek[..],
        &w.nonce,
        &wrap_ad(context),
        &w.ct,
    )
    .map_err(|e| match e {
        CryptoError::DecryptFailed => CryptoError::WrongRecoveryCode,
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_bytes_are_zeroised_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let code = RecoveryCode::generate().unwrap();
        // The bytes live only in a `Zeroizing`, which wipes them on drop.
        let bytes: &Zeroizing<[u8; CODE_BYTES]> = &code.bytes;
        wiped_on_drop(bytes);
        wiped_on_drop(&code);
        wiped_on_drop(&code.clone());
    }

    #[test]
    fn lookup_id_is_frozen_hkdf_of_the_code() {
        let bytes: [u8; CODE_BYTES] = core::array::from_fn(|i| i as u8);
        let code = RecoveryCode::from_bytes(&bytes);
        // Computed independently (Python hmac/hashlib, RFC 5869 with one output block).
        assert_eq!(
            hex::encode(code.lookup_id()),
            "e4edc54faa387f157252b41fd45808c9e43c5b4e7c94a193d3a86b7f607e09c3"
        );
        let other = RecoveryCode::from_bytes(&[0u8; CODE_BYTES]);
        assert_ne!(code.lookup_id(), other.lookup_id());
    }

    #[test]
    fn check_symbol_alphabet() {
        assert_eq!(CHECK_SYMBOLS[..32], ALPHABET[..]);
        assert_eq!(&CHECK_SYMBOLS[32..], b"*~$=U");
    }

    #[test]
    fn known_encoding() {
        // All-zero bytes: 24 zeros, check 0.
        let zero = RecoveryCode::from_bytes(&[0; 15]);
        assert_eq!(zero.display(), "00000-00000-00000-00000-00000");
        // Value 1: last data digit 1, check 1.
        let mut b = [0u8; 15];
        b[14] = 1;
        assert_eq!(
            RecoveryCode::from_bytes(&b).display(),
            "00000-00000-00000-00000-00011"
        );
        // Value 36: digits "14" (1*32 + 4), and the check symbol for 36 is 'U'.
        b[14] = 36;
        assert_eq!(
            RecoveryCode::from_bytes(&b).display(),
            "00000-00000-00000-00000-0014U"
        );
        // Largest value: 24 'Z's, check (2^120 - 1) mod 37 = 25 = 'S'.
        assert_eq!(
            RecoveryCode::from_bytes(&[0xff; 15]).display(),
            "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZS"
        );
    }
}
