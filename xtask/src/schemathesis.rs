//! The API against its own description: schemathesis (PyPI, pinned, in a venv under the
//! target dir) against `/v1/openapi.json` of the real `peerlog-server` binary on 127.0.0.1
//! with an SQLite database in a fresh folder, authenticated as a peer and as the
//! coordinator (enrolled by `tests/examples/api_actors.rs`). Fails on any 5xx and on any
//! response the document does not describe. Checks and their settings:
//! `xtask/schemathesis/schemathesis.toml`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::ctx::{Ctx, json_string_field};
use crate::util::{Error, Result, bail, output, run, succeeds};

/// The schemathesis version `setup` installs.
pub const VERSION: &str = "4.32.5";

/// What `cargo xtask test` runs (step `schemathesis`): a few examples per operation.
pub const TEST_MAX_EXAMPLES: u32 = 15;

/// Every check but `positive_data_acceptance` (see schemathesis.toml) and
/// `object_level_authorization` (the authorisation matrix of the HTTP suite covers that).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection,\
missing_required_header,unsupported_method,allow_header_conformance,use_after_free,\
ensure_resource_availability,ignored_auth";

fn venv(ctx: &Ctx) -> PathBuf {
    ctx.target.join("schemathesis-venv")
}

fn st(ctx: &Ctx) -> PathBuf {
    venv(ctx).join("bin/schemathesis")
}

/// Whether `python3 -m venv` works (Debian splits it into `python3-venv`).
pub fn python_venv_present() -> bool {
    succeeds(Command::new("python3").args(["-c", "import ensurepip, venv"]))
}

/// Creates the venv and installs the pinned schemathesis, unless it is there already.
pub fn ensure(ctx: &Ctx) -> Result<()> {
    let stamp = venv(ctx).join(format!(".schemathesis-{VERSION}"));
    if stamp.is_file() && st(ctx).is_file() {
        println!(
            "schemathesis {VERSION}: {} (already there)",
            venv(ctx).display()
        );
        return Ok(());
    }
    run(Command::new("python3")
        .stdin(Stdio::null())
        .args(["-m", "venv"])
        .arg(venv(ctx)))?;
    run(Command::new(venv(ctx).join("bin/pip"))
        .stdin(Stdio::null())
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={VERSION}")))?;
    std::fs::write(&stamp, VERSION).map_err(|e| Error::msg(format!("{}: {e}", stamp.display())))?;
    println!(
        "schemathesis {VERSION}: installed in {}",
        venv(ctx).display()
    );
    Ok(())
}

/// Ends the server however the run ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds the server and the enrolment helper, starts the server, enrols a coordinator and
/// a peer, and runs schemathesis as each with at most `max_examples` per operation.
pub fn run_against_server(ctx: &Ctx, max_examples: u32, stateful: bool) -> Result<()> {
    ensure(ctx)?;
    run(ctx.cargo().args([
        "build",
        "-p",
        "peerlog-server",
        "--bin",
        "peerlog-server",
        "-p",
        "peerlog-tests",
        "--example",
        "api_actors",
    ]))?;
    let dir = ctx.target.join("schemathesis");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::msg(format!("{}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::msg(format!("{}: {e}", dir.display())))?;
    let server_bin = ctx.debug_dir().join("peerlog-server");
    let database = format!("sqlite://{}", dir.join("peerlog.db").display());
    let created = output(
        Command::new(&server_bin)
            .env_remove("PEERLOG_DATABASE")
            .args(["--database", &database, "admin", "chapter", "create"])
            .args(["--org", "Schemathesis", "--chapter", "Oslo", "--json"]),
    )?;
    let Some(enrolment) = json_string_field(&created, "coordinator_token") else {
        bail!("`admin chapter create --json` printed no coordinator_token: {created}");
    };
    let (server, url) = start_server(&server_bin, &database, &dir)?;
    let actors = output(
        Command::new(ctx.debug_dir().join("examples/api_actors"))
            .arg(&url)
            .arg(&enrolment),
    )?;
    let config = ctx.root.join("xtask/schemathesis/schemathesis.toml");
    let phases = if stateful {
        "examples,coverage,fuzzing,stateful"
    } else {
        "examples,coverage,fuzzing"
    };
    for who in ["peer", "coordinator"] {
        let Some(token) = json_string_field(&actors, &format!("{who}_token")) else {
            bail!("api_actors printed no {who}_token: {actors}");
        };
        println!("schemathesis as the {who}:");
        let report = dir.join(format!("{who}.junit.xml"));
        let result = run(Command::new(st(ctx))
            // Its cache (`.schemathesis/`) goes with the run, not into the repository.
            .current_dir(&dir)
            .stdin(Stdio::null())
            .env("NO_COLOR", "1")
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{url}/v1/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", CHECKS, "--phases", phases])
            .args(["--max-examples", &max_examples.to_string()])
            .args(["--workers", "1", "--seed", "1", "--no-color"])
            .args(["--report", "junit", "--report-junit-path"])
            .arg(&report));
        if let Err(e) = result {
            bail!(
                "{e}\nthe server's log: {}; the report: {}",
                dir.join("server.log").display(),
                report.display()
            );
        }
    }
    drop(server);
    Ok(())
}

/// `peerlog-server serve` on 127.0.0.1 (a free port) without rate limits; returns it and
/// its URL from the line it prints.
fn start_server(bin: &Path, database: &str, dir: &Path) -> Result<(Server, String)> {
    let log = std::fs::File::create(dir.join("server.log"))
        .map_err(|e| Error::msg(format!("server.log: {e}")))?;
    let mut child = Command::new(bin)
        .env_remove("PEERLOG_DATABASE")
        .args(["--database", database, "--log-level", "warn", "serve"])
        .args(["--listen", "127.0.0.1:0"])
        .args(["--rate-limit-enrol", "0", "--rate-limit-login", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| Error::msg(format!("could not start {}: {e}", bin.display())))?;
    let stdout = child.stdout.take();
    let server = Server(child);
    let mut line = String::new();
    if let Some(out) = stdout {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    match line.trim().strip_prefix("peerlog-server listening on ") {
        Some(url) if url.starts_with("http://127.0.0.1:") => Ok((server, url.to_owned())),
        _ => bail!(
            "peerlog-server did not say where it listens (got {line:?}); see {}",
            dir.join("server.log").display()
        ),
    }
}
