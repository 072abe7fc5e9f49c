//! `cargo xtask demo`: a peer's offline walkthrough with the real `peerlog` CLI, in a fresh
//! home under `target/demo/`. Every step prints the command and its output; a step that is
//! meant to be refused (logging before the declaration is signed, a forged report) must be
//! refused, or the demo fails.

use std::path::Path;
use std::process::Command;

use crate::ctx::{self, Ctx};
use crate::util::{self, Context, Result, bail};

/// Files the demo leaves in `target/demo/` (the `verify-python` step checks them).
pub const SIGNED_REPORT_JSON: &str = "report-2026-enrolled.json";
pub const SIGNED_REPORT_HTML: &str = "report-2026-enrolled.html";
pub const SIGNED_DECLARATION_HTML: &str = "declaration-enrolled.html";
pub const PEER_STATUS_JSON: &str = "peer-status.json";
pub const CHAPTER_REPORT_XLSX: &str = "chapter-2026.xlsx";
pub const CHAPTER_REPORT_JSON: &str = "chapter-2026.json";

/// The demo's folder under the target directory.
pub fn demo_dir(ctx: &Ctx) -> std::path::PathBuf {
    ctx.target.join("demo")
}

/// What a step expects.
enum Expect {
    Ok,
    /// Refused with exit code 3 and a message containing this text.
    Refused(&'static str),
}

pub fn demo(ctx: &Ctx) -> Result<()> {
    util::run(ctx.cargo().args(["build", "--quiet", "-p", "peerlog-cli"]))?;
    let bin = ctx.debug_dir().join("peerlog");
    let dir = demo_dir(ctx);
    util::remove_dir_if_exists(&dir)?;
    util::create_dir_all(&dir)?;
    let home = dir.join("home");
    let report = dir.join("report-2026.json");
    let forged = dir.join("report-2026-forged.json");
    let h = home.to_string_lossy().into_owned();
    let r = report.to_string_lossy().into_owned();

    let peer = |args: &[&str], expect: Expect| step(&bin, Some(&h), args, expect);
    say("A peer sets up a phone (offline) and gets a recovery code to write down.");
    peer(
        &[
            "init",
            "--name",
            "Kari Nordmann",
            "--rules",
            "no-bufdir-2020",
            "--locale",
            "en",
        ],
        Expect::Ok,
    )?;
    say("Logging is refused until the confidentiality declaration is signed.");
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2026-03-02",
            "--kind",
            "visit",
            "--minutes",
            "60",
        ],
        Expect::Refused("declaration"),
    )?;
    peer(
        &["declaration", "sign", "--name", "Kari Nordmann", "--accept"],
        Expect::Ok,
    )?;
    say("Each contact says at once whether it counts for the yearly report, and why.");
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2026-03-02",
            "--kind",
            "visit",
            "--minutes",
            "60",
            "--place",
            "hospital",
            "--ref",
            "KN",
            "--note",
            "private: only I can read this",
        ],
        Expect::Ok,
    )?;
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2026-03-05",
            "--kind",
            "self-help-group",
            "--minutes",
            "90",
            "--participants",
            "2",
        ],
        Expect::Ok,
    )?;
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2026-04-10",
            "--kind",
            "course",
            "--minutes",
            "120",
            "--participants",
            "8",
        ],
        Expect::Ok,
    )?;
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2026-04-12",
            "--kind",
            "phone",
            "--minutes",
            "20",
        ],
        Expect::Ok,
    )?;
    say("Bad input is refused with one message per field, and nothing is written.");
    peer(
        &[
            "contact",
            "add",
            "--date",
            "2999-01-01",
            "--kind",
            "visit",
            "--minutes",
            "0",
        ],
        Expect::Refused("minutes"),
    )?;
    peer(&["contact", "list"], Expect::Ok)?;
    peer(&["summary", "--year", "2026"], Expect::Ok)?;
    say("The peer signs the period report; anyone can verify the file offline.");
    peer(
        &["report", "sign", "--year", "2026", "--out", &r],
        Expect::Ok,
    )?;
    step(&bin, None, &["report", "verify", &r], Expect::Ok)?;
    let text = std::fs::read_to_string(&report).context(|| format!("reading {r}"))?;
    util::write(&forged, &text.replace("2026-04-10", "2026-04-09"))?;
    say("A report changed after signing is caught.");
    step(
        &bin,
        None,
        &["report", "verify", &forged.to_string_lossy()],
        Expect::Refused("changed after it was signed"),
    )?;
    say(&format!(
        "The encrypted store is {}: no note, reference or name is readable in it.",
        home.join("peerlog.db").display()
    ));
    server_walkthrough(ctx, &bin, &dir, &h)
}

