//! The coordinator's side of Peerlog, on the coordinator's own machine: enrolment with the
//! admin's token (the chapter keys are made here), invitations, the published declaration,
//! the chapter's accounts, revocation, expense decisions, and reading the chapter's records
//! — decrypted here with the chapter key, never on the server.
//!
//! Used by the `peerlog` CLI (and the coordinator's console); not part of the library the
//! Android and iOS apps link. It builds on the peer core's public Rust modules: the same
//! store, clock, connection, certificates and rules.

mod chapter;
mod debriefs;
pub mod files;
pub mod heads;
mod keys;
mod proof;
pub mod rollup;
pub mod settings;
pub mod training;

use chapter::{Admitted, OwnDevice, Reader};
pub use debriefs::ChapterDebrief;
use keys::Keys;
use peerlog_core::certs::{self, DeviceCert, ExpenseDecision};
use peerlog_core::clock::Clock;
use peerlog_core::enrolment::{AccountRole, CHAPTER_DECLARATION_ID, Enrolment, EnrolmentInfo};
use peerlog_core::error::{CoreError, PeerlogError, Result};
use peerlog_core::model::ExpensePayload;
use peerlog_core::net::{self, Host, Net, SyncProgress, SyncReport, SyncStatus};
use peerlog_core::store::sync::{ChapterAccountRow, ChapterDeviceRow};
use peerlog_core::store::waiting::Waiting;
use peerlog_core::store::{self, Store};
use peerlog_core::util::{now_rfc3339, unix_rfc3339, year_bounds};
pub use peerlog_core::{CategoryTotals, ChapterSettings, MonthTotals, Receipt};
use peerlog_core::{ExpenseStatus, Invalid, Locale, LogLevel, LogSink, Logger, Msg, SecretStore};
/// The invitation lifetimes the server accepts, in days.
pub use peerlog_protocol::api::INVITATION_DAYS;
use peerlog_protocol::api::{
    self, AccountLockStatement, AccountsResponse, AuthChallengeDocument, DeclarationDocument,
    DeclarationResponse, EnrolCoordinatorRequest, EnrolResponse, Invitation, InvitationRequest,
    InvitationResponse, LockAccountRequest, LockAccountResponse, PublishedDeclaration,
    PullResponse, RevocationStatement, RevokeRequest, RevokeResponse, SignedRevocation,
};
use peerlog_protocol::{Collection, RecordMeta};
pub use proof::KeyProof;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// Pull rounds of one coordinator sync: a round stops early when records by devices not
/// yet known fill the waiting list, learns the chapter's devices and goes on.
const SYNC_ROUNDS: usize = 3;

/// Admits one pull page and moves the cursor. When the waiting list is full (a new peer's
/// many records, by a device this machine learns of only from the next account list), it
/// stops before the first record that does not fit, so that nothing is lost: the cursor
/// stays before it and the next round pulls it again. On the `last` round such records
/// are dropped (counted) instead, so a server sending endless unknown authors cannot stall
/// the chapter's sync.
fn admit_page(
    tx: &rusqlite::Connection,
    own: &OwnDevice<'_>,
    page: &PullResponse,
    last: bool,
    refused: &mut u64,
) -> Result<ControlFlow<u64, u64>> {
    let mut waiting = Waiting::load(tx)?;
    let mut stored = 0;
    let mut cursor = None;
    // The page's signatures are checked up front, in parallel; storing stays in order.
    let envs: Vec<&peerlog_protocol::Envelope> = page.records.iter().map(|r| &r.envelope).collect();
    let pre = chapter::precheck(tx, own, &envs)?;
    for (rec, pre) in page.records.iter().zip(&pre) {
        match chapter::admit(tx, own, &rec.envelope, rec.seq, &mut waiting, pre.as_ref())? {
            Admitted::Dropped if !last => {
                if let Some(c) = cursor {
                    store::sync::set_cursor(tx, c)?;
                }
                return Ok(ControlFlow::Break(stored));
            }
            Admitted::Stored => stored += 1,
            Admitted::Refused => *refused += 1,
            Admitted::Known | Admitted::Waiting | Admitted::Dropped => {}
        }
        cursor = Some(rec.seq);
    }
    if waiting.dropped > 0 {
        store::sync::add_deferred_dropped(tx, waiting.dropped)?;
    }
    store::sync::set_cursor(tx, page.cursor)?;
    Ok(ControlFlow::Continue(stored))
}

/// `meta` key prefix marking a device the chapter's certificate was issued to.
const META_CERTIFIED_PREFIX: &str = "enrolment_certificate_issued:";
/// Rule set of coordinator reports (the one peers are set up with).
const REPORT_RULE_SET: &str = "no-bufdir-2020";
/// The longest reason a coordinator can give for a rejection, in characters.
const MAX_REASON_CHARS: usize = 500;
/// Where this machine keeps the invitations it made (in the store's `meta` table).
const INVITATIONS_META: &str = "coordinator.invitations";

/// A new invitation for a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationInfo {
    /// `peerlog1:…`, for a QR code or a link.
    pub invitation: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A device of a chapter account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterDevice {
    pub device_id: String,
    pub created_at: String,
    pub last_seen: Option<String>,
    pub revoked_at: Option<String>,
}

/// An account of the chapter as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterPeer {
    pub account_id: String,
    pub role: AccountRole,
    /// From their signed declaration.
    pub name: Option<String>,
    pub declaration_version: Option<u32>,
    pub declaration_valid: bool,
    pub devices: Vec<ChapterDevice>,
    /// RFC 3339: the most recent contact of any of their devices.
    pub last_sync: Option<String>,
    /// RFC 3339: since when the chapter has locked the account.
    pub locked_at: Option<String>,
    /// Whether the peer's keys were proven with the invitation's secret.
    pub key_proof: KeyProof,
    /// A course record by the chapter valid today (see `training`).
    pub certified: bool,
    /// Whether the chapter records held here match the peer's own signed head: if not,
    /// the server kept some from this machine and the peer's figures may be short.
    pub records: heads::RecordsCheck,
}

/// One of a peer's contacts as the coordinator may see it: the facts that count, never a
/// private reference or note (those are sealed for the peer alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerContact {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub minutes: u32,
    pub participants: u32,
    pub counts: bool,
    pub category: Option<String>,
    /// Why it counts or not, in the coordinator's language.
    pub reason: String,
}

