//! Record envelope v1: round trips, recipients, tampering, and the frozen golden vector.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use peerlog_crypto::envelope::{
    add_recipients, open_record, open_verified, remove_recipient, seal_record,
    seal_record_deterministic, verify, verify_envelope,
};
use peerlog_crypto::{
    CryptoError, DevicePublicKey, DeviceSigningKey, RecipientPublicKey, RecipientSecretKey, hpke,
    sha256,
};
use peerlog_protocol::{Collection, Envelope, RecordMeta, canonical};

// ---------------------------------------------------------------------------------------
// Golden vector inputs. Every input is SHA-256 of a label, so the vector can be rebuilt
// by any implementation (documented in docs/adr/0002-record-envelope.md).

fn derived(label: &str) -> [u8; 32] {
    sha256(format!("peerlog envelope-v1 test vector: {label}").as_bytes())
}

struct Golden {
    author: DeviceSigningKey,
    peer: RecipientSecretKey,
    chapter: RecipientSecretKey,
    ephemerals: Vec<RecipientSecretKey>,
    cek: [u8; 32],
    nonce: [u8; 12],
    meta: RecordMeta,
    plaintext: Vec<u8>,
}

fn golden() -> Golden {
    let author = DeviceSigningKey::from_seed(&derived("author seed")).unwrap();
    let nonce: [u8; 12] = derived("nonce")[..12].try_into().unwrap();
    let meta = RecordMeta {
        id: "01890a5d-ac96-774b-bcce-b302099a8057".into(),
        collection: Collection::Contacts,
        version: 1_700_000_000_000_000,
        author_device: author.device_id(),
        deleted: false,
    };
    let plaintext = canonical::to_canonical_vec(&serde_json::json!({
        "date": "2024-05-01",
        "minutes": 45,
        "note": "Første samtale \u{2014} \"ok\"",
    }))
    .unwrap();
    Golden {
        author,
        peer: RecipientSecretKey::from_bytes(&derived("peer key")),
        chapter: RecipientSecretKey::from_bytes(&derived("chapter key")),
        ephemerals: vec![
            RecipientSecretKey::from_bytes(&derived("ephemeral 0")),
            RecipientSecretKey::from_bytes(&derived("ephemeral 1")),
        ],
        cek: derived("content key"),
        nonce,
        meta,
        plaintext,
    }
}

fn golden_envelope(g: &Golden) -> Envelope {
    seal_record_deterministic(
        &g.meta,
        &g.plaintext,
        &[g.peer.public_key(), g.chapter.public_key()],
        &g.author,
        &g.cek,
        &g.nonce,
        &g.ephemerals,
    )
    .unwrap()
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/envelope-v1.json")
}

/// The frozen file. To create it (only when it does not exist yet):
/// `PEERLOG_WRITE_VECTORS=1 cargo test -p peerlog-crypto --test envelope`.
fn golden_bytes(fresh: &[u8]) -> Vec<u8> {
    let path = golden_path();
    if !path.exists() && std::env::var_os("PEERLOG_WRITE_VECTORS").is_some() {
        std::fs::write(&path, fresh).unwrap();
    }
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. The golden vector is frozen and committed; it is only (re)created \
             deliberately with PEERLOG_WRITE_VECTORS=1 after deleting it.",
            path.display()
        )
    })
}

#[test]
fn golden_vector_is_frozen() {
    let g = golden();
    let fresh = golden_envelope(&g).to_json_bytes().unwrap();
    let frozen = golden_bytes(&fresh);
    assert_eq!(
        String::from_utf8(fresh).unwrap(),
        String::from_utf8(frozen).unwrap(),
        "envelope v1 format drifted from tests/vectors/envelope-v1.json"
    );
}

#[test]
fn golden_vector_opens() {
    let g = golden();
    let frozen = golden_bytes(&golden_envelope(&g).to_json_bytes().unwrap());
    let env = Envelope::from_json_bytes(&frozen).unwrap();
    let author = g.author.public_key();
    verify_envelope(&env, &author).unwrap();
    assert_eq!(
        &open_record(&env, &g.peer, &author).unwrap()[..],
        &g.plaintext[..]
    );
    assert_eq!(
        &open_record(&env, &g.chapter, &author).unwrap()[..],
        &g.plaintext[..]
    );
    // Verified once, opened by each recipient: the same plaintext as `open_record`.
    let verified = verify(&env, &author).unwrap();
    assert!(std::ptr::eq(verified.envelope(), &env));
    for recipient in [&g.peer, &g.chapter] {
        assert_eq!(
            &open_verified(verified, recipient).unwrap()[..],
            &g.plaintext[..]
        );
    }
    assert_eq!(env.recipients[0].kid, g.peer.public_key().key_id());
    assert_eq!(env.recipients[1].kid, g.chapter.public_key().key_id());
    // The frozen file is canonical: re-serialising gives the same bytes.
    assert_eq!(env.to_json_bytes().unwrap(), frozen);
}

