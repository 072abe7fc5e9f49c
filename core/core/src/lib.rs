//! The Peerlog core: every rule, every byte of crypto and all storage of the peer's app.
//!
//! The one entry point for the apps is [`Peerlog`] (exported to Kotlin and Swift with
//! uniffi and used by the `peerlog` CLI), in `ffi`. It is a thin list of operations over
//! the domain modules below; nothing imports from it. The coordinator's tools are not
//! here (the phone library carries none of them): they are the `peerlog-coordinator`
//! crate, which builds on the public Rust modules marked below. See
//! `docs/ARCHITECTURE.md` for the map.
#![allow(unsafe_code)] // uniffi scaffolding

// Foundations.
pub mod clock;
pub mod error;
mod i18n;
mod keys;
mod platform;
mod profile;
mod session;
pub mod store;
pub mod util;
// Documents and records.
pub mod certs;
pub mod chapter_settings;
pub mod declaration;
pub mod enrolment;
pub mod markdown;
pub mod model;
mod money;
pub mod report;
// The peer's domain.
mod backup;
mod contacts;
mod declarations;
mod expenses;
// "I need to talk" (public: the coordinator reads the requests and writes the marks).
pub mod debrief;
// Private follow-up dates on contacts.
mod followups;
pub mod heads;
// Importing last year's log from CSV.
mod forms;
mod home;
mod import;
pub mod index;
mod reports;
mod summary;
pub mod training;
// Recovery themes (CHIME): the vocabulary, and the yearly counts the chapter reads.
pub mod theme_counts;
pub mod themes;
mod vocabulary;
// The server connection (shared with the coordinator's crate) and the peer's sync.
mod device;
pub mod net;
mod sync;
// The app surface.
mod ffi;
#[cfg(test)]
mod testing;

#[cfg(feature = "fuzzing")]
pub use backup::fuzz_check_file;
pub use certs::Authorship;
pub use chapter_settings::ChapterSettings;
pub use contacts::{ContactMonth, short_device_id};
pub use debrief::{Debrief, DebriefTexts, DebriefWhen};
pub use declaration::{DeclarationSignatureInfo, DeclarationText, DrawnSignature, StrokePoint};
pub use declarations::DeclarationStatus;
pub use enrolment::{AccountRole, EnrolmentInfo};
pub use error::{CoreError, FieldError, PeerlogError, SecretStoreError};
pub use ffi::*;
pub use followups::{FollowUp, FollowUpNotification, FollowUpStatus};
pub use forms::{
    ContactForm, ContactFormEntry, ExpenseActions, ExpenseForm, ExpenseFormEntry, app_locale,
    contact_form, contact_form_entry, expense_actions, expense_form, expense_to_input,
    new_contact_input, new_expense_input,
};
pub use home::store_is_empty;
pub use i18n::{Invalid, MarkdownFeature, Msg};
pub use import::{ImportResult, ImportRowError, MAX_IMPORT_BYTES};
pub use keys::SECRET_DEVICE_KEY;
pub use markdown::{FormattedText, TextBlock, TextSpan};
pub use model::{
    Contact, ContactEvaluation, ContactInput, ContactVersion, Expense, ExpenseInput, ExpenseKind,
    ExpenseStatus, Receipt, VersionChange, limits,
};
pub use money::{format_amount, parse_amount};
pub use net::{
    SyncErrorInfo, SyncPhase, SyncProgress, SyncReport, SyncSchedule, SyncStatus, sync_schedule,
};
pub use peerlog_rules::{Category, ContactKind, Locale, Place, Who};
pub use platform::{FileSecretStore, LogLevel, LogSink, Logger, SecretProtection, SecretStore};
pub use profile::ProfileInfo;
pub use report::{CategoryTotals, ReportVerification};
pub use reports::SignedReportFile;
pub use store::DB_FILE;
pub use summary::{
    CategoryLine, KindLine, KindTotal, MonthLine, MonthTotals, PeriodSummary, ReasonTotal,
    ReportDisplay, SummaryWarning, report_display,
};
pub use sync::{EnrolResult, MyDevice};
pub use themes::{RecoveryTheme, ThemesQuestion};
pub use training::{TrainingEntry, TrainingStatus};
pub use vocabulary::{
    CategoryInfo, ContactKindInfo, ExpenseKindInfo, ExpenseStatusInfo, PlaceInfo, Vocabulary,
    WhoInfo, contact_kinds, vocabulary,
};

uniffi::setup_scaffolding!();
