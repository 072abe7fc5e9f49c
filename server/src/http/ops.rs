//! Operations endpoints: `/healthz`, `/metrics` and the OpenAPI document.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use crate::error::ApiError;
use crate::storage::Storage;

pub async fn healthz<S: Storage>(State(state): State<AppState<S>>) -> Response {
    match state.storage().health().await {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                peerlog_protocol::api::codes::INTERNAL,
                "storage unavailable",
            )
            .into_response()
        }
    }
}

pub async fn metrics<S: Storage>(State(state): State<AppState<S>>) -> Response {
    let stats = match state.storage().stats().await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "stats for metrics failed");
            None
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(stats),
    )
        .into_response()
}

pub async fn openapi() -> Json<Value> {
    static DOC: OnceLock<Value> = OnceLock::new();
    Json(DOC.get_or_init(openapi_document).clone())
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(name: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": r(name) } } })
}

fn ok(name: &str) -> Value {
    json!({ "description": "OK", "content": { "application/json": { "schema": r(name) } } })
}

fn err(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": r("ErrorBody") } } })
}

/// Adds the refusals every JSON route can give.
fn op(
    summary: &str,
    request: Option<&str>,
    response: Value,
    extra: &[(&str, &str)],
    bearer: bool,
) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert("200".into(), response);
    if request.is_some() {
        responses.insert(
            "400".into(),
            err("Malformed JSON, unknown fields or bad values (`invalid_request`)"),
        );
        responses.insert("413".into(), err("Body too large (`payload_too_large`)"));
        responses.insert("415".into(), err("Not `application/json`"));
    }
    if bearer {
        responses.insert(
            "401".into(),
            err("No, an unknown or an expired bearer token (`unauthenticated`)"),
        );
        responses.insert("403".into(), err("Not allowed (`forbidden`), the device was revoked (`device_revoked` with `wipe: true`), or its account is locked (`account_locked`)"));
    }
    for (status, text) in extra {
        responses.insert((*status).into(), err(text));
    }
    responses.insert("500".into(), err("Server failure (`internal`)"));
    let mut o = json!({ "summary": summary, "responses": responses });
    if let Some(name) = request {
        o["requestBody"] = body(name);
    }
    if bearer {
        o["security"] = json!([{ "bearer": [] }]);
    }
    o
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": props })
}

/// Exactly `bytes` bytes as unpadded base64url: the length and alphabet are in the
/// schema, so a client (or a test generator) knows what the server accepts.
fn b64(bytes: usize) -> Value {
    b64_doc(bytes, &format!("{bytes} bytes, unpadded base64url"))
}

/// The last character of unpadded base64url carries 2 (one byte left over) or 4 (two)
/// bits of data and zero bits after them; the server's decoder refuses any other.
const B64_LAST_OF_ONE: &str = "[AQgw]";
const B64_LAST_OF_TWO: &str = "[AEIMQUYcgkosw048]";

fn b64_doc(bytes: usize, description: &str) -> Value {
    let full = bytes / 3 * 4;
    let tail = match bytes % 3 {
        1 => format!("[A-Za-z0-9_-]{B64_LAST_OF_ONE}"),
        2 => format!("[A-Za-z0-9_-]{{2}}{B64_LAST_OF_TWO}"),
        _ => String::new(),
    };
    json!({ "type": "string", "pattern": format!("^[A-Za-z0-9_-]{{{full}}}{tail}$"), "description": description })
}

/// Between `min` and `max` bytes as unpadded base64url.
fn b64_range(min: usize, max: usize, description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": format!("^(?:[A-Za-z0-9_-]{{4}})*(?:[A-Za-z0-9_-]{B64_LAST_OF_ONE}|[A-Za-z0-9_-]{{2}}{B64_LAST_OF_TWO})?$"),
        "minLength": (min * 4).div_ceil(3),
        "maxLength": (max * 4).div_ceil(3),
        "description": description,
    })
}

/// The OpenAPI 3.1 document served at `/v1/openapi.json`.
pub fn openapi_document() -> Value {
    let mut doc = core_document();
    add_rollup(&mut doc);
    doc
}