/// The declaration this machine published last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedDeclarationInfo {
    pub version: u32,
    pub locale: Locale,
    /// Markdown, exactly as signed.
    pub text: String,
    /// RFC 3339.
    pub published_at: String,
}

/// One counted contact in a coordinator report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedContact {
    pub date: String,
    pub kind: String,
    pub category: String,
    pub minutes: u32,
    pub participants: u32,
}

/// One peer's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerReport {
    pub account_id: String,
    pub name: Option<String>,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub not_counted: u32,
    pub declaration_version: Option<u32>,
    pub declaration_valid: bool,
    /// The peer signed a report for this year.
    pub report_signed: bool,
    /// Its signature verifies and its totals equal the ones computed here.
    pub report_valid: bool,
    /// Such a valid report also carries this chapter's certificate of the device that
    /// signed it, for this account: it was signed on a device the chapter enrolled.
    pub report_chapter_verified: bool,
    pub counted: Vec<CountedContact>,
    /// A course record by the chapter valid today (for a past year: on its last day).
    pub certified: bool,
    /// Counted contacts on days the peer had no valid certificate (they still count).
    pub uncertified_contacts: u32,
    /// The chapter flags such contacts and this peer has some.
    pub flagged: bool,
}

/// The chapter's yearly report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterReport {
    pub year: i32,
    /// The language the report's files are written in (the coordinator's).
    pub locale: Locale,
    pub organisation: String,
    pub chapter: String,
    pub rule_set: String,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub not_counted: u32,
    /// Peers with at least one contact in the year and a valid declaration signature.
    pub active_peers_with_declaration: u32,
    /// Every month of the year, in order: the chapter's activity-days per category.
    pub by_month: Vec<MonthTotals>,
    pub peers: Vec<PeerReport>,
    /// Peers certified (see [`PeerReport::certified`]).
    pub certified_peers: u32,
    /// The chapter's setting: contacts by uncertified peers are flagged.
    pub flag_uncertified: bool,
    /// Recovery themes: theme id → the year's contacts that touched it, summed over the
    /// peers' own counts records (each peer's newest for the year). Empty when no peer
    /// sent counts. No single contact's themes ever reach this machine.
    pub themes: BTreeMap<String, u64>,
}

/// An expense as the coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterExpense {
    pub id: String,
    pub account_id: String,
    pub peer_name: Option<String>,
    pub date: String,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub description: Option<String>,
    pub status: ExpenseStatus,
    pub decision_reason: Option<String>,
    /// The receipt's media type, if the peer attached one ([`Coordinator::expense_receipt`]).
    pub receipt_type: Option<String>,
}

/// The coordinator machine's state under one lock.
struct State {
    store: Store,
    secrets: Arc<dyn SecretStore>,
    /// `None` until enrolled.
    keys: Option<Keys>,
    clock: Clock,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl State {
    fn keys(&self) -> Result<&Keys> {
        self.keys
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))
    }
}

/// The coordinator's machine, opened on its home directory.
#[derive(Debug)]
pub struct Coordinator {
    state: Mutex<State>,
    net: Net,
    log: Logger,
    locale: Locale,
}

impl Host for Coordinator {
    fn sign_login(&self, doc: &AuthChallengeDocument) -> Result<[u8; 64]> {
        Ok(self
            .lock()
            .keys()?
            .device
            .sign_document(api::AUTH_DOMAIN, doc)?)
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        f(&mut self.lock().store)
    }
}

impl Coordinator {
    /// Opens the coordinator's home (creating it). The keys are loaded if this home was
    /// enrolled as a coordinator's; a peer's home is refused.
    pub fn open(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        Self::open_in_language(home, secrets, log, Locale::default())
    }

    /// [`Coordinator::open`], with errors and reasons in `locale`.
    pub fn open_in_language(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
        locale: Locale,
    ) -> Result<Arc<Self>, PeerlogError> {
        Self::build(home, secrets, log, locale)
            .map(Arc::new)
            .map_err(|e| e.to_ffi(locale))
    }

