//! The checks of the generated bindings (Kotlin JVM tests, Swift syntax, C header), the
//! syntax of all hand-written Kotlin (the Android app included) and the apps' localisation
//! (every string key in every language, Android and iOS).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::bindings::Generated;
use crate::ctx::Ctx;
use crate::setup::{KOTLIN_GRAMMAR, KotlinTools, SWIFT_GRAMMAR};
use crate::util::{
    Result, bail, class_path, create_dir_all, files_with_suffix, remove_dir_if_exists, run, which,
};

/// Kotlin library code shipped with the bindings (compiled with them, not tests).
pub const KOTLIN_SRC: &str = "bindings/kotlin/src";
/// The Android library's Kotlin layer: compiled and tested on the JVM with the bindings,
/// except [`KOTLIN_ANDROID_ONLY`] (code that imports `android.*`).
pub const KOTLIN_ANDROID_LAYER: &str = "android/peerlog/src/main/kotlin";
/// Android-only Kotlin under [`KOTLIN_ANDROID_LAYER`]: not compiled here (no Android SDK).
pub const KOTLIN_ANDROID_ONLY: &str = "android/peerlog/src/main/kotlin/org/peerlog/android";
/// Kotlin JVM tests: every class with a JUnit 4 `@Test` method is run.
pub const KOTLIN_TEST: &str = "bindings/kotlin/test";
/// The launcher that finds and runs the test classes.
const KOTLIN_TEST_MAIN: &str = "xtask/assets/KotlinTestMain.kt";
const KOTLIN_TEST_MAIN_CLASS: &str = "no.peerlog.xtask.KotlinTestMainKt";
const SWIFT_CHECK_SCRIPT: &str = "xtask/assets/swift_syntax_check.js";
/// Hand-written Swift checked besides the generated file.
pub const SWIFT_DIRS: &[&str] = &["ios", "bindings/swift"];
const KOTLIN_CHECK_SCRIPT: &str = "xtask/assets/kotlin_syntax_check.js";
/// Small Kotlin files the check must pass (`valid/`) and must fail (`broken/`).
const KOTLIN_CHECK_FIXTURES: &str = "xtask/assets/kotlin-syntax-fixtures";
/// Where all hand-written Kotlin (`.kt`, `.kts`) lives; every file is syntax-checked.
pub const KOTLIN_SYNTAX_DIRS: &[&str] = &["android", "bindings/kotlin"];

/// Compiles generated Kotlin + `bindings/kotlin/{src,test}` + the Android library's JVM layer and runs the tests on the JVM
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
    let mut library_sources = files_with_suffix(&ctx.root.join(KOTLIN_SRC), ".kt")?;
    let android_only = ctx.root.join(KOTLIN_ANDROID_ONLY);
    let android_layer: Vec<PathBuf> =
        files_with_suffix(&ctx.root.join(KOTLIN_ANDROID_LAYER), ".kt")?
            .into_iter()
            .filter(|file| !file.starts_with(&android_only))
            .collect();
    for file in &android_layer {
        let text = read(file)?;
        if let Some(line) = text
            .lines()
            .find(|l| l.starts_with("import android.") || l.starts_with("import androidx."))
        {
            bail!(
                "{}: `{line}`: the JVM-tested layer must not use the Android framework; \
                 move Android-only code under {KOTLIN_ANDROID_ONLY}",
                file.display()
            );
        }
    }
    library_sources.extend(android_layer);
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
    let parser = SWIFT_GRAMMAR.node_modules(ctx)?;
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

