//! How often one client address may try the things that password guessing
//! and account spraying use: sign-ins, sign-ups and failed logins at the
//! token endpoint (`[rate_limits]`). Each address has a bucket per kind that
//! holds the allowance of one period and refills evenly; an empty bucket
//! answers 429 with `Retry-After`. Buckets live in this process's memory
//! (several replicas each allow the full rate) and their number is bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimitSettings;
use crate::error::{Error, Result};

/// Most buckets kept; past it, full (idle) ones are dropped first.
const MAX_BUCKETS: usize = 100_000;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    SignIn,
    SignUp,
    FailedLogin,
    PasswordReset,
}

impl Limited {
    fn what(self) -> &'static str {
        match self {
            Limited::SignIn => "sign-ins",
            Limited::SignUp => "sign-ups",
            Limited::FailedLogin => "failed logins",
            Limited::PasswordReset => "password-reset requests",
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimits {
    settings: RateLimitSettings,
    buckets: Mutex<HashMap<(Limited, String), Bucket>>,
}

impl RateLimits {
    pub fn new(settings: RateLimitSettings) -> RateLimits {
        RateLimits {
            settings,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// How many per how long; `None` when the limit is off.
    fn allowance(&self, kind: Limited) -> Option<(f64, Duration)> {
        let (count, period) = match kind {
            Limited::SignIn => (self.settings.sign_ins_per_minute, 60),
            Limited::SignUp => (self.settings.sign_ups_per_hour, 3600),
            Limited::FailedLogin => (self.settings.failed_logins_per_minute, 60),
            Limited::PasswordReset => (self.settings.password_resets_per_hour, 3600),
        };
        (count > 0).then(|| (f64::from(count), Duration::from_secs(period)))
    }

    /// Spends one `kind` of `address` at `now`, or refuses when none is left.
    pub fn spend(&self, kind: Limited, address: &str, now: Instant) -> Result<()> {
        self.take(kind, address, now, 1.0)
    }

    /// Refuses when none of `kind` is left for `address`, without spending.
    pub fn admit(&self, kind: Limited, address: &str, now: Instant) -> Result<()> {
        self.take(kind, address, now, 0.0)
    }

    /// Gives back one `kind` of `address` spent at `now` for something
    /// that turned out not to count (a login that succeeded).
    pub fn refund(&self, kind: Limited, address: &str, now: Instant) {
        let _ = self.take(kind, address, now, -1.0);
    }

    fn take(&self, kind: Limited, address: &str, now: Instant, cost: f64) -> Result<()> {
        let Some((capacity, period)) = self.allowance(kind) else {
            return Ok(());
        };
        let per_second = capacity / period.as_secs_f64();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_BUCKETS {
            // A bucket untouched for a whole period is full again: forget it.
            buckets.retain(|(kind, _), b| {
                self.allowance(*kind)
                    .is_some_and(|(_, period)| now.saturating_duration_since(b.at) < period)
            });
            if buckets.len() >= MAX_BUCKETS {
                buckets.clear();
            }
        }
        let bucket = buckets.entry((kind, address.to_owned())).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 || cost < 0.0 {
            bucket.tokens = (bucket.tokens - cost).min(capacity);
            return Ok(());
        }
        let retry_after = ((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64;
        Err(Error::RateLimited {
            message: format!(
                "too many {} from your address; try again in {retry_after} seconds",
                kind.what()
            ),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32) -> RateLimits {
        RateLimits::new(RateLimitSettings {
            sign_ins_per_minute: per_minute,
            sign_ups_per_hour: 0,
            failed_logins_per_minute: per_minute,
            password_resets_per_hour: 0,
        })
    }

    fn retry_after(result: Result<()>) -> Option<u64> {
        match result {
            Err(Error::RateLimited { retry_after, .. }) => Some(retry_after),
            _ => None,
        }
    }

    #[test]
    fn a_period_allowance_then_refusal_then_even_refill() {
        let limits = limits(6);
        let start = Instant::now();
        for i in 0..6 {
            assert!(limits.spend(Limited::SignIn, "a", start).is_ok(), "try {i}");
        }
        let refused = limits.spend(Limited::SignIn, "a", start);
        assert_eq!(retry_after(refused), Some(10), "one comes back every 10 s");
        assert!(
            limits.spend(Limited::SignIn, "b", start).is_ok(),
            "per address"
        );
        assert!(
            limits.spend(Limited::FailedLogin, "a", start).is_ok(),
            "per kind"
        );
        let later = start + Duration::from_secs(10);
        assert!(
            limits.spend(Limited::SignIn, "a", later).is_ok(),
            "refilled one"
        );
        assert!(limits.spend(Limited::SignIn, "a", later).is_err());
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..6 {
            assert!(limits.spend(Limited::SignIn, "a", much_later).is_ok());
        }
        assert!(
            limits.spend(Limited::SignIn, "a", much_later).is_err(),
            "never more than full"
        );
    }

    #[test]
    fn refunds_give_back_and_zero_turns_a_limit_off() {
        let limits = limits(1);
        let now = Instant::now();
        for _ in 0..5 {
            assert!(limits.spend(Limited::FailedLogin, "a", now).is_ok());
            limits.refund(Limited::FailedLogin, "a", now);
        }
        limits.refund(Limited::FailedLogin, "a", now);
        assert!(limits.spend(Limited::FailedLogin, "a", now).is_ok());
        assert!(
            limits.spend(Limited::FailedLogin, "a", now).is_err(),
            "a refund never fills past the allowance"
        );
        for _ in 0..100 {
            assert!(
                limits.spend(Limited::SignUp, "a", now).is_ok(),
                "sign-ups are off"
            );
        }
    }
}