/// Flips every byte of the frozen JSON in turn: never a panic, and never an envelope
/// that still opens for a recipient whose part was touched.
#[test]
fn golden_vector_every_byte_flipped() {
    let g = golden();
    let frozen = golden_bytes(&golden_envelope(&g).to_json_bytes().unwrap());
    let original = Envelope::from_json_bytes(&frozen).unwrap();
    let author = g.author.public_key();
    let mut codes = std::collections::BTreeMap::<&'static str, usize>::new();
    for i in 0..frozen.len() {
        for mask in [0x01u8, 0x80] {
            let mut bytes = frozen.clone();
            bytes[i] ^= mask;
            let env = match Envelope::from_json_bytes(&bytes) {
                Ok(env) => env,
                Err(e) => {
                    *codes.entry(e.code()).or_default() += 1;
                    continue;
                }
            };
            let peer = open_record(&env, &g.peer, &author);
            let chapter = open_record(&env, &g.chapter, &author);
            match (&peer, &chapter) {
                (Ok(_), Ok(_)) => panic!("byte {i} ^ {mask:#x}: both recipients still open"),
                (Ok(pt), Err(e)) | (Err(e), Ok(pt)) => {
                    // Only the other recipient's entry may have changed.
                    assert_eq!(&pt[..], &g.plaintext[..]);
                    assert_eq!(env.meta, original.meta);
                    assert_eq!(env.ciphertext, original.ciphertext);
                    assert_eq!(env.signature, original.signature);
                    let touched = if peer.is_ok() { 1 } else { 0 };
                    assert_ne!(env.recipients[touched], original.recipients[touched]);
                    *codes.entry(e.code()).or_default() += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.code(), b.code(), "byte {i}: same failure for both");
                    *codes.entry(a.code()).or_default() += 1;
                }
            }
        }
    }
    // Every region was hit with its specific error.
    for code in [
        "bad_signature",
        "not_a_recipient",
        "decrypt_failed",
        "malformed_json",
    ] {
        assert!(codes.contains_key(code), "no {code} in {codes:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Round trips and recipients.

struct Setup {
    author: DeviceSigningKey,
    peer: RecipientSecretKey,
    chapter: RecipientSecretKey,
    meta: RecordMeta,
}

fn setup() -> Setup {
    let author = DeviceSigningKey::generate().unwrap();
    let meta = RecordMeta {
        id: "0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5b".into(),
        collection: Collection::Notes,
        version: 1_720_000_000_000_001,
        author_device: author.device_id(),
        deleted: false,
    };
    Setup {
        author,
        peer: RecipientSecretKey::generate().unwrap(),
        chapter: RecipientSecretKey::generate().unwrap(),
        meta,
    }
}

fn err<T: std::fmt::Debug>(r: Result<T, CryptoError>) -> CryptoError {
    r.unwrap_err()
}

#[test]
fn seal_open_roundtrip_through_json() {
    let s = setup();
    let recipients = [s.peer.public_key(), s.chapter.public_key()];
    for pt in [&b""[..], b"x", &[7u8; 100_000][..]] {
        let env = seal_record(&s.meta, pt, &recipients, &s.author).unwrap();
        assert_eq!(env.v, 1);
        assert_eq!(env.ciphertext.len(), pt.len() + 16);
        assert_eq!(env.recipients.len(), 2);
        assert!(env.recipients.iter().all(|r| r.wrapped_key.len() == 48));
        let env = Envelope::from_json_bytes(&env.to_json_bytes().unwrap()).unwrap();
        let author = s.author.public_key();
        assert_eq!(&open_record(&env, &s.peer, &author).unwrap()[..], pt);
        assert_eq!(&open_record(&env, &s.chapter, &author).unwrap()[..], pt);
    }
    // Fresh content key, nonce and ephemeral keys every time.
    let a = seal_record(&s.meta, b"same", &recipients, &s.author).unwrap();
    let b = seal_record(&s.meta, b"same", &recipients, &s.author).unwrap();
    assert_ne!(a.nonce, b.nonce);
    assert_ne!(a.ciphertext, b.ciphertext);
    assert_ne!(a.key_commitment, b.key_commitment);
    assert_ne!(a.recipients[0].enc, b.recipients[0].enc);
}

#[test]
fn seal_checks_inputs() {
    let s = setup();
    let pk = [s.peer.public_key()];
    // Author device id must match the signing key.
    let mut meta = s.meta.clone();
    meta.author_device = DeviceSigningKey::generate().unwrap().device_id();
    assert_eq!(
        err(seal_record(&meta, b"x", &pk, &s.author)),
        CryptoError::WrongAuthor
    );
    // Metadata must be valid.
    let mut meta = s.meta.clone();
    meta.id = "not-a-uuid".into();
    assert_eq!(
        err(seal_record(&meta, b"x", &pk, &s.author)).code(),
        "invalid_record_id"
    );
    let mut meta = s.meta.clone();
    meta.version = 1 << 53;
    assert_eq!(
        err(seal_record(&meta, b"x", &pk, &s.author)).code(),
        "version_out_of_range"
    );
    // Recipients: at least one, at most 16, duplicates wrapped once.
    assert_eq!(
        err(seal_record(&s.meta, b"x", &[], &s.author)).code(),
        "no_recipients"
    );
    let many: Vec<RecipientPublicKey> = (0..17)
        .map(|_| RecipientSecretKey::generate().unwrap().public_key())
        .collect();
    assert_eq!(
        err(seal_record(&s.meta, b"x", &many, &s.author)).code(),
        "too_many_recipients"
    );
    assert_eq!(
        seal_record(&s.meta, b"x", &many[..16], &s.author)
            .unwrap()
            .recipients
            .len(),
        16
    );
    let dup = [
        s.peer.public_key(),
        s.chapter.public_key(),
        s.peer.public_key(),
    ];
    assert_eq!(
        seal_record(&s.meta, b"x", &dup, &s.author)
            .unwrap()
            .recipients
            .len(),
        2
    );
    // Size limit: 8 MiB of ciphertext including the tag.
    let big = vec![0u8; peerlog_protocol::MAX_CIPHERTEXT_BYTES - 15];
    assert_eq!(
        err(seal_record(&s.meta, &big, &pk, &s.author)).code(),
        "ciphertext_too_large"
    );
    let max = vec![0u8; peerlog_protocol::MAX_CIPHERTEXT_BYTES - 16];
    let env = seal_record(&s.meta, &max, &pk, &s.author).unwrap();
    assert_eq!(
        open_record(&env, &s.peer, &s.author.public_key())
            .unwrap()
            .len(),
        max.len()
    );
    // A small-order recipient key is refused.
    assert_eq!(
        err(seal_record(
            &s.meta,
            b"x",
            &[RecipientPublicKey::from([0; 32])],
            &s.author
        )),
        CryptoError::InvalidPublicKey
    );
}

#[test]
fn wrong_recipient_and_wrong_author() {
    let s = setup();
    let env = seal_record(&s.meta, b"secret", &[s.peer.public_key()], &s.author).unwrap();
    let author = s.author.public_key();
    assert_eq!(
        err(open_record(&env, &s.chapter, &author)),
        CryptoError::NotARecipient
    );
    let other = DeviceSigningKey::generate().unwrap();
    assert_eq!(
        err(verify_envelope(&env, &other.public_key())),
        CryptoError::WrongAuthor
    );
    assert_eq!(
        err(open_record(&env, &s.peer, &other.public_key())),
        CryptoError::WrongAuthor
    );
    // Someone else signing with the author's device id claimed: bad signature.
    let mut forged = seal_record(&s.meta, b"x", &[s.peer.public_key()], &s.author).unwrap();
    forged.signature = other.sign(b"anything");
    assert_eq!(
        err(open_record(&forged, &s.peer, &author)),
        CryptoError::BadSignature
    );
}

#[test]
fn add_and_remove_recipients() {
    let s = setup();
    let author = s.author.public_key();
    let env = seal_record(&s.meta, b"payload", &[s.peer.public_key()], &s.author).unwrap();
    assert_eq!(
        err(open_record(&env, &s.chapter, &author)),
        CryptoError::NotARecipient
    );

    let added = add_recipients(
        &env,
        &s.peer,
        &[s.chapter.public_key(), s.peer.public_key()],
    )
    .unwrap();
    assert_eq!(added.recipients.len(), 2, "the existing kid is skipped");
    assert_eq!(added.signature, env.signature);
    assert_eq!(added.ciphertext, env.ciphertext);
    assert_eq!(added.recipients[0], env.recipients[0]);
    verify_envelope(&added, &author).unwrap();
    assert_eq!(
        &open_record(&added, &s.chapter, &author).unwrap()[..],
        b"payload"
    );
    assert_eq!(
        &open_record(&added, &s.peer, &author).unwrap()[..],
        b"payload"
    );
    // Adding again changes nothing.
    let again = add_recipients(&added, &s.chapter, &[s.peer.public_key()]).unwrap();
    assert_eq!(again, added);
    // Only a recipient can add.
    let outsider = RecipientSecretKey::generate().unwrap();
    assert_eq!(
        err(add_recipients(&env, &outsider, &[outsider.public_key()])),
        CryptoError::NotARecipient
    );
    // At most 16.
    let many: Vec<RecipientPublicKey> = (0..15)
        .map(|_| RecipientSecretKey::generate().unwrap().public_key())
        .collect();
    let full = add_recipients(&env, &s.peer, &many).unwrap();
    assert_eq!(full.recipients.len(), 16);
    assert_eq!(
        err(add_recipients(&full, &s.peer, &[s.chapter.public_key()])).code(),
        "too_many_recipients"
    );

    // Removing: signature still valid, the removed key can no longer open.
    let removed = remove_recipient(&added, &s.peer.public_key().key_id());
    assert_eq!(removed.recipients.len(), 1);
    verify_envelope(&removed, &author).unwrap();
    assert_eq!(
        err(open_record(&removed, &s.peer, &author)),
        CryptoError::NotARecipient
    );
    assert_eq!(
        &open_record(&removed, &s.chapter, &author).unwrap()[..],
        b"payload"
    );
    assert_eq!(remove_recipient(&added, "AAAAAAAAAAAAAAAA"), added);
}

/// An attacker who knows a recipient's public key wraps a *different* content key for
/// them. HPKE opens fine; the signed commitment catches it.
#[test]
fn substituted_content_key_is_caught_by_commitment() {
    let s = setup();
    let author = s.author.public_key();
    let env = seal_record(&s.meta, b"payload", &[s.peer.public_key()], &s.author).unwrap();
    let meta_jcs = canonical::to_canonical_vec(&env.meta).unwrap();
    let (enc, wrapped) = hpke::seal(
        &s.peer.public_key(),
        peerlog_crypto::envelope::WRAP_INFO,
        &meta_jcs,
        &[0x66; 32],
    )
    .unwrap();
    let mut evil = env.clone();
    evil.recipients[0].enc = enc;
    evil.recipients[0].wrapped_key = wrapped;
    verify_envelope(&evil, &author).unwrap(); // recipients are not signed...
    assert_eq!(
        err(open_record(&evil, &s.peer, &author)),
        CryptoError::KeyCommitmentMismatch
    );
    // ...and the wrong key is not propagated to new recipients either.
    assert_eq!(
        err(add_recipients(&evil, &s.peer, &[s.chapter.public_key()])),
        CryptoError::KeyCommitmentMismatch
    );
    // A wrap under other metadata (the AAD) does not open.
    let other_meta = canonical::to_canonical_vec(&RecordMeta {
        version: env.meta.version + 1,
        ..env.meta.clone()
    })
    .unwrap();
    let (enc, wrapped) = hpke::seal(
        &s.peer.public_key(),
        peerlog_crypto::envelope::WRAP_INFO,
        &other_meta,
        &[0x66; 32],
    )
    .unwrap();
    evil.recipients[0].enc = enc;
    evil.recipients[0].wrapped_key = wrapped;
    assert_eq!(
        err(open_record(&evil, &s.peer, &author)),
        CryptoError::DecryptFailed
    );
}

// ---------------------------------------------------------------------------------------
// Tampering, region by region (struct level, so each region's own error shows).

fn flips(len: usize) -> Vec<usize> {
    // Every byte of short fields; a sample across long ones.
    if len <= 64 {
        (0..len).collect()
    } else {
        (0..len).step_by(len / 32).chain([len - 1]).collect()
    }
}

#[test]
fn tampering_each_region_gives_a_specific_error() {
    let s = setup();
    let author = s.author.public_key();
    let recipients = [s.peer.public_key(), s.chapter.public_key()];
    let env = seal_record(&s.meta, &[0x5a; 300], &recipients, &s.author).unwrap();
    let open = |e: &Envelope| open_record(e, &s.peer, &author).map(|_| ());
    let expect = |e: &Envelope, want: CryptoError, what: &str| {
        assert_eq!(open(e), Err(want.clone()), "{what}");
    };
    open(&env).unwrap();

    // Metadata: signed (and bound into AD and the wraps).
    let mut e = env.clone();
    e.meta.id = "0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5c".into();
    expect(&e, CryptoError::BadSignature, "meta.id");
    let mut e = env.clone();
    e.meta.collection = Collection::Contacts;
    expect(&e, CryptoError::BadSignature, "meta.collection");
    let mut e = env.clone();
    e.meta.version += 1;
    expect(&e, CryptoError::BadSignature, "meta.version");
    let mut e = env.clone();
    e.meta.deleted = true;
    expect(&e, CryptoError::BadSignature, "meta.deleted");
    let mut e = env.clone();
    e.meta.author_device = DeviceSigningKey::generate().unwrap().device_id();
    expect(&e, CryptoError::WrongAuthor, "meta.author_device");
    let mut e = env.clone();
    e.v = 2;
    assert_eq!(open(&e).unwrap_err().code(), "unsupported_version");

    for i in flips(12) {
        let mut e = env.clone();
        e.nonce[i] ^= 1;
        expect(&e, CryptoError::BadSignature, &format!("nonce[{i}]"));
    }
    for i in flips(env.ciphertext.len()) {
        let mut e = env.clone();
        e.ciphertext[i] ^= 1;
        expect(&e, CryptoError::BadSignature, &format!("ciphertext[{i}]"));
    }
    let mut e = env.clone();
    e.ciphertext.push(0);
    expect(&e, CryptoError::BadSignature, "ciphertext extended");
    for i in flips(32) {
        let mut e = env.clone();
        e.key_commitment[i] ^= 1;
        expect(
            &e,
            CryptoError::BadSignature,
            &format!("key_commitment[{i}]"),
        );
    }
    for i in flips(64) {
        let mut e = env.clone();
        e.signature[i] ^= 1;
        expect(&e, CryptoError::BadSignature, &format!("signature[{i}]"));
    }
    // Our own wrapped key: unwrap fails.
    for i in flips(16) {
        let mut e = env.clone();
        let mut kid = e.recipients[0].kid.clone().into_bytes();
        kid[i] = if kid[i] == b'A' { b'B' } else { b'A' };
        e.recipients[0].kid = String::from_utf8(kid).unwrap();
        expect(&e, CryptoError::NotARecipient, &format!("kid[{i}]"));
    }
    for i in flips(32) {
        let mut e = env.clone();
        e.recipients[0].enc[i] ^= 1;
        let got = open(&e).unwrap_err();
        assert!(
            matches!(
                got,
                CryptoError::DecryptFailed | CryptoError::InvalidPublicKey
            ),
            "enc[{i}]: {got:?}"
        );
    }
    for i in flips(48) {
        let mut e = env.clone();
        e.recipients[0].wrapped_key[i] ^= 1;
        expect(&e, CryptoError::DecryptFailed, &format!("wrapped_key[{i}]"));
    }
    // Swapping the two wrapped keys: each is bound to its recipient key.
    let mut e = env.clone();
    let (a, b) = (e.recipients[0].clone(), e.recipients[1].clone());
    e.recipients[0].enc = b.enc;
    e.recipients[0].wrapped_key = b.wrapped_key;
    e.recipients[1].enc = a.enc;
    e.recipients[1].wrapped_key = a.wrapped_key;
    expect(&e, CryptoError::DecryptFailed, "swapped wraps");
    // The other recipient's entry does not concern us.
    let mut e = env.clone();
    e.recipients[1].wrapped_key[0] ^= 1;
    open(&e).unwrap();
    assert_eq!(
        open_record(&e, &s.chapter, &author).unwrap_err(),
        CryptoError::DecryptFailed
    );
}

#[test]
fn open_never_decrypts_before_the_signature() {
    // With a bad signature, even a non-recipient gets BadSignature, not NotARecipient:
    // the signature is checked first.
    let s = setup();
    let mut env = seal_record(&s.meta, b"x", &[s.peer.public_key()], &s.author).unwrap();
    env.signature[0] ^= 1;
    assert_eq!(
        err(open_record(&env, &s.chapter, &s.author.public_key())),
        CryptoError::BadSignature
    );
    // Nor is there a verified envelope to open: `open_verified` only takes what `verify`
    // let through.
    assert_eq!(
        err(verify(&env, &s.author.public_key())),
        CryptoError::BadSignature
    );
    let other_author = DeviceSigningKey::generate().unwrap().public_key();
    env.signature[0] ^= 1;
    assert_eq!(err(verify(&env, &other_author)), CryptoError::WrongAuthor);
}

#[test]
fn device_public_key_type_is_what_verify_takes() {
    // DevicePublicKey round-trips through the store's representation (raw bytes).
    let s = setup();
    let env = seal_record(&s.meta, b"x", &[s.peer.public_key()], &s.author).unwrap();
    let stored = s.author.public_key().as_bytes().to_vec();
    let author = DevicePublicKey::from_bytes(&stored).unwrap();
    verify_envelope(&env, &author).unwrap();
}