    /// The language of this machine's error messages and reasons.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    fn build(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
        locale: Locale,
    ) -> Result<Self> {
        let store = Store::open_in(home)?;
        let keys = match Enrolment::load(store.conn())? {
            Some((e, _)) if e.role == AccountRole::Coordinator => {
                Some(Keys::load(secrets.as_ref())?)
            }
            Some(_) => return Err(CoreError::NotAllowed(Msg::NotCoordinator)),
            None if !peerlog_core::store_is_empty(store.conn())? => {
                return Err(CoreError::NotAllowed(Msg::NotCoordinator));
            }
            None => None,
        };
        let clock = Clock::load(store.conn())?;
        let net = Net::load(store.conn())?;
        Ok(Self {
            state: Mutex::new(State {
                store,
                secrets,
                keys,
                clock,
            }),
            net,
            log: Logger::new(log),
            locale,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Transactions keep the store whole even if a holder panicked.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Converts an internal error to the FFI error, logging only its code.
    fn fail(&self, what: &str, e: CoreError) -> PeerlogError {
        self.log
            .failure("peerlog::coordinator", what, self.locale, e)
    }

    /// Runs `f` with a reader of the chapter's records in this machine's store.
    fn with_reader<T>(
        &self,
        enrol: &Enrolment,
        f: impl FnOnce(&Reader<'_>) -> Result<T>,
    ) -> Result<T> {
        let st = self.lock();
        f(&Reader {
            conn: st.store.conn(),
            keys: st.keys()?,
            enrol,
        })
    }

    fn enrolment(&self) -> Result<Enrolment> {
        let st = self.lock();
        st.keys()?;
        Enrolment::require(st.store.conn())
    }

    /// One authenticated request to the chapter's server.
    async fn authed<B: Serialize + ?Sized, R: serde::de::DeserializeOwned>(
        &self,
        enrol: &Enrolment,
        path: &str,
        body: Option<&B>,
    ) -> Result<R> {
        let http = self.net.http(&enrol.server)?;
        self.net
            .authed(self, &http, &enrol.device_id, path, body)
            .await
    }

    /// Trusts an extra CA (PEM) for a self-hosted server, kept in this home.
    pub fn set_extra_root_certificate(&self, pem: String) -> Result<(), PeerlogError> {
        let st = self.lock();
        self.net
            .set_extra_root_certificate(st.store.conn(), &pem, self.locale)
            .map_err(|e| self.fail("set_extra_root_certificate", e))
    }

    /// Enrols this (empty) home as the coordinator's machine with the admin's one-time
    /// token. The chapter keys (X25519 and Ed25519) are generated here; their secret
    /// halves go to the secret store, only the public halves to the server.
    pub async fn enrol(
        &self,
        server: String,
        token: String,
    ) -> Result<EnrolmentInfo, PeerlogError> {
        let token = zeroize::Zeroizing::new(token);
        self.enrol_inner(&server, &token)
            .await
            .map_err(|e| self.fail("enrol_coordinator", e))
    }

    async fn enrol_inner(&self, server: &str, token: &str) -> Result<EnrolmentInfo> {
        {
            let st = self.lock();
            if st.keys.is_some() || !peerlog_core::store_is_empty(st.store.conn())? {
                return Err(CoreError::NotAllowed(Msg::HomeNotEmpty));
            }
        }
        let server = server.trim().trim_end_matches('/').to_string();
        let keys = Keys::generate()?;
        let http = self.net.http(&server)?;
        // Secrets first: if the server accepts and the machine then dies, the keys exist.
        keys.save(self.lock().secrets.as_ref())?;
        let req = EnrolCoordinatorRequest {
            token: token.trim().to_string(),
            device_key: *keys.device.public_key().as_bytes(),
            chapter_keys: keys.public(),
        };
        let resp: EnrolResponse = http.post("/v1/enrol/coordinator", &req, None).await?;
        if resp.chapter.keys != keys.public() || resp.device_id != keys.device.device_id() {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let enrol = Enrolment::from_response(&server, &resp);
        let mut st = self.lock();
        st.store.tx(|tx| {
            enrol.insert(tx)?;
            store::sync::put_chapter_account(
                tx,
                &ChapterAccountRow {
                    account_id: enrol.account_id.clone(),
                    role: AccountRole::Coordinator.as_str().into(),
                    peer_key: None,
                    account_key: None,
                    key_proof: KeyProof::Unproven.as_str().into(),
                    locked_at: None,
                },
            )?;
            store::sync::put_chapter_device(
                tx,
                &ChapterDeviceRow {
                    device_id: keys.device.device_id(),
                    account_id: enrol.account_id.clone(),
                    public_key: keys.device.public_key().as_bytes().to_vec(),
                    created_at: chrono::Utc::now().timestamp(),
                    last_seen: None,
                    revoked_at: None,
                    vouched: true,
                },
            )
        })?;
        st.keys = Some(keys);
        Ok(enrol.info())
    }

    /// Sync state of this machine.
    pub fn status(&self) -> Result<SyncStatus, PeerlogError> {
        let st = self.lock();
        let device_id = st.keys.as_ref().map(|k| k.device.device_id());
        net::status(st.store.conn(), device_id, false).map_err(|e| self.fail("sync_status", e))
    }

    /// Pushes this machine's decisions and pulls the chapter's records (kept sealed;
    /// opened only when read). Learns the devices of authors not seen before. A refusal
    /// (also a revoked device) is reported; nothing here is ever wiped automatically.
    pub async fn sync(
        &self,
        progress: Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport, PeerlogError> {
        let _one_at_a_time = self.net.one_sync_at_a_time().await;
        let out = self.sync_inner(&progress).await;
        let st = self.lock();
        let bookkeeping = match &out {
            Ok(report) => net::sync_succeeded(st.store.conn(), report, self.locale),
            Err(e) => net::sync_failed(st.store.conn(), &e.to_ffi(self.locale)),
        };
        drop(st);
        let report = out.and_then(|r| bookkeeping.map(|()| r));
        report.map_err(|e| self.fail("sync", e))
    }

    async fn sync_inner(&self, progress: &Option<Arc<dyn SyncProgress>>) -> Result<SyncReport> {
        let (enrol, own_key) = {
            let st = self.lock();
            let own_key = st.keys()?.device.public_key();
            (net::begin_sync(st.store.conn())?, own_key)
        };
        let own = OwnDevice {
            key: own_key,
            account_id: &enrol.account_id,
        };
        let mut refused = 0;
        let mut applied = 0;
        let (mut accepted, mut rejected) = (0, 0);
        let mut last_heads = None;
        for round in 1..=SYNC_ROUNDS {
            // The last round drops what does not fit the waiting list rather than stall.
            let last = round == SYNC_ROUNDS;
            let (pushed, pulled) = self
                .exchange_admitting(&enrol, progress, &own, last, &mut refused)
                .await?;
            accepted += pushed.accepted;
            rejected += pushed.rejected;
            applied += pulled.applied;
            // Records by devices this machine does not know yet wait for the account list.
            if store::sync::deferred_size(self.lock().store.conn())?.0 > 0 {
                self.refresh_accounts(&enrol).await?;
                let (stored, bad) = self.lock().store.tx(|tx| {
                    let mut waiting = Waiting::load(tx)?;
                    chapter::admit_waiting(tx, &own, &mut waiting)
                })?;
                applied += stored;
                refused += bad;
            }
            if !pulled.stopped {
                last_heads = Some(pulled.heads);
                break;
            }
        }
        // New peer devices get the chapter's certificate now, not a sync later.
        // And every peer the chapter's current settings.
        if self.certify_devices(&enrol)? + self.distribute_settings()? > 0 {
            let (again, _) = self
                .exchange_admitting(&enrol, progress, &own, true, &mut refused)
                .await?;
            accepted += again.accepted;
            rejected += again.rejected;
        }
        if let Some(heads_) = last_heads {
            self.check_heads(&enrol, progress, &own, &heads_, &mut refused)
                .await?;
        }
        if refused > 0 {
            self.log.log(LogLevel::Warn, "peerlog::coordinator", || {
                format!("{refused} pulled chapter record(s) did not verify and were ignored")
            });
        }
        Ok(SyncReport {
            pushed: accepted,
            pulled: applied,
            rejected,
            declaration_changed: false,
        })
    }

    /// Compares the peers' signed heads with the chapter records held here (ADR 0022),
    /// pulling once more for the peers whose records differ before marking them incomplete.
    async fn check_heads(
        &self,
        enrol: &Enrolment,
        progress: &Option<Arc<dyn SyncProgress>>,
        own: &OwnDevice<'_>,
        heads_: &[peerlog_protocol::api::SignedAccountHead],
        refused: &mut u64,
    ) -> Result<()> {
        let differ = self.lock().store.tx(|tx| heads::check(tx, heads_, false))?;
        if differ.is_empty() {
            return Ok(());
        }
        let (_, pulled) = self
            .exchange_admitting(enrol, progress, own, true, refused)
            .await?;
        let incomplete = self
            .lock()
            .store
            .tx(|tx| heads::check(tx, &pulled.heads, true))?;
        if !incomplete.is_empty() {
            self.log.log(LogLevel::Warn, "peerlog::coordinator", || {
                format!(
                    "{} peer(s)' chapter records here do not match their signed heads",
                    incomplete.len()
                )
            });
        }
        Ok(())
    }

    /// Issues the chapter's certificate ([`certs::EnrolmentCert`]) to every live peer
    /// device that has none yet: a record for the chapter and that peer, pushed with the
    /// sync. The peer's signed declarations and reports then carry it, so anyone can see
    /// they come from a device this chapter enrolled. The devices are the ones the server
    /// lists for the chapter's accounts (as for every other chapter record). Returns how
    /// many were issued.
    fn certify_devices(&self, enrol: &Enrolment) -> Result<usize> {
        let mut st = self.lock();
        let st = &mut *st;
        let keys = st
            .keys
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
        let accounts = store::sync::chapter_accounts(st.store.conn())?;
        let mut todo = Vec::new();
        for d in store::sync::chapter_devices(st.store.conn())? {
            let Some(account) = accounts.iter().find(|a| a.account_id == d.account_id) else {
                continue;
            };
            let issued_key = format!("{META_CERTIFIED_PREFIX}{}", d.device_id);
            // Only a device its account key vouched for (a device the server added to an
            // account, or one of a disputed account, is never certified by the chapter).
            if !d.vouched
                || KeyProof::parse(&account.key_proof) == KeyProof::Disputed
                || d.revoked_at.is_some()
                || AccountRole::parse(&account.role) != Some(AccountRole::Peer)
                || store::meta_get(st.store.conn(), &issued_key)?.is_some()
            {
                continue;
            }
            let (Some(peer_key), Ok(device_key)) = (
                account.peer_key.as_ref(),
                peerlog_crypto::DevicePublicKey::from_bytes(&d.public_key),
            ) else {
                continue;
            };
            // The device id is a hash of the key: the server cannot pair an id with another key.
            if device_key.device_id() != d.device_id {
                continue;
            }
            let peer_key = peerlog_crypto::RecipientPublicKey::from_bytes(peer_key)?;
            todo.push((issued_key, d.account_id, device_key, peer_key));
        }
        let issued = todo.len();
        let clock = &mut st.clock;
        st.store.tx(|tx| {
            for (issued_key, account, device_key, peer_key) in &todo {
                let enrolment = certs::EnrolmentCert::issue(
                    certs::EnrolledDevice {
                        kind: certs::ENROLLED_TYPE.into(),
                        organisation: enrol.organisation.clone(),
                        chapter: enrol.chapter.clone(),
                        chapter_keys: enrol.chapter_keys,
                        account_id: account.clone(),
                        device_key: device_key.clone(),
                        issued_at: now_rfc3339(),
                    },
                    &keys.chapter_sign,
                )?;
                let record = certs::EnrolmentRecord {
                    kind: certs::ENROLMENT_RECORD_TYPE.into(),
                    account_id: account.clone(),
                    enrolment,
                    cert: DeviceCert::issue(
                        account,
                        keys.device.public_key(),
                        certs::ISSUER_CHAPTER,
                        &keys.chapter_sign,
                        now_rfc3339(),
                    )?,
                };
                let plaintext = zeroize::Zeroizing::new(
                    peerlog_protocol::canonical::to_canonical_vec(&record)?,
                );
                let id = uuid::Uuid::now_v7().to_string();
                write_for_peer(
                    tx,
                    clock,
                    keys,
                    (Collection::Expenses, id),
                    &plaintext,
                    peer_key,
                )?;
                store::meta_put(tx, issued_key, b"1")?;
            }
            Ok(())
        })?;
        Ok(issued)
    }

    /// Signs `doc` in `domain` with the chapter signing key.
    fn sign_as_chapter<T: Serialize>(&self, domain: &str, doc: &T) -> Result<[u8; 64]> {
        Ok(self
            .lock()
            .keys()?
            .chapter_sign
            .sign_document(domain, doc)?)
    }

    /// One exchange whose pulled pages go through [`admit_page`].
    async fn exchange_admitting(
        &self,
        enrol: &Enrolment,
        progress: &Option<Arc<dyn SyncProgress>>,
        own: &OwnDevice<'_>,
        last: bool,
        refused: &mut u64,
    ) -> Result<(net::Pushed, net::Pulled)> {
        self.net
            .exchange(self, enrol, progress, |page| {
                self.lock()
                    .store
                    .tx(|tx| admit_page(tx, own, page, last, refused))
            })
            .await
    }

    /// Asks the server for the chapter's accounts and devices and keeps them.
    async fn refresh_accounts(&self, enrol: &Enrolment) -> Result<AccountsResponse> {
        let resp: AccountsResponse = self
            .authed::<(), _>(enrol, "/v1/chapter/accounts", None)
            .await?;
        let mut changed = Vec::new();
        self.lock().store.tx(|tx| {
            let stored = store::sync::chapter_accounts(tx)?;
            let mut used = Vec::new();
            for a in &resp.accounts {
                let role = AccountRole::from_api(a.role);
                // A coordinator's machine is not invited: the server's word it is.
                let checked = if role == AccountRole::Peer {
                    let secret = match &a.invitation {
                        Some(h) => store::sync::invitation_secret(tx, h)?,
                        None => None,
                    };
                    let c = proof::check(
                        a,
                        stored.iter().find(|r| r.account_id == a.account_id),
                        &store::sync::vouched_devices(tx, &a.account_id)?,
                        secret.as_ref(),
                    );
                    if let (KeyProof::Proven, Some(h)) = (c.proof, &a.invitation) {
                        used.extend(secret.map(|_| *h));
                    }
                    if c.keys_changed {
                        changed.push(a.account_id.clone());
                    }
                    c
                } else {
                    proof::Checked {
                        proof: KeyProof::Unproven,
                        peer_key: a.peer_key,
                        account_key: a.account_key,
                        vouched: a.devices.iter().map(|d| d.device_id.clone()).collect(),
                        keys_changed: false,
                    }
                };
                store::sync::put_chapter_account(
                    tx,
                    &ChapterAccountRow {
                        account_id: a.account_id.clone(),
                        role: role.as_str().into(),
                        peer_key: checked.peer_key.map(|k| k.to_vec()),
                        account_key: checked.account_key.map(|k| k.to_vec()),
                        key_proof: checked.proof.as_str().into(),
                        locked_at: a.locked_at,
                    },
                )?;
                for d in &a.devices {
                    store::sync::put_chapter_device(
                        tx,
                        &ChapterDeviceRow {
                            device_id: d.device_id.clone(),
                            account_id: a.account_id.clone(),
                            public_key: d.device_key.to_vec(),
                            created_at: d.created_at,
                            last_seen: d.last_seen,
                            revoked_at: d.revoked_at,
                            vouched: checked.vouched.contains(&d.device_id),
                        },
                    )?;
                }
            }
            store::sync::forget_invitation_secrets(tx, &used, chrono::Utc::now().timestamp())
        })?;
        if !changed.is_empty() {
            self.log.log(LogLevel::Warn, "peerlog::coordinator", || {
                format!(
                    "the server lists other keys for {} peer(s) whose keys were proven; the proven keys are kept",
                    changed.len()
                )
            });
        }
        Ok(resp)
    }

    /// A one-time invitation for a peer, valid `expires_days` days.
    pub async fn create_invitation(
        &self,
        expires_days: u32,
    ) -> Result<InvitationInfo, PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            let resp: InvitationResponse = self
                .authed(
                    &enrol,
                    "/v1/chapter/invitations",
                    Some(&InvitationRequest { expires_days }),
                )
                .await?;
            // The secret stays here and in the invitation: the peer proves its keys with it.
            let secret = peerlog_crypto::random_bytes::<32>()?;
            store::sync::put_invitation_secret(
                self.lock().store.conn(),
                &peerlog_crypto::sha256(resp.token.as_bytes()),
                &secret,
                resp.expires_at,
            )?;
            let inv = Invitation {
                server: enrol.server.clone(),
                token: resp.token,
                fingerprint: enrol.fingerprint(),
                secret: Some(secret),
            };
            let info = InvitationInfo {
                invitation: inv.to_string(),
                expires_at: unix_rfc3339(resp.expires_at),
            };
            let st = self.lock();
            let mut kept = stored_invitations(st.store.conn())?;
            kept.push((info.clone(), resp.expires_at));
            store_invitations(st.store.conn(), kept)?;
            Ok(info)
        };
        run.await.map_err(|e| self.fail("create_invitation", e))
    }

    /// The invitations made on this machine that have not expired, newest first. (Whether
    /// one was used only the server knows; a used one stays listed until it expires.)
    pub fn open_invitations(&self) -> Result<Vec<InvitationInfo>, PeerlogError> {
        let run = || {
            let st = self.lock();
            st.keys()?;
            let kept = stored_invitations(st.store.conn())?;
            let mut open: Vec<InvitationInfo> = kept.into_iter().map(|(i, _)| i).collect();
            open.reverse();
            Ok(open)
        };
        run().map_err(|e| self.fail("open_invitations", e))
    }

    /// The declaration this machine published last, if any.
    pub fn published_declaration(&self) -> Result<Option<PublishedDeclarationInfo>, PeerlogError> {
        let run = || {
            let st = self.lock();
            st.keys()?;
            let Some((_, row)) = Enrolment::load(st.store.conn())? else {
                return Ok(None);
            };
            Ok(peerlog_core::enrolment::stored_declaration(&row)?.map(|p| {
                PublishedDeclarationInfo {
                    version: p.document.version,
                    locale: p.document.locale.parse().unwrap_or_default(),
                    text: p.document.text,
                    published_at: unix_rfc3339(p.document.published_at),
                }
            }))
        };
        run().map_err(|e| self.fail("published_declaration", e))
    }

    /// Whether `text` can be published as the declaration (not empty, not too long): the
    /// same check [`Coordinator::publish_declaration`] makes, for a preview.
    pub fn check_declaration_text(&self, text: &str) -> Result<(), PeerlogError> {
        check_declaration_text(text, self.locale).map_err(|e| e.to_ffi(self.locale))
    }

    /// Publishes a new declaration text (the next version), signed with the chapter
    /// signing key. Peers must sign it before they can log again.
    pub async fn publish_declaration(
        &self,
        text: String,
        locale: Locale,
    ) -> Result<u32, PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            check_declaration_text(&text, self.locale)?;
            let current: DeclarationResponse = self
                .authed::<(), _>(&enrol, "/v1/declaration", None)
                .await?;
            let published_here = store::sync::sync_row(self.lock().store.conn())?
                .and_then(|r| r.declaration_version);
            let version = next_declaration_version(
                current.declaration.map(|d| d.document.version),
                published_here,
            );
            let document = DeclarationDocument {
                declaration_id: CHAPTER_DECLARATION_ID.into(),
                version,
                locale: locale.as_str().to_string(),
                text,
                published_at: chrono::Utc::now().timestamp(),
            };
            let signature = self.sign_as_chapter(api::DECLARATION_DOMAIN, &document)?;
            let published = PublishedDeclaration {
                document,
                signature,
            };
            let _: DeclarationResponse = self
                .authed(&enrol, "/v1/chapter/declaration", Some(&published))
                .await?;
            store::sync::set_declaration(
                self.lock().store.conn(),
                version,
                &serde_json::to_string(&published)?,
            )?;
            Ok(version)
        };
        run.await.map_err(|e| self.fail("publish_declaration", e))
    }

    /// The chapter's accounts with their devices and declaration state (asks the server
    /// for accounts; declarations come from the last sync).
    pub async fn chapter_peers(&self) -> Result<Vec<ChapterPeer>, PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            self.refresh_accounts(&enrol).await?;
            self.known_peers_inner(&enrol)
        };
        run.await.map_err(|e| self.fail("chapter_peers", e))
    }

    /// The chapter's accounts as this machine last heard of them (at its last sync or
    /// peer listing), without asking the server: for an overview that works offline.
    pub fn known_peers(&self) -> Result<Vec<ChapterPeer>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            self.known_peers_inner(&enrol)
        };
        run().map_err(|e| self.fail("known_peers", e))
    }

    fn known_peers_inner(&self, enrol: &Enrolment) -> Result<Vec<ChapterPeer>> {
        let st = self.lock();
        let reader = Reader {
            conn: st.store.conn(),
            keys: st.keys()?,
            enrol,
        };
        let signatures = reader.signatures(reader.current_declaration()?)?;
        let devices = store::sync::chapter_devices(reader.conn)?;
        let certified = reader.certifications(training::today())?;
        Ok(store::sync::chapter_accounts(reader.conn)?
            .into_iter()
            .map(|a| {
                let s = signatures.get(&a.account_id);
                let own: Vec<&ChapterDeviceRow> = devices
                    .iter()
                    .filter(|d| d.account_id == a.account_id)
                    .collect();
                ChapterPeer {
                    role: AccountRole::parse(&a.role).unwrap_or(AccountRole::Peer),
                    name: s.map(|s| s.name.clone()),
                    declaration_version: s.map(|s| s.version),
                    declaration_valid: s.is_some_and(|s| s.valid),
                    devices: own
                        .iter()
                        .map(|dev| ChapterDevice {
                            device_id: dev.device_id.clone(),
                            created_at: unix_rfc3339(dev.created_at),
                            last_seen: dev.last_seen.map(unix_rfc3339),
                            revoked_at: dev.revoked_at.map(unix_rfc3339),
                        })
                        .collect(),
                    last_sync: own
                        .iter()
                        .filter_map(|d| d.last_seen)
                        .max()
                        .map(unix_rfc3339),
                    locked_at: a.locked_at.map(unix_rfc3339),
                    key_proof: KeyProof::parse(&a.key_proof),
                    certified: certified.get(&a.account_id).is_some_and(|c| c.certified),
                    records: heads::records_check(reader.conn, &a.account_id)
                        .unwrap_or(heads::RecordsCheck::Unchecked),
                    account_id: a.account_id,
                }
            })
            .collect())
    }

    /// One peer's contacts in a calendar year, oldest first, each with whether it counts
    /// and why — the same evaluation as the chapter report. Never a private note.
    pub fn peer_contacts(
        &self,
        account_id: &str,
        year: i32,
    ) -> Result<Vec<PeerContact>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            let rules = peerlog_rules::rule_set(REPORT_RULE_SET)
                .ok_or_else(|| CoreError::corrupt("rule set missing"))?;
            let (from, to) = year_bounds(year, self.locale)?;
            self.with_reader(&enrol, |r| {
                r.contacts_of(account_id, rules, from, to, self.locale)
            })
        };
        run().map_err(|e| self.fail("peer_contacts", e))
    }

    /// Revokes a device: on its next contact it is refused and wipes itself. `false` if
    /// it was already revoked.
    pub async fn revoke_device(&self, device_id: String) -> Result<bool, PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            if !peerlog_protocol::is_device_id(&device_id) {
                return Err(CoreError::NotFound { what: "device" });
            }
            let known = |c: &Self| {
                store::sync::chapter_device(c.lock().store.conn(), &device_id)
                    .map(|d| d.map(|d| d.account_id))
            };
            let account_id = match known(self)? {
                Some(a) => a,
                None => {
                    self.refresh_accounts(&enrol).await?;
                    known(self)?.ok_or(CoreError::NotFound { what: "device" })?
                }
            };
            self.revoke(&enrol, &device_id, account_id).await
        };
        run.await.map_err(|e| self.fail("revoke_device", e))
    }

    /// Sends the chapter-signed revocation of `device_id` (of `account_id`).
    async fn revoke(&self, enrol: &Enrolment, device_id: &str, account_id: String) -> Result<bool> {
        // Signed with the chapter key: the device wipes itself only on a statement that
        // verifies, so the server alone can never make it wipe.
        let statement = RevocationStatement {
            device_id: device_id.to_owned(),
            account_id,
            revoked_at: chrono::Utc::now().timestamp(),
            issuer: api::REVOKED_BY_CHAPTER.into(),
        };
        let signature = self.sign_as_chapter(api::REVOCATION_DOMAIN, &statement)?;
        let req = RevokeRequest {
            revocation: SignedRevocation {
                statement,
                signature,
            },
        };
        let resp: RevokeResponse = self
            .authed(
                enrol,
                &format!("/v1/devices/{device_id}/revoke"),
                Some(&req),
            )
            .await?;
        Ok(resp.revoked)
    }

    /// Locks a peer's account (a lost phone whose recovery code someone else may know):
    /// every device of the account is revoked (each wipes itself on its next contact) and
    /// nobody can recover the account or add a device to it until `unlock`. Returns how
    /// many devices were revoked now.
    pub async fn lock_account(&self, account_id: String) -> Result<u32, PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            let resp = self.refresh_accounts(&enrol).await?;
            let account = resp
                .accounts
                .iter()
                .find(|a| a.account_id == account_id && a.account_id != enrol.account_id)
                .ok_or(CoreError::NotFound { what: "account" })?;
            // Lock first: from then on no new device can appear while the others go.
            self.send_lock(&enrol, &account_id, true).await?;
            let mut revoked = 0;
            for d in account.devices.iter().filter(|d| d.revoked_at.is_none()) {
                if self
                    .revoke(&enrol, &d.device_id, account_id.clone())
                    .await?
                {
                    revoked += 1;
                }
            }
            Ok(revoked)
        };
        run.await.map_err(|e| self.fail("lock_account", e))
    }

    /// Lifts the lock: the peer can recover the account on a new phone with the recovery
    /// code again (revoked devices stay revoked).
    pub async fn unlock_account(&self, account_id: String) -> Result<(), PeerlogError> {
        let run = async {
            let enrol = self.enrolment()?;
            self.send_lock(&enrol, &account_id, false).await
        };
        run.await.map_err(|e| self.fail("unlock_account", e))
    }

    async fn send_lock(&self, enrol: &Enrolment, account_id: &str, locked: bool) -> Result<()> {
        if !peerlog_protocol::is_uuid_text(account_id) {
            return Err(CoreError::NotFound { what: "account" });
        }
        let statement = AccountLockStatement {
            account_id: account_id.to_owned(),
            locked,
            at: chrono::Utc::now().timestamp(),
        };
        let signature = self.sign_as_chapter(api::ACCOUNT_LOCK_DOMAIN, &statement)?;
        let _: LockAccountResponse = self
            .authed(
                enrol,
                &format!("/v1/accounts/{account_id}/lock"),
                Some(&LockAccountRequest {
                    statement,
                    signature,
                }),
            )
            .await?;
        Ok(())
    }

    /// The chapter's report for a calendar year, from the records pulled by the last
    /// sync, decrypted here with the chapter key and counted with the same rules the
    /// peers' apps use.
    pub fn chapter_report(&self, year: i32) -> Result<ChapterReport, PeerlogError> {
        self.chapter_report_inner(year)
            .map_err(|e| self.fail("chapter_report", e))
    }

    fn chapter_report_inner(&self, year: i32) -> Result<ChapterReport> {
        let run = || {
            let enrol = self.enrolment()?;
            let rules = peerlog_rules::rule_set(REPORT_RULE_SET)
                .ok_or_else(|| CoreError::corrupt("rule set missing"))?;
            let (from, to) = year_bounds(year, self.locale)?;
            let st = self.lock();
            let reader = Reader {
                conn: st.store.conn(),
                keys: st.keys()?,
                enrol: &enrol,
            };
            let mut report = reader.report(year, rules, from, to, || {
                self.log.log(LogLevel::Warn, "peerlog::coordinator", || {
                    "a chapter record could not be verified and is not counted".into()
                });
            })?;
            report.locale = self.locale;
            Ok(report)
        };
        run()
    }

    /// The chapter report as a file to hand on (CSV, XLSX or JSON).
    pub fn report_file(
        &self,
        report: &ChapterReport,
        format: files::ReportFormat,
    ) -> Result<Vec<u8>, PeerlogError> {
        files::render(report, format).map_err(|e| self.fail("report_file", e))
    }

    /// Submitted, approved and rejected expenses of the chapter, newest first.
    pub fn chapter_expenses(&self) -> Result<Vec<ChapterExpense>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            self.with_reader(&enrol, |r| r.expenses())
        };
        run().map_err(|e| self.fail("chapter_expenses", e))
    }

    /// The receipt of a submitted expense, if it has one.
    pub fn expense_receipt(&self, id: &str) -> Result<Option<Receipt>, PeerlogError> {
        let run = || {
            let enrol = self.enrolment()?;
            self.with_reader(&enrol, |r| r.receipt(id))
        };
        run().map_err(|e| self.fail("expense_receipt", e))
    }

    /// Approves or rejects (with a reason) a submitted expense. The decision is a record
    /// for the chapter and the peer, pushed with the next sync.
    pub async fn decide_expense(
        &self,
        id: String,
        approve: bool,
        reason: Option<String>,
    ) -> Result<(), PeerlogError> {
        self.decide_inner(&id, approve, reason)
            .await
            .map_err(|e| self.fail("decide_expense", e))
    }

    async fn decide_inner(&self, id: &str, approve: bool, reason: Option<String>) -> Result<()> {
        let locale = self.locale;
        let reason = reason
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|r| !r.is_empty());
        if !approve && reason.is_none() {
            return Err(Msg::ReasonRequired.at("reason", locale));
        }
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            return Err(Invalid::TooLong(MAX_REASON_CHARS).at("reason", locale));
        }
        let enrol = self.enrolment()?;
        let (account, expense_version, expense_sha256, need_keys) = {
            let st = self.lock();
            let reader = Reader {
                conn: st.store.conn(),
                keys: st.keys()?,
                enrol: &enrol,
            };
            let env = store::sync::chapter_records(reader.conn, Collection::Expenses)?
                .into_iter()
                .find(|e| e.meta.id == id)
                .ok_or(CoreError::NotFound { what: "expense" })?;
            let (p, account) = reader
                .open::<ExpensePayload>(&env)?
                .ok_or(CoreError::NotFound { what: "expense" })?;
            if p.status == ExpenseStatus::Draft {
                return Err(CoreError::NotFound { what: "expense" });
            }
            let has_key = peer_key(reader.conn, &account)?.is_some();
            // The decision is on this version and these bytes; a later edit voids it.
            (
                account,
                env.meta.version,
                certs::expense_hash(&env)?,
                !has_key,
            )
        };
        if need_keys {
            self.refresh_accounts(&enrol).await?;
        }
        let mut st = self.lock();
        let st = &mut *st;
        let peer_key =
            peer_key(st.store.conn(), &account)?.ok_or(CoreError::NotFound { what: "peer key" })?;
        let keys = st
            .keys
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
        let cert = DeviceCert::issue(
            &account,
            keys.device.public_key(),
            certs::ISSUER_CHAPTER,
            &keys.chapter_sign,
            now_rfc3339(),
        )?;
        let decision = ExpenseDecision {
            kind: certs::DECISION_TYPE.into(),
            expense_id: id.to_string(),
            expense_version,
            expense_sha256,
            account_id: account,
            approved: approve,
            reason,
            decided_at: now_rfc3339(),
            cert,
        };
        let plaintext =
            zeroize::Zeroizing::new(peerlog_protocol::canonical::to_canonical_vec(&decision)?);
        let decision_id = uuid::Uuid::now_v7().to_string();
        let clock = &mut st.clock;
        st.store.tx(|tx| {
            let version = write_for_peer(
                tx,
                clock,
                keys,
                (Collection::Expenses, decision_id.clone()),
                &plaintext,
                &peer_key,
            )?;
            store::sync::put_decision(tx, id, &decision_id, approve, version)
        })
    }

    /// Erases this machine's keys and every local row — the chapter's keys too, so only
    /// on the coordinator's explicit request (back the home up first).
    pub fn wipe(&self) -> Result<(), PeerlogError> {
        self.net.clear();
        let run = || {
            let mut st = self.lock();
            Keys::delete(st.secrets.as_ref())?;
            st.keys = None;
            st.store.wipe()
        };
        run().map_err(|e| self.fail("wipe", e))
    }
}

