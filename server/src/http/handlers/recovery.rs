//! Recovery: a peer on a new phone finds its account by the recovery lookup.

use axum::Json;
use axum::extract::State;
use peerlog_protocol::api::{
    EnrolResponse, RecoveryDeviceRequest, RecoveryFetchResponse, RecoveryLookup,
};

use super::{ApiResult, chapter_info, device_id_of, role_of};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, EnrolClass, Limited};
use crate::metrics::inc;
use crate::storage::{self, NewDevice, Storage};
use crate::{now, sha256};

async fn recovered_account<S: Storage>(
    state: &AppState<S>,
    lookup: &[u8; 32],
) -> ApiResult<storage::Account> {
    state
        .storage()
        .account_by_recovery_lookup(sha256(lookup))
        .await?
        .ok_or_else(|| ApiError::not_found("no account for this recovery code"))
}

pub async fn recovery_fetch<S: Storage>(
    _: Limited<EnrolClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<RecoveryLookup>,
) -> ApiResult<Json<RecoveryFetchResponse>> {
    let account = recovered_account(&state, &req.lookup).await?;
    let wrapped_peer_key = account
        .wrapped_peer_key
        .ok_or_else(|| ApiError::not_found("no account for this recovery code"))?;
    Ok(Json(RecoveryFetchResponse {
        account_id: account.id,
        wrapped_peer_key,
        chapter: chapter_info(&state, account.chapter_id).await?,
    }))
}

pub async fn recovery_device<S: Storage>(
    _: Limited<EnrolClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<RecoveryDeviceRequest>,
) -> ApiResult<Json<EnrolResponse>> {
    let account = recovered_account(&state, &req.lookup).await?;
    let device_id = device_id_of(&req.device_key);
    state
        .storage()
        .add_device(NewDevice {
            device_id: device_id.clone(),
            account_id: account.id.clone(),
            public_key: req.device_key,
            created_at: now(),
        })
        .await?;
    inc(&state.metrics().enrol_recovered_device, 1);
    Ok(Json(EnrolResponse {
        account_id: account.id,
        device_id,
        role: role_of(account.role),
        chapter: chapter_info(&state, account.chapter_id).await?,
    }))
}
