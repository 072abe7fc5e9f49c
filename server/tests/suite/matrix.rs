//! The authorisation matrix: every route of the server × every kind of caller × the
//! status that caller gets. A route the matrix does not name fails the test, and so does a
//! row naming a route that does not exist.
//!
//! Each route gets a fresh world (two chapters, their coordinators, four peers of the first
//! chapter: A, B, one whose device was revoked, one whose account is locked) and asks it as
//! every caller in turn, in the order of [`CALLERS`]. Each request is the one that caller
//! would best make: its own device, lookup and keys, aimed at peer A or the first chapter
//! (a caller without keys of the first chapter signs with what it has).

use peerlog_crypto::DeviceSigningKey;
use peerlog_protocol::Collection;
use peerlog_protocol::api::{
    self, ChallengeRequest, ChallengeResponse, ChapterKeys, EnrolCoordinatorRequest,
    InvitationLookup, InvitationRequest, PushRequest, RecoveryLookup, RecoveryUpload, codes,
};
use peerlog_server::storage::Storage;
use serde::Serialize;

use crate::common::{Coordinator, Harness, Peer, Resp, account_key, new_id, revocation, seal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// No `Authorization` header.
    NoToken,
    /// A bearer token the server never issued.
    UnknownToken,
    /// Peer A's device with a session that has run out.
    ExpiredToken,
    PeerA,
    /// Another peer of A's chapter.
    PeerB,
    /// The coordinator of A's chapter.
    Coordinator,
    /// The coordinator of another chapter.
    OtherCoordinator,
    /// A device of A's chapter that its coordinator revoked (its session from before).
    RevokedDevice,
    /// A device of an account of A's chapter that its coordinator locked.
    LockedAccount,
}

use Caller::*;

const CALLERS: [Caller; 9] = [
    NoToken,
    UnknownToken,
    ExpiredToken,
    PeerA,
    PeerB,
    Coordinator,
    OtherCoordinator,
    RevokedDevice,
    LockedAccount,
];