/// Parses every hand-written Kotlin file with tree-sitter-kotlin: the only check the Android
/// app and the Android-only code get on Linux. First proves on fixtures that the check still
/// reports broken Kotlin (and that its normalisations are still needed).
pub fn kotlin_syntax(ctx: &Ctx) -> Result<()> {
    let parser = KOTLIN_GRAMMAR.node_modules(ctx)?;
    let script = ctx.root.join(KOTLIN_CHECK_SCRIPT);
    run(ctx
        .cmd("node")
        .arg(&script)
        .arg(&parser)
        .arg("--self-test")
        .arg(ctx.root.join(KOTLIN_CHECK_FIXTURES)))?;
    let files = kotlin_syntax_files(&ctx.root)?;
    if files.is_empty() {
        bail!("no Kotlin files under {}", KOTLIN_SYNTAX_DIRS.join(", "));
    }
    // Relative to the root (node runs there), so errors read `android/...kt:LINE:COL`.
    let files = files.iter().map(|f| f.strip_prefix(&ctx.root).unwrap_or(f));
    run(ctx.cmd("node").arg(&script).arg(&parser).args(files))
}

/// Every `.kt` and `.kts` file under [`KOTLIN_SYNTAX_DIRS`] (build output skipped), sorted.
pub fn kotlin_syntax_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for dir in KOTLIN_SYNTAX_DIRS {
        for suffix in [".kt", ".kts"] {
            files.extend(files_with_suffix(&root.join(dir), suffix)?);
        }
    }
    files.sort();
    Ok(files)
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

/// Android string resources: the default (English) file and its translations.
pub const ANDROID_STRINGS: &[(&str, &str)] = &[
    ("en", "android/app/src/main/res/values/strings.xml"),
    ("nb", "android/app/src/main/res/values-nb/strings.xml"),
    ("da", "android/app/src/main/res/values-da/strings.xml"),
];
/// The iOS app's String Catalog.
pub const IOS_STRING_CATALOG: &str = "ios/PeerlogApp/Resources/Localizable.xcstrings";
/// The languages every user-visible string must have.
pub const LANGUAGES: &[&str] = &["en", "nb", "da"];

/// Fails if a string key is missing in any language: the same key set in the Android
/// `values{,-nb,-da}/strings.xml`, and `en`, `nb`, `da` for every key of the iOS String
/// Catalog (required only once `ios/` exists).
pub fn l10n(ctx: &Ctx) -> Result<()> {
    let mut problems = Vec::new();

    let mut android = BTreeMap::new();
    for (language, path) in ANDROID_STRINGS {
        let file = ctx.root.join(path);
        match read(&file).and_then(|xml| android_string_keys(&xml)) {
            Ok(keys) => {
                android.insert(*language, keys);
            }
            Err(e) => problems.push(format!("{path}: {e}")),
        }
    }
    if android.len() == ANDROID_STRINGS.len() {
        problems.extend(missing_android_keys(&android));
        println!(
            "l10n: android: {} key(s) in {}",
            android.get("en").map_or(0, BTreeSet::len),
            LANGUAGES.join(", ")
        );
    }

    let catalog = ctx.root.join(IOS_STRING_CATALOG);
    if catalog.is_file() {
        match read(&catalog).and_then(|json| missing_catalog_localizations(&json)) {
            Ok((keys, missing)) => {
                println!("l10n: ios: {keys} key(s) in {IOS_STRING_CATALOG}");
                problems.extend(
                    missing
                        .into_iter()
                        .map(|m| format!("{IOS_STRING_CATALOG}: {m}")),
                );
            }
            Err(e) => problems.push(format!("{IOS_STRING_CATALOG}: {e}")),
        }
    } else if ctx.root.join("ios").is_dir() {
        problems.push(format!(
            "{IOS_STRING_CATALOG} does not exist, but ios/ does: the iOS app needs its String \
             Catalog with {} for every key",
            LANGUAGES.join(", ")
        ));
    } else {
        println!("l10n: ios: no ios/ directory yet; nothing to check");
    }

    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        eprintln!("l10n: {p}");
    }
    bail!("{} localisation problem(s); see above", problems.len())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| crate::util::Error::msg(format!("cannot read: {e}")))
}

