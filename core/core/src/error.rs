//! Errors: a rich internal [`CoreError`] and the small, stable [`PeerlogError`] that
//! crosses the FFI (and is printed by the CLI). Every variant carries a machine code and a
//! human message in the user's language.

use crate::i18n::{Invalid, Msg, tr};
use peerlog_protocol::api;
use peerlog_rules::Locale;

/// One problem with one field of an input, in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct FieldError {
    /// The input field, e.g. `minutes`, `private_ref`.
    pub field: String,
    /// Stable machine code, e.g. `out_of_range`, `too_long`, `in_future`.
    pub code: String,
    /// Human message in the user's language.
    pub message: String,
}

/// Everything that can go wrong inside the core. Rich and internal; converted to
/// [`PeerlogError`] at the API boundary.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("this device is not set up yet")]
    NotInitialised,
    #[error("this device is already set up")]
    AlreadyInitialised,
    #[error("the confidentiality declaration must be signed first")]
    DeclarationRequired,
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("not allowed: {0}")]
    NotAllowed(Msg),
    #[error("cryptography: {0}")]
    Crypto(#[from] peerlog_crypto::CryptoError),
    #[error("wire format: {0}")]
    Protocol(#[from] peerlog_protocol::ProtocolError),
    #[error("canonical JSON: {0}")]
    Canonical(#[from] peerlog_protocol::canonical::CanonicalError),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("secret store: {0}")]
    Secrets(#[from] SecretStoreError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("verification failed: {0}")]
    Verification(Msg),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The server could not be reached (DNS, TCP, TLS, timeout). The reason is for logs.
    #[error("network: {0}")]
    Network(String),
    /// The server answered with an error body.
    #[error("server refused ({status} {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The device was revoked; it has been wiped.
    #[error("device revoked")]
    DeviceRevoked,
    /// The server refuses this device as revoked and hands over the revocation statement,
    /// if it has one. Nothing is wiped until that statement verifies.
    #[error("the server says this device is revoked")]
    RevocationClaimed(Option<Box<peerlog_protocol::api::SignedRevocation>>),
    /// What the server holds of the account does not match the account's signed head: a
    /// record withheld, a head rolled back or not genuine (ADR 0022). Names which.
    #[error("the server's copy of the account is not consistent: {0}")]
    ServerInconsistent(&'static str),
}

impl CoreError {
    pub fn corrupt(what: impl Into<String>) -> Self {
        CoreError::Corrupt(what.into())
    }

    pub fn invalid(field: &str, code: &str, message: String) -> Self {
        CoreError::Invalid(vec![FieldError {
            field: field.to_string(),
            code: code.to_string(),
            message,
        }])
    }

    /// Converts to the stable FFI error, with messages in `locale`.
    pub fn to_ffi(&self, locale: Locale) -> PeerlogError {
        match self {
            CoreError::Invalid(fields) => {
                let user_message = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                PeerlogError::Invalid {
                    code: fields
                        .first()
                        .map(|f| f.code.clone())
                        .unwrap_or_else(|| "invalid".into()),
                    user_message,
                    fields: fields.clone(),
                }
            }
            CoreError::NotInitialised => PeerlogError::NotInitialised {
                code: "not_initialised".into(),
                user_message: tr(locale, Msg::NotInitialised),
            },
            CoreError::AlreadyInitialised => PeerlogError::Refused {
                code: "already_initialised".into(),
                user_message: tr(locale, Msg::AlreadyInitialised),
            },
            CoreError::DeclarationRequired => PeerlogError::DeclarationRequired {
                code: "declaration_required".into(),
                user_message: tr(locale, Msg::DeclarationRequired),
            },
            CoreError::NotFound { what } => PeerlogError::NotFound {
                code: "not_found".into(),
                user_message: format!("{}: {what}", tr(locale, Msg::NotFound)),
            },
            CoreError::NotAllowed(msg) => PeerlogError::Refused {
                code: msg.code().into(),
                user_message: tr(locale, *msg),
            },
            CoreError::Verification(msg) => PeerlogError::Verification {
                code: msg.code().into(),
                user_message: tr(locale, *msg),
            },
            CoreError::Crypto(e) => {
                let msg = match e.code() {
                    "wrong_recovery_code" => Msg::WrongRecoveryCode,
                    "recovery_code_typo" => Msg::RecoveryCodeTypo,
                    _ => Msg::CryptoFailed,
                };
                let user_message = if matches!(msg, Msg::CryptoFailed) {
                    format!("{} ({})", tr(locale, msg), e)
                } else {
                    tr(locale, msg)
                };
                PeerlogError::Verification {
                    code: e.code().into(),
                    user_message,
                }
            }
            CoreError::Protocol(e) => PeerlogError::Verification {
                code: e.code().into(),
                user_message: format!("{}: {e}", tr(locale, Msg::BadFormat)),
            },
            CoreError::Canonical(e) => PeerlogError::Storage {
                code: "canonical_json".into(),
                user_message: format!("{}: {e}", tr(locale, Msg::BadFormat)),
            },
            CoreError::Json(e) => PeerlogError::Verification {
                code: "bad_format".into(),
                user_message: format!("{}: {e}", tr(locale, Msg::BadFormat)),
            },
            CoreError::Db(e) => match db_trouble(e) {
                Some(msg) => storage_trouble(locale, msg),
                None => PeerlogError::Storage {
                    code: "database".into(),
                    user_message: format!("{}: {e}", tr(locale, Msg::StorageFailed)),
                },
            },
            CoreError::Io(e) => match io_trouble(e) {
                Some(msg) => storage_trouble(locale, msg),
                None => PeerlogError::Storage {
                    code: "io".into(),
                    user_message: format!("{}: {e}", tr(locale, Msg::StorageFailed)),
                },
            },
            CoreError::Corrupt(what) => PeerlogError::Storage {
                code: "corrupt".into(),
                user_message: format!("{}: {what}", tr(locale, Msg::StorageFailed)),
            },
            CoreError::Network(reason) => PeerlogError::Network {
                code: "network".into(),
                user_message: format!("{} ({reason})", tr(locale, Msg::NetworkFailed)),
            },
            CoreError::Server { code, .. } if code == api::codes::ACCOUNT_LOCKED => {
                PeerlogError::Server {
                    code: code.clone(),
                    user_message: tr(locale, Msg::AccountLocked),
                }
            }
            CoreError::Server { code, message, .. } => PeerlogError::Server {
                code: code.clone(),
                user_message: format!("{}: {code} ({message})", tr(locale, Msg::ServerRefused)),
            },
            CoreError::DeviceRevoked => PeerlogError::DeviceRevoked {
                code: "device_revoked".into(),
                user_message: tr(locale, Msg::DeviceRevoked),
            },
            CoreError::RevocationClaimed(_) => PeerlogError::Refused {
                code: Msg::RevokedNotWiped.code().into(),
                user_message: tr(locale, Msg::RevokedNotWiped),
            },
            CoreError::ServerInconsistent(_) => PeerlogError::Refused {
                code: Msg::ServerInconsistent.code().into(),
                user_message: tr(locale, Msg::ServerInconsistent),
            },
            CoreError::Secrets(SecretStoreError::UserPresenceRequired) => {
                PeerlogError::SecretStore {
                    code: Msg::UserPresenceRequired.code().into(),
                    user_message: tr(locale, Msg::UserPresenceRequired),
                }
            }
            CoreError::Secrets(e) => PeerlogError::SecretStore {
                code: "secret_store".into(),
                user_message: format!("{}: {e}", tr(locale, Msg::SecretStoreFailed)),
            },
        }
    }
}

impl Msg {
    /// An `Invalid` error on `field` with this message in `locale`.
    pub fn at(self, field: &str, locale: Locale) -> CoreError {
        CoreError::invalid(field, self.code(), tr(locale, self))
    }
}

impl Invalid {
    /// An `Invalid` error on `field` with this message in `locale`.
    pub fn at(self, field: &str, locale: Locale) -> CoreError {
        CoreError::invalid(field, self.code(), self.message(locale))
    }
}

/// The error every core API call can return. Small and stable: the apps switch on the
/// variant (or `code`) and show `user_message`, which is already in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PeerlogError {
    /// The input was refused; `fields` has one entry per problem. Nothing was written.
    #[error("{user_message}")]
    Invalid {
        code: String,
        user_message: String,
        fields: Vec<FieldError>,
    },
    /// Logging is refused until the current declaration version is signed.
    #[error("{user_message}")]
    DeclarationRequired { code: String, user_message: String },
    /// The device has not been set up (no keys yet).
    #[error("{user_message}")]
    NotInitialised { code: String, user_message: String },
    /// The thing asked for does not exist (or was deleted).
    #[error("{user_message}")]
    NotFound { code: String, user_message: String },
    /// The request is valid but not allowed in the current state.
    #[error("{user_message}")]
    Refused { code: String, user_message: String },
    /// A signature, envelope, recovery code or file did not verify.
    #[error("{user_message}")]
    Verification { code: String, user_message: String },
    /// The local database or a file could not be read or written.
    #[error("{user_message}")]
    Storage { code: String, user_message: String },
    /// The platform's secret store failed.
    #[error("{user_message}")]
    SecretStore { code: String, user_message: String },
    /// The server could not be reached (no network, DNS, TLS, timeout). Try again later.
    #[error("{user_message}")]
    Network { code: String, user_message: String },
    /// The server refused the request; `code` is the server's machine code
    /// (`unauthenticated`, `token_used`, `rate_limited`, …).
    #[error("{user_message}")]
    Server { code: String, user_message: String },
    /// The coordinator revoked this device; its keys and local data have been wiped.
    #[error("{user_message}")]
    DeviceRevoked { code: String, user_message: String },
}

impl PeerlogError {
    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            PeerlogError::Invalid { code, .. }
            | PeerlogError::DeclarationRequired { code, .. }
            | PeerlogError::NotInitialised { code, .. }
            | PeerlogError::NotFound { code, .. }
            | PeerlogError::Refused { code, .. }
            | PeerlogError::Verification { code, .. }
            | PeerlogError::Storage { code, .. }
            | PeerlogError::SecretStore { code, .. }
            | PeerlogError::Network { code, .. }
            | PeerlogError::Server { code, .. }
            | PeerlogError::DeviceRevoked { code, .. } => code,
        }
    }

    /// The human message, in the user's language.
    pub fn message(&self) -> &str {
        match self {
            PeerlogError::Invalid { user_message, .. }
            | PeerlogError::DeclarationRequired { user_message, .. }
            | PeerlogError::NotInitialised { user_message, .. }
            | PeerlogError::NotFound { user_message, .. }
            | PeerlogError::Refused { user_message, .. }
            | PeerlogError::Verification { user_message, .. }
            | PeerlogError::Storage { user_message, .. }
            | PeerlogError::SecretStore { user_message, .. }
            | PeerlogError::Network { user_message, .. }
            | PeerlogError::Server { user_message, .. }
            | PeerlogError::DeviceRevoked { user_message, .. } => user_message,
        }
    }

    /// True for errors caused by the user's input or the app's state: validation,
    /// refusal (also by the server), missing declaration, not found, failed verification,
    /// a revoked device. False when something failed that the user cannot fix by acting
    /// differently: storage, the secret store, the network, or the server itself
    /// (`internal`, any 5xx) — those are worth retrying later.
    pub fn is_user_error(&self) -> bool {
        match self {
            PeerlogError::Storage { .. }
            | PeerlogError::SecretStore { .. }
            | PeerlogError::Network { .. } => false,
            PeerlogError::Server { code, .. } => !server_failed(code),
            _ => true,
        }
    }
}

/// A storage failure the user can understand and act on: full, read-only, in use.
fn storage_trouble(locale: Locale, msg: Msg) -> PeerlogError {
    PeerlogError::Storage {
        code: msg.code().into(),
        user_message: tr(locale, msg),
    }
}

/// Which of the understandable storage failures SQLite reported, if any. A write that a
/// file-size limit cuts short comes back as "full" (a short write) or as a write error
/// (`EFBIG`); either way nothing of the transaction was committed.
fn db_trouble(e: &rusqlite::Error) -> Option<Msg> {
    use rusqlite::ErrorCode;
    let rusqlite::Error::SqliteFailure(f, _) = e else {
        return None;
    };
    match f.code {
        ErrorCode::DiskFull => Some(Msg::StorageFull),
        // Growing the WAL or its shared-memory index failed the same way.
        ErrorCode::SystemIoFailure
            if f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE
                || f.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE =>
        {
            Some(Msg::StorageFull)
        }
        ErrorCode::ReadOnly | ErrorCode::PermissionDenied => Some(Msg::StorageReadOnly),
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Some(Msg::StorageBusy),
        _ => None,
    }
}

/// The same for a plain file (a backup, a signed copy, the CLI's secret files).
fn io_trouble(e: &std::io::Error) -> Option<Msg> {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::FileTooLarge => Some(Msg::StorageFull),
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => Some(Msg::StorageReadOnly),
        _ => None,
    }
}

