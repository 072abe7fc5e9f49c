//! HPKE (RFC 9180), base mode, with the single suite Peerlog uses:
//! KEM 0x0020 DHKEM(X25519, HKDF-SHA256), KDF 0x0001 HKDF-SHA256, AEAD 0x0001 AES-128-GCM.
//!
//! Single-shot [`seal`] / [`open`] wrap content keys in record envelopes. The lower
//! layers ([`derive_key_pair`], [`setup_base_s`], [`setup_base_r`], [`Context`] with
//! sequence-numbered nonces and [`Context::export`]) are public so the implementation
//! can be checked against the RFC's Appendix A.1 test vectors. The `*_deterministic`
//! variants take the ephemeral key instead of generating one: they exist for test
//! vectors and must never be used otherwise.

use std::fmt;

use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use crate::aead as gcm;
use crate::error::{CryptoError, Result};
use crate::keys::{RecipientPublicKey, RecipientSecretKey};

/// `"KEM" || I2OSP(0x0020, 2)`
const KEM_SUITE_ID: &[u8] = b"KEM\x00\x20";
/// `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)`
const HPKE_SUITE_ID: &[u8] = b"HPKE\x00\x20\x00\x01\x00\x01";
const VERSION_LABEL: &[u8] = b"HPKE-v1";
const MODE_BASE: u8 = 0x00;
/// AES-128-GCM key length (Nk).
const NK: usize = 16;
/// AES-GCM nonce length (Nn).
const NN: usize = 12;
/// HKDF-SHA256 output length (Nh), also Nsecret and Nsk for X25519.
const NH: usize = 32;

/// Length of the encapsulated key (`enc`): an X25519 public key.
pub const ENC_LEN: usize = 32;

/// `LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" || suite_id || label || ikm)`.
/// HKDF-Extract is HMAC-SHA256 keyed with the salt (RFC 5869 §2.2; an empty salt is
/// equivalent to HashLen zero bytes under HMAC).
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Zeroizing<[u8; NH]> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(VERSION_LABEL);
    ctx.update(suite_id);
    ctx.update(label);
    ctx.update(ikm);
    let mut out = Zeroizing::new([0u8; NH]);
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// Output length for `ring::hkdf` expansion.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// `LabeledExpand(prk, label, info, L) =
/// HKDF-Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)`.
fn labeled_expand(
    suite_id: &[u8],
    prk: &[u8; NH],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let len = u16::try_from(out.len())
        .map_err(|_| CryptoError::Malformed("HPKE expand length"))?
        .to_be_bytes();
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, prk);
    let parts = [&len[..], VERSION_LABEL, suite_id, label, info];
    prk.expand(&parts, Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| CryptoError::Malformed("HPKE expand length"))
}

/// `DeriveKeyPair(ikm)` for DHKEM(X25519, HKDF-SHA256) (RFC 9180 §7.1.3).
pub fn derive_key_pair(ikm: &[u8]) -> Result<RecipientSecretKey> {
    let dkp_prk = labeled_extract(KEM_SUITE_ID, b"", b"dkp_prk", ikm);
    let mut sk = Zeroizing::new([0u8; 32]);
    labeled_expand(KEM_SUITE_ID, &dkp_prk, b"sk", b"", &mut sk[..])?;
    Ok(RecipientSecretKey::from_bytes(&sk))
}

/// `ExtractAndExpand(dh, kem_context)` of DHKEM.
fn extract_and_expand(dh: &[u8; 32], kem_context: &[u8]) -> Result<Zeroizing<[u8; NH]>> {
    let eae_prk = labeled_extract(KEM_SUITE_ID, b"", b"eae_prk", dh);
    let mut shared = Zeroizing::new([0u8; NH]);
    labeled_expand(
        KEM_SUITE_ID,
        &eae_prk,
        b"shared_secret",
        kem_context,
        &mut shared[..],
    )?;
    Ok(shared)
}

