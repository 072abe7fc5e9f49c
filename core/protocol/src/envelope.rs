//! Envelope wire types: the sealed form of a record, as stored on the device, shipped by
//! sync and kept by the server. The cryptographic construction is in `peerlog-crypto`
//! (`envelope` module, and `docs/adr/0002-record-envelope.md`); this module only
//! defines the shape and the structural limits.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ProtocolError;
use crate::b64;
use crate::canonical::{self, MAX_SAFE_INTEGER};

/// The only envelope format version.
pub const ENVELOPE_VERSION: u8 = 1;
/// At most this many recipients per envelope.
pub const MAX_RECIPIENTS: usize = 16;
/// At most this many ciphertext bytes (content plus the 16-byte tag): 8 MiB.
pub const MAX_CIPHERTEXT_BYTES: usize = 8 * 1024 * 1024;
/// Upper bound on the JSON form of an envelope: 12 MiB. The base64url of a maximal
/// ciphertext is about 10.7 MiB; the rest is a few kilobytes of metadata and wrapped keys.
pub const MAX_ENVELOPE_BYTES: usize = 12 * 1024 * 1024;
/// A wrapped content key: 32-byte key plus the 16-byte AES-128-GCM tag of HPKE.
pub const WRAPPED_KEY_BYTES: usize = 48;
/// Length of a recipient key id (`RecipientPublicKey::key_id` in `peerlog-crypto`).
pub const KEY_ID_LEN: usize = 16;
/// Maximum length of a device id.
pub const MAX_DEVICE_ID_LEN: usize = 64;

/// The collection a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Collection {
    /// Contacts (peer-support conversations).
    Contacts,
    /// Private notes.
    Notes,
    /// Signed confidentiality declarations.
    Declarations,
    /// Period reports.
    Reports,
    /// Expenses.
    Expenses,
    /// "I need to talk": a peer's debrief requests and the chapter's followed-up marks.
    Debriefs,
}

impl Collection {
    /// All collections.
    pub const ALL: [Collection; 6] = [
        Collection::Contacts,
        Collection::Notes,
        Collection::Declarations,
        Collection::Reports,
        Collection::Expenses,
        Collection::Debriefs,
    ];

    /// The wire name, e.g. `"contacts"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Contacts => "contacts",
            Collection::Notes => "notes",
            Collection::Declarations => "declarations",
            Collection::Reports => "reports",
            Collection::Expenses => "expenses",
            Collection::Debriefs => "debriefs",
        }
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Collection {
    type Err = ProtocolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Collection::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ProtocolError::UnknownCollection(s.to_string()))
    }
}

/// The routing metadata of a record. Sent in clear, authenticated as associated data of
/// the content encryption and covered by the author's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMeta {
    /// Record id: a UUID (v7, made on the device) as lower-case hyphenated text.
    pub id: String,
    /// The collection.
    pub collection: Collection,
    /// Version: a hybrid logical clock value, `unix_ms * 1000 + counter` (see [`Hlc`]);
    /// always below 2^53.
    pub version: u64,
    /// Id of the device that wrote this version (1..=64 of `[A-Za-z0-9_-]`).
    pub author_device: String,
    /// Tombstone: this version deletes the record.
    pub deleted: bool,
}

impl RecordMeta {
    /// Checks the structural rules: id is a UUID text, version below 2^53, device id
    /// well-formed.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if !is_uuid_text(&self.id) {
            return Err(ProtocolError::InvalidRecordId);
        }
        if self.version > MAX_SAFE_INTEGER {
            return Err(ProtocolError::VersionOutOfRange(self.version));
        }
        if !is_device_id(&self.author_device) {
            return Err(ProtocolError::InvalidDeviceId);
        }
        Ok(())
    }
}

