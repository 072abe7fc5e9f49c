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
use axum::handler::Handler;
use axum::http::Method;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};
use peerlog_protocol::api;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::{RateLimiter, RateLimits};
use crate::storage::Storage;

pub use extract::{ApiJson, ApiQuery};

/// One route: its method, path template and handler, together, so no route can lack a
/// handler and no handler can lack its route.
pub struct Route<S: Storage> {
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState<S>>,
}

impl<S: Storage> Route<S> {
    fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        Self::new(Method::GET, path, routing::get(handler))
    }

    fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        Self::new(Method::POST, path, routing::post(handler))
    }

    /// A POST whose body may be at most `max_bytes` (smaller than the API's limit).
    fn post_limited<H, T>(path: &'static str, handler: H, max_bytes: usize) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        Self::new(
            Method::POST,
            path,
            routing::post(handler).layer(DefaultBodyLimit::max(max_bytes)),
        )
    }

    fn new(method: Method, path: &'static str, handler: MethodRouter<AppState<S>>) -> Self {
        Route {
            method,
            path,
            handler,
        }
    }

    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template, as axum matches it and the OpenAPI document names it.
    pub fn path(&self) -> &'static str {
        self.path
    }
}

impl<S: Storage> std::fmt::Debug for Route<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Every route. The router is built from this list alone (a route missing here does not
/// exist), and the OpenAPI document lists exactly these (tested).
pub fn routes<S: Storage>() -> Vec<Route<S>> {
    use handlers::{accounts, auth, declaration, devices, enrol, invitations, recovery, sync};
    vec![
        Route::get("/healthz", ops::healthz::<S>),
        Route::get("/metrics", ops::metrics::<S>),
        Route::get("/v1/openapi.json", ops::openapi),
        Route::post("/v1/enrol/coordinator", enrol::enrol_coordinator::<S>),
        Route::post("/v1/enrol/chapter", enrol::enrol_chapter::<S>),
        Route::post("/v1/enrol/peer", enrol::enrol_peer::<S>),
        Route::post("/v1/recovery/fetch", recovery::recovery_fetch::<S>),
        Route::post("/v1/recovery/device", recovery::recovery_device::<S>),
        Route::post("/v1/recovery/rotate", recovery::recovery_rotate::<S>),
        Route::post("/v1/auth/challenge", auth::challenge::<S>),
        Route::post("/v1/auth/token", auth::token::<S>),
        Route::post("/v1/sync/push", sync::push::<S>),
        Route::get("/v1/sync/pull", sync::pull::<S>),
        Route::get("/v1/declaration", declaration::declaration::<S>),
        Route::post(
            "/v1/chapter/declaration",
            declaration::publish_declaration::<S>,
        ),
        Route::post(
            "/v1/chapter/invitations",
            invitations::create_invitation::<S>,
        ),
        Route::get("/v1/chapter/accounts", accounts::accounts::<S>),
        Route::post("/v1/devices/{device_id}/revoke", devices::revoke::<S>),
        Route::post("/v1/accounts/{account_id}/lock", accounts::lock::<S>),
        Route::post_limited(
            "/v1/chapter/rollup",
            handlers::rollup::submit::<S>,
            peerlog_protocol::rollup::MAX_ROLLUP_BYTES,
        ),
    ]
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
    for route in routes::<S>() {
        router = router.route(route.path, route.handler);
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
    use std::collections::BTreeSet;

    use super::*;
    use crate::storage::SqliteStorage;

    /// The OpenAPI document is written by hand: it must document exactly the routes the
    /// router serves, no more and no fewer.
    #[test]
    fn the_openapi_document_lists_exactly_the_routes() {
        let served: BTreeSet<(String, String)> = routes::<SqliteStorage>()
            .iter()
            .map(|r| {
                (
                    r.method().as_str().to_ascii_lowercase(),
                    r.path().to_owned(),
                )
            })
            .collect();
        let doc = ops::openapi_document();
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(method, _)| (method.clone(), path.clone()))
            })
            .collect();
        assert_eq!(served, documented);
    }

    #[test]
    fn no_route_is_listed_twice() {
        let routes = routes::<SqliteStorage>();
        let unique: BTreeSet<_> = routes
            .iter()
            .map(|r| (r.method().as_str(), r.path()))
            .collect();
        assert_eq!(unique.len(), routes.len());
    }
}
