//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Every signature and every piece of associated data in Peerlog is computed over the
//! canonical form of a JSON document, so that the phone core, the server and any other
//! implementation derive exactly the same bytes from the same value:
//!
//! - object members are sorted by the UTF-16 code units of their keys;
//! - no insignificant whitespace;
//! - strings are escaped as JCS requires: only `"` and `\` and the control characters
//!   U+0000..U+001F are escaped, with the short forms `\b \f \n \r \t` and `\u00xx`
//!   (lower-case hex) for the other controls; everything else is written as raw UTF-8;
//! - numbers: **Peerlog formats never use floating point** (amounts are integer minor
//!   units, versions are integers below 2^53). Integers are written exactly; only
//!   integers within ±(2^53 − 1) (the range where JSON numbers are exact in every
//!   implementation) are accepted. Every floating-point number — fractional or not,
//!   NaN, infinity, `2.0`, `1e3` — is rejected with an error, so a float can never sneak
//!   into a signed structure, not even when its value happens to be integral.

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Largest integer magnitude accepted in canonical JSON: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// A floating-point number: Peerlog formats use integers only.
    #[error("canonical JSON: floating-point number {0} (Peerlog formats use integers only)")]
    NonInteger(String),
    /// An integer outside ±(2^53 − 1).
    #[error("canonical JSON: integer {0} is outside ±(2^53 - 1)")]
    IntegerOutOfRange(String),
    /// The value could not be turned into JSON (e.g. a map with non-string keys).
    #[error("canonical JSON: cannot serialise value: {0}")]
    Serialize(String),
}

impl CanonicalError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CanonicalError::NonInteger(_) => "canonical_non_integer",
            CanonicalError::IntegerOutOfRange(_) => "canonical_integer_out_of_range",
            CanonicalError::Serialize(_) => "canonical_serialize",
        }
    }
}

/// Serialises `v` with serde and returns its RFC 8785 canonical form.
///
/// Unlike `serde_json::to_value`, NaN and infinities are errors, not `null`.
pub fn to_canonical_vec<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, CanonicalError> {
    let value = crate::value_ser::to_value(v)?;
    canonicalize(&value)
}

/// Returns the RFC 8785 canonical form of a JSON value.
pub fn canonicalize(v: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, v)?;
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, v: &Value) -> Result<(), CanonicalError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map)?,
    }
    Ok(())
}

fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>) -> Result<(), CanonicalError> {
    // Sort by UTF-16 code units (RFC 8785 §3.2.3). This differs from UTF-8 byte order
    // for characters above U+FFFF versus U+E000..U+FFFF.
    let mut members: Vec<(Vec<u16>, &String, &Value)> = map
        .iter()
        .map(|(k, v)| (k.encode_utf16().collect(), k, v))
        .collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    for (i, (_, k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, k);
        out.push(b':');
        write_value(out, v)?;
    }
    out.push(b'}');
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), CanonicalError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(CanonicalError::IntegerOutOfRange(n.to_string()));
        }
        out.extend_from_slice(u.to_string().as_bytes());
        return Ok(());
    }
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(CanonicalError::IntegerOutOfRange(n.to_string()));
        }
        out.extend_from_slice(i.to_string().as_bytes());
        return Ok(());
    }
    // Not an i64/u64: a float (parsed with a fraction or exponent, or out of integer range).
    match n.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() > MAX_SAFE_INTEGER as f64 => {
            Err(CanonicalError::IntegerOutOfRange(n.to_string()))
        }
        _ => Err(CanonicalError::NonInteger(n.to_string())),
    }
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            _ => None,
        };
        if short.is_none() && b >= 0x20 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match short {
            Some(esc) => out.extend_from_slice(esc),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0x0f)],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon_str(v: &Value) -> String {
        String::from_utf8(canonicalize(v).unwrap()).unwrap()
    }

    #[test]
    fn rfc8785_sorting_example() {
        // RFC 8785 §3.2.3: keys sorted by UTF-16 code units, including a surrogate pair
        // (U+1F600) that sorts *before* U+FB33 in UTF-16 but after it in UTF-8.
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let v: Value = serde_json::from_str(input).unwrap();
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canon_str(&v), expected);
    }

    #[test]
    fn utf16_order_differs_from_utf8_order() {
        // In UTF-8, U+FB33 (EF AC B3) < U+1F600 (F0 9F 98 80); in UTF-16 it is the reverse.
        let v = json!({"\u{fb33}": 1, "\u{1f600}": 2});
        assert_eq!(canon_str(&v), "{\"\u{1f600}\":2,\"\u{fb33}\":1}");
    }

    #[test]
    fn string_escaping() {
        let v = json!("quote\" backslash\\ slash/ \u{8}\u{c}\n\r\t \u{0}\u{1f}\u{7f} é \u{2028}");
        assert_eq!(
            canon_str(&v),
            "\"quote\\\" backslash\\\\ slash/ \\b\\f\\n\\r\\t \\u0000\\u001f\u{7f} é \u{2028}\""
        );
        // RFC 8785 §3.2.2.2 example string.
        let v: Value =
            serde_json::from_str(r#""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#).unwrap();
        assert_eq!(canon_str(&v), "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    }

    #[test]
    fn nested_objects_and_arrays() {
        let v = json!({
            "b": [3, {"z": null, "a": [true, false]}, "x"],
            "a": {"d": -5, "c": {}, "b": []},
            "": 0
        });
        assert_eq!(
            canon_str(&v),
            r#"{"":0,"a":{"b":[],"c":{},"d":-5},"b":[3,{"a":[true,false],"z":null},"x"]}"#
        );
    }

    #[test]
    fn integers_exact_and_bounded() {
        let max = MAX_SAFE_INTEGER;
        assert_eq!(canon_str(&json!(max)), "9007199254740991");
        assert_eq!(canon_str(&json!(-(max as i64))), "-9007199254740991");
        assert_eq!(canon_str(&json!(0)), "0");
        assert_eq!(
            canonicalize(&json!(max + 1)),
            Err(CanonicalError::IntegerOutOfRange("9007199254740992".into()))
        );
        assert!(matches!(
            canonicalize(&json!(-(max as i64) - 1)),
            Err(CanonicalError::IntegerOutOfRange(_))
        ));
        assert!(matches!(
            canonicalize(&json!(u64::MAX)),
            Err(CanonicalError::IntegerOutOfRange(_))
        ));
    }

    #[test]
    fn floats_rejected() {
        for input in ["1.5", "-0.25", "1e-7", "[1, 2.5]", r#"{"a": {"b": 3.14}}"#] {
            let v: Value = serde_json::from_str(input).unwrap();
            let err = canonicalize(&v).unwrap_err();
            assert!(
                matches!(err, CanonicalError::NonInteger(_)),
                "{input}: {err:?}"
            );
            assert_eq!(err.code(), "canonical_non_integer");
        }
        // Out-of-range magnitudes that only fit in a float.
        for input in ["1e300", "18446744073709551616", "-1e16"] {
            let v: Value = serde_json::from_str(input).unwrap();
            assert!(
                matches!(canonicalize(&v), Err(CanonicalError::IntegerOutOfRange(_))),
                "{input}"
            );
        }
        // Serialising a struct with an f64 field fails too.
        #[derive(Serialize)]
        struct S {
            x: f64,
        }
        assert!(to_canonical_vec(&S { x: 0.1 }).is_err());
        assert!(to_canonical_vec(&S { x: f64::NAN }).is_err());
    }

    #[test]
    fn integral_floats_rejected_too() {
        for input in ["2.0", "-0.0", "1e3", "[0.0]"] {
            let v: Value = serde_json::from_str(input).unwrap();
            assert!(
                matches!(canonicalize(&v), Err(CanonicalError::NonInteger(_))),
                "{input}"
            );
        }
        #[derive(Serialize)]
        struct S {
            x: f32,
        }
        assert!(to_canonical_vec(&S { x: 2.0 }).is_err());
    }

    #[test]
    fn struct_fields_are_sorted() {
        #[derive(Serialize)]
        struct S<'a> {
            zeta: u32,
            alpha: &'a str,
            mid: Option<bool>,
        }
        let out = to_canonical_vec(&S {
            zeta: 1,
            alpha: "x",
            mid: None,
        })
        .unwrap();
        assert_eq!(out, br#"{"alpha":"x","mid":null,"zeta":1}"#);
    }

    #[test]
    fn non_string_map_keys_rejected() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1u8], 1u8);
        let err = to_canonical_vec(&m).unwrap_err();
        assert_eq!(err.code(), "canonical_serialize");
    }
}
