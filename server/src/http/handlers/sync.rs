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
use crate::storage::{IncomingRecord, PullScope, Storage};

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
