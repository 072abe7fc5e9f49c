//! Benchmarks of the core's local operations through the public API (DESIGN §7,
//! "Measured, not guessed"):
//!
//! - `log_contact`: one `add_contact` (validate, encrypt, sign, SQLite commit in WAL mode)
//!   on a store that already holds about 1 000 contacts.
//! - `open_and_year_summary_10k`: `Peerlog::open_dir` on a store of 10 000 contacts plus
//!   `year_summary`, dropped each iteration (an app launch showing the year screen).
//!   `open_10k` and `year_summary_10k` split it in its two parts.
//! - `list_month_10k`: `list_contacts` for one month (about 830 contacts, each decrypted
//!   and verified) on the 10 000-contact store.
//!
//! The stores are built once per bench process through the public API (the 10k store
//! takes a while: about 10 000 `add_contact` calls). Run with
//! `cargo bench -p peerlog-core --bench core`; the whole run takes a couple of minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use common::{MONTH, Rng, YEAR};
use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Contacts in the store `log_contact` writes to.
const SMALL: usize = 1_000;
/// Contacts in the store the read benchmarks open.
const LARGE: usize = 10_000;

fn log_contact(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let app = common::new_device(&home);
    let mut rng = Rng::new(1);
    common::add_contacts(&app, &mut rng, SMALL);

    let mut g = c.benchmark_group("core");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    // The input is made outside the timed part; the date varies, so rows spread over
    // the year.
    g.bench_function("log_contact", |b| {
        b.iter_batched(
            || common::contact(&mut rng),
            |input| app.add_contact(input).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn read_10k(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let started = Instant::now();
    common::build_store(&home, LARGE);
    eprintln!(
        "built a store of {LARGE} contacts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Sanity: the store holds what the benchmarks claim.
    {
        let app = common::open(&home);
        let s = app.year_summary(YEAR).unwrap();
        let total: u32 = s.by_kind.iter().map(|k| k.total).sum();
        assert_eq!(total as usize, LARGE, "contacts in {YEAR}");
        let month = app
            .list_contacts(Some(MONTH.0.into()), Some(MONTH.1.into()))
            .unwrap();
        eprintln!("{} contacts in {}..{}", month.len(), MONTH.0, MONTH.1);
    }

    let mut g = c.benchmark_group("core");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));

    g.bench_function("open_and_year_summary_10k", |b| {
        b.iter(|| {
            let app = common::open(&home);
            let s = app.year_summary(YEAR).unwrap();
            drop(app);
            s
        })
    });

    g.bench_function("open_10k", |b| {
        b.iter(|| drop(black_box(common::open(&home))))
    });

    let app = common::open(&home);
    g.bench_function("year_summary_10k", |b| {
        b.iter(|| app.year_summary(YEAR).unwrap())
    });

    g.bench_function("list_month_10k", |b| {
        b.iter(|| {
            app.list_contacts(Some(MONTH.0.into()), Some(MONTH.1.into()))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, log_contact, read_10k);
criterion_main!(benches);
