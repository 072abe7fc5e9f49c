//! The chapter's accounts and their devices, for the coordinator, and the chapter's lock
//! on an account.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{
    self, AccountSummary, AccountsResponse, DeviceSummary, LockAccountRequest, LockAccountResponse,
};

use super::{ApiResult, role_of};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth};
use crate::now;
use crate::storage::{Role, Storage};

/// How far ahead of the server's clock a lock statement may be dated: further would let
/// one statement outrank every later one.
const LOCK_LEAD_SECONDS: i64 = 24 * 3600;

/// Locks or unlocks an account of the coordinator's chapter, on a statement signed with
/// the chapter signing key (checked here, so a coordinator's stolen session alone cannot
/// lock or unlock anyone).
pub async fn lock<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    Path(account_id): Path<String>,
    ApiJson(req): ApiJson<LockAccountRequest>,
) -> ApiResult<Json<LockAccountResponse>> {
    auth.require_coordinator()?;
    let account = state
        .storage()
        .account(&account_id)
        .await?
        .filter(|a| a.chapter_id == auth.chapter_id())
        .ok_or_else(|| ApiError::not_found("no such account"))?;
    // A locked account's devices are refused everything, so a coordinator who locked its
    // own account could never lift the lock.
    if account.role != Role::Peer && req.statement.locked {
        return Err(ApiError::conflict("only a peer's account can be locked"));
    }
    if req.statement.account_id != account.id {
        return Err(ApiError::bad_request("the statement names another account"));
    }
    if req.statement.at > now() + LOCK_LEAD_SECONDS {
        return Err(ApiError::bad_request(
            "the statement is dated in the future",
        ));
    }
    let key = state
        .storage()
        .chapter(auth.chapter_id())
        .await?
        .and_then(|c| c.keys)
        .ok_or_else(|| ApiError::conflict("the chapter has no signing key yet"))?
        .signing_public_key;
    DevicePublicKey::from(key)
        .verify_document(api::ACCOUNT_LOCK_DOMAIN, &req.statement, &req.signature)
        .map_err(|_| {
            ApiError::bad_request("the statement does not verify with the chapter signing key")
        })?;
    let changed = state
        .storage()
        .set_account_lock(&account.id, req.statement.locked, req.statement.at)
        .await?;
    let locked = state
        .storage()
        .account(&account.id)
        .await?
        .is_some_and(|a| a.locked_at.is_some());
    if changed {
        tracing::info!(account = %account.id, locked, "account lock changed");
    }
    Ok(Json(LockAccountResponse { locked, changed }))
}

pub async fn accounts<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<Json<AccountsResponse>> {
    auth.require_coordinator()?;
    let accounts = state.storage().list_accounts(auth.chapter_id()).await?;
    let mut devices: HashMap<String, Vec<DeviceSummary>> = HashMap::new();
    for d in state
        .storage()
        .list_devices(auth.chapter_id(), None)
        .await?
    {
        devices
            .entry(d.account_id.clone())
            .or_default()
            .push(DeviceSummary {
                device_id: d.device_id,
                device_key: d.public_key,
                created_at: d.created_at,
                last_seen: d.last_seen,
                revoked_at: d.revoked_at,
                account_signature: d.account_signature,
            });
    }
    Ok(Json(AccountsResponse {
        accounts: accounts
            .into_iter()
            .map(|a| AccountSummary {
                devices: devices.remove(&a.id).unwrap_or_default(),
                account_id: a.id,
                role: role_of(a.role),
                peer_key: a.peer_key,
                locked_at: a.locked_at,
                account_key: a.account_key,
                invitation: a.invitation,
                enrol_proof: a.enrol_proof,
            })
            .collect(),
    }))
}
