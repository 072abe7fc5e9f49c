//! Peer invitations (one-time enrolment tokens), made by the coordinator.

use axum::Json;
use axum::extract::State;
use peerlog_protocol::api::{self, InvitationRequest, InvitationResponse};

use super::{ApiResult, new_secret};
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth};
use crate::metrics::inc;
use crate::storage::{self, NewToken, Storage};
use crate::{now, sha256};

pub async fn create_invitation<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiJson(req): ApiJson<InvitationRequest>,
) -> ApiResult<Json<InvitationResponse>> {
    auth.require_coordinator()?;
    if !api::INVITATION_DAYS.contains(&req.expires_days) {
        return Err(ApiError::bad_request(format!(
            "expires_days must be {} to {}",
            api::INVITATION_DAYS.start(),
            api::INVITATION_DAYS.end()
        )));
    }
    let token = new_secret::<16>()?;
    let expires_at = now() + i64::from(req.expires_days) * 86_400;
    state
        .storage()
        .create_token(NewToken {
            token_hash: sha256(token.as_bytes()),
            chapter_id: auth.chapter_id(),
            role: storage::Role::Peer,
            expires_at,
            created_by: Some(auth.account_id().to_owned()),
        })
        .await?;
    inc(&state.metrics().invitations, 1);
    Ok(Json(InvitationResponse { token, expires_at }))
}