/// Keys present in some language but not in another, one message per language and key.
fn missing_android_keys(by_language: &BTreeMap<&str, BTreeSet<String>>) -> Vec<String> {
    let all: BTreeSet<&String> = by_language.values().flatten().collect();
    let mut missing = Vec::new();
    for (language, path) in ANDROID_STRINGS {
        if let Some(keys) = by_language.get(language) {
            for key in all.iter().filter(|k| !keys.contains(**k)) {
                missing.push(format!("{path}: missing `{key}` ({language})"));
            }
        }
    }
    missing
}

/// The translatable keys of an Android `strings.xml` (`<string>`, `<plurals>`,
/// `<string-array>`; `translatable="false"` ones are skipped). Duplicates are an error.
pub fn android_string_keys(xml: &str) -> Result<BTreeSet<String>> {
    let mut keys = BTreeSet::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                bail!("unterminated comment");
            };
            rest = &after[end + 3..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let Some(end) = after.find("]]>") else {
                bail!("unterminated CDATA");
            };
            rest = &after[end + 3..];
            continue;
        }
        let Some(end) = rest.find('>') else {
            bail!("unterminated tag");
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let element = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if !matches!(element, "string" | "plurals" | "string-array") {
            continue;
        }
        if xml_attribute(tag, "translatable").as_deref() == Some("false") {
            continue;
        }
        let Some(name) = xml_attribute(tag, "name") else {
            bail!("<{element}> without a name: <{tag}>");
        };
        if !keys.insert(name.clone()) {
            bail!("duplicate key `{name}`");
        }
    }
    Ok(keys)
}

/// The value of `attribute="..."` (or single quotes) in the inside of a start tag.
fn xml_attribute(tag: &str, attribute: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(attribute) {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let after = rest[at + attribute.len()..].trim_start();
        rest = &rest[at + attribute.len()..];
        if !before_ok {
            continue;
        }
        let Some(value) = after.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value = &value[1..];
        return value.find(quote).map(|end| value[..end].to_string());
    }
    None
}

/// For an Xcode String Catalog: the number of keys, and one message per key and language
/// that has no translated value (`stringUnit.value`, or `variations` for plurals).
/// Keys marked `"shouldTranslate": false` are skipped.
pub fn missing_catalog_localizations(json: &str) -> Result<(usize, Vec<String>)> {
    let root = Json::parse(json)?;
    let Some(strings) = root.get("strings").and_then(Json::as_object) else {
        bail!("no \"strings\" object");
    };
    let mut missing = Vec::new();
    for (key, entry) in strings {
        if matches!(entry.get("shouldTranslate"), Some(Json::Bool(false))) {
            continue;
        }
        let localizations = entry.get("localizations");
        for language in LANGUAGES {
            let localization = localizations.and_then(|l| l.get(language));
            let unit = localization.and_then(|l| l.get("stringUnit"));
            let has_value = unit
                .and_then(|u| u.get("value"))
                .and_then(Json::as_str)
                .is_some_and(|v| !v.is_empty());
            let has_variations = localization
                .and_then(|l| l.get("variations"))
                .and_then(Json::as_object)
                .is_some_and(|v| !v.is_empty());
            if !has_value && !has_variations {
                missing.push(format!("missing `{key}` ({language})"));
            }
        }
    }
    Ok((strings.len(), missing))
}

/// A minimal JSON value (std only), enough to read a String Catalog.
#[derive(Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn parse(text: &str) -> Result<Json> {
        let mut parser = JsonParser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value()?;
        parser.space();
        if parser.at != parser.bytes.len() {
            return Err(parser.error("trailing characters"));
        }
        Ok(value)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn as_object(&self) -> Option<&Vec<(String, Json)>> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

