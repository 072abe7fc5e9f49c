//! The peer's side of sync, the shared login/push plumbing, and `sync()` itself.

use super::backoff;
use super::certs::{self, CertRecord, DeviceCert};
use super::http::{self, Http};
use super::*;
use crate::api::{Inner, Peerlog, now_rfc3339, reindex, require_declaration};
use crate::i18n::{Msg, tr};
use crate::platform::{LogLevel, LogSink, SecretStore};
use crate::session::{self, Keys, Profile, Session};
use chrono::{SecondsFormat, Utc};
use peerlog_crypto::recovery::{self, KdfParams, RecoveryCode, WrappedSecret};
use peerlog_crypto::{DevicePublicKey, RecipientSecretKey};
use peerlog_protocol::api::{
    AuthChallengeDocument, ChallengeRequest, ChallengeResponse, ChapterInfo, DeclarationResponse,
    EnrolPeerRequest, EnrolResponse, Invitation, InvitationLookup, PullResponse, PushRequest,
    PushResponse, PushResult, RecoveryDeviceRequest, RecoveryFetchResponse, RecoveryLookup,
    RecoveryUpload, TokenRequest, TokenResponse,
};
use peerlog_protocol::{Collection, Envelope};
use serde::de::DeserializeOwned;
use std::path::Path;
use std::time::{Duration, Instant};

/// A cached token is renewed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// Network state of one `Peerlog`: the bearer token (memory only), extra CA roots, and a
/// lock that serialises syncs.
#[derive(Default)]
pub(crate) struct Net {
    token: std::sync::Mutex<Option<(String, Instant)>>,
    extra_roots: std::sync::Mutex<Vec<Vec<u8>>>,
    http: std::sync::Mutex<Option<Http>>,
    sync_lock: tokio::sync::Mutex<()>,
    /// Records per pull page (0 = the server's default).
    pull_limit: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").finish_non_exhaustive()
    }
}

fn stored_extra_roots(conn: &rusqlite::Connection) -> Result<Option<String>> {
    crate::store::meta_get(conn, META_EXTRA_ROOTS)?
        .map(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| CoreError::corrupt("stored extra root certificate"))
        })
        .transpose()
}

