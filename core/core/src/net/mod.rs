//! The device's side of the server connection, shared by the peer's sync and the
//! coordinator's: the HTTP client with the device's extra CA, login by signed challenge
//! (token kept in memory only), pushing pending records in batches, pulling pages, and the
//! sync status the UI shows (ADR 0005, ADR 0008).
//!
//! Public for the coordinator's crate; the apps reach it only through the peer's object.

mod backoff;
pub use backoff::{SyncSchedule, sync_schedule};
mod batch;
pub mod http;

use crate::enrolment::{Enrolment, EnrolmentInfo};
use crate::error::{CoreError, PeerlogError, Result};
use crate::heads::{self, HeadKeys};
use crate::i18n::{Msg, tr};
use crate::store::sync::PendingRecord;
use crate::store::{self, Store};
use chrono::{SecondsFormat, Utc};
use http::Http;
use peerlog_protocol::api::{
    self, AuthChallengeDocument, ChallengeRequest, ChallengeResponse, PullResponse, PushRequest,
    PushResponse, PushResult, TokenRequest, TokenResponse,
};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{HashSet, VecDeque};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A cached token is renewed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);
/// Meta key of this device's own certificate record id (pushed first).
pub(crate) const META_CERT_ID: &str = "device_cert_id";
/// The extra CA certificate(s) of a self-hosted server, as the PEM text the user gave
/// (public data, so stored as is).
const META_EXTRA_ROOTS: &str = "extra_root_certificates";

/// The outcome of one sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncReport {
    /// Records the server accepted (or already had).
    pub pushed: u64,
    /// Records pulled and applied.
    pub pulled: u64,
    /// Records the server refused (kept locally; see `SyncStatus.last_error`).
    pub rejected: u64,
    /// The chapter published a new declaration text.
    pub declaration_changed: bool,
}

/// The last sync error, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncErrorInfo {
    pub code: String,
    /// In the user's language.
    pub message: String,
}

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SyncStatus {
    pub device_id: Option<String>,
    pub enrolment: Option<EnrolmentInfo>,
    /// RFC 3339.
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<SyncErrorInfo>,
    /// Records not yet acknowledged by the server.
    pub pending: u64,
    /// RFC 3339: background schedulers should not sync before this (backoff after
    /// failures). `sync()` itself always tries.
    pub retry_after: Option<String>,
    /// The current declaration (the chapter's, once published) is signed.
    pub declaration_signed: bool,
    /// Pulled records waiting for their author's device certificate; they apply when it
    /// arrives.
    pub waiting_records: u64,
    /// Pulled records dropped, never applied, because too many were waiting: a sign that
    /// the server or a device sends records this device cannot check.
    pub dropped_records: u64,
}

/// The phase a sync is in, for progress reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum, Serialize)]
pub enum SyncPhase {
    Login,
    Push,
    Pull,
    Apply,
}

/// Receives sync progress (the shells update a progress bar; the CLI draws one).
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// `done` of `total` (if known) items in `phase`.
    fn on_progress(&self, phase: SyncPhase, done: u64, total: Option<u64>);
}

/// Reports progress, if anyone listens.
pub fn progress(
    p: &Option<Arc<dyn SyncProgress>>,
    phase: SyncPhase,
    done: u64,
    total: Option<u64>,
) {
    if let Some(p) = p {
        p.on_progress(phase, done, total);
    }
}

/// What the connection needs from the object that owns it (the peer's, the
/// coordinator's): the device key to sign a login, and its store, under its own lock.
pub trait Host: Send + Sync {
    /// Signs a login challenge with this device's signing key.
    fn sign_login(&self, doc: &AuthChallengeDocument) -> Result<[u8; 64]>;
    /// Runs `f` on the store under the owner's lock.
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
    /// The keys of the account's signed head (ADR 0022), for a peer's device; `None` for
    /// a coordinator's machine, whose account keeps no head.
    fn head_keys(&self) -> Result<Option<crate::heads::HeadKeys>> {
        Ok(None)
    }
}

/// What a push did.
#[derive(Debug, Default)]
pub struct Pushed {
    pub accepted: u64,
    pub rejected: u64,
    /// The last refusal's code (never its message, which may quote record metadata).
    pub last_rejection: Option<String>,
    /// A batch was sent again after the server withheld it.
    retried_withheld: bool,
}

