//! `peerlog-load`: many simulated devices syncing against the real `peerlog-server` binary,
//! run as child processes on 127.0.0.1 over SQLite and/or PostgreSQL, one or two instances
//! sharing one database. Reports syncs per second, p50/p95/p99 latency, errors, records
//! lost and each server's peak RSS; exits 1 if any request failed or any accepted record is
//! missing. Run through `cargo xtask load`.
//!
//! ```text
//! peerlog-load --server-bin PATH [--seconds N] [--devices N] [--records N]
//!              [--period-ms N] [--backend sqlite|postgres|both] [--instances 1|2]
//!              [--json PATH]
//! ```
//!
//! PostgreSQL: a fresh database is made (and dropped) with the role of
//! `PEERLOG_TEST_POSTGRES`, which must point at a loopback host.

mod api;
mod run;
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use run::{Outcome, Plan};

/// Bounds: the generator never runs longer or bigger than this, whatever it is asked.
const MAX_DEVICES: usize = 10_000;
const MAX_SECONDS: u64 = 3_600;
/// Setup, the final check and shutdown get this much on top of the run itself.
const SLACK: Duration = Duration::from_secs(900);

#[derive(Debug)]
struct Args {
    server_bin: PathBuf,
    seconds: u64,
    devices: usize,
    records: usize,
    period_ms: u64,
    backends: Vec<&'static str>,
    instances: usize,
    json: Option<PathBuf>,
}

