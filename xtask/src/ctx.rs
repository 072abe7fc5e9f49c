//! Where things are, and state shared by the steps of one `cargo xtask` run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::Need;
use crate::util::{Result, bail, output};

/// Paths plus what earlier steps hand to later ones (environment, clean-up actions).
pub struct Ctx {
    /// The workspace root (the folder with the root `Cargo.toml`).
    pub root: PathBuf,
    /// Cargo's target directory (honours `CARGO_TARGET_DIR` and cargo config).
    pub target: PathBuf,
    /// Where downloaded tools live: `<root>/.tools`, or `$PEERLOG_TOOLS_DIR`.
    pub tools: PathBuf,
    /// What the selected steps need installed (read by the `setup` step).
    pub needs: Vec<Need>,
    /// Extra environment for every command started through [`Ctx::cmd`]. A step that starts a
    /// service (say PostgreSQL for server tests) records its address here for later steps.
    env: Vec<(String, String)>,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let Some(root) = manifest_dir.parent().map(Path::to_path_buf) else {
            bail!(
                "cannot find the workspace root above {}",
                manifest_dir.display()
            );
        };
        if !root.join("Cargo.toml").is_file() {
            bail!(
                "{} has no Cargo.toml; run xtask with `cargo xtask`",
                root.display()
            );
        }
        let tools = std::env::var_os("PEERLOG_TOOLS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".tools"));
        let mut ctx = Ctx {
            target: root.join("target"),
            root,
            tools,
            needs: Need::ALL.to_vec(),
            env: Vec::new(),
        };
        ctx.target = ctx.find_target_dir()?;
        Ok(ctx)
    }

    /// Asks cargo, so `CARGO_TARGET_DIR` and `build.target-dir` are honoured.
    fn find_target_dir(&self) -> Result<PathBuf> {
        let json = output(
            self.cargo()
                .args(["metadata", "--no-deps", "--format-version", "1"]),
        )?;
        match json_string_field(&json, "target_directory") {
            Some(dir) => Ok(PathBuf::from(dir)),
            None => bail!("`cargo metadata` printed no target_directory"),
        }
    }

    /// A command that runs in the workspace root with the run's extra environment.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// `cargo`, the same one that started xtask.
    pub fn cargo(&self) -> Command {
        self.cmd(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    /// Sets an environment variable for every later command of this run.
    pub fn set_env(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
    }

    /// `target/debug`, where `cargo build --workspace` puts the core library and uniffi-bindgen.
    pub fn debug_dir(&self) -> PathBuf {
        self.target.join("debug")
    }

    /// Default output folder of the generated bindings.
    pub fn bindings_dir(&self) -> PathBuf {
        self.target.join("bindings")
    }
}

/// Extracts a string field from JSON printed by cargo or by `peerlog --json` (compact or
/// pretty), without a JSON parser. Good enough for paths, tokens and invitations (handles
/// the escapes they can contain).
pub fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":");
    let after = &json[json.find(&key)? + key.len()..];
    let mut chars = after.trim_start().strip_prefix('"')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::json_string_field;

    #[test]
    fn finds_target_directory() {
        let json =
            r#"{"packages":[],"target_directory":"/work/my \"repo\"\\x/target","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some(r#"/work/my "repo"\x/target"#)
        );
        assert_eq!(json_string_field(json, "nope"), None);
    }
}
