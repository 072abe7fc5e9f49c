//! The fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer, nightly): one build, then each
//! target for a bounded time from the seed corpus in `fuzz/seeds/<target>/`. New inputs go
//! to `<target dir>/fuzz/corpus/<target>/` (kept between runs, never in the repository);
//! a crash leaves its input in `<target dir>/fuzz/artifacts/<target>/` and fails the run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::ctx::Ctx;
use crate::util::{Result, bail, human_duration, output, run, succeeds};

/// Every target, one per parser of outside input (see `fuzz/README.md`).
pub const TARGETS: &[&str] = &[
    "canonical_json",
    "envelope",
    "api_bodies",
    "invitation",
    "backup_file",
    "report_file",
    "declaration_html",
    "recovery_code",
    "amount",
];

/// The cargo-fuzz version `setup` installs.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Seconds per target in `cargo xtask test` (step `fuzz`).
pub const TEST_SECONDS: u64 = 4;

/// `cargo +nightly`, through rustup's proxy (not the stable cargo that runs xtask).
fn nightly_cargo(ctx: &Ctx) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(ctx.root.join("fuzz"))
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env("CARGO_INCREMENTAL", "0")
        .arg("+nightly");
    cmd
}

/// Whether the nightly toolchain and cargo-fuzz are there.
pub fn nightly_present() -> bool {
    succeeds(Command::new("cargo").args(["+nightly", "--version"]))
}

pub fn cargo_fuzz_present() -> bool {
    succeeds(Command::new("cargo").args(["+nightly", "fuzz", "--version"]))
}

fn fuzz_dir(ctx: &Ctx) -> PathBuf {
    ctx.target.join("fuzz")
}

/// Builds every target, then runs each for `seconds`. Fails on the first crash, naming the
/// input that caused it.
pub fn run_all(ctx: &Ctx, seconds: u64) -> Result<()> {
    if !nightly_present() {
        bail!("the fuzz targets need a nightly toolchain (`rustup toolchain install nightly`)");
    }
    if !cargo_fuzz_present() {
        bail!(
            "cargo-fuzz is not installed; run `cargo xtask setup` (cargo install cargo-fuzz --version {CARGO_FUZZ_VERSION} --locked)"
        );
    }
    let out = fuzz_dir(ctx);
    let started = Instant::now();
    // `--dev` (opt-level 1, see fuzz/Cargo.toml) and no sanitizer: the targets are safe
    // Rust, and a short build matters more for the bounded run than speed per input.
    run(nightly_cargo(ctx)
        .args(["fuzz", "build", "--dev", "-s", "none", "--target-dir"])
        .arg(&out))?;
    println!("fuzz build: {}", human_duration(started.elapsed()));
    let host = host_triple()?;
    let bin_dir = out.join(host).join("debug");
    let mut report = Vec::new();
    for target in TARGETS {
        let corpus = out.join("corpus").join(target);
        let artifacts = out.join("artifacts").join(target);
        for dir in [&corpus, &artifacts] {
            std::fs::create_dir_all(dir)
                .map_err(|e| crate::util::Error::msg(format!("{}: {e}", dir.display())))?;
        }
        let seeds = ctx.root.join("fuzz/seeds").join(target);
        let runs = run_target(&bin_dir.join(target), &corpus, &seeds, &artifacts, seconds)?;
        report.push(format!("{target}: {runs} inputs in {seconds} s, no crash"));
    }
    for line in &report {
        println!("fuzz {line}");
    }
    Ok(())
}

/// Runs one target; returns how many inputs it ran.
fn run_target(
    bin: &Path,
    corpus: &Path,
    seeds: &Path,
    artifacts: &Path,
    seconds: u64,
) -> Result<u64> {
    let shown = format!("{} (for {seconds} s)", bin.display());
    println!("$ {shown}");
    let out = Command::new(bin)
        .arg(corpus)
        .arg(seeds)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| crate::util::Error::msg(format!("could not start {shown}: {e}")))?;
    // libFuzzer reports on stderr.
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "{shown} found a crash ({}); the input is in {}:\n{}",
            out.status,
            artifacts.display(),
            tail.join("\n")
        );
    }
    Ok(log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0))
}

fn host_triple() -> Result<String> {
    let info = output(Command::new("rustc").args(["+nightly", "-vV"]))?;
    match info.lines().find_map(|l| l.strip_prefix("host: ")) {
        Some(host) => Ok(host.trim().to_owned()),
        None => bail!("`rustc -vV` printed no host triple"),
    }
}
