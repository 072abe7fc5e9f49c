//! The checks of the generated bindings: Kotlin JVM tests, Swift syntax, C header.

use std::path::PathBuf;

use crate::bindings::Generated;
use crate::ctx::Ctx;
use crate::setup::{KotlinTools, swift_parser_dir};
use crate::util::{
    Result, bail, class_path, create_dir_all, files_with_suffix, remove_dir_if_exists, run, which,
};

/// Kotlin library code shipped with the bindings (compiled with them, not tests).
pub const KOTLIN_SRC: &str = "bindings/kotlin/src";
/// Kotlin JVM tests: every class with a JUnit 4 `@Test` method is run.
pub const KOTLIN_TEST: &str = "bindings/kotlin/test";
/// The launcher that finds and runs the test classes.
const KOTLIN_TEST_MAIN: &str = "xtask/assets/KotlinTestMain.kt";
const KOTLIN_TEST_MAIN_CLASS: &str = "no.peerlog.xtask.KotlinTestMainKt";
const SWIFT_CHECK_SCRIPT: &str = "xtask/assets/swift_syntax_check.js";
/// Hand-written Swift checked besides the generated file.
pub const SWIFT_DIRS: &[&str] = &["ios", "bindings/swift"];

/// Compiles generated Kotlin + `bindings/kotlin/{src,test}` and runs the tests on the JVM
/// against the freshly built core library (through JNA).
pub fn kotlin(ctx: &Ctx, generated: &Generated) -> Result<()> {
    let tools = KotlinTools::locate(ctx)?;
    let generated_sources = files_with_suffix(&generated.kotlin_dir, ".kt")?;
    if generated_sources.is_empty() {
        bail!(
            "no generated Kotlin in {}; run the `bindings` step first",
            generated.kotlin_dir.display()
        );
    }
    let library_sources = files_with_suffix(&ctx.root.join(KOTLIN_SRC), ".kt")?;
    let test_sources = files_with_suffix(&ctx.root.join(KOTLIN_TEST), ".kt")?;
    if test_sources.is_empty() {
        bail!("no Kotlin tests (*.kt) under {KOTLIN_TEST}");
    }
    println!(
        "kotlin: {} generated, {} library and {} test source file(s)",
        generated_sources.len(),
        library_sources.len(),
        test_sources.len()
    );

    let classes = ctx.target.join("kotlin-tests").join("classes");
    remove_dir_if_exists(&classes)?;
    create_dir_all(&classes)?;
    run(ctx
        .cmd(&tools.kotlinc)
        .arg("-d")
        .arg(&classes)
        .arg("-classpath")
        .arg(class_path(&tools.compile_class_path))
        .args(["-jvm-target", "17"])
        .args(&generated_sources)
        .args(&library_sources)
        .args(&test_sources)
        .arg(ctx.root.join(KOTLIN_TEST_MAIN)))?;

    let mut run_class_path: Vec<PathBuf> = vec![classes.clone()];
    run_class_path.extend(tools.compile_class_path.iter().cloned());
    run_class_path.extend(tools.runtime_class_path.iter().cloned());
    run(ctx
        .cmd("java")
        .arg(format!("-Djna.library.path={}", ctx.debug_dir().display()))
        .arg(format!("-Dpeerlog.repo.root={}", ctx.root.display()))
        .arg("-classpath")
        .arg(class_path(&run_class_path))
        .arg(KOTLIN_TEST_MAIN_CLASS)
        .arg(&classes))
}

/// Parses the generated Swift and all hand-written Swift with tree-sitter-swift.
pub fn swift(ctx: &Ctx, generated: &Generated) -> Result<()> {
    let parser = swift_parser_dir(ctx).join("node_modules");
    if !parser.join("tree-sitter-swift").is_dir() {
        bail!(
            "tree-sitter-swift not installed in {}; run `cargo xtask setup`",
            parser.display()
        );
    }
    let mut files = files_with_suffix(&generated.swift_dir, ".swift")?;
    if files.is_empty() {
        bail!(
            "no generated Swift in {}; run the `bindings` step first",
            generated.swift_dir.display()
        );
    }
    for dir in SWIFT_DIRS {
        files.extend(files_with_suffix(&ctx.root.join(dir), ".swift")?);
    }
    run(ctx
        .cmd("node")
        .arg(ctx.root.join(SWIFT_CHECK_SCRIPT))
        .arg(&parser)
        .args(&files))
}

/// Checks that the generated C header parses, as C and as Objective-C (Swift imports it
/// through Clang).
pub fn header(ctx: &Ctx, generated: &Generated) -> Result<()> {
    if which("clang").is_none() {
        bail!("`clang` is not on PATH; run `cargo xtask setup`");
    }
    if !generated.header.is_file() {
        bail!(
            "{} not found; run the `bindings` step first",
            generated.header.display()
        );
    }
    // Included from an empty file, as a real user would (compiling a header directly warns
    // "#pragma once in main file").
    for language in ["c", "objective-c"] {
        run(ctx
            .cmd("clang")
            .args(["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-include"])
            .arg(&generated.header)
            .args(["-x", language, "/dev/null"]))?;
    }
    Ok(())
}
