//! `cargo xtask setup`: installs what the checks need, only where it is missing.
//!
//! System packages come from apt (one `apt-get update`, one `apt-get install`, and only when
//! something is absent). Tools that Debian does not package come from the npm registry into
//! `<repo>/.tools/` (or `$PEERLOG_TOOLS_DIR`), one folder per version, reused when present.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::ctx::Ctx;
use crate::util::{
    Context, Result, bail, create_dir_all, output, remove_dir_if_exists, run, which, write,
};

/// Free space below which a cold `cargo xtask test` may run out: a cold run writes about
/// 13 GB into `target/` (debug, release, fuzz and mobile builds), and more with incremental
/// compilation (`.ci/run` turns it off).
const DISK_WANTED_GB: u64 = 20;

/// Says so at the start when the disk holding `target/` is short, so that a run that dies
/// of `No space left on device` twenty minutes later is not a surprise.
fn warn_if_disk_is_short(target: &Path) {
    let dir = target
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("."));
    let Ok(df) = output(Command::new("df").arg("-Pk").arg(dir)) else {
        return;
    };
    let free_kb = df
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(kb) = free_kb {
        let gb = kb / (1024 * 1024);
        if gb < DISK_WANTED_GB {
            println!(
                "WARNING: {gb} GB free where {} lives; a cold run needs about 13 GB \
                 (`rm -rf target/debug/incremental` frees the most)",
                dir.display()
            );
        } else {
            println!("disk: {gb} GB free for target/");
        }
    }
}

/// The Kotlin compiler distribution (npm package `kotlin-compiler`, the full kotlinc zip).
pub const KOTLIN_VERSION: &str = "2.4.20";
/// Node bindings of tree-sitter (prebuilt for linux-x64), for the Swift and Kotlin syntax checks.
pub const TREE_SITTER_VERSION: &str = "0.22.4";
/// npm `tree-sitter-swift`.
pub const TREE_SITTER_SWIFT_VERSION: &str = "0.7.1";
/// npm `@tree-sitter-grammars/tree-sitter-kotlin` (peer dependency tree-sitter ^0.22.4).
pub const TREE_SITTER_KOTLIN_VERSION: &str = "1.1.0";

/// A tree-sitter grammar from npm. Each lives in its own npm prefix under `.tools/` with its
/// own copy of the node bindings, so either can change version alone.
pub struct Grammar {
    /// Short name, in the folder name and messages.
    pub name: &'static str,
    /// The npm package, which is also its folder under `node_modules`.
    pub package: &'static str,
    pub version: &'static str,
}

pub const SWIFT_GRAMMAR: Grammar = Grammar {
    name: "swift",
    package: "tree-sitter-swift",
    version: TREE_SITTER_SWIFT_VERSION,
};

pub const KOTLIN_GRAMMAR: Grammar = Grammar {
    name: "kotlin",
    package: "@tree-sitter-grammars/tree-sitter-kotlin",
    version: TREE_SITTER_KOTLIN_VERSION,
};

impl Grammar {
    /// `<tools>/tree-sitter-<version>-<name>-<version>`: the npm prefix.
    pub fn dir(&self, ctx: &Ctx) -> PathBuf {
        ctx.tools.join(format!(
            "tree-sitter-{TREE_SITTER_VERSION}-{}-{}",
            self.name, self.version
        ))
    }

    /// The `node_modules` holding `tree-sitter` and the grammar, once installed.
    pub fn node_modules(&self, ctx: &Ctx) -> Result<PathBuf> {
        let dir = self.dir(ctx);
        let modules = dir.join("node_modules");
        if !dir.join(STAMP).is_file() || !modules.join(self.package).is_dir() {
            bail!(
                "{} not installed in {}; run `cargo xtask setup`",
                self.package,
                dir.display()
            );
        }
        Ok(modules)
    }
}

/// Written last into a tool folder; a folder without it is an interrupted install.
const STAMP: &str = ".xtask-complete";

