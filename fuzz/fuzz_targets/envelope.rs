//! A record envelope from outside (a push to the server, a pull on a device, a backup):
//! parsing and validation, canonical serialisation, signature verification and, for a
//! verified one, unwrapping and decrypting (the recipients are not signed, so a hostile
//! party can change them freely). Never panics; what parses re-serialises to bytes that
//! parse to the same envelope.
//!
//! The seed corpus holds envelopes signed by the device key from seed `[1; 32]` for the
//! recipient key `[2; 32]`, so mutations reach the code after the signature check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_crypto::envelope::{open_verified, verify};
use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::Envelope;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::from_json_bytes(data) else {
        return;
    };
    let bytes = env.to_json_bytes().expect("a parsed envelope serialises");
    let again = Envelope::from_json_bytes(&bytes).expect("its canonical bytes parse");
    assert!(
        again == env,
        "the canonical bytes parse to the same envelope"
    );
    let author = DeviceSigningKey::from_seed(&[1; 32]).expect("a fixed seed");
    let Ok(verified) = verify(&env, &author.public_key()) else {
        return;
    };
    let recipient = RecipientSecretKey::from_bytes(&[2; 32]);
    let _ = open_verified(verified, &recipient);
});