/// The server itself failed (`internal`, any 5xx): not the request's fault.
fn server_failed(code: &str) -> bool {
    code == peerlog_protocol::api::codes::INTERNAL || code.starts_with("http_5")
}

#[uniffi::export]
impl PeerlogError {
    /// Whether trying the same thing again later, unchanged, can succeed: the network, the
    /// server failing or asking to slow down (`internal`, any 5xx, `rate_limited`, a
    /// timeout), or a secret store that is locked for now (a phone before its first
    /// unlock). Background schedulers retry these (when: `SyncStatus.retry_after`) and
    /// give up on everything else until the user acts.
    pub fn is_transient(&self) -> bool {
        match self {
            PeerlogError::Network { .. } | PeerlogError::SecretStore { .. } => true,
            // Another program holds the store: it lets go soon.
            PeerlogError::Storage { code, .. } => code == Msg::StorageBusy.code(),
            PeerlogError::Server { code, .. } => {
                server_failed(code)
                    || code == peerlog_protocol::api::codes::RATE_LIMITED
                    || code == "http_408"
            }
            _ => false,
        }
    }
}

/// Errors a platform secret store reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SecretStoreError {
    /// The store could not be read or written (locked keychain, I/O error, …).
    #[error("{reason}")]
    Unavailable { reason: String },
    /// A `UserPresence` secret was read without the user's recent authentication (or the
    /// user cancelled the platform's prompt): the app asks for the screen lock and retries.
    #[error("the user must confirm with the screen lock first")]
    UserPresenceRequired,
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SecretStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SecretStoreError::Unavailable { reason: e.reason }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::os::raw::c_int) -> CoreError {
        CoreError::Db(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some("from sqlite".into()),
        ))
    }

    #[test]
    fn storage_trouble_a_user_can_act_on_has_its_own_code_and_message() {
        let cases = [
            (rusqlite::ffi::SQLITE_FULL, "storage_full"),
            (rusqlite::ffi::SQLITE_IOERR_WRITE, "storage_full"),
            (rusqlite::ffi::SQLITE_IOERR_SHMSIZE, "storage_full"),
            (rusqlite::ffi::SQLITE_READONLY, "storage_read_only"),
            (rusqlite::ffi::SQLITE_BUSY, "storage_busy"),
            (rusqlite::ffi::SQLITE_LOCKED, "storage_busy"),
            (rusqlite::ffi::SQLITE_CORRUPT, "database"),
        ];
        for (code, want) in cases {
            let e = sqlite(code).to_ffi(Locale::Da);
            assert_eq!(e.code(), want, "{code}");
            assert!(!e.message().contains("internal"), "{e}");
            // Only another program holding the store lets go by itself.
            assert_eq!(e.is_transient(), want == "storage_busy", "{code}");
        }
        assert!(
            sqlite(rusqlite::ffi::SQLITE_FULL)
                .to_ffi(Locale::Da)
                .message()
                .contains("ikke plads")
        );
        let io = |kind| CoreError::Io(std::io::Error::from(kind)).to_ffi(Locale::En);
        assert_eq!(io(std::io::ErrorKind::FileTooLarge).code(), "storage_full");
        assert_eq!(io(std::io::ErrorKind::StorageFull).code(), "storage_full");
        assert_eq!(
            io(std::io::ErrorKind::ReadOnlyFilesystem).code(),
            "storage_read_only"
        );
        assert_eq!(io(std::io::ErrorKind::NotFound).code(), "io");
    }

    fn server(code: &str) -> PeerlogError {
        PeerlogError::Server {
            code: code.into(),
            user_message: String::new(),
        }
    }

    #[test]
    fn network_and_server_failures_are_not_the_users() {
        let network = PeerlogError::Network {
            code: "network".into(),
            user_message: String::new(),
        };
        assert!(!network.is_user_error());
        assert!(!server("internal").is_user_error());
        assert!(!server("http_502").is_user_error());
        assert!(server("token_used").is_user_error());
        assert!(server("http_404").is_user_error());
    }

    #[test]
    fn only_what_can_heal_by_itself_is_transient() {
        let other = |make: fn(String, String) -> PeerlogError| make("x".into(), String::new());
        assert!(
            other(|code, user_message| PeerlogError::Network { code, user_message }).is_transient()
        );
        assert!(
            other(|code, user_message| PeerlogError::SecretStore { code, user_message })
                .is_transient()
        );
        for code in [
            "internal",
            "http_502",
            "http_503",
            "rate_limited",
            "http_408",
        ] {
            assert!(server(code).is_transient(), "{code}");
        }
        for code in [
            "token_used",
            "unauthenticated",
            "forbidden",
            "http_404",
            "conflict",
        ] {
            assert!(!server(code).is_transient(), "{code}");
        }
        assert!(
            !other(|code, user_message| PeerlogError::DeviceRevoked { code, user_message })
                .is_transient()
        );
        assert!(
            !other(|code, user_message| PeerlogError::Storage { code, user_message })
                .is_transient()
        );
        assert!(
            !other(|code, user_message| PeerlogError::Refused { code, user_message })
                .is_transient()
        );
    }
}
