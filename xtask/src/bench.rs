//! `cargo xtask bench [--quick]`: the benchmarks of issue 13 in release mode, as one table.
//!
//! Each benchmark program appends its rows as flat JSON lines to the file named by
//! `PEERLOG_BENCH_OUT` (`core/core/benches/common/mod.rs`, `report`): the core's paths
//! against their plaintext baseline (`paths`), a fresh process opening the store and its
//! peak memory (`peak_memory`), the server over HTTP, restore and the coordinator
//! (`server_sync`). This file adds the library sizes, prints the table and writes
//! `target/bench/summary.json`. `--quick`: small sizes, few iterations, no library build.

use crate::ctx::Ctx;
use crate::postgres;
use crate::util::{self, Context, Result, bail};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// A value of a flat JSON row.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

type Row = BTreeMap<String, Value>;

pub fn run(ctx: &Ctx, quick: bool) -> Result<()> {
    let dir = ctx.target.join("bench");
    std::fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    let rows_file = dir.join("rows.jsonl");
    let _ = std::fs::remove_file(&rows_file);
    let with_env = |mut cmd: std::process::Command| {
        cmd.env("PEERLOG_BENCH_OUT", &rows_file);
        if quick {
            cmd.env("PEERLOG_BENCH_QUICK", "1");
        }
        cmd
    };

    let mut paths = with_env(ctx.cargo());
    paths.args(["bench", "-p", "peerlog-core", "--bench", "paths"]);
    util::run(&mut paths)?;
    let mut peak = with_env(ctx.cargo());
    peak.args([
        "run",
        "--release",
        "-p",
        "peerlog-core",
        "--example",
        "peak_memory",
    ]);
    util::run(&mut peak)?;
    let mut server = with_env(ctx.cargo());
    server.args(["bench", "-p", "peerlog-tests", "--bench", "server_sync"]);
    match postgres::ensure_postgres() {
        Ok(url) => {
            server.env("PEERLOG_TEST_POSTGRES", url);
        }
        Err(e) => println!("PostgreSQL not available ({e}); measuring SQLite only"),
    }
    util::run(&mut server)?;

    let text = std::fs::read_to_string(&rows_file)
        .context(|| format!("reading {}", rows_file.display()))?;
    let mut rows = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_row)
        .collect::<Result<Vec<_>>>()?;
    judge_push(&mut rows);
    rows.extend(library_sizes(ctx, quick)?);

    let machine = machine();
    let table = table(&rows, &machine, quick);
    println!("\n{table}");
    let summary = dir.join("summary.json");
    std::fs::write(&summary, summary_json(&rows, &machine, quick))
        .context(|| format!("writing {}", summary.display()))?;
    std::fs::write(dir.join("summary.md"), &table).context(|| "writing summary.md".into())?;
    println!("written: {}", summary.display());
    Ok(())
}

/// PostgreSQL's push target is relative: at least SQLite's rate in the same run.
fn judge_push(rows: &mut [Row]) {
    let rate = |rows: &[Row], key: &str| {
        rows.iter()
            .find(|r| r.get("key") == Some(&Value::Str(key.into())))
            .and_then(|r| num(r.get("value")))
    };
    let (Some(sqlite), Some(pg)) = (rate(rows, "push_sqlite"), rate(rows, "push_postgres")) else {
        return;
    };
    for r in rows.iter_mut() {
        if r.get("key") == Some(&Value::Str("push_postgres".into())) {
            r.insert("pass".into(), Value::Bool(pg >= sqlite));
            r.insert("baseline".into(), Value::Num(sqlite));
        }
    }
}

