//! The HTTP test harness: a real server on 127.0.0.1:0 over a fresh storage, a reqwest
//! client, and actors (coordinator, peers, devices) that enrol and log in like clients.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod pg;

use peerlog_crypto::envelope::seal_record;
use peerlog_crypto::{DeviceSigningKey, RecipientPublicKey, RecipientSecretKey};
use peerlog_protocol::api::{
    self, AuthChallengeDocument, ChallengeRequest, ChallengeResponse, ChapterInfo, ChapterKeys,
    DeclarationDocument, EnrolCoordinatorRequest, EnrolPeerRequest, EnrolResponse,
    InvitationRequest, InvitationResponse, PublishedDeclaration, PullResponse, PulledEnvelope,
    PushRequest, PushResponse, PushResult, RecoveryUpload, TokenRequest, TokenResponse,
};
use peerlog_protocol::{Collection, Envelope, RecordMeta};
use peerlog_server::storage::conformance::Fixture;
use peerlog_server::storage::{SqliteStorage, Stats, Storage};
use peerlog_server::{RateLimits, RunningServer, ServeConfig, spawn_with};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The marker the plaintext of every sealed test record carries.
pub const MARKER: &str = "MARKER-7f3a9c-never-on-the-server";

pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn client() -> reqwest::Client {
    install_provider();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A fresh SQLite storage in a temp dir.
pub async fn fresh_sqlite() -> Option<Fixture<SqliteStorage>> {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(dir.path().join("peerlog.db"))
        .await
        .unwrap();
    Some(Fixture::new(storage, move || drop(dir)))
}

/// One `#[tokio::test]` per suite function, each on a fresh storage from `$fresh`.
#[macro_export]
macro_rules! http_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(fixture) = $fresh().await else {
                    return;
                };
                $crate::suite::$name(&fixture.storage).await;
            }
        )*
    };
}

/// A response, read to the end.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body does not parse ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn value(&self) -> serde_json::Value {
        self.json()
    }

    /// Asserts 200 and parses.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert_eq!(
            self.status,
            200,
            "expected 200: {}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    /// Asserts an error status with an `ErrorBody` of `code`.
    pub fn err(&self, status: u16, code: &str) -> api::ErrorBody {
        let body: api::ErrorBody = self.json();
        assert_eq!(
            (self.status, body.error.code.as_str()),
            (status, code),
            "{body:?}"
        );
        assert!(
            self.headers
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("application/json")),
            "error bodies are JSON"
        );
        body
    }
}

pub struct Harness<S: Storage> {
    pub storage: S,
    pub server: Option<RunningServer>,
    pub url: String,
    pub http: reqwest::Client,
}

impl<S: Storage> Harness<S> {
    pub async fn start(storage: &S) -> Self {
        Self::start_with(storage, RateLimits::disabled()).await
    }

    pub async fn start_with(storage: &S, limits: RateLimits) -> Self {
        let mut config = ServeConfig::new("sqlite://unused", "127.0.0.1:0".parse().unwrap());
        config.rate_limits = limits;
        let server = spawn_with(storage.clone(), config).await.unwrap();
        let url = server.url();
        Harness {
            storage: storage.clone(),
            server: Some(server),
            url,
            http: client(),
        }
    }

