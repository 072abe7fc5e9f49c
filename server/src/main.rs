//! `peerlog-server`: serve the API (the default), or administer the database (chapters,
//! backups, the organisation's report over its chapters' roll-ups).
//!
//! Exit codes: 0 ok, 2 usage, 1 any other error (one line on stderr).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use peerlog_server::{RateLimits, ServeConfig, ServerError, TlsFiles};

#[derive(Debug, Parser)]
#[command(
    name = "peerlog-server",
    version,
    about = "The Peerlog organisation server: stores only ciphertext and routing metadata."
)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(
        long,
        global = true,
        env = "PEERLOG_DATABASE",
        default_value = "sqlite://./peerlog-data/peerlog.db"
    )]
    database: String,
    /// Log format on stderr.
    #[arg(long, global = true, env = "PEERLOG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Log level or filter (error, warn, info, debug, or a tracing filter).
    #[arg(long, global = true, env = "PEERLOG_LOG_LEVEL", default_value = "info")]
    log_level: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default when no subcommand is given).
    Serve(ServeArgs),
    /// Administer the database.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PEERLOG_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// PEM certificate chain: serve HTTPS (rustls) instead of plain HTTP.
    #[arg(long, env = "PEERLOG_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "PEERLOG_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Take the client IP from X-Forwarded-For (only behind a reverse proxy that sets it).
    #[arg(long, env = "PEERLOG_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Enrolment and recovery attempts per minute per client IP (0 = no limit).
    #[arg(long, env = "PEERLOG_RATE_LIMIT_ENROL", default_value_t = RateLimits::default().enrol_per_minute)]
    rate_limit_enrol: u32,
    /// Login attempts per minute per client IP (0 = no limit).
    #[arg(long, env = "PEERLOG_RATE_LIMIT_LOGIN", default_value_t = RateLimits::default().login_per_minute)]
    rate_limit_login: u32,
    /// Seconds to let in-flight requests finish on shutdown.
    #[arg(long, env = "PEERLOG_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    shutdown_timeout: u64,
    /// Longest seconds for a request's head (request line and headers); a client that
    /// trickles or stalls is disconnected.
    #[arg(long, env = "PEERLOG_HEADER_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Most connections open at once; more wait until one ends.
    #[arg(long, env = "PEERLOG_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Longest seconds for one request, body upload included.
    #[arg(long, env = "PEERLOG_REQUEST_TIMEOUT", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
}

/// Only the serve arguments, to read their defaults and environment variables when no
/// subcommand is given.
#[derive(Debug, Parser)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Chapters.
    #[command(subcommand)]
    Chapter(ChapterCmd),
    /// Online backup of a SQLite database to a new file.
    Backup {
        /// The backup file (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCmd),
}

#[derive(Debug, Subcommand)]
enum OrgCmd {
    /// The organisation's year over all its chapters (the national roll-up): each
    /// chapter's submitted figures with its signature checked, and who has not submitted.
    Report {
        /// Organisation name.
        #[arg(long)]
        org: String,
        /// Calendar year.
        #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: i32,
        #[arg(long, value_enum)]
        format: OrgFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OrgFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Subcommand)]
enum ChapterCmd {
    /// Create a chapter and print its one-time coordinator enrolment token.
    Create {
        /// Organisation name (created if new).
        #[arg(long)]
        org: String,
        /// Chapter name (unique in its organisation).
        #[arg(long)]
        chapter: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=i64::from(peerlog_server::MAX_COORDINATOR_TOKEN_DAYS)))]
        expires_days: u32,
        /// Print JSON: {"chapter_id", "coordinator_token", "expires_at"}.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    quiet_panics();
    match std::panic::catch_unwind(main_inner) {
        Ok(code) => code,
        // `peerlog-server admin … | head -1`: the reader is gone, which is no failure of ours.
        Err(p) if is_broken_pipe(p.as_ref()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

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

/// A panic never reaches the operator as a stack trace, nor its message (a handler's panic
/// message could quote request data): a closed pipe ends the program quietly, anything
/// else is one line with the place in the code.
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
            "peerlog-server: internal error{at}; please report this bug"
        );
    }));
}

