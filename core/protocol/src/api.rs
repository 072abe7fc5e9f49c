//! The server API v1 (ADR 0005): request and response bodies shared by the server and the
//! core's sync client, so both sides serialise exactly the same JSON.
//!
//! Conventions: bytes are unpadded base64url; times are Unix seconds (`i64`); every body
//! refuses unknown fields; every refusal is an [`ErrorBody`] with a code from [`codes`].
//!
//! | Method and path | Auth | Request | Response |
//! |---|---|---|---|
//! | `GET /healthz` | – | – | `ok` |
//! | `GET /v1/openapi.json` | – | – | OpenAPI document |
//! | `POST /v1/enrol/coordinator` | one-time token | [`EnrolCoordinatorRequest`] | [`EnrolResponse`] |
//! | `POST /v1/enrol/chapter` | invitation token | [`InvitationLookup`] | [`ChapterInfo`] |
//! | `POST /v1/enrol/peer` | invitation token | [`EnrolPeerRequest`] | [`EnrolResponse`] |
//! | `POST /v1/recovery/fetch` | recovery lookup | [`RecoveryLookup`] | [`RecoveryFetchResponse`] |
//! | `POST /v1/recovery/device` | recovery lookup | [`RecoveryDeviceRequest`] | [`EnrolResponse`] |
//! | `POST /v1/auth/challenge` | – | [`ChallengeRequest`] | [`ChallengeResponse`] |
//! | `POST /v1/auth/token` | signed challenge | [`TokenRequest`] | [`TokenResponse`] |
//! | `POST /v1/sync/push` | bearer | [`PushRequest`] | [`PushResponse`] |
//! | `GET /v1/sync/pull?since=N&limit=N` | bearer | – | [`PullResponse`] |
//! | `GET /v1/declaration` | bearer | – | [`DeclarationResponse`] |
//! | `POST /v1/chapter/declaration` | bearer, coordinator | [`PublishedDeclaration`] | [`DeclarationResponse`] |
//! | `POST /v1/chapter/invitations` | bearer, coordinator | [`InvitationRequest`] | [`InvitationResponse`] |
//! | `GET /v1/chapter/accounts` | bearer, coordinator | – | [`AccountsResponse`] |
//! | `POST /v1/devices/{device_id}/revoke` | bearer, coordinator or own account | – | [`RevokeResponse`] |
//! | `POST /v1/chapter/rollup` | bearer, coordinator | [`crate::rollup::SignedRollup`] | [`crate::rollup::RollupResponse`] |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::envelope::Envelope;

/// Most records in one push.
pub const MAX_PUSH_RECORDS: usize = 500;
/// Largest request body the server reads; larger → `413` with code `payload_too_large`.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most bytes of envelope JSON a client puts in one push batch; a record larger than this
/// travels alone. Half the body limit: a batch never reaches the server's 413 (a receipt
/// is up to 5 MiB, so a count-only batch easily would), and a phone holds one batch, not
/// its whole backlog, in memory.
pub const MAX_PUSH_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Bytes a push request adds to its envelopes' JSON: `{"records":[` and `]}` plus a comma
/// between records.
pub const fn push_request_overhead(records: usize) -> usize {
    r#"{"records":[]}"#.len() + records.saturating_sub(1)
}
/// Most bytes a push's `head` adds (its JSON is about 300 bytes with a 64-character
/// account id).
pub const PUSH_HEAD_BYTES: usize = 1024;
// A full batch, and a lone envelope of the largest size, both fit in one request body
// with their head.
const _: () = assert!(
    MAX_PUSH_BATCH_BYTES + push_request_overhead(MAX_PUSH_RECORDS) + PUSH_HEAD_BYTES
        < MAX_BODY_BYTES
);
const _: () = assert!(
    crate::envelope::MAX_ENVELOPE_BYTES + push_request_overhead(1) + PUSH_HEAD_BYTES
        < MAX_BODY_BYTES
);
/// Most envelope bytes the server puts in one pull page; a record larger than this comes
/// alone on its page. Bounds the memory of both the server building a page and the device
/// reading it (a page of 1 000 receipts would otherwise be gigabytes).
pub const MAX_PULL_PAGE_BYTES: usize = 8 * 1024 * 1024;
/// Default and largest `limit` of a pull.
pub const DEFAULT_PULL_LIMIT: u32 = 500;
/// Largest `limit` of a pull.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// Lifetime of a bearer token.
pub const SESSION_SECONDS: i64 = 15 * 60;
/// Lifetime of a login challenge.
pub const CHALLENGE_SECONDS: i64 = 60;
/// Allowed invitation lifetimes, in days.
pub const INVITATION_DAYS: std::ops::RangeInclusive<u32> = 1..=30;
/// Default invitation lifetime, in days.
pub const DEFAULT_INVITATION_DAYS: u32 = 7;
/// Longest declaration text a chapter can publish, in bytes.
pub const MAX_DECLARATION_TEXT_BYTES: usize = 64 * 1024;
/// Largest wrapped peer key accepted at enrolment.
pub const MAX_WRAPPED_KEY_BYTES: usize = 1024;
/// Domain of the login signature ([`AuthChallengeDocument`]).
pub const AUTH_DOMAIN: &str = "peerlog/v1/auth-challenge";
/// Domain of the chapter's signature over a [`DeclarationDocument`].
pub const DECLARATION_DOMAIN: &str = "peerlog/v1/chapter-declaration";

