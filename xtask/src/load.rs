//! `cargo xtask load` and the `load` step of `cargo xtask test`: the load generator
//! (`tests/load`, binary `peerlog-load`) against the real `peerlog-server` binary on
//! 127.0.0.1, over SQLite and PostgreSQL. It fails when any request failed or any record
//! a device was told was accepted cannot be pulled back.

use crate::ctx::Ctx;
use crate::postgres;
use crate::util::{Error, Result, bail, run};

/// The bounded run inside `cargo xtask test`: small enough for CI (about half a minute on
/// 2 cores), big enough that every device logs in, pushes and pulls several times, and
/// PostgreSQL runs with two instances sharing it.
pub const TEST_DEVICES: u32 = 100;
pub const TEST_SECONDS: u32 = 10;

/// What `cargo xtask load` is asked to do.
#[derive(Debug, Clone)]
pub struct LoadArgs {
    pub seconds: u32,
    pub devices: u32,
    pub backend: String,
    pub instances: u32,
    /// Release build (the measured figures) or the debug build the tests use.
    pub release: bool,
}

impl Default for LoadArgs {
    fn default() -> Self {
        LoadArgs {
            seconds: 60,
            devices: 1000,
            backend: "both".into(),
            instances: 1,
            release: true,
        }
    }
}

pub const USAGE: &str = "usage: cargo xtask load [--seconds N] [--devices N] [--backend sqlite|postgres|both] [--instances 1|2]";

/// Parses the options of `cargo xtask load`.
pub fn parse(rest: &[String]) -> Result<LoadArgs> {
    let mut a = LoadArgs::default();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let Some(value) = it.next() else {
            bail!("{flag} needs a value\n{USAGE}");
        };
        let number = || -> Result<u32> {
            match value.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("{flag} takes a positive whole number, not `{value}`"),
            }
        };
        match flag.as_str() {
            "--seconds" => a.seconds = number()?,
            "--devices" => a.devices = number()?,
            "--instances" => a.instances = number()?,
            "--backend" if ["sqlite", "postgres", "both"].contains(&value.as_str()) => {
                a.backend = value.clone();
            }
            _ => bail!("unexpected `{flag} {value}`\n{USAGE}"),
        }
    }
    if !(1..=2).contains(&a.instances) {
        bail!("--instances must be 1 or 2");
    }
    Ok(a)
}

/// Builds the server and the generator, starts PostgreSQL when needed, runs the
/// generator; its figures also go to `<target>/load/summary.json`.
pub fn load(ctx: &mut Ctx, args: &LoadArgs) -> Result<()> {
    let mut build = ctx.cargo();
    if args.release {
        build.args([
            "build",
            "--release",
            "-p",
            "peerlog-server",
            "-p",
            "peerlog-load",
        ]);
    } else {
        // The test step's build: the same targets and features as the `test` step's, so
        // only the two binaries are linked (with `-p` alone, features resolve differently
        // and half the dependency tree is built again).
        build.args(["build", "--workspace", "--all-targets"]);
    }
    run(&mut build)?;
    if args.backend != "sqlite" {
        let url = postgres::ensure_postgres().map_err(Error::msg)?;
        ctx.set_env("PEERLOG_TEST_POSTGRES", url);
    }
    let bin = ctx
        .target
        .join(if args.release { "release" } else { "debug" });
    let out = ctx.target.join("load");
    std::fs::create_dir_all(&out).map_err(|e| Error::msg(format!("{}: {e}", out.display())))?;
    let summary = out.join(if args.release {
        "summary.json"
    } else {
        "test-summary.json"
    });
    run(ctx
        .cmd(bin.join("peerlog-load"))
        .arg("--server-bin")
        .arg(bin.join("peerlog-server"))
        .args(["--seconds", &args.seconds.to_string()])
        .args(["--devices", &args.devices.to_string()])
        .args(["--backend", &args.backend])
        .args(["--instances", &args.instances.to_string()])
        .arg("--json")
        .arg(&summary))?;
    println!("figures: {}", summary.display());
    Ok(())
}

/// The `load` step: a short bounded run, debug build, both backends, PostgreSQL with two
/// instances behind the generator.
pub fn test_step(ctx: &mut Ctx) -> Result<()> {
    load(
        ctx,
        &LoadArgs {
            seconds: TEST_SECONDS,
            devices: TEST_DEVICES,
            backend: "both".into(),
            instances: 2,
            release: false,
        },
    )
}
