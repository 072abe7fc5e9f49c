//! The console's gatekeeping, applied to every request before any page runs: the Host
//! check, sign-in with the one-time secret, the session cookie, the Origin check of
//! state-changing requests, and the security headers of every response. The CSRF token of
//! each form is checked by the [`CsrfForm`] extractor the handlers take.

use crate::{AppState, Session};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use std::sync::Arc;

/// No inline script or style, nothing from another origin, no framing, forms only to us.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // The system's randomness failing is not something a user can act on; the secret would
    // be guessable, so stop.
    #[allow(clippy::expect_used)]
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .expect("system randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Constant-time equality of two secrets.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signed-in session of a request (put there by [`gate`]).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: String,
    pub session: Session,
}

/// Whether the Host header names this console: its own address, or `localhost` with its
/// port. Anything else is a page on another name that resolves here (DNS rebinding).
pub fn host_ok(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    host == state.addr.to_string() || host == format!("localhost:{}", state.addr.port())
}

/// Whether a state-changing request comes from a page of this console.
fn origin_ok(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|h| h.to_str().ok()),
        headers.get(header::HOST).and_then(|h| h.to_str().ok()),
    ) else {
        return false;
    };
    origin == format!("http://{host}")
}

fn session_cookie(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = state.cookie_name();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn plain(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}

/// The value of `name` in a query string.
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Every request passes here: Host, sign-in, session, Origin; then the headers.
pub async fn gate(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut resp = gate_inner(&state, req, next).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: under it a browser sends `Origin: null` with a form's POST, and
    // the Origin check could not tell our forms from anyone's. Nothing leaves this origin.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn gate_inner(state: &Arc<AppState>, mut req: Request, next: Next) -> Response {
    let t = crate::texts::Texts(state.locale);
    if !host_ok(state, req.headers()) {
        return plain(StatusCode::MISDIRECTED_REQUEST, t.wrong_host());
    }
    let path = req.uri().path().to_string();
    if (path.starts_with("/assets/") || path == "/favicon.ico") && req.method() == Method::GET {
        return next.run(req).await;
    }
    let cookie = session_cookie(state, req.headers());
    let signed_in = cookie
        .as_deref()
        .and_then(|id| state.session(id).map(|s| (id.to_string(), s)));

    // Sign-in: `/?token=…` once, then the address bar is cleaned by a redirect.
    if let Some(token) = req.uri().query().and_then(|q| query_value(q, "token")) {
        if req.method() != Method::GET {
            return plain(StatusCode::METHOD_NOT_ALLOWED, t.forbidden());
        }
        if signed_in.is_some() {
            return Redirect::to("/").into_response();
        }
        return match state.log_in(token) {
            Some(id) => {
                let cookie = format!(
                    "{}={id}; HttpOnly; SameSite=Strict; Path=/",
                    state.cookie_name()
                );
                let mut r = Redirect::to("/").into_response();
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                r
            }
            None => crate::pages::login_page(state, true),
        };
    }

    let Some((id, session)) = signed_in else {
        return if req.method() == Method::GET || req.method() == Method::HEAD {
            crate::pages::login_page(state, false)
        } else {
            plain(StatusCode::FORBIDDEN, t.forbidden())
        };
    };
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe && !origin_ok(req.headers()) {
        return plain(StatusCode::FORBIDDEN, t.forbidden());
    }
    req.extensions_mut().insert(SignedIn { id, session });
    next.run(req).await
}

/// A form with the session's CSRF token in its `csrf` field. A missing or wrong token is
/// refused (403) before the handler runs; `T` holds the form's other fields (the token is
/// read apart, so no form struct carries it).
#[derive(Debug)]
pub struct CsrfForm<T> {
    pub form: T,
    pub who: SignedIn,
}

/// The token, read from the same body as the form.
#[derive(serde::Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// `body` (with the request's method and headers) as an `axum::Form<T>`.
async fn form_of<T, S>(
    method: &Method,
    headers: &HeaderMap,
    body: &axum::body::Bytes,
    state: &S,
) -> Result<T, Response>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    let mut req = Request::new(axum::body::Body::from(body.clone()));
    *req.method_mut() = method.clone();
    *req.headers_mut() = headers.clone();
    let axum::Form(form) = axum::Form::<T>::from_request(req, state)
        .await
        .map_err(|_| plain(StatusCode::BAD_REQUEST, "bad form"))?;
    Ok(form)
}

impl<T, S> FromRequest<S> for CsrfForm<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let who = req
            .extensions()
            .get::<SignedIn>()
            .cloned()
            .ok_or_else(|| plain(StatusCode::FORBIDDEN, "forbidden"))?;
        let (method, headers) = (req.method().clone(), req.headers().clone());
        // Within the router's body limit, as `axum::Form` would read it.
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| plain(StatusCode::BAD_REQUEST, "bad form"))?;
        let token: Token = form_of(&method, &headers, &body, state).await?;
        if !same(token.csrf.as_bytes(), who.session.csrf.as_bytes()) {
            return Err(plain(StatusCode::FORBIDDEN, "forbidden"));
        }
        let form = form_of(&method, &headers, &body, state).await?;
        Ok(CsrfForm { form, who })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
    }

    #[test]
    fn query_values_are_found_by_name() {
        assert_eq!(query_value("token=abc", "token"), Some("abc"));
        assert_eq!(query_value("year=2025&token=x", "token"), Some("x"));
        assert_eq!(query_value("tokens=x", "token"), None);
    }
}