fn kem_context(enc: &[u8; ENC_LEN], pk_r: &RecipientPublicKey) -> [u8; 64] {
    let mut ctx = [0u8; 64];
    ctx[..32].copy_from_slice(enc);
    ctx[32..].copy_from_slice(pk_r.as_bytes());
    ctx
}

/// `Encap(pkR)` with a fresh ephemeral key: returns `(shared_secret, enc)`.
///
/// The ephemeral key never needs to be stored, so this uses `ring`'s ephemeral X25519
/// (its assembly is about twice as fast as the portable ladder static keys use); the
/// result is the same function of the key pair, and an all-zero DH output (a small-order
/// `pkR`) is refused as in [`encap_deterministic`].
pub fn encap(pk_r: &RecipientPublicKey) -> Result<(Zeroizing<[u8; 32]>, [u8; ENC_LEN])> {
    use ring::agreement;
    let rng = ring::rand::SystemRandom::new();
    let sk_e = agreement::EphemeralPrivateKey::generate(&agreement::X25519, &rng)
        .map_err(|_| CryptoError::Rng)?;
    let mut enc = [0u8; ENC_LEN];
    enc.copy_from_slice(
        sk_e.compute_public_key()
            .map_err(|_| CryptoError::Rng)?
            .as_ref(),
    );
    let dh = agreement::agree_ephemeral(
        sk_e,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, pk_r.as_bytes()),
        |dh| {
            let mut out = Zeroizing::new([0u8; 32]);
            out.copy_from_slice(dh);
            out
        },
    )
    .map_err(|_| CryptoError::InvalidPublicKey)?;
    let shared = extract_and_expand(&dh, &kem_context(&enc, pk_r))?;
    Ok((shared, enc))
}

/// `Encap(pkR)` with the given ephemeral key. **Test vectors only.**
pub fn encap_deterministic(
    pk_r: &RecipientPublicKey,
    sk_e: &RecipientSecretKey,
) -> Result<(Zeroizing<[u8; 32]>, [u8; ENC_LEN])> {
    let dh = sk_e.diffie_hellman(pk_r)?;
    let enc = *sk_e.public_key().as_bytes();
    let shared = extract_and_expand(&dh, &kem_context(&enc, pk_r))?;
    Ok((shared, enc))
}

/// `Decap(enc, skR)`: returns the shared secret.
pub fn decap(enc: &[u8; ENC_LEN], sk_r: &RecipientSecretKey) -> Result<Zeroizing<[u8; 32]>> {
    let pk_e = RecipientPublicKey::from(*enc);
    let dh = sk_r.diffie_hellman(&pk_e)?;
    extract_and_expand(&dh, &kem_context(enc, &sk_r.public_key()))
}

