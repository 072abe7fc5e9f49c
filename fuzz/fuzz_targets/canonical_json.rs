//! RFC 8785 canonical JSON of any JSON value: never panics; canonical output parses back
//! to the same value and is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_protocol::canonical::canonicalize;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(canonical) = canonicalize(&value) else {
        return;
    };
    let again: serde_json::Value =
        serde_json::from_slice(&canonical).expect("canonical JSON parses");
    let twice = canonicalize(&again).expect("canonical JSON canonicalises");
    assert_eq!(canonical, twice, "canonical JSON is a fixed point");
});
