//! A lean API v1 client: what a device sends, with real keys and signed, sealed envelopes,
//! spread round-robin over the server instances. Each simulated device has its own client
//! address (`X-Forwarded-For`), as phones behind a reverse proxy have.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use peerlog_crypto::DeviceSigningKey;
use peerlog_protocol::api::{
    self, AuthChallengeDocument, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a request failed: a short kind (counted) and the detail (the first few shown).
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: String,
    pub detail: String,
}

impl Failure {
    pub fn new(kind: impl Into<String>, detail: impl Into<String>) -> Self {
        Failure {
            kind: kind.into(),
            detail: detail.into(),
        }
    }
}

/// The server instances, taken in turn request by request.
#[derive(Debug, Clone)]
pub struct Servers {
    urls: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    http: reqwest::Client,
}

impl Servers {
    pub fn new(urls: Vec<String>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Servers {
            urls: Arc::new(urls),
            next: Arc::new(AtomicUsize::new(0)),
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.urls.len();
        format!("{}{path}", self.urls[i])
    }

    /// A client speaking as the device with client address `ip`.
    pub fn as_client(&self, ip: Ipv4Addr) -> Api {
        Api {
            servers: self.clone(),
            ip: ip.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Api {
    servers: Servers,
    ip: String,
}

impl Api {
    async fn send<R: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<R, Failure> {
        let resp = req
            .header("x-forwarded-for", &self.ip)
            .send()
            .await
            .map_err(|e| Failure::new(format!("{what}: transport"), e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Failure::new(format!("{what}: transport"), e.to_string()))?;
        if !status.is_success() {
            return Err(Failure::new(
                format!("{what}: HTTP {}", status.as_u16()),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Failure::new(format!("{what}: bad response"), e.to_string()))
    }

    pub async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<R, Failure> {
        let mut req = self.servers.http.post(self.servers.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req, path).await
    }

    pub async fn pull(&self, token: &str, since: u64) -> Result<api::PullResponse, Failure> {
        let path = format!("/v1/sync/pull?since={since}&limit={}", api::MAX_PULL_LIMIT);
        let req = self
            .servers
            .http
            .get(self.servers.url(&path))
            .bearer_auth(token);
        self.send(req, "/v1/sync/pull").await
    }

    /// Login by signed challenge (two requests, possibly to two instances).
    pub async fn login(&self, key: &DeviceSigningKey) -> Result<String, Failure> {
        let device_id = key.device_id();
        let c: ChallengeResponse = self
            .post(
                "/v1/auth/challenge",
                None,
                &ChallengeRequest {
                    device_id: device_id.clone(),
                },
            )
            .await?;
        let signature = key
            .sign_document(
                api::AUTH_DOMAIN,
                &AuthChallengeDocument {
                    device_id: device_id.clone(),
                    challenge: c.challenge,
                },
            )
            .map_err(|e| Failure::new("sign", e.to_string()))?;
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
