//! RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM,
//! base mode. (Key-schedule internals — secret, key, base_nonce, exporter_secret — are
//! checked by the unit tests in `src/hpke.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerlog_crypto::hpke;
use peerlog_crypto::{CryptoError, RecipientPublicKey};

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().unwrap()
}

const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const IKM_E: &str = "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234";
const PK_EM: &str = "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431";
const SK_EM: &str = "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736";
const IKM_R: &str = "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037";
const PK_RM: &str = "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d";
const SK_RM: &str = "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8";
const ENC: &str = "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431";
const SHARED_SECRET: &str = "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc";
const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";

/// A.1.1.1 Encryptions: (sequence number, aad, ciphertext).
const ENCRYPTIONS: &[(u64, &str, &str)] = &[
    (
        0,
        "436f756e742d30",
        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
    ),
    (
        1,
        "436f756e742d31",
        "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84",
    ),
    (
        2,
        "436f756e742d32",
        "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180",
    ),
    (
        4,
        "436f756e742d34",
        "583bd32bc67a5994bb8ceaca813d369bca7b2a42408cddef5e22f880b631215a09fc0012bc69fccaa251c0246d",
    ),
    (
        255,
        "436f756e742d323535",
        "7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505bf106deefec4a49ac38d71c9e0a",
    ),
    (
        256,
        "436f756e742d323536",
        "957f9800542b0b8891badb026d79cc54597cb2d225b54c00c5238c25d05c30e3fbeda97d2e0e1aba483a2df9f2",
    ),
];

/// A.1.1.2 Exported values: (exporter_context, L = 32, value).
const EXPORTS: &[(&str, &str)] = &[
    (
        "",
        "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
    ),
    (
        "00",
        "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
    ),
    (
        "54657374436f6e74657874",
        "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
    ),
];

/// The count of the sequence number in the RFC's aad is "Count-<seq>".
fn aad_for(seq: u64) -> Vec<u8> {
    format!("Count-{seq}").into_bytes()
}

#[test]
fn derive_key_pair() {
    let sk_e = hpke::derive_key_pair(&hex(IKM_E)).unwrap();
    assert_eq!(*sk_e.to_bytes(), hex32(SK_EM));
    assert_eq!(sk_e.public_key().as_bytes(), &hex32(PK_EM));
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    assert_eq!(*sk_r.to_bytes(), hex32(SK_RM));
    assert_eq!(sk_r.public_key().as_bytes(), &hex32(PK_RM));
}

#[test]
fn encap_decap_shared_secret() {
    let sk_e = hpke::derive_key_pair(&hex(IKM_E)).unwrap();
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    let (shared, enc) = hpke::encap_deterministic(&sk_r.public_key(), &sk_e).unwrap();
    assert_eq!(enc, hex32(ENC));
    assert_eq!(*shared, hex32(SHARED_SECRET));
    assert_eq!(*hpke::decap(&enc, &sk_r).unwrap(), hex32(SHARED_SECRET));
}

#[test]
fn random_encap_matches_the_static_key_decap() {
    // `encap` computes the ephemeral side with ring, `decap` the static side with
    // x25519-dalek: both must give the same shared secret, or nothing sealed would open.
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    for _ in 0..8 {
        let (shared, enc) = hpke::encap(&sk_r.public_key()).unwrap();
        assert_eq!(*hpke::decap(&enc, &sk_r).unwrap(), *shared);
    }
    // A point of small order gives an all-zero DH output: refused.
    let mut order_8 = [0u8; 32];
    order_8[0] = 1;
    assert_eq!(
        hpke::encap(&RecipientPublicKey::from(order_8)).unwrap_err(),
        CryptoError::InvalidPublicKey
    );
}