/// A group of prerequisites a step needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// java, kotlinc, JNA, JUnit 4 (Kotlin JVM tests of the bindings).
    Kotlin,
    /// node + tree-sitter-swift (Swift syntax check).
    Swift,
    /// node + tree-sitter-kotlin (Kotlin syntax check).
    KotlinSyntax,
    /// clang (C header check).
    Clang,
    /// PostgreSQL server binaries (server tests against the PostgreSQL backend).
    Postgres,
    /// python3 with venv, and a virtual environment under the target directory holding
    /// [`PYTHON_PACKAGES`] from PyPI (the independent check of signed files and the XLSX).
    Python,
    /// Debian's chromium, node + npm, and `npm ci` of tests/console-browser (playwright-core
    /// and axe-core, pinned by its lockfile; never a browser download).
    Browser,
    /// A C++ compiler (libFuzzer) and cargo-fuzz on the nightly toolchain (fuzz targets).
    Fuzz,
    /// python3 with venv, and schemathesis (pinned, from PyPI) in a venv under the target
    /// dir (the API against its OpenAPI document).
    Schemathesis,
}

impl Need {
    pub const ALL: &[Need] = &[
        Need::Kotlin,
        Need::Swift,
        Need::KotlinSyntax,
        Need::Clang,
        Need::Postgres,
        Need::Python,
        Need::Browser,
        Need::Fuzz,
        Need::Schemathesis,
    ];
}

/// The independent implementations the `verify-python` step checks Peerlog's files with,
/// pinned: Ed25519 (`cryptography`), RFC 8785 (`rfc8785`), XLSX (`openpyxl`).
pub const PYTHON_PACKAGES: &[&str] = &["cryptography==44.0.2", "rfc8785==0.1.4", "openpyxl==3.1.5"];

/// The virtual environment with [`PYTHON_PACKAGES`]: `<target>/python-venv`.
pub fn python_venv(ctx: &Ctx) -> PathBuf {
    ctx.target.join("python-venv")
}

/// The venv's python, once [`ensure_python_venv`] has run.
pub fn venv_python(ctx: &Ctx) -> Result<PathBuf> {
    let venv = python_venv(ctx);
    let python = venv.join("bin").join("python");
    if !venv.join(STAMP).is_file() || !python.is_file() {
        bail!(
            "no Python environment in {}; run `cargo xtask setup`",
            venv.display()
        );
    }
    Ok(python)
}

/// Makes the venv and installs the pinned packages (wheels only: nothing is compiled).
fn ensure_python_venv(ctx: &Ctx) -> Result<()> {
    let venv = python_venv(ctx);
    let stamp = PYTHON_PACKAGES.join(" ") + "\n";
    if fs::read_to_string(venv.join(STAMP)).is_ok_and(|s| s == stamp) {
        println!("python packages: {} (already there)", venv.display());
        return Ok(());
    }
    remove_dir_if_exists(&venv)?;
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip"))
        .stdin(Stdio::null())
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "--only-binary=:all:",
        ])
        .args(PYTHON_PACKAGES))?;
    write(&venv.join(STAMP), &stamp)?;
    println!("python packages: installed in {}", venv.display());
    Ok(())
}

/// Paths of the Kotlin/JVM toolchain pieces.
pub struct KotlinTools {
    pub kotlinc: PathBuf,
    /// Jars to compile the bindings and tests against.
    pub compile_class_path: Vec<PathBuf>,
    /// Extra jars needed at run time (the Kotlin standard library).
    pub runtime_class_path: Vec<PathBuf>,
}

