//! The commands that talk to the organisation's server: enrol, sync, status, recover, and
//! the coordinator's tools. The core does the work (and all decryption); this module runs
//! its async calls on a small runtime, shows progress on a terminal and prints results.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use peerlog_coordinator::{ChapterPeer, Coordinator, KeyProof};
use peerlog_core::{
    AccountRole, EnrolmentInfo, Peerlog, PeerlogError, SyncPhase, SyncProgress, SyncReport,
    SyncStatus,
};

use crate::args::{CoordinatorCmd, CoordinatorDeclarationCmd, CoordinatorExpenseCmd};
use crate::output::print_json;
use crate::{CliResult, Failure, io_failure};
use peerlog_core::format_amount;

/// Runs one async core call to completion on a current-thread runtime.
pub fn block_on<F: std::future::Future>(f: F) -> CliResult<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: 1,
            message: format!("cannot start the async runtime: {e}"),
        })?;
    Ok(rt.block_on(f))
}

/// Progress of a sync on standard error, redrawn in place; silent unless stderr is a
/// terminal (scripts and tests get clean output).
#[derive(Debug)]
struct TerminalProgress {
    last: Mutex<String>,
}

impl TerminalProgress {
    fn new_if_terminal() -> Option<Arc<dyn SyncProgress>> {
        std::io::stderr().is_terminal().then(|| {
            Arc::new(TerminalProgress {
                last: Mutex::new(String::new()),
            }) as Arc<dyn SyncProgress>
        })
    }
}

impl SyncProgress for TerminalProgress {
    fn on_progress(&self, phase: SyncPhase, done: u64, total: Option<u64>) {
        let what = match phase {
            SyncPhase::Login => "signing in",
            SyncPhase::Push => "sending",
            SyncPhase::Pull => "fetching",
            SyncPhase::Apply => "applying",
        };
        let line = match total {
            Some(t) => format!("{what} {done}/{t}"),
            None if done > 0 => format!("{what} {done}"),
            None => what.to_string(),
        };
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if *last != line {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            *last = line;
        }
    }
}

