//! Recovery: a peer on a new phone finds its account by the recovery lookup; a device of
//! the account replaces the recovery code.

use axum::Json;
use axum::extract::State;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{
    self, EnrolResponse, RecoveryDeviceDocument, RecoveryDeviceRequest, RecoveryFetchResponse,
    RecoveryLookup, RecoveryRotateDocument, RotateRecoveryRequest, RotateRecoveryResponse,
};

use super::{ApiResult, chapter_info, device_id_of, role_of};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth, EnrolClass, Limited};
use crate::metrics::inc;
use crate::storage::{self, NewDevice, Storage};
use crate::{now, sha256};

/// The account the lookup finds, unless the chapter has locked it.
async fn recovered_account<S: Storage>(
    state: &AppState<S>,
    lookup: &[u8; 32],
) -> ApiResult<storage::Account> {
    let account = state
        .storage()
        .account_by_recovery_lookup(sha256(lookup))
        .await?
        .ok_or_else(|| ApiError::not_found("no account for this recovery code"))?;
    if account.locked_at.is_some() {
        return Err(ApiError::account_locked());
    }
    Ok(account)
}

/// Replaces the account's recovery code (after a lost phone, say): the new lookup and
/// wrapped key must be signed by the account key, so neither the server nor a stolen
/// session can plant a blob of its own; the old code finds nothing afterwards.
pub async fn recovery_rotate<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiJson(req): ApiJson<RotateRecoveryRequest>,
) -> ApiResult<Json<RotateRecoveryResponse>> {
    let account = state
        .storage()
        .account(auth.account_id())
        .await?
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    if account.locked_at.is_some() {
        return Err(ApiError::account_locked());
    }
    let wrapped = req.recovery.wrapped_peer_key;
    if wrapped.is_empty() || wrapped.len() > api::MAX_WRAPPED_KEY_BYTES {
        return Err(ApiError::bad_request(
            "the wrapped peer key has a wrong size",
        ));
    }
    let lookup = sha256(&req.recovery.lookup);
    let doc = RecoveryRotateDocument {
        account_id: account.id.clone(),
        lookup_sha256: lookup,
        wrapped_sha256: sha256(&wrapped),
    };
    let signed = account.account_key.is_some_and(|k| {
        DevicePublicKey::from(k)
            .verify_document(api::RECOVERY_ROTATE_DOMAIN, &doc, &req.signature)
            .is_ok()
    });
    if !signed {
        return Err(ApiError::forbidden(
            "the new recovery code must be signed with the account key",
        ));
    }
    state
        .storage()
        .replace_recovery(&account.id, lookup, wrapped)
        .await?;
    tracing::info!(account = %account.id, "recovery code replaced");
    Ok(Json(RotateRecoveryResponse { rotated: true }))
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
    // The lookup only finds the account; registering a device needs the peer key, which
    // the account key's signature proves. An account without one (enrolled before it was
    // kept) cannot add a device this way.
    let doc = RecoveryDeviceDocument {
        account_id: account.id.clone(),
        device_key: req.device_key,
    };
    let signed = account.account_key.is_some_and(|k| {
        DevicePublicKey::from(k)
            .verify_document(api::RECOVERY_DEVICE_DOMAIN, &doc, &req.signature)
            .is_ok()
    });
    if !signed {
        return Err(ApiError::forbidden(
            "the new device must be signed with the account key",
        ));
    }
    let device_id = device_id_of(&req.device_key);
    state
        .storage()
        .add_device(NewDevice {
            device_id: device_id.clone(),
            account_id: account.id.clone(),
            public_key: req.device_key,
            created_at: now(),
            account_signature: Some(req.signature),
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