/// Stable error codes of [`ErrorInfo::code`].
pub mod codes {
    /// Malformed JSON, unknown fields, bad values (400).
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// No, an expired or an unknown bearer token, or a failed login (401).
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    /// Authenticated, but not allowed (403).
    pub const FORBIDDEN: &str = "forbidden";
    /// The device was revoked; the body carries `"wipe": true` (403).
    pub const DEVICE_REVOKED: &str = "device_revoked";
    /// The account is locked by the chapter: no recovery and no new device (403).
    pub const ACCOUNT_LOCKED: &str = "account_locked";
    /// Unknown resource, or an unknown/used/expired token (404).
    pub const NOT_FOUND: &str = "not_found";
    /// The enrolment or invitation token was already used (409).
    pub const TOKEN_USED: &str = "token_used";
    /// The enrolment or invitation token expired (410).
    pub const TOKEN_EXPIRED: &str = "token_expired";
    /// The state forbids it (e.g. keys already set, declaration version not newer) (409).
    pub const CONFLICT: &str = "conflict";
    /// The body is larger than [`super::MAX_BODY_BYTES`] or a batch larger than
    /// [`super::MAX_PUSH_RECORDS`] (413).
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// Too many attempts; retry later (429).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The server failed (500) or its storage is unavailable (503).
    pub const INTERNAL: &str = "internal";
    /// Per-record push rejections ([`super::PushResult::Rejected`]).
    pub const BAD_SIGNATURE: &str = "bad_signature";
    /// The record is not well formed (push rejection).
    pub const MALFORMED: &str = "malformed";
    /// The author device is not one of the pushing account's live devices.
    pub const UNKNOWN_DEVICE: &str = "unknown_device";
    /// The record id belongs to another account.
    pub const NOT_OWNER: &str = "not_owner";
    /// The same version is stored with different bytes.
    pub const VERSION_CONFLICT: &str = "version_conflict";
    /// A push's head does not follow the one the server holds: another device of the
    /// account pushed since; pull, then push again (409).
    pub const HEAD_CONFLICT: &str = "head_conflict";
    /// The account keeps a head and the push carried none: an app from before heads (409).
    pub const HEAD_REQUIRED: &str = "head_required";
}

/// Every 4xx/5xx body: `{"error":{"code":…,"message":…}}`, plus `"wipe": true` when the
/// device was revoked and must delete its keys and local data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorInfo,
    /// The device must wipe itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub wipe: bool,
    /// With `device_revoked`: the revocation as its issuer signed it. A device wipes itself
    /// only on a statement that verifies against a key it trusts (the chapter signing key
    /// or its own account key); `wipe` alone, which anyone on the path could send, is not
    /// enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Box<SignedRevocation>>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Machine code and human message of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorInfo {
    /// One of [`codes`].
    pub code: String,
    /// English, for logs and developers; the apps show their own localised text per code.
    pub message: String,
}

impl ErrorBody {
    /// An error body without the wipe flag.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorInfo {
                code: code.to_owned(),
                message: message.into(),
            },
            wipe: false,
            revocation: None,
        }
    }
}

/// Account roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A peer (likeperson).
    Peer,
    /// The chapter's coordinator: holds the chapter keys.
    Coordinator,
    /// An organisation administrator.
    Admin,
}

/// The chapter's public keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterKeys {
    /// X25519: records addressed to the chapter are wrapped for it.
    #[serde(with = "b64::array")]
    pub encryption_key: [u8; 32],
    /// Ed25519: signs the chapter's declaration texts.
    #[serde(with = "b64::array")]
    pub signing_key: [u8; 32],
}

/// A chapter as a device sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterInfo {
    /// Server-side chapter id.
    pub chapter_id: i64,
    /// Organisation name.
    pub organisation: String,
    /// Chapter name.
    pub chapter: String,
    /// The chapter's public keys; a device compares their fingerprint with the invitation.
    pub keys: ChapterKeys,
}

/// `POST /v1/enrol/coordinator`: the coordinator's machine, with the admin's one-time token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolCoordinatorRequest {
    /// The one-time coordinator token from `peerlog-server admin chapter create`.
    pub token: String,
    /// The device's Ed25519 public key.
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
    /// The chapter keys the coordinator generated (public halves).
    pub chapter_keys: ChapterKeys,
}

/// `POST /v1/enrol/chapter`: what chapter an invitation leads to, without using it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationLookup {
    /// The invitation's token part.
    pub token: String,
}