/// True if `s` is a lower-case hyphenated UUID: 36 characters, `8-4-4-4-12` hex digits.
pub fn is_uuid_text(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// True if `s` is a valid device id: 1..=64 characters of `[A-Za-z0-9_-]`.
pub fn is_device_id(s: &str) -> bool {
    (1..=MAX_DEVICE_ID_LEN).contains(&s.len()) && s.bytes().all(is_b64url_char)
}

fn is_b64url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The content key wrapped (HPKE) for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    /// Key id of the recipient's public key (16 base64url characters).
    pub kid: String,
    /// HPKE encapsulated key (the ephemeral X25519 public key).
    #[serde(with = "b64::array")]
    pub enc: [u8; 32],
    /// HPKE ciphertext of the 32-byte content key (48 bytes with the tag).
    #[serde(with = "b64::bytes")]
    pub wrapped_key: Vec<u8>,
}

/// A sealed record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Format version, always [`ENVELOPE_VERSION`] (1).
    pub v: u8,
    /// Routing metadata (clear, authenticated).
    pub meta: RecordMeta,
    /// AES-256-GCM nonce of the content encryption.
    #[serde(with = "b64::array")]
    pub nonce: [u8; 12],
    /// AES-256-GCM ciphertext of the content, with the 16-byte tag appended.
    #[serde(with = "b64::bytes")]
    pub ciphertext: Vec<u8>,
    /// HMAC-SHA256 commitment to the content key.
    #[serde(with = "b64::array")]
    pub key_commitment: [u8; 32],
    /// The content key wrapped for each recipient (not signed).
    pub recipients: Vec<WrappedKey>,
    /// Ed25519 signature of the author device.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Which members of an envelope its canonical JSON holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members {
    /// The whole envelope: what is stored, sent and hashed.
    All,
    /// Everything but `recipients` and `signature`: what the author signs (ADR 0002).
    Signed,
}

/// An envelope being written as canonical JSON; see [`Envelope::canonical_parts`].
struct CanonicalParts<'a> {
    env: &'a Envelope,
    meta: Vec<u8>,
    /// `None` for [`Members::Signed`].
    recipients: Option<Vec<u8>>,
}

/// Where [`CanonicalParts::write`] puts its pieces: raw JSON text, or bytes to be written
/// as base64url (which needs no escaping).
trait Sink {
    fn raw(&mut self, text: &[u8]);
    fn b64(&mut self, bytes: &[u8]);
}

/// Counts what would be written, without encoding anything.
struct Count(usize);

impl Sink for Count {
    fn raw(&mut self, text: &[u8]) {
        self.0 += text.len();
    }
    fn b64(&mut self, bytes: &[u8]) {
        self.0 += b64::encoded_len(bytes.len());
    }
}

/// Writes to a closure, the base64 streamed in pieces.
struct Out<'f>(&'f mut dyn FnMut(&[u8]));

impl Sink for Out<'_> {
    fn raw(&mut self, text: &[u8]) {
        (self.0)(text);
    }
    fn b64(&mut self, bytes: &[u8]) {
        b64::encode_into(bytes, self.0);
    }
}

impl CanonicalParts<'_> {
    /// RFC 8785 sorts members by their UTF-16 code units; for these ASCII names that is
    /// `ciphertext, key_commitment, meta, nonce, recipients, signature, v`. Only `meta`
    /// and `recipients` (small) went through the general canonicaliser.
    fn write(&self, out: &mut impl Sink) {
        let text = |out: &mut dyn Sink, name: &[u8], bytes: &[u8]| {
            out.raw(name);
            out.raw(b"\"");
            out.b64(bytes);
            out.raw(b"\"");
        };
        let e = self.env;
        text(out, b"{\"ciphertext\":", &e.ciphertext);
        text(out, b",\"key_commitment\":", &e.key_commitment);
        out.raw(b",\"meta\":");
        out.raw(&self.meta);
        text(out, b",\"nonce\":", &e.nonce);
        if let Some(recipients) = &self.recipients {
            out.raw(b",\"recipients\":");
            out.raw(recipients);
            text(out, b",\"signature\":", &e.signature);
        }
        out.raw(b",\"v\":");
        out.raw(e.v.to_string().as_bytes());
        out.raw(b"}");
    }

    /// `prefix` followed by the canonical JSON, in one buffer of the exact size.
    fn to_vec_after(&self, prefix: &[u8]) -> Vec<u8> {
        let mut count = Count(prefix.len());
        self.write(&mut count);
        let mut buf = Vec::with_capacity(count.0);
        buf.extend_from_slice(prefix);
        self.write(&mut Out(&mut |b| buf.extend_from_slice(b)));
        buf
    }
}

