//! The coordinator's side: chapter keys, invitations, the published declaration, the
//! chapter's accounts, revocation, and reading the chapter's records (decrypted here,
//! with the chapter key, never on the server).

use super::certs::{self, DeviceCert, ExpenseDecision};
use super::client::unix_rfc3339;
use super::http::Http;
use super::*;
use crate::api::now_rfc3339;
use crate::api::{Inner, Peerlog, evaluate_rows, index_row};
use crate::declaration::SignedDeclaration;
use crate::i18n::Msg;
use crate::model::{ContactPayload, ExpensePayload};
use crate::platform::{LogLevel, LogSink, SecretStore};
use crate::report::SignedReport;
use crate::session;
use crate::store::ContactRow;
use crate::store::sync::ChapterDeviceRow;
use chrono::NaiveDate;
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::api::{
    AccountsResponse, DeclarationDocument, DeclarationResponse, EnrolCoordinatorRequest,
    EnrolResponse, Invitation, InvitationRequest, InvitationResponse, PublishedDeclaration,
    PullResponse, RevokeResponse,
};
use peerlog_protocol::{Collection, Envelope, Hlc, RecordMeta};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Rule set of coordinator reports (the one peers are set up with).
const REPORT_RULE_SET: &str = "no-bufdir-2020";

/// The coordinator's keys.
pub(crate) struct Coordinator {
    pub device: DeviceSigningKey,
    pub chapter: RecipientSecretKey,
    pub chapter_sign: DeviceSigningKey,
    last_version: u64,
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("device_id", &self.device.device_id())
            .finish_non_exhaustive()
    }
}

fn secret32(secrets: &dyn SecretStore, name: &str) -> Result<zeroize::Zeroizing<[u8; 32]>> {
    let v = zeroize::Zeroizing::new(
        secrets
            .get(name.into())?
            .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?,
    );
    let a: [u8; 32] = v
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::NotAllowed(Msg::KeysMissing))?;
    Ok(zeroize::Zeroizing::new(a))
}

impl Coordinator {
    pub(crate) fn load(conn: &rusqlite::Connection, secrets: &dyn SecretStore) -> Result<Self> {
        let device = DeviceSigningKey::from_seed(&*secret32(secrets, session::SECRET_DEVICE_KEY)?)?;
        let chapter = RecipientSecretKey::from_bytes(&*secret32(secrets, SECRET_CHAPTER_KEY)?);
        let chapter_sign =
            DeviceSigningKey::from_seed(&*secret32(secrets, SECRET_CHAPTER_SIGNING_KEY)?)?;
        let last_version = crate::store::meta_get(conn, session::META_HLC)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        Ok(Self {
            device,
            chapter,
            chapter_sign,
            last_version,
        })
    }

    fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        secrets.put(
            session::SECRET_DEVICE_KEY.into(),
            self.device.seed().to_vec(),
        )?;
        secrets.put(SECRET_CHAPTER_KEY.into(), self.chapter.to_bytes().to_vec())?;
        secrets.put(
            SECRET_CHAPTER_SIGNING_KEY.into(),
            self.chapter_sign.seed().to_vec(),
        )?;
        Ok(())
    }

    fn next_version(&mut self, conn: &rusqlite::Connection) -> Result<u64> {
        let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let v = Hlc::next(self.last_version, now_ms);
        crate::store::meta_put(conn, session::META_HLC, &v.to_be_bytes())?;
        self.last_version = v;
        Ok(v)
    }

    fn keys(&self) -> api::ChapterKeys {
        api::ChapterKeys {
            encryption_key: *self.chapter.public_key().as_bytes(),
            signing_key: *self.chapter_sign.public_key().as_bytes(),
        }
    }
}

/// Stores a pull page of chapter records (sealed; opened only when read) and moves the
/// cursor, in one transaction.
pub(crate) fn apply_page(inner: &mut Inner, page: &PullResponse) -> Result<u64> {
    inner.store.tx(|tx| {
        let mut n = 0;
        for rec in &page.records {
            if rec.envelope.validate().is_ok()
                && store::sync::put_chapter_record(tx, &rec.envelope, rec.seq)?
            {
                n += 1;
            }
        }
        store::sync::set_cursor(tx, page.cursor)?;
        Ok(n)
    })
}