/// What a device uploads so its peer key can be recovered with the recovery code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryUpload {
    /// Derived from the recovery code (`RecoveryCode::lookup_id`); the server stores
    /// only its SHA-256.
    #[serde(with = "b64::array")]
    pub lookup: [u8; 32],
    /// The peer key wrapped under Argon2id(recovery code) (`WrappedSecret` bytes).
    #[serde(with = "b64::bytes")]
    pub wrapped_peer_key: Vec<u8>,
}

/// `POST /v1/enrol/peer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolPeerRequest {
    /// The invitation's token part.
    pub token: String,
    /// The peer id the device already uses in its signed documents (a UUID); it becomes
    /// the account id. Taken → `409 conflict`.
    pub account_id: String,
    /// The device's Ed25519 public key.
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
    /// The peer's X25519 public key (so the coordinator can address decisions to them).
    #[serde(with = "b64::array")]
    pub peer_key: [u8; 32],
    /// The account key (Ed25519, derived from the peer key): a device registered later by
    /// recovery must sign with it, so knowing the recovery lookup is not enough.
    #[serde(with = "b64::array")]
    pub account_key: [u8; 32],
    /// For recovery on a new device.
    pub recovery: RecoveryUpload,
    /// `keyed_proof` of [`EnrolProofDocument`] with the invitation's secret, when the
    /// invitation carried one; the server keeps it for the coordinator.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub proof: Option<[u8; 32]>,
}

/// Answer to every enrolment (coordinator, peer, recovered device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolResponse {
    /// The account (UUID).
    pub account_id: String,
    /// The enrolled device's id (derived from its key).
    pub device_id: String,
    /// The account's role.
    pub role: Role,
    /// The chapter.
    pub chapter: ChapterInfo,
}

/// `POST /v1/recovery/fetch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryLookup {
    /// `RecoveryCode::lookup_id`.
    #[serde(with = "b64::array")]
    pub lookup: [u8; 32],
}

/// Answer to [`RecoveryLookup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryFetchResponse {
    /// The account.
    pub account_id: String,
    /// The wrapped peer key, to unwrap locally with the recovery code.
    #[serde(with = "b64::bytes")]
    pub wrapped_peer_key: Vec<u8>,
    /// The chapter.
    pub chapter: ChapterInfo,
}

/// `POST /v1/recovery/device`: registers a new device on the recovered account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryDeviceRequest {
    /// `RecoveryCode::lookup_id`.
    #[serde(with = "b64::array")]
    pub lookup: [u8; 32],
    /// The new device's Ed25519 public key.
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
    /// The account key's signature over [`RecoveryDeviceDocument`]: proof that the device
    /// holds the peer key (unwrapped with the recovery code), not just the lookup.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Signature domain of [`RecoveryDeviceDocument`].
pub const RECOVERY_DEVICE_DOMAIN: &str = "peerlog/v1/recovery-device";

/// What the account key signs to register a device by recovery:
/// `sign_document(RECOVERY_DEVICE_DOMAIN, doc)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryDeviceDocument {
    /// The account (its id, as the recovery fetch named it).
    pub account_id: String,
    /// The new device's Ed25519 public key.
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
}

/// `POST /v1/auth/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The device asking to log in.
    pub device_id: String,
}

/// Answer to [`ChallengeRequest`]: 32 random bytes, single use, valid
/// [`CHALLENGE_SECONDS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeResponse {
    /// The challenge.
    #[serde(with = "b64::array")]
    pub challenge: [u8; 32],
}

/// What the device signs to log in: `sign_document(AUTH_DOMAIN, doc)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthChallengeDocument {
    /// The device logging in.
    pub device_id: String,
    /// The challenge it was given.
    #[serde(with = "b64::array")]
    pub challenge: [u8; 32],
}

/// `POST /v1/auth/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The device logging in.
    pub device_id: String,
    /// The challenge it was given.
    #[serde(with = "b64::array")]
    pub challenge: [u8; 32],
    /// Ed25519 signature over [`AuthChallengeDocument`] in [`AUTH_DOMAIN`].
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Answer to [`TokenRequest`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// `POST /v1/sync/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// At most [`MAX_PUSH_RECORDS`] envelopes.
    pub records: Vec<Envelope>,
    /// From a peer's device: the account's head as it will be once every record of the
    /// batch is stored (ADR 0022). The server stores the batch and the head together or
    /// nothing: only if the head follows the one it holds (`seq` one higher) and every
    /// record is stored; else `head_conflict`, or the records' results with `withheld`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<SignedAccountHead>,
}

/// Per-record result of a push, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushResult {
    /// Stored (new, or a higher version replacing the stored one).
    Accepted {
        /// Its sequence number.
        seq: u64,
    },
    /// The same id, version and bytes were already stored (idempotent retry).
    Duplicate {
        /// Its sequence number.
        seq: u64,
    },
    /// The server holds a newer version; pull, then merge.
    Stale {
        /// The stored version.
        current_version: u64,
    },
    /// Refused; nothing changed for this record.
    Rejected {
        /// One of the per-record codes in [`codes`].
        code: String,
        /// Human message.
        message: String,
    },
    /// Not stored, though it could be: the batch carried a head and another record of it
    /// was not stored, so nothing was (push it again with a head that leaves the other
    /// out).
    Withheld {},
}

