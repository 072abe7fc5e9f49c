//! `peerlog`: the command-line client for peers (and, with the server, coordinators).
//!
//! A thin client over `peerlog_core::Peerlog` — every rule, check and text comes from the
//! core. Exit codes: 0 success, 2 usage error, 3 refused (validation, missing
//! declaration, failed verification, not found), 1 anything else.

mod args;
mod console;
mod debrief;
mod followups;
mod guidelines;
mod network;
mod output;
mod rollup;
mod secret;

use args::*;
use clap::Parser;
use output::*;
use peerlog_coordinator::Coordinator;
use peerlog_core::{
    AccountRole, ContactInput, ExpenseInput, FileSecretStore, Locale, Peerlog, PeerlogError,
    Receipt, format_amount,
};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// A failure to report: the message and the exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<PeerlogError> for Failure {
    fn from(e: PeerlogError) -> Self {
        Failure {
            code: if e.is_user_error() { 3 } else { 1 },
            message: e.message().to_string(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn refused(message: impl Into<String>) -> Failure {
    Failure {
        code: 3,
        message: message.into(),
    }
}

fn io_failure(what: &str, path: &Path, e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: format!("{what} {}: {e}", path.display()),
    }
}

type CliResult<T = ()> = Result<T, Failure>;

/// The `peerlog` program: parses the process arguments, runs, prints, returns the exit
/// code. The `peerlog` binary is just this; the end-to-end tests run it as their own binary.
pub fn main() -> ExitCode {
    quiet_panics();
    file_size_limit_is_an_error();
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(f)) => {
            eprintln!("peerlog: {}", f.message.replace('\n', " "));
            ExitCode::from(f.code)
        }
        // `peerlog … | head -1`: the reader is gone, which is no failure of ours.
        Err(p) if is_broken_pipe(p.as_ref()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

/// Under a file-size limit (`ulimit -f`) the kernel kills a process that writes past it with
/// SIGXFSZ unless the signal is ignored; ignored, the write fails with `EFBIG`, SQLite
/// rolls the transaction back and the user reads why instead of the program vanishing.
#[cfg(unix)]
#[allow(unsafe_code)]
fn file_size_limit_is_an_error() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code; it runs
    // first in `main`, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn file_size_limit_is_an_error() {}

/// Whether a panic is `println!` finding standard output closed (a pipe whose reader
/// stopped reading).
fn is_broken_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    text.starts_with("failed printing to std") && text.contains("Broken pipe")
}

/// A panic never reaches the user as a panic message or a stack trace: a closed pipe ends
/// the program quietly, anything else is one line that says it is a bug.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        if is_broken_pipe(info.payload()) {
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "peerlog: internal error{at}; please report this bug"
        );
    }));
}

fn home_dir(cli_home: Option<PathBuf>) -> CliResult<PathBuf> {
    if let Some(h) = cli_home {
        return Ok(h);
    }
    match std::env::var_os("HOME") {
        Some(h) => Ok(PathBuf::from(h).join(".peerlog")),
        None => Err(usage("no --home given and $HOME is not set")),
    }
}

fn secrets(home: &Path) -> CliResult<Arc<FileSecretStore>> {
    FileSecretStore::open(&home.join("secrets"))
        .map(Arc::new)
        .map_err(|e| Failure {
            code: 1,
            message: e.to_string(),
        })
}

/// The home the command line names. It is opened on first use, so the commands that need
/// no device (verifying a file) neither need a home nor create one.
struct Place {
    home: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
    app: std::cell::OnceCell<Arc<Peerlog>>,
}

/// Who a home belongs to.
enum Owner {
    Peer(Arc<Peerlog>),
    Coordinator(Arc<Coordinator>),
}

impl Place {
    fn dir(&self) -> CliResult<PathBuf> {
        home_dir(self.home.clone())
    }

    fn ca(&self) -> CliResult<Option<String>> {
        self.ca_cert
            .as_ref()
            .map(|ca| std::fs::read_to_string(ca).map_err(|e| io_failure("cannot read", ca, e)))
            .transpose()
    }