fn check_declaration_text(text: &str, locale: Locale) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Msg::TextRequired.at("text", locale));
    }
    if text.len() > api::MAX_DECLARATION_TEXT_BYTES {
        return Err(Invalid::TooLong(api::MAX_DECLARATION_TEXT_BYTES).at("text", locale));
    }
    // Only what the apps and the signed copies render: refused before anything is sent.
    peerlog_core::markdown::check(text, locale)
}

/// How long a device may stay unseen before the console says so: a lost phone, or a peer
/// who stopped.
pub const STALE_DAYS: i64 = 30;

/// The peers' devices not revoked and not seen by the server for `days` days before `now`
/// (a device never seen counts from its enrolment): a lost phone, or a peer who stopped.
pub fn stale_devices(
    peers: &[ChapterPeer],
    now: chrono::DateTime<chrono::Utc>,
    days: i64,
) -> Vec<(&ChapterPeer, &ChapterDevice)> {
    let cutoff = now - chrono::Duration::days(days);
    let before = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .is_ok_and(|t| t.with_timezone(&chrono::Utc) < cutoff)
    };
    peers
        .iter()
        .filter(|p| p.role == AccountRole::Peer)
        .flat_map(|p| p.devices.iter().map(move |d| (p, d)))
        .filter(|(_, d)| d.revoked_at.is_none())
        .filter(|(_, d)| before(d.last_seen.as_deref().unwrap_or(&d.created_at)))
        .collect()
}

