//! RFC 8032 §7.1 Ed25519 test vectors TEST 1, 2, 3 and TEST SHA(abc).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerlog_crypto::{CryptoError, DevicePublicKey, DeviceSigningKey};

struct Vector {
    name: &'static str,
    secret: &'static str,
    public: &'static str,
    message: &'static str,
    signature: &'static str,
}

const VECTORS: &[Vector] = &[
    Vector {
        name: "TEST 1",
        secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        message: "",
        signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                    5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    Vector {
        name: "TEST 2",
        secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        message: "72",
        signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
                    085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
    Vector {
        name: "TEST 3",
        secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        message: "af82",
        signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac\
                    18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    },
    Vector {
        name: "TEST SHA(abc)",
        secret: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        public: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        message: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                  2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        signature: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589\
                    09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    },
];

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(s).unwrap()
}

#[test]
fn rfc8032_vectors() {
    for v in VECTORS {
        let seed: [u8; 32] = hex(v.secret).try_into().unwrap();
        let key = DeviceSigningKey::from_seed(&seed).unwrap();
        assert_eq!(*key.seed(), seed, "{}", v.name);
        let pk = key.public_key();
        assert_eq!(
            pk.as_bytes().to_vec(),
            hex(v.public),
            "{}: public key",
            v.name
        );
        let msg = hex(v.message);
        let sig = key.sign(&msg);
        assert_eq!(sig.to_vec(), hex(v.signature), "{}: signature", v.name);
        let pk = DevicePublicKey::from_bytes(&hex(v.public)).unwrap();
        pk.verify(&msg, &sig).unwrap();
    }
}

#[test]
fn flipped_bits_fail() {
    for v in VECTORS {
        let pk = DevicePublicKey::from_bytes(&hex(v.public)).unwrap();
        let msg = hex(v.message);
        let sig = hex(v.signature);
        for i in [0, 31, 32, 63] {
            let mut bad = sig.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                pk.verify(&msg, &bad),
                Err(CryptoError::BadSignature),
                "{} sig byte {i}",
                v.name
            );
        }
        let mut bad_msg = msg.clone();
        match bad_msg.first_mut() {
            Some(b) => *b ^= 0x80,
            None => bad_msg.push(0),
        }
        assert_eq!(
            pk.verify(&bad_msg, &sig),
            Err(CryptoError::BadSignature),
            "{} message",
            v.name
        );
        let mut bad_pk = *pk.as_bytes();
        bad_pk[0] ^= 0x01;
        assert_eq!(
            DevicePublicKey::from(bad_pk).verify(&msg, &sig),
            Err(CryptoError::BadSignature),
            "{} public key",
            v.name
        );
        assert_eq!(pk.verify(&msg, &sig[..63]), Err(CryptoError::BadSignature));
    }
}
