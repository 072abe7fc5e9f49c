//! The coordinator's console: a small web application that the `peerlog` program serves on
//! the coordinator's own machine, on a loopback address only, so a coordinator who is not a
//! command-line user can invite peers, follow the declaration, decide expenses and produce
//! the yearly figures in their browser. Everything is decrypted here, by the same
//! [`Coordinator`] the CLI uses; the chapter keys never reach a browser origin on the
//! internet (ADR 0015).
//!
//! Security, in the order a request meets it ([`security`]): the Host header must name this
//! loopback address (a DNS-rebinding defence); a one-time login secret from the printed URL is
//! exchanged for an HttpOnly, SameSite=Strict session cookie; every state-changing request
//! needs the page's own Origin and the session's CSRF token; every response carries a strict
//! Content-Security-Policy, and every asset is compiled into the binary.

mod assets;
mod chart;
mod pages;
mod security;
pub mod texts;
mod training;

use axum::Router;
use peerlog_coordinator::Coordinator;
use peerlog_core::{Locale, SyncPhase, SyncProgress, SyncReport};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

pub use security::random_token;

/// What went wrong starting the console.
#[derive(Debug)]
pub enum StartError {
    /// The address is not a loopback address.
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    Bind(SocketAddr, std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::NotLoopback(a) => write!(
                f,
                "the console listens on this machine only: {a} is not a loopback address (use 127.0.0.1 or [::1])"
            ),
            StartError::Bind(a, e) => write!(f, "cannot listen on {a}: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Whether the console may listen on `addr`: loopback addresses only.
pub fn check_listen(addr: SocketAddr) -> Result<(), StartError> {
    let loopback = match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback(),
    };
    if loopback {
        Ok(())
    } else {
        Err(StartError::NotLoopback(addr))
    }
}

/// The console's state, shared by every request.
#[derive(Debug)]
pub(crate) struct AppState {
    pub coord: Arc<Coordinator>,
    pub locale: Locale,
    /// The address the console is served on (the Host header must name it).
    pub addr: SocketAddr,
    /// The one-time login secret, until it is used.
    login_token: Mutex<Option<String>>,
    /// Session id → session.
    sessions: Mutex<HashMap<String, Session>>,
    pub sync: Arc<Mutex<SyncState>>,
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub csrf: String,
    /// A message for the next page shown (after a redirect).
    pub flash: Option<String>,
}

/// The progress and outcome of the console's sync, for the progress display.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct SyncState {
    pub running: bool,
    pub phase: Option<&'static str>,
    pub done: u64,
    pub total: Option<u64>,
    /// The last finished sync: a one-line outcome in the user's language.
    pub outcome: Option<String>,
    pub failed: bool,
    /// Increases with every finished sync.
    pub generation: u64,
}

/// Feeds the core's progress calls into [`SyncState`].
#[derive(Debug)]
pub(crate) struct Progress(pub Arc<Mutex<SyncState>>);

impl SyncProgress for Progress {
    fn on_progress(&self, phase: SyncPhase, done: u64, total: Option<u64>) {
        let mut s = lock(&self.0);
        s.phase = Some(match phase {
            SyncPhase::Login => "login",
            SyncPhase::Push => "push",
            SyncPhase::Pull => "pull",
            SyncPhase::Apply => "apply",
        });
        s.done = done;
        s.total = total;
    }
}

/// A poisoned lock still holds usable state here (sessions, progress): take it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    /// Exchanges the one-time login secret for a new session id; `None` if it is wrong or
    /// was used.
    pub fn log_in(&self, token: &str) -> Option<String> {
        let mut t = lock(&self.login_token);
        let ok = t
            .as_deref()
            .is_some_and(|want| security::same(want.as_bytes(), token.as_bytes()));
        if !ok {
            return None;
        }
        *t = None;
        let id = random_token();
        lock(&self.sessions).insert(
            id.clone(),
            Session {
                csrf: random_token(),
                flash: None,
            },
        );
        Some(id)
    }

    pub fn session(&self, id: &str) -> Option<Session> {
        lock(&self.sessions).get(id).cloned()
    }

    pub fn set_flash(&self, id: &str, text: String) {
        if let Some(s) = lock(&self.sessions).get_mut(id) {
            s.flash = Some(text);
        }
    }

    pub fn take_flash(&self, id: &str) -> Option<String> {
        lock(&self.sessions)
            .get_mut(id)
            .and_then(|s| s.flash.take())
    }

    /// The session cookie's name: with the port, since browsers share cookies between the
    /// ports of one host and two consoles (two chapters) must not sign each other out.
    pub fn cookie_name(&self) -> String {
        format!("peerlog-console-{}", self.addr.port())
    }
}

/// A console ready to serve: its router and the URL with the one-time login secret.
#[derive(Debug)]
pub struct Console {
    pub router: Router,
    /// `http://127.0.0.1:PORT/?token=…`: opening it signs the browser in (once).
    pub login_url: String,
    pub addr: SocketAddr,
}

/// The console for `coord` as served on `addr`, in `locale`.
pub fn console(coord: Arc<Coordinator>, locale: Locale, addr: SocketAddr) -> Console {
    let token = random_token();
    let state = Arc::new(AppState {
        coord,
        locale,
        addr,
        login_token: Mutex::new(Some(token.clone())),
        sessions: Mutex::new(HashMap::new()),
        sync: Arc::new(Mutex::new(SyncState::default())),
    });
    Console {
        router: pages::router(state),
        login_url: format!("http://{addr}/?token={token}"),
        addr,
    }
}

/// A console bound to its address and ready to run.
#[derive(Debug)]
pub struct Bound {
    listener: tokio::net::TcpListener,
    console: Console,
}

impl Bound {
    /// The URL with the one-time login secret.
    pub fn login_url(&self) -> &str {
        &self.console.login_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.console.addr
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.console.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Binds `listen` (loopback only; port 0 picks a free port) and builds the console.
pub async fn bind(
    coord: Arc<Coordinator>,
    locale: Locale,
    listen: SocketAddr,
) -> Result<Bound, StartError> {
    check_listen(listen)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| StartError::Bind(listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(listen, e))?;
    Ok(Bound {
        listener,
        console: console(coord, locale, addr),
    })
}

/// One line about a finished sync, in the user's language.
pub(crate) fn sync_outcome(t: texts::Texts, r: &SyncReport) -> String {
    texts::fill(
        t.sync_done(),
        &[&r.pushed.to_string(), &r.pulled.to_string()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        for ok in ["127.0.0.1:0", "127.0.0.1:8080", "[::1]:0", "127.1.2.3:9"] {
            assert!(check_listen(ok.parse().unwrap()).is_ok(), "{ok}");
        }
        for bad in ["0.0.0.0:0", "192.168.1.10:80", "[::]:0", "10.0.0.1:1"] {
            assert!(
                matches!(
                    check_listen(bad.parse().unwrap()),
                    Err(StartError::NotLoopback(_))
                ),
                "{bad}"
            );
        }
    }
}