struct JsonParser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl JsonParser<'_> {
    fn error(&self, what: &str) -> crate::util::Error {
        let line = 1 + self.bytes[..self.at.min(self.bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        crate::util::Error::msg(format!("invalid JSON at line {line}: {what}"))
    }

    fn space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.bytes[self.at..].starts_with(literal.as_bytes()) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json> {
        self.space();
        match self.bytes.get(self.at) {
            None => Err(self.error("unexpected end")),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') if self.eat("true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Json::Bool(false)),
            Some(b'n') if self.eat("null") => Ok(Json::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| b"+-.eE0123456789".contains(b))
                {
                    self.at += 1;
                }
                let number = String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned();
                Ok(Json::Number(number))
            }
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn object(&mut self) -> Result<Json> {
        self.at += 1;
        let mut members = Vec::new();
        self.space();
        if self.eat("}") {
            return Ok(Json::Object(members));
        }
        loop {
            self.space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.error("expected a key"));
            }
            let key = self.string()?;
            self.space();
            if !self.eat(":") {
                return Err(self.error("expected `:`"));
            }
            let value = self.value()?;
            members.push((key, value));
            self.space();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(Json::Object(members));
            }
            return Err(self.error("expected `,` or `}`"));
        }
    }

    fn array(&mut self) -> Result<Json> {
        self.at += 1;
        let mut items = Vec::new();
        self.space();
        if self.eat("]") {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.space();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                return Ok(Json::Array(items));
            }
            return Err(self.error("expected `,` or `]`"));
        }
    }

    fn string(&mut self) -> Result<String> {
        self.at += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&b) = self.bytes.get(self.at) else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let Some(&escaped) = self.bytes.get(self.at) else {
                        return Err(self.error("unterminated escape"));
                    };
                    self.at += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.error("bad escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(b),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("bad \\u escape"))?;
        self.at += 4;
        Ok(digits)
    }

    fn unicode_escape(&mut self) -> Result<char> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if !self.eat("\\u") {
                return Err(self.error("lone surrogate"));
            }
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error("bad surrogate pair"));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("bad code point"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    #[test]
    fn kotlin_syntax_covers_android_and_hand_written_bindings() {
        let root = repo_root();
        let files = kotlin_syntax_files(&root).unwrap();
        let has = |path: &str| files.contains(&root.join(path));
        assert!(has(
            "android/peerlog/src/main/kotlin/org/peerlog/core/EncryptedFileSecretStore.kt"
        ));
        assert!(has(
            "android/peerlog/src/main/kotlin/org/peerlog/android/SyncWorker.kt"
        ));
        assert!(has("android/settings.gradle.kts"));
        assert!(has("bindings/kotlin/test/PeerlogClientTest.kt"));
        assert!(
            files
                .iter()
                .any(|f| f.starts_with(root.join("android/app/src/main")))
        );
        // Build output (e.g. Gradle's generated bindings) is not hand-written.
        assert!(
            !files
                .iter()
                .any(|f| f.components().any(|c| c.as_os_str() == "build"))
        );
    }

    /// The fixtures that let the step prove it still fails on broken Kotlin.
    #[test]
    fn kotlin_syntax_fixtures_are_complete() {
        let dir = repo_root().join(KOTLIN_CHECK_FIXTURES);
        let valid = files_with_suffix(&dir.join("valid"), ".kt").unwrap();
        let broken = files_with_suffix(&dir.join("broken"), ".kt").unwrap();
        assert!(!valid.is_empty() && !broken.is_empty());
        assert!(valid.iter().any(|f| {
            read(f)
                .unwrap()
                .lines()
                .any(|l| l.trim() == "// needs-normalisation")
        }));
        for file in &broken {
            let text = read(file).unwrap();
            let expect = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("// expect-error: "));
            let Some((line, col)) = expect.and_then(|e| e.split_once(':')) else {
                panic!("{}: no `// expect-error: LINE:COL`", file.display());
            };
            assert!(line.parse::<u32>().is_ok() && col.parse::<u32>().is_ok());
        }
    }

    #[test]
    fn android_keys_skip_comments_and_untranslatable() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<resources>
    <!-- <string name="commented">x</string> -->
    <string name="app_name" translatable="false">Peerlog</string>
    <string name="home_title">Home</string>
    <string
        name="multi_line">A <b>bold</b> one</string>
    <plurals name="unsynced"><item quantity="one">%d</item></plurals>
    <string-array name="languages"><item>en</item></string-array>
    <string name='single'>it's</string>
