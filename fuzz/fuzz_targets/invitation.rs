//! The invitation string a peer pastes or scans (`peerlog1:` + server URL + token +
//! chapter fingerprint). Never panics; a parsed one prints as a string that parses to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_protocol::api::Invitation;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(invitation) = text.parse::<Invitation>() else {
        return;
    };
    let again: Invitation = invitation
        .to_string()
        .parse()
        .expect("a printed invitation parses");
    assert_eq!(again, invitation);
});
