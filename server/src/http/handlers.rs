//! The API v1 handlers. Identity always comes from the bearer session (or the one-time
//! token), never from ids in the body.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{
    self, AccountSummary, AccountsResponse, AuthChallengeDocument, ChallengeRequest,
    ChallengeResponse, ChapterInfo, DeclarationResponse, DeviceSummary, EnrolCoordinatorRequest,
    EnrolPeerRequest, EnrolResponse, InvitationLookup, InvitationRequest, InvitationResponse,
    PublishedDeclaration, PushRequest, PushResponse, PushResult, RecoveryDeviceRequest,
    RecoveryFetchResponse, RecoveryLookup, RevokeResponse, TokenRequest, TokenResponse,
};
use peerlog_protocol::{Envelope, b64, is_uuid_text};
use serde::Deserialize;

use super::AppState;
use super::extract::{ApiJson, ApiQuery, Auth, EnrolClass, Limited, LoginClass};
use crate::error::ApiError;
use crate::metrics::inc;
use crate::push::{self, Batch, PushPolicy};
use crate::storage::{
    self, DeviceInfo, Enrolment, IncomingRecord, NewDevice, NewToken, PullScope, Storage,
};
use crate::{now, random, sha256};

type ApiResult<T> = Result<T, ApiError>;

fn role_of(role: storage::Role) -> api::Role {
    match role {
        storage::Role::Peer => api::Role::Peer,
        storage::Role::Coordinator => api::Role::Coordinator,
        storage::Role::Admin => api::Role::Admin,
    }
}

/// The chapter as devices see it; `409` while the coordinator has not set its keys.
async fn chapter_info<S: Storage>(state: &AppState<S>, chapter_id: i64) -> ApiResult<ChapterInfo> {
    let chapter = state
        .storage()
        .chapter(chapter_id)
        .await?
        .ok_or_else(|| ApiError::not_found("chapter not found"))?;
    let keys = chapter.keys.ok_or_else(|| {
        ApiError::conflict("the chapter has no keys yet: its coordinator has not enrolled")
    })?;
    Ok(ChapterInfo {
        chapter_id: chapter.id,
        organisation: chapter.org_name,
        chapter: chapter.name,
        keys: api::ChapterKeys {
            encryption_key: keys.encryption_public_key,
            signing_key: keys.signing_public_key,
        },
    })
}

fn device_id_of(key: &[u8; 32]) -> String {
    DevicePublicKey::from(*key).device_id()
}

/// Tokens are hashed as their text (UTF-8 bytes); an absurdly long one cannot match.
fn token_hash(token: &str) -> ApiResult<[u8; 32]> {
    if token.is_empty() || token.len() > 512 {
        return Err(ApiError::not_found("unknown token"));
    }
    Ok(sha256(token.as_bytes()))
}

fn new_secret<const N: usize>() -> ApiResult<String> {
    random::<N>().map(|b| b64::encode(&b)).map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        ApiError::internal()
    })
}

// ---- enrolment ----

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
                recovery_lookup: None,
                wrapped_peer_key: None,
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
    if token.used_at.is_some() {
        return Err(storage::StorageError::AlreadyUsed.into());
    }
    if token.expires_at <= now() {
        return Err(storage::StorageError::Expired.into());
    }
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
                recovery_lookup: Some(sha256(&req.recovery.lookup)),
                wrapped_peer_key: Some(req.recovery.wrapped_peer_key.clone()),
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

// ---- recovery ----

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

// ---- login ----

/// The device asking to log in; unknown → 401, revoked → 403 wipe.
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
        return Err(ApiError::revoked());
    }
    Ok(device)
}

