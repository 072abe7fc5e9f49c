//! Project tasks for Peerlog, plain std. Run as `cargo xtask <command>`; see `cargo xtask help`.

mod bench;
mod bindings;
mod checks;
mod ctx;
mod demo;
mod fuzz;
mod layers;
mod load;
mod postgres;
mod schemathesis;
mod setup;
mod soak;
mod steps;
mod util;

use std::path::PathBuf;
use std::process::ExitCode;

use ctx::Ctx;
use util::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  test [--only STEP,..] [--skip STEP,..] [--list]
        Run every check, in order, stopping at the first failure (what CI runs).
        --only runs just the named steps (plus the steps they use, e.g. kotlin uses
        setup and bindings); --skip leaves steps out; --list shows the steps.
  bindings [--out DIR]
        cargo build --workspace, then generate the Kotlin and Swift bindings (with the
        C header and module map) into DIR/kotlin and DIR/swift (default target/bindings).
  setup
        Install what the checks need, where missing: apt packages (libjna-java junit4
        clang postgresql g++ python3-venv, ...), via npm kotlinc, tree-sitter-swift
        and tree-sitter-kotlin in .tools/, cargo-fuzz (cargo install, for the nightly
        toolchain) and schemathesis (pip, in a venv under the target dir).
  demo
        The main job for now: a peer's offline walkthrough with the real `peerlog` CLI in
        a fresh home under target/demo/ (refusals included).
  schemathesis [--max-examples N]
        schemathesis (pinned, PyPI, in a venv under the target dir) against
        /v1/openapi.json of the real server on 127.0.0.1 (SQLite in a fresh folder), as a
        peer and as the coordinator, N examples per operation (default 200): no 5xx, every
        response as the document says. `cargo xtask test` runs it with a few (step
        `schemathesis`).
  fuzz [--seconds N]
        Every cargo-fuzz target of fuzz/ (nightly; cargo-fuzz is installed if missing)
        for N seconds each (default 300), from the seeds in fuzz/seeds/; new inputs are
        kept in <target dir>/fuzz/corpus/, a crash's input in <target dir>/fuzz/artifacts/.
        `cargo xtask test` runs each for a few seconds (step `fuzz`).
  bench [--quick]
        The benchmarks of the core paths (release build), each against a plaintext
        baseline doing the same work without crypto: log a contact, list a month and
        open + year summary of 10 000 contacts, a fresh process's time and peak memory,
        then over HTTP: push and pull on SQLite and PostgreSQL (1 000 peers x 100
        records), restore of 10 000 records, the coordinator's pull of 10 000, peak
        memory of restore and of five 5 MB receipts, and the phone library's size.
        Prints one table and writes target/bench/summary.json (and summary.md).
        --quick: small sizes and few iterations, no library build (a smoke run).
  load [--seconds N] [--devices N] [--backend sqlite|postgres|both] [--instances 1|2]
        The load generator (tests/load, release build): N simulated devices (default
        1 000) each logging in, pushing a small batch and pulling, again and again for
        N seconds (default 60), against the real peerlog-server binary on 127.0.0.1
        (SQLite, and PostgreSQL with one or two instances sharing it). Prints syncs/s,
        p50/p95/p99 latency, errors, records lost and the server's peak RSS; figures in
        <target dir>/load/summary.json. Fails on any error or lost record. `cargo xtask
        test` runs a short one (step `load`).
  soak [--rounds N] [--seed S] [--backend sqlite|postgres|both]
        The crash soak: three peers and a coordinator (the real `peerlog`) against the
        real `peerlog-server`, each command and the server killed with SIGKILL at random
        points and restarted, N rounds per backend (default 2000, both backends); then
        every contact a peer was told was saved is checked on the peer, the server and
        the coordinator, and the report against the peers' own summaries. The seed is
        printed (from the clock unless given) so a failure can be replayed.
        `cargo xtask test` runs 250 rounds per backend with a fixed seed (step `soak`).
  help
        This text.
";