/// Answer to [`PushRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    /// One per pushed record, in order.
    pub results: Vec<PushResult>,
    /// The batch's head was stored with it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub head_stored: bool,
}

/// One record of a pull page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PulledEnvelope {
    /// Sequence number (the cursor after this record).
    pub seq: u64,
    /// The record.
    pub envelope: Envelope,
}

/// Answer to `GET /v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    /// By `seq` ascending.
    pub records: Vec<PulledEnvelope>,
    /// Pass as `since` next time.
    pub cursor: u64,
    /// More records follow.
    pub has_more: bool,
    /// The chapter's current declaration version, if it published one (so a device
    /// learns about a new version without another round trip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration_version: Option<u32>,
    /// To a peer's device: the signed revocations of the account's other devices, so that
    /// every device of the peer stops trusting one that was revoked (each checks the
    /// signature; the server cannot revoke anything on its own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revocations: Vec<SignedRevocation>,
    /// To a peer's device, on the last page (`has_more` false): the account's head as the
    /// server holds it, for the device to compare with what it pulled (ADR 0022).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<SignedAccountHead>,
    /// To a coordinator's machine, on the last page: the head of every account of the
    /// chapter that keeps one, to compare with the chapter's records it pulled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<SignedAccountHead>,
}

/// Signature domain of an [`AccountHead`].
pub const ACCOUNT_HEAD_DOMAIN: &str = "peerlog/v1/account-head";

/// What a peer's device signs with the account key each time it pushes: the state of every
/// record the server keeps for the account, as a digest (ADR 0022). `seq` grows by one with
/// every head, so the server can store one only after the one the device last saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountHead {
    /// The account.
    pub account_id: String,
    /// 1 for the account's first head, then one more each time.
    pub seq: u64,
    /// How many records the digest covers.
    pub records: u64,
    /// SHA-256 over the account's records in order (ADR 0022 defines the bytes).
    #[serde(with = "b64::array")]
    pub digest: [u8; 32],
    /// How many of them are sealed for the chapter.
    pub chapter_records: u64,
    /// The same digest over only those: what the coordinator can compare.
    #[serde(with = "b64::array")]
    pub chapter_digest: [u8; 32],
}

/// An [`AccountHead`] and its Ed25519 signature over
/// `sign_document(ACCOUNT_HEAD_DOMAIN, head)` by the account key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAccountHead {
    /// The head.
    pub head: AccountHead,
    /// By the account key.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// The text a chapter publishes, signed with the chapter signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationDocument {
    /// Stable id of the declaration (e.g. `"chapter"`).
    pub declaration_id: String,
    /// Increases with every published text.
    pub version: u32,
    /// `nb`, `da` or `en`.
    pub locale: String,
    /// The text (Markdown), at most [`MAX_DECLARATION_TEXT_BYTES`].
    pub text: String,
    /// When the coordinator published it.
    pub published_at: i64,
}

/// `POST /v1/chapter/declaration` and the body of [`DeclarationResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedDeclaration {
    /// The document.
    pub document: DeclarationDocument,
    /// Ed25519 signature of the chapter signing key over `document` in
    /// [`DECLARATION_DOMAIN`]; devices verify it against the key from the invitation.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Answer to `GET /v1/declaration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationResponse {
    /// `None` if the chapter has not published one (the built-in text applies).
    pub declaration: Option<PublishedDeclaration>,
}

/// `POST /v1/chapter/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// Lifetime in days, within [`INVITATION_DAYS`].
    pub expires_days: u32,
}

/// Answer to [`InvitationRequest`]; the coordinator's machine builds the [`Invitation`]
/// string from it, its server URL and the chapter fingerprint it knows.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationResponse {
    /// One-time token (128 random bits, base64url).
    pub token: String,
    /// When it expires.
    pub expires_at: i64,
}

impl fmt::Debug for InvitationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvitationResponse")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A device as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSummary {
    /// Device id.
    pub device_id: String,
    /// Ed25519 public key (to verify the device's signatures).
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
    /// Enrolled at.
    pub created_at: i64,
    /// Last authenticated request.
    pub last_seen: Option<i64>,
    /// Revoked at.
    pub revoked_at: Option<i64>,
    /// For a device added by recovery: the account key's signature over
    /// [`RecoveryDeviceDocument`], so the coordinator can check who vouched for it.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_signature: Option<[u8; 64]>,
}