/// Seals `plaintext` as the new record `(collection, id)` for the chapter and one peer
/// (the way the chapter writes to a peer: decisions and enrolment certificates in
/// `expenses`, followed-up marks in `debriefs`), signed by this machine, and keeps it for
/// the next push. Returns its version.
fn write_for_peer(
    tx: &rusqlite::Connection,
    clock: &mut Clock,
    keys: &Keys,
    (collection, id): (Collection, String),
    plaintext: &[u8],
    peer_key: &peerlog_crypto::RecipientPublicKey,
) -> Result<u64> {
    let meta = RecordMeta {
        id,
        collection,
        version: clock.next(tx)?,
        author_device: keys.device.device_id(),
        deleted: false,
    };
    let env = peerlog_crypto::envelope::seal_record(
        &meta,
        plaintext,
        &[keys.chapter.public_key(), peer_key.clone()],
        &keys.device,
    )?;
    store::put_record(tx, &env, true)?;
    Ok(meta.version)
}

/// The version of the next declaration: after the newest the server reports and the newest
/// this machine published, so a server that forgets (or hides) a version cannot make the
/// chapter publish a lower one that peers would ignore.
fn next_declaration_version(on_server: Option<u32>, published_here: Option<u32>) -> u32 {
    on_server.max(published_here).unwrap_or(0).saturating_add(1)
}

