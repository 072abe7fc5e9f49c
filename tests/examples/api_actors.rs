//! Sets up a coordinator and a peer on a running server, as their devices would, and
//! prints their bearer tokens as JSON, for tools that test the API from outside
//! (`cargo xtask schemathesis`):
//!
//! ```text
//! api_actors SERVER_URL COORDINATOR_ENROLMENT_TOKEN
//! → {"coordinator_token": …, "peer_token": …, "peer_device_id": …, "peer_account_id": …}
//! ```
//!
//! The coordinator enrols with the token from `peerlog-server admin chapter create`,
//! publishes a declaration and invites the peer; the peer enrols and pushes one record, so
//! pulls and the declaration answer with content. Loopback servers only.

use std::io::Write as _;
use std::process::ExitCode;

use peerlog_crypto::envelope::seal_record;
use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::api::{
    self, AuthChallengeDocument, ChallengeRequest, ChallengeResponse, ChapterKeys,
    DeclarationDocument, EnrolCoordinatorRequest, EnrolPeerRequest, EnrolResponse,
    InvitationRequest, InvitationResponse, PublishedDeclaration, PushRequest, PushResponse,
    RecoveryUpload, TokenRequest, TokenResponse,
};
use peerlog_protocol::{Collection, RecordMeta};
use serde::Serialize;
use serde::de::DeserializeOwned;

type Result<T> = std::result::Result<T, String>;

struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<R> {
        let mut req = self.http.post(format!("{}{path}", self.url)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "{path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))
    }

    async fn login(&self, device: &DeviceSigningKey) -> Result<String> {
        let device_id = device.device_id();
        let c: ChallengeResponse = self
            .post(
                "/v1/auth/challenge",
                None,
                &ChallengeRequest {
                    device_id: device_id.clone(),
                },
            )
            .await?;
        let signature = device
            .sign_document(
                api::AUTH_DOMAIN,
                &AuthChallengeDocument {
                    device_id: device_id.clone(),
                    challenge: c.challenge,
                },
            )
            .map_err(|e| e.to_string())?;
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
            .await?;
        Ok(t.token)
    }
}

async fn actors(url: &str, enrolment_token: &str) -> Result<serde_json::Value> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if !loopback {
        return Err(format!("{url} is not a loopback address"));
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let api = Api {
        url: url.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
    };
    let key_err = |e: peerlog_crypto::CryptoError| e.to_string();

    // The coordinator's machine: its device and the chapter keys.
    let chapter_enc = RecipientSecretKey::generate().map_err(key_err)?;
    let chapter_sig = DeviceSigningKey::generate().map_err(key_err)?;
    let coordinator = DeviceSigningKey::generate().map_err(key_err)?;
    let _: EnrolResponse = api
        .post(
            "/v1/enrol/coordinator",
            None,
            &EnrolCoordinatorRequest {
                token: enrolment_token.to_owned(),
                device_key: *coordinator.public_key().as_bytes(),
                chapter_keys: ChapterKeys {
                    encryption_key: *chapter_enc.public_key().as_bytes(),
                    signing_key: *chapter_sig.public_key().as_bytes(),
                },
            },
        )
        .await?;
    let coordinator_token = api.login(&coordinator).await?;
    let document = DeclarationDocument {
        declaration_id: "chapter".into(),
        version: 1,
        locale: "nb".into(),
        text: "Jeg har taushetsplikt om alt jeg får vite om dem jeg besøker.".into(),
        published_at: 1_767_225_600,
    };
    let signature = chapter_sig
        .sign_document(api::DECLARATION_DOMAIN, &document)
        .map_err(key_err)?;
    let _: serde_json::Value = api
        .post(
            "/v1/chapter/declaration",
            Some(&coordinator_token),
            &PublishedDeclaration {
                document,
                signature,
            },
        )
        .await?;
    let invitation: InvitationResponse = api
        .post(
            "/v1/chapter/invitations",
            Some(&coordinator_token),
            &InvitationRequest { expires_days: 7 },
        )
        .await?;

    // The peer's device.
    let device = DeviceSigningKey::generate().map_err(key_err)?;
    let peer_key = RecipientSecretKey::generate().map_err(key_err)?;
    let account_key = DeviceSigningKey::from_seed(&peer_key.to_bytes()).map_err(key_err)?;
    let account_id = uuid::Uuid::now_v7().to_string();
    let enrolled: EnrolResponse = api
        .post(
            "/v1/enrol/peer",
            None,
            &EnrolPeerRequest {
                token: invitation.token,
                account_id: account_id.clone(),
                device_key: *device.public_key().as_bytes(),
                peer_key: *peer_key.public_key().as_bytes(),
                account_key: *account_key.public_key().as_bytes(),
                recovery: RecoveryUpload {
                    lookup: peerlog_crypto::random_bytes::<32>().map_err(key_err)?,
                    wrapped_peer_key: vec![7; 120],
                },
                proof: None,
            },
        )
        .await?;
    let peer_token = api.login(&device).await?;
    let meta = RecordMeta {
        id: uuid::Uuid::now_v7().to_string(),
        collection: Collection::Contacts,
        version: 1_767_225_600_000_000,
        author_device: device.device_id(),
        deleted: false,
    };
    let record = seal_record(
        &meta,
        br#"{"kind":"visit","minutes":60}"#,
        &[peer_key.public_key(), chapter_enc.public_key()],
        &device,
    )
    .map_err(key_err)?;
    let _: PushResponse = api
        .post(
            "/v1/sync/push",
            Some(&peer_token),
            &PushRequest {
                records: vec![record],
                head: None,
            },
        )
        .await?;
    Ok(serde_json::json!({
        "coordinator_token": coordinator_token,
        "peer_token": peer_token,
        "peer_device_id": enrolled.device_id,
        "peer_account_id": account_id,
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token] = args.as_slice() else {
        eprintln!("usage: api_actors SERVER_URL COORDINATOR_ENROLMENT_TOKEN");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("api_actors: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(actors(url, token)) {
        Ok(v) => {
            // A closed standard output is no reason for a panic.
            let _ = writeln!(std::io::stdout(), "{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("api_actors: {e}");
            ExitCode::FAILURE
        }
    }
}
