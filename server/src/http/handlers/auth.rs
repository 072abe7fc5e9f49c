//! Device login: a challenge, signed by the device key, exchanged for a bearer session.

use axum::Json;
use axum::extract::State;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{
    self, AuthChallengeDocument, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse,
};

use super::{ApiResult, new_secret, random_bytes};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Limited, LoginClass};
use crate::metrics::inc;
use crate::storage::{DeviceInfo, Storage};
use crate::{now, sha256};

/// The device asking to log in; unknown → 401, revoked → 403 wipe, of a locked account →
/// 403 `account_locked`.
async fn login_device<S: Storage>(state: &AppState<S>, device_id: &str) -> ApiResult<DeviceInfo> {
    if !peerlog_protocol::is_device_id(device_id) {
        return Err(ApiError::unauthenticated("unknown device"));
    }
    let device = state
        .storage()
        .device(device_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("unknown device"))?;
    if device.revoked_at.is_some() {
        return Err(ApiError::revoked(device.revocation.as_deref()));
    }
    if device.account_locked_at.is_some() {
        return Err(ApiError::account_locked());
    }
    Ok(device)
}

pub async fn challenge<S: Storage>(
    _: Limited<LoginClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<ChallengeResponse>> {
    let device = login_device(&state, &req.device_id).await?;
    let challenge = random_bytes::<32>()?;
    state
        .storage()
        .put_challenge(
            &device.device_id,
            sha256(&challenge),
            now() + api::CHALLENGE_SECONDS,
        )
        .await?;
    Ok(Json(ChallengeResponse { challenge }))
}

pub async fn token<S: Storage>(
    _: Limited<LoginClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let result = login(&state, req).await;
    match &result {
        Ok(_) => inc(&state.metrics().logins_ok, 1),
        Err(_) => inc(&state.metrics().logins_failed, 1),
    }
    result.map(Json)
}

async fn login<S: Storage>(state: &AppState<S>, req: TokenRequest) -> ApiResult<TokenResponse> {
    let device = login_device(state, &req.device_id).await?;
    let now = now();
    // The challenge is used up first, so a failed signature cannot be retried on it.
    if !state
        .storage()
        .take_challenge(&device.device_id, sha256(&req.challenge), now)
        .await?
    {
        return Err(ApiError::unauthenticated(
            "unknown, used or expired challenge; ask for a new one",
        ));
    }
    let doc = AuthChallengeDocument {
        device_id: device.device_id.clone(),
        challenge: req.challenge,
    };
    DevicePublicKey::from(device.public_key)
        .verify_document(api::AUTH_DOMAIN, &doc, &req.signature)
        .map_err(|_| ApiError::unauthenticated("the challenge signature does not verify"))?;
    let token = new_secret::<32>()?;
    state
        .storage()
        .put_session(
            sha256(token.as_bytes()),
            &device.device_id,
            now + api::SESSION_SECONDS,
        )
        .await?;
    if let Err(e) = state.storage().touch_device(&device.device_id, now).await {
        tracing::warn!(error = %e, "could not record last_seen");
    }
    Ok(TokenResponse {
        token,
        expires_in: api::SESSION_SECONDS,
    })
}