    pub async fn stats(&self) -> Stats {
        self.storage.stats().await.unwrap()
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<(Vec<u8>, &str)>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some((bytes, content_type)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().await.unwrap().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn post<T: Serialize>(&self, path: &str, token: Option<&str>, body: &T) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap();
        self.send(
            reqwest::Method::POST,
            path,
            token,
            Some((bytes, "application/json")),
        )
        .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    // ---- actors ----

    pub async fn login(&self, key: &DeviceSigningKey) -> String {
        let device_id = key.device_id();
        let c: ChallengeResponse = self
            .post(
                "/v1/auth/challenge",
                None,
                &ChallengeRequest {
                    device_id: device_id.clone(),
                },
            )
            .await
            .ok();
        let signature = key
            .sign_document(
                api::AUTH_DOMAIN,
                &AuthChallengeDocument {
                    device_id: device_id.clone(),
                    challenge: c.challenge,
                },
            )
            .unwrap();
        let t: TokenResponse = self
            .post(
                "/v1/auth/token",
                None,
                &TokenRequest {
                    device_id,
                    challenge: c.challenge,
                    signature,
                },
            )
            .await
            .ok();
        assert_eq!(t.expires_in, api::SESSION_SECONDS);
        t.token
    }

    /// A chapter with an enrolled, logged-in coordinator.
    pub async fn coordinator(&self, org: &str, chapter: &str) -> Coordinator {
        let created = peerlog_server::create_chapter_in(&self.storage, org, chapter, 7)
            .await
            .unwrap();
        let enc = RecipientSecretKey::generate().unwrap();
        let sig = DeviceSigningKey::generate().unwrap();
        let device = DeviceSigningKey::generate().unwrap();
        let res: EnrolResponse = self
            .post(
                "/v1/enrol/coordinator",
                None,
                &EnrolCoordinatorRequest {
                    token: created.coordinator_token.clone(),
                    device_key: *device.public_key().as_bytes(),
                    chapter_keys: ChapterKeys {
                        encryption_key: *enc.public_key().as_bytes(),
                        signing_key: *sig.public_key().as_bytes(),
                    },
                },
            )
            .await
            .ok();
        assert_eq!(res.role, api::Role::Coordinator);
        assert_eq!(res.device_id, device.device_id());
        assert_eq!(res.chapter.chapter_id, created.chapter_id);
        let token = self.login(&device).await;
        Coordinator {
            device,
            token,
            chapter: res.chapter,
            account_id: res.account_id,
            enc,
            sig,
        }
    }

    pub async fn invite(&self, coordinator: &Coordinator) -> String {
        let inv: InvitationResponse = self
            .post(
                "/v1/chapter/invitations",
                Some(&coordinator.token),
                &InvitationRequest { expires_days: 7 },
            )
            .await
            .ok();
        inv.token
    }

    pub fn peer_request(
        invitation: &str,
    ) -> (EnrolPeerRequest, DeviceSigningKey, RecipientSecretKey) {
        let device = DeviceSigningKey::generate().unwrap();
        let peer_key = RecipientSecretKey::generate().unwrap();
        let req = EnrolPeerRequest {
            token: invitation.to_owned(),
            account_id: uuid::Uuid::now_v7().to_string(),
            device_key: *device.public_key().as_bytes(),
            peer_key: *peer_key.public_key().as_bytes(),
            account_key: *account_key(&peer_key).public_key().as_bytes(),
            recovery: RecoveryUpload {
                lookup: peerlog_crypto::random_bytes::<32>().unwrap(),
                wrapped_peer_key: vec![7; 120],
            },
            proof: None,
        };
        (req, device, peer_key)
    }

    /// An enrolled, logged-in peer of the coordinator's chapter.
    pub async fn peer(&self, coordinator: &Coordinator) -> Peer {
        let invitation = self.invite(coordinator).await;
        let (req, device, peer_key) = Self::peer_request(&invitation);
        let res: EnrolResponse = self.post("/v1/enrol/peer", None, &req).await.ok();
        assert_eq!(res.role, api::Role::Peer);
        assert_eq!(res.account_id, req.account_id);
        assert_eq!(res.chapter, coordinator.chapter);
        let token = self.login(&device).await;
        Peer {
            device,
            token,
            account_id: req.account_id,
            peer_key,
            lookup: req.recovery.lookup,
        }
    }

    pub async fn push(&self, token: &str, records: Vec<Envelope>) -> Vec<PushResult> {
        let res: PushResponse = self
            .post(
                "/v1/sync/push",
                Some(token),
                &PushRequest {
                    records,
                    head: None,
                },
            )
            .await
            .ok();
        res.results
    }

    pub async fn pull(&self, token: &str, since: u64, limit: u32) -> PullResponse {
        self.get(
            &format!("/v1/sync/pull?since={since}&limit={limit}"),
            Some(token),
        )
        .await
        .ok()
    }

    /// Everything the token may see, page by page.
    pub async fn pull_all(&self, token: &str) -> Vec<PulledEnvelope> {
        let mut out = Vec::new();
        let mut since = 0;
        loop {
            let page = self.pull(token, since, 1000).await;
            out.extend(page.records);
            since = page.cursor;
            if !page.has_more {
                return out;
            }
        }
    }
}

pub struct Coordinator {
    pub device: DeviceSigningKey,
    pub token: String,
    pub chapter: ChapterInfo,
    pub account_id: String,
    pub enc: RecipientSecretKey,
    pub sig: DeviceSigningKey,
}

impl Coordinator {
    pub fn chapter_key(&self) -> RecipientPublicKey {
        self.enc.public_key()
    }

    /// The body of a revocation of `device` (of `account`), signed with the chapter key.
    pub fn revocation(&self, device: &DeviceSigningKey, account: &str) -> (Vec<u8>, &'static str) {
        revocation(device, account, api::REVOKED_BY_CHAPTER, &self.sig)
    }

    /// A statement locking (or unlocking) `account`, issued `at`, signed with `key`.
    pub fn lock(
        account: &str,
        locked: bool,
        at: i64,
        key: &DeviceSigningKey,
    ) -> api::LockAccountRequest {
        let statement = api::AccountLockStatement {
            account_id: account.to_owned(),
            locked,
            at,
        };
        let signature = key
            .sign_document(api::ACCOUNT_LOCK_DOMAIN, &statement)
            .unwrap();
        api::LockAccountRequest {
            statement,
            signature,
        }
    }

    pub fn declaration(&self, version: u32, text: &str) -> PublishedDeclaration {
        let document = DeclarationDocument {
            declaration_id: "chapter".into(),
            version,
            locale: "nb".into(),
            text: text.into(),
            published_at: 1_700_000_000,
        };
        let signature = self
            .sig
            .sign_document(api::DECLARATION_DOMAIN, &document)
            .unwrap();
        PublishedDeclaration {
            document,
            signature,
        }
    }
}

/// The body of a revocation of `device` (of `account`) as `issuer`, signed with `key`.
pub fn revocation(
    device: &DeviceSigningKey,
    account: &str,
    issuer: &str,
    key: &DeviceSigningKey,
) -> (Vec<u8>, &'static str) {
    let statement = api::RevocationStatement {
        device_id: device.device_id(),
        account_id: account.to_owned(),
        revoked_at: 1_767_225_600,
        issuer: issuer.to_owned(),
    };
    let signature = key
        .sign_document(api::REVOCATION_DOMAIN, &statement)
        .unwrap();
    let body = api::RevokeRequest {
        revocation: api::SignedRevocation {
            statement,
            signature,
        },
    };
    (serde_json::to_vec(&body).unwrap(), "application/json")
}

/// The tests' stand-in for the account key a device derives from the peer key.
pub fn account_key(peer_key: &RecipientSecretKey) -> DeviceSigningKey {
    DeviceSigningKey::from_seed(&peer_key.to_bytes()).unwrap()
}

/// A request to add `device` to the account of `peer` by recovery, signed by `signer`.
pub fn recovery_device(
    lookup: [u8; 32],
    account_id: &str,
    device: &DeviceSigningKey,
    signer: &DeviceSigningKey,
) -> api::RecoveryDeviceRequest {
    let doc = api::RecoveryDeviceDocument {
        account_id: account_id.to_owned(),
        device_key: *device.public_key().as_bytes(),
    };
    api::RecoveryDeviceRequest {
        lookup,
        device_key: doc.device_key,
        signature: signer
            .sign_document(api::RECOVERY_DEVICE_DOMAIN, &doc)
            .unwrap(),
    }
}

pub struct Peer {
    pub device: DeviceSigningKey,
    pub token: String,
    pub account_id: String,
    pub peer_key: RecipientSecretKey,
    pub lookup: [u8; 32],
}

impl Peer {
    /// A request replacing the recovery code by `lookup` (the wrapped key: `wrapped`),
    /// signed by `signer`.
    pub fn rotation(
        &self,
        lookup: [u8; 32],
        wrapped: Vec<u8>,
        signer: &DeviceSigningKey,
    ) -> api::RotateRecoveryRequest {
        let doc = api::RecoveryRotateDocument {
            account_id: self.account_id.clone(),
            lookup_sha256: peerlog_crypto::sha256(&lookup),
            wrapped_sha256: peerlog_crypto::sha256(&wrapped),
        };
        api::RotateRecoveryRequest {
            recovery: api::RecoveryUpload {
                lookup,
                wrapped_peer_key: wrapped,
            },
            signature: signer
                .sign_document(api::RECOVERY_ROTATE_DOMAIN, &doc)
                .unwrap(),
        }
    }

    /// A recovery request for `device`, signed with this peer's account key.
    pub fn recovery_device(&self, device: &DeviceSigningKey) -> api::RecoveryDeviceRequest {
        recovery_device(
            self.lookup,
            &self.account_id,
            device,
            &account_key(&self.peer_key),
        )
    }
}

/// A sealed record with the marker in its plaintext.
pub fn seal(
    author: &DeviceSigningKey,
    collection: Collection,
    id: &str,
    version: u64,
    recipients: &[RecipientPublicKey],
) -> Envelope {
    let meta = RecordMeta {
        id: id.to_owned(),
        collection,
        version,
        author_device: author.device_id(),
        deleted: false,
    };
    let plaintext = format!("{{\"note\":\"{MARKER}\",\"id\":\"{id}\"}}");
    seal_record(&meta, plaintext.as_bytes(), recipients, author).unwrap()
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
