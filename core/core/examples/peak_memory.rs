//! Peak memory and wall time of opening a 10 000-contact store, computing its year
//! summary and listing one month, printed as one line of JSON.
//!
//! ```text
//! cargo run --release -p peerlog-core --example peak_memory [-- STORE_DIR]
//! ```
//!
//! Without an argument the store is built in a temporary directory; with `STORE_DIR` it
//! is built there if missing and reused otherwise. Either way the measurement runs in a
//! fresh process (this program re-executes itself with `--measure STORE_DIR`), so the
//! peak resident set (`VmHWM` from `/proc/self/status`, Linux only) covers opening and
//! reading only, not building.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn contacts() -> usize {
    if common::quick() { 1_000 } else { 10_000 }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, home] if flag == "--measure" => measure(Path::new(home)),
        [] => {
            let dir = tempfile::tempdir().unwrap();
            run(&dir.path().join("home"));
        }
        [home] => run(Path::new(home)),
        _ => {
            eprintln!("usage: peak_memory [STORE_DIR] | peak_memory --measure STORE_DIR");
            std::process::exit(2);
        }
    }
}

/// Builds the store if needed, then measures it in a child process.
fn run(home: &Path) {
    if common::store_exists(home) {
        eprintln!("reusing the store in {}", home.display());
    } else {
        eprintln!(
            "building a store of {} contacts in {} ...",
            contacts(),
            home.display()
        );
        let t = Instant::now();
        common::build_store(home, contacts());
        eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
    }
    let exe: PathBuf = std::env::current_exe().unwrap();
    let measure = || {
        let out = Command::new(&exe)
            .arg("--measure")
            .arg(home)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!("the measuring process failed: {}", out.status);
            std::process::exit(1);
        }
        let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        println!("{line}");
        line
    };
    // Fresh processes (one of each is enough for a smoke run); the medians go to the bench
    // table. Each launch that finds the year's summary kept (ADR 0025) is followed by one
    // after a change: the kept summary dropped first, so that launch makes it from the index.
    let runs = if common::quick() { 1 } else { 7 };
    measure();
    let db = rusqlite::Connection::open(home.join(peerlog_core::DB_FILE)).unwrap();
    let (mut launch, mut changed, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
    let mut contacts = 0;
    for _ in 0..runs {
        let line = measure();
        launch.push(line["open_summary_ms"].as_f64().unwrap());
        contacts = line["contacts"].as_u64().unwrap();
        db.execute("DELETE FROM summary_cache", []).unwrap();
        let line = measure();
        changed.push(line["open_summary_ms"].as_f64().unwrap());
        // The peak of the launch that reads all 10 000 index rows.
        peaks.push(line["peak_rss_mb"].as_f64().unwrap_or(f64::NAN));
    }
    for (key, what, times) in [
        (
            "open_and_year_summary_fresh",
            "an app launch, nothing changed since the last",
            &mut launch,
        ),
        (
            "open_and_year_summary_fresh_after_change",
            "the first launch after a change",
            &mut changed,
        ),
    ] {
        common::report_summary_row(
            key,
            format!("open a {contacts}-contact store + year summary, fresh process ({what})"),
            common::median(times),
            None,
            contacts,
        );
    }
    let mb = common::median(&mut peaks);
    common::report(serde_json::json!({
        "path": format!("peak memory: open + summary of {contacts} (whole process)"),
        "key": "peak_memory_open_summary",
        "unit": "MB",
        "value": mb,
        "today": 9.8, "today_source": "issue",
        "baseline": null,
        "target": "< 50 MB",
        "pass": mb < 50.0,
        "contacts": contacts,
    }));
}

/// Opens the store, summarises the year and lists a month; prints one JSON line.
fn measure(home: &Path) {
    let rss_before = status_kb("VmHWM");
    let t = Instant::now();
    let app = common::open(home);
    let summary = app.year_summary(common::YEAR).unwrap();
    let open_summary = t.elapsed();

    let t = Instant::now();
    let month = app
        .list_contacts(Some(common::MONTH.0.into()), Some(common::MONTH.1.into()))
        .unwrap();
    let list_month = t.elapsed();

    let contacts: u32 = summary.by_kind.iter().map(|k| k.total).sum();
    let line = serde_json::json!({
        "contacts": contacts,
        "activity_days": summary.activity_days,
        "month_contacts": month.len(),
        "open_summary_ms": round2(open_summary.as_secs_f64() * 1e3),
        "list_month_ms": round2(list_month.as_secs_f64() * 1e3),
        "peak_rss_mb": status_kb("VmHWM").map(mb),
        "rss_at_start_mb": rss_before.map(mb),
        "rss_now_mb": status_kb("VmRSS").map(mb),
    });
    drop(month);
    drop(app);
    println!("{line}");
}

/// A `kB` field of `/proc/self/status`; `None` where there is none (not Linux).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

fn mb(kb: u64) -> f64 {
    round2(kb as f64 / 1024.0)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
