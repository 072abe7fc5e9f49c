//! Errors of the wire layer.

use crate::b64::B64Error;
use crate::canonical::CanonicalError;

/// Why a wire value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The bytes are not valid JSON of the expected shape (or contain unknown fields).
    #[error("malformed JSON: {0}")]
    Json(String),
    /// The input is larger than [`crate::MAX_ENVELOPE_BYTES`].
    #[error("envelope is {0} bytes, more than the limit of {max}", max = crate::MAX_ENVELOPE_BYTES)]
    EnvelopeTooLarge(usize),
    /// The envelope format version is not 1.
    #[error("unsupported envelope version {0} (expected 1)")]
    UnsupportedVersion(u8),
    /// More recipients than [`crate::MAX_RECIPIENTS`].
    #[error("envelope has {0} recipients, more than the limit of {max}", max = crate::MAX_RECIPIENTS)]
    TooManyRecipients(usize),
    /// The envelope has no recipient, so nobody could ever open it.
    #[error("envelope has no recipient")]
    NoRecipients,
    /// Two recipient entries share one key id.
    #[error("duplicate recipient key id {0}")]
    DuplicateRecipient(String),
    /// A recipient key id is not 16 characters of base64url.
    #[error("invalid recipient key id (expected 16 base64url characters)")]
    InvalidKeyId,
    /// A wrapped content key is not exactly [`crate::WRAPPED_KEY_BYTES`] bytes.
    #[error("wrapped key is {0} bytes, expected {exp}", exp = crate::WRAPPED_KEY_BYTES)]
    WrappedKeyLength(usize),
    /// The ciphertext is larger than [`crate::MAX_CIPHERTEXT_BYTES`].
    #[error("ciphertext is {0} bytes, more than the limit of {max}", max = crate::MAX_CIPHERTEXT_BYTES)]
    CiphertextTooLarge(usize),
    /// The ciphertext is shorter than the 16-byte authentication tag.
    #[error("ciphertext is {0} bytes, shorter than the 16-byte authentication tag")]
    CiphertextTooShort(usize),
    /// The record id is not a lower-case hyphenated UUID (36 characters).
    #[error("record id is not a lower-case hyphenated UUID")]
    InvalidRecordId,
    /// The device id is not 1..=64 characters of `[A-Za-z0-9_-]`.
    #[error("device id must be 1 to 64 characters of A-Z a-z 0-9 _ -")]
    InvalidDeviceId,
    /// The record version (hybrid logical clock) is not below 2^53.
    #[error("record version {0} is out of range (must be below 2^53)")]
    VersionOutOfRange(u64),
    /// Not one of the known collections.
    #[error("unknown collection {0:?}")]
    UnknownCollection(String),
    /// A value has no canonical JSON form.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// Bad base64url.
    #[error(transparent)]
    Base64(#[from] B64Error),
}

impl ProtocolError {
    /// Stable machine-readable code (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::Json(_) => "malformed_json",
            ProtocolError::EnvelopeTooLarge(_) => "envelope_too_large",
            ProtocolError::UnsupportedVersion(_) => "unsupported_version",
            ProtocolError::TooManyRecipients(_) => "too_many_recipients",
            ProtocolError::NoRecipients => "no_recipients",
            ProtocolError::DuplicateRecipient(_) => "duplicate_recipient",
            ProtocolError::InvalidKeyId => "invalid_key_id",
            ProtocolError::WrappedKeyLength(_) => "wrapped_key_length",
            ProtocolError::CiphertextTooLarge(_) => "ciphertext_too_large",
            ProtocolError::CiphertextTooShort(_) => "ciphertext_too_short",
            ProtocolError::InvalidRecordId => "invalid_record_id",
            ProtocolError::InvalidDeviceId => "invalid_device_id",
            ProtocolError::VersionOutOfRange(_) => "version_out_of_range",
            ProtocolError::UnknownCollection(_) => "unknown_collection",
            ProtocolError::Canonical(e) => e.code(),
            ProtocolError::Base64(e) => e.code(),
        }
    }
}

impl From<serde_json::Error> for ProtocolError {
    fn from(e: serde_json::Error) -> Self {
        ProtocolError::Json(e.to_string())
    }
}