/// What a pull did.
#[derive(Debug, Default)]
pub struct Pulled {
    /// The account's head on the last page (a peer's pull).
    head: Option<api::SignedAccountHead>,
    /// The heads of the chapter's accounts on the last page (a coordinator's pull).
    pub heads: Vec<api::SignedAccountHead>,
    /// Records applied.
    pub applied: u64,
    /// The newest declaration version the server mentioned.
    pub newest_declaration: Option<u32>,
    /// The pull stopped early because `apply` asked to (more may follow the cursor).
    pub stopped: bool,
}

impl Pulled {
    fn add(&mut self, p: Pulled) {
        self.applied += p.applied;
        self.newest_declaration = self.newest_declaration.max(p.newest_declaration);
        self.stopped = p.stopped;
        self.head = p.head;
        self.heads = p.heads;
    }
}

/// A record's key and version, to skip it for the rest of a sync.
fn stale_key(env: &peerlog_protocol::Envelope) -> (String, String, u64) {
    (
        env.meta.collection.as_str().to_owned(),
        env.meta.id.clone(),
        env.meta.version,
    )
}

/// Whether the server refused a request as larger than it reads.
fn is_too_large(e: &CoreError) -> bool {
    matches!(e, CoreError::Server { status: 413, .. })
        || matches!(e, CoreError::Server { code, .. } if code == api::codes::PAYLOAD_TOO_LARGE)
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these cannot leave it half-updated.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Network state of one object: the bearer token (memory only), the extra CA roots, the
/// HTTP client, and a lock that serialises syncs.
#[derive(Default)]
pub struct Net {
    token: Mutex<Option<(String, Instant)>>,
    extra_roots: Mutex<Vec<Vec<u8>>>,
    http: Mutex<Option<Http>>,
    sync_lock: tokio::sync::Mutex<()>,
    /// Records per pull page (0 = the server's default).
    pull_limit: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").finish_non_exhaustive()
    }
}

fn stored_extra_roots(conn: &Connection) -> Result<Option<String>> {
    store::meta_get(conn, META_EXTRA_ROOTS)?
        .map(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| CoreError::corrupt("stored extra root certificate"))
        })
        .transpose()
}

impl Net {
    /// Net state for a store: the extra roots saved in it, if any.
    pub fn load(conn: &Connection) -> Result<Net> {
        let net = Net::default();
        if let Some(pem) = stored_extra_roots(conn)? {
            // Validated when it was saved; a store edited since then is corrupt.
            let ders = http::parse_pem(&pem, Locale::default())
                .map_err(|_| CoreError::corrupt("stored extra root certificate"))?;
            net.set_extra_roots(ders);
        }
        Ok(net)
    }

    /// The client for `server`, built once per server, set of roots and sync.
    pub fn http(&self, server: &str) -> Result<Http> {
        let mut cached = locked(&self.http);
        if let Some(h) = cached
            .as_ref()
            .filter(|h| h.base() == server.trim_end_matches('/'))
        {
            return Ok(h.clone());
        }
        let h = Http::new(server, &locked(&self.extra_roots))?;
        *cached = Some(h.clone());
        Ok(h)
    }

    fn set_extra_roots(&self, ders: Vec<Vec<u8>>) {
        *locked(&self.extra_roots) = ders;
        *locked(&self.http) = None;
    }

    /// Trusts an extra CA (PEM) from now on and keeps it in the store.
    pub fn set_extra_root_certificate(
        &self,
        conn: &Connection,
        pem: &str,
        locale: Locale,
    ) -> Result<()> {
        let ders = http::parse_pem(pem, locale)?;
        store::meta_put(conn, META_EXTRA_ROOTS, pem.trim().as_bytes())?;
        self.set_extra_roots(ders);
        Ok(())
    }

    /// The extra CA kept in the store (its PEM text), if any.
    pub fn extra_root_certificate(conn: &Connection) -> Result<Option<String>> {
        stored_extra_roots(conn)
    }

    /// Stops trusting the extra CA.
    pub fn clear_extra_root_certificate(&self, conn: &Connection) -> Result<()> {
        store::meta_delete(conn, META_EXTRA_ROOTS)?;
        self.set_extra_roots(Vec::new());
        Ok(())
    }

