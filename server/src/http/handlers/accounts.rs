//! The chapter's accounts and their devices, for the coordinator.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use peerlog_protocol::api::{AccountSummary, AccountsResponse, DeviceSummary};

use super::{ApiResult, role_of};
use crate::http::AppState;
use crate::http::extract::Auth;
use crate::storage::Storage;

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
            })
            .collect(),
    }))
}
