//! Every body of API v1 as it arrives from outside: the requests the server reads (the
//! first byte picks the type) and the responses a device reads from a server it cannot
//! trust. Deserialising never panics, and what deserialises serialises again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerlog_protocol::api::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<T: DeserializeOwned + Serialize>(body: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(body) {
        serde_json::to_vec(&v).expect("a parsed body serialises");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 26 {
        // Requests: what the server deserialises.
        0 => check::<EnrolCoordinatorRequest>(body),
        1 => check::<InvitationLookup>(body),
        2 => check::<EnrolPeerRequest>(body),
        3 => check::<RecoveryLookup>(body),
        4 => check::<RecoveryDeviceRequest>(body),
        5 => check::<RotateRecoveryRequest>(body),
        6 => check::<ChallengeRequest>(body),
        7 => check::<TokenRequest>(body),
        8 => check::<PushRequest>(body),
        9 => check::<PublishedDeclaration>(body),
        10 => check::<InvitationRequest>(body),
        11 => check::<RevokeRequest>(body),
        12 => check::<LockAccountRequest>(body),
        // Responses: what a device deserialises.
        13 => check::<ErrorBody>(body),
        14 => check::<EnrolResponse>(body),
        15 => check::<RecoveryFetchResponse>(body),
        16 => check::<ChallengeResponse>(body),
        17 => check::<TokenResponse>(body),
        18 => check::<PushResponse>(body),
        19 => check::<PullResponse>(body),
        20 => check::<DeclarationResponse>(body),
        21 => check::<InvitationResponse>(body),
        22 => check::<AccountsResponse>(body),
        23 => check::<RevokeResponse>(body),
        24 => check::<LockAccountResponse>(body),
        _ => check::<RotateRecoveryResponse>(body),
    }
});