fn locked<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Net {
    pub(crate) fn http(&self, server: &str) -> Result<Http> {
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

    /// Replaces the extra roots; the next request builds a client that trusts them.
    pub(crate) fn set_extra_roots(&self, ders: Vec<Vec<u8>>) {
        *locked(&self.extra_roots) = ders;
        *locked(&self.http) = None;
    }

    /// Net state for a store: the extra roots saved in it, if any.
    pub(crate) fn load(conn: &rusqlite::Connection) -> Result<Net> {
        let net = Net::default();
        if let Some(pem) = stored_extra_roots(conn)? {
            // Validated when it was saved; a store edited since then is corrupt.
            let ders = http::parse_pem(&pem, Locale::default())
                .map_err(|_| CoreError::corrupt("stored extra root certificate"))?;
            net.set_extra_roots(ders);
        }
        Ok(net)
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

    fn page(&self) -> u32 {
        match self.pull_limit.load(std::sync::atomic::Ordering::Relaxed) {
            0 => api::DEFAULT_PULL_LIMIT,
            n => n.min(api::MAX_PULL_LIMIT),
        }
    }

    pub(crate) fn clear(&self) {
        *locked(&self.token) = None;
    }
}

pub(crate) fn unix_rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// What a sync needs, copied out under the lock.
struct Prepared {
    enrol: Enrolment,
    known_declaration: Option<u32>,
}

pub(crate) fn progress(
    p: &Option<Arc<dyn SyncProgress>>,
    phase: SyncPhase,
    done: u64,
    total: Option<u64>,
) {
    if let Some(p) = p {
        p.on_progress(phase, done, total);
    }
}

/// The device's signing key (a peer's or a coordinator's).
fn device_key(inner: &Inner) -> Result<&peerlog_crypto::DeviceSigningKey> {
    if let Some(s) = &inner.session {
        return Ok(&s.keys.device);
    }
    if let Some(c) = &inner.coord {
        return Ok(&c.device);
    }
    Err(CoreError::NotInitialised)
}

impl Peerlog {
    /// Converts an internal error to the FFI error, logging only its code.
    pub(crate) fn ffi(&self, what: &str, e: CoreError) -> PeerlogError {
        self.to_ffi_logged("peerlog::sync", what, self.locale(), e)
    }

    fn locale(&self) -> Locale {
        self.lock().locale()
    }

    /// Logs in with a signed challenge and caches the token (memory only).
    async fn login(&self, http: &Http, device_id: &str) -> Result<String> {
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
        let signature = device_key(&self.lock())?.sign_document(api::AUTH_DOMAIN, &doc)?;
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
        self.net.set_token(t.token.clone(), t.expires_in);
        Ok(t.token)
    }

    /// One authenticated request; logs in first if needed and once more on a 401.
    pub(crate) async fn authed<B: serde::Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        http: &Http,
        device_id: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<R> {
        let mut retried = false;
        loop {
            let token = match self.net.token() {
                Some(t) => t,
                None => self.login(http, device_id).await?,
            };
            let out = match body {
                Some(b) => http.post(path, b, Some(&token)).await,
                None => http.get(path, Some(&token)).await,
            };
            match out {
                Err(CoreError::Server { status: 401, .. }) if !retried => {
                    self.net.clear();
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// Pushes every pending record in batches. Returns (pushed, rejected, last rejection).
    async fn push_pending(
        &self,
        http: &Http,
        device_id: &str,
        progress_cb: &Option<Arc<dyn SyncProgress>>,
    ) -> Result<(u64, u64, Option<(String, String)>)> {
        let pending = {
            let inner = self.lock();
            let first = crate::store::meta_get(inner.store.conn(), META_CERT_ID)?
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            store::sync::pending_envelopes(inner.store.conn(), &first, i64::MAX as usize)?
        };
        let total = pending.len() as u64;
        let (mut pushed, mut rejected, mut last) = (0u64, 0u64, None);
        let mut done = 0u64;
        for chunk in pending.chunks(api::MAX_PUSH_RECORDS) {
            progress(progress_cb, SyncPhase::Push, done, Some(total));
            let req = PushRequest {
                records: chunk.to_vec(),
            };
            let resp: PushResponse = self
                .authed(http, device_id, "/v1/sync/push", Some(&req))
                .await?;
            if resp.results.len() != chunk.len() {
                return Err(CoreError::Server {
                    status: 200,
                    code: "bad_response".into(),
                    message: "push results do not match the batch".into(),
                });
            }
            let mut inner = self.lock();
            inner.store.tx(|tx| {
                for (env, res) in chunk.iter().zip(&resp.results) {
                    match res {
                        PushResult::Accepted { seq } | PushResult::Duplicate { seq } => {
                            store::sync::mark_pushed(tx, env, Some(*seq))?;
                            pushed += 1;
                        }
                        // Stays pending; the pull brings the newer version, which wins.
                        PushResult::Stale { .. } => {}
                        PushResult::Rejected { code, message } => {
                            store::sync::mark_rejected(tx, env, code)?;
                            rejected += 1;
                            last = Some((code.clone(), message.clone()));
                        }
                    }
                }
                Ok(())
            })?;
            done += chunk.len() as u64;
        }
        if total > 0 {
            progress(progress_cb, SyncPhase::Push, done, Some(total));
        }
        Ok((pushed, rejected, last))
    }

    /// The whole sync, without the status bookkeeping.
    async fn sync_run(&self, progress_cb: &Option<Arc<dyn SyncProgress>>) -> Result<SyncReport> {
        let prep = {
            let inner = self.lock();
            let (enrol, row) = Enrolment::load(inner.store.conn())?
                .ok_or(CoreError::NotAllowed(Msg::NotEnrolled))?;
            Prepared {
                enrol,
                known_declaration: row.declaration_version,
            }
        };
        let http = self.net.http(&prep.enrol.server)?;
        let device_id = prep.enrol.device_id.clone();
        if self.net.token().is_none() {
            progress(progress_cb, SyncPhase::Login, 0, None);
        }
        let (pushed, rejected, last_reject) =
            self.push_pending(&http, &device_id, progress_cb).await?;
        let mut report = SyncReport {
            pushed,
            rejected,
            ..SyncReport::default()
        };
        let coordinator = prep.enrol.role == AccountRole::Coordinator;
        let mut newest_declaration = None;
        loop {
            let cursor = store::sync::sync_row(self.lock().store.conn())?
                .map(|r| r.cursor)
                .unwrap_or(0);
            progress(progress_cb, SyncPhase::Pull, report.pulled, None);
            let page: PullResponse = self
                .authed::<(), _>(
                    &http,
                    &device_id,
                    &format!("/v1/sync/pull?since={cursor}&limit={}", self.net.page()),
                    None,
                )
                .await?;
            newest_declaration = newest_declaration.max(page.declaration_version);
            let applied = {
                let mut inner = self.lock();
                if coordinator {
                    super::coordinator::apply_page(&mut inner, &page)?
                } else {
                    apply_peer_page(&mut inner, &prep.enrol, &page, &self.log)?
                }
            };
            report.pulled += applied;
            progress(progress_cb, SyncPhase::Apply, report.pulled, None);
            if !page.has_more {
                break;
            }
        }
        if coordinator {
            self.refresh_accounts_if_needed(&http, &device_id).await?;
        } else if newest_declaration > prep.known_declaration {
            report.declaration_changed = self
                .fetch_declaration(&http, &prep.enrol, prep.known_declaration)
                .await?;
        }
        // Codes only: the server's message may quote record metadata.
        if let Some((code, _)) = last_reject {
            self.log.log(LogLevel::Warn, "peerlog::sync", || {
                format!(
                    "{} record(s) refused by the server: {code}",
                    report.rejected
                )
            });
        }
        Ok(report)
    }

    /// GET /v1/declaration, verify the chapter signature, store it.
    async fn fetch_declaration(
        &self,
        http: &Http,
        enrol: &Enrolment,
        known: Option<u32>,
    ) -> Result<bool> {
        let resp: DeclarationResponse = self
            .authed::<(), _>(http, &enrol.device_id, "/v1/declaration", None)
            .await?;
        let Some(p) = resp.declaration else {
            return Ok(false);
        };
        if Some(p.document.version) <= known {
            return Ok(false);
        }
        enrol
            .chapter_signing_key()
            .verify_document(api::DECLARATION_DOMAIN, &p.document, &p.signature)
            .map_err(|_| CoreError::Verification(Msg::ChapterDeclarationInvalid))?;
        let text = chapter_declaration_text(&p)?;
        let json = serde_json::to_string(&p)?;
        let mut inner = self.lock();
        store::sync::set_declaration(inner.store.conn(), p.document.version, &json)?;
        if let Some(s) = inner.session.as_mut() {
            s.chapter_declaration = Some(text);
        }
        Ok(true)
    }

    /// `sync` with status bookkeeping (attempt, success, failure and backoff, wipe).
    pub(crate) async fn sync_tracked(
        &self,
        progress_cb: Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport> {
        let _one_at_a_time = self.net.sync_lock.lock().await;
        {
            let inner = self.lock();
            if Enrolment::load(inner.store.conn())?.is_none() {
                return Err(CoreError::NotAllowed(Msg::NotEnrolled));
            }
            store::sync::set_attempt(inner.store.conn(), &now_rfc3339())?;
        }
        let out = self.sync_run(&progress_cb).await;
        let locale = self.locale();
        let mut inner = self.lock();
        match &out {
            Ok(report) => {
                let err = (report.rejected > 0)
                    .then(|| ("push_rejected".to_string(), tr(locale, Msg::ServerRefused)));
                store::sync::set_success(
                    inner.store.conn(),
                    &now_rfc3339(),
                    err.as_ref().map(|(c, m)| (c.as_str(), m.as_str())),
                )?;
            }
            Err(CoreError::DeviceRevoked) => {
                self.net.clear();
                crate::api::wipe_inner(&mut inner)?;
                self.log.log(LogLevel::Warn, "peerlog::sync", || {
                    "device revoked: wiped".into()
                });
            }
            Err(e) => {
                let ffi = e.to_ffi(locale);
                let failures = store::sync::sync_row(inner.store.conn())?
                    .map(|r| r.failures)
                    .unwrap_or(0)
                    .saturating_add(1);
                let wait = backoff::delay(failures, backoff::random_unit());
                let retry = Utc::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
                store::sync::set_failure(
                    inner.store.conn(),
                    ffi.code(),
                    ffi.message(),
                    failures,
                    &retry.to_rfc3339_opts(SecondsFormat::Secs, true),
                )?;
            }
        }
        out
    }

    fn status_inner(&self) -> Result<SyncStatus> {
        let inner = self.lock();
        let conn = inner.store.conn();
        let device_id = inner
            .session
            .as_ref()
            .map(|s| s.device_id.clone())
            .or_else(|| inner.coord.as_ref().map(|c| c.device.device_id()));
        let declaration_signed = match &inner.session {
            Some(s) => require_declaration(conn, s).is_ok(),
            None => false,
        };
        let pending = store::count_pending(conn)?;
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
        })
    }

    async fn enrol_inner(&self, invitation: String, name: Option<String>) -> Result<EnrolResult> {
        let locale = self.locale();
        let inv: Invitation = invitation
            .parse()
            .map_err(|_| Msg::BadInvitation.at("invitation", locale))?;
        // An offline-initialised home keeps its keys; a fresh one gets new ones below.
        let existing = {
            let inner = self.lock();
            if inner.coord.is_some() || Enrolment::load(inner.store.conn())?.is_some() {
                return Err(CoreError::NotAllowed(Msg::AlreadyEnrolled));
            }
            match &inner.session {
                Some(s) => {
                    let code = session::stored_recovery_code(inner.secrets.as_ref())?;
                    Some((
                        Keys::from_parts(copy_key(&s.keys.device)?, s.keys.peer.clone()),
                        s.profile.clone(),
                        code,
                    ))
                }
                None => None,
            }
        };
        let name = match (&existing, name) {
            (None, None) => {
                return Err(Msg::NameRequired.at("name", locale));
            }
            (None, Some(n)) => Some(crate::declaration::validate_name(&n, locale)?),
            (Some(_), _) => None,
        };
        let http = self.net.http(&inv.server)?;
        // 1. Which chapter? Refuse before sending anything about us.
        let chapter: ChapterInfo = http
            .post(
                "/v1/enrol/chapter",
                &InvitationLookup {
                    token: inv.token.clone(),
                },
                None,
            )
            .await?;
        let fp = peerlog_crypto::chapter_fingerprint(
            &chapter.keys.encryption_key,
            &chapter.keys.signing_key,
        );
        if fp != inv.fingerprint {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        // 2. Keys (new ones for a fresh home, kept in memory until the server agrees).
        let fresh = existing.is_none();
        let (keys, profile, code) = match existing {
            Some(x) => x,
            None => {
                let (rate, currency) = match locale {
                    Locale::Da => (223, "DKK"),
                    _ => (350, "NOK"),
                };
                let profile = Profile {
                    schema: 1,
                    peer_id: uuid::Uuid::now_v7().to_string(),
                    name: name.unwrap_or_default(),
                    rule_set: "no-bufdir-2020".into(),
                    locale,
                    created_at: now_rfc3339(),
                    mileage_rate_minor_per_km: rate,
                    currency: currency.into(),
                };
                (Keys::generate()?, profile, RecoveryCode::generate()?)
            }
        };
        let blob = RecoveryBlob {
            peer_key: *keys.peer.to_bytes(),
            chapter_fingerprint: fp.clone(),
            peer_id: profile.peer_id.clone(),
            name: profile.name.clone(),
            rule_set: profile.rule_set.clone(),
            locale: profile.locale,
        };
        let blob_json = zeroize::Zeroizing::new(serde_json::to_vec(&blob)?);
        // Argon2id (64 MiB) is seconds of CPU on a cheap phone: off the async workers.
        let code_copy = RecoveryCode::parse(&code.display())?;
        let wrapped = tokio::task::spawn_blocking(move || {
            recovery::wrap_secret(&code_copy, &blob_json, KdfParams::DEFAULT, RECOVERY_CONTEXT)
        })
        .await
        .map_err(|e| CoreError::corrupt(format!("key wrapping task: {e}")))??;
        let req = EnrolPeerRequest {
            token: inv.token.clone(),
            account_id: profile.peer_id.clone(),
            device_key: *keys.device.public_key().as_bytes(),
            peer_key: *keys.peer_public.as_bytes(),
            recovery: RecoveryUpload {
                lookup: code.lookup_id(),
                wrapped_peer_key: serde_json::to_vec(&wrapped)?,
            },
        };
        // 3. Enrol.
        let resp: EnrolResponse = http.post("/v1/enrol/peer", &req, None).await?;
        if resp.chapter.keys != chapter.keys || resp.device_id != keys.device.device_id() {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let enrol = Enrolment::from_response(&inv.server, &resp);
        // 4. Store.
        let mut inner = self.lock();
        let inner = &mut *inner;
        if fresh {
            keys.save_with_recovery_code(inner.secrets.as_ref(), &code)?;
            inner.session = Some(Session::new(keys, profile, 0));
        }
        let s = inner.session.as_mut().ok_or(CoreError::NotInitialised)?;
        s.chapter_key = Some(enrol.chapter_key());
        s.chapter_signing_key = Some(enrol.chapter_signing_key());
        inner.store.tx(|tx| {
            if fresh {
                s.save_new_device(tx)?;
            }
            store::sync::insert_sync_row(tx, &enrol.server, &serde_json::to_string(&enrol)?)?;
            // The coordinator can read the peer's offline history: wrap it for the chapter.
            let chapter = [enrol.chapter_key()];
            for rec in crate::store::all_records(tx, None)? {
                if rec.envelope.meta.collection == Collection::Notes {
                    continue;
                }
                let env = peerlog_crypto::envelope::add_recipients(
                    &rec.envelope,
                    &s.keys.peer,
                    &chapter,
                )?;
                store::sync::replace_envelope(tx, &env)?;
            }
            store::sync::mark_all_pending(tx)?;
            write_cert(tx, s)
        })?;
        Ok(EnrolResult {
            info: enrol.info(),
            recovery_code: fresh.then(|| code.display()),
        })
    }

    async fn recover_inner(&self, server: &str, recovery_code: &str) -> Result<()> {
        {
            let inner = self.lock();
            if inner.session.is_some()
                || inner.coord.is_some()
                || crate::store::meta_get(inner.store.conn(), session::META_DEVICE_ID)?.is_some()
                || Enrolment::load(inner.store.conn())?.is_some()
            {
                return Err(CoreError::NotAllowed(Msg::HomeNotEmpty));
            }
        }
        let code = RecoveryCode::parse(recovery_code)?;
        let server = server.trim().trim_end_matches('/').to_string();
        let http = self.net.http(&server)?;
        let lookup = code.lookup_id();
        let fetched: RecoveryFetchResponse = http
            .post("/v1/recovery/fetch", &RecoveryLookup { lookup }, None)
            .await
            .map_err(|e| match e {
                CoreError::Server { status: 404, .. } => {
                    CoreError::NotAllowed(Msg::RecoveryNotFound)
                }
                e => e,
            })?;
        let wrapped: WrappedSecret = serde_json::from_slice(&fetched.wrapped_peer_key)
            .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
        // A wrong code fails here, before any device is registered.
        let code_copy = RecoveryCode::parse(&code.display())?;
        let bytes = tokio::task::spawn_blocking(move || {
            recovery::unwrap_secret(&code_copy, &wrapped, RECOVERY_CONTEXT)
        })
        .await
        .map_err(|e| CoreError::corrupt(format!("key unwrapping task: {e}")))??;
        let blob: RecoveryBlob = serde_json::from_slice(&bytes)
            .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
        let fp = peerlog_crypto::chapter_fingerprint(
            &fetched.chapter.keys.encryption_key,
            &fetched.chapter.keys.signing_key,
        );
        if fp != blob.chapter_fingerprint || fetched.account_id != blob.peer_id {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let keys = Keys::from_parts(
            peerlog_crypto::DeviceSigningKey::generate()?,
            RecipientSecretKey::from_bytes(&blob.peer_key),
        );
        let resp: EnrolResponse = http
            .post(
                "/v1/recovery/device",
                &RecoveryDeviceRequest {
                    lookup,
                    device_key: *keys.device.public_key().as_bytes(),
                },
                None,
            )
            .await?;
        if resp.chapter.keys != fetched.chapter.keys || resp.device_id != keys.device.device_id() {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let enrol = Enrolment::from_response(&server, &resp);
        let (rate, currency) = match blob.locale {
            Locale::Da => (223, "DKK"),
            _ => (350, "NOK"),
        };
        let profile = Profile {
            schema: 1,
            peer_id: blob.peer_id.clone(),
            name: blob.name.clone(),
            rule_set: blob.rule_set.clone(),
            locale: blob.locale,
            created_at: now_rfc3339(),
            mileage_rate_minor_per_km: rate,
            currency: currency.into(),
        };
        {
            let mut inner = self.lock();
            let inner = &mut *inner;
            keys.save_with_recovery_code(inner.secrets.as_ref(), &code)?;
            let mut s = Session::new(keys, profile, 0);
            s.chapter_key = Some(enrol.chapter_key());
            s.chapter_signing_key = Some(enrol.chapter_signing_key());
            inner.store.tx(|tx| {
                s.save_new_device(tx)?;
                store::sync::insert_sync_row(tx, &enrol.server, &serde_json::to_string(&enrol)?)?;
                write_cert(tx, &mut s)
            })?;
            inner.session = Some(s);
        }
        self.log.log(LogLevel::Info, "peerlog::sync", || {
            "recovered from the server".into()
        });
        // Pull everything (and announce this device).
        self.sync_tracked(None).await?;
        Ok(())
    }
}

/// Writes this device's certificate (a private record, pushed first).
fn write_cert(tx: &rusqlite::Connection, s: &mut Session) -> Result<()> {
    let account = certs::account_key(&s.keys.peer)?;
    let cert = DeviceCert::issue(
        &s.profile.peer_id,
        s.keys.device.public_key(),
        certs::ISSUER_ACCOUNT,
        &account,
        now_rfc3339(),
    )?;
    let id = uuid::Uuid::now_v7().to_string();
    s.write(
        tx,
        Collection::Notes,
        &id,
        Some(&CertRecord {
            kind: certs::CERT_RECORD_TYPE.into(),
            cert,
        }),
        true,
    )?;
    crate::store::meta_put(tx, META_CERT_ID, id.as_bytes())
}

#[derive(Debug, PartialEq, Eq)]
enum Applied {
    New,
    Known,
    Deferred,
    Invalid,
}

/// Applies one pulled record: verify (learning the author from a certificate if needed),
/// then version-wins, then re-derive the clear index.
fn apply_peer(
    tx: &rusqlite::Connection,
    s: &mut Session,
    account_id: &str,
    env: &Envelope,
    log: &crate::platform::Logger,
) -> Result<Applied> {
    if env.validate().is_err() {
        return Ok(Applied::Invalid);
    }
    let key = match crate::store::device_key(tx, &env.meta.author_device)? {
        Some(b) => DevicePublicKey::from_bytes(&b)?,
        None => match certs::learn_author(
            env,
            &s.keys.peer,
            account_id,
            s.chapter_signing_key.as_ref(),
        ) {
            Some(k) => {
                crate::store::put_device(tx, &k.device_id(), k.as_bytes(), &now_rfc3339())?;
                k
            }
            None => {
                store::sync::defer(tx, env)?;
                return Ok(Applied::Deferred);
            }
        },
    };
    let Ok(verified) = peerlog_crypto::envelope::verify(env, &key) else {
        log.log(LogLevel::Warn, "peerlog::sync", || {
            "a pulled record failed verification and was ignored".into()
        });
        return Ok(Applied::Invalid);
    };
    let local = crate::store::get_record(tx, env.meta.collection, &env.meta.id)?;
    match local {
        Some(l) if l.envelope.meta.version > env.meta.version => Ok(Applied::Known),
        Some(l) if l.envelope.meta.version == env.meta.version => {
            store::sync::mark_pushed(tx, &l.envelope, None)?;
            Ok(Applied::Known)
        }
        _ => {
            crate::store::put_record(tx, env, false)?;
            s.observe_version(tx, env.meta.version)?;
            if let Err(e) = reindex(tx, s, verified) {
                let code = e.to_ffi(Locale::En).code().to_string();
                log.log(LogLevel::Warn, "peerlog::sync", || {
                    format!("a pulled record could not be indexed: {code}")
                });
            }
            Ok(Applied::New)
        }
    }
}

/// Applies a pull page and moves the cursor, in one transaction.
fn apply_peer_page(
    inner: &mut Inner,
    enrol: &Enrolment,
    page: &PullResponse,
    log: &crate::platform::Logger,
) -> Result<u64> {
    let (st, s) = inner.parts()?;
    st.tx(|tx| {
        let mut applied = 0;
        for rec in &page.records {
            if apply_peer(tx, s, &enrol.account_id, &rec.envelope, log)? == Applied::New {
                applied += 1;
            }
        }
        // Records that waited for their author's certificate.
        loop {
            let mut progressed = false;
            for env in store::sync::deferred(tx)? {
                // `apply_peer` defers it again while its author is still unknown.
                store::sync::undefer(tx, &env)?;
                match apply_peer(tx, s, &enrol.account_id, &env, log)? {
                    Applied::Deferred => {}
                    Applied::New => {
                        applied += 1;
                        progressed = true;
                    }
                    Applied::Known | Applied::Invalid => progressed = true,
                }
            }
            if !progressed {
                break;
            }
        }
        store::sync::set_cursor(tx, page.cursor)?;
        Ok(applied)
    })
}

impl Peerlog {
    /// Records per pull page (default and most: the server's limits). For tests and very
    /// slow links; not exported to the apps.
    pub fn set_pull_page_size(&self, records: u32) {
        self.net
            .pull_limit
            .store(records, std::sync::atomic::Ordering::Relaxed);
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Peerlog {
    /// Enrols this device with the chapter from an invitation (`peerlog1:…`). On a fresh
    /// home `name` is required: the device is set up (rules `no-bufdir-2020`) and the
    /// recovery code is returned to show once. On a home already used offline its
    /// records are uploaded with the next sync (and the coordinator can read them).
    /// Refuses, sending and storing nothing, when the server's chapter key does not match
    /// the invitation's fingerprint.
    pub async fn enrol(
        &self,
        invitation: String,
        name: Option<String>,
    ) -> Result<EnrolResult, PeerlogError> {
        let out = self
            .enrol_inner(invitation, name)
            .await
            .map_err(|e| self.ffi("enrol", e))?;
        self.log
            .log(LogLevel::Info, "peerlog::sync", || "enrolled".into());
        Ok(out)
    }

    /// Pushes pending records, pulls new ones and applies them. Safe to run any time;
    /// resumes after interruption. Always tries (schedulers consult
    /// `sync_status().retry_after`). A revoked device is wiped and gets `DeviceRevoked`.
    pub async fn sync(
        &self,
        progress: Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport, PeerlogError> {
        let report = self
            .sync_tracked(progress)
            .await
            .map_err(|e| self.ffi("sync", e))?;
        self.log.log(LogLevel::Info, "peerlog::sync", || {
            format!(
                "synced: pushed {}, pulled {}, rejected {}",
                report.pushed, report.pulled, report.rejected
            )
        });
        Ok(report)
    }

    /// Sync state for the UI and for background schedulers.
    pub fn sync_status(&self) -> Result<SyncStatus, PeerlogError> {
        self.status_inner().map_err(|e| self.ffi("sync_status", e))
    }

    /// Trusts an extra CA (PEM, one or more certificates) for a self-hosted server, besides
    /// the bundled roots. It replaces any earlier one and is kept in this device's
    /// database (a CA certificate is public), so it holds across restarts until cleared or
    /// the device is wiped. Works before the device is set up, so enrolment and recovery
    /// can use it.
    pub fn set_extra_root_certificate(&self, pem: String) -> Result<(), PeerlogError> {
        self.run("set_extra_root_certificate", |inner| {
            let ders = http::parse_pem(&pem, inner.locale())?;
            crate::store::meta_put(inner.store.conn(), META_EXTRA_ROOTS, pem.trim().as_bytes())?;
            self.net.set_extra_roots(ders);
            Ok(())
        })
    }

    /// The extra CA set with `set_extra_root_certificate` (its PEM text), if any.
    pub fn extra_root_certificate(&self) -> Result<Option<String>, PeerlogError> {
        self.run("extra_root_certificate", |inner| {
            stored_extra_roots(inner.store.conn())
        })
    }

    /// Stops trusting the extra CA: only the bundled roots are trusted again.
    pub fn clear_extra_root_certificate(&self) -> Result<(), PeerlogError> {
        self.run("clear_extra_root_certificate", |inner| {
            crate::store::meta_delete(inner.store.conn(), META_EXTRA_ROOTS)?;
            self.net.set_extra_roots(Vec::new());
            Ok(())
        })
    }

    /// `recover` on an already opened, empty home (so `set_extra_root_certificate` can
    /// come first, for a self-hosted CA).
    pub async fn recover_from_server(
        &self,
        server: String,
        recovery_code: String,
    ) -> Result<(), PeerlogError> {
        self.recover_inner(&server, &recovery_code)
            .await
            .map_err(|e| self.ffi("recover", e))
    }

    /// Sets up a new device of an enrolled peer from the recovery code: fetches the
    /// wrapped peer key, unwraps it here (a wrong code fails before any device is
    /// registered), registers this device and pulls everything.
    #[uniffi::constructor]
    pub async fn recover(
        home: String,
        secrets: Arc<dyn SecretStore>,
        server: String,
        recovery_code: String,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        let this = Self::build(Path::new(&home), secrets, log)
            .map(Arc::new)
            .map_err(|e| e.to_ffi(Locale::default()))?;
        this.recover_inner(&server, &recovery_code)
            .await
            .map_err(|e| this.ffi("recover", e))?;
        Ok(this)
    }
}