fn main() -> ExitCode {
    quiet_broken_pipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let command = args.first().map_or("xtask", String::as_str);
            eprintln!("xtask {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask help | head -1`: a closed standard output ends the program quietly, not
/// with a panic and a stack trace. Other panics keep the default report (a developer tool).
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn dispatch(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        bail!("no command given");
    };
    match command.as_str() {
        "test" => test(rest),
        "bindings" => bindings(rest),
        "setup" => {
            no_options(rest)?;
            let ctx = Ctx::new()?;
            setup::setup(&ctx, setup::Need::ALL)
        }
        "demo" => {
            no_options(rest)?;
            demo::demo(&Ctx::new()?)
        }
        "bench" => {
            let quick = bench::parse_args(rest)?;
            bench::run(&Ctx::new()?, quick)
        }
        "schemathesis" => {
            let max_examples = match rest {
                [] => 200,
                [flag, n] if flag == "--max-examples" => match n.parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => bail!("--max-examples takes a positive whole number, not `{n}`"),
                },
                _ => bail!("usage: cargo xtask schemathesis [--max-examples N]"),
            };
            let ctx = Ctx::new()?;
            setup::setup(&ctx, &[setup::Need::Schemathesis])?;
            schemathesis::run_against_server(&ctx, max_examples, true)
        }
        "soak" => {
            let soak = soak::Soak::parse(rest)?;
            soak::run_soak(&Ctx::new()?, &soak, true)
        }
        "fuzz" => {
            let seconds = match rest {
                [] => 300,
                [flag, n] if flag == "--seconds" => match n.parse::<u64>() {
                    Ok(n) if n > 0 => n,
                    _ => bail!("--seconds takes a positive whole number, not `{n}`"),
                },
                _ => bail!("usage: cargo xtask fuzz [--seconds N]"),
            };
            let ctx = Ctx::new()?;
            setup::setup(&ctx, &[setup::Need::Fuzz])?;
            fuzz::run_all(&ctx, seconds)
        }
        "load" => {
            let args = load::parse(rest)?;
            load::load(&mut Ctx::new()?, &args)
        }
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            print!("{USAGE}");
            bail!("unknown command `{other}`")
        }
    }
}

fn no_options(rest: &[String]) -> Result<()> {
    match rest.first() {
        Some(arg) => bail!("unexpected argument `{arg}`"),
        None => Ok(()),
    }
}

/// The value of `--name VALUE` or `--name=VALUE`, advancing the iterator as needed.
fn option_value<'a>(
    arg: &'a str,
    name: &str,
    it: &mut impl Iterator<Item = &'a String>,
) -> Result<Option<&'a str>> {
    if arg == name {
        match it.next() {
            Some(v) => Ok(Some(v.as_str())),
            None => bail!("{name} needs a value"),
        }
    } else {
        Ok(arg
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('=')))
    }
}

fn comma_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn test(rest: &[String]) -> Result<()> {
    let mut selection = steps::Selection::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if arg == "--list" {
            steps::list();
            return Ok(());
        } else if let Some(v) = option_value(arg, "--only", &mut it)? {
            selection.only.extend(comma_list(v));
        } else if let Some(v) = option_value(arg, "--skip", &mut it)? {
            selection.skip.extend(comma_list(v));
        } else {
            bail!(
                "unexpected argument `{arg}` (options: --only STEP,.. --skip STEP,.. --list; steps: {})",
                steps::step_names()
            );
        }
    }
    let mut ctx = Ctx::new()?;
    steps::test(&mut ctx, &selection)
}

fn bindings(rest: &[String]) -> Result<()> {
    let mut out: Option<PathBuf> = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match option_value(arg, "--out", &mut it)? {
            Some(v) => out = Some(PathBuf::from(v)),
            None => bail!("unexpected argument `{arg}` (options: --out DIR)"),
        }
    }
    let ctx = Ctx::new()?;
    let out = match out {
        Some(dir) if dir.is_relative() => std::env::current_dir()
            .map_err(|e| util::Error::msg(format!("current directory: {e}")))?
            .join(dir),
        Some(dir) => dir,
        None => ctx.bindings_dir(),
    };
    bindings::build(&ctx)?;
    let generated = bindings::generate(&ctx, &out)?;
    println!("Kotlin: {}", generated.kotlin_dir.display());
    println!(
        "Swift:  {} (header + module.modulemap in include/)",
        generated.swift_dir.display()
    );
    Ok(())
}