/// The invitations kept in this home with their expiry (Unix time), expired ones left out.
fn stored_invitations(conn: &rusqlite::Connection) -> Result<Vec<(InvitationInfo, i64)>> {
    let Some(bytes) = store::meta_get(conn, INVITATIONS_META)? else {
        return Ok(Vec::new());
    };
    let list: Vec<(String, i64)> = serde_json::from_slice(&bytes).unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    Ok(list
        .into_iter()
        .filter(|(_, expires)| *expires > now)
        .map(|(invitation, expires)| {
            (
                InvitationInfo {
                    invitation,
                    expires_at: unix_rfc3339(expires),
                },
                expires,
            )
        })
        .collect())
}

fn store_invitations(conn: &rusqlite::Connection, list: Vec<(InvitationInfo, i64)>) -> Result<()> {
    let plain: Vec<(String, i64)> = list
        .into_iter()
        .map(|(i, expires)| (i.invitation, expires))
        .collect();
    store::meta_put(conn, INVITATIONS_META, &serde_json::to_vec(&plain)?)
}

/// The peer key decisions for `account` are addressed to: the proven one, or the one the
/// server listed for an account this machine could not check. Never one of a disputed
/// account.
fn peer_key(
    conn: &rusqlite::Connection,
    account: &str,
) -> Result<Option<peerlog_crypto::RecipientPublicKey>> {
    let Some(a) = store::sync::chapter_accounts(conn)?
        .into_iter()
        .find(|a| a.account_id == account)
    else {
        return Ok(None);
    };
    if KeyProof::parse(&a.key_proof) == KeyProof::Disputed {
        return Err(CoreError::NotAllowed(Msg::PeerKeysDisputed));
    }
    a.peer_key
        .map(|k| Ok(peerlog_crypto::RecipientPublicKey::from_bytes(&k)?))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_not_seen_for_a_while_are_found() {
        let device =
            |id: &str, created: &str, seen: Option<&str>, revoked: Option<&str>| ChapterDevice {
                device_id: id.into(),
                created_at: created.into(),
                last_seen: seen.map(String::from),
                revoked_at: revoked.map(String::from),
            };
        let peer = |role, devices| ChapterPeer {
            account_id: "a".into(),
            role,
            name: None,
            declaration_version: None,
            declaration_valid: false,
            devices,
            last_sync: None,
            locked_at: None,
            key_proof: KeyProof::Unproven,
            certified: false,
            records: heads::RecordsCheck::Unchecked,
        };
        let peers = vec![
            peer(
                AccountRole::Peer,
                vec![
                    device(
                        "seen-lately",
                        "2025-01-01T00:00:00Z",
                        Some("2025-06-20T00:00:00Z"),
                        None,
                    ),
                    device(
                        "seen-long-ago",
                        "2025-01-01T00:00:00Z",
                        Some("2025-05-01T00:00:00Z"),
                        None,
                    ),
                    device("never-seen-old", "2025-04-01T00:00:00Z", None, None),
                    device("never-seen-new", "2025-06-25T00:00:00Z", None, None),
                    device(
                        "revoked",
                        "2025-01-01T00:00:00Z",
                        None,
                        Some("2025-02-01T00:00:00Z"),
                    ),
                ],
            ),
            peer(
                AccountRole::Coordinator,
                vec![device("coordinator", "2025-01-01T00:00:00Z", None, None)],
            ),
        ];
        let now = chrono::DateTime::parse_from_rfc3339("2025-07-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let stale: Vec<&str> = stale_devices(&peers, now, 30)
            .into_iter()
            .map(|(_, d)| d.device_id.as_str())
            .collect();
        assert_eq!(stale, ["seen-long-ago", "never-seen-old"]);
    }

    #[test]
    fn declaration_versions_only_move_forward() {
        assert_eq!(next_declaration_version(None, None), 1);
        assert_eq!(next_declaration_version(Some(3), Some(3)), 4);
        // A server that lost or hides version 3 does not bring the chapter back to 1.
        assert_eq!(next_declaration_version(None, Some(3)), 4);
        assert_eq!(next_declaration_version(Some(1), Some(3)), 4);
        assert_eq!(next_declaration_version(Some(5), Some(3)), 6);
        assert_eq!(next_declaration_version(Some(u32::MAX), None), u32::MAX);
    }
}
