//! The national roll-up (ADR 0020): a coordinator submits the chapter's year as counts
//! only, signed with the chapter signing key. The server checks the format's bounds, that
//! the document names this chapter, and the signature against the chapter signing key the
//! coordinator's machine registered at enrolment, then keeps it (the latest per chapter
//! and year). The admin's report checks every signature again when it reads them.

use axum::Json;
use axum::extract::State;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::rollup::{ROLLUP_DOMAIN, RollupResponse, SignedRollup};

use super::ApiResult;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth};
use crate::now;
use crate::storage::{Storage, StoredRollup};

/// How far ahead of the server's clock a submission may be dated: further would let one
/// submission outrank every later one.
const LEAD_SECONDS: i64 = 24 * 3600;

pub async fn submit<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiJson(signed): ApiJson<SignedRollup>,
) -> ApiResult<Json<RollupResponse>> {
    auth.require_coordinator()?;
    let doc = &signed.document;
    doc.check().map_err(|e| ApiError::bad_request(e.0))?;
    if doc.created_at > now() + LEAD_SECONDS {
        return Err(ApiError::bad_request(
            "the submission is dated in the future",
        ));
    }
    let chapter = state
        .storage()
        .chapter(auth.chapter_id())
        .await?
        .ok_or_else(|| ApiError::not_found("chapter not found"))?;
    if doc.organisation != chapter.org_name || doc.chapter != chapter.name {
        return Err(ApiError::bad_request(
            "the submission names another organisation or chapter than yours",
        ));
    }
    let key = chapter
        .keys
        .ok_or_else(|| ApiError::conflict("the chapter has no signing key yet"))?
        .signing_public_key;
    DevicePublicKey::from(key)
        .verify_document(ROLLUP_DOMAIN, doc, &signed.signature)
        .map_err(|_| {
            ApiError::bad_request("the submission does not verify with the chapter signing key")
        })?;
    let document = serde_json::to_vec(&signed).map_err(|_| ApiError::internal())?;
    let replaced = state
        .storage()
        .put_rollup(
            chapter.id,
            StoredRollup {
                year: doc.year,
                created_at: doc.created_at,
                received_at: now(),
                document,
            },
        )
        .await?;
    tracing::info!(
        chapter = chapter.id,
        year = doc.year,
        replaced,
        "roll-up stored"
    );
    Ok(Json(RollupResponse {
        year: doc.year,
        replaced,
    }))
}
