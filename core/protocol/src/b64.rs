//! Base64 for the wire: URL-safe alphabet (RFC 4648 §5), **no padding**, everywhere.
//!
//! Decoding is strict: padding, characters outside the URL-safe alphabet and non-zero
//! trailing bits are rejected, so every byte string has exactly one encoding.
//!
//! The [`bytes`](mod@bytes) and [`array`](mod@array) modules are serde helpers for
//! `#[serde(with = "...")]`, so wire structs hold bytes but serialise them as base64url
//! strings:
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Example {
//!     #[serde(with = "peerlog_protocol::b64::array")]
//!     nonce: [u8; 12],
//!     #[serde(with = "peerlog_protocol::b64::bytes")]
//!     data: Vec<u8>,
//! }
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A base64url decoding error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum B64Error {
    /// Not valid unpadded base64url.
    #[error("invalid base64url (URL-safe alphabet, no padding expected)")]
    Invalid,
    /// Valid base64url, but the decoded bytes have the wrong length.
    #[error("base64url value has {actual} bytes, expected {expected}")]
    WrongLength {
        /// Expected number of bytes.
        expected: usize,
        /// Number of bytes decoded.
        actual: usize,
    },
}

impl B64Error {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            B64Error::Invalid => "base64_invalid",
            B64Error::WrongLength { .. } => "base64_wrong_length",
        }
    }
}

/// Encodes bytes as unpadded base64url.
pub fn encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Writes the unpadded base64url of `data` to `out` in pieces of at most 4 KiB, so a
/// large value (a receipt's ciphertext) is never held twice as text.
pub fn encode_into(data: &[u8], out: &mut dyn FnMut(&[u8])) {
    // A multiple of 3 bytes encodes without padding and continues seamlessly.
    const IN: usize = 3 * 1024;
    let mut buf = [0u8; 4 * 1024];
    for chunk in data.chunks(IN) {
        // `buf` holds the base64 of any chunk of at most `IN` bytes.
        let n = URL_SAFE_NO_PAD
            .encode_slice(chunk, &mut buf)
            .unwrap_or_default();
        out(&buf[..n]);
    }
}

/// The length of the unpadded base64url of `n` bytes.
pub fn encoded_len(n: usize) -> usize {
    n / 3 * 4 + [0, 2, 3][n % 3]
}

/// Decodes unpadded base64url.
pub fn decode(s: &str) -> Result<Vec<u8>, B64Error> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| B64Error::Invalid)
}

/// Decodes unpadded base64url into exactly `N` bytes.
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], B64Error> {
    // Cheap length check before decoding: unpadded base64 of N bytes has ceil(4N/3) chars.
    let expected_chars = (N * 4).div_ceil(3);
    if s.len() != expected_chars {
        // Report the real decoded length where possible, for a clearer message.
        let actual = decode(s)?.len();
        return Err(B64Error::WrongLength {
            expected: N,
            actual,
        });
    }
    let mut out = [0u8; N];
    let n = URL_SAFE_NO_PAD
        .decode_slice(s, &mut out)
        .map_err(|_| B64Error::Invalid)?;
    if n != N {
        return Err(B64Error::WrongLength {
            expected: N,
            actual: n,
        });
    }
    Ok(out)
}

struct StrVisitor<F>(F, &'static str);

impl<T, F> serde::de::Visitor<'_> for StrVisitor<F>
where
    F: FnOnce(&str) -> Result<T, B64Error>,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }
}

/// Serde helper: `Vec<u8>` (or any `AsRef<[u8]>` when serialising) as a base64url string.
pub mod bytes {
    use super::{StrVisitor, decode};
    use serde::{Deserializer, Serializer};

    /// Serialises bytes as an unpadded base64url string (streamed into a JSON writer, not
    /// built as a string first).
    pub fn serialize<S: Serializer, T: AsRef<[u8]> + ?Sized>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_str(&base64::display::Base64Display::new(
            v.as_ref(),
            &super::URL_SAFE_NO_PAD,
        ))
    }

    /// Deserialises an unpadded base64url string into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_str(StrVisitor(decode, "an unpadded base64url string"))
    }
}

