//! The crypto error type.

use peerlog_protocol::ProtocolError;
use peerlog_protocol::canonical::CanonicalError;

/// Everything that can go wrong in `peerlog-crypto`. Never carries secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Authenticated decryption failed: wrong key, or the data was altered.
    #[error("decryption failed (wrong key or altered data)")]
    DecryptFailed,
    /// The envelope has no wrapped key for this recipient key.
    #[error("this key is not a recipient of the record")]
    NotARecipient,
    /// The envelope's author device is not the device whose key was given.
    #[error("the record's author device does not match the given author key")]
    WrongAuthor,
    /// The unwrapped content key does not match the envelope's key commitment.
    #[error("content key does not match the envelope's key commitment")]
    KeyCommitmentMismatch,
    /// The recovery code does not open the wrapped secret.
    #[error("wrong recovery code")]
    WrongRecoveryCode,
    /// The recovery code's check character does not match: a typing mistake.
    #[error("the recovery code has a typo (check character does not match)")]
    RecoveryCodeTypo,
    /// An input has the wrong shape (length, encoding, ...); the text says which.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// A public key is unusable (e.g. an X25519 point of small order).
    #[error("invalid public key")]
    InvalidPublicKey,
    /// Key-derivation parameters outside the accepted bounds; the text says which.
    #[error("key-derivation parameters out of bounds: {0}")]
    InvalidKdfParams(&'static str),
    /// The password-hashing KDF (Argon2id) failed.
    #[error("key derivation failed")]
    Kdf,
    /// The system random-number generator failed.
    #[error("system random number generator failed")]
    Rng,
    /// An HPKE context has used up its sequence numbers.
    #[error("HPKE message limit reached")]
    MessageLimitReached,
    /// A value has no canonical JSON form.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// A wire value is structurally invalid.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

impl CryptoError {
    /// Stable machine-readable code (snake_case). Wrapped canonical-JSON and protocol
    /// errors report their own codes.
    pub fn code(&self) -> &'static str {
        match self {
            CryptoError::BadSignature => "bad_signature",
            CryptoError::DecryptFailed => "decrypt_failed",
            CryptoError::NotARecipient => "not_a_recipient",
            CryptoError::WrongAuthor => "wrong_author",
            CryptoError::KeyCommitmentMismatch => "key_commitment_mismatch",
            CryptoError::WrongRecoveryCode => "wrong_recovery_code",
            CryptoError::RecoveryCodeTypo => "recovery_code_typo",
            CryptoError::Malformed(_) => "malformed",
            CryptoError::InvalidPublicKey => "invalid_public_key",
            CryptoError::InvalidKdfParams(_) => "invalid_kdf_params",
            CryptoError::Kdf => "kdf_failed",
            CryptoError::Rng => "rng_failed",
            CryptoError::MessageLimitReached => "message_limit_reached",
            CryptoError::Canonical(e) => e.code(),
            CryptoError::Protocol(e) => e.code(),
        }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;
