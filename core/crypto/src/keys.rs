//! Device signing keys (Ed25519) and recipient keys (X25519).

use std::fmt;

use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use serde::{Deserialize, Serialize};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::{random_bytes, sha256};
use peerlog_protocol::{b64, canonical};

/// Prefix of every signed document: `"peerlog/v1/" + domain + "\0" + JCS(doc)`.
const DOCUMENT_PREFIX: &[u8] = b"peerlog/v1/";
const MAX_DOMAIN_LEN: usize = 64;

/// The exact bytes signed by [`DeviceSigningKey::sign_document`]:
/// `b"peerlog/v1/" + domain + b"\0" + JCS(doc)`.
///
/// `domain` separates document kinds so a signature over one kind can never be replayed
/// as another; it must be 1..=64 characters of `[a-z0-9._/-]`.
pub fn document_message<T: Serialize + ?Sized>(domain: &str, doc: &T) -> Result<Vec<u8>> {
    let body = canonical::to_canonical_vec(doc)?;
    let mut msg = document_prefix(domain, body.len())?;
    msg.extend_from_slice(&body);
    Ok(msg)
}

/// `b"peerlog/v1/" + domain + b"\0"`, with room for a body of `body_len` bytes after it.
pub(crate) fn document_prefix(domain: &str, body_len: usize) -> Result<Vec<u8>> {
    let valid = (1..=MAX_DOMAIN_LEN).contains(&domain.len())
        && domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b));
    if !valid {
        return Err(CryptoError::Malformed(
            "signature domain must be 1-64 characters of a-z 0-9 . _ / -",
        ));
    }
    let mut msg = Vec::with_capacity(DOCUMENT_PREFIX.len() + domain.len() + 1 + body_len);
    msg.extend_from_slice(DOCUMENT_PREFIX);
    msg.extend_from_slice(domain.as_bytes());
    msg.push(0);
    Ok(msg)
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

fn array32(bytes: &[u8], what: &'static str) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| CryptoError::Malformed(what))
}

/// A device's Ed25519 signing key. It never leaves the device (only its seed is stored,
/// through the platform's secret store).
///
/// The 32-byte seed is zeroised on drop and never shown by `Debug`. Note: `ring` keeps
/// its own expanded form of the key inside `Ed25519KeyPair`, which it does not wipe on
/// drop; that copy lives exactly as long as this value.
pub struct DeviceSigningKey {
    seed: Zeroizing<[u8; 32]>,
    pair: Ed25519KeyPair,
    public: DevicePublicKey,
}

impl DeviceSigningKey {
    /// A new random key.
    pub fn generate() -> Result<Self> {
        let seed = Zeroizing::new(random_bytes::<32>()?);
        Self::from_seed(&seed)
    }

    /// The key for a 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| CryptoError::Malformed("Ed25519 seed"))?;
        let public = DevicePublicKey(array32(pair.public_key().as_ref(), "Ed25519 public key")?);
        Ok(Self {
            seed: Zeroizing::new(*seed),
            pair,
            public,
        })
    }

    /// The seed, for storing in the platform secret store.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(*self.seed)
    }

    /// The public key.
    pub fn public_key(&self) -> DevicePublicKey {
        self.public.clone()
    }

    /// The device id: see [`DevicePublicKey::device_id`].
    pub fn device_id(&self) -> String {
        self.public.device_id()
    }

    /// Signs raw bytes (Ed25519, RFC 8032). Prefer [`DeviceSigningKey::sign_document`],
    /// which adds domain separation.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let sig = self.pair.sign(msg);
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        out
    }

    /// Signs `b"peerlog/v1/" + domain + b"\0" + JCS(doc)` (see [`document_message`]).
    pub fn sign_document<T: Serialize + ?Sized>(&self, domain: &str, doc: &T) -> Result<[u8; 64]> {
        Ok(self.sign(&document_message(domain, doc)?))
    }
}

impl fmt::Debug for DeviceSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSigningKey")
            .field("device_id", &self.device_id())
            .field("seed", &"<redacted>")
            .finish()
    }
}

/// A device's Ed25519 public key. Serialises as unpadded base64url.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DevicePublicKey(#[serde(with = "peerlog_protocol::b64::array")] [u8; 32]);

impl DevicePublicKey {
    /// From 32 raw bytes. (Whether the bytes are a valid curve point shows at
    /// verification, which fails for an invalid key.)
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(Self(array32(bytes, "Ed25519 public key must be 32 bytes")?))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Unpadded base64url of the key.
    pub fn to_b64(&self) -> String {
        b64::encode(&self.0)
    }

