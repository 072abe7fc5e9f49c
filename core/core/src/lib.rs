//! The Peerlog core: every rule, every byte of crypto and all storage of the peer's app.
//!
//! The one entry point is [`Peerlog`] (exported to Kotlin and Swift with uniffi and used
//! by the `peerlog` CLI). See `docs/ARCHITECTURE.md` for the map.
#![allow(unsafe_code)] // uniffi scaffolding

mod api;
mod backup;
pub mod declaration;
mod error;
mod i18n;
mod model;
mod money;
mod platform;
mod report;
mod session;
mod store;
mod sync;
mod vocabulary;

pub use api::*;
pub use declaration::{DeclarationSignatureInfo, DeclarationText, DrawnSignature, StrokePoint};
pub use error::{FieldError, PeerlogError, SecretStoreError};
pub use model::{
    Contact, ContactEvaluation, ContactInput, ContactVersion, Expense, ExpenseInput, ExpenseKind,
    ExpenseStatus, Receipt, limits,
};
pub use money::{format_amount, parse_amount};
pub use peerlog_rules::{Category, ContactKind, Locale, Place, Who};
pub use platform::{FileSecretStore, LogLevel, LogSink, SecretStore};
pub use report::{CategoryTotals, ReportVerification};
pub use sync::{
    AccountRole, CategoryCounts, ChapterDevice, ChapterExpense, ChapterPeer, ChapterReport,
    CountedContact, EnrolResult, EnrolmentInfo, InvitationInfo, PeerReport, SyncErrorInfo,
    SyncPhase, SyncProgress, SyncReport, SyncStatus,
};
pub use vocabulary::{
    CategoryInfo, ExpenseKindInfo, ExpenseStatusInfo, PlaceInfo, Vocabulary, WhoInfo, vocabulary,
};

uniffi::setup_scaffolding!();

/// Version of the core library, for "about" screens and bug reports.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