impl fmt::Debug for Envelope {
    /// Shows metadata and sizes, not the (large, opaque) ciphertext.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self.recipients.iter().map(|r| r.kid.as_str()).collect();
        f.debug_struct("Envelope")
            .field("v", &self.v)
            .field("meta", &self.meta)
            .field("ciphertext_len", &self.ciphertext.len())
            .field("recipients", &kids)
            .finish_non_exhaustive()
    }
}

impl Envelope {
    /// Checks the structural rules (no cryptography): version 1, well-formed metadata,
    /// 1..=16 recipients with distinct well-formed key ids and 48-byte wrapped keys,
    /// ciphertext between 16 bytes and 8 MiB.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.v != ENVELOPE_VERSION {
            return Err(ProtocolError::UnsupportedVersion(self.v));
        }
        self.meta.validate()?;
        if self.ciphertext.len() > MAX_CIPHERTEXT_BYTES {
            return Err(ProtocolError::CiphertextTooLarge(self.ciphertext.len()));
        }
        if self.ciphertext.len() < 16 {
            return Err(ProtocolError::CiphertextTooShort(self.ciphertext.len()));
        }
        if self.recipients.is_empty() {
            return Err(ProtocolError::NoRecipients);
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(ProtocolError::TooManyRecipients(self.recipients.len()));
        }
        let mut seen = HashSet::with_capacity(self.recipients.len());
        for r in &self.recipients {
            if r.kid.len() != KEY_ID_LEN || !r.kid.bytes().all(is_b64url_char) {
                return Err(ProtocolError::InvalidKeyId);
            }
            if !seen.insert(r.kid.as_str()) {
                return Err(ProtocolError::DuplicateRecipient(r.kid.clone()));
            }
            if r.wrapped_key.len() != WRAPPED_KEY_BYTES {
                return Err(ProtocolError::WrappedKeyLength(r.wrapped_key.len()));
            }
        }
        Ok(())
    }

    /// Validates and serialises the envelope as canonical JSON (RFC 8785), so every
    /// implementation produces the same bytes for the same envelope.
    pub fn to_json_bytes(&self) -> Result<Vec<u8>, ProtocolError> {
        self.canonical_after(Members::All, b"")
    }

    /// Validates the envelope and returns `prefix` followed by the canonical JSON of
    /// `members`, in one buffer of the exact size, the base64 written straight into it
    /// (no JSON tree, no growing copy: a 5 MB receipt's envelope costs its 7 MB once).
    pub fn canonical_after(
        &self,
        members: Members,
        prefix: &[u8],
    ) -> Result<Vec<u8>, ProtocolError> {
        Ok(self.canonical_parts(members)?.to_vec_after(prefix))
    }

    /// Validates the envelope and writes its canonical JSON to `out` in pieces, without
    /// holding it whole (for a hash). The same bytes as [`Envelope::to_json_bytes`].
    pub fn write_canonical(&self, out: &mut dyn FnMut(&[u8])) -> Result<(), ProtocolError> {
        self.canonical_parts(Members::All)?.write(&mut Out(out));
        Ok(())
    }

    fn canonical_parts(&self, members: Members) -> Result<CanonicalParts<'_>, ProtocolError> {
        self.validate()?;
        Ok(CanonicalParts {
            env: self,
            meta: canonical::to_canonical_vec(&self.meta)?,
            recipients: match members {
                Members::All => Some(canonical::to_canonical_vec(&self.recipients)?),
                Members::Signed => None,
            },
        })
    }

    /// Parses and validates an envelope. Rejects input over [`MAX_ENVELOPE_BYTES`] before
    /// parsing, unknown fields, and anything [`Envelope::validate`] rejects. Does not check
    /// any signature (see `peerlog_crypto::envelope::verify_envelope`).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(ProtocolError::EnvelopeTooLarge(bytes.len()));
        }
        let env: Envelope = serde_json::from_slice(bytes)?;
        env.validate()?;
        Ok(env)
    }
}

