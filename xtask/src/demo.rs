//! `cargo xtask demo`: a peer's offline walkthrough with the real `peerlog` CLI, in a fresh
//! home under `target/demo/`. Every step prints the command and its output; a step that is
//! meant to be refused (logging before the declaration is signed, a forged report) must be
//! refused, or the demo fails.

use std::path::Path;
use std::process::Command;

use crate::ctx::Ctx;
use crate::util::{self, Context, Result, bail};

/// What a step expects.
enum Expect {
    Ok,
    /// Refused with exit code 3 and a message containing this text.
    Refused(&'static str),
}

pub fn demo(ctx: &Ctx) -> Result<()> {
    util::run(ctx.cargo().args(["build", "--quiet", "-p", "peerlog-cli"]))?;
    let bin = ctx.debug_dir().join("peerlog");
    let dir = ctx.target.join("demo");
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
        "Done. The encrypted store is {}: no note, reference or name is readable in it.",
        home.join("peerlog.db").display()
    ));
    Ok(())
}

fn say(text: &str) {
    println!("\n# {text}");
}

fn step(bin: &Path, home: Option<&str>, args: &[&str], expect: Expect) -> Result<()> {
    let mut cmd = Command::new(bin);
    if let Some(h) = home {
        cmd.args(["--home", h]);
    }
    cmd.args(args);
    println!("$ peerlog {}", args.join(" "));
    let out = cmd
        .output()
        .context(|| format!("could not start {}", bin.display()))?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    match expect {
        Expect::Ok if out.status.success() => Ok(()),
        Expect::Refused(text) if out.status.code() == Some(3) && stderr.contains(text) => {
            println!("(refused, as it should be)");
            Ok(())
        }
        _ => bail!(
            "`peerlog {}` did not behave as expected ({})",
            args.join(" "),
            out.status
        ),
    }
}
