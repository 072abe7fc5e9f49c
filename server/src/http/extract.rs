//! Extractors whose refusals are [`ApiError`] JSON bodies: JSON bodies, query strings,
//! the bearer session, the client IP and the rate limit.

use std::marker::PhantomData;
use std::net::IpAddr;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use peerlog_protocol::api::codes;
use serde::de::DeserializeOwned;

use super::{AppState, ClientAddr, LogSlot};
use crate::error::ApiError;
use crate::metrics::inc;
use crate::ratelimit::Class;
use crate::storage::{DeviceInfo, Role, Storage};
use crate::{now, sha256};

/// A JSON body: malformed JSON or unknown fields → `400 invalid_request`, body too large →
/// `413 payload_too_large`, not `application/json` → `415 invalid_request`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &St) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(format!(
            "the request body is larger than {} bytes",
            peerlog_protocol::api::MAX_BODY_BYTES
        )),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::INVALID_REQUEST,
            "expected Content-Type: application/json",
        ),
        _ => ApiError::bad_request(rejection.body_text()),
    }
}

/// A query string; anything malformed or unknown → `400 invalid_request`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequestParts<St> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    ApiError::bad_request(rejection.body_text())
}

/// The client's IP: the connection's peer address, or with `trust_forwarded_for` the last
/// address in `X-Forwarded-For` (the one the reverse proxy in front of us added).
pub fn client_ip<S: Storage>(parts: &Parts, state: &AppState<S>) -> Option<IpAddr> {
    if state.trust_forwarded_for()
        && let Some(ip) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back()
    {
        return Some(ip);
    }
    parts.extensions.get::<ClientAddr>().map(|c| c.0.ip())
}

/// Which rate-limit bucket a route draws from.
pub trait LimitClass {
    const CLASS: Class;
}

/// Enrolment and recovery.
#[derive(Debug)]
pub struct EnrolClass;
impl LimitClass for EnrolClass {
    const CLASS: Class = Class::Enrol;
}

/// Login.
#[derive(Debug)]
pub struct LoginClass;
impl LimitClass for LoginClass {
    const CLASS: Class = Class::Login;
}

/// Takes a rate-limit token before anything else is read; empty → `429 rate_limited`.
#[derive(Debug)]
pub struct Limited<C>(PhantomData<C>);

impl<C: LimitClass, S: Storage> FromRequestParts<AppState<S>> for Limited<C> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        // Without a known address (never in practice) every such client shares a bucket.
        let ip = client_ip(parts, state).unwrap_or(IpAddr::from([0, 0, 0, 0]));
        state.limiter().check(C::CLASS, ip).map_err(|wait| {
            inc(&state.metrics().rate_limited, 1);
            ApiError::rate_limited(wait)
        })?;
        Ok(Limited(PhantomData))
    }
}

/// An authenticated device: `Authorization: Bearer TOKEN` → session → device → account →
/// chapter → role. Unknown or expired → `401 unauthenticated`; revoked → `403
/// device_revoked` with `"wipe": true`; of a locked account → `403 account_locked`.
#[derive(Debug, Clone)]
pub struct Auth {
    pub device: DeviceInfo,
}

impl Auth {
    pub fn account_id(&self) -> &str {
        &self.device.account_id
    }

    pub fn chapter_id(&self) -> i64 {
        self.device.chapter_id
    }

    pub fn is_coordinator(&self) -> bool {
        matches!(self.device.role, Role::Coordinator | Role::Admin)
    }

    /// `403 forbidden` unless a coordinator.
    pub fn require_coordinator(&self) -> Result<(), ApiError> {
        if self.is_coordinator() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "only the chapter's coordinator may do this",
            ))
        }
    }
}

/// Minimum seconds between two `last_seen` writes of one device.
const TOUCH_EVERY: i64 = 60;

impl<S: Storage> FromRequestParts<AppState<S>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthenticated("missing bearer token"))?;
        let now = now();
        let device = state
            .storage()
            .session_device(sha256(token.as_bytes()), now)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("unknown or expired token; log in again"))?;
        if let Some(slot) = parts.extensions.get::<LogSlot>() {
            slot.set(&device.device_id);
        }
        // Revoked before locked: a revoked device of a locked account must still get its
        // revocation statement, or it would never wipe itself.
        if device.revoked_at.is_some() {
            return Err(ApiError::revoked(device.revocation.as_deref()));
        }
        if device.account_locked_at.is_some() {
            return Err(ApiError::account_locked());
        }
        if device.last_seen.is_none_or(|t| now - t >= TOUCH_EVERY)
            && let Err(e) = state.storage().touch_device(&device.device_id, now).await
        {
            tracing::warn!(error = %e, "could not record last_seen");
        }
        Ok(Auth { device })
    }
}