fn role_str(r: api::Role) -> &'static str {
    match r {
        api::Role::Peer => "peer",
        api::Role::Coordinator => "coordinator",
        api::Role::Admin => "admin",
    }
}

/// The author's verified key and account, from the accounts the server listed.
fn author(
    conn: &rusqlite::Connection,
    coord: &Coordinator,
    enrol: &Enrolment,
    device_id: &str,
) -> Result<Option<(DevicePublicKey, String)>> {
    if device_id == coord.device.device_id() {
        return Ok(Some((coord.device.public_key(), enrol.account_id.clone())));
    }
    let Some(row) = store::sync::chapter_device(conn, device_id)? else {
        return Ok(None);
    };
    let key = DevicePublicKey::from_bytes(&row.public_key)?;
    // The device id is a hash of the key: the server cannot pair an id with another key.
    if key.device_id() != device_id {
        return Ok(None);
    }
    Ok(Some((key, row.account_id)))
}

/// Verifies and opens a chapter record; `None` if the author is unknown or it fails.
fn open_chapter<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    coord: &Coordinator,
    enrol: &Enrolment,
    env: &Envelope,
) -> Result<Option<(T, String)>> {
    let Some((key, account)) = author(conn, coord, enrol, &env.meta.author_device)? else {
        return Ok(None);
    };
    let Ok(pt) = peerlog_crypto::envelope::open_record(env, &coord.chapter, &key) else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&pt).ok().map(|t| (t, account)))
}

/// Each account's newest valid declaration signature: (name, version, valid).
fn declarations(
    conn: &rusqlite::Connection,
    coord: &Coordinator,
    enrol: &Enrolment,
    current: Option<(String, u32)>,
) -> Result<HashMap<String, (String, u32, bool)>> {
    let mut out: HashMap<String, (String, String, u32, bool)> = HashMap::new();
    for env in store::sync::chapter_records(conn, Collection::Declarations)? {
        let Some((d, account)) = open_chapter::<SignedDeclaration>(conn, coord, enrol, &env)?
        else {
            continue;
        };
        let valid = crate::declaration::verify(&d).is_ok()
            && d.doc.peer_id == account
            && d.doc.device_key.device_id() == env.meta.author_device
            && current.as_ref().is_none_or(|(id, v)| {
                *id == d.doc.declaration_id && *v == d.doc.declaration_version
            });
        let newer = out
            .get(&account)
            .is_none_or(|(_, at, _, _)| d.doc.signed_at > *at);
        if newer {
            out.insert(
                account,
                (
                    d.doc.signer_name.clone(),
                    d.doc.signed_at.clone(),
                    d.doc.declaration_version,
                    valid,
                ),
            );
        }
    }
    Ok(out
        .into_iter()
        .map(|(k, (n, _, v, ok))| (k, (n, v, ok)))
        .collect())
}

/// The chapter's current published declaration (id, version), if the coordinator
/// published one.
fn current_declaration(conn: &rusqlite::Connection) -> Result<Option<(String, u32)>> {
    let Some((_, row)) = Enrolment::load(conn)? else {
        return Ok(None);
    };
    match row.declaration {
        Some(json) => {
            let p: PublishedDeclaration = serde_json::from_str(&json)?;
            Ok(Some((p.document.declaration_id, p.document.version)))
        }
        None => Ok(None),
    }
}

fn category_str(c: peerlog_rules::Category) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{c:?}").to_lowercase())
}

impl Inner {
    /// The coordinator's keys; `NotCoordinator` on a peer's (or an empty) home.
    fn coordinator(&self) -> Result<&Coordinator> {
        self.coord
            .as_ref()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))
    }
}

impl Peerlog {
    fn coord_parts(&self) -> Result<Enrolment> {
        let inner = self.lock();
        inner.coordinator()?;
        Enrolment::load(inner.store.conn())?
            .map(|(e, _)| e)
            .ok_or(CoreError::NotAllowed(Msg::NotEnrolled))
    }