    /// From unpadded base64url.
    pub fn from_b64(s: &str) -> Result<Self> {
        b64::decode_array::<32>(s).map(Self).map_err(|_| {
            CryptoError::Malformed("Ed25519 public key: expected 32 bytes of base64url")
        })
    }

    /// Verifies an Ed25519 signature over raw bytes.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(msg, sig)
            .map_err(|_| CryptoError::BadSignature)
    }

    /// Verifies a signature made by [`DeviceSigningKey::sign_document`].
    pub fn verify_document<T: Serialize + ?Sized>(
        &self,
        domain: &str,
        doc: &T,
        sig: &[u8],
    ) -> Result<()> {
        self.verify(&document_message(domain, doc)?, sig)
    }

    /// The device id: unpadded base64url of the first 16 bytes of SHA-256(public key),
    /// 22 characters.
    pub fn device_id(&self) -> String {
        b64::encode(&sha256(&self.0)[..16])
    }
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePublicKey({})", self.to_b64())
    }
}

impl From<[u8; 32]> for DevicePublicKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

/// An X25519 static secret key that records are wrapped to: the peer key (shared by a
/// peer's devices) or the chapter key (the coordinator's). Zeroised on drop; `Debug`
/// shows only the key id.
#[derive(Clone)]
pub struct RecipientSecretKey {
    secret: StaticSecret,
    public: RecipientPublicKey,
}

impl RecipientSecretKey {
    /// A new random key.
    pub fn generate() -> Result<Self> {
        let bytes = Zeroizing::new(random_bytes::<32>()?);
        Ok(Self::from_bytes(&bytes))
    }

    /// The key with these 32 secret bytes (X25519 clamping happens at use).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let secret = StaticSecret::from(*bytes);
        let public = RecipientPublicKey(x25519_dalek::PublicKey::from(&secret).to_bytes());
        Self { secret, public }
    }

    /// The 32 secret bytes, for the platform secret store or a recovery backup.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// The public key.
    pub fn public_key(&self) -> RecipientPublicKey {
        self.public.clone()
    }

    /// X25519 with a peer public key; fails if the result is all zero (a small-order
    /// public key), as RFC 9180 §7.1.4 requires.
    pub(crate) fn diffie_hellman(&self, pk: &RecipientPublicKey) -> Result<Zeroizing<[u8; 32]>> {
        let shared = self
            .secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(pk.0));
        if !shared.was_contributory() {
            return Err(CryptoError::InvalidPublicKey);
        }
        Ok(Zeroizing::new(shared.to_bytes()))
    }
}

impl fmt::Debug for RecipientSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecipientSecretKey")
            .field("kid", &self.public.key_id())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// An X25519 public key that records can be wrapped to. Serialises as unpadded base64url.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecipientPublicKey(#[serde(with = "peerlog_protocol::b64::array")] [u8; 32]);

impl RecipientPublicKey {
    /// From 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(Self(array32(bytes, "X25519 public key must be 32 bytes")?))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Unpadded base64url of the key.
    pub fn to_b64(&self) -> String {
        b64::encode(&self.0)
    }

    /// From unpadded base64url.
    pub fn from_b64(s: &str) -> Result<Self> {
        b64::decode_array::<32>(s).map(Self).map_err(|_| {
            CryptoError::Malformed("X25519 public key: expected 32 bytes of base64url")
        })
    }

    /// Key id, as used in envelopes: unpadded base64url of the first 12 bytes of
    /// SHA-256(public key), 16 characters.
    pub fn key_id(&self) -> String {
        b64::encode(&sha256(&self.0)[..12])
    }

    /// Fingerprint for people to compare (e.g. the chapter key in an invitation): the
    /// first 16 bytes of SHA-256(public key) as lower-case hex in 8 groups of 4,
    /// e.g. `"a1b2-c3d4-e5f6-0718-293a-4b5c-6d7e-8f90"`.
    pub fn fingerprint(&self) -> String {
        fingerprint_hex(&sha256(&self.0)[..16])
    }
}

/// Lower-case hex in groups of 4 separated by `-`.
pub(crate) fn fingerprint_hex(bytes: &[u8]) -> String {
    let hex = to_hex(bytes);
    let groups: Vec<&str> = hex
        .as_bytes()
        .chunks(4)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    groups.join("-")
}

impl fmt::Debug for RecipientPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientPublicKey({})", self.to_b64())
    }
}