impl KotlinTools {
    /// Finds the installed pieces, or says what is missing.
    pub fn locate(ctx: &Ctx) -> Result<KotlinTools> {
        let home = kotlinc_dir(ctx);
        let lib = home.join("lib");
        let jars = [
            PathBuf::from(JNA_JAR),
            lib.join("kotlinx-coroutines-core-jvm.jar"),
            lib.join("kotlin-test.jar"),
            lib.join("kotlin-test-junit.jar"),
            PathBuf::from(JUNIT_JAR),
            hamcrest_jar().unwrap_or_else(|| PathBuf::from(HAMCREST_JARS[0])),
        ];
        let tools = KotlinTools {
            kotlinc: home.join("bin/kotlinc"),
            compile_class_path: jars.to_vec(),
            runtime_class_path: vec![lib.join("kotlin-stdlib.jar")],
        };
        let missing: Vec<String> = std::iter::once(&tools.kotlinc)
            .chain(&tools.compile_class_path)
            .chain(&tools.runtime_class_path)
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if !missing.is_empty() {
            bail!(
                "Kotlin toolchain incomplete, missing: {}; run `cargo xtask setup`",
                missing.join(", ")
            );
        }
        if which("java").is_none() {
            bail!("`java` is not on PATH; run `cargo xtask setup` (installs default-jre-headless)");
        }
        Ok(tools)
    }
}

const JNA_JAR: &str = "/usr/share/java/jna.jar";
const JUNIT_JAR: &str = "/usr/share/java/junit4.jar";
const HAMCREST_JARS: &[&str] = &[
    "/usr/share/java/hamcrest-core.jar",
    "/usr/share/java/hamcrest.jar",
    "/usr/share/java/hamcrest-all.jar",
];

