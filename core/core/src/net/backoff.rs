//! Retry delay after failed syncs: exponential with full jitter (AWS architecture blog,
//! "Exponential Backoff And Jitter"): `uniform(0, min(cap, base · 2^(failures − 1)))`.

use std::time::Duration;

/// First step of the backoff.
pub(crate) const BASE: Duration = Duration::from_secs(30);
/// Longest wait between attempts.
pub(crate) const CAP: Duration = Duration::from_secs(6 * 60 * 60);

/// The ceiling of the wait after `failures` consecutive failures (0 → no wait).
pub(crate) fn ceiling(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let exp = failures.saturating_sub(1).min(20);
    BASE.saturating_mul(1u32 << exp).min(CAP)
}

/// The wait after `failures` consecutive failures; `unit` is uniform in `[0, 1)`.
pub(crate) fn delay(failures: u32, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ceiling(failures).mul_f64(unit)
}

/// A uniform random number in `[0, 1)` from the OS generator (0 if it fails).
pub(crate) fn random_unit() -> f64 {
    match peerlog_crypto::random_bytes::<8>() {
        Ok(b) => (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.0,
    }
}

/// How often a background scheduler syncs while nothing else asks for one.
pub const PERIODIC_SYNC: Duration = Duration::from_secs(4 * 60 * 60);

/// When the platform's scheduler should sync, from the core's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SyncSchedule {
    /// The periodic background sync, in minutes.
    pub periodic_minutes: u32,
    /// Seconds to wait before a background sync may run (0: now). From
    /// `SyncStatus.retry_after`, the backoff after failures.
    pub retry_delay_seconds: u64,
}

/// The schedule for a status' `retry_after` (RFC 3339, as `SyncStatus` has it), seen at
/// `now` (Unix seconds). A past or unreadable time is no wait.
pub(crate) fn schedule(retry_after: Option<&str>, now: i64) -> SyncSchedule {
    let until = retry_after
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    SyncSchedule {
        periodic_minutes: u32::try_from(PERIODIC_SYNC.as_secs() / 60).unwrap_or(u32::MAX),
        retry_delay_seconds: until
            .map(|u| u64::try_from(u.saturating_sub(now)).unwrap_or(0))
            .unwrap_or(0)
            // Never longer than the backoff's own cap (a clock set far ahead).
            .min(CAP.as_secs()),
    }
}

/// When a background scheduler should sync: the periodic interval, and the wait the
/// core's backoff asks for (`retry_after` of `sync_status()`). Both apps use this.
#[uniffi::export]
pub fn sync_schedule(retry_after: Option<String>) -> SyncSchedule {
    schedule(retry_after.as_deref(), chrono::Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_from_base_up_to_cap() {
        assert_eq!(ceiling(0), Duration::ZERO);
        assert_eq!(ceiling(1), Duration::from_secs(30));
        assert_eq!(ceiling(2), Duration::from_secs(60));
        assert_eq!(ceiling(3), Duration::from_secs(120));
        assert_eq!(ceiling(10), Duration::from_secs(30 * 512));
        assert_eq!(ceiling(11), CAP);
        assert_eq!(ceiling(u32::MAX), CAP);
    }

    #[test]
    fn full_jitter_stays_within_zero_and_ceiling() {
        assert_eq!(delay(3, 0.0), Duration::ZERO);
        assert_eq!(delay(3, 0.5), Duration::from_secs(60));
        assert!(delay(3, 0.999_999) < ceiling(3));
        assert_eq!(delay(3, f64::NAN), Duration::ZERO);
        assert_eq!(delay(3, 7.0), ceiling(3));
        for _ in 0..1000 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u));
            assert!(delay(40, u) <= CAP);
        }
    }

    #[test]
    fn the_schedule_waits_until_retry_after_and_no_longer() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
            .unwrap()
            .timestamp();
        let s = schedule(Some("2026-03-02T10:05:00Z"), now);
        assert_eq!(s.retry_delay_seconds, 300);
        assert_eq!(s.periodic_minutes, 240);
        assert_eq!(
            schedule(Some("2026-03-02T09:00:00Z"), now).retry_delay_seconds,
            0
        );
        assert_eq!(schedule(None, now).retry_delay_seconds, 0);
        assert_eq!(schedule(Some("soon"), now).retry_delay_seconds, 0);
        let far = schedule(Some("2036-03-02T10:00:00Z"), now);
        assert_eq!(far.retry_delay_seconds, CAP.as_secs());
    }
}
