//! The API v1 handlers, one module per resource. Identity always comes from the bearer
//! session (or the one-time token), never from ids in the body. What a push may store is
//! decided by [`crate::push`]; the handlers fetch, call it and store.

pub mod accounts;
pub mod auth;
pub mod declaration;
pub mod devices;
pub mod enrol;
pub mod invitations;
pub mod recovery;
pub mod sync;
// The national roll-up (ADR 0020).
pub mod rollup;

use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{self, ChapterInfo};
use peerlog_protocol::b64;

use super::AppState;
use crate::error::ApiError;
use crate::storage::{self, Storage};
use crate::{random, sha256};

pub(crate) type ApiResult<T> = Result<T, ApiError>;

pub(crate) fn role_of(role: storage::Role) -> api::Role {
    match role {
        storage::Role::Peer => api::Role::Peer,
        storage::Role::Coordinator => api::Role::Coordinator,
        storage::Role::Admin => api::Role::Admin,
    }
}

/// The chapter as devices see it; `409` while the coordinator has not set its keys.
pub(crate) async fn chapter_info<S: Storage>(
    state: &AppState<S>,
    chapter_id: i64,
) -> ApiResult<ChapterInfo> {
    let chapter = state
        .storage()
        .chapter(chapter_id)
        .await?
        .ok_or_else(|| ApiError::not_found("chapter not found"))?;
    let keys = chapter.keys.ok_or_else(|| {
        ApiError::conflict("the chapter has no keys yet: its coordinator has not enrolled")
    })?;
    Ok(ChapterInfo {
        chapter_id: chapter.id,
        organisation: chapter.org_name,
        chapter: chapter.name,
        keys: api::ChapterKeys {
            encryption_key: keys.encryption_public_key,
            signing_key: keys.signing_public_key,
        },
    })
}

pub(crate) fn device_id_of(key: &[u8; 32]) -> String {
    DevicePublicKey::from(*key).device_id()
}

/// Tokens are hashed as their text (UTF-8 bytes); an absurdly long one cannot match.
pub(crate) fn token_hash(token: &str) -> ApiResult<[u8; 32]> {
    if token.is_empty() || token.len() > 512 {
        return Err(ApiError::not_found("unknown token"));
    }
    Ok(sha256(token.as_bytes()))
}

/// `N` random bytes; a failing system RNG is a `500` (logged).
pub(crate) fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    random::<N>().map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        ApiError::internal()
    })
}

pub(crate) fn new_secret<const N: usize>() -> ApiResult<String> {
    random_bytes::<N>().map(|b| b64::encode(&b))
}