fn main_inner() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let command = match cli.command {
        Some(c) => c,
        None => match ServeOnly::try_parse_from(["peerlog-server"]) {
            Ok(s) => Command::Serve(s.args),
            Err(e) => e.exit(),
        },
    };
    if let Err(e) = init_logging(cli.log_format, &cli.log_level) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli.database, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn init_logging(format: LogFormat, level: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .map_err(|e| format!("invalid --log-level {level:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_target(false);
    match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    }
    .map_err(|e| format!("cannot set up logging: {e}"))
}

async fn run(database: &str, command: Command) -> Result<(), ServerError> {
    match command {
        Command::Serve(args) => serve(database, args).await,
        Command::Admin(Admin::Chapter(ChapterCmd::Create {
            org,
            chapter,
            expires_days,
            json,
        })) => {
            let created =
                peerlog_server::create_chapter(database, &org, &chapter, expires_days).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "chapter_id": created.chapter_id,
                        "coordinator_token": created.coordinator_token,
                        "expires_at": created.expires_at,
                    })
                );
            } else {
                let expires = chrono::DateTime::from_timestamp(created.expires_at, 0).map_or_else(
                    || created.expires_at.to_string(),
                    |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                );
                println!(
                    "Created chapter {chapter:?} in organisation {org:?} (chapter id {}).",
                    created.chapter_id
                );
                println!("One-time coordinator enrolment token (expires {expires}):");
                println!();
                println!("    {}", created.coordinator_token);
                println!();
                println!("On the coordinator's own machine, run:");
                println!(
                    "    peerlog --home DIR coordinator enrol {} --server URL",
                    created.coordinator_token
                );
                println!("where URL is this server's address as the coordinator reaches it.");
            }
            Ok(())
        }
        Command::Admin(Admin::Backup { out }) => {
            peerlog_server::backup(database, &out).await?;
            println!("Backup written to {}", out.display());
            Ok(())
        }
        Command::Admin(Admin::Org(OrgCmd::Report {
            org,
            year,
            format,
            out,
        })) => org_report(database, &org, year, format, &out).await,
    }
}

async fn org_report(
    database: &str,
    org: &str,
    year: i32,
    format: OrgFormat,
    out: &std::path::Path,
) -> Result<(), ServerError> {
    use peerlog_server::rollup::{self, OrgReportFormat};
    let report = rollup::org_report(database, org, year).await?;
    let format = match format {
        OrgFormat::Json => OrgReportFormat::Json,
        OrgFormat::Csv => OrgReportFormat::Csv,
        OrgFormat::Xlsx => OrgReportFormat::Xlsx,
    };
    let bytes = rollup::render(&report, format)?;
    std::fs::write(out, bytes)
        .map_err(|e| ServerError::InvalidInput(format!("cannot write {}: {e}", out.display())))?;
    let unverified = report.chapters.iter().filter(|c| !c.verified).count();
    println!(
        "{org} {year}: {} activity-days from {} verified chapter submissions; {unverified} not verified; {} chapters have not submitted{}. Written to {}",
        report.total_activity_days,
        report.chapters.len() - unverified,
        report.missing.len(),
        if report.missing.is_empty() {
            String::new()
        } else {
            format!(" ({})", report.missing.join(", "))
        },
        out.display()
    );
    Ok(())
}

async fn serve(database: &str, args: ServeArgs) -> Result<(), ServerError> {
    let mut config = ServeConfig::new(database, args.listen);
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    config.trust_forwarded_for = args.trust_forwarded_for;
    config.rate_limits = RateLimits {
        enrol_per_minute: args.rate_limit_enrol,
        login_per_minute: args.rate_limit_login,
    };
    config.shutdown_timeout = std::time::Duration::from_secs(args.shutdown_timeout);
    config.request_timeout = std::time::Duration::from_secs(args.request_timeout);
    config.header_read_timeout = std::time::Duration::from_secs(args.header_timeout);
    config.max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let server = peerlog_server::spawn(config).await?;
    // Tests and scripts read this line to find the port. A closed standard output (nobody
    // reads it) is no reason to stop serving.
    let _ = writeln!(
        std::io::stdout(),
        "peerlog-server listening on {}",
        server.url()
    );
    wait_for_signal().await;
    tracing::info!("signal received; finishing in-flight requests");
    server.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