impl From<[u8; 32]> for RecipientPublicKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_domains() {
        assert!(document_message("declaration-signature", &1).is_ok());
        assert!(document_message("period-report", &1).is_ok());
        assert!(document_message("a/b.c_d", &1).is_ok());
        for bad in ["", "Upper", "nul\0", "space x", "ø", &"x".repeat(65)] {
            assert_eq!(
                document_message(bad, &1).unwrap_err().code(),
                "malformed",
                "{bad:?}"
            );
        }
        let m = document_message("d", &serde_json::json!({"b": 1, "a": "x"})).unwrap();
        assert_eq!(m, b"peerlog/v1/d\0{\"a\":\"x\",\"b\":1}");
        // A float in a document is an error, not silently signed.
        assert_eq!(
            document_message("d", &0.5f64).unwrap_err().code(),
            "canonical_non_integer"
        );
    }

    #[test]
    fn sign_document_roundtrip() {
        let k = DeviceSigningKey::generate().unwrap();
        let doc = serde_json::json!({"n": 1});
        let sig = k.sign_document("test", &doc).unwrap();
        let pk = k.public_key();
        pk.verify_document("test", &doc, &sig).unwrap();
        assert_eq!(
            pk.verify_document("other", &doc, &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            pk.verify_document("test", &serde_json::json!({"n": 2}), &sig),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(pk.verify(b"x", &sig[..63]), Err(CryptoError::BadSignature));
    }

    #[test]
    fn ids_and_encodings() {
        let k = DeviceSigningKey::from_seed(&[7; 32]).unwrap();
        let pk = k.public_key();
        assert_eq!(k.device_id().len(), 22);
        assert_eq!(k.device_id(), pk.device_id());
        assert!(peerlog_protocol::is_device_id(&k.device_id()));
        assert_eq!(DevicePublicKey::from_b64(&pk.to_b64()).unwrap(), pk);
        assert_eq!(DevicePublicKey::from_bytes(pk.as_bytes()).unwrap(), pk);
        assert!(DevicePublicKey::from_bytes(&[0; 31]).is_err());
        assert!(DevicePublicKey::from_b64("AAAA").is_err());
        let json = serde_json::to_string(&pk).unwrap();
        assert_eq!(json, format!("\"{}\"", pk.to_b64()));
        assert_eq!(serde_json::from_str::<DevicePublicKey>(&json).unwrap(), pk);

        let r = RecipientSecretKey::from_bytes(&[9; 32]);
        let rp = r.public_key();
        assert_eq!(rp.key_id().len(), 16);
        let fp = rp.fingerprint();
        assert_eq!(fp.len(), 39);
        assert_eq!(fp.split('-').count(), 8);
        assert!(fp.split('-').all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }));
        assert_eq!(&fp[..4], &to_hex(&sha256(rp.as_bytes())[..2]));
        assert_eq!(RecipientPublicKey::from_b64(&rp.to_b64()).unwrap(), rp);
        assert!(RecipientPublicKey::from_bytes(&[0; 33]).is_err());
        assert_eq!(*r.to_bytes(), [9; 32]);
        let json = serde_json::to_string(&rp).unwrap();
        assert_eq!(
            serde_json::from_str::<RecipientPublicKey>(&json).unwrap(),
            rp
        );
    }

    #[test]
    fn x25519_rfc7748_section_6_1() {
        // RFC 7748 §6.1 Diffie-Hellman test.
        let hex32 = |s: &str| -> [u8; 32] {
            let v: Vec<u8> = (0..32)
                .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            v.try_into().unwrap()
        };
        let alice = RecipientSecretKey::from_bytes(&hex32(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob = RecipientSecretKey::from_bytes(&hex32(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        ));
        assert_eq!(
            alice.public_key().as_bytes(),
            &hex32("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            bob.public_key().as_bytes(),
            &hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let k = hex32("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(*alice.diffie_hellman(&bob.public_key()).unwrap(), k);
        assert_eq!(*bob.diffie_hellman(&alice.public_key()).unwrap(), k);
        // A small-order point gives an all-zero secret, which is refused.
        assert_eq!(
            alice.diffie_hellman(&RecipientPublicKey::from([0; 32])),
            Err(CryptoError::InvalidPublicKey)
        );
    }

    #[test]
    fn debug_is_redacted() {
        let seed = [0xabu8; 32];
        let k = DeviceSigningKey::from_seed(&seed).unwrap();
        let r = RecipientSecretKey::from_bytes(&[0xcd; 32]);
        for (s, byte) in [(format!("{k:?}"), 0xabu8), (format!("{r:?}"), 0xcd)] {
            assert!(s.contains("<redacted>"), "{s}");
            assert!(!s.contains(&b64::encode(&[byte; 32])), "{s}");
            assert!(!s.contains(&b64::encode(&[byte; 3])), "{s}");
            assert!(!s.contains(&format!("{byte}, {byte}")), "{s}");
            assert!(!s.contains(&format!("{byte:02x}{byte:02x}")), "{s}");
        }
    }
}