fn hamcrest_jar() -> Option<PathBuf> {
    HAMCREST_JARS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// `<tools>/kotlinc-<version>`: an unpacked kotlinc distribution.
pub fn kotlinc_dir(ctx: &Ctx) -> PathBuf {
    ctx.tools.join(format!("kotlinc-{KOTLIN_VERSION}"))
}

/// A system package and the file or command whose absence means it must be installed.
struct SystemPackage {
    package: &'static str,
    present: fn() -> bool,
    what: &'static str,
}

fn system_packages(need: Need) -> Vec<SystemPackage> {
    let node = SystemPackage {
        package: "nodejs",
        present: || which("node").is_some(),
        what: "node",
    };
    let npm = SystemPackage {
        package: "npm",
        present: || which("npm").is_some(),
        what: "npm",
    };
    match need {
        Need::Kotlin => vec![
            SystemPackage {
                package: "default-jre-headless",
                present: || which("java").is_some(),
                what: "java",
            },
            SystemPackage {
                package: "libjna-java",
                present: || Path::new(JNA_JAR).is_file(),
                what: JNA_JAR,
            },
            SystemPackage {
                package: "junit4",
                present: || Path::new(JUNIT_JAR).is_file() && hamcrest_jar().is_some(),
                what: "/usr/share/java/junit4.jar + hamcrest",
            },
            node,
            npm,
        ],
        Need::Swift | Need::KotlinSyntax => vec![node, npm],
        Need::Clang => vec![SystemPackage {
            package: "clang",
            present: || which("clang").is_some(),
            what: "clang",
        }],
        Need::Browser => vec![
            SystemPackage {
                package: "chromium",
                present: || Path::new(CHROMIUM).is_file(),
                what: CHROMIUM,
            },
            node,
            npm,
        ],
        Need::Fuzz => vec![SystemPackage {
            package: "g++",
            present: || which("c++").is_some(),
            what: "a C++ compiler (c++) for libFuzzer",
        }],
        Need::Schemathesis => vec![SystemPackage {
            package: "python3-venv",
            present: crate::schemathesis::python_venv_present,
            what: "python3 with venv",
        }],
        Need::Postgres => vec![SystemPackage {
            package: "postgresql",
            present: || postgres_bin_dir().is_some(),
            what: "PostgreSQL server (/usr/lib/postgresql/*/bin/postgres)",
        }],
        Need::Python => vec![
            SystemPackage {
                package: "python3",
                present: || which("python3").is_some(),
                what: "python3",
            },
            SystemPackage {
                package: "python3-venv",
                present: || {
                    Command::new("python3")
                        .args(["-c", "import ensurepip, venv"])
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
                },
                what: "python3 venv (ensurepip)",
            },
        ],
    }
}

/// The newest `/usr/lib/postgresql/<major>/bin` holding `postgres` and `initdb`.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("postgres").is_file() && bin.join("initdb").is_file()).then_some((major, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

/// Installs everything `needs` calls for that is not already there.
pub fn setup(ctx: &Ctx, needs: &[Need]) -> Result<()> {
    warn_if_disk_is_short(&ctx.target);
    let mut missing: Vec<SystemPackage> = Vec::new();
    for need in needs {
        for pkg in system_packages(*need) {
            if !(pkg.present)() && !missing.iter().any(|m| m.package == pkg.package) {
                missing.push(pkg);
            }
        }
    }
    if missing.is_empty() {
        println!("system packages: all present");
    } else {
        for pkg in &missing {
            println!(
                "missing {} -> installing Debian package {}",
                pkg.what, pkg.package
            );
        }
        let names: Vec<&str> = missing.iter().map(|p| p.package).collect();
        apt_install(&names)?;
        let still: Vec<String> = missing
            .iter()
            .filter(|p| !(p.present)())
            .map(|p| format!("{} (package {})", p.what, p.package))
            .collect();
        if !still.is_empty() {
            bail!("still missing after apt-get install: {}", still.join(", "));
        }
    }

    if needs.contains(&Need::Kotlin) {
        ensure_kotlinc(ctx)?;
    }
    if needs.contains(&Need::Fuzz) {
        ensure_cargo_fuzz()?;
    }
    if needs.contains(&Need::Schemathesis) {
        crate::schemathesis::ensure(ctx)?;
    }
    if needs.contains(&Need::Swift) {
        ensure_grammar(ctx, &SWIFT_GRAMMAR)?;
    }
    if needs.contains(&Need::KotlinSyntax) {
        ensure_grammar(ctx, &KOTLIN_GRAMMAR)?;
    }
    if needs.contains(&Need::Python) {
        ensure_python_venv(ctx)?;
    }
    if needs.contains(&Need::Browser) {
        ensure_browser_modules(ctx)?;
    }
    Ok(())
}

/// The browser the console's browser tests drive (Debian's package; Playwright's own
/// browser builds are never downloaded).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The Node project of the console's browser tests.
pub fn browser_tests_dir(ctx: &Ctx) -> PathBuf {
    ctx.root.join("tests").join("console-browser")
}

/// `npm ci` in tests/console-browser, unless its node_modules already match the lockfile.
fn ensure_browser_modules(ctx: &Ctx) -> Result<()> {
    let dir = browser_tests_dir(ctx);
    let lock = fs::read_to_string(dir.join("package-lock.json"))
        .context(|| "reading tests/console-browser/package-lock.json".into())?;
    let stamp = dir.join("node_modules").join(STAMP);
    if fs::read_to_string(&stamp).is_ok_and(|s| s == lock) {
        println!("console browser tests: node modules present");
        return Ok(());
    }
    require_node_and_npm()?;
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    write(&stamp, &lock)
}

/// cargo-fuzz, pinned, from crates.io. The nightly toolchain it drives comes with the
/// machine image (toolchains are not downloaded here).
fn ensure_cargo_fuzz() -> Result<()> {
    use crate::fuzz::{CARGO_FUZZ_VERSION, cargo_fuzz_present, nightly_present};
    if !nightly_present() {
        bail!("the fuzz step needs a nightly toolchain: `rustup toolchain install nightly`");
    }
    if cargo_fuzz_present() {
        println!("cargo-fuzz: already there");
        return Ok(());
    }
    run(Command::new("cargo")
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .args([
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            CARGO_FUZZ_VERSION,
        ]))
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let wanted = packages.join(" ");
    if which("apt-get").is_none() {
        bail!("apt-get not found: install these (Debian package names) by hand: {wanted}");
    }
    let sudo = if is_root() {
        false
    } else if which("sudo").is_some() {
        true
    } else {
        bail!("not root and no sudo: as root, run `apt-get install -y {wanted}`");
    };
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        } else {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        // Wait for another apt/dpkg (e.g. unattended upgrades) instead of failing at once.
        cmd.args(["-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Use-Pty=0"])
            .args(args);
        // No stdin in CI; never wait for a prompt.
        if !sudo {
            cmd.stdin(Stdio::null());
        }
        cmd
    };
    run(&mut apt(&["update", "-q"]))
        .map_err(|e| crate::util::Error::msg(format!("{e}\n(needed to install: {wanted})")))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(packages);
    run(&mut install)
}

