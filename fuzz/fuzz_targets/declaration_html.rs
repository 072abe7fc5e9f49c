//! The self-verifying HTML copy of a signed declaration, handed to anyone to verify.
//! Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data).into_owned();
    let _ = peerlog_core::verify_declaration_html(html);
});
