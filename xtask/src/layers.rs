//! Architecture checks: the peer core's modules import one another one way only (no
//! cycles, and nothing imports the app surface), and the library the apps link exports
//! none of the coordinator's functions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::ctx::Ctx;
use crate::util::{Context, Result, bail, files_with_suffix, output};

/// The peer core's source folder, relative to the workspace root.
const CORE_SRC: &str = "core/core/src";
/// The module that is the app surface: nothing may import it.
const SURFACE: &str = "ffi";
/// Words in an exported symbol that belong to the coordinator, not to a phone.
const COORDINATOR_WORDS: &[&str] = &[
    "coordinator",
    "invitation",
    "publish_declaration",
    "chapter_peers",
    "chapter_report",
    "chapter_expenses",
    "decide_expense",
    "revoke_device",
];

/// Crates (manifest, relative to the workspace root) and the workspace crates their
/// normal dependencies must not name: the server never links the phone core or the
/// coordinator's crates (it holds no key that opens a record, and the organisation report
/// writes its files through `peerlog-sheets`), and `peerlog-sheets` knows no Peerlog data.
const FORBIDDEN_DEPENDENCIES: &[(&str, &[&str])] = &[
    (
        "server/Cargo.toml",
        &[
            "peerlog-core",
            "peerlog-coordinator",
            "peerlog-console",
            "peerlog-cli",
            "rust_xlsxwriter",
        ],
    ),
    (
        "core/sheets/Cargo.toml",
        &[
            "peerlog-protocol",
            "peerlog-crypto",
            "peerlog-rules",
            "peerlog-core",
            "peerlog-coordinator",
        ],
    ),
];

/// Checks [`FORBIDDEN_DEPENDENCIES`].
pub fn check_crates(ctx: &Ctx) -> Result<()> {
    let mut problems = Vec::new();
    for (manifest, forbidden) in FORBIDDEN_DEPENDENCIES {
        let path = ctx.root.join(manifest);
        let text =
            std::fs::read_to_string(&path).context(|| format!("cannot read {}", path.display()))?;
        for name in normal_dependencies(&text) {
            if forbidden.contains(&name.as_str()) {
                problems.push(format!("{manifest} depends on {name}"));
            }
        }
    }
    if !problems.is_empty() {
        bail!("crates depend across layers:\n  {}", problems.join("\n  "));
    }
    println!(
        "{} crates checked: the server links no client crate, peerlog-sheets no Peerlog crate",
        FORBIDDEN_DEPENDENCIES.len()
    );
    Ok(())
}

/// The names in a manifest's `[dependencies]` table (not dev- or build-dependencies).
pub fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim().split('.').next().unwrap_or_default();
            out.push(name.trim_matches('"').to_string());
        }
    }
    out
}

/// Top-level module → the crate's top-level modules its code (not its tests) names.
pub type Imports = BTreeMap<String, BTreeSet<String>>;

/// Reads `core/core/src` and checks its import graph.
pub fn check_core(ctx: &Ctx) -> Result<()> {
    let imports = core_imports(&ctx.root.join(CORE_SRC))?;
    let problems = problems(&imports);
    if !problems.is_empty() {
        bail!(
            "the peer core's modules must import one way only:\n  {}",
            problems.join("\n  ")
        );
    }
    println!(
        "{} modules of the peer core, no import cycle, nothing imports `{SURFACE}`",
        imports.len()
    );
    Ok(())
}

fn core_imports(src: &Path) -> Result<Imports> {
    let mut imports = Imports::new();
    for file in files_with_suffix(src, ".rs")? {
        let rel = file
            .strip_prefix(src)
            .context(|| format!("{} is outside {}", file.display(), src.display()))?;
        let Some(first) = rel.components().next() else {
            continue;
        };
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" {
            continue;
        }
        let text =
            std::fs::read_to_string(&file).context(|| format!("cannot read {}", file.display()))?;
        let names = imports.entry(module.clone()).or_default();
        for name in crate_paths(&text) {
            if name != module {
                names.insert(name);
            }
        }
    }
    Ok(imports)
}