/// Serde helper: `[u8; N]` as a base64url string; a wrong decoded length is an error.
pub mod array {
    use super::{StrVisitor, decode_array, encode};
    use serde::{Deserializer, Serializer};

    /// Serialises a byte array as an unpadded base64url string.
    pub fn serialize<S: Serializer, const N: usize>(v: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v))
    }

    /// Deserialises an unpadded base64url string of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        d.deserialize_str(StrVisitor(
            decode_array::<N>,
            "an unpadded base64url string of a fixed-length byte array",
        ))
    }
}

/// Serde helper: `Option<[u8; N]>` as a base64url string or `null`.
pub mod option_array {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises `Some` as an unpadded base64url string, `None` as `null`.
    pub fn serialize<S: Serializer, const N: usize>(
        v: &Option<[u8; N]>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::array::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Deserialises `null` or an unpadded base64url string of exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<Option<[u8; N]>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap<const M: usize>(#[serde(with = "super::array")] [u8; M]);
        Ok(Option::<Wrap<N>>::deserialize(d)?.map(|Wrap(v)| v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[test]
    fn encode_is_url_safe_without_padding() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn decode_is_strict() {
        assert_eq!(decode("Zm8").unwrap(), b"fo");
        assert_eq!(decode("-_-_").unwrap(), vec![0xfb, 0xff, 0xbf]);
        assert_eq!(decode("Zm8="), Err(B64Error::Invalid), "padding");
        assert_eq!(decode("+/+/"), Err(B64Error::Invalid), "standard alphabet");
        assert_eq!(
            decode("Zm9"),
            Err(B64Error::Invalid),
            "non-zero trailing bits"
        );
        assert_eq!(decode("Z"), Err(B64Error::Invalid), "impossible length");
        assert_eq!(decode("Zm 8"), Err(B64Error::Invalid), "whitespace");
    }

    #[test]
    fn decode_array_checks_length() {
        let a: [u8; 3] = decode_array("Zm9v").unwrap();
        assert_eq!(&a, b"foo");
        assert_eq!(
            decode_array::<4>("Zm9v"),
            Err(B64Error::WrongLength {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(
            decode_array::<2>("Zm9v"),
            Err(B64Error::WrongLength {
                expected: 2,
                actual: 3
            })
        );
        assert_eq!(decode_array::<2>("Zm9"), Err(B64Error::Invalid));
        let k = [7u8; 32];
        assert_eq!(decode_array::<32>(&encode(&k)).unwrap(), k);
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct W {
        #[serde(with = "super::array")]
        a: [u8; 4],
        #[serde(with = "super::bytes")]
        b: Vec<u8>,
    }

    #[test]
    fn serde_helpers_roundtrip() {
        let w = W {
            a: [1, 2, 3, 4],
            b: vec![0xff; 5],
        };
        let s = serde_json::to_string(&w).unwrap();
        assert_eq!(s, r#"{"a":"AQIDBA","b":"______8"}"#);
        assert_eq!(serde_json::from_str::<W>(&s).unwrap(), w);
        // Escaped JSON strings (not borrowable) decode too.
        let escaped = r#"{"a":"AQID\u0042A","b":""}"#;
        assert_eq!(serde_json::from_str::<W>(escaped).unwrap().a, [1, 2, 3, 4]);
    }

    #[test]
    fn serde_helpers_reject_wrong_length_and_type() {
        let err = serde_json::from_str::<W>(r#"{"a":"AQID","b":""}"#).unwrap_err();
        assert!(err.to_string().contains("expected 4"), "{err}");
        assert!(serde_json::from_str::<W>(r#"{"a":"AQIDBA","b":"Zm8="}"#).is_err());
        assert!(serde_json::from_str::<W>(r#"{"a":[1,2,3,4],"b":""}"#).is_err());
    }
}
