//! The chapter's confidentiality declaration: read by every device, published by the
//! coordinator.

use axum::Json;
use axum::extract::State;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{self, DeclarationResponse, PublishedDeclaration};

use super::ApiResult;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, Auth};
use crate::storage::Storage;

pub async fn declaration<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<Json<DeclarationResponse>> {
    let declaration = match state
        .storage()
        .current_declaration(auth.chapter_id())
        .await?
    {
        None => None,
        Some(d) => Some(
            serde_json::from_slice::<PublishedDeclaration>(&d.document).map_err(|e| {
                tracing::error!(error = %e, "stored declaration does not parse");
                ApiError::internal()
            })?,
        ),
    };
    Ok(Json(DeclarationResponse { declaration }))
}

pub async fn publish_declaration<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiJson(published): ApiJson<PublishedDeclaration>,
) -> ApiResult<Json<DeclarationResponse>> {
    auth.require_coordinator()?;
    let doc = &published.document;
    if !matches!(doc.locale.as_str(), "nb" | "da" | "en") {
        return Err(ApiError::bad_request("locale must be nb, da or en"));
    }
    if doc.text.len() > api::MAX_DECLARATION_TEXT_BYTES {
        return Err(ApiError::bad_request(format!(
            "the text is longer than {} bytes",
            api::MAX_DECLARATION_TEXT_BYTES
        )));
    }
    let keys = state
        .storage()
        .chapter(auth.chapter_id())
        .await?
        .and_then(|c| c.keys)
        .ok_or_else(|| ApiError::conflict("the chapter has no keys"))?;
    DevicePublicKey::from(keys.signing_public_key)
        .verify_document(api::DECLARATION_DOMAIN, doc, &published.signature)
        .map_err(|_| {
            ApiError::bad_request(
                "the declaration signature does not verify with the chapter signing key",
            )
        })?;
    let document = serde_json::to_vec(&published).map_err(|_| ApiError::internal())?;
    state
        .storage()
        .publish_declaration(
            auth.chapter_id(),
            &doc.declaration_id,
            doc.version,
            document,
            doc.published_at,
        )
        .await?;
    Ok(Json(DeclarationResponse {
        declaration: Some(published),
    }))
}
