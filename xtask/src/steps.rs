//! `cargo xtask test`: the list of named steps, run in order, failing fast.
//!
//! To add a step (start PostgreSQL for the server tests, a localisation check, ...): write a
//! `fn(&mut Ctx) -> Result<()>`, add a [`Step`] to [`STEPS`] where it belongs in the order, and
//! list in `needs` what `setup` must install for it. A step that starts a service can hand its
//! address to later steps with [`Ctx::set_env`] (PostgreSQL stays up after the run).

use std::time::{Duration, Instant};

use crate::bindings;
use crate::checks;
use crate::ctx::Ctx;
use crate::layers;
use crate::postgres;
use crate::setup::{self, Need};
use crate::util::{Error, Result, bail, human_duration, run, succeeds};

pub struct Step {
    pub name: &'static str,
    pub about: &'static str,
    /// Prerequisites `setup` installs for this step.
    pub needs: &'static [Need],
    /// Earlier steps whose results this one uses; `--only` adds them.
    pub uses: &'static [&'static str],
    pub run: fn(&mut Ctx) -> Result<()>,
}

pub const STEPS: &[Step] = &[
    Step {
        name: "setup",
        about: "install missing prerequisites (apt packages; kotlinc and tree-sitter via npm)",
        needs: &[],
        uses: &[],
        run: |ctx| {
            let needs = ctx.needs.clone();
            setup::setup(ctx, &needs)
        },
    },
    Step {
        name: "fmt",
        about: "cargo fmt --all --check",
        needs: &[],
        uses: &[],
        run: |ctx| run(ctx.cargo().args(["fmt", "--all", "--check"])),
    },
    Step {
        name: "layers",
        about: "the peer core's modules import one way (no cycle, nothing imports ffi); the server links no client crate",
        needs: &[],
        uses: &[],
        run: |ctx| {
            layers::check_core(ctx)?;
            layers::check_crates(ctx)
        },
    },
    Step {
        name: "clippy",
        about: "cargo clippy --workspace --all-targets -- -D warnings",
        needs: &[],
        uses: &[],
        run: |ctx| {
            run(ctx.cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        },
    },
    Step {
        name: "postgres",
        about: "start PostgreSQL for the server's storage tests; sets PEERLOG_TEST_POSTGRES",
        needs: &[Need::Postgres],
        uses: &["setup"],
        run: start_postgres,
    },
    Step {
        name: "test",
        about: "Rust tests: cargo nextest (+ doc tests) if installed, else cargo test",
        needs: &[],
        // The server's storage conformance suite runs against PostgreSQL too.
        uses: &["postgres"],
        run: cargo_test,
    },
    Step {
        name: "load",
        about: "the load generator, bounded: 100 devices for 10 s on SQLite and on two server instances sharing PostgreSQL; fails on any error or lost record",
        needs: &[],
        uses: &["postgres"],
        run: crate::load::test_step,
    },
    Step {
        name: "soak",
        about: "the crash soak: peers, coordinator and server as processes killed with SIGKILL at random (fixed seed, both backends, at least 200 kills)",
        needs: &[],
        uses: &["postgres"],
        run: |ctx| crate::soak::run_soak(ctx, &crate::soak::Soak::ci(), false),
    },
    Step {
        name: "console-browser",
        about: "headless Chromium: the coordinator's console (the story, axe-core) and the signed documents; screenshots in target/console-browser",
        needs: &[Need::Browser],
        uses: &["setup"],
        run: console_browser,
    },
    Step {
        name: "fuzz",
        about: "build the cargo-fuzz targets (nightly) and run each a few seconds from its seeds",
        needs: &[Need::Fuzz],
        uses: &["setup"],
        run: |ctx| crate::fuzz::run_all(ctx, crate::fuzz::TEST_SECONDS),
    },
    Step {
        name: "schemathesis",
        about: "schemathesis against /v1/openapi.json of the real server on 127.0.0.1, as a peer and as the coordinator",
        needs: &[Need::Schemathesis],
        uses: &["setup"],
        run: |ctx| {
            crate::schemathesis::run_against_server(
                ctx,
                crate::schemathesis::TEST_MAX_EXAMPLES,
                true,
            )
        },
    },
    Step {
        name: "bindings",
        about: "cargo build --workspace; generate Kotlin + Swift into target/bindings",
        needs: &[],
        uses: &[],
        run: |ctx| {
            bindings::build(ctx)?;
            let out = ctx.bindings_dir();
            bindings::generate(ctx, &out).map(|_| ())
        },
    },
    Step {
        name: "exports",
        about: "nm -D of the phone library: no coordinator function is exported",
        needs: &[],
        uses: &["bindings"],
        run: |ctx| layers::check_exports(&bindings::core_library(ctx)),
    },
    Step {
        name: "kotlin",
        about: "compile generated Kotlin + bindings/kotlin/{src,test}; run the JUnit tests on the JVM",
        needs: &[Need::Kotlin],
        uses: &["setup", "bindings"],
        run: |ctx| checks::kotlin(ctx, &bindings::Generated::layout(&ctx.bindings_dir())),
    },
    Step {
        name: "kotlin-syntax",
        about: "tree-sitter syntax check of all hand-written Kotlin in android/ + bindings/kotlin/",
        needs: &[Need::KotlinSyntax],
        uses: &["setup"],
        run: |ctx| checks::kotlin_syntax(ctx),
    },
    Step {
        name: "swift",
        about: "tree-sitter syntax check of generated Swift + ios/ + bindings/swift/",
        needs: &[Need::Swift],
        uses: &["setup", "bindings"],
        run: |ctx| checks::swift(ctx, &bindings::Generated::layout(&ctx.bindings_dir())),
    },
    Step {
        name: "header",
        about: "clang -fsyntax-only of the generated C header",
        needs: &[Need::Clang],
        uses: &["setup", "bindings"],
        run: |ctx| checks::header(ctx, &bindings::Generated::layout(&ctx.bindings_dir())),
    },
    Step {
        name: "verify-python",
        about: "the demo's signed files and XLSX checked by docs/signatures.md with Python (cryptography, rfc8785, openpyxl), tampered ones refused",
        needs: &[Need::Python],
        uses: &["setup"],
        run: verify_python,
    },
    Step {
        name: "l10n",
        about: "every string key in en, nb and da: Android strings.xml and the iOS String Catalog",
        needs: &[],
        uses: &[],
        run: |ctx| checks::l10n(ctx),
    },
];

/// Runs the demo (server, coordinator, enrolled peer), then checks the files it leaves with
/// an independent implementation: what an auditor without Peerlog can do.
fn verify_python(ctx: &mut Ctx) -> Result<()> {
    let python = setup::venv_python(ctx)?;
    crate::demo::demo(ctx)?;
    run(ctx
        .cmd(&python)
        .arg(ctx.root.join(VERIFY_SCRIPT))
        .arg(crate::demo::demo_dir(ctx)))
}

/// The independent check of signed files and the chapter's XLSX.
const VERIFY_SCRIPT: &str = "xtask/assets/verify_signed_files.py";

/// Makes a local PostgreSQL ready (or takes `PEERLOG_TEST_POSTGRES` as given) and hands its
/// URL to the later steps. It stays running after the run (CI machines are thrown away; a
/// developer's next run reuses it).
fn start_postgres(ctx: &mut Ctx) -> Result<()> {
    let url = postgres::ensure_postgres().map_err(Error::msg)?;
    println!("PEERLOG_TEST_POSTGRES={url}");
    ctx.set_env("PEERLOG_TEST_POSTGRES", url);
    Ok(())
}

fn cargo_test(ctx: &mut Ctx) -> Result<()> {
    if succeeds(ctx.cargo().args(["nextest", "--version"])) {
        run(ctx
            .cargo()
            .args(["nextest", "run", "--workspace", "--no-tests=warn"]))?;
        // nextest does not run doc tests.
        run(ctx.cargo().args(["test", "--workspace", "--doc"]))
    } else {
        println!("(cargo-nextest not installed: using cargo test)");
        run(ctx.cargo().args(["test", "--workspace"]))
    }
}

/// The console's browser story (tests/tests/console.rs, `the_console_in_a_browser`): a real
/// server, peers through the CLI, `peerlog coordinator console`, then tests/console-browser
/// in Debian's headless Chromium.
fn console_browser(ctx: &mut Ctx) -> Result<()> {
    let out = ctx.target.join("console-browser");
    run(ctx
        .cargo()
        .args([
            "test",
            "-p",
            "peerlog-tests",
            "--test",
            "console",
            // The console's story and the signed documents as a browser shows them.
            "in_a_browser",
            "--",
            "--nocapture",
        ])
        .env("PEERLOG_BROWSER_TEST", "1")
        .env("PEERLOG_BROWSER_OUT", &out))?;
    println!("screenshots: {}", out.display());
    Ok(())
}

/// Which steps to run.
#[derive(Debug, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

fn step(name: &str) -> Result<&'static Step> {
    match STEPS.iter().find(|s| s.name == name) {
        Some(s) => Ok(s),
        None => bail!("unknown step `{name}`; steps are: {}", step_names()),
    }
}