    /// The peer's device.
    fn app(&self) -> CliResult<Arc<Peerlog>> {
        if let Some(app) = self.app.get() {
            return Ok(app.clone());
        }
        let dir = self.dir()?;
        let app = Peerlog::open_dir(&dir, secrets(&dir)?, None)?;
        if let Some(pem) = self.ca()? {
            app.set_extra_root_certificate(pem)?;
        }
        Ok(self.app.get_or_init(|| app).clone())
    }

    /// The coordinator's machine.
    fn coordinator(&self) -> CliResult<Arc<Coordinator>> {
        self.coordinator_in(peerlog_core::Locale::default())
    }

    /// The coordinator's machine, with its messages in `locale`.
    fn coordinator_in(&self, locale: peerlog_core::Locale) -> CliResult<Arc<Coordinator>> {
        let dir = self.dir()?;
        let coord = Coordinator::open_in_language(&dir, secrets(&dir)?, None, locale)?;
        if let Some(pem) = self.ca()? {
            coord.set_extra_root_certificate(pem)?;
        }
        Ok(coord)
    }

    /// The peer's device, or the coordinator's machine if the home is enrolled as one.
    fn owner(&self) -> CliResult<Owner> {
        let app = self.app()?;
        let coordinators = app
            .sync_status()?
            .enrolment
            .is_some_and(|e| e.role == AccountRole::Coordinator);
        Ok(if coordinators {
            Owner::Coordinator(self.coordinator()?)
        } else {
            Owner::Peer(app)
        })
    }
}