/// The host's phone library profile, stripped: the only size this machine can measure
/// honestly (no Android NDK, no Apple toolchain).
fn library_sizes(ctx: &Ctx, quick: bool) -> Result<Vec<Row>> {
    let row = |path: &str, key: &str, value: Value, target: &str, pass: Value, note: &str| {
        let mut r = Row::new();
        r.insert("path".into(), Value::Str(path.into()));
        r.insert("key".into(), Value::Str(key.into()));
        r.insert("unit".into(), Value::Str("MB".into()));
        r.insert("value".into(), value);
        r.insert("today".into(), Value::Null);
        r.insert(
            "today_source".into(),
            Value::Str("issue (not measured)".into()),
        );
        r.insert("baseline".into(), Value::Null);
        r.insert("target".into(), Value::Str(target.into()));
        r.insert("pass".into(), pass);
        r.insert("note".into(), Value::Str(note.into()));
        r
    };
    let ios = row(
        "iOS static library (aarch64-apple-ios)",
        "ios_staticlib",
        Value::Null,
        "state it",
        Value::Null,
        "not measured: no Apple toolchain or iOS target on this machine",
    );
    if quick {
        return Ok(vec![ios]);
    }
    util::run(ctx.cargo().args([
        "build",
        "--profile",
        "release-mobile",
        "-p",
        "peerlog-core",
        "--lib",
    ]))?;
    let so = ctx.target.join("release-mobile").join("libpeerlog_core.so");
    let stripped = ctx.target.join("bench").join("libpeerlog_core.stripped.so");
    std::fs::copy(&so, &stripped).context(|| format!("copying {}", so.display()))?;
    util::run(
        std::process::Command::new("strip")
            .arg("--strip-all")
            .arg(&stripped),
    )?;
    let mb = size_mb(&stripped)?;
    Ok(vec![
        row(
            "phone library: host x86_64-linux cdylib, release-mobile, stripped (stand-in for arm64 Android)",
            "android_so_host",
            Value::Num(mb),
            "< 8 MB for the Android .so",
            Value::Bool(mb < 8.0),
            "measured on the host: no Android NDK here to link aarch64-linux-android",
        ),
        ios,
    ])
}

fn size_mb(path: &Path) -> Result<f64> {
    let len = std::fs::metadata(path)
        .context(|| format!("reading {}", path.display()))?
        .len();
    Ok((len as f64 / (1024.0 * 1024.0) * 100.0).round() / 100.0)
}

/// `nproc`, the CPU model and the OS, as the README's table states them.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.into());
    format!("{cores} cores ({model}), {os}")
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Num(n)) => Some(*n),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Str(s)) => s.clone(),
        Some(Value::Num(n)) => figure(*n),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A figure as a reader takes it in: 3 significant digits, thousands grouped.
fn figure(n: f64) -> String {
    if n.abs() >= 1000.0 {
        let s = format!("{:.0}", n);
        let (sign, digits) = s.split_at(usize::from(s.starts_with('-')));
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        format!("{sign}{out}")
    } else if n.abs() >= 100.0 {
        format!("{n:.0}")
    } else if n.abs() >= 10.0 {
        format!("{n:.1}")
    } else if n.abs() >= 1.0 {
        format!("{n:.2}")
    } else {
        format!("{n:.3}")
    }
}

fn with_unit(v: Option<&Value>, unit: &str) -> String {
    match num(v) {
        Some(n) => format!("{} {unit}", figure(n)),
        None => "–".into(),
    }
}

/// The table, as Markdown (it reads as a table in a terminal too).
fn table(rows: &[Row], machine: &str, quick: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Benchmarks{}, release build, medians; machine: {machine}\n",
        if quick {
            " (QUICK smoke run: small sizes, not the targets' sizes)"
        } else {
            ""
        }
    );
    out.push_str("| path | now | today | plaintext baseline | ratio | target | pass |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for r in rows {
        let unit = text(r.get("unit"));
        let today = match num(r.get("today")) {
            Some(n) => format!("{} {unit} ({})", figure(n), text(r.get("today_source"))),
            None => "not measured".into(),
        };
        let ratio = match (num(r.get("value")), num(r.get("baseline"))) {
            (Some(v), Some(b))
                if b > 0.0 && r.get("key") != Some(&Value::Str("push_postgres".into())) =>
            {
                format!("{:.2}×", v / b)
            }
            (Some(v), Some(b)) if b > 0.0 => format!("{:.2}× of SQLite", v / b),
            _ => "–".into(),
        };
        let pass = match r.get("pass") {
            Some(Value::Bool(true)) => "pass",
            Some(Value::Bool(false)) => "FAIL",
            _ => "–",
        };
        let mut path = text(r.get("path"));
        if let Some(Value::Str(note)) = r.get("note") {
            let _ = write!(path, " — {note}");
        }
        let baseline = if r.get("key") == Some(&Value::Str("push_postgres".into())) {
            "–".into()
        } else {
            with_unit(r.get("baseline"), &unit)
        };
        let _ = writeln!(
            out,
            "| {path} | {} | {today} | {baseline} | {ratio} | {} | {pass} |",
            with_unit(r.get("value"), &unit),
            text(r.get("target")),
        );
    }
    out
}