    async fn refresh_accounts(&self, http: &Http, device_id: &str) -> Result<AccountsResponse> {
        let resp: AccountsResponse = self
            .authed::<(), _>(http, device_id, "/v1/chapter/accounts", None)
            .await?;
        let mut inner = self.lock();
        inner.store.tx(|tx| {
            for a in &resp.accounts {
                store::sync::put_chapter_account(
                    tx,
                    &a.account_id,
                    role_str(a.role),
                    a.peer_key.as_ref().map(|k| &k[..]),
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
                        },
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(resp)
    }

    /// After a coordinator pull: learn the devices of authors not seen before.
    pub(crate) async fn refresh_accounts_if_needed(
        &self,
        http: &Http,
        device_id: &str,
    ) -> Result<()> {
        let unknown: i64 = self.lock().store.conn().query_row(
            "SELECT count(*) FROM chapter_records
             WHERE author_device NOT IN (SELECT device_id FROM chapter_devices)
               AND author_device != ?1",
            [device_id],
            |r| r.get(0),
        )?;
        if unknown > 0 {
            self.refresh_accounts(http, device_id).await?;
        }
        Ok(())
    }

    async fn enrol_coordinator_inner(&self, server: &str, token: &str) -> Result<()> {
        {
            let inner = self.lock();
            if inner.session.is_some()
                || inner.coord.is_some()
                || Enrolment::load(inner.store.conn())?.is_some()
            {
                return Err(CoreError::NotAllowed(Msg::HomeNotEmpty));
            }
        }
        let server = server.trim().trim_end_matches('/').to_string();
        let coord = Coordinator {
            device: DeviceSigningKey::generate()?,
            chapter: RecipientSecretKey::generate()?,
            chapter_sign: DeviceSigningKey::generate()?,
            last_version: 0,
        };
        let http = self.net.http(&server)?;
        // Secrets first: if the server accepts and the machine then dies, the keys exist.
        coord.save(self.lock().secrets.as_ref())?;
        let req = EnrolCoordinatorRequest {
            token: token.trim().to_string(),
            device_key: *coord.device.public_key().as_bytes(),
            chapter_keys: coord.keys(),
        };
        let resp: EnrolResponse = http.post("/v1/enrol/coordinator", &req, None).await?;
        if resp.chapter.keys != coord.keys() || resp.device_id != coord.device.device_id() {
            return Err(CoreError::NotAllowed(Msg::ChapterMismatch));
        }
        let enrol = Enrolment::from_response(&server, &resp);
        let mut inner = self.lock();
        inner.store.tx(|tx| {
            store::sync::insert_sync_row(tx, &enrol.server, &serde_json::to_string(&enrol)?)?;
            store::sync::put_chapter_account(tx, &enrol.account_id, "coordinator", None)?;
            store::sync::put_chapter_device(
                tx,
                &ChapterDeviceRow {
                    device_id: coord.device.device_id(),
                    account_id: enrol.account_id.clone(),
                    public_key: coord.device.public_key().as_bytes().to_vec(),
                    created_at: chrono::Utc::now().timestamp(),
                    last_seen: None,
                    revoked_at: None,
                },
            )
        })?;
        inner.coord = Some(coord);
        Ok(())
    }

    fn report_inner(&self, year: i32) -> Result<ChapterReport> {
        let enrol = self.coord_parts()?;
        let inner = self.lock();
        let coord = inner.coordinator()?;
        let conn = inner.store.conn();
        let locale = Locale::default();
        let rules = peerlog_rules::rule_set(REPORT_RULE_SET)
            .ok_or_else(|| CoreError::corrupt("rule set missing"))?;
        let (from, to) = match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(a), Some(b)) if (2000..=2200).contains(&year) => (a, b),
            _ => {
                return Err(crate::i18n::Invalid::BadDate.at("year", locale));
            }
        };
        let (fs, ts) = (from.to_string(), to.to_string());
        // Contacts per account, as the peer's own index holds them.
        let mut rows: BTreeMap<String, Vec<ContactRow>> = BTreeMap::new();
        for (a, role, _) in store::sync::chapter_accounts(conn)? {
            if role == "peer" {
                rows.entry(a).or_default();
            }
        }
        for env in store::sync::chapter_records(conn, Collection::Contacts)? {
            let Some((p, account)) = open_chapter::<ContactPayload>(conn, coord, &enrol, &env)?
            else {
                self.log.log(LogLevel::Warn, "peerlog::coordinator", || {
                    "a chapter record could not be verified and is not counted".into()
                });
                continue;
            };
            let row = index_row(&env.meta.id, &p);
            if row.date >= fs && row.date <= ts {
                rows.entry(account).or_default().push(row);
            }
        }
        let current = current_declaration(conn)?;
        let decls = declarations(conn, coord, &enrol, current)?;
        // Signed reports for exactly this year.
        let mut reports: HashMap<String, Vec<SignedReport>> = HashMap::new();
        for env in store::sync::chapter_records(conn, Collection::Reports)? {
            if let Some((r, account)) = open_chapter::<SignedReport>(conn, coord, &enrol, &env)? {
                // Signed by the device that wrote the record, for this peer and year.
                if r.report.from == fs
                    && r.report.to == ts
                    && r.report.peer_id == account
                    && r.report.device_key.device_id() == env.meta.author_device
                {
                    reports.entry(account).or_default().push(r);
                }
            }
        }
        let mut peers = Vec::new();
        let mut total = ChapterReport {
            year,
            organisation: enrol.organisation.clone(),
            chapter: enrol.chapter.clone(),
            rule_set: rules.id.to_string(),
            activity_days: 0,
            by_category: CategoryCounts::default(),
            not_counted: 0,
            active_peers_with_declaration: 0,
            peers: Vec::new(),
        };
        for (account, mut list) in rows {
            list.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
            let entries = evaluate_rows(rules, &list);
            let sum = peerlog_rules::summarise(rules, from, to, &entries, locale);
            let by_id: HashMap<&str, &ContactRow> =
                list.iter().map(|r| (r.id.as_str(), r)).collect();
            let counted = entries
                .iter()
                .filter(|e| e.evaluation.counts)
                .filter_map(|e| {
                    let r = by_id.get(e.id.as_str())?;
                    Some(CountedContact {
                        date: e.date.to_string(),
                        kind: e.kind.as_str().to_string(),
                        category: e.evaluation.category.map(category_str).unwrap_or_default(),
                        minutes: r.minutes,
                        participants: r.participants,
                    })
                })
                .collect();
            let (name, dv, dvalid) = match decls.get(&account) {
                Some((n, v, ok)) => (Some(n.clone()), Some(*v), *ok),
                None => (None, None, false),
            };
            let signed = reports
                .get(&account)
                .map(|v| !v.is_empty())
                .unwrap_or(false);
            let valid = reports.get(&account).is_some_and(|v| {
                v.iter().any(|r| {
                    crate::report::verify(r).is_ok_and(|ver| {
                        ver.activity_days == sum.activity_days
                            && ver.by_category.outreach == sum.by_category.outreach
                            && ver.by_category.group == sum.by_category.group
                            && ver.by_category.course == sum.by_category.course
                    })
                })
            });
            let p = PeerReport {
                account_id: account.clone(),
                name,
                activity_days: sum.activity_days,
                by_category: CategoryCounts {
                    outreach: sum.by_category.outreach,
                    group: sum.by_category.group,
                    course: sum.by_category.course,
                },
                not_counted: sum.not_counted_total,
                declaration_version: dv,
                declaration_valid: dvalid,
                report_signed: signed,
                report_valid: valid,
                counted,
            };
            total.activity_days += p.activity_days;
            total.by_category.outreach += p.by_category.outreach;
            total.by_category.group += p.by_category.group;
            total.by_category.course += p.by_category.course;
            total.not_counted += p.not_counted;
            if !list.is_empty() && p.declaration_valid {
                total.active_peers_with_declaration += 1;
            }
            peers.push(p);
        }
        total.peers = peers;
        Ok(total)
    }

    fn expenses_inner(&self) -> Result<Vec<ChapterExpense>> {
        let enrol = self.coord_parts()?;
        let inner = self.lock();
        let coord = inner.coordinator()?;
        let conn = inner.store.conn();
        let decls = declarations(conn, coord, &enrol, None)?;
        let mut decisions: HashMap<String, (u64, bool, Option<String>)> = HashMap::new();
        let mut expenses = Vec::new();
        let mut envs = store::sync::chapter_records(conn, Collection::Expenses)?;
        envs.extend(
            crate::store::all_records(conn, Some(Collection::Expenses))?
                .into_iter()
                .map(|r| r.envelope),
        );
        for env in envs {
            let Some((v, account)) = open_chapter::<serde_json::Value>(conn, coord, &enrol, &env)?
            else {
                continue;
            };
            if v.get("type").and_then(|t| t.as_str()) == Some(certs::DECISION_TYPE) {
                if let Ok(d) = serde_json::from_value::<ExpenseDecision>(v) {
                    let newer = decisions
                        .get(&d.expense_id)
                        .is_none_or(|(ver, _, _)| env.meta.version > *ver);
                    if newer {
                        decisions.insert(d.expense_id, (env.meta.version, d.approved, d.reason));
                    }
                }
                continue;
            }
            let Ok(p) = serde_json::from_value::<ExpensePayload>(v) else {
                continue;
            };
            if p.status == ExpenseStatus::Draft {
                continue;
            }
            expenses.push(ChapterExpense {
                id: env.meta.id.clone(),
                peer_name: decls.get(&account).map(|d| d.0.clone()),
                account_id: account,
                date: p.date.to_string(),
                kind: p.kind.as_str().to_string(),
                amount_minor: i64::try_from(p.amount_minor).unwrap_or(i64::MAX),
                currency: p.currency,
                description: p.description,
                status: p.status,
                decision_reason: None,
            });
        }
        for e in &mut expenses {
            if let Some((_, approved, reason)) = decisions.get(&e.id) {
                e.status = if *approved {
                    ExpenseStatus::Approved
                } else {
                    ExpenseStatus::Rejected
                };
                e.decision_reason = reason.clone();
            }
        }
        expenses.sort_by(|a, b| (&b.date, &a.id).cmp(&(&a.date, &b.id)));
        Ok(expenses)
    }

    async fn decide_inner(&self, id: String, approve: bool, reason: Option<String>) -> Result<()> {
        let locale = Locale::default();
        let reason = reason
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|r| !r.is_empty());
        if !approve && reason.is_none() {
            return Err(Msg::ReasonRequired.at("reason", locale));
        }
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(crate::i18n::Invalid::TooLong(500).at("reason", locale));
        }
        let enrol = self.coord_parts()?;
        let (account, need_keys) = {
            let inner = self.lock();
            let coord = inner.coordinator()?;
            let conn = inner.store.conn();
            let env = store::sync::chapter_records(conn, Collection::Expenses)?
                .into_iter()
                .find(|e| e.meta.id == id)
                .ok_or(CoreError::NotFound { what: "expense" })?;
            let (p, account) = open_chapter::<ExpensePayload>(conn, coord, &enrol, &env)?
                .ok_or(CoreError::NotFound { what: "expense" })?;
            if p.status == ExpenseStatus::Draft {
                return Err(CoreError::NotFound { what: "expense" });
            }
            let has_key = store::sync::chapter_accounts(conn)?
                .iter()
                .any(|(a, _, k)| *a == account && k.is_some());
            (account, !has_key)
        };
        if need_keys {
            let http = self.net.http(&enrol.server)?;
            self.refresh_accounts(&http, &enrol.device_id).await?;
        }
        let mut inner = self.lock();
        let inner = &mut *inner;
        let peer_key = store::sync::chapter_accounts(inner.store.conn())?
            .into_iter()
            .find(|(a, _, _)| *a == account)
            .and_then(|(_, _, k)| k)
            .ok_or(CoreError::NotFound { what: "peer key" })?;
        let peer_key = peerlog_crypto::RecipientPublicKey::from_bytes(&peer_key)?;
        // Field borrow: the store is borrowed alongside it below.
        let coord = inner
            .coord
            .as_mut()
            .ok_or(CoreError::NotAllowed(Msg::NotCoordinator))?;
        let cert = DeviceCert::issue(
            &account,
            coord.device.public_key(),
            certs::ISSUER_CHAPTER,
            &coord.chapter_sign,
            now_rfc3339(),
        )?;
        let decision = ExpenseDecision {
            kind: certs::DECISION_TYPE.into(),
            expense_id: id.clone(),
            account_id: account,
            approved: approve,
            reason,
            decided_at: now_rfc3339(),
            cert,
        };
        let plaintext =
            zeroize::Zeroizing::new(peerlog_protocol::canonical::to_canonical_vec(&decision)?);
        let decision_id = uuid::Uuid::now_v7().to_string();
        inner.store.tx(|tx| {
            let meta = RecordMeta {
                id: decision_id.clone(),
                collection: Collection::Expenses,
                version: coord.next_version(tx)?,
                author_device: coord.device.device_id(),
                deleted: false,
            };
            let env = peerlog_crypto::envelope::seal_record(
                &meta,
                &plaintext,
                &[coord.chapter.public_key(), peer_key.clone()],
                &coord.device,
            )?;
            crate::store::put_record(tx, &env, true)?;
            store::sync::put_decision(tx, &id, &decision_id, approve, meta.version)
        })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Peerlog {
    /// Enrols the coordinator's machine with the admin's one-time token. The chapter keys
    /// (X25519 and Ed25519) are generated here; their secret halves go to `secrets`, only
    /// the public halves to the server.
    #[uniffi::constructor]
    pub async fn enrol_coordinator(
        home: String,
        secrets: Arc<dyn SecretStore>,
        server: String,
        token: String,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        let this = Self::build(Path::new(&home), secrets, log)
            .map(Arc::new)
            .map_err(|e| e.to_ffi(Locale::default()))?;
        this.enrol_coordinator_inner(&server, &token)
            .await
            .map_err(|e| this.ffi("enrol_coordinator", e))?;
        Ok(this)
    }

    /// `enrol_coordinator` on an already opened, empty home (so
    /// `set_extra_root_certificate` can come first, for a self-hosted CA).
    pub async fn enrol_as_coordinator(
        &self,
        server: String,
        token: String,
    ) -> Result<(), PeerlogError> {
        self.enrol_coordinator_inner(&server, &token)
            .await
            .map_err(|e| self.ffi("enrol_coordinator", e))
    }

    /// A one-time invitation for a peer, valid `expires_days` days.
    pub async fn create_invitation(
        &self,
        expires_days: u32,
    ) -> Result<InvitationInfo, PeerlogError> {
        let run = async {
            let enrol = self.coord_parts()?;
            let http = self.net.http(&enrol.server)?;
            let resp: InvitationResponse = self
                .authed(
                    &http,
                    &enrol.device_id,
                    "/v1/chapter/invitations",
                    Some(&InvitationRequest { expires_days }),
                )
                .await?;
            let inv = Invitation {
                server: enrol.server.clone(),
                token: resp.token,
                fingerprint: enrol.fingerprint(),
            };
            Ok(InvitationInfo {
                invitation: inv.to_string(),
                expires_at: unix_rfc3339(resp.expires_at),
            })
        };
        run.await.map_err(|e| self.ffi("create_invitation", e))
    }

    /// Publishes a new declaration text (the next version), signed with the chapter
    /// signing key. Peers must sign it before they can log again.
    pub async fn publish_declaration(
        &self,
        text: String,
        locale: Locale,
    ) -> Result<u32, PeerlogError> {
        let run = async {
            let enrol = self.coord_parts()?;
            if text.trim().is_empty() || text.len() > api::MAX_DECLARATION_TEXT_BYTES {
                return Err(
                    crate::i18n::Invalid::TooLong(api::MAX_DECLARATION_TEXT_BYTES)
                        .at("text", locale),
                );
            }
            let http = self.net.http(&enrol.server)?;
            let current: DeclarationResponse = self
                .authed::<(), _>(&http, &enrol.device_id, "/v1/declaration", None)
                .await?;
            let version = current
                .declaration
                .map(|d| d.document.version)
                .unwrap_or(0)
                .saturating_add(1);
            let document = DeclarationDocument {
                declaration_id: CHAPTER_DECLARATION_ID.into(),
                version,
                locale: locale.as_str().to_string(),
                text,
                published_at: chrono::Utc::now().timestamp(),
            };
            let signature = {
                let inner = self.lock();
                let coord = inner.coordinator()?;
                coord
                    .chapter_sign
                    .sign_document(api::DECLARATION_DOMAIN, &document)?
            };
            let published = PublishedDeclaration {
                document,
                signature,
            };
            let _: DeclarationResponse = self
                .authed(
                    &http,
                    &enrol.device_id,
                    "/v1/chapter/declaration",
                    Some(&published),
                )
                .await?;
            store::sync::set_declaration(
                self.lock().store.conn(),
                version,
                &serde_json::to_string(&published)?,
            )?;
            Ok(version)
        };
        run.await.map_err(|e| self.ffi("publish_declaration", e))
    }

    /// The chapter's accounts with their devices and declaration state (asks the server
    /// for accounts; declarations come from the last sync).
    pub async fn chapter_peers(&self) -> Result<Vec<ChapterPeer>, PeerlogError> {
        let run = async {
            let enrol = self.coord_parts()?;
            let http = self.net.http(&enrol.server)?;
            let resp = self.refresh_accounts(&http, &enrol.device_id).await?;
            let inner = self.lock();
            let coord = inner.coordinator()?;
            let conn = inner.store.conn();
            let current = current_declaration(conn)?;
            let decls = declarations(conn, coord, &enrol, current)?;
            Ok(resp
                .accounts
                .iter()
                .map(|a| {
                    let d = decls.get(&a.account_id);
                    ChapterPeer {
                        account_id: a.account_id.clone(),
                        role: AccountRole::from_api(a.role),
                        name: d.map(|d| d.0.clone()),
                        declaration_version: d.map(|d| d.1),
                        declaration_valid: d.is_some_and(|d| d.2),
                        devices: a
                            .devices
                            .iter()
                            .map(|dev| ChapterDevice {
                                device_id: dev.device_id.clone(),
                                created_at: unix_rfc3339(dev.created_at),
                                last_seen: dev.last_seen.map(unix_rfc3339),
                                revoked_at: dev.revoked_at.map(unix_rfc3339),
                            })
                            .collect(),
                        last_sync: a
                            .devices
                            .iter()
                            .filter_map(|d| d.last_seen)
                            .max()
                            .map(unix_rfc3339),
                    }
                })
                .collect())
        };
        run.await.map_err(|e| self.ffi("chapter_peers", e))
    }

    /// Revokes a device: on its next contact it is refused and wipes itself. `false` if
    /// it was already revoked.
    pub async fn revoke_device(&self, device_id: String) -> Result<bool, PeerlogError> {
        let run = async {
            let enrol = self.coord_parts()?;
            if !peerlog_protocol::is_device_id(&device_id) {
                return Err(CoreError::NotFound { what: "device" });
            }
            let http = self.net.http(&enrol.server)?;
            let resp: RevokeResponse = self
                .authed(
                    &http,
                    &enrol.device_id,
                    &format!("/v1/devices/{device_id}/revoke"),
                    Some(&serde_json::json!({})),
                )
                .await?;
            Ok(resp.revoked)
        };
        run.await.map_err(|e| self.ffi("revoke_device", e))
    }

    /// The chapter's report for a calendar year, from the records pulled by the last
    /// sync, decrypted here with the chapter key and counted with the same rules the
    /// peers' apps use.
    pub fn chapter_report(&self, year: i32) -> Result<ChapterReport, PeerlogError> {
        self.report_inner(year)
            .map_err(|e| self.ffi("chapter_report", e))
    }

    /// Submitted, approved and rejected expenses of the chapter, newest first.
    pub fn chapter_expenses(&self) -> Result<Vec<ChapterExpense>, PeerlogError> {
        self.expenses_inner()
            .map_err(|e| self.ffi("chapter_expenses", e))
    }

    /// Approves or rejects (with a reason) a submitted expense. The decision is a record
    /// for the chapter and the peer, pushed with the next sync.
    pub async fn decide_expense(
        &self,
        id: String,
        approve: bool,
        reason: Option<String>,
    ) -> Result<(), PeerlogError> {
        self.decide_inner(id, approve, reason)
            .await
            .map_err(|e| self.ffi("decide_expense", e))
    }
}
