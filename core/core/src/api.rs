//! The app's one object: [`Peerlog`]. Both apps (through uniffi) and the `peerlog` CLI
//! use exactly this API; there is no second implementation of any rule.
//!
//! Local operations are synchronous: each is one small SQLite transaction plus a few
//! signatures (about a millisecond, see `benches/`). The shells call them off the main
//! thread (Kotlin `Dispatchers.IO`, a Swift `Task`). Network operations (sync) are async.

use crate::backup;
use crate::declaration::{
    self, DeclarationSignatureInfo, DeclarationText, DrawnSignature, SignedDeclaration,
};
use crate::error::{CoreError, PeerlogError, Result};
use crate::i18n::{Invalid, Msg};
use crate::model::*;
use crate::platform::{LogLevel, LogSink, Logger, SecretStore};
use crate::report::{self, CategoryTotals, ReportVerification};
use crate::session::{self, Keys, Profile, Session};
use crate::store::{self, ContactRow, Store};
use chrono::{NaiveDate, SecondsFormat, Utc};
use peerlog_crypto::recovery::RecoveryCode;
use peerlog_protocol::Collection;
use peerlog_rules::{ContactFacts, ContactKind, Locale, RuleSet, Who};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// File name of the database inside the app's data directory.
pub const DB_FILE: &str = "peerlog.db";

/// What `init` hands back. The recovery code is shown to the peer once, to write down.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InitResult {
    pub peer_id: String,
    pub device_id: String,
    pub recovery_code: String,
}

/// The peer's settings as the apps show them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileInfo {
    pub peer_id: String,
    pub device_id: String,
    pub name: String,
    pub rule_set: String,
    pub locale: Locale,
    pub mileage_rate_minor_per_km: u64,
    pub currency: String,
}

/// Whether the current declaration is signed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeclarationStatus {
    pub declaration_id: String,
    pub version: u32,
    /// Logging is allowed only when this is true.
    pub signed: bool,
    pub signature: Option<DeclarationSignatureInfo>,
    /// A declaration was signed before on this account (an earlier version, or the
    /// default one before joining a chapter). When `signed` is false, the apps then ask to
    /// sign again ("re-sign", over the app) instead of for a first signature.
    pub signed_before: bool,
}

/// Activity-days in one month.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct MonthTotals {
    pub year: i32,
    pub month: u32,
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
    pub not_counted: u32,
}

/// Not-counted contacts with one reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct ReasonTotal {
    pub code: String,
    pub message: String,
    pub count: u32,
}

/// Contacts of one kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct KindTotal {
    pub kind: ContactKind,
    pub total: u32,
    pub counted: u32,
}

/// Something the peer should look at before signing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct SummaryWarning {
    pub code: String,
    pub date: Option<String>,
    pub message: String,
}

/// What counts for the report in a period.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct PeriodSummary {
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub rule_set_version: u32,
    /// Total counted activity-days.
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub by_month: Vec<MonthTotals>,
    pub not_counted_total: u32,
    pub not_counted: Vec<ReasonTotal>,
    pub by_kind: Vec<KindTotal>,
    pub warnings: Vec<SummaryWarning>,
}

/// A signed report, ready to save or share.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedReportFile {
    pub report_id: String,
    /// Suggested file name, e.g. `peerlog-report-2026.json`.
    pub file_name: String,
    /// The file's contents (JSON).
    pub contents: String,
    pub verification: ReportVerification,
}

/// A reporting rule set the organisation can choose.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RuleSetInfo {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub description: String,
}

/// A contact kind for the "kind" chips.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactKindInfo {
    pub kind: ContactKind,
    pub code: String,
    pub label: String,
    /// Group kinds take a number of participants.
    pub is_group: bool,
    /// A place (home, hospital, …) is recorded for this kind; the core refuses one for
    /// any other kind, so the apps show the place picker only for these.
    pub has_place: bool,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) session: Option<Session>,
    /// Set on a coordinator's machine (chapter keys).
    pub(crate) coord: Option<crate::sync::Coordinator>,
}

/// The Peerlog core, opened on one device's data directory.
#[derive(uniffi::Object)]
pub struct Peerlog {
    pub(crate) inner: Mutex<Inner>,
    pub(crate) log: Logger,
    pub(crate) net: crate::sync::Net,
}

impl std::fmt::Debug for Peerlog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peerlog").finish_non_exhaustive()
    }
}

pub(crate) fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn rule_set_of(profile: &Profile) -> Result<&'static RuleSet> {
    peerlog_rules::rule_set(&profile.rule_set)
        .ok_or_else(|| CoreError::corrupt(format!("unknown rule set {}", profile.rule_set)))
}

fn default_mileage(locale: Locale) -> (u64, &'static str) {
    // Defaults until the organisation sets its own rate: the Norwegian state rate
    // (3.50 NOK/km) and the Danish low rate (2.23 DKK/km, 2025).
    match locale {
        Locale::Da => (223, "DKK"),
        _ => (350, "NOK"),
    }
}

fn parse_day(field: &str, s: &str, locale: Locale) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| Invalid::BadDate.at(field, locale))
}

fn year_bounds(year: i32, locale: Locale) -> Result<(NaiveDate, NaiveDate)> {
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) if (2000..=2200).contains(&year) => Ok((a, b)),
        _ => Err(Invalid::BadDate.at("year", locale)),
    }
}