/// An HPKE encryption context (RFC 9180 §5.2): the AEAD key, base nonce, exporter
/// secret and the sequence number. Secrets are zeroised on drop; `Debug` shows only the
/// sequence number. A sender context only seals and a receiver context only opens, each
/// in order.
pub struct Context {
    key: Zeroizing<[u8; NK]>,
    base_nonce: [u8; NN],
    exporter_secret: Zeroizing<[u8; NH]>,
    seq: u64,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// Intermediate values of the base-mode key schedule, for checking test vectors.
pub(crate) struct Schedule {
    #[cfg_attr(not(test), allow(dead_code))] // read by the test-vector tests
    pub(crate) key_schedule_context: Vec<u8>,
    #[cfg_attr(not(test), allow(dead_code))] // read by the test-vector tests
    pub(crate) secret: Zeroizing<[u8; NH]>,
    pub(crate) context: Context,
}

pub(crate) fn key_schedule_base(shared_secret: &[u8; 32], info: &[u8]) -> Result<Schedule> {
    let psk_id_hash = labeled_extract(HPKE_SUITE_ID, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(HPKE_SUITE_ID, b"", b"info_hash", info);
    let mut ks_context = Vec::with_capacity(1 + 2 * NH);
    ks_context.push(MODE_BASE);
    ks_context.extend_from_slice(&psk_id_hash[..]);
    ks_context.extend_from_slice(&info_hash[..]);
    let secret = labeled_extract(HPKE_SUITE_ID, shared_secret, b"secret", b"");

    let mut key = Zeroizing::new([0u8; NK]);
    labeled_expand(HPKE_SUITE_ID, &secret, b"key", &ks_context, &mut key[..])?;
    let mut base_nonce = [0u8; NN];
    labeled_expand(
        HPKE_SUITE_ID,
        &secret,
        b"base_nonce",
        &ks_context,
        &mut base_nonce,
    )?;
    let mut exporter_secret = Zeroizing::new([0u8; NH]);
    labeled_expand(
        HPKE_SUITE_ID,
        &secret,
        b"exp",
        &ks_context,
        &mut exporter_secret[..],
    )?;
    Ok(Schedule {
        key_schedule_context: ks_context,
        secret,
        context: Context {
            key,
            base_nonce,
            exporter_secret,
            seq: 0,
        },
    })
}

impl Context {
    /// `ComputeNonce(seq)`: the base nonce XOR the big-endian sequence number.
    fn nonce(&self) -> [u8; NN] {
        let mut nonce = self.base_nonce;
        for (n, s) in nonce[NN - 8..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    fn increment(&mut self) -> Result<()> {
        self.seq = self
            .seq
            .checked_add(1)
            .ok_or(CryptoError::MessageLimitReached)?;
        Ok(())
    }

    /// The sequence number of the next message.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Encrypts the next message (sender side).
    pub fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>> {
        if self.seq == u64::MAX {
            return Err(CryptoError::MessageLimitReached);
        }
        let ct = gcm::seal(
            &ring::aead::AES_128_GCM,
            &self.key[..],
            &self.nonce(),
            aad,
            pt,
        )?;
        self.increment()?;
        Ok(ct)
    }

    /// Decrypts the next message (receiver side). The sequence number advances only on
    /// success.
    pub fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if self.seq == u64::MAX {
            return Err(CryptoError::MessageLimitReached);
        }
        let pt = gcm::open(
            &ring::aead::AES_128_GCM,
            &self.key[..],
            &self.nonce(),
            aad,
            ct,
        )?;
        self.increment()?;
        Ok(pt)
    }

    /// Secret export (RFC 9180 §5.3): `LabeledExpand(exporter_secret, "sec", context, len)`,
    /// `len` at most 255 × 32 bytes.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>> {
        if len > 255 * NH {
            return Err(CryptoError::Malformed("HPKE export length over 255*32"));
        }
        let mut out = Zeroizing::new(vec![0u8; len]);
        labeled_expand(
            HPKE_SUITE_ID,
            &self.exporter_secret,
            b"sec",
            exporter_context,
            &mut out[..],
        )?;
        Ok(out)
    }
}

/// `SetupBaseS(pkR, info)` with a fresh ephemeral key: returns `(enc, context)`.
pub fn setup_base_s(pk_r: &RecipientPublicKey, info: &[u8]) -> Result<([u8; ENC_LEN], Context)> {
    let (shared, enc) = encap(pk_r)?;
    Ok((enc, key_schedule_base(&shared, info)?.context))
}

/// `SetupBaseS(pkR, info)` with the given ephemeral key. **Test vectors only.**
pub fn setup_base_s_deterministic(
    pk_r: &RecipientPublicKey,
    info: &[u8],
    sk_e: &RecipientSecretKey,
) -> Result<([u8; ENC_LEN], Context)> {
    let (shared, enc) = encap_deterministic(pk_r, sk_e)?;
    Ok((enc, key_schedule_base(&shared, info)?.context))
}

/// `SetupBaseR(enc, skR, info)`.
pub fn setup_base_r(
    enc: &[u8; ENC_LEN],
    sk_r: &RecipientSecretKey,
    info: &[u8],
) -> Result<Context> {
    let shared = decap(enc, sk_r)?;
    Ok(key_schedule_base(&shared, info)?.context)
}

/// Single-shot `SealBase`: encrypts `pt` to `pk_r`; returns `(enc, ciphertext)`.
pub fn seal(
    pk_r: &RecipientPublicKey,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let (enc, mut ctx) = setup_base_s(pk_r, info)?;
    Ok((enc, ctx.seal(aad, pt)?))
}

/// The result of `Encap(pkR)`: the shared secret and `enc`.
pub type Encapsulated = (Zeroizing<[u8; 32]>, [u8; ENC_LEN]);

/// Single-shot `SealBase` after `Encap` (from [`encap`], or [`encap_deterministic`] for
/// test vectors): returns `(enc, ciphertext)`.
pub fn seal_encapsulated(
    (shared, enc): Encapsulated,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let mut ctx = key_schedule_base(&shared, info)?.context;
    Ok((enc, ctx.seal(aad, pt)?))
}

/// Single-shot `SealBase` with the given ephemeral key. **Test vectors only.**
pub fn seal_deterministic(
    pk_r: &RecipientPublicKey,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    sk_e: &RecipientSecretKey,
) -> Result<([u8; ENC_LEN], Vec<u8>)> {
    let (enc, mut ctx) = setup_base_s_deterministic(pk_r, info, sk_e)?;
    Ok((enc, ctx.seal(aad, pt)?))
}

/// Single-shot `OpenBase`. Fails with [`CryptoError::DecryptFailed`] for a wrong key or
/// altered data, [`CryptoError::InvalidPublicKey`] for a small-order `enc`.
pub fn open(
    sk_r: &RecipientSecretKey,
    enc: &[u8; ENC_LEN],
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    setup_base_r(enc, sk_r, info)?.open(aad, ct)
}

#[cfg(test)]
mod tests {
    //! Key-schedule internals against RFC 9180 A.1.1 (the public API is tested in
    //! `tests/hpke_rfc9180.rs`).
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn a11_key_schedule() {
        let shared: [u8; 32] =
            hex("fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc")
                .try_into()
                .unwrap();
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let s = key_schedule_base(&shared, &info).unwrap();
        assert_eq!(
            s.key_schedule_context,
            hex(concat!(
                "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07",
                "cb6cffde367bb0565ba28bb02c90744a20f5ef37f30523526106f637abb05449"
            ))
        );
        assert_eq!(
            s.secret[..],
            hex("12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397")
        );
        assert_eq!(s.context.key[..], hex("4531685d41d65f03dc48f6b8302c05b0"));
        assert_eq!(s.context.base_nonce[..], hex("56d890e5accaaf011cff4b7d"));
        assert_eq!(
            s.context.exporter_secret[..],
            hex("45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8")
        );
    }

    #[test]
    fn a11_sequence_numbered_nonces() {
        let shared = [0u8; 32];
        let mut ctx = key_schedule_base(&shared, b"").unwrap().context;
        ctx.base_nonce = hex("56d890e5accaaf011cff4b7d").try_into().unwrap();
        for (seq, nonce) in [
            (0, "56d890e5accaaf011cff4b7d"),
            (1, "56d890e5accaaf011cff4b7c"),
            (2, "56d890e5accaaf011cff4b7f"),
            (4, "56d890e5accaaf011cff4b79"),
            (255, "56d890e5accaaf011cff4b82"),
            (256, "56d890e5accaaf011cff4a7d"),
        ] {
            ctx.seq = seq;
            assert_eq!(ctx.nonce().to_vec(), hex(nonce), "seq {seq}");
        }
    }

    #[test]
    fn sequence_exhaustion() {
        let mut ctx = key_schedule_base(&[1; 32], b"").unwrap().context;
        ctx.seq = u64::MAX;
        assert_eq!(ctx.seal(b"", b"x"), Err(CryptoError::MessageLimitReached));
        assert_eq!(
            ctx.open(b"", &[0; 17]).unwrap_err(),
            CryptoError::MessageLimitReached
        );
    }

    #[test]
    fn debug_is_redacted() {
        let ctx = key_schedule_base(&[1; 32], b"").unwrap().context;
        let s = format!("{ctx:?}");
        assert_eq!(s, "Context { seq: 0, .. }");
    }
}