fn summary_json(rows: &[Row], machine: &str, quick: bool) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"machine\": {},", json_str(machine));
    let _ = writeln!(out, "  \"quick\": {quick},");
    out.push_str("  \"rows\": [\n");
    for (i, r) in rows.iter().enumerate() {
        let fields: Vec<String> = r
            .iter()
            .map(|(k, v)| format!("{}: {}", json_str(k), json_value(v)))
            .collect();
        let comma = if i + 1 < rows.len() { "," } else { "" };
        let _ = writeln!(out, "    {{{}}}{comma}", fields.join(", "));
    }
    out.push_str("  ]\n}\n");
    out
}

fn json_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) if n.is_finite() => format!("{n}"),
        Value::Num(_) => "null".into(),
        Value::Str(s) => json_str(s),
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses one flat JSON object (string, number, boolean and null values), as the bench
/// programs write them.
fn parse_row(line: &str) -> Result<Row> {
    let mut p = Parser {
        s: line.trim().as_bytes(),
        i: 0,
    };
    let row = p.object().ok_or_else(|| {
        util::Error::msg(format!(
            "a bench row that is not a flat JSON object: {line}"
        ))
    })?;
    Ok(row)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn object(&mut self) -> Option<Row> {
        self.eat(b'{')?;
        let mut row = Row::new();
        if self.eat(b'}').is_some() {
            return Some(row);
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            let value = self.value()?;
            row.insert(key, value);
            if self.eat(b',').is_none() {
                self.eat(b'}')?;
                return Some(row);
            }
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.ws();
        let rest = &self.s[self.i..];
        for (word, v) in [
            (&b"null"[..], Value::Null),
            (b"true", Value::Bool(true)),
            (b"false", Value::Bool(false)),
        ] {
            if rest.starts_with(word) {
                self.i += word.len();
                return Some(v);
            }
        }
        if rest.first() == Some(&b'"') {
            return self.string().map(Value::Str);
        }
        let len = rest
            .iter()
            .take_while(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
            .count();
        let n = std::str::from_utf8(&rest[..len]).ok()?.parse().ok()?;
        self.i += len;
        Some(Value::Num(n))
    }

    fn string(&mut self) -> Option<String> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }
}

/// `--quick` or nothing.
pub fn parse_args(rest: &[String]) -> Result<bool> {
    match rest {
        [] => Ok(false),
        [flag] if flag == "--quick" => Ok(true),
        [other, ..] => bail!("usage: cargo xtask bench [--quick] (not `{other}`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rows_the_benches_write() {
        let r = parse_row(
            r#"{"path":"list a \"month\"","value":3.25,"today":null,"pass":true,"n":-1e3}"#,
        )
        .unwrap();
        assert_eq!(r["path"], Value::Str("list a \"month\"".into()));
        assert_eq!(r["value"], Value::Num(3.25));
        assert_eq!(r["today"], Value::Null);
        assert_eq!(r["pass"], Value::Bool(true));
        assert_eq!(r["n"], Value::Num(-1000.0));
        assert!(parse_row("[1]").is_err());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(figure(199_474.4), "199 474");
        assert_eq!(figure(133.2), "133");
        assert_eq!(figure(2.234), "2.23");
        assert_eq!(figure(0.2712), "0.271");
    }
}
