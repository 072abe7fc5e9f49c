//! Errors: [`ServerError`] for the library and the binary, [`ApiError`] for HTTP refusals
//! (always an [`ErrorBody`] JSON body with a code from [`codes`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use peerlog_protocol::api::{ErrorBody, codes};

use crate::storage::StorageError;

/// What can go wrong starting, running or administering the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The database URL is neither `sqlite://PATH` nor `postgres://…`/`postgresql://…`.
    #[error("invalid database URL: {0}")]
    InvalidDatabaseUrl(String),
    /// The storage refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// An argument is out of range.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Randomness from the operating system failed.
    #[error("no secure randomness: {0}")]
    Random(String),
}

/// A refused HTTP request: a status and an [`ErrorBody`], plus `Retry-After` when rate
/// limited.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHENTICATED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    /// The chapter locked the account: nobody recovers it or adds a device to it.
    pub fn account_locked() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            codes::ACCOUNT_LOCKED,
            "the chapter has locked this account; ask your coordinator",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, codes::CONFLICT, message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "the server failed; try again later",
        )
    }

    /// The device was revoked: `403 device_revoked` with `"wipe": true` and the signed
    /// revocation kept with it (the device checks the signature before it wipes anything;
    /// a stored statement that no longer parses is left out, and the device only locks).
    pub fn revoked(revocation: Option<&[u8]>) -> Self {
        let mut e = Self::new(
            StatusCode::FORBIDDEN,
            codes::DEVICE_REVOKED,
            "this device was revoked; delete its keys and local data",
        );
        e.body.wipe = true;
        e.body.revocation = revocation.and_then(|b| serde_json::from_slice(b).ok());
        e
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!("too many attempts; retry in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// The code of the body.
    pub fn code(&self) -> &str {
        &self.body.error.code
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match &e {
            StorageError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            StorageError::AlreadyExists(what) => {
                ApiError::conflict(format!("{what} already exists"))
            }
            StorageError::AlreadyUsed => ApiError::new(
                StatusCode::CONFLICT,
                codes::TOKEN_USED,
                "this token was already used",
            ),
            StorageError::Expired => {
                ApiError::new(StatusCode::GONE, codes::TOKEN_EXPIRED, "this token expired")
            }
            StorageError::Conflict(msg) => ApiError::conflict(msg.clone()),
            StorageError::HeadRequired => ApiError::new(
                StatusCode::CONFLICT,
                codes::HEAD_REQUIRED,
                "this account keeps a head (ADR 0022): update the app, whose push carries none",
            ),
            StorageError::InvalidInput(msg) => ApiError::bad_request(msg.clone()),
            StorageError::Unavailable(_) => {
                tracing::error!(error = %e, "storage unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    codes::INTERNAL,
                    "storage unavailable; try again later",
                )
            }
            _ => {
                tracing::error!(error = %e, code = e.code(), "storage error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
