//! Recovery code and wrapping of secrets under it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use peerlog_crypto::CryptoError;
use peerlog_crypto::recovery::{
    KdfParams, RecoveryCode, WrappedSecret, unwrap_secret, wrap_secret,
};

const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CHECK_EXTRA: &str = "*~$=U";
const CONTEXT: &str = "peerlog/v1/backup-peer-key";
/// Small parameters keep the tests fast; one test uses the defaults.
const SMALL: KdfParams = KdfParams {
    m_kib: 64,
    t: 1,
    p: 1,
};

fn compact(display: &str) -> String {
    display.replace('-', "")
}

#[test]
fn display_format_and_roundtrip() {
    for _ in 0..200 {
        let code = RecoveryCode::generate().unwrap();
        let shown = code.display();
        assert_eq!(shown.len(), 29, "{shown}");
        let groups: Vec<&str> = shown.split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|g| g.len() == 5));
        let c = compact(&shown);
        assert!(c[..24].chars().all(|ch| ALPHABET.contains(ch)), "{shown}");
        let check = c.chars().last().unwrap();
        assert!(
            ALPHABET.contains(check) || CHECK_EXTRA.contains(check),
            "{shown}"
        );
        assert_eq!(RecoveryCode::parse(&shown).unwrap().display(), shown);
    }
    // Random codes differ.
    assert_ne!(
        RecoveryCode::generate().unwrap().display(),
        RecoveryCode::generate().unwrap().display()
    );
}

#[test]
fn known_code() {
    let bytes: [u8; 15] = core::array::from_fn(|i| i as u8 * 17);
    let code = RecoveryCode::from_bytes(&bytes);
    // 0x00112233445566778899aabbccddee in base32 digits, then value mod 37.
    let value = bytes.iter().fold(0u128, |a, &b| (a << 8) | u128::from(b));
    let mut expected: String = (0..24)
        .map(|i| ALPHABET.as_bytes()[((value >> (5 * (23 - i))) & 31) as usize] as char)
        .collect();
    let checks = format!("{ALPHABET}{CHECK_EXTRA}");
    expected.push(checks.as_bytes()[(value % 37) as usize] as char);
    assert_eq!(compact(&code.display()), expected);
}

#[test]
fn parse_is_forgiving() {
    // A code whose display has 0s and 1s: all-zero bytes but one.
    let mut bytes = [0u8; 15];
    bytes[14] = 0x21; // digits "11", check 33 % 37 = '~'
    let code = RecoveryCode::from_bytes(&bytes);
    let shown = code.display();
    assert_eq!(shown, "00000-00000-00000-00000-0011~");
    for typed in [
        "00000-00000-00000-00000-0011~",
        concat!("0000000000000000000000", "11~"), // 22 zeros
        " 00000 00000 00000 00000 0011~ ",
        "ooooo-OOOOO-00000-00000-0oIl~",
        "00000-00000-00000-00000-00iL~",
        "00000--00000-00000-00000-0011~\n",
    ] {
        assert_eq!(
            RecoveryCode::parse(typed).unwrap().display(),
            shown,
            "{typed:?}"
        );
    }
    let code = RecoveryCode::generate().unwrap();
    let lower = code.display().to_lowercase();
    assert_eq!(
        RecoveryCode::parse(&lower).unwrap().display(),
        code.display()
    );
}

#[test]
fn every_single_character_typo_is_caught() {
    for _ in 0..4 {
        let code = RecoveryCode::generate().unwrap();
        let c: Vec<char> = compact(&code.display()).chars().collect();
        for pos in 0..25 {
            let options: String = if pos == 24 {
                format!("{ALPHABET}{CHECK_EXTRA}")
            } else {
                ALPHABET.to_string()
            };
            for alt in options.chars().filter(|&a| a != c[pos]) {
                let mut typed = c.clone();
                typed[pos] = alt;
                let typed: String = typed.into_iter().collect();
                assert_eq!(
                    RecoveryCode::parse(&typed).unwrap_err(),
                    CryptoError::RecoveryCodeTypo,
                    "{typed}"
                );
            }
        }
        // Swapped neighbours among the data characters.
        for pos in 0..23 {
            if c[pos] == c[pos + 1] {
                continue;
            }
            let mut typed = c.clone();
            typed.swap(pos, pos + 1);
            let typed: String = typed.into_iter().collect();
            assert_eq!(
                RecoveryCode::parse(&typed).unwrap_err(),
                CryptoError::RecoveryCodeTypo,
                "{typed}"
            );
        }
    }
}