/// Hybrid logical clock for record versions: `unix_ms * 1000 + counter`.
///
/// Versions from one device strictly increase even when the wall clock stands still or
/// goes backwards; with a sane clock they track real time, so "higher version wins"
/// matches "later edit wins" across devices. Values stay below 2^53 until the year 2255.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hlc;

impl Hlc {
    /// The next version after `last` at wall-clock time `now_ms` (Unix milliseconds):
    /// `max(now_ms * 1000, last + 1)`, saturating at `u64::MAX`.
    pub fn next(last: u64, now_ms: u64) -> u64 {
        now_ms.saturating_mul(1000).max(last.saturating_add(1))
    }

    /// The wall-clock part of a version, in Unix milliseconds.
    pub fn unix_ms(version: u64) -> u64 {
        version / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> RecordMeta {
        RecordMeta {
            id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
            collection: Collection::Notes,
            version: 1_700_000_000_000_000,
            author_device: "dev_1-A".into(),
            deleted: false,
        }
    }

    fn envelope() -> Envelope {
        Envelope {
            v: 1,
            meta: meta(),
            nonce: [1; 12],
            ciphertext: vec![2; 20],
            key_commitment: [3; 32],
            recipients: vec![WrappedKey {
                kid: "AAAAAAAAAAAAAAAA".into(),
                enc: [4; 32],
                wrapped_key: vec![5; 48],
            }],
            signature: [6; 64],
        }
    }

    /// The streamed writer is the general canonicaliser's output, byte for byte, at every
    /// length around base64's 3-byte groups and the writer's 3 KiB pieces, sized exactly;
    /// and serde_json writes the same members.
    #[test]
    fn the_streamed_canonical_form_is_the_general_one() {
        let mut e = envelope();
        e.recipients.push(WrappedKey {
            kid: "BBBBBBBBBBBBBBBB".into(),
            enc: [7; 32],
            wrapped_key: (0..48).collect(),
        });
        for len in [16, 17, 18, 19, 3071, 3072, 3073, 3074, 6144, 9217, 100_000] {
            e.ciphertext = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let general = canonical::to_canonical_vec(&e).unwrap();
            let fast = e.to_json_bytes().unwrap();
            assert_eq!(fast, general, "ciphertext of {len} bytes");
            assert_eq!(fast.capacity(), fast.len(), "sized exactly for {len} bytes");
            let mut streamed = Vec::new();
            e.write_canonical(&mut |b| streamed.extend_from_slice(b))
                .unwrap();
            assert_eq!(streamed, general);
            let via_serde: serde_json::Value = serde_json::from_slice(&general).unwrap();
            assert_eq!(via_serde, serde_json::to_value(&e).unwrap());
        }
        e.ciphertext.clear();
        assert!(e.write_canonical(&mut |_| {}).is_err(), "validated first");
    }

    #[test]
    fn collection_names() {
        for c in Collection::ALL {
            assert_eq!(c.as_str().parse::<Collection>().unwrap(), c);
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(Collection::Declarations.as_str(), "declarations");
        let err = "Notes".parse::<Collection>().unwrap_err();
        assert_eq!(err.code(), "unknown_collection");
        assert!(serde_json::from_str::<Collection>("\"note\"").is_err());
    }

    #[test]
    fn uuid_check() {
        assert!(is_uuid_text("01890a5d-ac96-774b-bcce-b302099a8057"));
        assert!(
            !is_uuid_text("01890A5D-AC96-774B-BCCE-B302099A8057"),
            "upper case"
        );
        assert!(
            !is_uuid_text("01890a5dac96774bbcceb302099a8057"),
            "simple form"
        );
        assert!(
            !is_uuid_text("01890a5d-ac96-774b-bcce-b302099a805"),
            "short"
        );
        assert!(
            !is_uuid_text("01890a5d-ac96-774b-bcce-b302099a8057a"),
            "long"
        );
        assert!(
            !is_uuid_text("01890a5d+ac96-774b-bcce-b302099a8057"),
            "separator"
        );
        assert!(
            !is_uuid_text("01890a5g-ac96-774b-bcce-b302099a8057"),
            "non-hex"
        );
        assert!(
            !is_uuid_text("01890a5d-ac96-774b-bcce-b302099a80é"),
            "non-ascii"
        );
    }

    #[test]
    fn device_id_check() {
        assert!(is_device_id("a"));
        assert!(is_device_id(&"x".repeat(64)));
        assert!(is_device_id("AZaz09_-"));
        assert!(!is_device_id(""));
        assert!(!is_device_id(&"x".repeat(65)));
        assert!(!is_device_id("a b"));
        assert!(!is_device_id("a/b"));
        assert!(!is_device_id("a=b"));
    }

    #[test]
    fn envelope_json_roundtrip_is_canonical() {
        let env = envelope();
        let bytes = env.to_json_bytes().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.starts_with(r#"{"ciphertext":"AgICAgICAgICAgICAgICAgICAgI","key_commitment":"#)
        );
        assert!(text.contains(r#""meta":{"author_device":"dev_1-A","collection":"notes","deleted":false,"id":"01890a5d-ac96-774b-bcce-b302099a8057","version":1700000000000000}"#));
        assert!(text.ends_with(r#","v":1}"#));
        assert_eq!(Envelope::from_json_bytes(&bytes).unwrap(), env);
    }

    #[test]
    fn envelope_limits() {
        let check = |f: &dyn Fn(&mut Envelope), code: &str| {
            let mut e = envelope();
            f(&mut e);
            assert_eq!(e.validate().unwrap_err().code(), code);
            assert_eq!(e.to_json_bytes().unwrap_err().code(), code);
            // Serialise without validation and check the parser refuses it too.
            let raw = serde_json::to_vec(&e).unwrap();
            assert_eq!(Envelope::from_json_bytes(&raw).unwrap_err().code(), code);
        };
        check(&|e| e.v = 2, "unsupported_version");
        check(&|e| e.meta.id = "not-a-uuid".into(), "invalid_record_id");
        check(
            &|e| e.meta.author_device = "a b".into(),
            "invalid_device_id",
        );
        check(
            &|e| e.meta.author_device = String::new(),
            "invalid_device_id",
        );
        check(&|e| e.meta.version = 1 << 53, "version_out_of_range");
        check(&|e| e.recipients.clear(), "no_recipients");
        check(
            &|e| {
                let r = e.recipients[0].clone();
                e.recipients = (0..17)
                    .map(|i| WrappedKey {
                        kid: format!("AAAAAAAAAAAAAA{i:02}"),
                        ..r.clone()
                    })
                    .collect();
            },
            "too_many_recipients",
        );
        check(
            &|e| {
                let r = e.recipients[0].clone();
                e.recipients.push(r);
            },
            "duplicate_recipient",
        );
        check(&|e| e.recipients[0].kid = "short".into(), "invalid_key_id");
        check(
            &|e| e.recipients[0].kid = "AAAAAAAAAAAAAAA=".into(),
            "invalid_key_id",
        );
        check(
            &|e| {
                e.recipients[0].wrapped_key.pop();
            },
            "wrapped_key_length",
        );
        check(&|e| e.ciphertext = vec![0; 15], "ciphertext_too_short");
        check(
            &|e| e.ciphertext = vec![0; MAX_CIPHERTEXT_BYTES + 1],
            "ciphertext_too_large",
        );
        // 16 recipients and a maximal ciphertext are fine.
        let mut e = envelope();
        let r = e.recipients[0].clone();
        e.recipients = (0..16)
            .map(|i| WrappedKey {
                kid: format!("AAAAAAAAAAAAAA{i:02}"),
                ..r.clone()
            })
            .collect();
        e.ciphertext = vec![0; MAX_CIPHERTEXT_BYTES];
        let bytes = e.to_json_bytes().unwrap();
        assert!(bytes.len() <= MAX_ENVELOPE_BYTES);
        assert_eq!(Envelope::from_json_bytes(&bytes).unwrap(), e);
        // Pushed alone, the largest envelope fits the server's body limit, and the request
        // is its stored JSON plus the fixed overhead the client's batching counts.
        let body = serde_json::to_vec(&crate::api::PushRequest {
            records: vec![e.clone(), e],
            head: None,
        })
        .unwrap();
        assert_eq!(
            body.len(),
            2 * bytes.len() + crate::api::push_request_overhead(2)
        );
        assert!(bytes.len() + crate::api::push_request_overhead(1) < crate::api::MAX_BODY_BYTES);
    }

    #[test]
    fn oversized_input_rejected_before_parsing() {
        let junk = vec![b' '; MAX_ENVELOPE_BYTES + 1];
        assert_eq!(
            Envelope::from_json_bytes(&junk).unwrap_err(),
            ProtocolError::EnvelopeTooLarge(MAX_ENVELOPE_BYTES + 1)
        );
    }

    #[test]
    fn unknown_and_missing_fields_rejected() {
        let bytes = envelope().to_json_bytes().unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v["extra"] = serde_json::json!(1);
        let err = Envelope::from_json_bytes(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v["meta"]["colour"] = serde_json::json!("red");
        assert!(Envelope::from_json_bytes(&serde_json::to_vec(&v).unwrap()).is_err());
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v["recipients"][0]["x"] = serde_json::json!("y");
        assert!(Envelope::from_json_bytes(&serde_json::to_vec(&v).unwrap()).is_err());
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v.as_object_mut().unwrap().remove("signature");
        assert!(Envelope::from_json_bytes(&serde_json::to_vec(&v).unwrap()).is_err());
        // A 63-byte signature is a length error, not silently padded.
        let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v["signature"] = serde_json::json!(crate::b64::encode(&[0u8; 63]));
        assert!(Envelope::from_json_bytes(&serde_json::to_vec(&v).unwrap()).is_err());
    }

    #[test]
    fn debug_hides_ciphertext() {
        let s = format!("{:?}", envelope());
        assert!(s.contains("ciphertext_len: 20"), "{s}");
        assert!(!s.contains("[2, 2"), "{s}");
    }

    #[test]
    fn hlc_is_monotonic() {
        // Clock ahead of the last version: wall-clock wins.
        assert_eq!(Hlc::next(0, 1_700_000_000_000), 1_700_000_000_000_000);
        // Same millisecond twice: the counter advances.
        let a = Hlc::next(0, 5);
        let b = Hlc::next(a, 5);
        let c = Hlc::next(b, 5);
        assert_eq!((a, b, c), (5000, 5001, 5002));
        // Clock goes backwards: still strictly increasing.
        assert_eq!(Hlc::next(9_000_123, 3), 9_000_124);
        // Clock jumps forward again.
        assert_eq!(Hlc::next(9_000_124, 10_000), 10_000_000);
        assert_eq!(Hlc::unix_ms(10_000_999), 10_000);
        // Saturates instead of overflowing.
        assert_eq!(Hlc::next(u64::MAX, 0), u64::MAX);
        assert_eq!(Hlc::next(0, u64::MAX), u64::MAX);
        let mut last = 0;
        for now in [10, 10, 9, 11, 11, 0, 12] {
            let next = Hlc::next(last, now);
            assert!(next > last);
            last = next;
        }
    }
}
