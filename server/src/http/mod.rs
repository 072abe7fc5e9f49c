//! The HTTP API v1 (ADR 0005, ADR 0007): the router over [`AppState`], generic over the
//! storage, the request log and metrics middleware, and the JSON error fallbacks.

mod extract;
mod handlers;
mod ops;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use peerlog_protocol::api;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::{RateLimiter, RateLimits};
use crate::storage::Storage;

pub use extract::{ApiJson, ApiQuery};

/// Every route: method and path template. The router is built from this list (a route
/// missing here does not exist), and the OpenAPI document must cover it (tested).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/v1/openapi.json"),
    ("POST", "/v1/enrol/coordinator"),
    ("POST", "/v1/enrol/chapter"),
    ("POST", "/v1/enrol/peer"),
    ("POST", "/v1/recovery/fetch"),
    ("POST", "/v1/recovery/device"),
    ("POST", "/v1/auth/challenge"),
    ("POST", "/v1/auth/token"),
    ("POST", "/v1/sync/push"),
    ("GET", "/v1/sync/pull"),
    ("GET", "/v1/declaration"),
    ("POST", "/v1/chapter/declaration"),
    ("POST", "/v1/chapter/invitations"),
    ("GET", "/v1/chapter/accounts"),
    ("POST", "/v1/devices/{device_id}/revoke"),
];

fn handler<S: Storage>(method: &str, path: &str) -> Option<MethodRouter<AppState<S>>> {
    use handlers::{accounts, auth, declaration, devices, enrol, invitations, recovery, sync};
    let route = match (method, path) {
        ("GET", "/healthz") => get(ops::healthz::<S>),
        ("GET", "/metrics") => get(ops::metrics::<S>),
        ("GET", "/v1/openapi.json") => get(ops::openapi),
        ("POST", "/v1/enrol/coordinator") => post(enrol::enrol_coordinator::<S>),
        ("POST", "/v1/enrol/chapter") => post(enrol::enrol_chapter::<S>),
        ("POST", "/v1/enrol/peer") => post(enrol::enrol_peer::<S>),
        ("POST", "/v1/recovery/fetch") => post(recovery::recovery_fetch::<S>),
        ("POST", "/v1/recovery/device") => post(recovery::recovery_device::<S>),
        ("POST", "/v1/auth/challenge") => post(auth::challenge::<S>),
        ("POST", "/v1/auth/token") => post(auth::token::<S>),
        ("POST", "/v1/sync/push") => post(sync::push::<S>),
        ("GET", "/v1/sync/pull") => get(sync::pull::<S>),
        ("GET", "/v1/declaration") => get(declaration::declaration::<S>),
        ("POST", "/v1/chapter/declaration") => post(declaration::publish_declaration::<S>),
        ("POST", "/v1/chapter/invitations") => post(invitations::create_invitation::<S>),
        ("GET", "/v1/chapter/accounts") => get(accounts::accounts::<S>),
        ("POST", "/v1/devices/{device_id}/revoke") => post(devices::revoke::<S>),
        _ => return None,
    };
    Some(route)
}

/// Shared state of the handlers. Cheap to clone.
#[derive(Debug)]
pub struct AppState<S: Storage> {
    inner: Arc<Inner<S>>,
}

impl<S: Storage> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            inner: Arc::clone(&self.inner),
        }
    }
}

#[derive(Debug)]
struct Inner<S> {
    storage: S,
    limiter: RateLimiter,
    metrics: Metrics,
    trust_forwarded_for: bool,
    request_timeout: Duration,
}

impl<S: Storage> AppState<S> {
    /// `request_timeout` bounds reading the body and handling one request (→ `408`).
    pub fn new(
        storage: S,
        limits: RateLimits,
        trust_forwarded_for: bool,
        request_timeout: Duration,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                storage,
                limiter: RateLimiter::new(limits),
                metrics: Metrics::default(),
                trust_forwarded_for,
                request_timeout,
            }),
        }
    }

    pub fn storage(&self) -> &S {
        &self.inner.storage
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn trust_forwarded_for(&self) -> bool {
        self.inner.trust_forwarded_for
    }
}

/// The client address of a connection, put into each request's extensions by the accept
/// loop (axum's `ConnectInfo` form).
pub type ClientAddr = axum::extract::ConnectInfo<SocketAddr>;

/// Filled by the auth extractor so the request log can name the device (and nothing
/// else about the caller).
#[derive(Debug, Clone, Default)]
pub(crate) struct LogSlot(Arc<Mutex<Option<String>>>);

impl LogSlot {
    pub(crate) fn set(&self, device_id: &str) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(device_id.to_owned());
    }

    fn take(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// The router with all routes, JSON fallbacks, the body limit, panic catching and the
/// request log.
pub fn router<S: Storage>(state: AppState<S>) -> Router {
    let mut router = Router::new();
    for (method, path) in ROUTES {
        if let Some(h) = handler::<S>(method, path) {
            router = router.route(path, h);
        }
    }
    router
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), observe::<S>))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        api::codes::INVALID_REQUEST,
        "method not allowed on this route",
    )
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic payload is not logged: it could quote request data.
    tracing::error!("a handler panicked");
    ApiError::internal().into_response()
}

/// Bounds the request's time (body upload included), logs one line per request (method,
/// route template, status, latency, device id) and counts it. Never the raw URI, headers
/// or bodies.
async fn observe<S: Storage>(
    State(state): State<AppState<S>>,
    mut req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let slot = LogSlot::default();
    req.extensions_mut().insert(slot.clone());
    let res = match tokio::time::timeout(state.inner.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            api::codes::INVALID_REQUEST,
            "the request took too long (a slow upload?); try again",
        )
        .into_response(),
    };
    let status = res.status().as_u16();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    state.metrics().request(&route, method.as_str(), status);
    let device = slot.take();
    tracing::info!(
        method = %method,
        route = %route,
        status,
        latency_ms = (latency_ms * 1000.0).round() / 1000.0,
        device = device.as_deref().unwrap_or("-"),
        "request"
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;

    #[test]
    fn every_route_has_a_handler_and_is_documented() {
        let doc = ops::openapi_document();
        for (method, path) in ROUTES {
            assert!(
                handler::<SqliteStorage>(method, path).is_some(),
                "{method} {path}"
            );
            let op = &doc["paths"][*path][method.to_ascii_lowercase()];
            assert!(op.is_object(), "{method} {path} missing from openapi");
        }
    }
}