/// An account of the chapter, with its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSummary {
    /// Account id (the peer id in signed documents).
    pub account_id: String,
    /// Role.
    pub role: Role,
    /// The peer's X25519 key, if a peer.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub peer_key: Option<[u8; 32]>,
    /// Devices, oldest first.
    pub devices: Vec<DeviceSummary>,
    /// Since when the chapter has locked the account (no recovery, no new device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_at: Option<i64>,
    /// The account key (Ed25519), as the peer enrolled with it.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_key: Option<[u8; 32]>,
    /// SHA-256 of the invitation token the account enrolled with, and the peer's proof
    /// ([`EnrolProofDocument`]) made with the invitation's secret.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub invitation: Option<[u8; 32]>,
    /// The peer's proof.
    #[serde(
        default,
        with = "b64::option_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub enrol_proof: Option<[u8; 32]>,
}

/// Answer to `GET /v1/chapter/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsResponse {
    /// The chapter's accounts.
    pub accounts: Vec<AccountSummary>,
}

/// Signature domain of a [`RevocationStatement`].
pub const REVOCATION_DOMAIN: &str = "peerlog/v1/device-revocation";
/// Issuer of a revocation: the chapter signing key (a coordinator).
pub const REVOKED_BY_CHAPTER: &str = "chapter";
/// Issuer of a revocation: the account key (the peer, from another of their devices).
pub const REVOKED_BY_ACCOUNT: &str = "account";

/// What a revocation says: this device of this account is revoked, since then, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationStatement {
    /// The revoked device.
    pub device_id: String,
    /// Its account.
    pub account_id: String,
    /// Unix seconds.
    pub revoked_at: i64,
    /// [`REVOKED_BY_CHAPTER`] or [`REVOKED_BY_ACCOUNT`]: which key signed.
    pub issuer: String,
}

/// A revocation statement and its Ed25519 signature over
/// `sign_document(REVOCATION_DOMAIN, statement)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRevocation {
    /// What is revoked.
    pub statement: RevocationStatement,
    /// By the issuer's key.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Body of `POST /v1/devices/{device_id}/revoke`: the signed statement the server hands to
/// the revoked device on its next contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// For the device in the path, of its account.
    pub revocation: SignedRevocation,
}

/// Answer to `POST /v1/devices/{device_id}/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeResponse {
    /// `false` if it was already revoked.
    pub revoked: bool,
}

/// Signature domain of an [`AccountLockStatement`].
pub const ACCOUNT_LOCK_DOMAIN: &str = "peerlog/v1/account-lock";

/// What the chapter signs to lock an account (a lost phone and a recovery code that may be
/// known to someone else) or to lift the lock again. While locked, the server lets no one
/// recover the account or register a device on it; the account's devices are revoked one
/// by one with their own statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountLockStatement {
    /// The account.
    pub account_id: String,
    /// `true` to lock, `false` to lift the lock.
    pub locked: bool,
    /// When (Unix seconds); a statement older than the one in force changes nothing.
    pub at: i64,
}

/// Body of `POST /v1/accounts/{account_id}/lock`, by a coordinator:
/// `sign_document(ACCOUNT_LOCK_DOMAIN, statement)` with the chapter signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockAccountRequest {
    /// For the account in the path.
    pub statement: AccountLockStatement,
    /// By the chapter signing key.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Answer to `POST /v1/accounts/{account_id}/lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockAccountResponse {
    /// Whether the account is locked now.
    pub locked: bool,
    /// `false` if the statement changed nothing (already so, or older than the one in
    /// force).
    pub changed: bool,
}

/// Signature domain of [`RecoveryRotateDocument`].
pub const RECOVERY_ROTATE_DOMAIN: &str = "peerlog/v1/recovery-rotate";

/// What the account key signs to replace the account's recovery code: the new lookup and
/// wrapped key, so a server cannot swap in a blob of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRotateDocument {
    /// The account.
    pub account_id: String,
    /// SHA-256 of the new lookup (what the server keeps).
    #[serde(with = "b64::array")]
    pub lookup_sha256: [u8; 32],
    /// SHA-256 of the new wrapped peer key.
    #[serde(with = "b64::array")]
    pub wrapped_sha256: [u8; 32],
}

/// `POST /v1/recovery/rotate`, by a device of the account: the old recovery code stops
/// working and the new one finds the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRecoveryRequest {
    /// The new lookup and wrapped peer key.
    pub recovery: RecoveryUpload,
    /// The account key's signature over [`RecoveryRotateDocument`].
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Answer to `POST /v1/recovery/rotate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRecoveryResponse {
    /// Always `true` (errors are error bodies).
    pub rotated: bool,
}

/// The prefix of an invitation string.
pub const INVITATION_SCHEME: &str = "peerlog1:";

/// An invitation, one string that fits a QR code:
/// `peerlog1:<server base URL>#<token>.<chapter fingerprint>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Server base URL (`https://…`, or `http://…` to a loopback host), without a
    /// trailing slash.
    pub server: String,
    /// One-time token.
    pub token: String,
    /// Chapter fingerprint (`peerlog_crypto::chapter_fingerprint`).
    pub fingerprint: String,
    /// A secret only the coordinator's machine and the invited peer know (it is in the
    /// fragment and never sent to the server): the peer proves its keys with it
    /// ([`EnrolProofDocument`]), so the coordinator need not take them from the server.
    /// `None` in invitations made before it existed.
    pub secret: Option<[u8; 32]>,
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitation")
            .field("server", &self.server)
            .field("token", &"<redacted>")
            .field("fingerprint", &self.fingerprint)
            .field("secret", &self.secret.map(|_| "<redacted>"))
            .finish()
    }
}