/// Unpacks the kotlinc distribution from the npm package `kotlin-compiler`.
fn ensure_kotlinc(ctx: &Ctx) -> Result<()> {
    let dir = kotlinc_dir(ctx);
    if dir.join(STAMP).is_file() {
        println!(
            "kotlinc {KOTLIN_VERSION}: {} (already there)",
            dir.display()
        );
        return Ok(());
    }
    require_node_and_npm()?;
    let tmp = fresh_tmp_dir(ctx, &format!("kotlinc-{KOTLIN_VERSION}"))?;
    run(Command::new("npm")
        .current_dir(&tmp)
        .stdin(Stdio::null())
        .args(["pack", "--silent", "--pack-destination"])
        .arg(&tmp)
        .arg(format!("kotlin-compiler@{KOTLIN_VERSION}")))?;
    let tarball = tmp.join(format!("kotlin-compiler-{KOTLIN_VERSION}.tgz"));
    if !tarball.is_file() {
        bail!("npm pack did not produce {}", tarball.display());
    }
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&tmp))?;
    let unpacked = tmp.join("package");
    if !unpacked.join("bin/kotlinc").is_file() {
        bail!("{} has no bin/kotlinc", unpacked.display());
    }
    install_dir(&unpacked, &dir)?;
    remove_dir_if_exists(&tmp)?;
    println!("kotlinc {KOTLIN_VERSION}: installed in {}", dir.display());
    Ok(())
}

/// Installs tree-sitter and a grammar (prebuilt native modules; no scripts run).
fn ensure_grammar(ctx: &Ctx, grammar: &Grammar) -> Result<()> {
    let dir = grammar.dir(ctx);
    let label = format!("{}@{}", grammar.package, grammar.version);
    if dir.join(STAMP).is_file() {
        println!("{label}: {} (already there)", dir.display());
        return Ok(());
    }
    require_node_and_npm()?;
    let tmp = fresh_tmp_dir(ctx, &format!("tree-sitter-{}", grammar.name))?;
    write(
        &tmp.join("package.json"),
        &format!(
            "{{ \"private\": true, \"description\": \"{} syntax check for cargo xtask\" }}\n",
            grammar.name
        ),
    )?;
    run(Command::new("npm")
        .current_dir(&tmp)
        .stdin(Stdio::null())
        .args([
            "install",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .arg(format!("tree-sitter@{TREE_SITTER_VERSION}"))
        .arg(&label))?;
    // Loading the parser proves the prebuilt native modules fit this machine.
    run(Command::new("node")
        .current_dir(&tmp)
        .stdin(Stdio::null())
        .arg("-e")
        .arg(format!(
            "const P = require('tree-sitter'); new P().setLanguage(require('{}'));",
            grammar.package
        )))?;
    install_dir(&tmp, &dir)?;
    println!("{label}: installed in {}", dir.display());
    Ok(())
}

fn require_node_and_npm() -> Result<()> {
    for tool in ["node", "npm"] {
        if which(tool).is_none() {
            bail!("`{tool}` is not on PATH; install Node.js and npm (Debian: nodejs npm)");
        }
    }
    Ok(())
}

fn fresh_tmp_dir(ctx: &Ctx, name: &str) -> Result<PathBuf> {
    let tmp = ctx.tools.join(format!(".tmp-{name}"));
    remove_dir_if_exists(&tmp)?;
    create_dir_all(&tmp)?;
    Ok(tmp)
}

/// Moves a finished install into place and stamps it complete.
fn install_dir(from: &Path, to: &Path) -> Result<()> {
    remove_dir_if_exists(to)?;
    fs::rename(from, to).context(|| format!("moving {} to {}", from.display(), to.display()))?;
    write(&to.join(STAMP), "ok\n")
}
