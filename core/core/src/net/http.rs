//! The HTTP client: reqwest on rustls with the ring provider, Mozilla's roots
//! (webpki-roots) plus any CA the app adds for a self-hosted server. Timeouts on every
//! request. Never logs bodies or tokens.

use crate::error::{CoreError, Result};
use peerlog_protocol::api::{self, ErrorBody};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Connecting (TCP + TLS) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A whole request (a push of up to 500 records, a pull page) may take this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
}

/// Parses PEM certificates (one or more) into DER.
pub fn parse_pem(pem: &str, locale: peerlog_rules::Locale) -> Result<Vec<Vec<u8>>> {
    use crate::i18n::Invalid;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bad = || Invalid::BadCertificate.at("certificate", locale);
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| bad())?;
    if certs.is_empty() {
        return Err(bad());
    }
    Ok(certs)
}

impl Http {
    /// A client for `base` (`https://…`, no trailing slash), trusting webpki roots and
    /// `extra_roots` (DER).
    pub fn new(base: &str, extra_roots: &[Vec<u8>]) -> Result<Self> {
        // The process-wide provider is ring; aws-lc is never linked.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for der in extra_roots {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| CoreError::invalid("certificate", "bad_certificate", e.to_string()))?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| CoreError::Network(format!("tls setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("peerlog-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Network(format!("http client: {e}")))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn post<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        token: Option<&str>,
    ) -> Result<R> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::finish(req).await
    }

    pub async fn get<R: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> Result<R> {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::finish(req).await
    }

    async fn finish<R: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<R> {
        let resp = req.send().await.map_err(net)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(net)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| CoreError::Server {
                status: status.as_u16(),
                code: "bad_response".into(),
                message: format!("unexpected answer: {e}"),
            });
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) if body.error.code == api::codes::DEVICE_REVOKED => {
                Err(CoreError::RevocationClaimed(body.revocation))
            }
            Ok(body) => Err(CoreError::Server {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
            }),
            Err(_) => Err(CoreError::Server {
                status: status.as_u16(),
                code: if status.is_server_error() {
                    api::codes::INTERNAL.into()
                } else {
                    format!("http_{}", status.as_u16())
                },
                message: status.canonical_reason().unwrap_or("error").into(),
            }),
        }
    }
}

fn net(e: reqwest::Error) -> CoreError {
    // Without the URL: it is harmless, but keeps logs short.
    CoreError::Network(e.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_builds_on_ring_and_rejects_bad_pem() {
        Http::new("https://example.org/", &[]).unwrap();
        assert!(parse_pem("not a certificate", peerlog_rules::Locale::En).is_err());
    }
}