pub async fn challenge<S: Storage>(
    _: Limited<LoginClass>,
    State(state): State<AppState<S>>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<ChallengeResponse>> {
    let device = login_device(&state, &req.device_id).await?;
    let challenge = random::<32>().map_err(|e| {
        tracing::error!(error = %e, "no randomness");
        ApiError::internal()
    })?;
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

// ---- sync ----

/// Runs [`PushPolicy::check`] over the batch on the blocking pool, split over the cores.
async fn check_records(
    records: Vec<Envelope>,
    policy: PushPolicy,
) -> ApiResult<Vec<Result<IncomingRecord, PushResult>>> {
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = records.len().div_ceil(parallel).max(64);
    let policy = std::sync::Arc::new(policy);
    let mut tasks = Vec::new();
    let mut records = records;
    while !records.is_empty() {
        let rest = records.split_off(chunk.min(records.len()));
        let part = std::mem::replace(&mut records, rest);
        let policy = std::sync::Arc::clone(&policy);
        tasks.push(tokio::task::spawn_blocking(move || {
            part.iter().map(|env| policy.check(env)).collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.extend(task.await.map_err(|_| ApiError::internal())?);
    }
    Ok(out)
}

pub async fn push<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiJson(req): ApiJson<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    if req.records.len() > api::MAX_PUSH_RECORDS {
        return Err(ApiError::too_large(format!(
            "at most {} records per push",
            api::MAX_PUSH_RECORDS
        )));
    }
    // The three look-ups are independent: one round trip's latency, not three.
    let storage = state.storage();
    let (chapter, devices, accounts) = tokio::try_join!(
        storage.chapter(auth.chapter_id()),
        storage.list_devices(auth.chapter_id(), Some(auth.account_id())),
        async {
            if push::routes_to_peers(auth.is_coordinator()) {
                storage.list_accounts(auth.chapter_id()).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    let policy = PushPolicy::new(auth.account_id(), chapter, devices, accounts);
    // Signature checks are CPU work: off the async workers, in parallel chunks.
    let batch = Batch::new(check_records(req.records, policy).await?);
    let outcomes = if batch.to_store().is_empty() {
        Vec::new()
    } else {
        state
            .storage()
            .push(auth.account_id(), auth.chapter_id(), batch.to_store())
            .await?
    };
    let results = batch.finish(outcomes);
    let m = state.metrics();
    for r in &results {
        inc(
            match r {
                PushResult::Accepted { .. } => &m.push_accepted,
                PushResult::Duplicate { .. } => &m.push_duplicate,
                PushResult::Stale { .. } => &m.push_stale,
                PushResult::Rejected { .. } => &m.push_rejected,
            },
            1,
        );
    }
    Ok(Json(PushResponse { results }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    since: Option<u64>,
    limit: Option<u32>,
}

pub async fn pull<S: Storage>(
    State(state): State<AppState<S>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> ApiResult<Response> {
    let limit = q.limit.unwrap_or(api::DEFAULT_PULL_LIMIT);
    if limit == 0 || limit > api::MAX_PULL_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {}",
            api::MAX_PULL_LIMIT
        )));
    }
    let since = q.since.unwrap_or(0);
    let scope = if auth.is_coordinator() {
        PullScope::Chapter(auth.chapter_id())
    } else {
        PullScope::Account(auth.account_id())
    };
    let page = state.storage().pull(scope, since, limit).await?;
    let declaration_version = state
        .storage()
        .declaration_version(auth.chapter_id())
        .await?;
    inc(&state.metrics().pulls, 1);
    inc(&state.metrics().pulled_records, page.records.len() as u64);
    // The stored envelopes are already canonical JSON (validated at push): splice them in
    // rather than parse and re-serialise. Same shape as `api::PullResponse`.
    let size: usize = page.records.iter().map(|r| r.envelope.len() + 40).sum();
    let mut body = Vec::with_capacity(size + 96);
    body.extend_from_slice(b"{\"records\":[");
    for (i, r) in page.records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(format!("{{\"seq\":{},\"envelope\":", r.seq).as_bytes());
        body.extend_from_slice(&r.envelope);
        body.push(b'}');
    }
    let mut tail = String::with_capacity(80);
    let _ = write!(
        tail,
        "],\"cursor\":{},\"has_more\":{}",
        page.cursor, page.has_more
    );
    if let Some(v) = declaration_version {
        let _ = write!(tail, ",\"declaration_version\":{v}");
    }
    tail.push('}');
    body.extend_from_slice(tail.as_bytes());
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

// ---- declarations ----

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

// ---- chapter administration ----

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