/// Part two: the organisation's server on embedded SQLite, a coordinator, and the peer
/// from part one enrolling with her offline history; sync; the chapter's report.
fn server_walkthrough(ctx: &Ctx, bin: &Path, dir: &Path, kari: &str) -> Result<()> {
    util::run(
        ctx.cargo()
            .args(["build", "--quiet", "-p", "peerlog-server"]),
    )?;
    let server_bin = ctx.debug_dir().join("peerlog-server");
    let db = format!(
        "sqlite://{}",
        dir.join("server").join("peerlog.db").display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context(|| "finding a free port".to_string())?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let url = format!("http://{listen}");
    say("The organisation runs one binary; here on embedded SQLite.");
    println!(
        "$ peerlog-server --database {db} admin chapter create --org Kreftforeningen --chapter Bergen --json"
    );
    let created = util::output(Command::new(&server_bin).args([
        "--database",
        &db,
        "admin",
        "chapter",
        "create",
        "--org",
        "Kreftforeningen",
        "--chapter",
        "Bergen",
        "--json",
    ]))?;
    let token = ctx::json_string_field(&created, "coordinator_token")
        .ok_or_else(|| util::Error::msg(format!("no coordinator_token in {created}")))?;
    println!("(a one-time coordinator token)");
    println!("$ peerlog-server --database {db} serve --listen {listen} &");
    let mut server = Command::new(&server_bin)
        .args([
            "--database",
            &db,
            "--log-level",
            "warn",
            "serve",
            "--listen",
            &listen,
        ])
        .spawn()
        .context(|| format!("could not start {}", server_bin.display()))?;
    let result = (|| {
        wait_for(&listen)?;
        let coordinator = dir.join("coordinator").to_string_lossy().into_owned();
        let coord = |args: &[&str], expect: Expect| step(bin, Some(&coordinator), args, expect);
        say("The coordinator enrols; the chapter keys are made on their machine and stay there.");
        coord(
            &["coordinator", "enrol", &token, "--server", &url],
            Expect::Ok,
        )?;
        say("They invite the peer: one string, fits a QR code.");
        let inv = coord(&["coordinator", "invite", "--json"], Expect::Ok)?;
        let invitation = ctx::json_string_field(&inv, "invitation")
            .ok_or_else(|| util::Error::msg(format!("no invitation in {inv}")))?;
        let peer = |args: &[&str], expect: Expect| step(bin, Some(kari), args, expect);
        say("Kari enrols the phone she has used offline, then syncs her history up.");
        peer(&["enrol", &invitation], Expect::Ok)?;
        peer(&["sync"], Expect::Ok)?;
        peer(&["status"], Expect::Ok)?;
        say(
            "The coordinator pulls the chapter's records and decrypts them on their machine; \
             the chapter certifies Kari's enrolled phone on the way.",
        );
        coord(&["coordinator", "sync"], Expect::Ok)?;
        coord(&["coordinator", "peers"], Expect::Ok)?;
        say(
            "Kari's next sync brings the certificate: what she signs now says which chapter \
             enrolled the device — on the JSON file and on the printable copy.",
        );
        peer(&["sync"], Expect::Ok)?;
        let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
        let (json, html, declaration) = (
            file(SIGNED_REPORT_JSON),
            file(SIGNED_REPORT_HTML),
            file(SIGNED_DECLARATION_HTML),
        );
        peer(
            &["report", "sign", "--year", "2026", "--out", &json],
            Expect::Ok,
        )?;
        peer(
            &[
                "report", "sign", "--year", "2026", "--format", "html", "--out", &html,
            ],
            Expect::Ok,
        )?;
        for f in [&json, &html] {
            let said = step(bin, None, &["report", "verify", f], Expect::Ok)?;
            if !said.contains("signed by an enrolled device of Kreftforeningen / Bergen") {
                bail!("`peerlog report verify {f}` does not name the chapter: {said}");
            }
        }
        peer(
            &["declaration", "export", "--out", &declaration],
            Expect::Ok,
        )?;
        let status = peer(&["status", "--json"], Expect::Ok)?;
        util::write(&dir.join(PEER_STATUS_JSON), &status)?;
        peer(&["sync"], Expect::Ok)?;
        coord(&["coordinator", "sync"], Expect::Ok)?;
        let csv = dir.join("chapter-2026.csv").to_string_lossy().into_owned();
        let xlsx = file(CHAPTER_REPORT_XLSX);
        coord(
            &[
                "coordinator",
                "report",
                "--year",
                "2026",
                "--format",
                "csv",
                "--out",
                &csv,
            ],
            Expect::Ok,
        )?;
        print!(
            "{}",
            std::fs::read_to_string(&csv).context(|| format!("reading {csv}"))?
        );
        say("The spreadsheet for people is in the coordinator's language (here Norwegian).");
        coord(
            &[
                "coordinator",
                "report",
                "--year",
                "2026",
                "--format",
                "xlsx",
                "--locale",
                "nb",
                "--out",
                &xlsx,
            ],
            Expect::Ok,
        )?;
        coord(
            &[
                "coordinator",
                "report",
                "--year",
                "2026",
                "--format",
                "json",
                "--out",
                &file(CHAPTER_REPORT_JSON),
            ],
            Expect::Ok,
        )?;
        say(&format!(
            "Done. The server's database {} holds only ciphertext and routing metadata.",
            dir.join("server").join("peerlog.db").display()
        ));
        Ok(())
    })();
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Waits until the server accepts connections (at most 30 s).
fn wait_for(listen: &str) -> Result<()> {
    for _ in 0..300 {
        if std::net::TcpStream::connect(listen).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the server did not start listening on {listen}")
}

fn say(text: &str) {
    println!("\n# {text}");
}

fn step(bin: &Path, home: Option<&str>, args: &[&str], expect: Expect) -> Result<String> {
    let mut cmd = Command::new(bin);
    if let Some(h) = home {
        cmd.args(["--home", h]);
    }
    cmd.args(args);
    println!("$ peerlog {}", args.join(" "));
    let out = cmd
        .output()
        .context(|| format!("could not start {}", bin.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    match expect {
        Expect::Ok if out.status.success() => Ok(stdout),
        Expect::Refused(text) if out.status.code() == Some(3) && stderr.contains(text) => {
            println!("(refused, as it should be)");
            Ok(stdout)
        }
        _ => bail!(
            "`peerlog {}` did not behave as expected ({})",
            args.join(" "),
            out.status
        ),
    }
}