/// Every route and the status each caller gets, in the order of [`CALLERS`].
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [u16; 9])] = &[
    //                                             none unkn expd   A    B coord other revkd lockd
    ("GET",  "/healthz",                         [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/metrics",                         [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/v1/openapi.json",                 [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Enrolment is by its one-time token; a bearer token, even a revoked one, changes nothing.
    ("POST", "/v1/enrol/coordinator",            [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/v1/enrol/chapter",                [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/v1/enrol/peer",                   [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // By the caller's own recovery lookup (callers without one: a random lookup).
    ("POST", "/v1/recovery/fetch",               [404, 404, 200, 200, 200, 404, 404, 200, 403]),
    ("POST", "/v1/recovery/device",              [404, 404, 200, 200, 200, 404, 404, 200, 403]),
    ("POST", "/v1/recovery/rotate",              [401, 401, 401, 200, 200, 403, 403, 403, 403]),
    // Logging in as the caller's own device (callers without one: a device nobody enrolled).
    ("POST", "/v1/auth/challenge",               [401, 401, 200, 200, 200, 200, 200, 403, 403]),
    ("POST", "/v1/auth/token",                   [401, 401, 200, 200, 200, 200, 200, 403, 403]),
    ("POST", "/v1/sync/push",                    [401, 401, 401, 200, 200, 200, 200, 403, 403]),
    ("GET",  "/v1/sync/pull",                    [401, 401, 401, 200, 200, 200, 200, 403, 403]),
    ("GET",  "/v1/declaration",                  [401, 401, 401, 200, 200, 200, 200, 403, 403]),
    // Signed with the first chapter's key: the other chapter's coordinator cannot use it.
    ("POST", "/v1/chapter/declaration",          [401, 401, 401, 403, 403, 200, 400, 403, 403]),
    // The other coordinator invites into, and lists, its own chapter (checked below).
    ("POST", "/v1/chapter/invitations",          [401, 401, 401, 403, 403, 200, 200, 403, 403]),
    ("GET",  "/v1/chapter/accounts",             [401, 401, 401, 403, 403, 200, 200, 403, 403]),
    // Peer A's device: by A itself (account key) or A's coordinator (chapter key).
    ("POST", "/v1/devices/{device_id}/revoke",   [401, 401, 401, 200, 404, 200, 404, 403, 403]),
    // Peer A's account.
    ("POST", "/v1/accounts/{account_id}/lock",   [401, 401, 401, 403, 403, 200, 404, 403, 403]),
    // The first chapter's figures, signed with its key: the other coordinator's chapter
    // is not the one they name.
    ("POST", "/v1/chapter/rollup",               [401, 401, 401, 403, 403, 200, 400, 403, 403]),
];

pub async fn run<S: Storage>(s: &S) {
    // The matrix covers exactly the server's routes.
    let routes: Vec<(String, &str)> = peerlog_server::http::routes::<S>()
        .iter()
        .map(|r| (r.method().to_string(), r.path()))
        .collect();
    for (method, path) in &routes {
        assert!(
            MATRIX.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is a route the authorisation matrix does not cover"
        );
    }
    for (method, path, _) in MATRIX {
        assert!(
            routes.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is in the authorisation matrix but is no route"
        );
    }

    let h = Harness::start(s).await;
    let mut failures = Vec::new();
    for (n, (method, path, expected)) in MATRIX.iter().enumerate() {
        let w = World::new(&h, n).await;
        for (caller, want) in CALLERS.iter().zip(expected) {
            let res = w.ask(&h, method, path, *caller).await;
            let code = serde_json::from_slice::<serde_json::Value>(&res.body)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let mut wrong = res.status != *want;
            // A revoked device learns it is revoked (and gets the statement); a locked
            // account's device learns the account is locked.
            if res.status == 403 && *caller == RevokedDevice {
                wrong |= code != codes::DEVICE_REVOKED;
            }
            if res.status == 403 && *caller == LockedAccount {
                wrong |= code != codes::ACCOUNT_LOCKED;
            }
            if res.status == 401 {
                wrong |= code != codes::UNAUTHENTICATED;
            }
            if *path == "/v1/chapter/accounts" && *caller == OtherCoordinator {
                // Its own chapter's accounts, none of the first chapter's.
                let body = String::from_utf8_lossy(&res.body);
                wrong |= body.contains(&w.a.account_id) || !body.contains(&w.other.account_id);
            }
            if wrong {
                failures.push(format!(
                    "{method} {path} as {caller:?}: expected {want}, got {} {}",
                    res.status,
                    String::from_utf8_lossy(&res.body)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix:\n{}",
        failures.join("\n")
    );
}

struct World {
    n: usize,
    c: Coordinator,
    other: Coordinator,
    a: Peer,
    b: Peer,
    revoked: Peer,
    locked: Peer,
    expired_token: String,
    stranger: DeviceSigningKey,
}

impl World {
    async fn new<S: Storage>(h: &Harness<S>, n: usize) -> World {
        let c = h.coordinator(&format!("Org {n}"), "Oslo").await;
        let other = h.coordinator(&format!("Org {n}"), "Bergen").await;
        let a = h.peer(&c).await;
        let b = h.peer(&c).await;
        let revoked = h.peer(&c).await;
        let locked = h.peer(&c).await;
        let (body, ct) = c.revocation(&revoked.device, &revoked.account_id);
        let res = h
            .send(
                reqwest::Method::POST,
                &format!("/v1/devices/{}/revoke", revoked.device.device_id()),
                Some(&c.token),
                Some((body, ct)),
            )
            .await;
        assert_eq!(res.status, 200);
        let now = chrono::Utc::now().timestamp();
        let lock = Coordinator::lock(&locked.account_id, true, now, &c.sig);
        let res = h
            .post(
                &format!("/v1/accounts/{}/lock", locked.account_id),
                Some(&c.token),
                &lock,
            )
            .await;
        assert_eq!(res.status, 200);
        let expired_token = format!("expired-{}", new_id());
        h.storage
            .put_session(
                peerlog_crypto::sha256(expired_token.as_bytes()),
                &a.device.device_id(),
                now - 1,
            )
            .await
            .unwrap();
        World {
            n,
            c,
            other,
            a,
            b,
            revoked,
            locked,
            expired_token,
            stranger: DeviceSigningKey::generate().unwrap(),
        }
    }

    fn token(&self, caller: Caller) -> Option<String> {
        match caller {
            NoToken => None,
            UnknownToken => Some(format!("never-issued-{}", new_id())),
            ExpiredToken => Some(self.expired_token.clone()),
            PeerA => Some(self.a.token.clone()),
            PeerB => Some(self.b.token.clone()),
            Coordinator => Some(self.c.token.clone()),
            OtherCoordinator => Some(self.other.token.clone()),
            RevokedDevice => Some(self.revoked.token.clone()),
            LockedAccount => Some(self.locked.token.clone()),
        }
    }

    /// The peer the caller is (an expired session is still peer A's device).
    fn peer(&self, caller: Caller) -> Option<&Peer> {
        match caller {
            ExpiredToken | PeerA => Some(&self.a),
            PeerB => Some(&self.b),
            RevokedDevice => Some(&self.revoked),
            LockedAccount => Some(&self.locked),
            _ => None,
        }
    }

    fn coordinator(&self, caller: Caller) -> Option<&Coordinator> {
        match caller {
            Coordinator => Some(&self.c),
            OtherCoordinator => Some(&self.other),
            _ => None,
        }
    }

    /// The caller's device key; a caller without one has a device nobody enrolled.
    fn device(&self, caller: Caller) -> &DeviceSigningKey {
        self.peer(caller)
            .map(|p| &p.device)
            .or_else(|| self.coordinator(caller).map(|c| &c.device))
            .unwrap_or(&self.stranger)
    }

    async fn ask<S: Storage>(
        &self,
        h: &Harness<S>,
        method: &str,
        template: &str,
        caller: Caller,
    ) -> Resp {
        let token = self.token(caller);
        let token = token.as_deref();
        let get = |path: String| async move { h.get(&path, token).await };
        let post = |path: String, body: Vec<u8>| async move {
            h.send(
                reqwest::Method::POST,
                &path,
                token,
                Some((body, "application/json")),
            )
            .await
        };
        let path = template
            .replace("{device_id}", &self.a.device.device_id())
            .replace("{account_id}", &self.a.account_id);
        if method == "GET" {
            let path = if template == "/v1/sync/pull" {
                format!("{path}?since=0&limit=100")
            } else {
                path
            };
            return get(path).await;
        }
        let body = self.body(h, template, caller).await;
        post(path, body).await
    }

    async fn body<S: Storage>(&self, h: &Harness<S>, template: &str, caller: Caller) -> Vec<u8> {
        let now = chrono::Utc::now().timestamp();
        let peer = self.peer(caller);
        match template {
            "/v1/enrol/coordinator" => {
                let created = peerlog_server::create_chapter_in(
                    &h.storage,
                    &format!("Org {}", self.n),
                    &format!("{caller:?}"),
                    7,
                )
                .await
                .unwrap();
                json(&EnrolCoordinatorRequest {
                    token: created.coordinator_token,
                    device_key: *DeviceSigningKey::generate()
                        .unwrap()
                        .public_key()
                        .as_bytes(),
                    chapter_keys: ChapterKeys {
                        encryption_key: [2; 32],
                        signing_key: [3; 32],
                    },
                })
            }
            "/v1/enrol/chapter" => json(&InvitationLookup {
                token: h.invite(&self.c).await,
            }),
            "/v1/enrol/peer" => json(&Harness::<S>::peer_request(&h.invite(&self.c).await).0),
            "/v1/recovery/fetch" => json(&RecoveryLookup {
                lookup: lookup_of(peer),
            }),
            "/v1/recovery/device" => {
                let new_device = DeviceSigningKey::generate().unwrap();
                match peer {
                    Some(p) => json(&p.recovery_device(&new_device)),
                    None => json(&crate::common::recovery_device(
                        lookup_of(None),
                        &new_id(),
                        &new_device,
                        &new_device,
                    )),
                }
            }
            "/v1/recovery/rotate" => {
                let lookup = peerlog_crypto::random_bytes::<32>().unwrap();
                let wrapped = vec![9; 100];
                match peer {
                    Some(p) => json(&p.rotation(lookup, wrapped, &account_key(&p.peer_key))),
                    None => {
                        // No account key: the best it has is its device key.
                        let account = self
                            .coordinator(caller)
                            .map_or_else(new_id, |c| c.account_id.clone());
                        let doc = api::RecoveryRotateDocument {
                            account_id: account,
                            lookup_sha256: peerlog_crypto::sha256(&lookup),
                            wrapped_sha256: peerlog_crypto::sha256(&wrapped),
                        };
                        let signature = self
                            .device(caller)
                            .sign_document(api::RECOVERY_ROTATE_DOMAIN, &doc)
                            .unwrap();
                        json(&api::RotateRecoveryRequest {
                            recovery: RecoveryUpload {
                                lookup,
                                wrapped_peer_key: wrapped,
                            },
                            signature,
                        })
                    }
                }
            }
            "/v1/auth/challenge" => json(&ChallengeRequest {
                device_id: self.device(caller).device_id(),
            }),
            "/v1/auth/token" => {
                let device = self.device(caller);
                let asked = h
                    .post(
                        "/v1/auth/challenge",
                        None,
                        &ChallengeRequest {
                            device_id: device.device_id(),
                        },
                    )
                    .await;
                let challenge = if asked.status == 200 {
                    asked.json::<ChallengeResponse>().challenge
                } else {
                    peerlog_crypto::random_bytes::<32>().unwrap()
                };
                let signature = device
                    .sign_document(
                        api::AUTH_DOMAIN,
                        &api::AuthChallengeDocument {
                            device_id: device.device_id(),
                            challenge,
                        },
                    )
                    .unwrap();
                json(&api::TokenRequest {
                    device_id: device.device_id(),
                    challenge,
                    signature,
                })
            }
            "/v1/sync/push" => {
                let chapter_key = self
                    .coordinator(caller)
                    .map_or_else(|| self.c.chapter_key(), Coordinator::chapter_key);
                let record = seal(
                    self.device(caller),
                    Collection::Contacts,
                    &new_id(),
                    1,
                    &[chapter_key],
                );
                json(&PushRequest {
                    records: vec![record],
                    head: None,
                })
            }
            "/v1/chapter/declaration" => json(&self.c.declaration(1, "Taushetsplikt.")),
            "/v1/chapter/invitations" => json(&InvitationRequest { expires_days: 7 }),
            "/v1/devices/{device_id}/revoke" => match peer {
                Some(p) => {
                    revocation(
                        &self.a.device,
                        &self.a.account_id,
                        api::REVOKED_BY_ACCOUNT,
                        &account_key(&p.peer_key),
                    )
                    .0
                }
                None => self.c.revocation(&self.a.device, &self.a.account_id).0,
            },
            "/v1/accounts/{account_id}/lock" => json(&Coordinator::lock(
                &self.a.account_id,
                true,
                now,
                &self.c.sig,
            )),
            "/v1/chapter/rollup" => json(&crate::suite::rollup::sign(
                crate::suite::rollup::document(&self.c, now, 2),
                &self.c.sig,
            )),
            other => panic!("the matrix has no request for {other}"),
        }
    }
}

fn lookup_of(peer: Option<&Peer>) -> [u8; 32] {
    peer.map_or_else(
        || peerlog_crypto::random_bytes::<32>().unwrap(),
        |p| p.lookup,
    )
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}