    fn token(&self) -> Option<String> {
        locked(&self.token)
            .as_ref()
            .filter(|(_, until)| Instant::now() + TOKEN_MARGIN < *until)
            .map(|(t, _)| t.clone())
    }

    fn set_token(&self, token: String, expires_in: i64) {
        let secs = u64::try_from(expires_in.clamp(0, 24 * 3600)).unwrap_or(0);
        *locked(&self.token) = Some((token, Instant::now() + Duration::from_secs(secs)));
    }

    /// Forgets the token (the next request logs in again).
    pub fn clear(&self) {
        *locked(&self.token) = None;
    }

    /// Whether a login will be needed before the next request.
    fn needs_login(&self) -> bool {
        self.token().is_none()
    }

    /// Records per pull page (default and most: the server's limits); for tests and
    /// very slow links.
    pub fn set_pull_page_size(&self, records: u32) {
        self.pull_limit
            .store(records, std::sync::atomic::Ordering::Relaxed);
    }

    fn page(&self) -> u32 {
        match self.pull_limit.load(std::sync::atomic::Ordering::Relaxed) {
            0 => api::DEFAULT_PULL_LIMIT,
            n => n.min(api::MAX_PULL_LIMIT),
        }
    }

    /// Holds the one-sync-at-a-time lock while the returned guard lives. Each sync
    /// starts on new connections: one kept from a sync minutes ago has often died with
    /// a change of network or a server restart, and the first request sent on it would
    /// fail the whole sync.
    pub async fn one_sync_at_a_time(&self) -> tokio::sync::MutexGuard<'_, ()> {
        let guard = self.sync_lock.lock().await;
        *locked(&self.http) = None;
        guard
    }

    /// Logs in with a signed challenge and caches the token (memory only).
    async fn login<H: Host>(&self, host: &H, http: &Http, device_id: &str) -> Result<String> {
        let ch: ChallengeResponse = http
            .post(
                "/v1/auth/challenge",
                &ChallengeRequest {
                    device_id: device_id.to_string(),
                },
                None,
            )
            .await?;
        let doc = AuthChallengeDocument {
            device_id: device_id.to_string(),
            challenge: ch.challenge,
        };
        let signature = host.sign_login(&doc)?;
        let t: TokenResponse = http
            .post(
                "/v1/auth/token",
                &TokenRequest {
                    device_id: device_id.to_string(),
                    challenge: ch.challenge,
                    signature,
                },
                None,
            )
            .await?;
        self.set_token(t.token.clone(), t.expires_in);
        Ok(t.token)
    }

    /// One authenticated request (a GET without a body, else a POST); logs in first if
    /// needed and once more on a 401.
    pub async fn authed<H: Host, B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        host: &H,
        http: &Http,
        device_id: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<R> {
        let mut retried = false;
        loop {
            let token = match self.token() {
                Some(t) => t,
                None => self.login(host, http, device_id).await?,
            };
            let out = match body {
                Some(b) => http.post(path, b, Some(&token)).await,
                None => http.get(path, Some(&token)).await,
            };
            match out {
                Err(CoreError::Server { status: 401, .. }) if !retried => {
                    self.clear();
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// Pushes every pending record in batches bounded by count and bytes (this device's
    /// certificate first), holding one batch in memory. A record the server refuses, also
    /// as too large on its own, is marked rejected and the rest go on. With `heads`, each
    /// batch carries the account's next head; a batch the server could not store whole is
    /// sent again without what it refused.
    async fn push_pending<H: Host>(
        &self,
        host: &H,
        http: &Http,
        device_id: &str,
        heads: Option<&HeadKeys>,
        progress_cb: &Option<Arc<dyn SyncProgress>>,
    ) -> Result<Pushed> {
        let pending = host.with_store(|st| {
            let first = store::meta_get(st.conn(), META_CERT_ID)?
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            store::sync::pending_records(st.conn(), &first)
        })?;
        let total = pending.len() as u64;
        let sizes: Vec<usize> = pending.iter().map(|r| r.bytes).collect();
        let mut queue: VecDeque<&[PendingRecord]> =
            batch::batches(&sizes, api::MAX_PUSH_RECORDS, api::MAX_PUSH_BATCH_BYTES)
                .into_iter()
                .map(|r| &pending[r])
                .collect();
        let mut out = Pushed::default();
        let mut done = 0u64;
        // Stale in this sync: the pull brings the newer version first.
        let mut stale: HashSet<(String, String, u64)> = HashSet::new();
        while let Some(refs) = queue.pop_front() {
            progress(progress_cb, SyncPhase::Push, done, Some(total));
            let mut records = host.with_store(|st| {
                let mut envs = Vec::with_capacity(refs.len());
                for r in refs {
                    envs.extend(store::sync::pending_envelope(st.conn(), r)?);
                }
                Ok(envs)
            })?;
            records.retain(|e| !stale.contains(&stale_key(e)));
            if records.is_empty() {
                done += refs.len() as u64;
                continue;
            }
            // Hashed once, for the head and for noting what the server took.
            let hashes = match heads {
                Some(_) => records
                    .iter()
                    .map(peerlog_crypto::envelope_sha256)
                    .collect::<std::result::Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            let head = match heads {
                Some(k) => {
                    let batch: Vec<_> = records.iter().zip(hashes.iter().copied()).collect();
                    Some(host.with_store(|st| heads::next(st.conn(), k, &batch))?)
                }
                None => None,
            };
            let req = PushRequest { records, head };
            let resp: PushResponse = match self
                .authed(host, http, device_id, "/v1/sync/push", Some(&req))
                .await
            {
                Ok(resp) => resp,
                Err(e) if is_too_large(&e) => {
                    if refs.len() > 1 {
                        // The byte budget should prevent this; a server with a smaller
                        // limit gets halves until each fits or a record is alone.
                        let (a, b) = refs.split_at(refs.len() / 2);
                        queue.push_front(b);
                        queue.push_front(a);
                    } else {
                        host.with_store(|st| {
                            st.tx(|tx| {
                                for env in &req.records {
                                    store::sync::mark_rejected(
                                        tx,
                                        env,
                                        api::codes::PAYLOAD_TOO_LARGE,
                                    )?;
                                }
                                Ok(())
                            })
                        })?;
                        out.rejected += req.records.len() as u64;
                        out.last_rejection = Some(api::codes::PAYLOAD_TOO_LARGE.into());
                        done += refs.len() as u64;
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let chunk = &req.records;
            if resp.results.len() != chunk.len() || (resp.head_stored && req.head.is_none()) {
                return Err(CoreError::Server {
                    status: 200,
                    code: "bad_response".into(),
                    message: "push results do not match the batch".into(),
                });
            }
            let mut withheld = false;
            host.with_store(|st| {
                st.tx(|tx| {
                    for (i, (env, res)) in chunk.iter().zip(&resp.results).enumerate() {
                        match res {
                            PushResult::Accepted { seq } | PushResult::Duplicate { seq } => {
                                store::sync::mark_pushed(tx, env, Some(*seq))?;
                                if let (Some(k), Some(&hash)) = (heads, hashes.get(i)) {
                                    heads::note_on_server(tx, env, hash, k.chapter_kid())?;
                                }
                                out.accepted += 1;
                            }
                            // Stays pending; the pull brings the newer version, which wins.
                            PushResult::Stale { .. } => {
                                stale.insert(stale_key(env));
                            }
                            PushResult::Rejected { code, .. } => {
                                store::sync::mark_rejected(tx, env, code)?;
                                out.rejected += 1;
                                out.last_rejection = Some(code.clone());
                            }
                            PushResult::Withheld {} => withheld = true,
                        }
                    }
                    if let (true, Some(head)) = (resp.head_stored, &req.head) {
                        heads::stored(tx, head)?;
                    }
                    Ok(())
                })
            })?;
            if withheld && !resp.head_stored && req.head.is_some() {
                // Once more without what was refused or stale (now off the list). A
                // server that withholds again gets no third try in this sync.
                if out.retried_withheld {
                    return Err(CoreError::ServerInconsistent(
                        "the server withholds a batch it could store",
                    ));
                }
                out.retried_withheld = true;
                queue.push_front(refs);
                continue;
            }
            done += refs.len() as u64;
        }
        if total > 0 {
            progress(progress_cb, SyncPhase::Push, done, Some(total));
        }
        Ok(out)
    }

    /// One exchange with the enrolment's server: log in if needed, push what is pending,
    /// then pull every page (`apply` stores one page and moves the cursor, and breaks to
    /// stop pulling until the caller has learned something).
    ///
    /// A peer's device also keeps the account's head (ADR 0022): it pulls everything first
    /// while it has not yet matched a head; after a full pull it compares the head with
    /// what it pulled (pulling once more if they differ, as a push may have landed between
    /// the pages and the head); and when another device of the account pushed since, it
    /// pulls and pushes again.
    pub async fn exchange<H: Host>(
        &self,
        host: &H,
        enrol: &Enrolment,
        progress_cb: &Option<Arc<dyn SyncProgress>>,
        mut apply: impl FnMut(&PullResponse) -> Result<ControlFlow<u64, u64>>,
    ) -> Result<(Pushed, Pulled)> {
        let http = self.http(&enrol.server)?;
        let device_id = enrol.device_id.as_str();
        if self.needs_login() {
            progress(progress_cb, SyncPhase::Login, 0, None);
        }
        let heads = host.head_keys()?;
        let Some(keys) = heads.as_ref() else {
            let pushed = self
                .push_pending(host, &http, device_id, None, progress_cb)
                .await?;
            let pulled = self
                .pull_all(host, &http, device_id, progress_cb, &mut apply)
                .await?;
            return Ok((pushed, pulled));
        };
        let mut pulled = Pulled::default();
        let mut pull_first = host.with_store(|st| heads::known_seq(st.conn()))?.is_none();
        if pull_first {
            host.with_store(|st| store::sync::set_cursor(st.conn(), 0))?;
        }
        let mut conflicts = 0;
        let pushed = loop {
            if pull_first {
                self.pull_checked(
                    host,
                    &http,
                    device_id,
                    keys,
                    progress_cb,
                    &mut apply,
                    &mut pulled,
                )
                .await?;
                if pulled.stopped {
                    return Ok((Pushed::default(), pulled));
                }
            }
            match self
                .push_pending(host, &http, device_id, Some(keys), progress_cb)
                .await
            {
                Err(CoreError::Server { code, .. })
                    if code == api::codes::HEAD_CONFLICT && conflicts == 0 =>
                {
                    conflicts += 1;
                    pull_first = true;
                }
                other => break other?,
            }
        };
        self.pull_checked(
            host,
            &http,
            device_id,
            keys,
            progress_cb,
            &mut apply,
            &mut pulled,
        )
        .await?;
        Ok((pushed, pulled))
    }

    /// [`Self::pull_all`], then the head compared with what was pulled (once more if they
    /// differ). Adds to `total`.
    #[allow(clippy::too_many_arguments)]
    async fn pull_checked<H: Host>(
        &self,
        host: &H,
        http: &Http,
        device_id: &str,
        keys: &HeadKeys,
        progress_cb: &Option<Arc<dyn SyncProgress>>,
        apply: &mut impl FnMut(&PullResponse) -> Result<ControlFlow<u64, u64>>,
        total: &mut Pulled,
    ) -> Result<()> {
        for last in [false, true] {
            let p = self
                .pull_all(host, http, device_id, progress_cb, &mut *apply)
                .await?;
            let stopped = p.stopped;
            let head = p.head.clone();
            total.add(p);
            if stopped {
                return Ok(());
            }
            match host.with_store(|st| heads::check(st.conn(), keys, head.as_ref()))? {
                heads::Check::Matches => return Ok(()),
                heads::Check::Inconsistent(what) => {
                    return Err(CoreError::ServerInconsistent(what));
                }
                heads::Check::Differs if last => {
                    return Err(CoreError::ServerInconsistent(
                        "what the server gave differs from the account's head",
                    ));
                }
                heads::Check::Differs => {}
            }
        }
        Ok(())
    }

    /// Pulls every page since the stored cursor; `apply` stores one page and moves the
    /// cursor in one transaction, returning how many records it applied.
    async fn pull_all<H: Host>(
        &self,
        host: &H,
        http: &Http,
        device_id: &str,
        progress_cb: &Option<Arc<dyn SyncProgress>>,
        mut apply: impl FnMut(&PullResponse) -> Result<ControlFlow<u64, u64>>,
    ) -> Result<Pulled> {
        let mut out = Pulled::default();
        loop {
            let cursor = host.with_store(|st| {
                Ok(store::sync::sync_row(st.conn())?
                    .map(|r| r.cursor)
                    .unwrap_or(0))
            })?;
            progress(progress_cb, SyncPhase::Pull, out.applied, None);
            let page: PullResponse = self
                .authed::<H, (), _>(
                    host,
                    http,
                    device_id,
                    &format!("/v1/sync/pull?since={cursor}&limit={}", self.page()),
                    None,
                )
                .await?;
            out.newest_declaration = out.newest_declaration.max(page.declaration_version);
            if !page.has_more {
                out.head.clone_from(&page.head);
                out.heads.clone_from(&page.heads);
            }
            let (applied, stop) = match apply(&page)? {
                ControlFlow::Continue(n) => (n, false),
                ControlFlow::Break(n) => (n, true),
            };
            out.applied += applied;
            progress(progress_cb, SyncPhase::Apply, out.applied, None);
            if stop {
                out.stopped = true;
                return Ok(out);
            }
            if !page.has_more {
                return Ok(out);
            }
        }
    }
}

// ---- the status bookkeeping both sides share ---------------------------------------

/// Marks the start of a sync; `NotEnrolled` on a home that is not enrolled.
pub fn begin_sync(conn: &Connection) -> Result<Enrolment> {
    let enrol = Enrolment::require(conn)?;
    store::sync::set_attempt(conn, &crate::util::now_rfc3339())?;
    Ok(enrol)
}

/// Records a finished sync (refused records count as the last error).
pub fn sync_succeeded(conn: &Connection, report: &SyncReport, locale: Locale) -> Result<()> {
    let err = (report.rejected > 0)
        .then(|| ("push_rejected".to_string(), tr(locale, Msg::ServerRefused)));
    store::sync::set_success(
        conn,
        &crate::util::now_rfc3339(),
        err.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
    )
}

/// Records a failed sync and when to try again (exponential backoff with full jitter).
pub fn sync_failed(conn: &Connection, e: &PeerlogError) -> Result<()> {
    let failures = store::sync::sync_row(conn)?
        .map(|r| r.failures)
        .unwrap_or(0)
        .saturating_add(1);
    let wait = backoff::delay(failures, backoff::random_unit());
    let retry = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
    store::sync::set_failure(
        conn,
        e.code(),
        e.message(),
        failures,
        &retry.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// The sync status of a home.
pub fn status(
    conn: &Connection,
    device_id: Option<String>,
    declaration_signed: bool,
) -> Result<SyncStatus> {
    let pending = store::count_pending(conn)?;
    let (waiting_records, _) = store::sync::deferred_size(conn)?;
    let (enrolment, row) = match Enrolment::load(conn)? {
        Some((e, r)) => (Some(e.info()), r),
        None => (None, store::sync::SyncRow::default()),
    };
    Ok(SyncStatus {
        device_id,
        enrolment,
        last_success: row.last_success,
        last_attempt: row.last_attempt,
        last_error: row.last_error_code.map(|code| SyncErrorInfo {
            code,
            message: row.last_error_message.unwrap_or_default(),
        }),
        pending,
        retry_after: row.retry_after,
        declaration_signed,
        waiting_records,
        dropped_records: store::sync::deferred_dropped(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that keeps the first connection open after answering, then drops the
    /// next request sent on it unanswered (as a restarted server or a changed network
    /// does to a connection kept idle); new connections are answered.
    fn server_that_forgets_idle_connections() -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().take(4) {
                let Ok(mut conn) = conn else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    if conn.read(&mut buf).unwrap_or(0) == 0 {
                        return;
                    }
                    let _ = conn.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
                    );
                    // The next request on this connection is read and never answered.
                    let _ = conn.read(&mut buf);
                });
            }
        });
        format!("http://127.0.0.1:{port}")
    }

    #[test]
    fn each_sync_starts_on_a_new_connection() {
        let base = server_that_forgets_idle_connections();
        let net = Net::default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for sync in 1..=2 {
            let out: Result<serde_json::Value> = rt.block_on(async {
                let _one = net.one_sync_at_a_time().await;
                net.http(&base)?.get("/v1/status", None).await
            });
            assert!(out.is_ok(), "sync {sync}: {out:?}");
        }
    }
}