impl fmt::Display for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{INVITATION_SCHEME}{}#{}.{}",
            self.server, self.token, self.fingerprint
        )?;
        match &self.secret {
            Some(secret) => write!(f, ".{}", b64::encode(secret)),
            None => Ok(()),
        }
    }
}

/// Domain of the peer's enrolment proof.
pub const ENROL_PROOF_DOMAIN: &str = "peerlog/v1/enrol-proof";

/// What a peer proves at enrolment with the invitation's secret:
/// `keyed_proof(secret, ENROL_PROOF_DOMAIN, JCS(doc))`. The server relays the proof to
/// the coordinator, who checks it against the secret it kept: a server that swaps a key
/// cannot make a proof for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolProofDocument {
    /// The new account.
    pub account_id: String,
    /// The peer's X25519 key (decisions are addressed to it).
    #[serde(with = "b64::array")]
    pub peer_key: [u8; 32],
    /// The account key (it vouches for the account's later devices).
    #[serde(with = "b64::array")]
    pub account_key: [u8; 32],
    /// The first device's Ed25519 key.
    #[serde(with = "b64::array")]
    pub device_key: [u8; 32],
}

/// Why an invitation string does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a Peerlog invitation: {0}")]
pub struct InvitationError(pub &'static str);

impl InvitationError {
    /// The invitation is well formed but names a plain-HTTP server that is not this
    /// machine: callers tell the user why, not just "not valid".
    pub const INSECURE_SERVER: InvitationError =
        InvitationError("the server address is plain http:// (only https:// is accepted)");
}

/// Why a server address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ServerAddressError {
    /// Not an absolute `http(s)://host` URL.
    #[error("the server address is not an https:// URL")]
    NotAnAddress,
    /// `http://` to a host other than this machine: tokens, the recovery lookup id and
    /// records would cross the network unencrypted.
    #[error("the server address is plain http:// (only https:// is accepted)")]
    Insecure,
}

/// Checks a server address: `https://` only, except `http://` to a loopback host
/// (`127.0.0.0/8`, `[::1]`, `localhost`) for tests and local trials. The URL is parsed
/// (WHATWG, as the HTTP client parses it), so `http://127.0.0.1.evil.example` and
/// `http://127.0.0.1@evil.example` are not loopback.
pub fn check_server_address(address: &str) -> Result<(), ServerAddressError> {
    let url = url::Url::parse(address).map_err(|_| ServerAddressError::NotAnAddress)?;
    let host = url.host().ok_or(ServerAddressError::NotAnAddress)?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err(ServerAddressError::Insecure),
        _ => Err(ServerAddressError::NotAnAddress),
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        // The parser has already read decimal, octal and hex IPv4 forms as addresses.
        url::Host::Ipv4(ip) => ip.is_loopback(),
        // Only ::1; an IPv4-mapped address is refused rather than reasoned about.
        url::Host::Ipv6(ip) => ip.is_loopback(),
        // Exactly `localhost` (the parser lowercases): not `localhost.`, not
        // `x.localhost`, which depend on the resolver.
        url::Host::Domain(d) => *d == "localhost",
    }
}

