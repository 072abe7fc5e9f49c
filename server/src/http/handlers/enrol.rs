//! Enrolment with a one-time token: the coordinator's first machine, and peers by invitation.

use axum::Json;
use axum::extract::State;
use peerlog_protocol::api::{
    self, ChapterInfo, EnrolCoordinatorRequest, EnrolPeerRequest, EnrolResponse, InvitationLookup,
};
use peerlog_protocol::is_uuid_text;

use super::{ApiResult, chapter_info, device_id_of, token_hash};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, EnrolClass, Limited};
use crate::metrics::inc;
use crate::storage::{self, Enrolment, Storage};
use crate::{now, sha256};

pub async fn enrol_coordinator<S: Storage>(
    _: Limited<EnrolClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<EnrolCoordinatorRequest>,
) -> ApiResult<Json<EnrolResponse>> {
    let hash = token_hash(&req.token)?;
    let account_id = uuid::Uuid::now_v7().to_string();
    let device_id = device_id_of(&req.device_key);
    let token = state
        .storage()
        .enrol(
            hash,
            Enrolment {
                role: storage::Role::Coordinator,
                account_id: account_id.clone(),
                peer_key: None,
                account_key: None,
                recovery_lookup: None,
                wrapped_peer_key: None,
                enrol_proof: None,
                chapter_keys: Some(storage::ChapterKeys {
                    encryption_public_key: req.chapter_keys.encryption_key,
                    signing_public_key: req.chapter_keys.signing_key,
                }),
                device_id: device_id.clone(),
                device_key: req.device_key,
                at: now(),
            },
        )
        .await?;
    inc(&state.metrics().enrol_coordinator, 1);
    Ok(Json(EnrolResponse {
        account_id,
        device_id,
        role: api::Role::Coordinator,
        chapter: chapter_info(&state, token.chapter_id).await?,
    }))
}

pub async fn enrol_chapter<S: Storage>(
    _: Limited<EnrolClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<InvitationLookup>,
) -> ApiResult<Json<ChapterInfo>> {
    let hash = token_hash(&req.token)?;
    let token = state
        .storage()
        .token(hash)
        .await?
        .filter(|t| t.role == storage::Role::Peer)
        .ok_or_else(|| ApiError::not_found("unknown invitation"))?;
    storage::check_token_usable(&token, now())?;
    Ok(Json(chapter_info(&state, token.chapter_id).await?))
}

pub async fn enrol_peer<S: Storage>(
    _: Limited<EnrolClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<EnrolPeerRequest>,
) -> ApiResult<Json<EnrolResponse>> {
    if !is_uuid_text(&req.account_id) {
        return Err(ApiError::bad_request(
            "account_id must be a lower-case hyphenated UUID",
        ));
    }
    let wrapped = &req.recovery.wrapped_peer_key;
    if wrapped.is_empty() || wrapped.len() > api::MAX_WRAPPED_KEY_BYTES {
        return Err(ApiError::bad_request(format!(
            "wrapped_peer_key must be 1 to {} bytes",
            api::MAX_WRAPPED_KEY_BYTES
        )));
    }
    let hash = token_hash(&req.token)?;
    let device_id = device_id_of(&req.device_key);
    let token = state
        .storage()
        .enrol(
            hash,
            Enrolment {
                role: storage::Role::Peer,
                account_id: req.account_id.clone(),
                peer_key: Some(req.peer_key),
                account_key: Some(req.account_key),
                recovery_lookup: Some(sha256(&req.recovery.lookup)),
                wrapped_peer_key: Some(req.recovery.wrapped_peer_key.clone()),
                enrol_proof: req.proof,
                chapter_keys: None,
                device_id: device_id.clone(),
                device_key: req.device_key,
                at: now(),
            },
        )
        .await
        .map_err(|e| match e {
            storage::StorageError::NotFound(_) => ApiError::not_found("unknown invitation"),
            e => e.into(),
        })?;
    inc(&state.metrics().enrol_peer, 1);
    Ok(Json(EnrolResponse {
        account_id: req.account_id,
        device_id,
        role: api::Role::Peer,
        chapter: chapter_info(&state, token.chapter_id).await?,
    }))
}
