//! The synthetic workload shared by `benches/core.rs` and `examples/peak_memory.rs`: a
//! peer's year of contacts, built through the public API only.
//!
//! Deterministic (a fixed-seed generator), so every run measures the same store.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use peerlog_core::{ContactInput, ContactKind, FileSecretStore, Locale, Peerlog, Place, Who};
use std::path::Path;
use std::sync::Arc;

/// The year the contacts are spread over: a full past year, so no date is in the future.
pub const YEAR: i32 = 2025;

/// The month `list_month` lists (June: 30 days, about 830 of 10 000 contacts).
pub const MONTH: (&str, &str) = ("2025-06-01", "2025-06-30");

/// A small deterministic generator (SplitMix64); no extra dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n)) as u32
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

/// Day `0..365` of [`YEAR`] as `YYYY-MM-DD`.
pub fn day_of_year(day: u32) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(YEAR, 1, 1).unwrap()
        + chrono::Duration::days(i64::from(day % 365));
    d.format("%Y-%m-%d").to_string()
}

const MUNICIPALITIES: [&str; 6] = ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø"];
const TOPICS: [&str; 6] = [
    "family",
    "work",
    "housing",
    "health",
    "grief",
    "relapse prevention",
];

/// One realistic contact on a random day of [`YEAR`]: mostly one-to-one (visits, calls,
/// messages), some groups and courses; about 30 % carry a private reference or note.
pub fn contact(rng: &mut Rng) -> ContactInput {
    let date = day_of_year(rng.below(365));
    contact_on(rng, &date)
}

/// Like [`contact`], on `date`.
pub fn contact_on(rng: &mut Rng, date: &str) -> ContactInput {
    // Cumulative weights (percent) of the kinds a peer logs.
    let kind = match rng.below(100) {
        0..=24 => ContactKind::Visit,
        25..=34 => ContactKind::Meeting,
        35..=54 => ContactKind::Phone,
        55..=62 => ContactKind::Video,
        63..=69 => ContactKind::Message,
        70..=79 => ContactKind::ConversationGroup,
        80..=87 => ContactKind::SelfHelpGroup,
        88..=92 => ContactKind::ActivityGroup,
        93..=96 => ContactKind::Course,
        _ => ContactKind::Other,
    };
    let minutes = match kind {
        ContactKind::Message => 5 + rng.below(20),
        ContactKind::Phone | ContactKind::Video => 10 + rng.below(80),
        ContactKind::Course => 120 + rng.below(360),
        _ => 30 + rng.below(150),
    };
    let participants = if kind.is_group() || kind == ContactKind::Course {
        2 + rng.below(12)
    } else {
        1
    };
    let who = match rng.below(10) {
        0..=6 => Who::TargetGroup,
        7..=8 => Who::Relative,
        _ => Who::Both,
    };
    let place = match kind {
        ContactKind::Visit => Some(match rng.below(4) {
            0 => Place::Home,
            1 => Place::Hospital,
            2 => Place::Institution,
            _ => Place::Other,
        }),
        _ => None,
    };
    let travel_km = (kind == ContactKind::Visit && rng.chance(60)).then(|| 2 + rng.below(80));
    let topics = (0..rng.below(3))
        .map(|_| TOPICS[rng.below(TOPICS.len() as u32) as usize].to_string())
        .collect();
    let private = rng.chance(30);
    let private_ref = (private && rng.chance(70)).then(|| format!("K.{}", rng.below(200)));
    let private_note = (private && (private_ref.is_none() || rng.chance(50))).then(|| {
        "Talked about the week, the new job and how sleep has been. Follow up on the \
         appointment with the GP next Tuesday."
            .to_string()
    });
    let shared_note = rng
        .chance(20)
        .then(|| "Good conversation; suggested the Thursday group.".to_string());
    ContactInput {
        start_time: rng
            .chance(50)
            .then(|| format!("{:02}:{:02}", 8 + rng.below(12), rng.below(4) * 15)),
        participants,
        who,
        is_new: rng.chance(25),
        abroad: rng.chance(1),
        led_by_peer: rng.chance(80),
        place,
        municipality: rng
            .chance(70)
            .then(|| MUNICIPALITIES[rng.below(MUNICIPALITIES.len() as u32) as usize].to_string()),
        topics,
        travel_km,
        private_ref,
        private_note,
        shared_note,
        ..ContactInput::new(date, kind, minutes)
    }
}

/// The file secret store the tests and the CLI use, in `home/secrets`.
pub fn secrets(home: &Path) -> Arc<FileSecretStore> {
    Arc::new(FileSecretStore::open(&home.join("secrets")).unwrap())
}

/// Opens an existing store (what an app launch does).
pub fn open(home: &Path) -> Arc<Peerlog> {
    Peerlog::open_dir(home, secrets(home), None).unwrap()
}

/// A new device in `home`, set up and with the declaration signed.
pub fn new_device(home: &Path) -> Arc<Peerlog> {
    let app = open(home);
    app.init("Kari Nordmann".into(), "no-bufdir-2020".into(), Locale::Nb)
        .unwrap();
    app.sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    app
}

/// Logs `n` contacts spread over [`YEAR`] with `rng`.
pub fn add_contacts(app: &Peerlog, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        app.add_contact(contact(rng)).unwrap();
    }
}

/// A new device in `home` with `n` contacts, closed again (so its WAL is checkpointed,
/// as after an app restart).
pub fn build_store(home: &Path, n: usize) {
    let app = new_device(home);
    add_contacts(&app, &mut Rng::new(0x5EED_2025), n);
    drop(app);
}

/// True when `home` already holds a Peerlog database.
pub fn store_exists(home: &Path) -> bool {
    home.join(peerlog_core::DB_FILE).is_file()
}

/// `cargo xtask bench --quick` sets this: small sizes and few iterations, a smoke run.
pub fn quick() -> bool {
    std::env::var("PEERLOG_BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// The median of `v` (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `f` `n` times; the median in milliseconds.
pub fn median_ms(n: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    median(&mut times)
}

/// One row of an open + year summary measurement (in process or fresh), against the
/// target of 5 ms; `baseline` the plaintext store's, where one was measured.
pub fn report_summary_row(key: &str, path: String, value: f64, baseline: Option<f64>, n: u64) {
    report(serde_json::json!({
        "path": path,
        "key": key,
        "unit": "ms",
        "value": value,
        "today": 14.7, "today_source": "issue",
        "baseline": baseline,
        "target": "< 5 ms",
        "pass": value < 5.0,
        "contacts": n,
    }));
}

/// One row of `cargo xtask bench`'s table, appended as a JSON line to the file named by
/// `PEERLOG_BENCH_OUT` (and printed). Fields: `path`, `value` and `unit`; `today` with
/// `today_source` (`"run"`: main's behaviour measured in this run; `"issue"`: the figure
/// of the issue); `baseline` (the plaintext baseline, same unit); `target` (text) and
/// `pass`.
pub fn report(row: serde_json::Value) {
    println!("{row}");
    if let Ok(path) = std::env::var("PEERLOG_BENCH_OUT") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(f, "{row}").unwrap();
    }
}

/// The peak resident set of this process so far (`VmHWM`), in MB; `None` where there is
/// no `/proc` (not Linux).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find_map(|l| {
        let rest = l.strip_prefix("VmHWM")?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })?;
    Some((kb / 1024.0 * 100.0).round() / 100.0)
}

/// Resets the peak resident set to the current one (Linux: `5` to `clear_refs`), so
/// [`peak_rss_mb`] measures what follows. False where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
