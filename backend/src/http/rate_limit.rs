//! How often one client address may try the things that password guessing
//! and account spraying use: sign-ins, sign-ups and failed logins at the
//! token endpoint (`[rate_limits]`). Each address has a bucket per kind that
//! holds the allowance of one period and refills evenly; an empty bucket
//! answers 429 with `Retry-After`. An IPv6 client counts by its /64 (one
//! host usually holds a whole /64, and would otherwise have billions of
//! buckets). Buckets live in this process's memory (several replicas each
//! allow the full rate) and their number is bounded: past it, the buckets
//! touched longest ago go first.

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
    /// Changes of one's own e-mail address (each tells whether an address
    /// is taken).
    EmailChange,
}

impl Limited {
    fn what(self) -> &'static str {
        match self {
            Limited::SignIn => "sign-ins",
            Limited::SignUp => "sign-ups",
            Limited::FailedLogin => "failed logins",
            Limited::PasswordReset => "password-reset requests",
            Limited::EmailChange => "changes of e-mail address",
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
    /// Most buckets kept ([`MAX_BUCKETS`]).
    most: usize,
}

/// What an address is counted as: an IPv6 address by its /64, others as
/// they are.
fn counted_as(address: &str) -> String {
    match address.parse::<std::net::Ipv6Addr>() {
        Ok(v6) if v6.to_ipv4_mapped().is_none() => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
        Ok(v6) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        Err(_) => address.to_owned(),
    }
}

impl RateLimits {
    pub fn new(settings: RateLimitSettings) -> RateLimits {
        RateLimits::holding(settings, MAX_BUCKETS)
    }

    fn holding(settings: RateLimitSettings, most: usize) -> RateLimits {
        RateLimits {
            settings,
            buckets: Mutex::new(HashMap::new()),
            most,
        }
    }

    /// How many per how long; `None` when the limit is off.
    fn allowance(&self, kind: Limited) -> Option<(f64, Duration)> {
        let (count, period) = match kind {
            Limited::SignIn => (self.settings.sign_ins_per_minute, 60),
            Limited::SignUp => (self.settings.sign_ups_per_hour, 3600),
            Limited::FailedLogin => (self.settings.failed_logins_per_minute, 60),
            Limited::PasswordReset => (self.settings.password_resets_per_hour, 3600),
            Limited::EmailChange => (self.settings.email_changes_per_hour, 3600),
        };
        (count > 0).then(|| (f64::from(count), Duration::from_secs(period)))
    }

    /// Spends one `kind` of `address` at `now`, or refuses when none is left.
    pub fn spend(&self, kind: Limited, address: &str, now: Instant) -> Result<()> {
        self.take(kind, address, now, 1.0)
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
        let key = (kind, counted_as(address));
        if buckets.len() >= self.most && !buckets.contains_key(&key) {
            // A bucket untouched for a whole period is full again: forget it.
            buckets.retain(|(kind, _), b| {
                self.allowance(*kind)
                    .is_some_and(|(_, period)| now.saturating_duration_since(b.at) < period)
            });
            if buckets.len() >= self.most {
                // Still full (a flood from many addresses): the tenth
                // touched longest ago goes, not the recent ones.
                let mut times: Vec<Instant> = buckets.values().map(|b| b.at).collect();
                let cut = times.len() / 10;
                let (_, oldest_kept, _) = times.select_nth_unstable(cut);
                let oldest_kept = *oldest_kept;
                buckets.retain(|_, b| b.at >= oldest_kept);
                if buckets.len() >= self.most {
                    // All touched at one moment: that moment goes too.
                    buckets.retain(|_, b| b.at > oldest_kept);
                }
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
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
            email_changes_per_hour: 0,
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
    fn an_ipv6_client_counts_by_its_64() {
        assert_eq!(counted_as("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(counted_as("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(counted_as("203.0.113.7"), "203.0.113.7");
        let limits = limits(1);
        let now = Instant::now();
        assert!(
            limits
                .spend(Limited::SignIn, "2001:db8:1:2::1", now)
                .is_ok()
        );
        assert!(
            limits
                .spend(Limited::SignIn, "2001:db8:1:2:ffff::9", now)
                .is_err(),
            "the same /64"
        );
        assert!(
            limits
                .spend(Limited::SignIn, "2001:db8:1:3::1", now)
                .is_ok()
        );
    }

    #[test]
    fn a_full_table_forgets_the_buckets_touched_longest_ago() {
        let limits = RateLimits::holding(limits(1).settings, 100);
        let start = Instant::now();
        // A hundred addresses, each at its own moment, each out of allowance.
        for i in 0..100u64 {
            let at = start + Duration::from_millis(i);
            let address = format!("10.0.0.{i}");
            assert!(limits.spend(Limited::SignIn, &address, at).is_ok());
            assert!(limits.spend(Limited::SignIn, &address, at).is_err());
        }
        // One more: the table is full, the tenth touched longest ago goes.
        let later = start + Duration::from_millis(200);
        assert!(limits.spend(Limited::SignIn, "10.0.1.1", later).is_ok());
        assert_eq!(limits.buckets.lock().unwrap().len(), 91);
        assert!(
            limits.spend(Limited::SignIn, "10.0.0.0", later).is_ok(),
            "the oldest was forgotten (full again)"
        );
        assert!(
            limits.spend(Limited::SignIn, "10.0.0.99", later).is_err(),
            "the newest was kept, out of allowance"
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