impl Peerlog {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions),
        // so a poisoned lock is safe to keep using.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` and converts errors to the FFI error in the user's language.
    pub(crate) fn run<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Inner) -> Result<T>,
    ) -> Result<T, PeerlogError> {
        let mut inner = self.lock();
        let locale = inner.locale();
        let out = f(&mut inner);
        drop(inner);
        out.map_err(|e| self.to_ffi_logged("peerlog::api", what, locale, e))
    }

    /// Converts an internal error to the FFI error in `locale`, logging only its code
    /// (error messages may quote user input).
    pub(crate) fn to_ffi_logged(
        &self,
        target: &str,
        what: &str,
        locale: Locale,
        e: CoreError,
    ) -> PeerlogError {
        let ffi = e.to_ffi(locale);
        let level = if ffi.is_user_error() {
            LogLevel::Info
        } else {
            LogLevel::Error
        };
        self.log
            .log(level, target, || format!("{what} failed: {}", ffi.code()));
        ffi
    }

    /// Opens the core on `home` with Rust-side services (the CLI and tests).
    pub fn open_dir(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        Self::open(home.to_string_lossy().into_owned(), secrets, log)
    }

    pub(crate) fn build(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Self> {
        std::fs::create_dir_all(home)?;
        let store = Store::open(&home.join(DB_FILE))?;
        let mut session = Session::load(store.conn(), &secrets)?;
        let coord = crate::sync::attach(store.conn(), &mut session, &secrets)?;
        let net = crate::sync::Net::load(store.conn())?;
        Ok(Self {
            inner: Mutex::new(Inner {
                store,
                secrets,
                session,
                coord,
            }),
            log: Logger::new(log),
            net,
        })
    }
}

fn need(session: &mut Option<Session>) -> Result<&mut Session> {
    session.as_mut().ok_or(CoreError::NotInitialised)
}

impl Inner {
    /// The user's language (the default before the device is set up).
    pub(crate) fn locale(&self) -> Locale {
        self.session
            .as_ref()
            .map(Session::locale)
            .unwrap_or_default()
    }

    /// The store and the session, borrowed apart; fails when the device is not set up.
    pub(crate) fn parts(&mut self) -> Result<(&mut Store, &mut Session)> {
        let s = self.session.as_mut().ok_or(CoreError::NotInitialised)?;
        Ok((&mut self.store, s))
    }
}

pub(crate) fn current_declaration(s: &Session) -> DeclarationText {
    s.chapter_declaration
        .clone()
        .unwrap_or_else(|| declaration::builtin(s.locale()))
}

pub(crate) fn require_declaration(conn: &Connection, s: &Session) -> Result<()> {
    let d = current_declaration(s);
    match store::declaration_signature_id(conn, &d.declaration_id, d.version)? {
        Some(_) => Ok(()),
        None => Err(CoreError::DeclarationRequired),
    }
}

fn contact_from_record(conn: &Connection, s: &Session, id: &str) -> Result<Contact> {
    let rec = store::get_record(conn, Collection::Contacts, id)?
        .filter(|r| !r.envelope.meta.deleted)
        .ok_or(CoreError::NotFound { what: "contact" })?;
    let payload: ContactPayload = s.open(conn, &rec.envelope)?;
    let private = match store::get_record(conn, Collection::Notes, id)? {
        Some(r) if !r.envelope.meta.deleted => Some(s.open::<PrivatePayload>(conn, &r.envelope)?),
        _ => None,
    };
    let rules = rule_set_of(&s.profile)?;
    Ok(build_contact(
        id,
        rec.envelope.meta.version,
        rec.pending,
        payload,
        private,
        rules,
        s.locale(),
    ))
}

fn build_contact(
    id: &str,
    version: u64,
    pending: bool,
    p: ContactPayload,
    private: Option<PrivatePayload>,
    rules: &RuleSet,
    locale: Locale,
) -> Contact {
    let evaluation = ContactEvaluation::from_rules(&rules.evaluate(&p.facts()), locale);
    let (private_ref, private_note) = private
        .map(|p| (p.private_ref, p.private_note))
        .unwrap_or((None, None));
    Contact {
        id: id.to_string(),
        version,
        date: p.date.format("%Y-%m-%d").to_string(),
        start_time: p.start_time,
        minutes: p.minutes,
        kind: p.kind,
        participants: p.participants,
        who: p.who,
        is_new: p.is_new,
        abroad: p.abroad,
        led_by_peer: p.led_by_peer,
        place: p.place,
        municipality: p.municipality,
        topics: p.topics,
        travel_km: p.travel_km,
        private_ref,
        private_note,
        shared_note: p.shared_note,
        created_at: p.created_at,
        updated_at: p.updated_at,
        evaluation,
        pending_sync: pending,
    }
}

pub(crate) fn index_row(id: &str, p: &ContactPayload) -> ContactRow {
    ContactRow {
        id: id.to_string(),
        date: p.date.format("%Y-%m-%d").to_string(),
        kind: p.kind.as_str().to_string(),
        minutes: p.minutes,
        participants: p.participants,
        abroad: p.abroad,
        led_by_peer: p.led_by_peer,
    }
}

