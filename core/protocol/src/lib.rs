//! Peerlog wire types, shared by the phone core and the server.
//!
//! - [`canonical`]: RFC 8785 canonical JSON, the input of every signature and every
//!   piece of associated data.
//! - [`b64`]: unpadded base64url, the only byte encoding on the wire, with serde helpers.
//! - [`Envelope`] and friends: the sealed form of a record, with structural limits.
//! - [`Hlc`]: the hybrid logical clock used for record versions.
//! - [`api`]: request and response bodies of the server API v1.
//! - [`rollup`]: a chapter's signed yearly counts for the organisation (the national roll-up).
#![warn(missing_docs)]

pub mod api;
pub mod b64;
pub mod canonical;
mod envelope;
mod error;
pub mod rollup;
mod value_ser;

pub use envelope::{
    Collection, ENVELOPE_VERSION, Envelope, Hlc, KEY_ID_LEN, MAX_CIPHERTEXT_BYTES,
    MAX_DEVICE_ID_LEN, MAX_ENVELOPE_BYTES, MAX_RECIPIENTS, Members, RecordMeta, WRAPPED_KEY_BYTES,
    WrappedKey, is_device_id, is_uuid_text,
};
pub use error::ProtocolError;
