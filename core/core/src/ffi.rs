//! The app surface: the [`Peerlog`] object that both apps (through uniffi) and the
//! `peerlog` CLI use, and the exported free functions. Each operation is a line or two
//! over the domain modules; nothing in the core imports from here.
//!
//! Local operations are synchronous: each is one small SQLite transaction plus a few
//! signatures (about a millisecond, see `benches/`). The shells call them off the main
//! thread (Kotlin `Dispatchers.IO`, a Swift `Task`). Network operations are async.

use crate::certs::{self, Authorship};
use crate::chapter_settings::{self, ChapterSettings};
use crate::contacts::ContactMonth;
use crate::debrief::{self, Debrief, DebriefTexts, DebriefWhen};
use crate::declaration::{self, DeclarationSignatureInfo, DeclarationText, DrawnSignature};
use crate::declarations::{self, DeclarationStatus};
use crate::device::Device;
use crate::error::{CoreError, PeerlogError, Result};
use crate::followups::{self, FollowUp, FollowUpNotification};
use crate::forms::{self, ContactFormEntry, ExpenseFormEntry};
use crate::i18n::{Invalid, Msg, tr};
use crate::import::{self, ImportResult};
use crate::keys::{self, Keys};
use crate::markdown::{self, FormattedText};
use crate::model::{
    Contact, ContactEvaluation, ContactInput, ContactVersion, Expense, ExpenseInput, Receipt,
    validate_contact,
};
use crate::net::{Net, SyncProgress, SyncReport, SyncStatus};
use crate::platform::{LogLevel, LogSink, SecretStore};
use crate::profile::{Profile, ProfileInfo};
use crate::report::{self, ReportVerification};
use crate::reports::{self, SignedReportFile};
use crate::session::Session;
use crate::summary::{PeriodSummary, report_years, summarise, summary_kept};
use crate::sync::{EnrolResult, MyDevice};
use crate::themes::{self, RecoveryTheme, ThemesQuestion};
use crate::training::{self, TrainingStatus};
use crate::util::{parse_day, today, write_atomically, year_bounds};
use crate::{backup, clock::Clock, contacts, expenses};
use peerlog_crypto::recovery::RecoveryCode;
use peerlog_rules::{ContactKind, Locale};
use std::path::Path;
use std::sync::Arc;

/// What `init` hands back. The recovery code is shown to the peer once, to write down.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InitResult {
    pub peer_id: String,
    pub device_id: String,
    pub recovery_code: String,
}

/// A reporting rule set the organisation can choose.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RuleSetInfo {
    pub id: String,
    pub version: u32,
    pub name: String,
    pub description: String,
}

/// The Peerlog core, opened on one device's data directory.
#[derive(Debug, uniffi::Object)]
pub struct Peerlog {
    dev: Device,
}

impl Peerlog {
    /// Opens the core on `home` with Rust-side services (the CLI and tests).
    pub fn open_dir(
        home: &Path,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        Device::open(home, secrets, log)
            .map(|dev| Arc::new(Self { dev }))
            .map_err(|e| e.to_ffi(Locale::default()))
    }

