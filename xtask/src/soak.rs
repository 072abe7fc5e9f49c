//! The crash soak (`tests/src/soak.rs`, binary `peerlog-soak`): peers, a coordinator and
//! the server as processes, killed with SIGKILL at random points, then every saved contact
//! checked on the peer, the server and the coordinator. `cargo xtask test` runs a bounded
//! form on both backends (step `soak`); `cargo xtask soak` a longer one.

use crate::ctx::Ctx;
use crate::postgres;
use crate::util::{Error, Result, bail, run};

/// The CI run: rounds per backend and its fixed seed (about 140 kills per backend).
pub const TEST_ROUNDS: u32 = 250;
pub const TEST_SEED: u64 = 20_261_206;
/// The CI run fails with fewer kills than this over both backends.
pub const TEST_MIN_KILLS: u32 = 200;

/// What `cargo xtask soak` was asked for.
#[derive(Debug, Clone)]
pub struct Soak {
    pub rounds: u32,
    pub seed: Option<u64>,
    /// `sqlite`, `postgres` or `both`.
    pub backend: String,
    pub min_kills: u32,
}

impl Soak {
    pub fn ci() -> Self {
        Soak {
            rounds: TEST_ROUNDS,
            seed: Some(TEST_SEED),
            backend: "both".into(),
            min_kills: TEST_MIN_KILLS,
        }
    }

    /// `[--rounds N] [--seed S] [--backend sqlite|postgres|both]`; without a seed the run
    /// picks one from the clock and prints it.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut soak = Soak {
            rounds: 2000,
            seed: None,
            backend: "both".into(),
            min_kills: 0,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let Some(value) = it.next() else {
                bail!("{flag} needs a value; {USAGE}");
            };
            match flag.as_str() {
                "--rounds" => match value.parse::<u32>() {
                    Ok(n) if n > 0 => soak.rounds = n,
                    _ => bail!("--rounds takes a positive whole number, not `{value}`"),
                },
                "--seed" => match value.parse::<u64>() {
                    Ok(n) => soak.seed = Some(n),
                    _ => bail!("--seed takes a whole number, not `{value}`"),
                },
                "--backend" => match value.as_str() {
                    "sqlite" | "postgres" | "both" => soak.backend = value.clone(),
                    _ => bail!("--backend is sqlite, postgres or both, not `{value}`"),
                },
                _ => bail!("unexpected argument `{flag}`; {USAGE}"),
            }
        }
        Ok(soak)
    }
}

const USAGE: &str =
    "usage: cargo xtask soak [--rounds N] [--seed S] [--backend sqlite|postgres|both]";

/// Builds the three programs, then runs the soak. PostgreSQL comes from the run's
/// environment (the `postgres` step of `cargo xtask test`) or, with `start_postgres`, is
/// made ready here.
pub fn run_soak(ctx: &Ctx, soak: &Soak, start_postgres: bool) -> Result<()> {
    run(ctx.cargo().args([
        "build",
        "-p",
        "peerlog-tests",
        "--bin",
        "peerlog-soak",
        "--bin",
        "peerlog-e2e",
        "-p",
        "peerlog-server",
        "--bin",
        "peerlog-server",
    ]))?;
    let mut cmd = ctx.cmd(ctx.debug_dir().join("peerlog-soak"));
    cmd.args(["--rounds", &soak.rounds.to_string()])
        .args(["--backend", &soak.backend])
        .args(["--min-kills", &soak.min_kills.to_string()]);
    if let Some(seed) = soak.seed {
        cmd.args(["--seed", &seed.to_string()]);
    }
    if start_postgres && soak.backend != "sqlite" {
        let url = postgres::ensure_postgres().map_err(Error::msg)?;
        cmd.env("PEERLOG_TEST_POSTGRES", url);
    }
    run(&mut cmd)
}