/// Re-derives the clear index of one verified record from its contents. Used when
/// records arrive from sync or a backup.
pub(crate) fn reindex(
    conn: &Connection,
    s: &Session,
    verified: peerlog_crypto::envelope::Verified<'_>,
) -> Result<()> {
    let env = verified.envelope();
    let id = env.meta.id.as_str();
    match env.meta.collection {
        Collection::Contacts if env.meta.deleted => store::mark_contact_deleted(conn, id),
        Collection::Contacts => {
            let p: ContactPayload = s.open_verified(verified)?;
            store::put_contact_row(conn, &index_row(id, &p), false)
        }
        Collection::Declarations if !env.meta.deleted => {
            let d: SignedDeclaration = s.open_verified(verified)?;
            declaration::verify(&d)?;
            store::put_declaration_row(
                conn,
                id,
                &d.doc.declaration_id,
                d.doc.declaration_version,
                &d.doc.signed_at,
            )
        }
        Collection::Expenses if env.meta.deleted => {
            conn.execute("UPDATE expense_index SET deleted = 1 WHERE id = ?1", [id])?;
            Ok(())
        }
        Collection::Expenses => {
            let v: serde_json::Value = s.open_verified(verified)?;
            if v.get("type").and_then(|t| t.as_str()) == Some(crate::sync::certs::DECISION_TYPE) {
                let d: crate::sync::certs::ExpenseDecision = serde_json::from_value(v)?;
                // Only a device the chapter certified may decide on an expense; anything
                // else (or a home not enrolled, e.g. restored from a file) is ignored.
                let certified = s.chapter_signing_key.as_ref().is_some_and(|chapter| {
                    d.cert.device_key.device_id() == env.meta.author_device
                        && d.cert
                            .verify(crate::sync::certs::ISSUER_CHAPTER, chapter)
                            .is_ok()
                        && d.account_id == s.profile.peer_id
                });
                if !certified {
                    return Ok(());
                }
                return store::sync::put_decision(
                    conn,
                    &d.expense_id,
                    id,
                    d.approved,
                    env.meta.version,
                );
            }
            let e: ExpensePayload = serde_json::from_value(v)?;
            store::put_expense_row(conn, id, &e.date.to_string(), e.status.as_str(), false)
        }
        Collection::Reports if !env.meta.deleted => {
            let r: report::SignedReport = s.open_verified(verified)?;
            store::put_report_row(
                conn,
                id,
                &format!("{}..{}", r.report.from, r.report.to),
                &r.report.signed_at,
            )
        }
        Collection::Notes if !env.meta.deleted => {
            // A device certificate of one of the peer's devices (others are private notes).
            let v: serde_json::Value = s.open_verified(verified)?;
            if v.get("type").and_then(|t| t.as_str()) == Some(crate::sync::certs::CERT_RECORD_TYPE)
            {
                let c: crate::sync::certs::CertRecord = serde_json::from_value(v)?;
                let account = crate::sync::certs::account_key(&s.keys.peer)?;
                c.cert
                    .verify(crate::sync::certs::ISSUER_ACCOUNT, &account.public_key())?;
                store::put_device(
                    conn,
                    &c.cert.device_key.device_id(),
                    c.cert.device_key.as_bytes(),
                    &c.cert.issued_at,
                )?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(crate) fn evaluate_rows(
    rules: &RuleSet,
    rows: &[ContactRow],
) -> Vec<peerlog_rules::SummaryEntry> {
    rows.iter()
        .filter_map(|r| {
            let kind: ContactKind = r.kind.parse().ok()?;
            let date = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").ok()?;
            // The index holds exactly the facts rule sets use; the rest do not matter here.
            let facts = ContactFacts {
                kind,
                minutes: r.minutes,
                participants: r.participants,
                abroad: r.abroad,
                led_by_peer: r.led_by_peer,
                who: Who::TargetGroup,
                place: None,
                is_new: true,
            };
            Some(peerlog_rules::SummaryEntry {
                id: r.id.clone(),
                date,
                kind,
                evaluation: rules.evaluate(&facts),
            })
        })
        .collect()
}

pub(crate) fn summarise(
    conn: &Connection,
    rules: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    locale: Locale,
) -> Result<(PeriodSummary, Vec<peerlog_rules::SummaryEntry>)> {
    let rows = store::contact_rows(conn, &from.to_string(), &to.to_string())?;
    let entries = evaluate_rows(rules, &rows);
    let s = peerlog_rules::summarise(rules, from, to, &entries, locale);
    let summary = PeriodSummary {
        from: s.from.to_string(),
        to: s.to.to_string(),
        rule_set: s.rule_set.clone(),
        rule_set_version: s.rule_set_version,
        activity_days: s.activity_days,
        by_category: CategoryTotals {
            outreach: s.by_category.outreach,
            group: s.by_category.group,
            course: s.by_category.course,
        },
        by_month: s
            .by_month
            .iter()
            .map(|m| MonthTotals {
                year: m.year,
                month: m.month,
                outreach: m.outreach,
                group: m.group,
                course: m.course,
                not_counted: m.not_counted,
            })
            .collect(),
        not_counted_total: s.not_counted_total,
        not_counted: s
            .not_counted
            .iter()
            .map(|r| ReasonTotal {
                code: r.code.to_string(),
                message: r.message.clone(),
                count: r.count,
            })
            .collect(),
        by_kind: s
            .by_kind
            .iter()
            .map(|k| KindTotal {
                kind: k.kind,
                total: k.total,
                counted: k.counted,
            })
            .collect(),
        warnings: s
            .warnings
            .iter()
            .map(|w| SummaryWarning {
                code: w.code.to_string(),
                date: w.date.map(|d| d.to_string()),
                message: w.message.clone(),
            })
            .collect(),
    };
    Ok((summary, entries))
}

/// Validates an expense input and builds the draft it describes. `old` is the draft
/// being changed, if any: its creation time, currency and receipt carry over.
fn expense_draft(
    conn: &Connection,
    input: ExpenseInput,
    profile: &Profile,
    old: Option<ExpensePayload>,
) -> Result<ExpensePayload> {
    use crate::model::limits::*;
    let mut c = Checker::new(profile.locale);
    let date = c.date("date", &input.date, today());
    let (rate, amount) = if input.kind.uses_km() {
        if input.amount_minor.is_some() {
            c.fail("amount_minor", Invalid::AmountForTravel);
        }
        match input.km {
            None | Some(0) => {
                c.fail("km", Invalid::KmRequired);
                (None, 0)
            }
            Some(km) if km > MAX_KM => {
                c.fail("km", Invalid::KmRange(MAX_KM));
                (None, 0)
            }
            Some(km) => (
                Some(profile.mileage_rate_minor_per_km),
                u64::from(km) * profile.mileage_rate_minor_per_km,
            ),
        }
    } else {
        if input.km.is_some() {
            c.fail("km", Invalid::PlaceNotApplicable);
        }
        match input.amount_minor {
            Some(a) if a > 0 && a <= MAX_AMOUNT_MINOR => (None, a),
            _ => {
                c.fail("amount_minor", Invalid::AmountRange);
                (None, 0)
            }
        }
    };
    let description = c.text(
        "description",
        input.description.as_deref(),
        MAX_EXPENSE_DESCRIPTION,
        true,
    );
    let mut contact_ids = Vec::new();
    if input.contact_ids.len() > MAX_EXPENSE_CONTACTS {
        c.fail("contact_ids", Invalid::TooMany(MAX_EXPENSE_CONTACTS));
    } else {
        for id in &input.contact_ids {
            if !store::contact_is_live(conn, id)? {
                c.fail("contact_ids", Invalid::UnknownContact);
            } else if !contact_ids.contains(id) {
                contact_ids.push(id.clone());
            }
        }
    }
    if let Some(r) = &input.receipt {
        if r.data.len() > MAX_RECEIPT_BYTES {
            c.fail("receipt", Invalid::ReceiptTooLarge(MAX_RECEIPT_BYTES));
        } else if !receipt_type_ok(r) {
            c.fail("receipt", Invalid::ReceiptType);
        }
    }
    c.finish()?;
    let date = date.ok_or_else(|| CoreError::corrupt("validated date missing"))?;
    let now = now_rfc3339();
    let (created_at, currency, old_receipt) = match old {
        Some(o) => (o.created_at, o.currency, o.receipt),
        None => (now.clone(), profile.currency.clone(), None),
    };
    Ok(ExpensePayload {
        schema: 1,
        date,
        kind: input.kind,
        km: input.km.filter(|_| input.kind == ExpenseKind::Travel),
        rate_minor_per_km: rate,
        amount_minor: amount,
        currency,
        description,
        contact_ids,
        receipt: input.receipt.or(old_receipt),
        status: ExpenseStatus::Draft,
        submitted_at: None,
        created_at,
        updated_at: now,
    })
}

fn expense_view(id: &str, version: u64, pending: bool, p: &ExpensePayload) -> Expense {
    Expense {
        id: id.to_string(),
        version,
        date: p.date.to_string(),
        kind: p.kind,
        km: p.km,
        rate_minor_per_km: p.rate_minor_per_km,
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        description: p.description.clone(),
        contact_ids: p.contact_ids.clone(),
        has_receipt: p.receipt.is_some(),
        status: p.status,
        submitted_at: p.submitted_at.clone(),
        pending_sync: pending,
        decision_reason: None,
    }
}

/// The coordinator's decision on an expense, if one arrived: (approved, reason).
fn decision_of(conn: &Connection, s: &Session, id: &str) -> Result<Option<(bool, Option<String>)>> {
    let Some((decision_id, approved)) = store::sync::decision(conn, id)? else {
        return Ok(None);
    };
    let reason = match store::get_record(conn, Collection::Expenses, &decision_id)? {
        Some(r) if !r.envelope.meta.deleted => {
            s.open::<crate::sync::certs::ExpenseDecision>(conn, &r.envelope)?
                .reason
        }
        _ => None,
    };
    Ok(Some((approved, reason)))
}

fn load_expense(conn: &Connection, s: &Session, id: &str) -> Result<(u64, bool, ExpensePayload)> {
    let rec = store::get_record(conn, Collection::Expenses, id)?
        .filter(|r| !r.envelope.meta.deleted)
        .ok_or(CoreError::NotFound { what: "expense" })?;
    let p: ExpensePayload = s.open(conn, &rec.envelope)?;
    Ok((rec.envelope.meta.version, rec.pending, p))
}

fn write_expense(st: &mut Store, s: &mut Session, id: &str, p: &ExpensePayload) -> Result<Expense> {
    let env = st.tx(|tx| {
        let env = s.write(tx, Collection::Expenses, id, Some(p), false)?;
        store::put_expense_row(tx, id, &p.date.to_string(), p.status.as_str(), false)?;
        Ok(env)
    })?;
    Ok(expense_view(id, env.meta.version, true, p))
}

fn latest_signature(conn: &Connection, s: &Session) -> Result<Option<SignedDeclaration>> {
    let d = current_declaration(s);
    match store::declaration_signature_id(conn, &d.declaration_id, d.version)? {
        Some(id) => {
            let rec = store::get_record(conn, Collection::Declarations, &id)?
                .ok_or_else(|| CoreError::corrupt("declaration index without record"))?;
            Ok(Some(s.open(conn, &rec.envelope)?))
        }
        None => Ok(None),
    }
}

#[uniffi::export]
impl Peerlog {
    /// Opens the core on the app's data directory `home`. `secrets` is the platform's
    /// secret store; `log` receives log lines (never contents).
    #[uniffi::constructor]
    pub fn open(
        home: String,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        Self::build(Path::new(&home), secrets, log)
            .map(Arc::new)
            .map_err(|e| e.to_ffi(Locale::default()))
    }

    /// Restores a peer's data on a new device from an exported backup file and the
    /// recovery code. `home` must hold no Peerlog data yet. The new device gets its own
    /// key; records keep their original authors' signatures.
    #[uniffi::constructor]
    pub fn restore(
        home: String,
        secrets: Arc<dyn SecretStore>,
        backup_path: String,
        recovery_code: String,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        let this = Self::build(Path::new(&home), secrets, log)
            .map(Arc::new)
            .map_err(|e| e.to_ffi(Locale::default()))?;
        this.run("restore", |inner| {
            if inner.session.is_some()
                || store::meta_get(inner.store.conn(), session::META_DEVICE_ID)?.is_some()
            {
                return Err(CoreError::NotAllowed(Msg::HomeNotEmpty));
            }
            let code = RecoveryCode::parse(&recovery_code)?;
            let bytes = std::fs::read(&backup_path)?;
            let session = backup::restore(&mut inner.store, inner.secrets.as_ref(), &bytes, &code)?;
            inner.session = Some(session);
            Ok(())
        })?;
        this.log.log(LogLevel::Info, "peerlog::backup", || {
            "restored from backup".into()
        });
        Ok(this)
    }

    /// True once `init` (or a restore) has set this device up.
    pub fn is_initialised(&self) -> bool {
        self.lock().session.is_some()
    }

    /// Sets the device up for a peer working offline: creates the device key and the
    /// peer key, and returns the recovery code to show once.
    pub fn init(
        &self,
        name: String,
        rule_set: String,
        locale: Locale,
    ) -> Result<InitResult, PeerlogError> {
        self.run("init", |inner| {
            if inner.session.is_some() {
                return Err(CoreError::AlreadyInitialised);
            }
            let name = declaration::validate_name(&name, locale)?;
            if peerlog_rules::rule_set(&rule_set).is_none() {
                return Err(Invalid::UnknownRules.at("rule_set", locale));
            }
            let keys = Keys::generate()?;
            let code = RecoveryCode::generate()?;
            let (rate, currency) = default_mileage(locale);
            let profile = Profile {
                schema: 1,
                peer_id: uuid::Uuid::now_v7().to_string(),
                name,
                rule_set,
                locale,
                created_at: now_rfc3339(),
                mileage_rate_minor_per_km: rate,
                currency: currency.to_string(),
            };
            // Secrets first: a crash before the database commit leaves an uninitialised
            // device whose next init overwrites them.
            keys.save_with_recovery_code(inner.secrets.as_ref(), &code)?;
            let session = Session::new(keys, profile, 0);
            inner.store.tx(|tx| session.save_new_device(tx))?;
            let out = InitResult {
                peer_id: session.profile.peer_id.clone(),
                device_id: session.device_id.clone(),
                recovery_code: code.display(),
            };
            inner.session = Some(session);
            Ok(out)
        })
    }

    /// The peer's settings.
    pub fn profile(&self) -> Result<ProfileInfo, PeerlogError> {
        self.run("profile", |inner| {
            let s = need(&mut inner.session)?;
            Ok(ProfileInfo {
                peer_id: s.profile.peer_id.clone(),
                device_id: s.device_id.clone(),
                name: s.profile.name.clone(),
                rule_set: s.profile.rule_set.clone(),
                locale: s.profile.locale,
                mileage_rate_minor_per_km: s.profile.mileage_rate_minor_per_km,
                currency: s.profile.currency.clone(),
            })
        })
    }

    /// Changes the language of the texts the core returns.
    pub fn set_locale(&self, locale: Locale) -> Result<(), PeerlogError> {
        self.run("set_locale", |inner| {
            let (st, s) = inner.parts()?;
            s.profile.locale = locale;
            s.save_profile(st.conn())
        })
    }

    /// Sets the organisation's mileage rate (minor units per km, e.g. 350 = 3.50 NOK/km).
    pub fn set_mileage_rate(
        &self,
        minor_per_km: u64,
        currency: String,
    ) -> Result<(), PeerlogError> {
        self.run("set_mileage_rate", |inner| {
            let (st, s) = inner.parts()?;
            let l = s.locale();
            let mut c = Checker::new(l);
            if minor_per_km == 0 || minor_per_km > 10_000 {
                c.fail("minor_per_km", Invalid::AmountRange);
            }
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                c.fail("currency", Invalid::BadCurrency);
            }
            c.finish()?;
            s.profile.mileage_rate_minor_per_km = minor_per_km;
            s.profile.currency = currency;
            s.save_profile(st.conn())
        })
    }

    /// The recovery code (the apps show it only after the peer re-authenticates).
    pub fn recovery_code(&self) -> Result<String, PeerlogError> {
        self.run("recovery_code", |inner| {
            need(&mut inner.session)?;
            let bytes = inner
                .secrets
                .get(session::SECRET_RECOVERY_CODE.into())?
                .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?;
            String::from_utf8(bytes).map_err(|_| CoreError::corrupt("recovery code"))
        })
    }

    // ---- declaration ----------------------------------------------------------------

    /// The declaration the peer must have signed, in the peer's language.
    pub fn current_declaration(&self) -> Result<DeclarationText, PeerlogError> {
        self.run("current_declaration", |inner| {
            let s = need(&mut inner.session)?;
            Ok(current_declaration(s))
        })
    }

    /// Whether the current declaration version is signed.
    pub fn declaration_status(&self) -> Result<DeclarationStatus, PeerlogError> {
        self.run("declaration_status", |inner| {
            let (st, s) = inner.parts()?;
            let d = current_declaration(s);
            let sig = latest_signature(st.conn(), s)?;
            Ok(DeclarationStatus {
                declaration_id: d.declaration_id,
                version: d.version,
                signed: sig.is_some(),
                signature: sig.map(|s| s.info()),
                signed_before: store::any_declaration_signature(st.conn())?,
            })
        })
    }

    /// Signs the current declaration: typed full name, explicit acceptance, and an
    /// optional hand-drawn signature.
    pub fn sign_declaration(
        &self,
        signer_name: String,
        accepted: bool,
        drawn: Option<DrawnSignature>,
    ) -> Result<DeclarationSignatureInfo, PeerlogError> {
        self.run("sign_declaration", |inner| {
            let (st, s) = inner.parts()?;
            let text = current_declaration(s);
            let signed = declaration::sign(
                &text,
                &signer_name,
                accepted,
                drawn,
                &s.profile.peer_id,
                &s.keys.device,
                now_rfc3339(),
                s.locale(),
            )?;
            let id = uuid::Uuid::now_v7().to_string();
            st.tx(|tx| {
                s.write(tx, Collection::Declarations, &id, Some(&signed), false)?;
                store::put_declaration_row(
                    tx,
                    &id,
                    &signed.doc.declaration_id,
                    signed.doc.declaration_version,
                    &signed.doc.signed_at,
                )
            })?;
            Ok(signed.info())
        })
    }

    /// A self-contained HTML copy of the peer's signature on the current declaration,
    /// readable by anyone and verifiable with [`verify_declaration_html`].
    pub fn export_signed_declaration(&self) -> Result<String, PeerlogError> {
        self.run("export_signed_declaration", |inner| {
            let (st, s) = inner.parts()?;
            let signed = latest_signature(st.conn(), s)?.ok_or(CoreError::DeclarationRequired)?;
            declaration::to_html(&signed)
        })
    }

    // ---- contacts -------------------------------------------------------------------

    /// How the organisation's rules judge this input right now — for the live line while
    /// the peer types. Works on incomplete input and writes nothing.
    pub fn evaluate_contact(&self, input: ContactInput) -> Result<ContactEvaluation, PeerlogError> {
        self.run("evaluate_contact", |inner| {
            let s = need(&mut inner.session)?;
            let rules = rule_set_of(&s.profile)?;
            let facts = ContactFacts {
                kind: input.kind,
                minutes: input.minutes,
                participants: input.participants,
                abroad: input.abroad,
                led_by_peer: input.kind.is_group() && input.led_by_peer,
                who: input.who,
                place: input.place,
                is_new: input.is_new,
            };
            Ok(ContactEvaluation::from_rules(
                &rules.evaluate(&facts),
                s.locale(),
            ))
        })
    }

    /// Checks an input without saving it: `Invalid` lists every field's problem.
    pub fn validate_contact(&self, input: ContactInput) -> Result<(), PeerlogError> {
        self.run("validate_contact", |inner| {
            let s = need(&mut inner.session)?;
            validate_contact(&input, today(), s.locale()).map(|_| ())
        })
    }

    /// Logs a contact (sealed on write). Refused until the current declaration is
    /// signed; nothing is written when the input is invalid.
    pub fn add_contact(&self, input: ContactInput) -> Result<Contact, PeerlogError> {
        self.run("add_contact", |inner| {
            let (st, s) = inner.parts()?;
            let id = uuid::Uuid::now_v7().to_string();
            write_contact(st, s, &id, &input, None)
        })
    }

    /// Replaces a contact's fields with `input` (a new version; the old one stays in the
    /// history).
    pub fn edit_contact(&self, id: String, input: ContactInput) -> Result<Contact, PeerlogError> {
        self.run("edit_contact", |inner| {
            let (st, s) = inner.parts()?;
            let old = contact_from_record(st.conn(), s, &id)?;
            write_contact(st, s, &id, &input, Some(old.created_at))
        })
    }

    /// Deletes a contact (a tombstone version; the history is kept).
    pub fn delete_contact(&self, id: String) -> Result<(), PeerlogError> {
        self.run("delete_contact", |inner| {
            let (st, s) = inner.parts()?;
            let conn = st.conn();
            let live = store::get_record(conn, Collection::Contacts, &id)?
                .is_some_and(|r| !r.envelope.meta.deleted);
            if !live {
                return Err(CoreError::NotFound { what: "contact" });
            }
            let has_note = store::get_record(conn, Collection::Notes, &id)?
                .is_some_and(|r| !r.envelope.meta.deleted);
            st.tx(|tx| {
                let version = s.next_version(tx)?;
                s.write_at::<()>(tx, version, Collection::Contacts, &id, None, false)?;
                if has_note {
                    s.write_at::<()>(tx, version, Collection::Notes, &id, None, true)?;
                }
                store::mark_contact_deleted(tx, &id)
            })
        })
    }

    /// One contact, decrypted.
    pub fn get_contact(&self, id: String) -> Result<Contact, PeerlogError> {
        self.run("get_contact", |inner| {
            let (st, s) = inner.parts()?;
            contact_from_record(st.conn(), s, &id)
        })
    }

    /// Contacts with `from <= date <= to` (both optional, `YYYY-MM-DD`), oldest first.
    pub fn list_contacts(
        &self,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<Vec<Contact>, PeerlogError> {
        self.run("list_contacts", |inner| {
            let (st, s) = inner.parts()?;
            let l = s.locale();
            let from = from.map(|f| parse_day("from", &f, l)).transpose()?;
            let to = to.map(|t| parse_day("to", &t, l)).transpose()?;
            let rows = store::contact_rows(
                st.conn(),
                &from
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "0000-01-01".into()),
                &to.map(|d| d.to_string())
                    .unwrap_or_else(|| "9999-12-31".into()),
            )?;
            rows.iter()
                .map(|r| contact_from_record(st.conn(), s, &r.id))
                .collect()
        })
    }

    /// Every version of a contact, oldest first, including its deletion.
    pub fn contact_history(&self, id: String) -> Result<Vec<ContactVersion>, PeerlogError> {
        self.run("contact_history", |inner| {
            let (st, s) = inner.parts()?;
            let conn = st.conn();
            let rules = rule_set_of(&s.profile)?;
            let versions = store::record_history(conn, Collection::Contacts, &id)?;
            if versions.is_empty() {
                return Err(CoreError::NotFound { what: "contact" });
            }
            let notes = store::record_history(conn, Collection::Notes, &id)?;
            versions
                .iter()
                .map(|env| {
                    let contact = if env.meta.deleted {
                        None
                    } else {
                        let p: ContactPayload = s.open(conn, env)?;
                        // The private part as it was at this version: the newest note
                        // written no later than the contact version.
                        let private = match notes
                            .iter()
                            .rev()
                            .find(|n| n.meta.version <= env.meta.version)
                        {
                            Some(n) if !n.meta.deleted => Some(s.open::<PrivatePayload>(conn, n)?),
                            _ => None,
                        };
                        Some(build_contact(
                            &id,
                            env.meta.version,
                            false,
                            p,
                            private,
                            rules,
                            s.locale(),
                        ))
                    };
                    Ok(ContactVersion {
                        version: env.meta.version,
                        deleted: env.meta.deleted,
                        author_device: env.meta.author_device.clone(),
                        contact,
                    })
                })
                .collect()
        })
    }

    /// An input prefilled from the last logged contact, dated today, without its notes —
    /// for "repeat last".
    pub fn repeat_last_contact(&self) -> Result<Option<ContactInput>, PeerlogError> {
        self.run("repeat_last_contact", |inner| {
            let (st, s) = inner.parts()?;
            let Some(id) = store::last_contact_id(st.conn())? else {
                return Ok(None);
            };
            let c = contact_from_record(st.conn(), s, &id)?;
            let mut input = c.to_input();
            input.date = today().to_string();
            input.start_time = None;
            input.private_note = None;
            input.shared_note = None;
            input.is_new = false;
            Ok(Some(input))
        })
    }

    // ---- summaries and reports ------------------------------------------------------

    /// What counts in `from..=to` (`YYYY-MM-DD`).
    pub fn summary(&self, from: String, to: String) -> Result<PeriodSummary, PeerlogError> {
        self.run("summary", |inner| {
            let (st, s) = inner.parts()?;
            let l = s.locale();
            let (from, to) = (parse_day("from", &from, l)?, parse_day("to", &to, l)?);
            Ok(summarise(st.conn(), rule_set_of(&s.profile)?, from, to, l)?.0)
        })
    }

    /// What counts in a calendar year.
    pub fn year_summary(&self, year: i32) -> Result<PeriodSummary, PeerlogError> {
        self.run("year_summary", |inner| {
            let (st, s) = inner.parts()?;
            let (from, to) = year_bounds(year, s.locale())?;
            Ok(summarise(st.conn(), rule_set_of(&s.profile)?, from, to, s.locale())?.0)
        })
    }

    /// Signs the peer's report for a calendar year: dates and kinds of counted and
    /// not-counted contacts and totals per category. Returns the file to save or share.
    pub fn sign_year_report(&self, year: i32) -> Result<SignedReportFile, PeerlogError> {
        self.run("sign_year_report", |inner| {
            let (st, s) = inner.parts()?;
            let (from, to) = year_bounds(year, s.locale())?;
            let file = sign_report(st, s, from, to)?;
            Ok(SignedReportFile {
                file_name: format!("peerlog-report-{year}.json"),
                ..file
            })
        })
    }

    /// Signs the peer's report for any period.
    pub fn sign_report(&self, from: String, to: String) -> Result<SignedReportFile, PeerlogError> {
        self.run("sign_report", |inner| {
            let (st, s) = inner.parts()?;
            let l = s.locale();
            let (from, to) = (parse_day("from", &from, l)?, parse_day("to", &to, l)?);
            sign_report(st, s, from, to)
        })
    }

    // ---- expenses -------------------------------------------------------------------

    /// Records an expense as a draft. Travel is km × the organisation's rate.
    pub fn add_expense(&self, input: ExpenseInput) -> Result<Expense, PeerlogError> {
        self.run("add_expense", |inner| {
            let (st, s) = inner.parts()?;
            let p = expense_draft(st.conn(), input, &s.profile, None)?;
            let id = uuid::Uuid::now_v7().to_string();
            write_expense(st, s, &id, &p)
        })
    }

    /// Changes a draft expense. A receipt of `None` keeps the current one.
    pub fn update_expense(&self, id: String, input: ExpenseInput) -> Result<Expense, PeerlogError> {
        self.run("update_expense", |inner| {
            let (st, s) = inner.parts()?;
            let (_, _, old) = load_expense(st.conn(), s, &id)?;
            if old.status != ExpenseStatus::Draft {
                return Err(CoreError::NotAllowed(Msg::ExpenseNotDraft));
            }
            let p = expense_draft(st.conn(), input, &s.profile, Some(old))?;
            write_expense(st, s, &id, &p)
        })
    }

    /// Submits a draft expense to the coordinator (it syncs with the next sync).
    pub fn submit_expense(&self, id: String) -> Result<Expense, PeerlogError> {
        self.run("submit_expense", |inner| {
            let (st, s) = inner.parts()?;
            let (_, _, mut p) = load_expense(st.conn(), s, &id)?;
            if p.status != ExpenseStatus::Draft {
                return Err(CoreError::NotAllowed(Msg::ExpenseNotDraft));
            }
            let now = now_rfc3339();
            p.status = ExpenseStatus::Submitted;
            p.submitted_at = Some(now.clone());
            p.updated_at = now;
            write_expense(st, s, &id, &p)
        })
    }

    /// Deletes a draft expense.
    pub fn delete_expense(&self, id: String) -> Result<(), PeerlogError> {
        self.run("delete_expense", |inner| {
            let (st, s) = inner.parts()?;
            let (_, _, p) = load_expense(st.conn(), s, &id)?;
            if p.status != ExpenseStatus::Draft {
                return Err(CoreError::NotAllowed(Msg::ExpenseNotDraft));
            }
            st.tx(|tx| {
                s.write::<()>(tx, Collection::Expenses, &id, None, false)?;
                store::put_expense_row(tx, &id, &p.date.to_string(), p.status.as_str(), true)
            })
        })
    }

    /// All expenses, newest first.
    pub fn list_expenses(&self) -> Result<Vec<Expense>, PeerlogError> {
        self.run("list_expenses", |inner| {
            let (st, s) = inner.parts()?;
            store::expense_ids(st.conn())?
                .iter()
                .map(|id| {
                    let (v, pending, p) = load_expense(st.conn(), s, id)?;
                    let mut e = expense_view(id, v, pending, &p);
                    if let Some((approved, reason)) = decision_of(st.conn(), s, id)? {
                        e.status = if approved {
                            ExpenseStatus::Approved
                        } else {
                            ExpenseStatus::Rejected
                        };
                        e.decision_reason = reason;
                    }
                    Ok(e)
                })
                .collect()
        })
    }

    /// The receipt of an expense, if it has one.
    pub fn expense_receipt(&self, id: String) -> Result<Option<Receipt>, PeerlogError> {
        self.run("expense_receipt", |inner| {
            let (st, s) = inner.parts()?;
            Ok(load_expense(st.conn(), s, &id)?.2.receipt)
        })
    }

    // ---- backup, status, wipe ---------------------------------------------------------

    /// Writes an encrypted backup of everything to `path` (atomically). Restoring it
    /// needs the recovery code.
    pub fn export_backup(&self, path: String) -> Result<(), PeerlogError> {
        self.run("export_backup", |inner| {
            let secrets = inner.secrets.clone();
            let (st, s) = inner.parts()?;
            let code = session::stored_recovery_code(secrets.as_ref())?;
            let bytes = backup::export(st.conn(), s, &code)?;
            write_atomically(Path::new(&path), &bytes)
        })
    }

    /// Records written on this device that the server has not acknowledged yet.
    pub fn pending_count(&self) -> Result<u64, PeerlogError> {
        self.run("pending_count", |inner| {
            store::count_pending(inner.store.conn())
        })
    }

    /// Erases this device's keys and all local Peerlog data (after revocation, or when
    /// the peer hands the phone on). Unsynced data is lost.
    pub fn wipe(&self) -> Result<(), PeerlogError> {
        self.net.clear();
        self.run("wipe", wipe_inner)
    }
}

/// Erases keys (peer, device, coordinator) and every local row.
pub(crate) fn wipe_inner(inner: &mut Inner) -> Result<()> {
    for name in [
        session::SECRET_DEVICE_KEY,
        session::SECRET_PEER_KEY,
        session::SECRET_RECOVERY_CODE,
        crate::sync::SECRET_CHAPTER_KEY,
        crate::sync::SECRET_CHAPTER_SIGNING_KEY,
    ] {
        inner.secrets.delete(name.into())?;
    }
    inner.session = None;
    inner.coord = None;
    inner.store.wipe()
}

fn write_contact(
    st: &mut Store,
    s: &mut Session,
    id: &str,
    input: &ContactInput,
    created_at: Option<String>,
) -> Result<Contact> {
    require_declaration(st.conn(), s)?;
    let valid = validate_contact(input, today(), s.locale())?;
    let rules = rule_set_of(&s.profile)?;
    let now = now_rfc3339();
    let payload = ContactPayload {
        schema: 1,
        date: valid.date,
        start_time: valid.start_time.clone(),
        minutes: valid.minutes,
        kind: valid.kind,
        participants: valid.participants,
        who: valid.who,
        is_new: valid.is_new,
        abroad: valid.abroad,
        led_by_peer: valid.led_by_peer,
        place: valid.place,
        municipality: valid.municipality.clone(),
        topics: valid.topics.clone(),
        travel_km: valid.travel_km,
        shared_note: valid.shared_note.clone(),
        created_at: created_at.unwrap_or_else(|| now.clone()),
        updated_at: now,
    };
    let private = valid.private;
    let has_private = private.private_ref.is_some() || private.private_note.is_some();
    let had_note = store::get_record(st.conn(), Collection::Notes, id)?
        .is_some_and(|r| !r.envelope.meta.deleted);
    let env = st.tx(|tx| {
        let version = s.next_version(tx)?;
        let env = s.write_at(tx, version, Collection::Contacts, id, Some(&payload), false)?;
        if has_private {
            s.write_at(tx, version, Collection::Notes, id, Some(&private), true)?;
        } else if had_note {
            s.write_at::<()>(tx, version, Collection::Notes, id, None, true)?;
        }
        store::put_contact_row(tx, &index_row(id, &payload), false)?;
        Ok(env)
    })?;
    Ok(build_contact(
        id,
        env.meta.version,
        true,
        payload,
        has_private.then_some(private),
        rules,
        s.locale(),
    ))
}

fn sign_report(
    st: &mut Store,
    s: &mut Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<SignedReportFile> {
    let declaration = latest_signature(st.conn(), s)?.map(|d| report::DeclarationRef {
        declaration_id: d.doc.declaration_id,
        version: d.doc.declaration_version,
        signed_at: d.doc.signed_at,
    });
    let rules = rule_set_of(&s.profile)?;
    let (_, entries) = summarise(st.conn(), rules, from, to, s.locale())?;
    let mut counted = Vec::new();
    let mut not_counted = Vec::new();
    for e in &entries {
        match (e.evaluation.counts, e.evaluation.category) {
            (true, Some(category)) => counted.push(report::CountedEntry {
                date: e.date.to_string(),
                kind: e.kind,
                category,
            }),
            _ => not_counted.push(report::NotCountedEntry {
                date: e.date.to_string(),
                kind: e.kind,
                reason: e.evaluation.reason.code().to_string(),
            }),
        }
    }
    let report_id = uuid::Uuid::now_v7().to_string();
    let doc = report::ReportDoc {
        format: report::FORMAT.into(),
        report_id: report_id.clone(),
        peer_id: s.profile.peer_id.clone(),
        peer_name: s.profile.name.clone(),
        from: from.to_string(),
        to: to.to_string(),
        rule_set: rules.id.to_string(),
        rule_set_version: rules.version,
        activity_days: 0,
        by_category: CategoryTotals::default(),
        counted,
        not_counted_total: 0,
        not_counted,
        declaration,
        locale: s.locale(),
        device_key: s.keys.device.public_key(),
        signed_at: now_rfc3339(),
    };
    let signed = report::sign(doc, &s.keys.device)?;
    let verification = report::verify(&signed)?;
    st.tx(|tx| {
        s.write(tx, Collection::Reports, &report_id, Some(&signed), false)?;
        store::put_report_row(
            tx,
            &report_id,
            &format!("{from}..{to}"),
            &signed.report.signed_at,
        )
    })?;
    Ok(SignedReportFile {
        report_id,
        file_name: format!("peerlog-report-{from}-{to}.json"),
        contents: serde_json::to_string_pretty(&signed)?,
        verification,
    })
}

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Verifies a signed report file offline (anyone can: the signer's key is inside).
#[uniffi::export]
pub fn verify_report_file(contents: Vec<u8>) -> Result<ReportVerification, PeerlogError> {
    report::verify_bytes(&contents).map_err(|e| e.to_ffi(Locale::default()))
}

/// Verifies the signed copy of a declaration exported with `export_signed_declaration`.
#[uniffi::export]
pub fn verify_declaration_html(html: String) -> Result<DeclarationSignatureInfo, PeerlogError> {
    declaration::verify_html(&html)
        .map(|s| s.info())
        .map_err(|e| e.to_ffi(Locale::default()))
}

/// The reporting rule sets this build knows.
#[uniffi::export]
pub fn rule_sets(locale: Locale) -> Vec<RuleSetInfo> {
    peerlog_rules::rule_sets()
        .iter()
        .map(|r| RuleSetInfo {
            id: r.id.to_string(),
            version: r.version,
            name: r.name(locale).to_string(),
            description: r.description(locale).to_string(),
        })
        .collect()
}

/// Contact kinds in display order with labels, for the "kind" chips.
#[uniffi::export]
pub fn contact_kinds(locale: Locale) -> Vec<ContactKindInfo> {
    ContactKind::ALL
        .iter()
        .map(|k| ContactKindInfo {
            kind: *k,
            code: k.as_str().to_string(),
            label: k.label(locale).to_string(),
            is_group: k.is_group(),
            has_place: crate::model::records_place(*k),
        })
        .collect()
}

/// Parses a contact kind code (`visit`, `conversation-group`, …).
#[uniffi::export]
pub fn parse_contact_kind(code: String) -> Option<ContactKind> {
    code.parse().ok()
}
