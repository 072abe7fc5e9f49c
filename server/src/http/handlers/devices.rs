//! Device revocation: by the chapter's coordinator, or by the device's own account. The
//! revoker signs a statement; the server keeps it and hands it to the revoked device, which
//! wipes itself only if the signature verifies (the server alone cannot make it wipe).

use axum::Json;
use axum::extract::{Path, State};
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{self, RevokeRequest, RevokeResponse};

use super::ApiResult;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth};
use crate::metrics::inc;
use crate::now;
use crate::storage::{DeviceInfo, Storage};

/// Checks the statement against the device it revokes and the caller: the right device and
/// account, and the issuer the caller may sign as (a coordinator: the chapter; the device's
/// own account: the account). The chapter's signature is checked here too; the account
/// key is not known to the server, so the device checks that one.
fn check_statement(
    req: &RevokeRequest,
    target: &DeviceInfo,
    by_coordinator: bool,
    chapter_signing_key: Option<[u8; 32]>,
) -> Result<(), ApiError> {
    let st = &req.revocation.statement;
    if st.device_id != target.device_id || st.account_id != target.account_id {
        return Err(ApiError::bad_request(
            "the revocation names another device or account",
        ));
    }
    let issuer = if by_coordinator {
        api::REVOKED_BY_CHAPTER
    } else {
        api::REVOKED_BY_ACCOUNT
    };
    if st.issuer != issuer {
        return Err(ApiError::bad_request(format!(
            "the revocation must be issued by the {issuer}"
        )));
    }
    if by_coordinator {
        let key = chapter_signing_key
            .ok_or_else(|| ApiError::conflict("the chapter has no signing key yet"))?;
        DevicePublicKey::from(key)
            .verify_document(api::REVOCATION_DOMAIN, st, &req.revocation.signature)
            .map_err(|_| {
                ApiError::bad_request("the revocation does not verify with the chapter signing key")
            })?;
    }
    Ok(())
}

pub async fn revoke<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    Path(device_id): Path<String>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> ApiResult<Json<RevokeResponse>> {
    // Another chapter's device, or another account's device for a peer: not found (the
    // answer does not reveal that it exists).
    let target = state
        .storage()
        .device(&device_id)
        .await?
        .filter(|d| {
            d.chapter_id == auth.chapter_id()
                && (auth.is_coordinator() || d.account_id == auth.account_id())
        })
        .ok_or_else(|| ApiError::not_found("no such device"))?;
    let chapter_key = state
        .storage()
        .chapter(auth.chapter_id())
        .await?
        .and_then(|c| c.keys)
        .map(|k| k.signing_public_key);
    check_statement(&req, &target, auth.is_coordinator(), chapter_key)?;
    let statement = serde_json::to_vec(&req.revocation).map_err(|_| ApiError::internal())?;
    let revoked = state
        .storage()
        .revoke_device(&target.device_id, now(), &statement)
        .await?;
    if revoked {
        inc(&state.metrics().revocations, 1);
        tracing::info!(revoked_device = %target.device_id, "device revoked");
    }
    Ok(Json(RevokeResponse { revoked }))
}