</resources>"#;
        let keys: Vec<String> = android_string_keys(xml).unwrap().into_iter().collect();
        assert_eq!(
            keys,
            [
                "home_title",
                "languages",
                "multi_line",
                "single",
                "unsynced"
            ]
        );
    }

    #[test]
    fn android_duplicate_key_is_an_error() {
        let xml =
            r#"<resources><string name="a">x</string><string name="a">y</string></resources>"#;
        assert!(android_string_keys(xml).is_err());
    }

    #[test]
    fn android_missing_keys_are_named_per_language() {
        let set = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
        let mut by_language = BTreeMap::new();
        by_language.insert("en", set(&["a", "b"]));
        by_language.insert("nb", set(&["a", "b"]));
        by_language.insert("da", set(&["a", "c"]));
        let missing = missing_android_keys(&by_language);
        assert_eq!(missing.len(), 3, "{missing:?}");
        assert!(missing.iter().any(|m| m.contains("`c` (en)")));
        assert!(missing.iter().any(|m| m.contains("`c` (nb)")));
        assert!(
            missing
                .iter()
                .any(|m| m.contains("values-da") && m.contains("`b` (da)"))
        );
    }

    #[test]
    fn catalog_reports_each_missing_language() {
        let json = r#"{
  "sourceLanguage" : "en",
  "strings" : {
    "home.title" : {
      "localizations" : {
        "da" : { "stringUnit" : { "state" : "translated", "value" : "Hjem" } },
        "en" : { "stringUnit" : { "state" : "translated", "value" : "Home" } },
        "nb" : { "stringUnit" : { "state" : "translated", "value" : "Hjem \"\u00e6\" \ud83d\ude00" } }
      }
    },
    "log.save" : {
      "localizations" : {
        "en" : { "stringUnit" : { "state" : "translated", "value" : "Save" } },
        "nb" : { "stringUnit" : { "state" : "translated", "value" : "" } }
      }
    },
    "%lld unsynced" : {
      "localizations" : {
        "en" : { "variations" : { "plural" : { "one" : { "stringUnit" : { "state" : "translated", "value" : "%lld" } } } } },
        "nb" : { "variations" : { "plural" : { "one" : { "stringUnit" : { "state" : "translated", "value" : "%lld" } } } } },
        "da" : { "variations" : { "plural" : { "one" : { "stringUnit" : { "state" : "translated", "value" : "%lld" } } } } }
      }
    },
    "Peerlog" : { "shouldTranslate" : false },
    "bare" : { }
  },
  "version" : "1.0"
}"#;
        let (keys, missing) = missing_catalog_localizations(json).unwrap();
        assert_eq!(keys, 5);
        assert_eq!(
            missing,
            [
                "missing `log.save` (nb)",
                "missing `log.save` (da)",
                "missing `bare` (en)",
                "missing `bare` (nb)",
                "missing `bare` (da)",
            ]
        );
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        for bad in [
            "",
            "{",
            r#"{"strings": }"#,
            r#"{"a": "\u12"}"#,
            "[1,]",
            "{} x",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?}");
        }
        assert!(missing_catalog_localizations("[]").is_err());
        assert_eq!(
            Json::parse(r#"{"a":[true,null,-1.5e3]}"#).unwrap(),
            Json::Object(vec![(
                "a".into(),
                Json::Array(vec![
                    Json::Bool(true),
                    Json::Null,
                    Json::Number("-1.5e3".into())
                ])
            )])
        );
    }
}
