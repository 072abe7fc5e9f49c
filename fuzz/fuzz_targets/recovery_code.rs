//! A recovery code as a person types it. Never panics; a parsed code displays as text
//! that parses to the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_crypto::recovery::RecoveryCode;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(code) = RecoveryCode::parse(text) else {
        return;
    };
    let again = RecoveryCode::parse(&code.display()).expect("a displayed code parses");
    assert_eq!(again.lookup_id(), code.lookup_id());
});