/// The roll-up's schemas and route (ADR 0020), with every bound the server checks.
fn add_rollup(doc: &mut Value) {
    use peerlog_protocol::rollup::{
        MAX_NAME_CHARS, MAX_ROLLUP_THEMES, MAX_RULE_SET_BYTES, MAX_THEME_ID_BYTES, ROLLUP_FORMAT,
        ROLLUP_YEARS,
    };
    let uint32 = json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX });
    let name = json!({ "type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS });
    let schemas = &mut doc["components"]["schemas"];
    schemas["RollupCategories"] = obj(
        &["outreach", "group", "course"],
        json!({ "outreach": uint32, "group": uint32, "course": uint32 }),
    );
    schemas["RollupMonth"] = obj(
        &["month", "outreach", "group", "course"],
        json!({ "month": { "type": "integer", "minimum": 1, "maximum": 12 }, "outreach": uint32, "group": uint32, "course": uint32 }),
    );
    schemas["RollupDocument"] = obj(
        &[
            "format",
            "organisation",
            "chapter",
            "year",
            "rule_set",
            "created_at",
            "activity_days",
            "by_category",
            "by_month",
            "active_peers",
            "peers_with_declaration",
            "active_peers_with_declaration",
            "certified_peers",
            "themes",
        ],
        json!({
            "format": { "type": "string", "enum": [ROLLUP_FORMAT] },
            "organisation": name,
            "chapter": name,
            "year": { "type": "integer", "minimum": ROLLUP_YEARS.start(), "maximum": ROLLUP_YEARS.end() },
            "rule_set": { "type": "string", "pattern": "^[A-Za-z0-9._-]+$", "maxLength": MAX_RULE_SET_BYTES },
            "created_at": { "type": "integer", "minimum": 0, "maximum": i64::MAX },
            "activity_days": { "description": "the sum of by_category", "type": "integer", "minimum": 0, "maximum": u32::MAX },
            "by_category": r("RollupCategories"),
            "by_month": { "description": "the twelve months in order, adding up to by_category", "type": "array", "minItems": 12, "maxItems": 12, "items": r("RollupMonth") },
            "active_peers": uint32,
            "peers_with_declaration": uint32,
            "active_peers_with_declaration": uint32,
            "certified_peers": uint32,
            "themes": {
                "type": "object",
                "maxProperties": MAX_ROLLUP_THEMES,
                "propertyNames": { "pattern": format!("^[a-z0-9_-]{{1,{MAX_THEME_ID_BYTES}}}$") },
                "additionalProperties": { "type": "integer", "minimum": 0, "maximum": u64::MAX }
            }
        }),
    );
    schemas["SignedRollup"] = obj(
        &["document", "signature"],
        json!({ "document": r("RollupDocument"), "signature": b64_doc(64, "Ed25519 by the chapter signing key over the document in domain peerlog/v1/chapter-rollup, 64 bytes base64url") }),
    );
    schemas["RollupResponse"] = obj(
        &["year", "replaced"],
        json!({ "year": { "type": "integer" }, "replaced": { "type": "boolean" } }),
    );
    doc["paths"]["/v1/chapter/rollup"] = json!({ "post": {
        "summary": "Submit the chapter's year to the organisation (coordinator): counts only, signed with the chapter signing key; replaces the chapter's earlier submission for that year",
        "security": [{ "bearer": [] }],
        "requestBody": body("SignedRollup"),
        "responses": {
            "200": ok("RollupResponse"),
            "400": err("Malformed JSON, unknown fields, a value out of bounds, figures that do not add up, another chapter named, dated in the future, or not signed with the chapter signing key (`invalid_request`)"),
            "401": err("Not logged in (`unauthenticated`)"),
            "403": err("Not the coordinator (`forbidden`), device revoked (`device_revoked`), or its account locked (`account_locked`)"),
            "409": err("A later submission for that year is stored, or the chapter has no signing key (`conflict`)"),
            "413": err("Body larger than 16 KiB (`payload_too_large`)"),
            "415": err("Not `application/json`"),
            "500": err("Server failure (`internal`)")
        }
    } });
}

/// The document of the routes before the roll-up.
fn core_document() -> Value {
    let limited = &[("429", "Rate limited (`rate_limited`, with Retry-After)")];
    let token_errors = &[
        ("404", "Unknown token (`not_found`)"),
        (
            "409",
            "Token already used (`token_used`), or a conflict (`conflict`)",
        ),
        ("410", "Token expired (`token_expired`)"),
        ("429", "Rate limited (`rate_limited`, with Retry-After)"),
    ];
    let str_ = json!({ "type": "string" });
    // Times and counters: a signed 64-bit integer (what the server reads them as).
    let int = json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX });
    let uint32 = json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Peerlog server API",
            "version": "1",
            "description": "Sync and enrolment API of the Peerlog organisation server (ADR 0005, 0007). Bytes are unpadded base64url, times Unix seconds; every body refuses unknown fields; every refusal is an ErrorBody."
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "ErrorBody": obj(&["error"], json!({
                    "error": obj(&["code", "message"], json!({ "code": str_, "message": str_ })),
                    "wipe": { "type": "boolean" },
                    "revocation": r("SignedRevocation")
                })),
                "ChapterKeys": obj(&["encryption_key", "signing_key"], json!({ "encryption_key": b64(32), "signing_key": b64(32) })),
                "ChapterInfo": obj(&["chapter_id", "organisation", "chapter", "keys"], json!({
                    "chapter_id": int, "organisation": str_, "chapter": str_, "keys": r("ChapterKeys")
                })),
                "EnrolCoordinatorRequest": obj(&["token", "device_key", "chapter_keys"], json!({
                    "token": str_, "device_key": b64(32), "chapter_keys": r("ChapterKeys")
                })),
                "InvitationLookup": obj(&["token"], json!({ "token": str_ })),
                "RecoveryUpload": obj(&["lookup", "wrapped_peer_key"], json!({ "lookup": b64(32), "wrapped_peer_key": b64_range(1, 1024, "1 to 1024 bytes, unpadded base64url") })),
                "EnrolPeerRequest": obj(&["token", "account_id", "device_key", "peer_key", "account_key", "recovery"], json!({
                    "token": str_, "account_id": { "type": "string", "format": "uuid" }, "device_key": b64(32), "peer_key": b64(32), "account_key": b64(32), "recovery": r("RecoveryUpload"), "proof": b64(32)
                })),
                "Role": { "type": "string", "enum": ["peer", "coordinator", "admin"] },
                "EnrolResponse": obj(&["account_id", "device_id", "role", "chapter"], json!({
                    "account_id": str_, "device_id": str_, "role": r("Role"), "chapter": r("ChapterInfo")
                })),
                "RecoveryLookup": obj(&["lookup"], json!({ "lookup": b64(32) })),
                "RecoveryFetchResponse": obj(&["account_id", "wrapped_peer_key", "chapter"], json!({
                    "account_id": str_, "wrapped_peer_key": str_, "chapter": r("ChapterInfo")
                })),
                "RecoveryDeviceRequest": obj(&["lookup", "device_key", "signature"], json!({ "lookup": b64(32), "device_key": b64(32), "signature": b64_doc(64, "Ed25519 by the account key over RecoveryDeviceDocument {account_id, device_key} in domain peerlog/v1/recovery-device, 64 bytes base64url") })),
                "RotateRecoveryRequest": obj(&["recovery", "signature"], json!({ "recovery": r("RecoveryUpload"), "signature": b64_doc(64, "Ed25519 by the account key over RecoveryRotateDocument {account_id, lookup_sha256, wrapped_sha256} in domain peerlog/v1/recovery-rotate, 64 bytes base64url") })),
                "RotateRecoveryResponse": obj(&["rotated"], json!({ "rotated": { "type": "boolean" } })),
                "AccountLockStatement": obj(&["account_id", "locked", "at"], json!({ "account_id": str_, "locked": { "type": "boolean" }, "at": int })),
                "LockAccountRequest": obj(&["statement", "signature"], json!({ "statement": r("AccountLockStatement"), "signature": b64_doc(64, "Ed25519 by the chapter signing key over the statement in domain peerlog/v1/account-lock, 64 bytes base64url") })),
                "LockAccountResponse": obj(&["locked", "changed"], json!({ "locked": { "type": "boolean" }, "changed": { "type": "boolean" } })),
                "ChallengeRequest": obj(&["device_id"], json!({ "device_id": str_ })),
                "ChallengeResponse": obj(&["challenge"], json!({ "challenge": b64(32) })),
                "TokenRequest": obj(&["device_id", "challenge", "signature"], json!({
                    "device_id": str_, "challenge": b64(32), "signature": b64_doc(64, "Ed25519 over AuthChallengeDocument {device_id, challenge} in domain peerlog/v1/auth-challenge, 64 bytes base64url")
                })),
                "TokenResponse": obj(&["token", "expires_in"], json!({ "token": str_, "expires_in": int })),
                // The envelope's shape: what does not have it is refused with 400. The rules
                // within it (v 1, a UUID id, a device id of 1 to 64 base64url characters,
                // a version below 2^53, 1 to 16 distinct recipients with 16-character key
                // ids and 48-byte wrapped keys, 16 bytes to 8 MiB of ciphertext, the
                // signature) are checked per record: one that breaks them is `rejected`
                // in its push result, and the rest of the batch goes on.
                "RecordMeta": obj(&["id", "collection", "version", "author_device", "deleted"], json!({
                    "id": str_,
                    "collection": { "type": "string", "enum": ["contacts", "notes", "declarations", "reports", "expenses", "debriefs"] },
                    "version": { "type": "integer", "minimum": 0, "maximum": u64::MAX },
                    "author_device": str_,
                    "deleted": { "type": "boolean" }
                })),
                "WrappedKey": obj(&["kid", "enc", "wrapped_key"], json!({
                    "kid": str_, "enc": b64(32), "wrapped_key": b64_range(0, 8 * 1024 * 1024, "48 bytes in a valid envelope, unpadded base64url")
                })),
                "Envelope": {
                    "description": "A record envelope v1 (ADR 0002). One that has this shape but breaks a rule of the envelope is refused in its own push result (`rejected`, `malformed`), not with 400.",
                    "type": "object", "additionalProperties": false,
                    "required": ["v", "meta", "nonce", "ciphertext", "key_commitment", "recipients", "signature"],
                    "properties": {
                        "v": { "type": "integer", "minimum": 0, "maximum": 255 },
                        "meta": r("RecordMeta"),
                        "nonce": b64(12),
                        "ciphertext": b64_range(0, 8 * 1024 * 1024, "AES-256-GCM ciphertext with its tag, 16 bytes to 8 MiB in a valid envelope, unpadded base64url"),
                        "key_commitment": b64(32),
                        "recipients": { "type": "array", "items": r("WrappedKey") },
                        "signature": b64(64)
                    }
                },
                "AccountHead": obj(&["account_id", "seq", "records", "digest", "chapter_records", "chapter_digest"], json!({
                    "account_id": str_, "seq": { "type": "integer", "minimum": 1, "maximum": u64::MAX }, "records": { "type": "integer", "minimum": 0, "maximum": u64::MAX }, "digest": b64(32), "chapter_records": { "type": "integer", "minimum": 0, "maximum": u64::MAX }, "chapter_digest": b64(32)
                })),
                "SignedAccountHead": obj(&["head", "signature"], json!({ "head": r("AccountHead"), "signature": b64_doc(64, "Ed25519 by the account key over AccountHead in domain peerlog/v1/account-head (ADR 0022)") })),
                "PushRequest": obj(&["records"], json!({ "records": { "type": "array", "maxItems": 500, "items": r("Envelope") }, "head": r("SignedAccountHead") })),
                "PushResult": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": { "type": "string", "enum": ["accepted", "duplicate", "stale", "rejected", "withheld"] },
                        "seq": int, "current_version": int, "code": str_, "message": str_
                    }
                },
                "PushResponse": obj(&["results"], json!({ "results": { "type": "array", "items": r("PushResult") }, "head_stored": { "type": "boolean" } })),
                "PulledEnvelope": obj(&["seq", "envelope"], json!({ "seq": int, "envelope": r("Envelope") })),
                "PullResponse": obj(&["records", "cursor", "has_more"], json!({
                    "records": { "type": "array", "items": r("PulledEnvelope") }, "cursor": int, "has_more": { "type": "boolean" }, "declaration_version": int, "revocations": { "type": "array", "items": r("SignedRevocation") }, "head": r("SignedAccountHead"), "heads": { "type": "array", "items": r("SignedAccountHead") }
                })),
                "DeclarationDocument": obj(&["declaration_id", "version", "locale", "text", "published_at"], json!({
                    "declaration_id": str_, "version": uint32, "locale": { "type": "string", "enum": ["nb", "da", "en"] }, "text": { "type": "string", "description": "at most 65536 bytes" }, "published_at": int
                })),
                "PublishedDeclaration": obj(&["document", "signature"], json!({ "document": r("DeclarationDocument"), "signature": b64(64) })),
                "DeclarationResponse": obj(&["declaration"], json!({ "declaration": { "oneOf": [r("PublishedDeclaration"), { "type": "null" }] } })),
                "InvitationRequest": obj(&["expires_days"], json!({ "expires_days": { "type": "integer", "minimum": 1, "maximum": 30 } })),
                "InvitationResponse": obj(&["token", "expires_at"], json!({ "token": str_, "expires_at": int })),
                "DeviceSummary": obj(&["device_id", "device_key", "created_at", "last_seen", "revoked_at"], json!({
                    "device_id": str_, "device_key": b64(32), "created_at": int, "last_seen": { "type": ["integer", "null"] }, "revoked_at": { "type": ["integer", "null"] }, "account_signature": b64(64)
                })),
                "AccountSummary": obj(&["account_id", "role", "devices"], json!({
                    "account_id": str_, "role": r("Role"), "peer_key": b64(32), "devices": { "type": "array", "items": r("DeviceSummary") }, "locked_at": int, "account_key": b64(32), "invitation": b64(32), "enrol_proof": b64(32)
                })),
                "AccountsResponse": obj(&["accounts"], json!({ "accounts": { "type": "array", "items": r("AccountSummary") } })),
                "RevokeResponse": obj(&["revoked"], json!({ "revoked": { "type": "boolean" } })),
                "RevocationStatement": obj(&["device_id", "account_id", "revoked_at", "issuer"], json!({
                    "device_id": str_, "account_id": str_, "revoked_at": int,
                    "issuer": { "type": "string", "enum": ["chapter", "account"] }
                })),
                "SignedRevocation": obj(&["statement", "signature"], json!({ "statement": r("RevocationStatement"), "signature": b64(64) })),
                "RevokeRequest": obj(&["revocation"], json!({ "revocation": r("SignedRevocation") }))
            }
        },
        "paths": {
            "/healthz": { "get": {
                "summary": "Liveness and storage check",
                "responses": {
                    "200": { "description": "ok", "content": { "text/plain": { "schema": str_ } } },
                    "503": err("Storage unavailable (`internal`)")
                }
            } },
            "/metrics": { "get": {
                "summary": "Prometheus metrics",
                "responses": { "200": { "description": "Prometheus text format 0.0.4", "content": { "text/plain": { "schema": str_ } } } }
            } },
            "/v1/openapi.json": { "get": {
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } }
            } },
            "/v1/enrol/coordinator": { "post": op("Enrol the coordinator's machine with the one-time token from `peerlog-server admin chapter create`; sets the chapter keys", Some("EnrolCoordinatorRequest"), ok("EnrolResponse"), token_errors, false) },
            "/v1/enrol/chapter": { "post": op("What chapter an invitation leads to (does not use the invitation)", Some("InvitationLookup"), ok("ChapterInfo"), token_errors, false) },
            "/v1/enrol/peer": { "post": op("Enrol a peer device with an invitation (uses it)", Some("EnrolPeerRequest"), ok("EnrolResponse"), token_errors, false) },
            "/v1/recovery/fetch": { "post": op("Fetch the wrapped peer key by recovery lookup", Some("RecoveryLookup"), ok("RecoveryFetchResponse"), &[("403", "The account is locked (`account_locked`)"), ("404", "No such account (`not_found`)"), limited[0]], false) },
            "/v1/recovery/device": { "post": op("Register a new device on the recovered account", Some("RecoveryDeviceRequest"), ok("EnrolResponse"), &[("403", "Not signed with the account key (`forbidden`), or the account is locked (`account_locked`)"), ("404", "No such account (`not_found`)"), ("409", "Device already registered (`conflict`)"), limited[0]], false) },
            "/v1/recovery/rotate": { "post": op("Replace the account's recovery code (a device of the account); the old code finds nothing afterwards", Some("RotateRecoveryRequest"), ok("RotateRecoveryResponse"), &[("400", "Wrapped key of a wrong size (`invalid_request`)"), ("403", "Not signed with the account key (`forbidden`), or the account is locked (`account_locked`)"), ("409", "The lookup belongs to another account (`conflict`)")], true) },
            "/v1/auth/challenge": { "post": op("Get a login challenge (32 bytes, single use, 60 s)", Some("ChallengeRequest"), ok("ChallengeResponse"), &[("401", "Unknown device (`unauthenticated`)"), ("403", "Device revoked (`device_revoked`, `wipe: true`), or its account locked (`account_locked`)"), limited[0]], false) },
            "/v1/auth/token": { "post": op("Exchange a signed challenge for a bearer token (15 min)", Some("TokenRequest"), ok("TokenResponse"), &[("401", "Bad signature, or an unknown, used or expired challenge (`unauthenticated`)"), ("403", "Device revoked (`device_revoked`, `wipe: true`), or its account locked (`account_locked`)"), limited[0]], false) },
            "/v1/sync/push": { "post": op("Push up to 500 envelopes; per-record results in order. With a head (ADR 0022) the batch and the head are stored together or not at all", Some("PushRequest"), ok("PushResponse"), &[("400", "A head that does not verify with the account key (`invalid_request`)"), ("409", "The head does not follow the stored one (`head_conflict`), or the account keeps a head and the push has none (`head_required`)")], true) },
            "/v1/sync/pull": { "get": {
                "summary": "Records after a cursor: a peer's own records, or everything addressed to the coordinator's chapter",
                "security": [{ "bearer": [] }],
                "parameters": [
                    { "name": "since", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "maximum": i64::MAX, "default": 0 } },
                    { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 500 } }
                ],
                "responses": {
                    "200": ok("PullResponse"),
                    "400": err("Bad query (`invalid_request`)"),
                    "401": err("Not logged in (`unauthenticated`)"),
                    "403": err("Device revoked (`device_revoked`, `wipe: true`), or its account locked (`account_locked`)"),
                    "500": err("Server failure (`internal`)")
                }
            } },
            "/v1/declaration": { "get": op("The chapter's current published declaration", None, ok("DeclarationResponse"), &[], true) },
            "/v1/chapter/declaration": { "post": op("Publish a declaration signed with the chapter signing key (coordinator)", Some("PublishedDeclaration"), ok("DeclarationResponse"), &[("409", "Version not greater than the current (`conflict`)")], true) },
            "/v1/chapter/invitations": { "post": op("Create a one-time peer invitation token (coordinator)", Some("InvitationRequest"), ok("InvitationResponse"), &[], true) },
            "/v1/chapter/accounts": { "get": op("The chapter's accounts and devices (coordinator)", None, ok("AccountsResponse"), &[], true) },
            "/v1/devices/{device_id}/revoke": { "post": {
                "summary": "Revoke a device (the chapter's coordinator, or the device's own account) with a signed statement; the device is handed it on its next request and wipes itself only if the signature verifies",
                "security": [{ "bearer": [] }],
                "parameters": [{ "name": "device_id", "in": "path", "required": true, "schema": str_ }],
                "requestBody": body("RevokeRequest"),
                "responses": {
                    "200": ok("RevokeResponse"),
                    "400": err("The statement names another device or account, the wrong issuer, or does not verify with the chapter signing key (`invalid_request`)"),
                    "401": err("Not logged in (`unauthenticated`)"),
                    "403": err("Device revoked (`device_revoked`, `wipe: true`), or its account locked (`account_locked`)"),
                    "404": err("No such device in your reach (`not_found`)"),
                    "413": err("Body too large (`payload_too_large`)"),
                    "415": err("Not `application/json`"),
                    "500": err("Server failure (`internal`)")
                }
            } },
            "/v1/accounts/{account_id}/lock": { "post": {
                "summary": "Lock or unlock a peer's account of the chapter (coordinator) with a statement signed by the chapter signing key; while locked nobody recovers the account or registers a device on it, and its devices can neither log in nor sync",
                "security": [{ "bearer": [] }],
                "parameters": [{ "name": "account_id", "in": "path", "required": true, "schema": str_ }],
                "requestBody": body("LockAccountRequest"),
                "responses": {
                    "200": ok("LockAccountResponse"),
                    "400": err("The statement names another account, is dated in the future, or does not verify with the chapter signing key (`invalid_request`)"),
                    "401": err("Not logged in (`unauthenticated`)"),
                    "403": err("Not the coordinator (`forbidden`), device revoked (`device_revoked`), or its account locked (`account_locked`)"),
                    "404": err("No such account in the chapter (`not_found`)"),
                    "409": err("A coordinator's account cannot be locked (`conflict`)"),
                    "413": err("Body too large (`payload_too_large`)"),
                    "415": err("Not `application/json`"),
                    "500": err("Server failure (`internal`)")
                }
            } }
        }
    })
}
