//! Sync: push (checked by [`crate::push`], then stored) and pull.

use std::fmt::Write as _;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use peerlog_protocol::Envelope;
use peerlog_protocol::api::{self, PushRequest, PushResponse, PushResult};
use serde::Deserialize;

use super::ApiResult;
use crate::error::ApiError;
use crate::http::AppState;
use crate::http::extract::{ApiJson, ApiQuery, Auth};
use crate::metrics::inc;
use crate::push::{self, Batch, PushPolicy};
use crate::storage::{HeadWrite, HeadedPush, IncomingRecord, PullScope, Storage};
use peerlog_crypto::DevicePublicKey;

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
    // The look-ups are independent: one round trip's latency, not several.
    let storage = state.storage();
    let (chapter, devices, accounts, head) = tokio::try_join!(
        storage.chapter(auth.chapter_id()),
        storage.list_devices(auth.chapter_id(), Some(auth.account_id())),
        async {
            if push::routes_to_peers(auth.is_coordinator()) {
                storage.list_accounts(auth.chapter_id()).await
            } else {
                Ok(Vec::new())
            }
        },
        head_to_store(storage, &auth, req.head.as_ref()),
    )?;
    let head = head?;
    let policy = PushPolicy::new(auth.account_id(), chapter, devices, accounts);
    // Signature checks are CPU work: off the async workers, in parallel chunks.
    let batch = Batch::new(check_records(req.records, policy).await?);
    let (results, head_stored) = match head {
        None => {
            let outcomes = if batch.to_store().is_empty() {
                Vec::new()
            } else {
                storage
                    .push(auth.account_id(), auth.chapter_id(), batch.to_store())
                    .await?
            };
            (batch.finish(outcomes), false)
        }
        // A head describes the whole batch: stored with all of it, or nothing is stored.
        Some(head) if batch.is_complete() => {
            match storage
                .push_headed(
                    auth.account_id(),
                    auth.chapter_id(),
                    batch.to_store(),
                    &head,
                )
                .await?
            {
                HeadedPush::Stored(outcomes) => (batch.finish(outcomes), true),
                HeadedPush::Conflict(_) => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        api::codes::HEAD_CONFLICT,
                        "another device of the account pushed since: pull, then push again",
                    ));
                }
                HeadedPush::Incomplete(outcomes) => (batch.finish_withheld(outcomes), false),
            }
        }
        Some(_) => (batch.finish_withheld(Vec::new()), false),
    };
    let m = state.metrics();
    for r in &results {
        inc(
            match r {
                PushResult::Accepted { .. } => &m.push_accepted,
                PushResult::Duplicate { .. } => &m.push_duplicate,
                PushResult::Stale { .. } => &m.push_stale,
                PushResult::Rejected { .. } => &m.push_rejected,
                PushResult::Withheld {} => &m.push_withheld,
            },
            1,
        );
    }
    Ok(Json(PushResponse {
        results,
        head_stored,
    }))
}

/// The head a peer's push carries, checked: it names the pushing account and verifies
/// with the account key the server holds. (A push without one, for an account that keeps a
/// head, the storage refuses in the push's own transaction: `head_required`.) The outer
/// error is the storage's, the inner one the refusal.
async fn head_to_store<S: Storage>(
    storage: &S,
    auth: &Auth,
    head: Option<&api::SignedAccountHead>,
) -> crate::storage::Result<ApiResult<Option<HeadWrite>>> {
    let Some(signed) = head else {
        return Ok(Ok(None));
    };
    let key = storage
        .account(auth.account_id())
        .await?
        .and_then(|a| a.account_key);
    let genuine = signed.head.account_id == auth.account_id()
        && key.is_some_and(|k| {
            DevicePublicKey::from(k)
                .verify_document(api::ACCOUNT_HEAD_DOMAIN, &signed.head, &signed.signature)
                .is_ok()
        });
    if !genuine {
        return Ok(Err(ApiError::bad_request(BAD_HEAD)));
    }
    Ok(serde_json::to_vec(signed)
        .map(|head| {
            Some(HeadWrite {
                seq: signed.head.seq,
                head,
            })
        })
        .map_err(|_| ApiError::internal()))
}

const BAD_HEAD: &str = "the head does not verify with this account's key";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    since: Option<u64>,
    limit: Option<u32>,
}

/// The signed revocations of the account's devices, as their revokers sent them (a stored
/// statement that no longer parses is left out).
async fn account_revocations<S: Storage>(
    state: &AppState<S>,
    chapter_id: i64,
    account: &str,
) -> ApiResult<Vec<api::SignedRevocation>> {
    Ok(state
        .storage()
        .list_devices(chapter_id, Some(account))
        .await?
        .into_iter()
        .filter_map(|d| serde_json::from_slice(d.revocation.as_deref()?).ok())
        .collect())
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
    if let PullScope::Account(account) = scope {
        let revocations = account_revocations(&state, auth.chapter_id(), account).await?;
        if !revocations.is_empty() {
            tail.push_str(",\"revocations\":");
            tail.push_str(&serde_json::to_string(&revocations).map_err(|_| ApiError::internal())?);
        }
        // The head once the device has every page; read after the page, so it may be
        // newer than the page (the device then pulls once more, ADR 0022).
        if !page.has_more {
            if let Some(head) = state.storage().account_head(account).await? {
                tail.push_str(",\"head\":");
                tail.push_str(&String::from_utf8(head.head).map_err(|_| ApiError::internal())?);
            }
        }
    }
    if let (PullScope::Chapter(chapter), false) = (scope, page.has_more) {
        let heads = state.storage().chapter_heads(chapter).await?;
        if !heads.is_empty() {
            tail.push_str(",\"heads\":[");
            for (i, h) in heads.into_iter().enumerate() {
                if i > 0 {
                    tail.push(',');
                }
                tail.push_str(&String::from_utf8(h.head).map_err(|_| ApiError::internal())?);
            }
            tail.push(']');
        }
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