    /// Records per pull page (default and most: the server's limits); for tests of
    /// interrupted pulls. Not exported to the apps.
    pub fn set_pull_page_size(&self, records: u32) {
        self.dev.net.set_pull_page_size(records);
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Peerlog {
    /// Opens the core on the app's data directory `home`. `secrets` is the platform's
    /// secret store; `log` receives log lines (never contents).
    #[uniffi::constructor]
    pub fn open(
        home: String,
        secrets: Arc<dyn SecretStore>,
        log: Option<Arc<dyn LogSink>>,
    ) -> Result<Arc<Self>, PeerlogError> {
        Self::open_dir(Path::new(&home), secrets, log)
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
        let recovery_code = zeroize::Zeroizing::new(recovery_code);
        let this = Self::open_dir(Path::new(&home), secrets, log)?;
        this.dev.run("restore", |h| {
            let code = RecoveryCode::parse(&recovery_code)?;
            backup::restore(h, &std::fs::read(&backup_path)?, &code)
        })?;
        this.dev.log.log(LogLevel::Info, "peerlog::backup", || {
            "restored from backup".into()
        });
        Ok(this)
    }

    /// True once `init` (or a restore) has set this device up.
    pub fn is_initialised(&self) -> bool {
        self.dev.lock().session.is_some()
    }

    /// Sets the device up for a peer working offline: creates the device key and the
    /// peer key, and returns the recovery code to show once.
    pub fn init(
        &self,
        name: String,
        rule_set: String,
        locale: Locale,
    ) -> Result<InitResult, PeerlogError> {
        self.dev.run("init", |h| {
            if h.session.is_some() {
                return Err(CoreError::AlreadyInitialised);
            }
            h.require_empty()?;
            let name = declaration::validate_name(&name, locale)?;
            if peerlog_rules::rule_set(&rule_set).is_none() {
                return Err(Invalid::UnknownRules.at("rule_set", locale));
            }
            let keys = Keys::generate()?;
            let code = RecoveryCode::generate()?;
            let profile = Profile::new(uuid::Uuid::now_v7().to_string(), name, rule_set, locale);
            // Secrets first: a crash before the database commit leaves an uninitialised
            // device whose next init overwrites them.
            keys.save_with_recovery_code(h.secrets.as_ref(), &code)?;
            let session = Session::new(keys, profile, Clock::default());
            h.store.tx(|tx| session.save_new_device(tx))?;
            let out = InitResult {
                peer_id: session.profile.peer_id.clone(),
                device_id: session.device_id.clone(),
                recovery_code: code.display(),
            };
            h.session = Some(session);
            Ok(out)
        })
    }

    /// The peer's settings.
    pub fn profile(&self) -> Result<ProfileInfo, PeerlogError> {
        self.dev.run("profile", |h| {
            let s = h.session()?;
            Ok(s.profile.info(&s.device_id))
        })
    }

    /// Changes the language of the texts the core returns.
    pub fn set_locale(&self, locale: Locale) -> Result<(), PeerlogError> {
        self.dev.run("set_locale", |h| {
            let (st, s) = h.parts()?;
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
        self.dev.run("set_mileage_rate", |h| {
            let (st, s) = h.parts()?;
            s.profile.set_mileage_rate(minor_per_km, currency)?;
            s.save_profile(st.conn())
        })
    }

    /// The recovery code (the apps show it only after the peer re-authenticates; the
    /// platform's store refuses it otherwise with `user_presence_required`).
    pub fn recovery_code(&self) -> Result<String, PeerlogError> {
        self.dev.run("recovery_code", |h| {
            h.session()?;
            // The apps get their own copy; this one is zeroised.
            keys::stored_recovery_code_text(h.secrets.as_ref()).map(|code| String::clone(&code))
        })
    }

    /// What the apps show beside the recovery code when the phone could not keep it behind
    /// its screen lock (it has none): advice in the peer's language; `None` when it is
    /// protected. (The CLI's file store has no screen lock to bind to; the CLI does not ask.)
    pub fn recovery_code_advice(&self) -> Result<Option<String>, PeerlogError> {
        self.dev.run("recovery_code_advice", |h| {
            let locale = h.session()?.profile.locale;
            Ok(keys::recovery_code_unprotected(h.secrets.as_ref())?
                .then(|| tr(locale, Msg::ScreenLockAdvice)))
        })
    }

    // ---- declaration ----------------------------------------------------------------

    /// The declaration the peer must have signed, in the peer's language.
    pub fn current_declaration(&self) -> Result<DeclarationText, PeerlogError> {
        self.dev.run("current_declaration", |h| {
            Ok(declarations::current(h.session()?))
        })
    }

    /// Whether the current declaration version is signed.
    pub fn declaration_status(&self) -> Result<DeclarationStatus, PeerlogError> {
        self.dev.run("declaration_status", |h| {
            declarations::status(h.store.conn(), h.session()?)
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
        self.dev.run("sign_declaration", |h| {
            let (st, s) = h.parts()?;
            declarations::sign_current(st, s, &signer_name, accepted, drawn)
        })
    }

    /// A self-contained HTML copy of the peer's signature on the current declaration,
    /// readable by anyone and verifiable with [`verify_declaration_html`].
    pub fn export_signed_declaration(&self) -> Result<String, PeerlogError> {
        self.dev.run("export_signed_declaration", |h| {
            declarations::signed_copy(h.store.conn(), h.session()?)
        })
    }

    // ---- contacts -------------------------------------------------------------------

    /// How the organisation's rules judge this input right now — for the live line while
    /// the peer types. Works on incomplete input and writes nothing.
    pub fn evaluate_contact(&self, input: ContactInput) -> Result<ContactEvaluation, PeerlogError> {
        self.dev.run("evaluate_contact", |h| {
            contacts::evaluate_input(h.session()?, &input)
        })
    }

    /// Checks an input without saving it: `Invalid` lists every field's problem.
    pub fn validate_contact(&self, input: ContactInput) -> Result<(), PeerlogError> {
        self.dev.run("validate_contact", |h| {
            validate_contact(&input, today(), h.session()?.locale()).map(|_| ())
        })
    }

    /// Logs a contact (sealed on write). Refused until the current declaration is
    /// signed; nothing is written when the input is invalid.
    pub fn add_contact(&self, input: ContactInput) -> Result<Contact, PeerlogError> {
        self.dev.run("add_contact", |h| {
            let (st, s) = h.parts()?;
            contacts::write(st, s, &uuid::Uuid::now_v7().to_string(), &input, None)
        })
    }

    /// Replaces a contact's fields with `input` (a new version; the old one stays in the
    /// history).
    pub fn edit_contact(&self, id: String, input: ContactInput) -> Result<Contact, PeerlogError> {
        self.dev.run("edit_contact", |h| {
            let (st, s) = h.parts()?;
            contacts::edit(st, s, &id, &input)
        })
    }

    /// Deletes a contact (a tombstone version; the history is kept).
    pub fn delete_contact(&self, id: String) -> Result<(), PeerlogError> {
        self.dev.run("delete_contact", |h| {
            let (st, s) = h.parts()?;
            contacts::delete(st, s, &id)
        })
    }

    /// One contact, decrypted.
    pub fn get_contact(&self, id: String) -> Result<Contact, PeerlogError> {
        self.dev.run("get_contact", |h| {
            contacts::get(h.store.conn(), h.session()?, &id)
        })
    }

    /// Contacts with `from <= date <= to` (both optional, `YYYY-MM-DD`), oldest first.
    pub fn list_contacts(
        &self,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<Vec<Contact>, PeerlogError> {
        self.dev.run("list_contacts", |h| {
            let s = h.session()?;
            let from = from
                .map(|f| parse_day("from", &f, s.locale()))
                .transpose()?;
            let to = to.map(|t| parse_day("to", &t, s.locale())).transpose()?;
            contacts::list(h.store.conn(), s, from, to)
        })
    }

    /// Every version of a contact, oldest first, including its deletion.
    pub fn contact_history(&self, id: String) -> Result<Vec<ContactVersion>, PeerlogError> {
        self.dev.run("contact_history", |h| {
            contacts::history(h.store.conn(), h.session()?, &id)
        })
    }

    /// An input prefilled from the last logged contact, dated today, without its notes —
    /// for "repeat last".
    pub fn repeat_last_contact(&self) -> Result<Option<ContactInput>, PeerlogError> {
        self.dev.run("repeat_last_contact", |h| {
            contacts::repeat_last(h.store.conn(), h.session()?)
        })
    }

    /// The input a filled-in contact form describes: typed numbers parsed ("not a number"
    /// is a field error, with validation's errors for the other fields), texts trimmed,
    /// what the form does not show kept from its `base`.
    pub fn contact_form_input(
        &self,
        entry: ContactFormEntry,
    ) -> Result<ContactInput, PeerlogError> {
        self.dev.run("contact_form_input", |h| {
            forms::contact_input(entry, h.session()?.locale())
        })
    }

    /// Every contact grouped by month, newest first, for the history.
    pub fn contacts_by_month(&self) -> Result<Vec<ContactMonth>, PeerlogError> {
        self.dev.run("contacts_by_month", |h| {
            contacts::by_month(h.store.conn(), h.session()?)
        })
    }

    // ---- summaries and reports ------------------------------------------------------

    /// The years a report can be made for, newest first: from the oldest contact's year
    /// to this year.
    pub fn report_years(&self) -> Result<Vec<i32>, PeerlogError> {
        self.dev.run("report_years", |h| {
            h.session()?;
            report_years(h.store.conn(), today())
        })
    }

    /// What counts in `from..=to` (`YYYY-MM-DD`).
    pub fn summary(&self, from: String, to: String) -> Result<PeriodSummary, PeerlogError> {
        self.dev.run("summary", |h| {
            let s = h.session()?;
            let l = s.locale();
            let (from, to) = (parse_day("from", &from, l)?, parse_day("to", &to, l)?);
            Ok(summarise(h.store.conn(), s.profile.rules()?, from, to, l)?.0)
        })
    }

    /// What counts in a calendar year.
    pub fn year_summary(&self, year: i32) -> Result<PeriodSummary, PeerlogError> {
        self.dev.run("year_summary", |h| {
            let s = h.session()?;
            let (from, to) = year_bounds(year, s.locale())?;
            summary_kept(h.store.conn(), s.profile.rules()?, from, to, s.locale())
        })
    }

    /// Signs the peer's report for a calendar year: dates and kinds of counted and
    /// not-counted contacts and totals per category. Returns the file to save or share.
    pub fn sign_year_report(&self, year: i32) -> Result<SignedReportFile, PeerlogError> {
        self.dev.run("sign_year_report", |h| {
            let (st, s) = h.parts()?;
            let (from, to) = year_bounds(year, s.locale())?;
            Ok(SignedReportFile {
                file_name: format!("peerlog-report-{year}.json"),
                html_file_name: format!("peerlog-report-{year}.html"),
                ..reports::sign_period(st, s, from, to)?
            })
        })
    }

    /// Signs the peer's report for any period.
    pub fn sign_report(&self, from: String, to: String) -> Result<SignedReportFile, PeerlogError> {
        self.dev.run("sign_report", |h| {
            let (st, s) = h.parts()?;
            let l = s.locale();
            let (from, to) = (parse_day("from", &from, l)?, parse_day("to", &to, l)?);
            reports::sign_period(st, s, from, to)
        })
    }

    // ---- expenses -------------------------------------------------------------------

    /// Records an expense as a draft. Travel is km × the organisation's rate.
    pub fn add_expense(&self, input: ExpenseInput) -> Result<Expense, PeerlogError> {
        self.dev.run("add_expense", |h| {
            let (st, s) = h.parts()?;
            expenses::add(st, s, input)
        })
    }

    /// Changes a draft expense. A receipt of `None` keeps the current one.
    pub fn update_expense(&self, id: String, input: ExpenseInput) -> Result<Expense, PeerlogError> {
        self.dev.run("update_expense", |h| {
            let (st, s) = h.parts()?;
            expenses::update(st, s, &id, input)
        })
    }

    /// Submits a draft expense to the coordinator (it syncs with the next sync).
    pub fn submit_expense(&self, id: String) -> Result<Expense, PeerlogError> {
        self.dev.run("submit_expense", |h| {
            let (st, s) = h.parts()?;
            expenses::submit(st, s, &id)
        })
    }

    /// Deletes a draft expense.
    pub fn delete_expense(&self, id: String) -> Result<(), PeerlogError> {
        self.dev.run("delete_expense", |h| {
            let (st, s) = h.parts()?;
            expenses::delete(st, s, &id)
        })
    }

    /// The input a filled-in expense form describes: km and the amount parsed (in the
    /// peer's currency and language), the description trimmed, the linked contacts kept
    /// from its `base` unless the form gives them.
    pub fn expense_form_input(
        &self,
        entry: ExpenseFormEntry,
    ) -> Result<ExpenseInput, PeerlogError> {
        self.dev.run("expense_form_input", |h| {
            let p = &h.session()?.profile;
            forms::expense_input(entry, &p.currency, p.locale)
        })
    }

    /// All expenses, newest first.
    pub fn list_expenses(&self) -> Result<Vec<Expense>, PeerlogError> {
        self.dev.run("list_expenses", |h| {
            expenses::list(h.store.conn(), h.session()?)
        })
    }

    /// The receipt of an expense, if it has one.
    pub fn expense_receipt(&self, id: String) -> Result<Option<Receipt>, PeerlogError> {
        self.dev.run("expense_receipt", |h| {
            expenses::receipt(h.store.conn(), h.session()?, &id)
        })
    }

    // ---- backup, status, wipe ---------------------------------------------------------

    /// Writes an encrypted backup of everything to `path` (atomically). Restoring it
    /// needs the recovery code.
    pub fn export_backup(&self, path: String) -> Result<(), PeerlogError> {
        self.dev.run("export_backup", |h| {
            let code = keys::stored_recovery_code(h.secrets.as_ref())?;
            let bytes = backup::export(h.store.conn(), h.session()?, &code)?;
            write_atomically(Path::new(&path), &bytes)
        })
    }

    /// Records written on this device that the server has not acknowledged yet.
    pub fn pending_count(&self) -> Result<u64, PeerlogError> {
        self.dev.run("pending_count", |h| {
            crate::store::count_pending(h.store.conn())
        })
    }

    /// Erases this device's keys and all local Peerlog data (after revocation, or when
    /// the peer hands the phone on). Unsynced data is lost.
    pub fn wipe(&self) -> Result<(), PeerlogError> {
        self.dev.net.clear();
        self.dev.run("wipe", |h| h.wipe())
    }

    // ---- the organisation's server --------------------------------------------------

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
        self.dev
            .run_async("enrol", self.dev.enrol(&invitation, name))
            .await
    }

    /// Pushes pending records, pulls new ones and applies them. Safe to run any time;
    /// resumes after interruption. Always tries (schedulers consult
    /// `sync_status().retry_after`). A revoked device is wiped and gets `DeviceRevoked`.
    pub async fn sync(
        &self,
        progress: Option<Arc<dyn SyncProgress>>,
    ) -> Result<SyncReport, PeerlogError> {
        let report = self.dev.run_async("sync", self.dev.sync(progress)).await?;
        self.dev.log.log(LogLevel::Info, "peerlog::sync", || {
            format!(
                "synced: pushed {}, pulled {}, rejected {}",
                report.pushed, report.pulled, report.rejected
            )
        });
        Ok(report)
    }

    /// Sync state for the UI and for background schedulers.
    pub fn sync_status(&self) -> Result<SyncStatus, PeerlogError> {
        self.dev
            .sync_status()
            .map_err(|e| self.dev.to_ffi("sync_status", self.dev.locale(), e))
    }

    /// Trusts an extra CA (PEM, one or more certificates) for a self-hosted server, besides
    /// the bundled roots. It replaces any earlier one and is kept in this device's
    /// database (a CA certificate is public), so it holds across restarts until cleared or
    /// the device is wiped. Works before the device is set up, so enrolment and recovery
    /// can use it.
    pub fn set_extra_root_certificate(&self, pem: String) -> Result<(), PeerlogError> {
        self.dev.run("set_extra_root_certificate", |h| {
            let locale = h.locale();
            self.dev
                .net
                .set_extra_root_certificate(h.store.conn(), &pem, locale)
        })
    }

    /// The extra CA set with `set_extra_root_certificate` (its PEM text), if any.
    pub fn extra_root_certificate(&self) -> Result<Option<String>, PeerlogError> {
        self.dev.run("extra_root_certificate", |h| {
            Net::extra_root_certificate(h.store.conn())
        })
    }

    /// Stops trusting the extra CA: only the bundled roots are trusted again.
    pub fn clear_extra_root_certificate(&self) -> Result<(), PeerlogError> {
        self.dev.run("clear_extra_root_certificate", |h| {
            self.dev.net.clear_extra_root_certificate(h.store.conn())
        })
    }

    /// Sets up this empty home as a new device of an enrolled peer from the recovery
    /// code: fetches the wrapped peer key, unwraps it here (a wrong code fails before any
    /// device is registered), registers this device and pulls everything. (Open the home
    /// first, so `set_extra_root_certificate` can come before, for a self-hosted CA.)
    pub async fn recover_from_server(
        &self,
        server: String,
        recovery_code: String,
    ) -> Result<(), PeerlogError> {
        let recovery_code = zeroize::Zeroizing::new(recovery_code);
        self.dev
            .run_async("recover", self.dev.recover(&server, &recovery_code))
            .await
    }

    /// The peer's devices this device knows of (this one first), for the screen where a
    /// lost phone is revoked.
    pub fn my_devices(&self) -> Result<Vec<MyDevice>, PeerlogError> {
        self.dev.run("my_devices", |h| crate::sync::my_devices(h))
    }

    /// Revokes another of the peer's devices (a lost phone), signed with the account key:
    /// it wipes itself at its next contact. `false` if it was revoked already.
    pub async fn revoke_my_device(&self, device_id: String) -> Result<bool, PeerlogError> {
        self.dev
            .run_async("revoke_my_device", self.dev.revoke_my_device(&device_id))
            .await
    }

    /// Replaces the recovery code on the server (after a lost phone, or when someone else
    /// may have seen it): the old code stops working. Returns the new code, to show once
    /// (the apps ask the peer to re-authenticate first, as for `recovery_code`).
    pub async fn rotate_recovery_code(&self) -> Result<String, PeerlogError> {
        self.dev
            .run_async("rotate_recovery_code", self.dev.rotate_recovery_code())
            .await
    }

    /// The peer's own training records (issued by the chapter, newest first) and what they
    /// mean today: certified, until when, whether to remind the peer of a refresher course.
    pub fn training(&self) -> Result<TrainingStatus, PeerlogError> {
        self.dev.run("training", |h| {
            training::status(h.store.conn(), h.session()?, today())
        })
    }

    /// The chapter's settings as this device last received them (all off until then):
    /// whether to ask the recovery-themes question after a contact.
    pub fn chapter_settings(&self) -> Result<ChapterSettings, PeerlogError> {
        self.dev.run("chapter_settings", |h| {
            chapter_settings::current(h.store.conn())
        })
    }

    /// The contact form's recovery-themes question in the peer's language: `shown` only
    /// when the chapter switched it on (a contact's themes are refused otherwise).
    pub fn themes_question(&self) -> Result<ThemesQuestion, PeerlogError> {
        self.dev.run("themes_question", |h| {
            let on = chapter_settings::current(h.store.conn())?.themes;
            Ok(themes::question(h.locale(), on))
        })
    }
}

/// The five recovery themes (CHIME) with their names and one-line explanations.
#[uniffi::export]
pub fn recovery_themes(locale: Locale) -> Vec<RecoveryTheme> {
    themes::recovery_themes(locale)
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

/// A declaration text (Markdown) as formatted text, for the apps to render natively:
/// headings, paragraphs, numbered and bulleted items, strong/emphasised/linked spans.
#[uniffi::export]
pub fn formatted_text(markdown: String) -> FormattedText {
    markdown::parse(&markdown).0
}

/// How to say who signed a verified file, in `locale`: "signed by an enrolled device of
/// ORG / CHAPTER (chapter key …)" or "signed by a key no chapter certified".
#[uniffi::export]
pub fn describe_authorship(authorship: Authorship, locale: Locale) -> String {
    certs::describe(&authorship, locale)
}

/// What the apps show with a replaced recovery code (`rotate_recovery_code`): keep it, the
/// old one no longer recovers, older backups still need the old one.
#[uniffi::export]
pub fn recovery_code_replaced_note(locale: Locale) -> String {
    tr(locale, Msg::RecoveryCodeReplaced)
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

/// Parses a contact kind code (`visit`, `conversation-group`, …).
#[uniffi::export]
pub fn parse_contact_kind(code: String) -> Option<ContactKind> {
    code.parse().ok()
}

/// The message of a call on a core the app has closed (after an erase or a restore), for
/// the app's wrapper to raise as the core's error.
#[uniffi::export]
pub fn core_closed_message(locale: Locale) -> String {
    tr(locale, Msg::CoreClosed)
}

/// Version of the core library, for "about" screens and bug reports.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

// ---- "I need to talk" ---------------------------------------------------------------

#[uniffi::export]
impl Peerlog {
    /// Asks the coordinator for a talk (`when`: today or this week) with an optional short
    /// message, sealed for the chapter and this peer; it travels with the next sync.
    /// Refused before enrolment.
    pub fn request_debrief(
        &self,
        when: DebriefWhen,
        message: Option<String>,
    ) -> Result<Debrief, PeerlogError> {
        self.dev.run("request_debrief", |h| {
            let (st, s) = h.parts()?;
            debrief::request(st, s, when, message)
        })
    }

    /// The peer's debrief requests, newest first, each with the coordinator's
    /// followed-up mark once it has synced here.
    pub fn list_debriefs(&self) -> Result<Vec<Debrief>, PeerlogError> {
        self.dev.run("list_debriefs", |h| {
            debrief::list(h.store.conn(), h.session()?)
        })
    }
}

/// The "I need to talk" screen's texts (with the reminder not to name anyone) and the
/// message's limit in characters.
#[uniffi::export]
pub fn debrief_texts(locale: Locale) -> DebriefTexts {
    debrief::texts(locale)
}

// ---- follow-ups ---------------------------------------------------------------------

#[uniffi::export]
impl Peerlog {
    /// Sets (or moves) the private follow-up date (`YYYY-MM-DD`) of a contact: not before
    /// the contact, at most a year ahead. Only the peer's own devices can read it.
    pub fn set_follow_up(&self, contact_id: String, due: String) -> Result<FollowUp, PeerlogError> {
        self.dev.run("set_follow_up", |h| {
            let (st, s) = h.parts()?;
            followups::set(st, s, &contact_id, &due)
        })
    }

    /// Checks a follow-up date for a contact dated `contact_date` before both are saved.
    pub fn validate_follow_up(
        &self,
        due: String,
        contact_date: String,
    ) -> Result<(), PeerlogError> {
        self.dev.run("validate_follow_up", |h| {
            followups::validate(&due, &contact_date, h.locale())
        })
    }

    /// Marks a contact's open follow-up done.
    pub fn follow_up_done(&self, contact_id: String) -> Result<(), PeerlogError> {
        self.dev.run("follow_up_done", |h| {
            let (st, s) = h.parts()?;
            followups::done(st, s, &contact_id)
        })
    }

    /// Open follow-ups, the earliest first, each due (today or before) or upcoming: what
    /// the apps list and schedule notifications for.
    pub fn list_follow_ups(&self) -> Result<Vec<FollowUp>, PeerlogError> {
        self.dev.run("list_follow_ups", |h| {
            followups::list(h.store.conn(), h.session()?)
        })
    }
}

/// The local notification's title and text for a due follow-up: the same for every one,
/// naming no person, reference or kind of contact.
#[uniffi::export]
pub fn follow_up_notification(locale: Locale) -> FollowUpNotification {
    followups::notification(locale)
}

// ---- import -------------------------------------------------------------------------

#[uniffi::export]
impl Peerlog {
    /// Imports contacts from a CSV file's bytes (layout in `docs/import.md`), or with
    /// `dry_run` only checks them. Every bad row is in `errors` with its line; then nothing
    /// is imported. Rows imported from the same file before are skipped.
    pub fn import_contacts(
        &self,
        csv: Vec<u8>,
        dry_run: bool,
    ) -> Result<ImportResult, PeerlogError> {
        self.dev.run("import_contacts", |h| {
            let (st, s) = h.parts()?;
            import::import(st, s, &csv, dry_run)
        })
    }
}
