//! A backup file handed to a device to restore: everything `restore` reads before the
//! recovery code is used (the format, the records, the wrapped key's Argon2 parameters,
//! the signed manifest). Never panics. The Argon2 unwrapping itself is not run here (it
//! is slow by design; its parameters are what a hostile file controls, and they are
//! checked).
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_crypto::RecipientSecretKey;

fuzz_target!(|data: &[u8]| {
    let peer = RecipientSecretKey::from_bytes(&[3; 32]);
    let _ = peerlog_core::fuzz_check_file(data, &peer);
});