#[test]
fn sequence_numbered_encryptions_and_exports() {
    for (seq, aad, _) in ENCRYPTIONS {
        assert_eq!(hex(aad), aad_for(*seq), "the RFC's aad is Count-{seq}");
    }
    let sk_e = hpke::derive_key_pair(&hex(IKM_E)).unwrap();
    let pk_r = RecipientPublicKey::from(hex32(PK_RM));
    let (enc, mut sender) = hpke::setup_base_s_deterministic(&pk_r, &hex(INFO), &sk_e).unwrap();
    assert_eq!(enc, hex32(ENC));
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    let mut receiver = hpke::setup_base_r(&enc, &sk_r, &hex(INFO)).unwrap();

    let pt = hex(PT);
    let mut checked = 0;
    for seq in 0..=256u64 {
        assert_eq!(sender.seq(), seq);
        let ct = sender.seal(&aad_for(seq), &pt).unwrap();
        if let Some((_, _, expected)) = ENCRYPTIONS.iter().find(|(s, _, _)| *s == seq) {
            assert_eq!(hex::encode(&ct), *expected, "ciphertext at seq {seq}");
            checked += 1;
        }
        assert_eq!(&receiver.open(&aad_for(seq), &ct).unwrap()[..], &pt[..]);
    }
    assert_eq!(checked, ENCRYPTIONS.len());

    for (ctx, value) in EXPORTS {
        assert_eq!(
            hex::encode(&sender.export(&hex(ctx), 32).unwrap()[..]),
            *value
        );
        assert_eq!(
            hex::encode(&receiver.export(&hex(ctx), 32).unwrap()[..]),
            *value
        );
    }
}

#[test]
fn single_shot_matches_sequence_zero() {
    let sk_e = hpke::derive_key_pair(&hex(IKM_E)).unwrap();
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    let (enc, ct) = hpke::seal_deterministic(
        &sk_r.public_key(),
        &hex(INFO),
        &hex(ENCRYPTIONS[0].1),
        &hex(PT),
        &sk_e,
    )
    .unwrap();
    assert_eq!(enc, hex32(ENC));
    assert_eq!(hex::encode(&ct), ENCRYPTIONS[0].2);
    let pt = hpke::open(&sk_r, &enc, &hex(INFO), &hex(ENCRYPTIONS[0].1), &ct).unwrap();
    assert_eq!(&pt[..], &hex(PT)[..]);
}

#[test]
fn open_rejects_wrong_inputs() {
    let sk_r = hpke::derive_key_pair(&hex(IKM_R)).unwrap();
    let (enc, ct) = hpke::seal(&sk_r.public_key(), b"info", b"aad", b"secret").unwrap();
    assert_eq!(
        &hpke::open(&sk_r, &enc, b"info", b"aad", &ct).unwrap()[..],
        b"secret"
    );
    // Fresh ephemeral key per seal.
    let (enc2, _) = hpke::seal(&sk_r.public_key(), b"info", b"aad", b"secret").unwrap();
    assert_ne!(enc, enc2);

    let fail = |r: Result<_, CryptoError>| r.map(|_| ()).unwrap_err();
    assert_eq!(
        fail(hpke::open(&sk_r, &enc, b"inf0", b"aad", &ct)),
        CryptoError::DecryptFailed
    );
    assert_eq!(
        fail(hpke::open(&sk_r, &enc, b"info", b"aaD", &ct)),
        CryptoError::DecryptFailed
    );
    let other = hpke::derive_key_pair(b"other").unwrap();
    assert_eq!(
        fail(hpke::open(&other, &enc, b"info", b"aad", &ct)),
        CryptoError::DecryptFailed
    );
    let mut bad_enc = enc;
    bad_enc[5] ^= 1;
    assert_eq!(
        fail(hpke::open(&sk_r, &bad_enc, b"info", b"aad", &ct)),
        CryptoError::DecryptFailed
    );
    assert_eq!(
        fail(hpke::open(&sk_r, &[0; 32], b"info", b"aad", &ct)),
        CryptoError::InvalidPublicKey,
        "small-order enc"
    );
    assert_eq!(
        fail(hpke::open(&sk_r, &enc, b"info", b"aad", &ct[..10])),
        CryptoError::DecryptFailed
    );
    // Sealing to a small-order public key is refused too.
    let bad_pk = RecipientPublicKey::from([0; 32]);
    assert_eq!(
        hpke::seal(&bad_pk, b"", b"", b"x").unwrap_err(),
        CryptoError::InvalidPublicKey
    );
}