impl Drop for TerminalProgress {
    fn drop(&mut self) {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// `value` as a JSON object with one more field (left out when `None`).
fn with_field<T: serde::Serialize, V: Into<serde_json::Value>>(
    value: &T,
    name: &str,
    extra: Option<V>,
) -> serde_json::Value {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra) {
        obj.insert(name.into(), extra.into());
    }
    v
}

fn print_enrolment(e: &EnrolmentInfo) {
    println!(
        "Enrolled as {} of {} / {} on {}",
        e.role.as_str(),
        e.organisation,
        e.chapter,
        e.server
    );
    println!("device   {}", e.device_id);
    println!("account  {}", e.account_id);
    println!("chapter key fingerprint {}", e.chapter_fingerprint);
}

fn print_recovery_code(code: &str) {
    println!();
    println!("Your recovery code — write it down and keep it safe. It is shown only once:");
    println!();
    println!("    {code}");
    println!();
}

/// Progress on the terminal, unless the output is JSON.
fn progress_unless(json: bool) -> Option<Arc<dyn SyncProgress>> {
    if json {
        None
    } else {
        TerminalProgress::new_if_terminal()
    }
}

fn print_sync(report: &SyncReport, json: bool) {
    if json {
        print_json(&report);
    } else {
        println!(
            "Synced: {} sent, {} received{}.",
            report.pushed,
            report.pulled,
            if report.rejected > 0 {
                format!(
                    ", {} refused by the server (see `peerlog status`)",
                    report.rejected
                )
            } else {
                String::new()
            }
        );
        if report.declaration_changed {
            println!(
                "A new confidentiality declaration was published: read and sign it (peerlog declaration show)."
            );
        }
    }
}

fn print_status(s: &SyncStatus) {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
    println!("device       {}", or_dash(&s.device_id));
    match &s.enrolment {
        Some(e) => {
            println!(
                "chapter      {} / {} ({})",
                e.organisation,
                e.chapter,
                e.role.as_str()
            );
            println!("server       {}", e.server);
        }
        None => println!("chapter      not enrolled (offline only)"),
    }
    println!(
        "declaration  {}",
        if s.declaration_signed {
            "signed"
        } else {
            "NOT signed"
        }
    );
    println!("last sync    {}", or_dash(&s.last_success));
    println!("unsynced     {}", s.pending);
    if s.waiting_records > 0 || s.dropped_records > 0 {
        println!(
            "waiting      {} from devices not known yet; {} dropped (too many waited)",
            s.waiting_records, s.dropped_records
        );
    }
    if let Some(e) = &s.last_error {
        println!("last error   {} ({})", e.message, e.code);
    }
    if let Some(r) = &s.retry_after {
        println!("next retry   {r}");
    }
}

/// `peerlog enrol INVITATION [--name NAME]`.
pub fn enrol(app: &Peerlog, invitation: String, name: Option<String>, json: bool) -> CliResult {
    let r = block_on(app.enrol(invitation, name))??;
    if json {
        print_json(&with_field(
            &r.info,
            "recovery_code",
            r.recovery_code.clone(),
        ));
    } else {
        print_enrolment(&r.info);
        if let Some(code) = &r.recovery_code {
            print_recovery_code(code);
        }
        println!(
            "Next: sign the declaration if asked (peerlog declaration show), then `peerlog sync`."
        );
    }
    Ok(())
}

/// `peerlog sync`.
pub fn sync(app: &Peerlog, json: bool) -> CliResult {
    let report = block_on(app.sync(progress_unless(json)))??;
    print_sync(&report, json);
    Ok(())
}

fn show_status(s: Result<SyncStatus, PeerlogError>, json: bool) -> CliResult {
    let s = s?;
    if json {
        print_json(&s);
    } else {
        print_status(&s);
    }
    Ok(())
}

/// `peerlog status`.
pub fn status(app: &Peerlog, json: bool) -> CliResult {
    show_status(app.sync_status(), json)
}

/// `sync` on a coordinator's machine.
pub fn coordinator_sync(coord: &Coordinator, json: bool) -> CliResult {
    print_sync(&block_on(coord.sync(progress_unless(json)))??, json);
    Ok(())
}

/// `status` on a coordinator's machine.
pub fn coordinator_status(coord: &Coordinator, json: bool) -> CliResult {
    show_status(coord.status(), json)
}

/// `peerlog --home NEWDIR recover --server URL --recovery-code CODE`.
pub fn recover(app: &Peerlog, server: String, code: Zeroizing<String>, json: bool) -> CliResult {
    // The core zeroises its copy; ours is zeroised on drop.
    block_on(app.recover_from_server(server, String::clone(&code)))??;
    let s = app.sync_status()?;
    let contacts = app.list_contacts(None, None)?.len();
    if json {
        print_json(&with_field(&s, "contacts", Some(contacts)));
    } else {
        println!(
            "Recovered: {contacts} contacts on this new device ({}).",
            s.device_id.unwrap_or_default()
        );
        println!("If the old phone is lost, ask your coordinator to revoke its device.");
    }
    Ok(())
}

/// `peerlog revoke-device ID`.
pub fn revoke_my_device(app: &Peerlog, device_id: String) -> CliResult {
    if block_on(app.revoke_my_device(device_id.clone()))?? {
        println!(
            "Device {device_id} revoked: it erases its data at its next sync. If someone may have seen your recovery code, run `peerlog rotate-recovery-code`."
        );
    } else {
        println!("Device {device_id} was already revoked.");
    }
    Ok(())
}

/// `peerlog rotate-recovery-code`.
pub fn rotate_recovery_code(app: &Peerlog, json: bool) -> CliResult {
    let code = Zeroizing::new(block_on(app.rotate_recovery_code())??);
    if json {
        print_json(&serde_json::json!({ "recovery_code": &*code }));
    } else {
        println!("Your new recovery code (the old one no longer works):");
        println!("  {}", &*code);
        println!(
            "Write it down and keep it safe; backups made before today still need the old code."
        );
    }
    Ok(())
}

fn coordinator_enrol(
    coord: &Coordinator,
    home: &Path,
    token: Zeroizing<String>,
    server: String,
    json: bool,
) -> CliResult {
    let e = block_on(coord.enrol(server, String::clone(&token)))??;
    if json {
        print_json(&e);
    } else {
        print_enrolment(&e);
        println!(
            "The chapter keys were made on this machine and stay here: back up {} safely.",
            home.display()
        );
        println!("Next: `peerlog coordinator invite` for each peer.");
    }
    Ok(())
}

fn peers_json(peers: &[ChapterPeer]) -> serde_json::Value {
    serde_json::Value::Array(
        peers
            .iter()
            .map(|p| {
                serde_json::json!({
                    "account_id": p.account_id,
                    "role": p.role.as_str(),
                    "name": p.name,
                    "declaration_version": p.declaration_version,
                    "declaration_valid": p.declaration_valid,
                    "last_sync": p.last_sync,
                    "locked_at": p.locked_at,
                    "key_proof": p.key_proof.as_str(),
                    "certified": p.certified,
                    "records": p.records,
                    "devices": p.devices.iter().map(|d| serde_json::json!({
                        "id": d.device_id,
                        "created_at": d.created_at,
                        "last_seen": d.last_seen,
                        "revoked_at": d.revoked_at,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn print_peers(peers: &[ChapterPeer]) {
    for p in peers {
        let decl = match (p.declaration_version, p.declaration_valid) {
            _ if p.role == AccountRole::Coordinator => "holds the chapter keys".into(),
            (Some(v), true) => format!("declaration v{v} signed"),
            (Some(v), false) => format!("declaration v{v} — SIGNATURE INVALID"),
            (None, _) => "declaration NOT signed".into(),
        };
        println!(
            "{}  {}  {}  {}  last sync {}{}",
            p.account_id,
            p.role.as_str(),
            p.name.as_deref().unwrap_or("(no name yet)"),
            if p.certified && p.role == AccountRole::Peer {
                format!("{decl}, certified")
            } else {
                decl
            },
            p.last_sync.as_deref().unwrap_or("never"),
            p.locked_at
                .as_deref()
                .map(|at| format!("  LOCKED since {at}"))
                .unwrap_or_default()
        );
        match p.key_proof {
            KeyProof::Proven => {}
            KeyProof::Unproven if p.role == AccountRole::Peer => println!(
                "    keys taken from the server (invited from another machine or an older version)"
            ),
            KeyProof::Unproven => {}
            KeyProof::Disputed => println!(
                "    KEYS DISPUTED: the server lists keys this peer did not prove; nothing is sent to them or counted from them — invite them again"
            ),
        }
        if p.records == peerlog_coordinator::heads::RecordsCheck::Incomplete {
            println!(
                "    RECORDS INCOMPLETE: the server has not given this machine everything this peer's phones wrote (their signed head does not match); their figures may be too low"
            );
        }
        for d in &p.devices {
            println!(
                "    device {}  enrolled {}  last seen {}{}",
                d.device_id,
                d.created_at,
                d.last_seen.as_deref().unwrap_or("never"),
                d.revoked_at
                    .as_deref()
                    .map(|r| format!("  REVOKED {r}"))
                    .unwrap_or_default()
            );
        }
    }
}

/// `peerlog coordinator …`.
pub fn coordinator(app: &Coordinator, home: &Path, cmd: CoordinatorCmd) -> CliResult {
    match cmd {
        CoordinatorCmd::Enrol {
            token,
            token_file,
            server,
            json,
        } => {
            let token = crate::secret::read(crate::secret::Sources {
                what: "token",
                arg: token,
                file: token_file.as_deref(),
                env: "PEERLOG_COORDINATOR_TOKEN",
                how: "--token-file PATH, - (standard input), PEERLOG_COORDINATOR_TOKEN \
                      or the token as an argument",
            })?;
            coordinator_enrol(app, home, token, server, json)
        }
        CoordinatorCmd::Invite { expires_days, json } => {
            let inv = block_on(app.create_invitation(expires_days))??;
            if json {
                print_json(&serde_json::json!({
                    "invitation": inv.invitation,
                    "expires_at": inv.expires_at,
                }));
            } else {
                println!("{}", inv.invitation);
                eprintln!(
                    "One-time invitation, valid until {}. The peer runs: peerlog enrol '<invitation>' --name 'Full Name'",
                    inv.expires_at
                );
            }
            Ok(())
        }
        CoordinatorCmd::Declaration {
            cmd: CoordinatorDeclarationCmd::Publish { file, locale },
        } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| io_failure("cannot read", &file, e))?;
            let version = block_on(app.publish_declaration(text, locale.0))??;
            println!(
                "Published declaration version {version}; peers must sign it before they can log again."
            );
            Ok(())
        }
        CoordinatorCmd::Sync { json } => coordinator_sync(app, json),
        CoordinatorCmd::Peers { json } => {
            let peers = block_on(app.chapter_peers())??;
            if json {
                print_json(&peers_json(&peers));
            } else {
                print_peers(&peers);
            }
            Ok(())
        }
        CoordinatorCmd::Revoke { device_id } => {
            if block_on(app.revoke_device(device_id.clone()))?? {
                println!(
                    "Device {device_id} revoked: it is refused from now on and erases its data at its next sync."
                );
            } else {
                println!("Device {device_id} was already revoked.");
            }
            Ok(())
        }
        CoordinatorCmd::Lock { account } => {
            let revoked = block_on(app.lock_account(account.clone()))??;
            println!(
                "Account {account} locked: nobody can recover it or add a device to it. {revoked} device(s) revoked now; each erases its data at its next sync."
            );
            println!(
                "When the peer has a new phone, unlock the account and let them recover with their recovery code, then replace the code (peerlog rotate-recovery-code)."
            );
            Ok(())
        }
        CoordinatorCmd::Unlock { account } => {
            block_on(app.unlock_account(account.clone()))??;
            println!("Account {account} unlocked: the peer can recover it with the recovery code.");
            Ok(())
        }
        CoordinatorCmd::Expenses { json } => {
            let list = app.chapter_expenses()?;
            if json {
                print_json(&list);
            } else {
                let locale = peerlog_core::Locale::default();
                for e in &list {
                    println!(
                        "{}  {}  {}  {:<7} {:>14}  {:<9} {}",
                        e.id,
                        e.date,
                        e.peer_name.as_deref().unwrap_or(&e.account_id),
                        e.kind,
                        format_amount(e.amount_minor.unsigned_abs(), e.currency.clone(), locale),
                        e.status.as_str(),
                        e.decision_reason
                            .as_deref()
                            .or(e.description.as_deref())
                            .unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        CoordinatorCmd::Expense { cmd } => {
            let (id, approve, reason) = match cmd {
                CoordinatorExpenseCmd::Approve { id } => (id, true, None),
                CoordinatorExpenseCmd::Reject { id, reason } => (id, false, Some(reason)),
            };
            block_on(app.decide_expense(id.clone(), approve, reason))??;
            println!(
                "Expense {id} {}; the peer sees it after both of you sync.",
                if approve { "approved" } else { "rejected" }
            );
            Ok(())
        }
        CoordinatorCmd::Training { cmd } => crate::guidelines::coordinator_training(app, cmd),
        CoordinatorCmd::Settings {
            themes,
            flag_uncertified,
            json,
        } => crate::guidelines::coordinator_settings(app, themes, flag_uncertified, json),
        CoordinatorCmd::Submit { year, json } => crate::rollup::coordinator_submit(app, year, json),
        // Handled before the machine is opened (the console needs its language), or in
        // their own module.
        CoordinatorCmd::Console { .. }
        | CoordinatorCmd::Debriefs { .. }
        | CoordinatorCmd::Debrief { .. } => Err(Failure {
            code: 1,
            message: "internal error: the console is started elsewhere".into(),
        }),
        CoordinatorCmd::Report {
            year,
            format,
            out,
            locale,
        } => {
            let mut report = app.chapter_report(year)?;
            if let Some(l) = locale {
                report.locale = l.0;
            }
            let bytes = app.report_file(&report, format.into())?;
            crate::write_file(&out, &bytes)?;
            println!(
                "Report {year}: {} activity-days (outreach {}, group {}, course {}); active peers with a signed declaration: {}; signed overviews from a device this chapter enrolled: {} of {} peers. Written to {}",
                report.activity_days,
                report.by_category.outreach,
                report.by_category.group,
                report.by_category.course,
                report.active_peers_with_declaration,
                report
                    .peers
                    .iter()
                    .filter(|p| p.report_chapter_verified)
                    .count(),
                report.peers.len(),
                out.display()
            );
            if !report.themes.is_empty() {
                let counts: Vec<String> = report
                    .themes
                    .iter()
                    .map(|(theme, n)| format!("{theme} {n}"))
                    .collect();
                println!(
                    "Recovery themes (contacts that touched each): {}",
                    counts.join(", ")
                );
            }
            Ok(())
        }
    }
}