impl FromStr for Invitation {
    type Err = InvitationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() > 2048 {
            return Err(InvitationError("too long"));
        }
        let rest = s
            .strip_prefix(INVITATION_SCHEME)
            .ok_or(InvitationError("it does not start with peerlog1:"))?;
        let (server, fragment) = rest
            .rsplit_once('#')
            .ok_or(InvitationError("the token part is missing"))?;
        let mut parts = fragment.split('.');
        let token = parts.next().unwrap_or_default();
        let fingerprint = parts
            .next()
            .ok_or(InvitationError("the chapter fingerprint is missing"))?;
        let secret = parts
            .next()
            .map(|p| {
                b64::decode(p)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or(InvitationError("the invitation secret is malformed"))
            })
            .transpose()?;
        if parts.next().is_some() {
            return Err(InvitationError("the token part has too many pieces"));
        }
        let server = server.trim_end_matches('/');
        if !(server.starts_with("https://") || server.starts_with("http://"))
            || server.len() <= "https://".len()
            || server.contains(char::is_whitespace)
        {
            return Err(InvitationError("the server address is not an http(s) URL"));
        }
        match check_server_address(server) {
            Ok(()) => {}
            Err(ServerAddressError::Insecure) => return Err(InvitationError::INSECURE_SERVER),
            Err(ServerAddressError::NotAnAddress) => {
                return Err(InvitationError("the server address is not an http(s) URL"));
            }
        }
        if token.is_empty() || b64::decode(token).is_err() {
            return Err(InvitationError("the token is not base64url"));
        }
        if fingerprint.is_empty()
            || !fingerprint
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase() || c == '-')
        {
            return Err(InvitationError("the chapter fingerprint is malformed"));
        }
        Ok(Invitation {
            server: server.to_owned(),
            token: token.to_owned(),
            fingerprint: fingerprint.to_owned(),
            secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_head_wire_form_is_frozen_and_fits_its_budget() {
        let head = SignedAccountHead {
            head: AccountHead {
                account_id: "0193a000-0000-7000-8000-000000000001".into(),
                seq: 42,
                records: 10_000,
                digest: [7; 32],
                chapter_records: 8_000,
                chapter_digest: [8; 32],
            },
            signature: [9; 64],
        };
        let json = serde_json::to_string(&head).unwrap();
        assert_eq!(
            json,
            r#"{"head":{"account_id":"0193a000-0000-7000-8000-000000000001","seq":42,"records":10000,"digest":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc","chapter_records":8000,"chapter_digest":"CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"},"signature":"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQ"}"#
        );
        assert_eq!(
            serde_json::from_str::<SignedAccountHead>(&json).unwrap(),
            head
        );
        let with = serde_json::to_vec(&PushRequest {
            records: vec![],
            head: Some(head.clone()),
        })
        .unwrap();
        let mut long = head;
        long.head.account_id = "a".repeat(64);
        long.head.seq = u64::MAX;
        long.head.records = u64::MAX;
        long.head.chapter_records = u64::MAX;
        let longest = serde_json::to_vec(&PushRequest {
            records: vec![],
            head: Some(long),
        })
        .unwrap();
        assert!(with.len() < longest.len());
        assert!(longest.len() - push_request_overhead(0) < PUSH_HEAD_BYTES);
    }

    #[test]
    fn push_request_overhead_is_exact() {
        let empty = serde_json::to_vec(&PushRequest {
            records: vec![],
            head: None,
        })
        .unwrap();
        assert_eq!(empty.len(), push_request_overhead(0));
        assert_eq!(push_request_overhead(1), empty.len());
        assert_eq!(push_request_overhead(3), empty.len() + 2);
    }

    #[test]
    fn invitation_round_trips_and_rejects_garbage() {
        let inv = Invitation {
            server: "https://peerlog.example.org".into(),
            token: "AAECAwQFBgcICQoLDA0ODw".into(),
            fingerprint: "a1b2-c3d4-e5f6-0718-293a-4b5c-6d7e-8f90".into(),
            secret: None,
        };
        let s = inv.to_string();
        assert_eq!(
            s,
            "peerlog1:https://peerlog.example.org#AAECAwQFBgcICQoLDA0ODw.a1b2-c3d4-e5f6-0718-293a-4b5c-6d7e-8f90"
        );
        assert_eq!(s.parse::<Invitation>().unwrap(), inv);
        assert!(!format!("{inv:?}").contains("AAECAwQFBgcICQoLDA0ODw"));
        // With the secret that never reaches the server (golden).
        let with_secret = Invitation {
            secret: Some([9; 32]),
            ..inv.clone()
        };
        let s = with_secret.to_string();
        assert_eq!(
            s,
            "peerlog1:https://peerlog.example.org#AAECAwQFBgcICQoLDA0ODw.a1b2-c3d4-e5f6-0718-293a-4b5c-6d7e-8f90.CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"
        );
        assert_eq!(s.parse::<Invitation>().unwrap(), with_secret);
        assert!(!format!("{with_secret:?}").contains("CQkJ"));
        for bad in [
            "",
            "peerlog2:https://x#a.b",
            "peerlog1:https://x.org",
            "peerlog1:ftp://x.org#AAEC.ab",
            "peerlog1:https://x.org#AAEC",
            "peerlog1:https://x.org#A+EC.ab",
            "peerlog1:https://x.org#AAEC.XYZ",
            "peerlog1:https://x.org#AAEC.ab.AAEC",
            "peerlog1:https://x.org#AAEC.ab.CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk.x",
        ] {
            assert!(bad.parse::<Invitation>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_https_or_loopback_http_servers_are_accepted() {
        for ok in [
            "https://peerlog.example.org",
            "https://peerlog.example.org:8443/base",
            "https://127.0.0.1.evil.example",
            "http://127.0.0.1",
            "http://127.0.0.1:8080",
            "http://127.255.255.254:1",
            "http://[::1]:3000",
            "http://localhost",
            "http://LOCALHOST:80",
            "HTTP://127.0.0.1:9",
            // Other spellings of 127.0.0.1 that the parser (and so the client) reads as it.
            "http://127.1",
            "http://2130706433",
            "http://0x7f.0.0.1",
        ] {
            assert_eq!(check_server_address(ok), Ok(()), "{ok}");
        }
        for insecure in [
            "http://peerlog.example.org",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example",
            "http://localhost@evil.example",
            "http://user:pw@evil.example:80",
            "http://evil.example#@127.0.0.1",
            "http://evil.example/127.0.0.1",
            "http://evil.example?127.0.0.1",
            "http://localhost.evil.example",
            "http://localhost.",
            "http://x.localhost",
            "http://localhostevil.example",
            "http://128.0.0.1",
            "http://10.0.0.1",
            "http://0.0.0.0",
            "http://[::ffff:127.0.0.1]",
            "http://[::2]",
            "http://192.168.1.1:8080",
        ] {
            assert_eq!(
                check_server_address(insecure),
                Err(ServerAddressError::Insecure),
                "{insecure}"
            );
        }
        for garbage in [
            "",
            "peerlog.example.org",
            "127.0.0.1:8080",
            "ftp://127.0.0.1",
            "file:///etc/passwd",
            "ws://127.0.0.1",
            "https://",
            "http://",
            "http:// 127.0.0.1",
        ] {
            assert_eq!(
                check_server_address(garbage),
                Err(ServerAddressError::NotAnAddress),
                "{garbage}"
            );
        }
    }

    #[test]
    fn an_invitation_to_a_plain_http_server_is_refused() {
        let fp = "a1b2-c3d4";
        for server in [
            "http://peerlog.example.org",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example",
        ] {
            let inv = format!("peerlog1:{server}#AAECAwQFBgcICQoLDA0ODw.{fp}");
            assert_eq!(
                inv.parse::<Invitation>(),
                Err(InvitationError::INSECURE_SERVER),
                "{inv}"
            );
        }
        for server in [
            "http://127.0.0.1:41234",
            "http://[::1]:8080",
            "https://x.org",
        ] {
            let inv = format!("peerlog1:{server}#AAECAwQFBgcICQoLDA0ODw.{fp}");
            assert_eq!(
                inv.parse::<Invitation>().map(|i| i.server),
                Ok(server.to_string())
            );
        }
    }

    #[test]
    fn error_body_wire_form_is_frozen() {
        let body = ErrorBody::new(codes::NOT_FOUND, "no such thing");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"not_found","message":"no such thing"}}"#
        );
        let wipe = ErrorBody {
            wipe: true,
            ..ErrorBody::new(codes::DEVICE_REVOKED, "revoked")
        };
        assert_eq!(
            serde_json::to_string(&wipe).unwrap(),
            r#"{"error":{"code":"device_revoked","message":"revoked"},"wipe":true}"#
        );
        assert!(
            serde_json::from_str::<ErrorBody>(r#"{"error":{"code":"x","message":"y"},"z":1}"#)
                .is_err()
        );
        let signed = ErrorBody {
            wipe: true,
            revocation: Some(Box::new(SignedRevocation {
                statement: RevocationStatement {
                    device_id: "dev_1".into(),
                    account_id: "acc".into(),
                    revoked_at: 1_767_225_600,
                    issuer: REVOKED_BY_CHAPTER.into(),
                },
                signature: [7; 64],
            })),
            ..ErrorBody::new(codes::DEVICE_REVOKED, "revoked")
        };
        let frozen = concat!(
            r#"{"error":{"code":"device_revoked","message":"revoked"},"wipe":true,"#,
            r#""revocation":{"statement":{"device_id":"dev_1","account_id":"acc","#,
            r#""revoked_at":1767225600,"issuer":"chapter"},"signature":""#,
            "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw",
            r#""}}"#
        );
        assert_eq!(serde_json::to_string(&signed).unwrap(), frozen);
        assert_eq!(serde_json::from_str::<ErrorBody>(frozen).unwrap(), signed);
    }

    #[test]
    fn push_results_wire_form_is_frozen() {
        let results = PushResponse {
            results: vec![
                PushResult::Accepted { seq: 7 },
                PushResult::Duplicate { seq: 3 },
                PushResult::Stale {
                    current_version: 99,
                },
                PushResult::Rejected {
                    code: codes::BAD_SIGNATURE.into(),
                    message: "m".into(),
                },
                PushResult::Withheld {},
            ],
            head_stored: true,
        };
        let json = serde_json::to_string(&results).unwrap();
        assert_eq!(
            json,
            r#"{"results":[{"status":"accepted","seq":7},{"status":"duplicate","seq":3},{"status":"stale","current_version":99},{"status":"rejected","code":"bad_signature","message":"m"},{"status":"withheld"}],"head_stored":true}"#
        );
        assert_eq!(
            serde_json::from_str::<PushResponse>(&json).unwrap(),
            results
        );
    }

    #[test]
    fn empty_pull_is_small_and_unknown_fields_are_refused() {
        let empty = PullResponse {
            records: vec![],
            cursor: 123_456,
            has_more: false,
            declaration_version: Some(2),
            revocations: vec![],
            head: None,
            heads: vec![],
        };
        let json = serde_json::to_string(&empty).unwrap();
        assert_eq!(
            json,
            r#"{"records":[],"cursor":123456,"has_more":false,"declaration_version":2}"#
        );
        assert!(
            serde_json::from_str::<TokenRequest>(
                r#"{"device_id":"d","challenge":"AA","signature":"AA","admin":true}"#
            )
            .is_err()
        );
    }
}
