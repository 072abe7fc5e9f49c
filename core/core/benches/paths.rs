//! The core's paths for `cargo xtask bench`'s table, each against its plaintext baseline
//! (`common/plain.rs`: the same rows and SQLite settings, no cryptography), on stores built
//! through the public API with a year's realistic contacts:
//!
//! - `log_contact`: one `add_contact` (validate, seal, commit durably) on a store of about
//!   1 000 contacts; the baseline logs the same rows in clear; `log_contact_sealing` times
//!   the sealing of one contact's envelope alone (signature and both HPKE wraps, nothing
//!   stored) against the same baseline: the part of logging no storage work can remove;
//! - `list_month`: `list_contacts` for June (about 830 of 10 000 contacts), ready to show;
//!   "today" is the same list on a copy of the store without kept content keys, so every
//!   record is verified and decrypted in full, as main does on every read (ADR 0017);
//! - `open_and_year_summary`: `Peerlog::open_dir` + `year_summary` of the 10 000-contact
//!   store, dropped each time (an app launch), which finds the year's summary kept (ADR
//!   0025); `open_and_year_summary_after_change` the same with the kept summary dropped
//!   first, so it is made from the index; the baseline opens the clear store and
//!   summarises its index.
//!
//! Medians of wall time. `PEERLOG_BENCH_QUICK=1`: 1 000 contacts, few iterations.
//! Run: `cargo bench -p peerlog-core --bench paths` (rows also appended as JSON lines to
//! `PEERLOG_BENCH_OUT`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
#[path = "common/plain.rs"]
mod plain;

use common::{MONTH, Rng, YEAR, median_ms, quick, report};
use serde_json::json;
use std::path::Path;

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let quick = quick();
    let (large, small, iters) = if quick {
        (1_000, 200, 5)
    } else {
        (10_000, 1_000, 31)
    };
    let rules = peerlog_rules::rule_set("no-bufdir-2020").unwrap();
    let dir = tempfile::tempdir().unwrap();

    log_contact(dir.path(), rules, small, if quick { 20 } else { 300 });
    read_paths(dir.path(), rules, large, iters);
}

fn log_contact(dir: &Path, _rules: &peerlog_rules::RuleSet, n: usize, iters: usize) {
    let home = dir.join("log");
    let app = common::new_device(&home);
    let mut rng = Rng::new(1);
    common::add_contacts(&app, &mut rng, n);
    let mut plain = plain::PlainStore::open(&dir.join("log-plain.db"));
    let mut prng = Rng::new(1);
    for _ in 0..n {
        plain.log(&common::contact(&mut prng));
    }
    // The sealing alone, with keys of its own: what a contact's envelope costs before
    // anything is stored (the contact's record is signed once and wrapped for the peer key
    // and the chapter key).
    let author = peerlog_crypto::DeviceSigningKey::generate().unwrap();
    let recipients = [
        peerlog_crypto::RecipientSecretKey::generate()
            .unwrap()
            .public_key(),
        peerlog_crypto::RecipientSecretKey::generate()
            .unwrap()
            .public_key(),
    ];
    let payload = serde_json::to_vec(&json!({
        "date": "2025-06-12", "kind": "visit", "minutes": 60, "participants": 1,
        "who": "target_group", "place": "home", "municipality": "Bergen",
        "topics": ["grief", "work"], "shared_note": "Good conversation; suggested the Thursday group.",
        "created_at": "2025-06-12T10:00:00Z", "updated_at": "2025-06-12T10:00:00Z",
    }))
    .unwrap();
    // Interleaved, so all three see the same machine state; inputs made outside the timing.
    let mut enc = Vec::with_capacity(iters);
    let mut clear = Vec::with_capacity(iters);
    let mut sealing = Vec::with_capacity(iters);
    for i in 0..iters {
        let input = common::contact(&mut rng);
        let again = input.clone();
        enc.push(median_ms(1, || {
            app.add_contact(input.clone()).unwrap();
        }));
        clear.push(median_ms(1, || plain.log(&again)));
        let meta = peerlog_protocol::RecordMeta {
            id: "0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5b".into(),
            collection: peerlog_protocol::Collection::Contacts,
            version: 1_750_000_000_000_000 + i as u64,
            author_device: author.device_id(),
            deleted: false,
        };
        sealing.push(median_ms(1, || {
            peerlog_crypto::envelope::seal_record(&meta, &payload, &recipients, &author).unwrap();
        }));
    }
    let value = common::median(&mut enc);
    let baseline = common::median(&mut clear);
    let sealed = common::median(&mut sealing);
    report(json!({
        "path": "log a contact (validate, seal, commit durably)",
        "key": "log_contact",
        "unit": "ms",
        "value": value,
        "today": 0.27, "today_source": "issue",
        "baseline": baseline,
        "target": "within 2x of the plaintext baseline",
        "pass": value <= 2.0 * baseline,
        "contacts": n,
    }));
    report(json!({
        "path": "log a contact: the sealing alone, nothing stored (one Ed25519 signature, \
                 HPKE wraps for the peer key and the chapter key)",
        "key": "log_contact_sealing",
        "unit": "ms",
        "value": sealed,
        "today": null, "today_source": "(context: the floor of logging over the baseline)",
        "baseline": baseline,
        "target": "(context)",
        "pass": null,
    }));
}