const USAGE: &str = "usage: peerlog-load --server-bin PATH [--seconds N] [--devices N] \
[--records N] [--period-ms N] [--backend sqlite|postgres|both] [--instances 1|2] [--json PATH]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        server_bin: PathBuf::new(),
        seconds: 30,
        devices: 1000,
        records: 5,
        // A device logs in (two requests) once per sync; the server's default login limit
        // is 60 requests a minute per client address, so one sync per 2 s stays under it.
        period_ms: 2000,
        backends: vec!["sqlite", "postgres"],
        instances: 1,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        fn num<T: FromStr>(flag: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{flag}: not a number: {v}"))
        }
        match flag.as_str() {
            "--server-bin" => a.server_bin = PathBuf::from(value()?),
            "--seconds" => a.seconds = num(&flag, value()?)?,
            "--devices" => a.devices = num(&flag, value()?)?,
            "--records" => a.records = num(&flag, value()?)?,
            "--period-ms" => a.period_ms = num(&flag, value()?)?,
            "--instances" => a.instances = num(&flag, value()?)?,
            "--json" => a.json = Some(PathBuf::from(value()?)),
            "--backend" => {
                a.backends = match value()?.as_str() {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    other => return Err(format!("--backend: unknown {other}\n{USAGE}")),
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.server_bin.as_os_str().is_empty() {
        return Err(format!("--server-bin is required\n{USAGE}"));
    }
    if !(1..=MAX_DEVICES).contains(&a.devices) {
        return Err(format!("--devices must be 1 to {MAX_DEVICES}"));
    }
    if !(1..=MAX_SECONDS).contains(&a.seconds) {
        return Err(format!("--seconds must be 1 to {MAX_SECONDS}"));
    }
    if !(1..=peerlog_protocol::api::MAX_PUSH_RECORDS).contains(&a.records) {
        return Err("--records must be 1 to the server's push limit".into());
    }
    if !(1..=2).contains(&a.instances) {
        return Err("--instances must be 1 or 2".into());
    }
    Ok(a)
}

/// The admin URL of `PEERLOG_TEST_POSTGRES`, refused unless every host is loopback.
fn postgres_admin() -> Result<String, String> {
    let url = std::env::var("PEERLOG_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .ok_or(
            "PEERLOG_TEST_POSTGRES is not set (cargo xtask load starts PostgreSQL and sets it)",
        )?;
    let config = tokio_postgres::Config::from_str(&url).map_err(|e| e.to_string())?;
    let loopback = config.get_hosts().iter().all(|h| match h {
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        tokio_postgres::config::Host::Unix(_) => true,
    });
    if !loopback || config.get_hosts().is_empty() {
        return Err("load runs only against a loopback PostgreSQL".into());
    }
    Ok(url)
}

async fn admin_client(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("PostgreSQL: {e}"))?;
    tokio::spawn(conn);
    Ok(client)
}

/// A fresh database for one run (dropped by [`drop_database`]).
async fn create_database(admin: &str) -> Result<(String, String), String> {
    let name = format!("peerlog_load_{}", uuid::Uuid::now_v7().simple());
    admin_client(admin)
        .await?
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| format!("CREATE DATABASE: {e}"))?;
    let base = admin.split('?').next().unwrap_or(admin);
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(c) = admin_client(admin).await {
        let _ = c
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

async fn run_backend(args: &Args, backend: &str, dir: &std::path::Path) -> Result<Outcome, String> {
    // SQLite is one process's file: two instances need the shared PostgreSQL.
    let instances = if backend == "sqlite" {
        1
    } else {
        args.instances
    };
    let (database, pg) = if backend == "sqlite" {
        (format!("sqlite://{}", dir.join("load.db").display()), None)
    } else {
        let admin = postgres_admin()?;
        let (url, name) = create_database(&admin).await?;
        (url, Some((admin, name)))
    };
    let result = async {
        let token = server::create_chapter(&args.server_bin, &database)?;
        let mut servers = Vec::new();
        for i in 0..instances {
            servers.push(
                server::ServerProcess::start(
                    &args.server_bin,
                    &database,
                    dir,
                    &format!("{backend}-{i}"),
                )
                .await?,
            );
        }
        let urls = servers.iter().map(|s| s.url.clone()).collect();
        let plan = Plan {
            devices: args.devices,
            seconds: args.seconds,
            records: args.records,
            period: Duration::from_millis(args.period_ms),
        };
        let clients = api::Servers::new(urls)?;
        let outcome = run::run(&plan, &clients, token).await;
        let rss: Vec<u64> = servers
            .iter()
            .map(|s| s.peak_rss_kib().unwrap_or(0))
            .collect();
        let mut logs = String::new();
        for s in servers {
            let tail = s.log_tail();
            if let Err(e) = s.stop() {
                logs.push_str(&format!("\n{e}"));
            } else if !tail.is_empty() {
                logs.push_str(&format!("\nserver log: {tail}"));
            }
        }
        let (mut outcome, _) = outcome?;
        if !logs.is_empty() {
            eprintln!("  {}", logs.trim());
        }
        outcome.backend = backend.to_string();
        outcome.instances = instances;
        outcome.server_peak_rss_kib = rss;
        Ok(outcome)
    }
    .await;
    if let Some((admin, name)) = pg {
        drop_database(&admin, &name).await;
    }
    result
}

fn print(o: &Outcome) {
    let rss = o
        .server_peak_rss_kib
        .iter()
        .map(|k| format!("{:.1}", *k as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(" + ");
    println!(
        "{:<8} {:>2} inst {:>5} devices {:>6.1} s: {:>6} syncs = {:>6.1} syncs/s ({} records accepted), \
latency p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms max {:.1} ms, errors {}, lost {}, server peak RSS {} MiB",
        o.backend,
        o.instances,
        o.devices,
        o.seconds,
        o.syncs,
        o.syncs_per_second,
        o.records_accepted,
        o.p50_ms,
        o.p95_ms,
        o.p99_ms,
        o.max_ms,
        o.errors,
        o.records_lost,
        rss
    );
    for (kind, n) in &o.error_kinds {
        println!("    {n} × {kind}");
    }
    for e in &o.error_examples {
        println!("    e.g. {e}");
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bound = Duration::from_secs(args.seconds) * args.backends.len() as u32 + SLACK;
    let results = rt.block_on(async {
        tokio::time::timeout(bound, async {
            let mut results = Vec::new();
            for backend in &args.backends {
                eprintln!("peerlog-load: {backend}…");
                results.push(run_backend(&args, backend, dir.path()).await);
            }
            results
        })
        .await
        .map_err(|_| format!("the load run did not end within {bound:?}; stopped"))
    });
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    let mut outcomes = Vec::new();
    for r in results {
        match r {
            Ok(o) => {
                print(&o);
                ok &= o.errors == 0 && o.records_lost == 0 && o.syncs > 0;
                outcomes.push(o);
            }
            Err(e) => {
                eprintln!("load run failed: {e}");
                ok = false;
            }
        }
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_vec_pretty(&outcomes).unwrap_or_default();
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("{}: {e}", path.display());
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("peerlog-load: FAILED (errors or records lost above)");
        ExitCode::FAILURE
    }
}
