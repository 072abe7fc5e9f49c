//! Command-line arguments. The forms used by the acceptance checks are stable.

use clap::{Args, Parser, Subcommand};
use peerlog_core::{ExpenseKind, Locale, Place, Who};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "peerlog",
    version,
    about = "Peerlog: log peer-support contacts offline, encrypted on this device",
    after_help = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 refused (invalid input, declaration not signed, verification failed, not found)."
)]
pub struct Cli {
    /// Data directory of this device (default: $HOME/.peerlog).
    #[arg(long, global = true, env = "PEERLOG_HOME")]
    pub home: Option<PathBuf>,
    /// Also trust this CA certificate (PEM) for the server, for a self-hosted server whose
    /// certificate is not from a public CA.
    #[arg(long, global = true, env = "PEERLOG_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set this device up for a peer working offline; prints the recovery code once.
    Init {
        #[arg(long)]
        name: String,
        /// Reporting rule set of the organisation.
        #[arg(long, default_value = "no-bufdir-2020")]
        rules: String,
        #[arg(long, default_value = "nb")]
        locale: LocaleArg,
        #[arg(long)]
        json: bool,
    },
    /// The confidentiality declaration.
    Declaration {
        #[command(subcommand)]
        cmd: DeclarationCmd,
    },
    /// Log, list, edit and delete contacts.
    Contact {
        #[command(subcommand)]
        cmd: ContactCmd,
    },
    /// What counts for the yearly report.
    Summary {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        year: Option<i32>,
        #[arg(long, requires = "to")]
        from: Option<String>,
        #[arg(long, requires = "from")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Sign and verify period reports.
    Report {
        #[command(subcommand)]
        cmd: ReportCmd,
    },
    /// Travel and other expenses.
    Expense {
        #[command(subcommand)]
        cmd: ExpenseCmd,
    },
    /// Write an encrypted backup of everything.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup onto this (empty) device with the recovery code.
    Restore {
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        code: RecoveryCodeArgs,
    },
    /// Language, mileage rate.
    Settings {
        #[command(subcommand)]
        cmd: SettingsCmd,
    },
    /// Enrol this device with the organisation's server using a coordinator's invitation.
    /// On a fresh home, --name sets the device up and the recovery code is printed once.
    Enrol {
        #[arg(allow_hyphen_values = true)]
        invitation: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Send unsynced records to the server and fetch new ones.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Device, chapter, declaration state, last sync, unsynced records.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Set up a new device from the server with the recovery code (then revoke the old one).
    Recover {
        #[arg(long)]
        server: String,
        #[command(flatten)]
        code: RecoveryCodeArgs,
        #[arg(long)]
        json: bool,
    },
    /// Your devices as this one knows them (this one first).
    Devices {
        #[arg(long)]
        json: bool,
    },
    /// Revoke another of your devices (a lost phone): it erases its data at its next
    /// contact, and your other devices stop trusting what it writes.
    RevokeDevice {
        /// A device id from `devices` (base64url: it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        device_id: String,
    },
    /// Replace the recovery code on the server (after a lost phone, or if someone else may
    /// have seen it): the old code stops working. Prints the new code once: write it down.
    RotateRecoveryCode {
        #[arg(long)]
        json: bool,
    },
    /// The coordinator's tools: enrol, invite peers, publish the declaration, sync the
    /// chapter, peers and devices, expenses, the yearly report.
    Coordinator {
        #[command(subcommand)]
        cmd: CoordinatorCmd,
    },
    /// Erase all Peerlog data and keys on this device.
    Wipe {
        #[arg(long)]
        yes: bool,
    },
    /// Your peer course records (issued by your chapter) and when your certificate ends.
    Training {
        #[arg(long)]
        json: bool,
    },
    /// Your open follow-ups: due (today or before) and upcoming.
    Followups {
        #[arg(long)]
        json: bool,
    },
    /// Mark a contact's follow-up done.
    Followup {
        #[command(subcommand)]
        cmd: crate::followups::FollowupCmd,
    },
    /// "I need to talk": ask your coordinator for a talk, without saying who it is about.
    Debrief {
        #[command(subcommand)]
        cmd: crate::debrief::DebriefCmd,
    },
}

/// The recovery code: `--recovery-code CODE`, `--recovery-code -` (standard input),
/// `--recovery-code-file PATH`, or else the environment variable `PEERLOG_RECOVERY_CODE`.
#[derive(Debug, Args)]
pub struct RecoveryCodeArgs {
    /// The recovery code, or `-` to read it from standard input. Given here it is visible
    /// in the process list and kept in shell history: prefer `-`, --recovery-code-file,
    /// or the environment variable PEERLOG_RECOVERY_CODE (used when neither option is
    /// given).
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub recovery_code: Option<String>,
    /// Read the recovery code from this file (one trailing newline is ignored).
    #[arg(long, value_name = "PATH", conflicts_with = "recovery_code")]
    pub recovery_code_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DeclarationCmd {
    /// Show the current declaration and whether it is signed.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Sign the current declaration with your full name.
    Sign {
        #[arg(long)]
        name: String,
        /// Explicitly accept the declaration.
        #[arg(long)]
        accept: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a human-readable signed copy (HTML).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a signed copy.
    Verify { file: PathBuf },
}

/// Contact fields; on `edit`, only the given ones change.
#[derive(Debug, Args)]
pub struct ContactOpts {
    /// YYYY-MM-DD
    #[arg(long)]
    pub date: Option<String>,
    /// visit, meeting, phone, video, message, conversation-group, self-help-group,
    /// activity-group, course, other
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub minutes: Option<u32>,
    /// People taking part, not counting you.
    #[arg(long)]
    pub participants: Option<u32>,
    /// The contact took place abroad.
    #[arg(long)]
    pub abroad: bool,
    /// The contact took place in Norway (undoes --abroad on edit).
    #[arg(long, conflicts_with = "abroad")]
    pub in_norway: bool,
    /// Where you visited: home, hospital, institution, other.
    #[arg(long)]
    pub place: Option<PlaceArg>,
    /// target-group, relative, both.
    #[arg(long)]
    pub who: Option<WhoArg>,
    /// Not a first contact: you have met this person before.
    #[arg(long)]
    pub not_first: bool,
    /// Your private date to follow this contact up (only you can see it; see `followups`).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub follow_up: Option<String>,
    /// For groups: you did not lead the group.
    #[arg(long)]
    pub not_led: bool,
    /// Start time, HH:MM.
    #[arg(long)]
    pub start: Option<String>,
    #[arg(long)]
    pub municipality: Option<String>,
    /// A topic tag (repeat for several).
    #[arg(long)]
    pub topic: Vec<String>,
    /// Travel distance in km.
    #[arg(long)]
    pub km: Option<u32>,
    /// Private reference (initials, nickname): only you can read it.
    #[arg(long = "ref")]
    pub r#ref: Option<String>,
    /// Private note: only you can read it.
    #[arg(long)]
    pub note: Option<String>,
    /// Note shared with your coordinator.
    #[arg(long)]
    pub shared_note: Option<String>,
    /// Recovery themes the conversation touched, comma-separated: connectedness, hope,
    /// identity, meaning, empowerment (only you see them; your chapter sees counts). Only
    /// when your chapter switched the question on. An empty value clears them on edit.
    #[arg(long, value_name = "THEME,…")]
    pub themes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Log a contact.
    Add {
        #[command(flatten)]
        opts: ContactOpts,
        #[arg(long)]
        json: bool,
    },
    /// List contacts (private texts only with --private).
    List {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// Include private references and notes.
        #[arg(long)]
        private: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show one contact.
    Show {
        id: String,
        #[arg(long)]
        private: bool,
        #[arg(long)]
        json: bool,
    },
    /// Change a contact: the given fields are replaced.
    Edit {
        id: String,
        #[command(flatten)]
        opts: ContactOpts,
        #[arg(long)]
        json: bool,
    },
    /// Delete a contact (its history is kept).
    Delete { id: String },
    /// Every version of a contact.
    History {
        id: String,
        #[arg(long)]
        private: bool,
        #[arg(long)]
        json: bool,
    },
    /// Log the same as last time, dated today.
    Repeat {
        #[arg(long)]
        json: bool,
    },
    /// Import contacts from a CSV file (layout: docs/import.md). Every bad row is listed;
    /// nothing is imported unless all are valid. Rows imported before are skipped.
    Import {
        file: PathBuf,
        /// Only check the file.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Sign your report for a year and write it to a file: JSON (for systems) or a
    /// printable HTML copy (A4, in your language); both verify with `report verify`.
    Sign {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: SignedReportFormat,
        #[arg(long)]
        json: bool,
    },
    /// Verify a signed report file, JSON or HTML (needs no device).
    Verify {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExpenseCmd {
    /// Record an expense (as a draft).
    Add {
        #[arg(long)]
        date: String,
        /// travel, ticket, phone, other
        #[arg(long)]
        kind: ExpenseKindArg,
        /// For travel: km driven.
        #[arg(long)]
        km: Option<u32>,
        /// For other kinds: the amount, e.g. 149.50
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// A contact the expense belongs to (repeat for several).
        #[arg(long)]
        contact: Vec<String>,
        /// A receipt image or PDF.
        #[arg(long)]
        receipt: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List expenses.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Submit a draft to the coordinator.
    Submit { id: String },
    /// Delete a draft.
    Delete { id: String },
}

#[derive(Debug, Subcommand)]
pub enum CoordinatorCmd {
    /// Enrol this machine as the chapter's coordinator with the admin's one-time token;
    /// the chapter keys are made here and never leave it.
    Enrol {
        /// The one-time token (base64url: it may start with `-`), or `-` to read it from
        /// standard input. Given here it is visible in the process list and kept in shell
        /// history: prefer `-`, --token-file, or the environment variable
        /// PEERLOG_COORDINATOR_TOKEN (used when neither is given).
        #[arg(allow_hyphen_values = true, value_name = "TOKEN")]
        token: Option<String>,
        /// Read the token from this file (one trailing newline is ignored).
        #[arg(long, value_name = "PATH", conflicts_with = "token")]
        token_file: Option<PathBuf>,
        #[arg(long)]
        server: String,
        #[arg(long)]
        json: bool,
    },
    /// Make a one-time invitation for a peer (one string; fits a QR code).
    Invite {
        #[arg(long, default_value_t = 7)]
        expires_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// The chapter's declaration.
    Declaration {
        #[command(subcommand)]
        cmd: CoordinatorDeclarationCmd,
    },
    /// Fetch the chapter's new records.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Peers: who signed which declaration version, their devices, last sync.
    Peers {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device: it is refused from now on and wipes itself.
    Revoke {
        /// A device id (base64url: it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        device_id: String,
    },
    /// Lock a peer's account after a lost phone: every device of it is revoked and nobody
    /// can recover the account or add a device to it until `unlock`.
    Lock {
        /// The peer's account id (see `coordinator peers`).
        #[arg(long)]
        account: String,
    },
    /// Lift the lock: the peer can recover the account with the recovery code again.
    Unlock {
        #[arg(long)]
        account: String,
    },
    /// Expenses submitted by peers.
    Expenses {
        #[arg(long)]
        json: bool,
    },
    /// Approve or reject an expense.
    Expense {
        #[command(subcommand)]
        cmd: CoordinatorExpenseCmd,
    },
    /// The chapter's yearly report.
    Report {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        format: ReportFormat,
        #[arg(long)]
        out: PathBuf,
        /// Language of the spreadsheet's headings and sheet names (nb, da, en); the CSV
        /// and JSON keep machine names.
        #[arg(long)]
        locale: Option<LocaleArg>,
    },
    /// The coordinator's console: these tools in your web browser, served on this
    /// machine only. Prints the address to open (it signs you in once); Ctrl-C stops it.
    Console {
        /// Where to listen: a loopback address only (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// Do not open the web browser.
        #[arg(long)]
        no_open: bool,
        /// Language of the console: nb, da, en (default: from LANG).
        #[arg(long)]
        lang: Option<LocaleArg>,
    },
    /// Peers' requests for a talk ("I need to talk"), open ones first.
    Debriefs {
        #[arg(long)]
        json: bool,
    },
    /// Mark a peer's request for a talk as followed up.
    Debrief {
        #[command(subcommand)]
        cmd: crate::debrief::CoordinatorDebriefCmd,
    },
    /// Peers' completed courses (certification).
    Training {
        #[command(subcommand)]
        cmd: CoordinatorTrainingCmd,
    },
    /// The chapter's settings: the recovery-themes question, flagging contacts by peers
    /// without a valid certificate. Without options, shows them.
    Settings {
        /// The optional recovery-themes (CHIME) question after each contact.
        #[arg(long)]
        themes: Option<OnOff>,
        /// Contacts by peers without a valid certificate: counted and flagged (on) or
        /// counted (off) in the chapter report.
        #[arg(long)]
        flag_uncertified: Option<OnOff>,
        #[arg(long)]
        json: bool,
    },
    /// Submit the chapter's year to the organisation (the national roll-up): the counts of
    /// `coordinator report` as of the last sync, signed with the chapter key; no names.
    /// Submitting the year again replaces it.
    Submit {
        #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: i32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoordinatorTrainingCmd {
    /// Record that a peer completed a course; the peer sees it after both of you sync.
    Add {
        /// The peer's account id (see `coordinator peers`).
        #[arg(long)]
        peer: String,
        #[arg(long)]
        course: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// YYYY-MM-DD: the last day the certificate is valid (none: no expiry).
        #[arg(long)]
        valid_until: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The chapter's training records.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// A switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum CoordinatorDeclarationCmd {
    /// Publish a new version of the declaration text (Markdown) to the chapter; peers must
    /// sign it before they can log again.
    Publish {
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        locale: LocaleArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoordinatorExpenseCmd {
    Approve {
        id: String,
    },
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

/// Formats of the peer's signed report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignedReportFormat {
    Json,
    Html,
}

/// Formats of the chapter report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Csv,
    Xlsx,
    Json,
}

impl From<ReportFormat> for peerlog_coordinator::files::ReportFormat {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Csv => Self::Csv,
            ReportFormat::Xlsx => Self::Xlsx,
            ReportFormat::Json => Self::Json,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SettingsCmd {
    /// Show this device's settings.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Language of texts: nb, da, en.
    Locale { locale: LocaleArg },
    /// The organisation's mileage rate, e.g. `3.50 NOK`.
    MileageRate { rate: String, currency: String },
}

macro_rules! parsed_arg {
    ($name:ident, $ty:ty, $what:literal, $values:literal) => {
        #[derive(Debug, Clone)]
        pub struct $name(pub $ty);
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                s.parse::<$ty>()
                    .map($name)
                    .map_err(|_| format!("unknown {} {s:?}; one of: {}", $what, $values))
            }
        }
    };
}

parsed_arg!(LocaleArg, Locale, "language", "nb, da, en");
parsed_arg!(
    PlaceArg,
    Place,
    "place",
    "home, hospital, institution, other"
);
parsed_arg!(WhoArg, Who, "person", "target-group, relative, both");
parsed_arg!(
    ExpenseKindArg,
    ExpenseKind,
    "expense kind",
    "travel, ticket, phone, other"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens and device ids are base64url and may start with `-`; they must not be read
    /// as options.
    #[test]
    fn base64url_values_starting_with_a_hyphen_are_values() {
        let cli = Cli::try_parse_from([
            "peerlog",
            "coordinator",
            "enrol",
            "-Bh0fcUcZ",
            "--server",
            "http://x",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Coordinator { cmd: CoordinatorCmd::Enrol { ref token, .. } } if token.as_deref() == Some("-Bh0fcUcZ")
        ));
        let cli = Cli::try_parse_from(["peerlog", "coordinator", "revoke", "-abc_DEF"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Coordinator { cmd: CoordinatorCmd::Revoke { ref device_id } } if device_id == "-abc_DEF"
        ));
        assert!(Cli::try_parse_from(["peerlog", "enrol", "-peerlog1:x"]).is_ok());
    }
}