fn run(cli: Cli) -> CliResult {
    let place = Place {
        home: cli.home,
        ca_cert: cli.ca_cert,
        app: std::cell::OnceCell::new(),
    };
    match cli.command {
        Command::Init {
            name,
            rules,
            locale,
            json,
        } => {
            let r = place.app()?.init(name, rules, locale.0)?;
            if json {
                print_json(&serde_json::json!({
                    "peer_id": r.peer_id,
                    "device_id": r.device_id,
                    "recovery_code": r.recovery_code,
                }));
            } else {
                println!("Device set up (device {}).", r.device_id);
                println!();
                println!(
                    "Your recovery code — write it down and keep it safe. It is shown only once:"
                );
                println!();
                println!("    {}", r.recovery_code);
                println!();
                println!(
                    "Next: read and sign the confidentiality declaration (peerlog declaration show)."
                );
            }
        }
        Command::Declaration { cmd } => declaration(&place, cmd)?,
        Command::Contact { cmd } => contact(&*place.app()?, cmd)?,
        Command::Summary {
            year,
            from,
            to,
            json,
        } => {
            let app = place.app()?;
            let s = match (year, from, to) {
                (Some(y), None, None) => app.year_summary(y)?,
                (None, Some(f), Some(t)) => app.summary(f, t)?,
                _ => return Err(usage("give either --year or both --from and --to")),
            };
            if json {
                print_json(&s);
            } else {
                print_summary(&s);
            }
        }
        Command::Report { cmd } => match cmd {
            ReportCmd::Sign {
                year,
                out,
                format,
                json,
            } => {
                let f = place.app()?.sign_year_report(year)?;
                let bytes = match format {
                    SignedReportFormat::Json => f.contents.as_bytes(),
                    SignedReportFormat::Html => f.html.as_bytes(),
                };
                write_file(&out, bytes)?;
                if json {
                    print_json(&f.verification);
                } else {
                    let v = &f.verification;
                    println!(
                        "Signed report {}..{}: {} activity-days (outreach {}, group {}, course {}); {} not counted.",
                        v.from,
                        v.to,
                        v.activity_days,
                        v.by_category.outreach,
                        v.by_category.group,
                        v.by_category.course,
                        v.not_counted_total
                    );
                    println!("Written to {}", out.display());
                }
            }
            ReportCmd::Verify { file, json } => report_verify(&file, json)?,
        },
        Command::Expense { cmd } => expense(&*place.app()?, cmd)?,
        Command::Export { out } => {
            place
                .app()?
                .export_backup(out.to_string_lossy().into_owned())?;
            println!(
                "Encrypted backup written to {}. Restoring it needs your recovery code.",
                out.display()
            );
        }
        Command::Settings { cmd } => settings(&*place.app()?, cmd)?,
        Command::Restore { from, code } => {
            let code = recovery_code(code)?;
            let home = place.dir()?;
            let app = Peerlog::restore(
                home.to_string_lossy().into_owned(),
                secrets(&home)?,
                from.to_string_lossy().into_owned(),
                // The core zeroises its copy; ours is zeroised on drop.
                String::clone(&code),
                None,
            )?;
            let n = app.list_contacts(None, None)?.len();
            let p = app.profile()?;
            println!("restored: {n} contacts; new device {}", p.device_id);
        }
        Command::Recover { server, code, json } => {
            let code = recovery_code(code)?;
            network::recover(&*place.app()?, server, code, json)?;
        }
        Command::Devices { json } => {
            let list = place.app()?.my_devices()?;
            if json {
                output::print_json(&list);
            } else {
                for d in &list {
                    println!(
                        "{}  {}{}{}",
                        d.device_id,
                        d.added_at,
                        if d.this_device { "  (this device)" } else { "" },
                        if d.revoked { "  REVOKED" } else { "" }
                    );
                }
            }
        }
        Command::RevokeDevice { device_id } => {
            network::revoke_my_device(&*place.app()?, device_id)?;
        }
        Command::RotateRecoveryCode { json } => {
            network::rotate_recovery_code(&*place.app()?, json)?;
        }
        Command::Enrol {
            invitation,
            name,
            json,
        } => network::enrol(&*place.app()?, invitation, name, json)?,
        Command::Sync { json } => match place.owner()? {
            Owner::Peer(app) => network::sync(&app, json)?,
            Owner::Coordinator(c) => network::coordinator_sync(&c, json)?,
        },
        Command::Status { json } => match place.owner()? {
            Owner::Peer(app) => network::status(&app, json)?,
            Owner::Coordinator(c) => network::coordinator_status(&c, json)?,
        },
        Command::Coordinator {
            cmd:
                CoordinatorCmd::Console {
                    listen,
                    no_open,
                    lang,
                },
        } => {
            let locale = lang.map(|l| l.0).unwrap_or_else(console::locale_from_env);
            peerlog_console::check_listen(listen).map_err(|e| usage(e.to_string()))?;
            let coord = place.coordinator_in(locale)?;
            if coord.status()?.enrolment.is_none() {
                return Err(refused(
                    "this home is not a coordinator's machine yet: enrol it first with `peerlog coordinator enrol`",
                ));
            }
            console::run(coord, listen, !no_open, locale)?;
        }
        Command::Coordinator {
            cmd: CoordinatorCmd::Debriefs { json },
        } => debrief::coordinator_list(&*place.coordinator()?, json)?,
        Command::Coordinator {
            cmd: CoordinatorCmd::Debrief { cmd },
        } => debrief::coordinator_cmd(&*place.coordinator()?, cmd)?,
        Command::Coordinator { cmd } => {
            network::coordinator(&*place.coordinator()?, &place.dir()?, cmd)?;
        }
        Command::Followups { json } => followups::list(&*place.app()?, json)?,
        Command::Followup { cmd } => followups::cmd(&*place.app()?, cmd)?,
        Command::Debrief { cmd } => debrief::peer(&*place.app()?, cmd)?,
        Command::Wipe { yes } => {
            if !yes {
                return Err(usage(
                    "wipe erases all Peerlog data and keys here; confirm with --yes",
                ));
            }
            match place.owner()? {
                Owner::Peer(app) => {
                    app.wipe()?;
                    println!("All Peerlog data and keys on this device were erased.");
                }
                Owner::Coordinator(c) => {
                    c.wipe()?;
                    println!(
                        "All Peerlog data and keys on this machine were erased, the chapter keys too."
                    );
                }
            }
        }
        Command::Training { json } => guidelines::training(&*place.app()?, json)?,
    }
    Ok(())
}

