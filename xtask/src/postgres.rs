//! PostgreSQL for the server's storage tests (`server/tests/postgres.rs`), plain std.
//!
//! [`ensure_postgres`] makes a local PostgreSQL ready and returns the URL to put in
//! `PEERLOG_TEST_POSTGRES`. On Debian 12 as root it installs `postgresql` with apt-get if
//! `pg_ctlcluster` is missing, starts the default cluster, waits until it accepts
//! connections and creates the login role `peerlog_test` (password `peerlog_test`,
//! CREATEDB). Every step checks first, so running it again changes nothing.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The role the tests log in as; it creates (and drops) one database per test.
pub const ROLE: &str = "peerlog_test";
const PASSWORD: &str = "peerlog_test";
const CLUSTER: &str = "main";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Makes PostgreSQL ready for the tests and returns the `PEERLOG_TEST_POSTGRES` URL.
///
/// If `PEERLOG_TEST_POSTGRES` is already set (a database the developer runs), it is
/// returned unchanged and nothing is installed or started.
pub fn ensure_postgres() -> Result<String, String> {
    if let Ok(url) = std::env::var("PEERLOG_TEST_POSTGRES")
        && !url.trim().is_empty()
    {
        return Ok(url);
    }
    if !is_root()? {
        return Err(format!(
            "starting PostgreSQL needs root (apt-get, pg_ctlcluster, runuser). Run as root, or \
             start PostgreSQL yourself, create the role ({}) and set \
             PEERLOG_TEST_POSTGRES=postgres://{ROLE}:{PASSWORD}@127.0.0.1:5432/postgres \
             (or PEERLOG_SKIP_POSTGRES=1 to skip those tests)",
            create_role_sql()
        ));
    }
    if !on_path("pg_ctlcluster") {
        install()?;
    }
    let version = cluster_version()?;
    start_cluster(&version)?;
    let port = cluster_port(&version);
    wait_ready(&port)?;
    ensure_role(&port)?;
    Ok(format!(
        "postgres://{ROLE}:{PASSWORD}@127.0.0.1:{port}/postgres"
    ))
}

fn is_root() -> Result<bool, String> {
    let out = run_output(Command::new("id").arg("-u"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        || Path::new("/usr/bin").join(program).is_file()
}

fn install() -> Result<(), String> {
    eprintln!("xtask: installing postgresql with apt-get");
    run_checked(Command::new("apt-get").arg("update"))?;
    run_checked(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    if !on_path("pg_ctlcluster") {
        return Err("apt-get installed postgresql but pg_ctlcluster is still missing".into());
    }
    Ok(())
}

/// The newest installed cluster version, from `/etc/postgresql/<version>/main`.
fn cluster_version() -> Result<String, String> {
    let entries = fs::read_dir("/etc/postgresql").map_err(|e| {
        format!(
            "no PostgreSQL cluster configuration in /etc/postgresql ({e}); is postgresql installed?"
        )
    })?;
    let mut versions: Vec<(u32, String)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join(CLUSTER).is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let major = name.split('.').next()?.parse::<u32>().ok()?;
            Some((major, name))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, name)| name)
        .ok_or_else(|| "no PostgreSQL cluster `main` under /etc/postgresql/*/".to_string())
}

/// The cluster's port from its `postgresql.conf` (5432 if not set).
fn cluster_port(version: &str) -> String {
    let conf = format!("/etc/postgresql/{version}/{CLUSTER}/postgresql.conf");
    fs::read_to_string(conf)
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                let line = line.split('#').next()?.trim();
                let value = line.strip_prefix("port")?.trim_start().strip_prefix('=')?;
                let value = value.trim();
                value.parse::<u16>().ok().map(|p| p.to_string())
            })
        })
        .unwrap_or_else(|| "5432".to_string())
}

fn start_cluster(version: &str) -> Result<(), String> {
    // `status` exits 0 when the cluster runs, 3 when it is down.
    let status = Command::new("pg_ctlcluster")
        .args([version, CLUSTER, "status"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run pg_ctlcluster: {e}"))?;
    if status.success() {
        return Ok(());
    }
    eprintln!("xtask: starting PostgreSQL {version}/{CLUSTER}");
    run_checked(Command::new("pg_ctlcluster").args([version, CLUSTER, "start"]))
}

fn wait_ready(port: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let ready = Command::new("pg_isready")
            .args(["-q", "-h", "127.0.0.1", "-p", port])
            .status()
            .map_err(|e| format!("cannot run pg_isready: {e}"))?
            .success();
        if ready {
            return Ok(());
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(format!(
                "PostgreSQL on 127.0.0.1:{port} did not accept connections within {}s \
                 (see /var/log/postgresql/)",
                READY_TIMEOUT.as_secs()
            ));
        }
        sleep(Duration::from_millis(250));
    }
}

fn create_role_sql() -> String {
    format!("CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' CREATEDB")
}

/// Creates the role if missing; makes sure an existing one can log in and create databases.
fn ensure_role(port: &str) -> Result<(), String> {
    let exists = psql(
        port,
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'"),
    )?;
    let sql = if exists.trim() == "1" {
        format!("ALTER ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' CREATEDB")
    } else {
        eprintln!("xtask: creating PostgreSQL role {ROLE}");
        create_role_sql()
    };
    psql(port, &sql).map(drop)
}

/// Runs one SQL command as the `postgres` superuser over the local socket.
fn psql(port: &str, sql: &str) -> Result<String, String> {
    let out = run_output(
        Command::new("runuser")
            .args(["-u", "postgres", "--", "psql", "-X", "-q", "-tA"])
            .args([
                "-p",
                port,
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .current_dir("/"),
    )?;
    if !out.status.success() {
        return Err(format!(
            "psql failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

fn run_output(cmd: &mut Command) -> Result<Output, String> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))
}

fn run_checked(cmd: &mut Command) -> Result<(), String> {
    let out = run_output(cmd)?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{}` failed ({}): {}",
        describe(cmd),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sql_is_the_documented_one() {
        assert_eq!(
            create_role_sql(),
            "CREATE ROLE peerlog_test LOGIN PASSWORD 'peerlog_test' CREATEDB"
        );
    }
}