#[test]
fn malformed_codes() {
    let shown = RecoveryCode::generate().unwrap().display();
    let c = compact(&shown);
    for bad in [
        String::new(),
        c[..24].to_string(),
        format!("{c}0"),
        format!("U{}", &c[1..]), // U only as a check symbol
        format!("*{}", &c[1..]), // likewise
        format!("!{}", &c[1..]),
        format!("é{}", &c[1..]),
        format!("{}!", &c[..24]), // not a check symbol
    ] {
        let e = RecoveryCode::parse(&bad).unwrap_err();
        assert!(matches!(e, CryptoError::Malformed(_)), "{bad:?}: {e:?}");
        assert_eq!(e.code(), "malformed");
    }
}

#[test]
fn wrap_unwrap_roundtrip_and_failures() {
    let code = RecoveryCode::generate().unwrap();
    let secret = [0x42u8; 32];
    let w = wrap_secret(&code, &secret, SMALL, CONTEXT).unwrap();
    assert_eq!(w.kdf, "argon2id");
    assert_eq!((w.m_kib, w.t, w.p), (64, 1, 1));
    assert_eq!(w.ct.len(), 48);
    assert_eq!(&unwrap_secret(&code, &w, CONTEXT).unwrap()[..], &secret);
    // Through a re-parsed code and through JSON.
    let json = serde_json::to_string(&w).unwrap();
    let w2: WrappedSecret = serde_json::from_str(&json).unwrap();
    let code2 = RecoveryCode::parse(&code.display().to_lowercase()).unwrap();
    assert_eq!(&unwrap_secret(&code2, &w2, CONTEXT).unwrap()[..], &secret);
    // Salt and nonce are fresh.
    let again = wrap_secret(&code, &secret, SMALL, CONTEXT).unwrap();
    assert_ne!(again.salt, w.salt);
    assert_ne!(again.ct, w.ct);

    let wrong = RecoveryCode::generate().unwrap();
    assert_eq!(
        unwrap_secret(&wrong, &w, CONTEXT).unwrap_err(),
        CryptoError::WrongRecoveryCode
    );
    assert_eq!(
        unwrap_secret(&code, &w, "peerlog/v1/other").unwrap_err(),
        CryptoError::WrongRecoveryCode
    );
    for field in 0..4 {
        let mut t = w.clone();
        match field {
            0 => t.ct[0] ^= 1,
            1 => t.salt[0] ^= 1,
            2 => t.nonce[0] ^= 1,
            _ => t.t = 2,
        }
        assert_eq!(
            unwrap_secret(&code, &t, CONTEXT).unwrap_err(),
            CryptoError::WrongRecoveryCode,
            "field {field}"
        );
    }
    let mut t = w.clone();
    t.kdf = "scrypt".into();
    assert_eq!(
        unwrap_secret(&code, &t, CONTEXT).unwrap_err().code(),
        "malformed"
    );
    let mut t = w.clone();
    t.ct.truncate(15);
    assert_eq!(
        unwrap_secret(&code, &t, CONTEXT).unwrap_err().code(),
        "malformed"
    );
    // Unknown fields in the file are rejected.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["extra"] = 1.into();
    assert!(serde_json::from_value::<WrappedSecret>(v).is_err());
}