/// The top-level module names that `crate::…` paths in `source` start with, ignoring
/// comments and everything from the first `#[cfg(test)]` on (tests may reach anywhere).
pub fn crate_paths(source: &str) -> BTreeSet<String> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        rest = &rest[at + "crate::".len()..];
        if !before_ok {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d}`: the first segment of each entry.
            let inner = group.split('}').next().unwrap_or_default();
            out.extend(
                inner
                    .split(',')
                    .filter_map(|e| first_ident(e.trim()))
                    .map(str::to_string),
            );
        } else if let Some(name) = first_ident(rest) {
            out.insert(name.to_string());
        }
    }
    out
}

fn first_ident(s: &str) -> Option<&str> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

/// Every import of the surface and every cycle, as readable lines.
pub fn problems(imports: &Imports) -> Vec<String> {
    let mut out: Vec<String> = imports
        .iter()
        .filter(|(m, names)| m.as_str() != SURFACE && names.contains(SURFACE))
        .map(|(m, _)| format!("`{m}` imports the app surface `{SURFACE}`"))
        .collect();
    let mut seen = BTreeSet::new();
    for start in imports.keys() {
        if let Some(cycle) = cycle_through(imports, start) {
            let mut key = cycle.clone();
            key.sort();
            if seen.insert(key) {
                out.push(format!("cycle: {} -> {}", cycle.join(" -> "), cycle[0]));
            }
        }
    }
    out
}

/// A shortest path from `start` back to itself, if there is one.
fn cycle_through(imports: &Imports, start: &str) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(m) = queue.pop_front() {
        for next in imports.get(m).into_iter().flatten() {
            let next = next.as_str();
            if !imports.contains_key(next) {
                continue; // an item of lib.rs, not a module
            }
            if next == start {
                let mut path = vec![m.to_string()];
                let mut at = m;
                while at != start {
                    at = parent[at];
                    path.push(at.to_string());
                }
                path.reverse();
                return Some(path);
            }
            if next != start && !parent.contains_key(next) {
                parent.insert(next, m);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Checks the dynamic symbols of the built phone library for coordinator functions.
pub fn check_exports(library: &Path) -> Result<()> {
    let symbols = output(
        std::process::Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(library),
    )?;
    let exported: Vec<&str> = symbols
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    let found = coordinator_symbols(&exported);
    if !found.is_empty() {
        bail!(
            "{} exports coordinator functions (they belong in peerlog-coordinator):\n  {}",
            library.display(),
            found.join("\n  ")
        );
    }
    let uniffi = exported
        .iter()
        .filter(|s| s.starts_with("uniffi_peerlog_core_fn_"))
        .count();
    if uniffi == 0 {
        bail!(
            "{} exports no uniffi function: is this the core library?",
            library.display()
        );
    }
    println!(
        "{}: {uniffi} exported functions, none of the coordinator's",
        library.display()
    );
    Ok(())
}

/// The symbols that name a coordinator operation.
pub fn coordinator_symbols<'a>(symbols: &[&'a str]) -> Vec<&'a str> {
    symbols
        .iter()
        .copied()
        .filter(|s| s.starts_with("uniffi_peerlog_core_"))
        .filter(|s| COORDINATOR_WORDS.iter().any(|w| s.contains(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Imports {
        edges
            .iter()
            .map(|(m, to)| (m.to_string(), to.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn normal_dependencies_leave_out_dev_dependencies() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\n# a comment\n\
                        peerlog-sheets.workspace = true\nserde = { version = \"1\" }\n\
                        [dev-dependencies]\npeerlog-core.workspace = true\n";
        assert_eq!(normal_dependencies(manifest), ["peerlog-sheets", "serde"]);
    }

    #[test]
    fn finds_paths_in_code_but_not_in_comments_or_tests() {
        let src = "use crate::store::{self, Store};\n\
                   use crate::{clock::Clock, contacts, expenses};\n\
                   // crate::commented\n\
                   fn f() { crate::util::now(); my_crate::x(); }\n\
                   #[cfg(test)]\nmod tests { use crate::ffi; }";
        let found: Vec<_> = crate_paths(src).into_iter().collect();
        assert_eq!(found, ["clock", "contacts", "expenses", "store", "util"]);
    }

    #[test]
    fn reports_cycles_once_and_imports_of_the_surface() {
        let ok = graph(&[
            ("ffi", &["contacts", "store"]),
            ("contacts", &["store", "error"]),
            ("store", &["error"]),
            ("error", &[]),
        ]);
        assert!(problems(&ok).is_empty());
        let bad = graph(&[
            ("ffi", &["contacts"]),
            ("contacts", &["store"]),
            ("store", &["index"]),
            ("index", &["contacts"]),
            ("error", &["ffi"]),
        ]);
        let p = problems(&bad);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|l| l.contains("`error` imports the app surface"))
        );
        assert!(
            p.iter()
                .any(|l| l.starts_with("cycle: ") && l.contains("store"))
        );
    }

    #[test]
    fn the_real_core_has_no_cycle() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(CORE_SRC);
        let imports = core_imports(&src).unwrap();
        assert!(imports.contains_key("ffi") && imports.contains_key("store"));
        assert_eq!(problems(&imports), Vec::<String>::new());
    }

    #[test]
    fn coordinator_symbols_are_found() {
        let symbols = [
            "uniffi_peerlog_core_fn_method_peerlog_add_contact",
            "uniffi_peerlog_core_fn_method_peerlog_create_invitation",
            "uniffi_peerlog_core_checksum_method_peerlog_chapter_report",
            "ffi_peerlog_core_rustbuffer_alloc",
        ];
        assert_eq!(
            coordinator_symbols(&symbols),
            [
                "uniffi_peerlog_core_fn_method_peerlog_create_invitation",
                "uniffi_peerlog_core_checksum_method_peerlog_chapter_report",
            ]
        );
    }
}