fn read_paths(dir: &Path, rules: &peerlog_rules::RuleSet, n: usize, iters: usize) {
    let home = dir.join("large");
    let t = std::time::Instant::now();
    common::build_store(&home, n);
    let mut plain = plain::PlainStore::open(&dir.join("large-plain.db"));
    let mut rng = Rng::new(0x5EED_2025);
    for _ in 0..n {
        plain.log(&common::contact(&mut rng));
    }
    drop(plain);
    eprintln!(
        "built stores of {n} contacts in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Today's read path: the same store without kept content keys.
    let today_home = dir.join("large-today");
    copy_home(&home, &today_home);
    {
        let c = rusqlite::Connection::open(today_home.join(peerlog_core::DB_FILE)).unwrap();
        c.execute("UPDATE records SET kept_key = NULL", []).unwrap();
    }

    let app = common::open(&home);
    let today_app = common::open(&today_home);
    let plain = plain::PlainStore::open(&dir.join("large-plain.db"));
    let (from, to) = MONTH;
    let listed = app
        .list_contacts(Some(from.into()), Some(to.into()))
        .unwrap();
    assert_eq!(
        listed,
        today_app
            .list_contacts(Some(from.into()), Some(to.into()))
            .unwrap(),
        "the fast list equals the fully verified one"
    );
    assert_eq!(listed.len(), plain.list(rules, from, to).len());
    // Interleaved, so the list and its baseline see the same machine state.
    let mut enc = Vec::with_capacity(iters);
    let mut clear = Vec::with_capacity(iters);
    for _ in 0..iters {
        enc.push(median_ms(1, || {
            app.list_contacts(Some(from.into()), Some(to.into()))
                .unwrap();
        }));
        clear.push(median_ms(1, || {
            plain.list(rules, from, to);
        }));
    }
    let value = common::median(&mut enc);
    let baseline = common::median(&mut clear);
    let today = median_ms(iters.min(7), || {
        today_app
            .list_contacts(Some(from.into()), Some(to.into()))
            .unwrap();
    });
    report(json!({
        "path": format!("list a month ({} contacts) of a {n}-contact store, ready to show", listed.len()),
        "key": "list_month",
        "unit": "ms",
        "value": value,
        "today": today, "today_source": "run",
        "baseline": baseline,
        "target": "< 10 ms, within 3x of the plaintext baseline",
        "pass": value < 10.0 && value <= 3.0 * baseline,
        "contacts": n,
    }));
    drop((app, today_app, plain));

    // Interleaved: a launch that finds the year's summary kept (nothing changed since the
    // last launch), a launch after a change (the kept summary dropped first, outside the
    // timing, so the summary is made from the index as every launch did before ADR 0025),
    // and the plaintext baseline, which makes it every time.
    let summarise = || common::open(&home).year_summary(YEAR).unwrap();
    let kept = summarise();
    let db = rusqlite::Connection::open(home.join(peerlog_core::DB_FILE)).unwrap();
    let (mut launch, mut changed, mut clear) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..iters {
        launch.push(median_ms(1, || assert_eq!(summarise(), kept)));
        db.execute("DELETE FROM summary_cache", []).unwrap();
        changed.push(median_ms(1, || assert_eq!(summarise(), kept)));
        clear.push(median_ms(1, || {
            let p = plain::PlainStore::open(&dir.join("large-plain.db"));
            p.year_summary(rules, YEAR);
        }));
    }
    let baseline = common::median(&mut clear);
    for (key, what, runs) in [
        (
            "open_and_year_summary",
            "an app launch, nothing changed since the last",
            &mut launch,
        ),
        (
            "open_and_year_summary_after_change",
            "the first launch after a change: the summary made from the index",
            &mut changed,
        ),
    ] {
        common::report_summary_row(
            key,
            format!("open a {n}-contact store + year summary ({what})"),
            common::median(runs),
            Some(baseline),
            n as u64,
        );
    }
}

/// Copies a home (database and secrets) after its writer closed.
fn copy_home(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("secrets")).unwrap();
    for entry in std::fs::read_dir(from.join("secrets")).unwrap() {
        let e = entry.unwrap();
        std::fs::copy(e.path(), to.join("secrets").join(e.file_name())).unwrap();
    }
    let c = rusqlite::Connection::open(from.join(peerlog_core::DB_FILE)).unwrap();
    c.execute(
        "VACUUM INTO ?1",
        [to.join(peerlog_core::DB_FILE).to_str().unwrap()],
    )
    .unwrap();
}
