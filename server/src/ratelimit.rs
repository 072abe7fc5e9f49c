//! In-memory per-client-IP token buckets for the unauthenticated endpoints that guess at
//! secrets (enrolment, recovery, login). Per server instance: several instances behind a
//! load balancer each apply the limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts per minute per client IP; `0` switches a limit off (benchmarks, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `POST /v1/enrol/*` and `POST /v1/recovery/*` together.
    pub enrol_per_minute: u32,
    /// `POST /v1/auth/challenge` and `POST /v1/auth/token` together.
    pub login_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enrol_per_minute: 20,
            login_per_minute: 60,
        }
    }
}

impl RateLimits {
    /// No limits.
    pub fn disabled() -> Self {
        RateLimits {
            enrol_per_minute: 0,
            login_per_minute: 0,
        }
    }
}

/// Which bucket a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Enrol,
    Login,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The buckets, keyed by class and client IP.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(Class, IpAddr), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn per_minute(&self, class: Class) -> u32 {
        match class {
            Class::Enrol => self.limits.enrol_per_minute,
            Class::Login => self.limits.login_per_minute,
        }
    }

    /// Takes one token; `Err(seconds to wait)` if the bucket is empty.
    pub fn check(&self, class: Class, ip: IpAddr) -> Result<(), u64> {
        let per_minute = self.per_minute(class);
        if per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(per_minute);
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry((class, ip)).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / rate).ceil();
            // `wait` is small and positive (at most 60 s for a 1/min limit).
            Err((wait as u64).max(1))
        }
    }

    /// Forgets buckets untouched for two minutes (they would be full again anyway).
    pub fn prune(&self) {
        let cutoff = Duration::from_secs(120);
        let now = Instant::now();
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, b| now.duration_since(b.last) < cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_limit_per_ip_and_class() {
        let l = RateLimiter::new(RateLimits {
            enrol_per_minute: 3,
            login_per_minute: 0,
        });
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(l.check(Class::Enrol, a).is_ok());
        }
        let wait = l.check(Class::Enrol, a).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(l.check(Class::Enrol, b).is_ok(), "other IP");
        for _ in 0..100 {
            assert!(l.check(Class::Login, a).is_ok(), "0 = unlimited");
        }
        l.prune();
    }
}
