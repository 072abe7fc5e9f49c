//! The HTTP client: reqwest on rustls with the ring provider, Mozilla's roots
//! (webpki-roots) plus any CA the app adds for a self-hosted server. Timeouts on every
//! request. Never logs bodies or tokens. Only `https://` servers (plain `http://` to this
//! machine only), also after a redirect, so no token or lookup id crosses a network in
//! the clear.

use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use peerlog_protocol::api::{self, ErrorBody, ServerAddressError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Connecting (TCP + TLS) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A whole request (a push of up to 500 records, a pull page) may take this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Redirects followed at most (reqwest's default).
const MAX_REDIRECTS: usize = 10;

/// A redirect to a server [`check_server`] would refuse.
#[derive(Debug, thiserror::Error)]
#[error("redirected to a plain-http server")]
struct InsecureRedirect;

/// Refuses a server address that is not `https://` (or `http://` to a loopback host)
/// before anything is sent to it.
pub fn check_server(address: &str) -> Result<()> {
    api::check_server_address(address).map_err(|e| {
        CoreError::NotAllowed(match e {
            ServerAddressError::Insecure => Msg::InsecureServer,
            ServerAddressError::NotAnAddress => Msg::BadServerAddress,
        })
    })
}

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
    /// `extra_roots` (DER). Every request of the peer and the coordinator goes through
    /// one of these, so this is where a plain-HTTP server is refused.
    pub fn new(base: &str, extra_roots: &[Vec<u8>]) -> Result<Self> {
        let base = base.trim_end_matches('/');
        check_server(base)?;
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
            // A 307/308 resends the body (a token) to wherever the server points.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if api::check_server_address(attempt.url().as_str()).is_err() {
                    attempt.error(InsecureRedirect)
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| CoreError::Network(format!("http client: {e}")))?;
        Ok(Self {
            client,
            base: base.to_string(),
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
        let bytes = read_bounded(resp, MAX_RESPONSE_BYTES).await?;
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

/// The most bytes of one answer read into memory: a pull page or one envelope (each at
/// most [`api::MAX_BODY_BYTES`]) and the JSON around it. A server sending more is cut off,
/// so it cannot make a phone run out of memory.
const MAX_RESPONSE_BYTES: usize = api::MAX_BODY_BYTES + 1024 * 1024;

/// The body, read chunk by chunk, refused once it grows beyond `limit`.
async fn read_bounded(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>> {
    let status = resp.status().as_u16();
    let too_large = || CoreError::Server {
        status,
        code: "response_too_large".into(),
        message: format!("the server's answer is larger than {limit} bytes"),
    };
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(net)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn net(e: reqwest::Error) -> CoreError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if err.is::<InsecureRedirect>() {
            return CoreError::NotAllowed(Msg::InsecureServer);
        }
        source = err.source();
    }
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

    fn refusal(base: &str) -> Option<Msg> {
        match Http::new(base, &[]) {
            Ok(_) => None,
            Err(CoreError::NotAllowed(m)) => Some(m),
            Err(e) => panic!("{base}: {e}"),
        }
    }

    #[test]
    fn plain_http_is_refused_unless_the_server_is_this_machine() {
        for ok in [
            "https://peerlog.example.org",
            "https://peerlog.example.org/",
            "http://127.0.0.1:8080/",
            "http://127.8.9.10",
            "http://[::1]:3000",
            "http://localhost:3000",
        ] {
            assert_eq!(refusal(ok), None, "{ok}");
        }
        for insecure in [
            "http://peerlog.example",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1.evil.example:8080/",
            "http://127.0.0.1@evil.example",
            "http://127.0.0.1:80@evil.example",
            "http://[::1]@evil.example",
            "http://localhost@evil.example",
            "http://localhost.evil.example",
            "http://evil.example/http://127.0.0.1",
            "http://evil.example#@localhost",
            "http://[::ffff:7f00:1]",
            "http://10.0.0.2",
        ] {
            assert_eq!(refusal(insecure), Some(Msg::InsecureServer), "{insecure}");
        }
        for garbage in ["", "peerlog.example", "ftp://127.0.0.1", "https://"] {
            assert_eq!(refusal(garbage), Some(Msg::BadServerAddress), "{garbage:?}");
        }
    }

    /// A loopback server that redirects every request to a plain-http server elsewhere:
    /// the client must not follow (a 307 would resend the token in the clear).
    #[test]
    fn a_redirect_to_plain_http_is_not_followed() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut conn, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://peerlog.invalid/v1/enrol/peer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        let http = Http::new(&format!("http://127.0.0.1:{port}"), &[]).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out: Result<serde_json::Value> =
            rt.block_on(http.post("/v1/enrol/peer", &serde_json::json!({"token": "t"}), None));
        assert!(
            matches!(out, Err(CoreError::NotAllowed(Msg::InsecureServer))),
            "{out:?}"
        );
    }

    /// A server (or whoever answers in its place) sending an endless answer: the client
    /// stops reading at the bound instead of filling the phone's memory.
    #[test]
    fn an_endless_answer_is_cut_off() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for (n, conn) in listener.incoming().take(2).enumerate() {
                let Ok(mut conn) = conn else { return };
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                // First without a length (read until the connection closes), then
                // announcing a huge one.
                let head: &[u8] = if n == 0 {
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999999999999\r\n\r\n"
                };
                let _ = conn.write_all(head);
                let block = [b' '; 64 * 1024];
                let mut sent = 0;
                while sent <= 2 * MAX_RESPONSE_BYTES && conn.write_all(&block).is_ok() {
                    sent += block.len();
                }
            }
        });
        let http = Http::new(&format!("http://127.0.0.1:{port}"), &[]).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for attempt in ["no length", "a huge length"] {
            let out: Result<serde_json::Value> = rt.block_on(http.get("/v1/sync/pull", None));
            assert!(
                matches!(&out, Err(CoreError::Server { code, .. }) if code == "response_too_large"),
                "{attempt}: {out:?}"
            );
        }
    }
}
