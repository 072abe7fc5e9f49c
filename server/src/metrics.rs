//! Hand-rolled Prometheus counters (text exposition format 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::storage::Stats;

/// Counters since the process started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    pub push_accepted: AtomicU64,
    pub push_duplicate: AtomicU64,
    pub push_stale: AtomicU64,
    pub push_rejected: AtomicU64,
    pub push_withheld: AtomicU64,
    pub pulls: AtomicU64,
    pub pulled_records: AtomicU64,
    pub logins_ok: AtomicU64,
    pub logins_failed: AtomicU64,
    pub enrol_coordinator: AtomicU64,
    pub enrol_peer: AtomicU64,
    pub enrol_recovered_device: AtomicU64,
    pub invitations: AtomicU64,
    pub revocations: AtomicU64,
    pub rate_limited: AtomicU64,
}

pub fn inc(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

fn class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Metrics {
    /// Counts one request by route template (never the raw path), method and status class.
    pub fn request(&self, route: &str, method: &str, status: u16) {
        let mut map = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry((route.to_owned(), method.to_owned(), class(status)))
            .or_insert(0) += 1;
    }

    /// The exposition text; `stats` adds the storage gauges.
    pub fn render(&self, stats: Option<Stats>) -> String {
        let mut out = String::with_capacity(4096);
        let _ = writeln!(
            out,
            "# HELP peerlog_http_requests_total HTTP requests by route template, method and status class."
        );
        let _ = writeln!(out, "# TYPE peerlog_http_requests_total counter");
        {
            let map = self
                .requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for ((route, method, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "peerlog_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    escape(route),
                    escape(method)
                );
            }
        }
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut counter = |name: &str, help: &str, rows: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, v) in rows {
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {v}");
                } else {
                    let _ = writeln!(out, "{name}{{{labels}}} {v}");
                }
            }
        };
        counter(
            "peerlog_push_records_total",
            "Pushed records by outcome.",
            &[
                ("outcome=\"accepted\"", get(&self.push_accepted)),
                ("outcome=\"duplicate\"", get(&self.push_duplicate)),
                ("outcome=\"stale\"", get(&self.push_stale)),
                ("outcome=\"rejected\"", get(&self.push_rejected)),
                ("outcome=\"withheld\"", get(&self.push_withheld)),
            ],
        );
        counter(
            "peerlog_pulls_total",
            "Pull requests answered.",
            &[("", get(&self.pulls))],
        );
        counter(
            "peerlog_pulled_records_total",
            "Records returned by pulls.",
            &[("", get(&self.pulled_records))],
        );
        counter(
            "peerlog_logins_total",
            "Device logins by result.",
            &[
                ("result=\"success\"", get(&self.logins_ok)),
                ("result=\"failure\"", get(&self.logins_failed)),
            ],
        );
        counter(
            "peerlog_enrolments_total",
            "Enrolled devices by kind.",
            &[
                ("kind=\"coordinator\"", get(&self.enrol_coordinator)),
                ("kind=\"peer\"", get(&self.enrol_peer)),
                (
                    "kind=\"recovered_device\"",
                    get(&self.enrol_recovered_device),
                ),
            ],
        );
        counter(
            "peerlog_invitations_total",
            "Peer invitations created.",
            &[("", get(&self.invitations))],
        );
        counter(
            "peerlog_revocations_total",
            "Devices revoked.",
            &[("", get(&self.revocations))],
        );
        counter(
            "peerlog_rate_limited_total",
            "Requests refused by the rate limiter.",
            &[("", get(&self.rate_limited))],
        );
        if let Some(s) = stats {
            for (name, help, v) in [
                ("peerlog_chapters", "Chapters stored.", s.chapters),
                ("peerlog_accounts", "Accounts stored.", s.accounts),
                ("peerlog_devices", "Devices stored.", s.devices),
                (
                    "peerlog_records",
                    "Records stored (current versions).",
                    s.records,
                ),
            ] {
                let _ = writeln!(out, "# HELP {name} {help}");
                let _ = writeln!(out, "# TYPE {name} gauge");
                let _ = writeln!(out, "{name} {v}");
            }
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