#[test]
fn kdf_params_bounds() {
    assert_eq!(
        KdfParams::DEFAULT,
        KdfParams {
            m_kib: 19 * 1024,
            t: 2,
            p: 1
        }
    );
    assert_eq!(KdfParams::default(), KdfParams::DEFAULT);
    KdfParams::DEFAULT.validate().unwrap();
    // What wraps from before ADR 0023 use is still read, and is the most accepted.
    KdfParams::FIRST.validate().unwrap();
    SMALL.validate().unwrap();
    KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    }
    .validate()
    .unwrap();
    let code = RecoveryCode::generate().unwrap();
    let w = wrap_secret(&code, b"s", SMALL, CONTEXT).unwrap();
    for (m_kib, t, p) in [
        (64 * 1024 + 1, 1, 1), // over the 64 MiB any version wrote
        (1024 * 1024, 1, 1),
        (u32::MAX, 1, 1),
        (64, 4, 1), // more iterations than any version wrote
        (64, 10, 1),
        (64, 0, 1),
        (64, 1, 5), // too many lanes
        (64, 1, 0),
        (31, 1, 4), // under 8 KiB per lane
        (7, 1, 1),
    ] {
        let params = KdfParams { m_kib, t, p };
        assert_eq!(
            params.validate().unwrap_err().code(),
            "invalid_kdf_params",
            "{params:?}"
        );
        // Reading such a file is refused before any work.
        let mut bad = w.clone();
        (bad.m_kib, bad.t, bad.p) = (m_kib, t, p);
        assert_eq!(
            unwrap_secret(&code, &bad, CONTEXT).unwrap_err().code(),
            "invalid_kdf_params",
            "{params:?}"
        );
        assert_eq!(
            wrap_secret(&code, b"s", params, CONTEXT)
                .unwrap_err()
                .code(),
            "invalid_kdf_params"
        );
    }
}

#[test]
fn default_params_roundtrip() {
    let code = RecoveryCode::generate().unwrap();
    let w = wrap_secret(&code, b"peer key bytes", KdfParams::DEFAULT, CONTEXT).unwrap();
    assert_eq!(w.params(), KdfParams::DEFAULT);
    assert_eq!(
        &unwrap_secret(&code, &w, CONTEXT).unwrap()[..],
        b"peer key bytes"
    );
}

/// Recovery keys and backups wrapped before ADR 0023 (64 MiB, 3 passes) keep opening.
#[test]
fn wraps_with_the_first_params_still_open() {
    let code = RecoveryCode::generate().unwrap();
    let w = wrap_secret(&code, b"an older backup", KdfParams::FIRST, CONTEXT).unwrap();
    assert_eq!((w.m_kib, w.t, w.p), (65536, 3, 1));
    assert_eq!(
        &unwrap_secret(&code, &w, CONTEXT).unwrap()[..],
        b"an older backup"
    );
}

#[test]
fn debug_is_redacted() {
    let code = RecoveryCode::generate().unwrap();
    let s = format!("{code:?}");
    assert_eq!(s, "RecoveryCode(<redacted>)");
    let shown = code.display();
    for group in shown.split('-') {
        assert!(!s.contains(group));
    }
}

// Frozen wrapped secret: backups made today must open in every later version.

fn vector_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/recovery-v1.json")
}

const VECTOR_CODE_BYTES: [u8; 15] = [
    0x5e, 0x11, 0xa7, 0x00, 0xff, 0x42, 0x13, 0x37, 0x9c, 0x2d, 0x80, 0x01, 0x7b, 0xe4, 0x66,
];
const VECTOR_SECRET: &[u8] = b"peerlog recovery-v1 test vector: the peer key";

#[test]
fn frozen_wrapped_secret_opens() {
    let code = RecoveryCode::from_bytes(&VECTOR_CODE_BYTES);
    let path = vector_path();
    if !path.exists() && std::env::var_os("PEERLOG_WRITE_VECTORS").is_some() {
        let params = KdfParams {
            m_kib: 256,
            t: 2,
            p: 1,
        };
        let w = wrap_secret(&code, VECTOR_SECRET, params, CONTEXT).unwrap();
        let doc = serde_json::json!({ "code": code.display(), "context": CONTEXT, "wrapped": w });
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).expect("frozen tests/vectors/recovery-v1.json"),
    )
    .unwrap();
    assert_eq!(doc["code"], code.display());
    let parsed = RecoveryCode::parse(doc["code"].as_str().unwrap()).unwrap();
    let w: WrappedSecret = serde_json::from_value(doc["wrapped"].clone()).unwrap();
    let out = unwrap_secret(&parsed, &w, doc["context"].as_str().unwrap()).unwrap();
    assert_eq!(&out[..], VECTOR_SECRET);
}
