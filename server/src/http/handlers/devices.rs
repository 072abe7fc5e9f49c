//! Device revocation: by the chapter's coordinator, or by the device's own account.

use axum::Json;
use axum::extract::{Path, State};
use peerlog_protocol::api::RevokeResponse;

use super::ApiResult;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::Auth;
use crate::metrics::inc;
use crate::now;
use crate::storage::Storage;

pub async fn revoke<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    Path(device_id): Path<String>,
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
    let revoked = state
        .storage()
        .revoke_device(&target.device_id, now())
        .await?;
    if revoked {
        inc(&state.metrics().revocations, 1);
        tracing::info!(revoked_device = %target.device_id, "device revoked");
    }
    Ok(Json(RevokeResponse { revoked }))
}