/// The recovery code from the argument, standard input, a file or the environment.
fn recovery_code(code: RecoveryCodeArgs) -> CliResult<zeroize::Zeroizing<String>> {
    secret::read(secret::Sources {
        what: "recovery code",
        arg: code.recovery_code,
        file: code.recovery_code_file.as_deref(),
        env: "PEERLOG_RECOVERY_CODE",
        how: "--recovery-code-file PATH, --recovery-code - (standard input), \
              PEERLOG_RECOVERY_CODE or --recovery-code CODE",
    })
}

fn settings(app: &Peerlog, cmd: SettingsCmd) -> CliResult {
    match cmd {
        SettingsCmd::Locale { locale } => app.set_locale(locale.0)?,
        SettingsCmd::MileageRate { rate, currency } => {
            let locale = app.profile()?.locale;
            let minor = peerlog_core::parse_amount(rate, currency.clone(), locale)?;
            app.set_mileage_rate(minor, currency)?;
        }
        SettingsCmd::Show { json } => {
            let p = app.profile()?;
            let d = app.declaration_status()?;
            if json {
                print_json(&serde_json::json!({
                    "peer_id": p.peer_id, "device_id": p.device_id, "name": p.name,
                    "rule_set": p.rule_set, "locale": p.locale.as_str(),
                    "mileage_rate_minor_per_km": p.mileage_rate_minor_per_km,
                    "currency": p.currency, "declaration_signed": d.signed,
                    "pending_sync": app.pending_count()?,
                }));
            } else {
                println!("peer       {}", p.peer_id);
                println!("device     {}", p.device_id);
                println!("name       {}", p.name);
                println!("rules      {}", p.rule_set);
                println!("language   {}", p.locale.as_str());
                println!(
                    "mileage    {}/km",
                    format_amount(p.mileage_rate_minor_per_km, p.currency, p.locale)
                );
                println!(
                    "declaration {}",
                    if d.signed { "signed" } else { "NOT signed" }
                );
            }
        }
    }
    Ok(())
}