pub fn step_names() -> String {
    STEPS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// Resolves `--only`/`--skip` into steps in their fixed order. `--only` pulls in the steps the
/// chosen ones use; `--skip` always wins.
pub fn select(selection: &Selection) -> Result<Vec<&'static Step>> {
    for name in selection.only.iter().chain(&selection.skip) {
        step(name)?;
    }
    let mut wanted: Vec<&str> = if selection.only.is_empty() {
        STEPS.iter().map(|s| s.name).collect()
    } else {
        selection.only.iter().map(String::as_str).collect()
    };
    let mut i = 0;
    while i < wanted.len() {
        for used in step(wanted[i])?.uses {
            if !wanted.contains(used) {
                wanted.push(used);
            }
        }
        i += 1;
    }
    Ok(STEPS
        .iter()
        .filter(|s| wanted.contains(&s.name) && !selection.skip.iter().any(|k| k == s.name))
        .collect())
}

pub fn list() {
    println!("steps of `cargo xtask test`, in order:");
    for s in STEPS {
        println!("  {:<15} {}", s.name, s.about);
    }
}

enum Outcome {
    Passed(Duration),
    Failed(Duration),
    NotRun,
}

/// Runs the selected steps in order, stopping at the first failure.
pub fn test(ctx: &mut Ctx, selection: &Selection) -> Result<()> {
    let steps = select(selection)?;
    if steps.is_empty() {
        bail!("no steps selected");
    }
    ctx.needs = Vec::new();
    for s in &steps {
        for need in s.needs {
            if !ctx.needs.contains(need) {
                ctx.needs.push(*need);
            }
        }
    }
    let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
    println!("xtask test: steps {}", names.join(", "));

    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = steps.iter().map(|_| Outcome::NotRun).collect();
    let mut failure = None;
    for (i, s) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {}: {}", i + 1, steps.len(), s.name, s.about);
        let t = Instant::now();
        let result = (s.run)(ctx);
        let took = t.elapsed();
        match result {
            Ok(()) => {
                println!("<== {} ok ({})", s.name, human_duration(took));
                outcomes[i] = Outcome::Passed(took);
            }
            Err(e) => {
                println!("<== {} FAILED ({})", s.name, human_duration(took));
                outcomes[i] = Outcome::Failed(took);
                failure = Some((s.name, e));
                break;
            }
        }
    }

    println!(
        "\nxtask test summary ({} in all):",
        human_duration(started.elapsed())
    );
    let (mut passed, mut failed, mut not_run) = (0, 0, 0);
    for (s, outcome) in steps.iter().zip(&outcomes) {
        let (word, time) = match outcome {
            Outcome::Passed(d) => {
                passed += 1;
                ("ok", human_duration(*d))
            }
            Outcome::Failed(d) => {
                failed += 1;
                ("FAILED", human_duration(*d))
            }
            Outcome::NotRun => {
                not_run += 1;
                ("not run", String::new())
            }
        };
        println!("  {:<15} {:<8} {time:>8}", s.name, word);
    }
    let skipped = STEPS.len() - steps.len() + not_run;
    if skipped > 0 {
        println!("steps: {passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("steps: {passed} passed, {failed} failed");
    }
    match failure {
        Some((name, e)) => bail!("FAILED at step `{name}`: {e}"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(selection: Selection) -> Vec<&'static str> {
        select(&selection)
            .map(|steps| steps.iter().map(|s| s.name).collect())
            .unwrap_or_default()
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_runs_every_step_in_order() {
        assert_eq!(
            names(Selection::default()),
            [
                "setup",
                "fmt",
                "layers",
                "clippy",
                "postgres",
                "test",
                "load",
                "soak",
                "console-browser",
                "fuzz",
                "schemathesis",
                "bindings",
                "exports",
                "kotlin",
                "kotlin-syntax",
                "swift",
                "header",
                "verify-python",
                "l10n"
            ]
        );
    }

    #[test]
    fn only_adds_what_a_step_uses() {
        let only = Selection {
            only: list(&["kotlin"]),
            skip: vec![],
        };
        assert_eq!(names(only), ["setup", "bindings", "kotlin"]);
        // Hand-written Kotlin only: no bindings needed.
        let only = Selection {
            only: list(&["kotlin-syntax"]),
            skip: vec![],
        };
        assert_eq!(names(only), ["setup", "kotlin-syntax"]);
    }

    #[test]
    fn the_browser_step_needs_only_setup() {
        let only = Selection {
            only: list(&["console-browser"]),
            skip: vec![],
        };
        assert_eq!(names(only), ["setup", "console-browser"]);
    }

    #[test]
    fn rust_tests_get_postgres() {
        let only = Selection {
            only: list(&["test"]),
            skip: vec![],
        };
        assert_eq!(names(only), ["setup", "postgres", "test"]);
    }

    #[test]
    fn skip_wins() {
        let s = Selection {
            only: list(&["swift"]),
            skip: list(&["setup", "bindings"]),
        };
        assert_eq!(names(s), ["swift"]);
        let s = Selection {
            only: vec![],
            skip: list(&["kotlin", "kotlin-syntax", "swift"]),
        };
        assert_eq!(
            names(s),
            [
                "setup",
                "fmt",
                "layers",
                "clippy",
                "postgres",
                "test",
                "load",
                "soak",
                "console-browser",
                "fuzz",
                "schemathesis",
                "bindings",
                "exports",
                "header",
                "verify-python",
                "l10n"
            ]
        );
    }

    #[test]
    fn unknown_step_is_an_error() {
        let s = Selection {
            only: list(&["kotln"]),
            skip: vec![],
        };
        assert!(select(&s).is_err());
    }
}
