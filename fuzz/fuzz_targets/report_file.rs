//! A signed period report file (`peerlog-report/1`) handed to anyone to verify offline.
//! Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = peerlog_core::verify_report_file(data.to_vec());
});
