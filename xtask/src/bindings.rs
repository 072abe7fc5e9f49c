//! `cargo xtask bindings`: build the workspace and generate the Kotlin and Swift bindings.

use std::path::{Path, PathBuf};

use crate::ctx::Ctx;
use crate::util::{
    Result, bail, copy, create_dir_all, files_with_suffix, remove_dir_if_exists, run,
};

/// The uniffi namespace of the core (its crate/lib name).
pub const NAMESPACE: &str = "peerlog_core";

/// What `generate` wrote.
#[derive(Debug)]
pub struct Generated {
    pub kotlin_dir: PathBuf,
    pub swift_dir: PathBuf,
    /// `peerlog_coreFFI.h`: the C interface the Swift code calls.
    pub header: PathBuf,
}

impl Generated {
    /// Where `generate(ctx, out)` puts its files.
    pub fn layout(out: &Path) -> Generated {
        let swift_dir = out.join("swift");
        Generated {
            kotlin_dir: out.join("kotlin"),
            header: swift_dir.join(format!("{NAMESPACE}FFI.h")),
            swift_dir,
        }
    }
}

/// The core's shared library, as `cargo build --workspace` leaves it.
pub fn core_library(ctx: &Ctx) -> PathBuf {
    let file = if cfg!(target_os = "macos") {
        format!("lib{NAMESPACE}.dylib")
    } else {
        format!("lib{NAMESPACE}.so")
    };
    ctx.debug_dir().join(file)
}

/// `cargo build --workspace` (the whole workspace, so features match every other build and
/// nothing is rebuilt needlessly).
pub fn build(ctx: &Ctx) -> Result<()> {
    run(ctx.cargo().args(["build", "--workspace"]))
}

/// Generates Kotlin and Swift bindings from the built core library into `out/{kotlin,swift}`.
///
/// Layout:
/// - `kotlin/uniffi/peerlog_core/peerlog_core.kt`
/// - `swift/peerlog_core.swift`, `swift/peerlog_coreFFI.h`, `swift/peerlog_coreFFI.modulemap`
/// - `swift/include/{peerlog_coreFFI.h, module.modulemap}`: the header and a module map under
///   the name Clang looks for, ready to be a SwiftPM C target or an XCFramework `Headers` folder.
pub fn generate(ctx: &Ctx, out: &Path) -> Result<Generated> {
    let library = core_library(ctx);
    let bindgen = ctx.debug_dir().join("uniffi-bindgen");
    for (file, what) in [(&library, "core library"), (&bindgen, "uniffi-bindgen")] {
        if !file.is_file() {
            bail!(
                "{what} {} not found; `cargo build --workspace` should have built it",
                file.display()
            );
        }
    }
    let generated = Generated::layout(out);
    for (language, dir) in [
        ("kotlin", &generated.kotlin_dir),
        ("swift", &generated.swift_dir),
    ] {
        remove_dir_if_exists(dir)?;
        create_dir_all(dir)?;
        run(ctx
            .cmd(&bindgen)
            .args([
                "generate",
                "--language",
                language,
                "--no-format",
                "--out-dir",
            ])
            .arg(dir)
            .arg(&library))?;
    }

    let modulemap = generated
        .swift_dir
        .join(format!("{NAMESPACE}FFI.modulemap"));
    for file in [&generated.header, &modulemap] {
        if !file.is_file() {
            bail!("uniffi-bindgen did not write {}", file.display());
        }
    }
    let include = generated.swift_dir.join("include");
    create_dir_all(&include)?;
    copy(
        &generated.header,
        &include.join(format!("{NAMESPACE}FFI.h")),
    )?;
    copy(&modulemap, &include.join("module.modulemap"))?;

    let kotlin = files_with_suffix(&generated.kotlin_dir, ".kt")?;
    let swift = files_with_suffix(&generated.swift_dir, ".swift")?;
    if kotlin.is_empty() || swift.is_empty() {
        bail!(
            "uniffi-bindgen wrote no Kotlin or no Swift files under {}",
            out.display()
        );
    }
    println!(
        "bindings: {} Kotlin and {} Swift file(s) in {}",
        kotlin.len(),
        swift.len(),
        out.display()
    );
    Ok(generated)
}
