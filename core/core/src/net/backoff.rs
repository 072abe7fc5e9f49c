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
}