fn report_verify(file: &Path, json: bool) -> CliResult {
    let bytes = std::fs::read(file).map_err(|e| io_failure("cannot read", file, e))?;
    let v = peerlog_core::verify_report_file(bytes)?;
    if json {
        print_json(&v);
    } else {
        println!(
            "valid: report {}..{} by {} ({}), signed {} by device {}",
            v.from, v.to, v.peer_name, v.peer_id, v.signed_at, v.device_id
        );
        println!(
            "{}",
            peerlog_core::describe_authorship(v.authorship.clone(), Locale::En)
        );
        println!(
            "{} activity-days: outreach {}, group {}, course {}; {} not counted; declaration {}",
            v.activity_days,
            v.by_category.outreach,
            v.by_category.group,
            v.by_category.course,
            v.not_counted_total,
            if v.declaration_signed {
                "signed"
            } else {
                "not signed"
            }
        );
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> CliResult {
    std::fs::write(path, bytes).map_err(|e| io_failure("cannot write", path, e))
}

fn declaration(place: &Place, cmd: DeclarationCmd) -> CliResult {
    match cmd {
        DeclarationCmd::Show { json } => {
            let app = place.app()?;
            let d = app.current_declaration()?;
            let st = app.declaration_status()?;
            if json {
                print_json(&serde_json::json!({
                    "declaration_id": d.declaration_id, "version": d.version,
                    "locale": d.locale.as_str(), "title": d.title, "text": d.text,
                    "text_sha256": d.text_sha256, "signed": st.signed,
                }));
            } else {
                println!("{}", d.text.trim_end());
                println!();
                println!(
                    "— {} v{} ({}) · {}",
                    d.declaration_id,
                    d.version,
                    d.locale.as_str(),
                    if st.signed {
                        "signed".to_string()
                    } else {
                        "not signed yet: peerlog declaration sign --name \"Full Name\" --accept"
                            .to_string()
                    }
                );
            }
        }
        DeclarationCmd::Sign { name, accept, json } => {
            let info = place.app()?.sign_declaration(name, accept, None)?;
            if json {
                print_json(&info);
            } else {
                println!(
                    "Signed declaration {} v{} as {} at {}.",
                    info.declaration_id, info.version, info.signer_name, info.signed_at
                );
            }
        }
        DeclarationCmd::Export { out } => {
            let html = place.app()?.export_signed_declaration()?;
            write_file(&out, html.as_bytes())?;
            println!("Signed copy written to {}", out.display());
        }
        DeclarationCmd::Verify { file } => {
            let html =
                std::fs::read_to_string(&file).map_err(|e| io_failure("cannot read", &file, e))?;
            let info = peerlog_core::verify_declaration_html(html)?;
            println!(
                "valid: signed by {} on {} (declaration {} v{}, device {})",
                info.signer_name, info.signed_at, info.declaration_id, info.version, info.device_id
            );
            println!(
                "{}",
                peerlog_core::describe_authorship(info.authorship, Locale::En)
            );
        }
    }
    Ok(())
}

fn contact_input(base: ContactInput, o: &ContactOpts) -> CliResult<ContactInput> {
    let mut i = base;
    if let Some(d) = &o.date {
        i.date = d.clone();
    }
    if let Some(k) = &o.kind {
        i.kind = peerlog_core::parse_contact_kind(k.clone()).ok_or_else(|| {
            refused(format!(
                "kind: unknown kind {k:?}; one of: {}",
                peerlog_core::contact_kinds(peerlog_core::Locale::En)
                    .iter()
                    .map(|k| k.code.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    }
    if let Some(m) = o.minutes {
        i.minutes = m;
    }
    if let Some(p) = o.participants {
        i.participants = p;
    }
    if o.abroad {
        i.abroad = true;
    }
    if o.in_norway {
        i.abroad = false;
    }
    if let Some(p) = &o.place {
        i.place = Some(p.0);
    }
    if let Some(w) = &o.who {
        i.who = w.0;
    }
    if o.not_first {
        i.is_new = false;
    }
    if o.not_led {
        i.led_by_peer = false;
    }
    if let Some(t) = &o.start {
        i.start_time = Some(t.clone());
    }
    if let Some(m) = &o.municipality {
        i.municipality = Some(m.clone());
    }
    if !o.topic.is_empty() {
        i.topics = o.topic.clone();
    }
    if let Some(km) = o.km {
        i.travel_km = Some(km);
    }
    if let Some(r) = &o.r#ref {
        i.private_ref = Some(r.clone());
    }
    if let Some(n) = &o.note {
        i.private_note = Some(n.clone());
    }
    if let Some(n) = &o.shared_note {
        i.shared_note = Some(n.clone());
    }
    if let Some(t) = &o.themes {
        i.themes = t
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
    }
    Ok(i)
}

fn contact(app: &Peerlog, cmd: ContactCmd) -> CliResult {
    match cmd {
        ContactCmd::Add { opts, json } => {
            let (Some(date), Some(kind), Some(minutes)) = (&opts.date, &opts.kind, opts.minutes)
            else {
                return Err(usage("contact add needs --date, --kind and --minutes"));
            };
            let kind = peerlog_core::parse_contact_kind(kind.clone())
                .unwrap_or(peerlog_core::ContactKind::Other);
            let base = ContactInput::new(date, kind, minutes);
            let input = contact_input(base, &opts)?;
            let due = opts.follow_up.clone();
            if let Some(due) = &due {
                // Checked first, so a bad date leaves nothing half-saved.
                app.validate_follow_up(due.clone(), date.clone())?;
            }
            let c = app.add_contact(input)?;
            if let Some(due) = due {
                app.set_follow_up(c.id.clone(), due)?;
            }
            print_saved(&c, json);
        }
        ContactCmd::Edit { id, opts, json } => {
            let old = app.get_contact(id.clone())?;
            let input = contact_input(old.to_input(), &opts)?;
            let due = opts.follow_up.clone();
            if let Some(due) = &due {
                app.validate_follow_up(due.clone(), input.date.clone())?;
            }
            let c = app.edit_contact(id, input)?;
            if let Some(due) = due {
                app.set_follow_up(c.id.clone(), due)?;
            }
            print_saved(&c, json);
        }
        ContactCmd::Import {
            file,
            dry_run,
            json,
        } => followups::import(app, &file, dry_run, json)?,
        ContactCmd::Delete { id } => {
            app.delete_contact(id.clone())?;
            println!("Deleted {id}.");
        }
        ContactCmd::Show { id, private, json } => {
            let c = app.get_contact(id)?;
            if json {
                print_json(&contact_json(&c, private));
            } else {
                print_contact_detail(&c, private);
            }
        }
        ContactCmd::List {
            from,
            to,
            private,
            json,
        } => {
            let list = app.list_contacts(from, to)?;
            if json {
                let arr: Vec<_> = list.iter().map(|c| contact_json(c, private)).collect();
                print_json(&arr);
            } else {
                print_contact_table(&list, private);
            }
        }
        ContactCmd::History { id, private, json } => {
            let versions = app.contact_history(id)?;
            if json {
                let arr: Vec<_> = versions
                    .iter()
                    .map(|v| {
                        serde_json::json!({
                            "version": v.version, "deleted": v.deleted,
                            "author_device": v.author_device,
                            "contact": v.contact.as_ref().map(|c| contact_json(c, private)),
                        })
                    })
                    .collect();
                print_json(&arr);
            } else {
                for v in &versions {
                    match &v.contact {
                        Some(c) => println!(
                            "v{}  {}  {}  {} min  {}",
                            v.version,
                            c.date,
                            c.kind.as_str(),
                            c.minutes,
                            c.evaluation.reason
                        ),
                        None => println!("v{}  deleted", v.version),
                    }
                }
            }
        }
        ContactCmd::Repeat { json } => match app.repeat_last_contact()? {
            Some(input) => {
                let c = app.add_contact(input)?;
                print_saved(&c, json);
            }
            None => return Err(refused("no earlier contact to repeat")),
        },
    }
    Ok(())
}

fn expense(app: &Peerlog, cmd: ExpenseCmd) -> CliResult {
    match cmd {
        ExpenseCmd::Add {
            date,
            kind,
            km,
            amount,
            description,
            contact,
            receipt,
            json,
        } => {
            let kind = kind.0;
            let locale = app.profile()?.locale;
            let amount_minor = amount
                .map(|text| peerlog_core::parse_amount(text, app.profile()?.currency, locale))
                .transpose()?;
            let receipt = receipt
                .map(|p| -> CliResult<Receipt> {
                    let data = std::fs::read(&p).map_err(|e| io_failure("cannot read", &p, e))?;
                    Ok(Receipt {
                        mime_type: mime_of(&p),
                        data,
                    })
                })
                .transpose()?;
            let e = app.add_expense(ExpenseInput {
                date,
                kind,
                km,
                amount_minor,
                description,
                contact_ids: contact,
                receipt,
            })?;
            if json {
                print_json(&e);
            } else {
                println!(
                    "{}  {} {} (draft)",
                    e.id,
                    e.kind.as_str(),
                    format_amount(e.amount_minor, e.currency, locale)
                );
            }
        }
        ExpenseCmd::List { json } => {
            let list = app.list_expenses()?;
            if json {
                print_json(&list);
            } else {
                let locale = app.profile()?.locale;
                for e in list {
                    println!(
                        "{}  {}  {:<7} {:>14}  {}{}",
                        e.id,
                        e.date,
                        e.kind.as_str(),
                        format_amount(e.amount_minor, e.currency, locale),
                        e.status.as_str(),
                        if e.has_receipt { "  (receipt)" } else { "" }
                    );
                }
            }
        }
        ExpenseCmd::Submit { id } => {
            let e = app.submit_expense(id)?;
            let locale = app.profile()?.locale;
            println!(
                "Submitted {} ({}).",
                e.id,
                format_amount(e.amount_minor, e.currency, locale)
            );
        }
        ExpenseCmd::Delete { id } => {
            app.delete_expense(id.clone())?;
            println!("Deleted {id}.");
        }
    }
    Ok(())
}

fn mime_of(p: &Path) -> String {
    match p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("heic") => "image/heic",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
    .to_string()
}
