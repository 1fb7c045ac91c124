//! How often one client address may try the things that password guessing
//! and account spraying use (`[rate_limits]`, one kind per [`Limited`]).
//! Each has a bucket that holds the allowance of one period and refills
//! evenly; an empty bucket is a 429 with `Retry-After`. Buckets live in this
//! process's memory (each replica allows the full rate); past
//! [`MAX_BUCKETS`], the ones touched longest ago go first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{Config, RateLimitSettings};
use crate::error::{Error, Result};

/// Most buckets kept; past it, full (idle) ones are dropped first.
const MAX_BUCKETS: usize = 100_000;

/// What is limited: sign-ins, sign-ups, failed logins, password resets,
/// changes of e-mail address; and failed logins for one user name from one
/// address (see `accounts::throttle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    SignIn,
    SignUp,
    FailedLogin,
    /// Failed logins for one user name from one address.
    FailedLoginOfName,
    PasswordReset,
    /// Changes of one's own e-mail address (each tells whether an address
    /// is taken).
    EmailChange,
    /// Manifest pulls through the gateway by one account.
    PullOfAccount,
    /// Manifest pulls through the gateway without an account, by address.
    AnonymousPull,
}

impl Limited {
    fn what(self) -> &'static str {
        match self {
            Limited::SignIn => "sign-ins",
            Limited::SignUp => "sign-ups",
            Limited::FailedLogin => "failed logins",
            Limited::FailedLoginOfName => "failed logins for this user name",
            Limited::PasswordReset => "password-reset requests",
            Limited::EmailChange => "changes of e-mail address",
            Limited::PullOfAccount | Limited::AnonymousPull => "pulls",
        }
    }

    /// Whose allowance it is, in words.
    fn whose(self) -> &'static str {
        match self {
            Limited::PullOfAccount => "by your account",
            _ => "from your address",
        }
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimits {
    settings: RateLimitSettings,
    /// Failed logins per name and address, and in how long.
    of_name: (u32, Duration),
    buckets: Mutex<HashMap<(Limited, String), Bucket>>,
    /// Most buckets kept ([`MAX_BUCKETS`]).
    most: usize,
}

/// What an address is counted as: an IPv6 address by its /64 (one host
/// usually holds a whole /64), others as they are.
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

/// The longest user name a bucket key keeps (names are attacker-chosen).
const MAX_NAME_CHARS: usize = 64;

/// What failed logins for one name from one address count as.
fn counted_as_name(address: &str, name: &str) -> String {
    let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
    format!("{} {name}", counted_as(address))
}

/// The allowance of failed logins per name and address: the lockout's
/// (`lockout_attempts` per `lockout_seconds`); with lockouts off, the
/// address's.
fn of_name(config: &Config) -> (u32, Duration) {
    match config.lockout_attempts {
        0 => (
            config.rate_limits.failed_logins_per_minute,
            Duration::from_secs(60),
        ),
        attempts => (attempts, Duration::from_secs(config.lockout_seconds.max(1))),
    }
}

impl RateLimits {
    /// The limits of `config`: `[rate_limits]`, and per name and address
    /// the lockout's allowance (or, with lockouts off, the address's).
    pub fn new(config: &Config) -> RateLimits {
        RateLimits::holding(config.rate_limits.clone(), of_name(config), MAX_BUCKETS)
    }

    fn holding(settings: RateLimitSettings, of_name: (u32, Duration), most: usize) -> RateLimits {
        RateLimits {
            settings,
            of_name,
            buckets: Mutex::new(HashMap::new()),
            most,
        }
    }

    /// How many per how long; `None` when the limit is off.
    fn allowance(&self, kind: Limited) -> Option<(f64, Duration)> {
        let minute = Duration::from_secs(60);
        let hour = Duration::from_secs(3600);
        let (count, period) = match kind {
            Limited::SignIn => (self.settings.sign_ins_per_minute, minute),
            Limited::SignUp => (self.settings.sign_ups_per_hour, hour),
            Limited::FailedLogin => (self.settings.failed_logins_per_minute, minute),
            Limited::FailedLoginOfName => self.of_name,
            Limited::PasswordReset => (self.settings.password_resets_per_hour, hour),
            Limited::EmailChange => (self.settings.email_changes_per_hour, hour),
            Limited::PullOfAccount => (self.settings.pulls_per_minute, minute),
            Limited::AnonymousPull => (self.settings.anonymous_pulls_per_minute, minute),
        };
        (count > 0).then(|| (f64::from(count), period))
    }

    /// Spends one `kind` of `address` at `now`, or refuses when none is left.
    pub fn spend(&self, kind: Limited, address: &str, now: Instant) -> Result<()> {
        self.take(kind, counted_as(address), now, 1.0)
    }

    /// Gives back one `kind` of `address` spent at `now` for something
    /// that turned out not to count (a login that succeeded).
    pub fn refund(&self, kind: Limited, address: &str, now: Instant) {
        let _ = self.take(kind, counted_as(address), now, -1.0);
    }

    /// Spends one pull of the account `name`.
    pub fn spend_pull_of(&self, name: &str, now: Instant) -> Result<()> {
        let name: String = name.chars().take(MAX_NAME_CHARS).collect();
        self.take(Limited::PullOfAccount, name, now, 1.0)
    }

    /// How many `kind` are allowed per minute or hour (0: no limit).
    pub fn limit_of(&self, kind: Limited) -> u32 {
        self.allowance(kind).map_or(0, |(count, _)| count as u32)
    }

    /// Spends one failed login for `name` from `address`.
    pub fn spend_for_name(&self, address: &str, name: &str, now: Instant) -> Result<()> {
        let key = counted_as_name(address, name);
        self.take(Limited::FailedLoginOfName, key, now, 1.0)
    }

    /// Refuses, as spending would, when `name` has no failed login left
    /// at `address`; spends nothing.
    pub fn left_for_name(&self, address: &str, name: &str, now: Instant) -> Result<()> {
        let key = counted_as_name(address, name);
        self.take(Limited::FailedLoginOfName, key, now, 0.0)
    }

    fn take(&self, kind: Limited, counted: String, now: Instant, cost: f64) -> Result<()> {
        let Some((capacity, period)) = self.allowance(kind) else {
            return Ok(());
        };
        let per_second = capacity / period.as_secs_f64();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let key = (kind, counted);
        if cost == 0.0 && !buckets.contains_key(&key) {
            // Looking at a bucket never made: it is full.
            return Ok(());
        }
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
                "too many {} {}; try again in {retry_after} seconds",
                kind.what(),
                kind.whose()
            ),
            retry_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_minute: u32) -> RateLimitSettings {
        RateLimitSettings {
            sign_ins_per_minute: per_minute,
            sign_ups_per_hour: 0,
            failed_logins_per_minute: per_minute,
            password_resets_per_hour: 0,
            email_changes_per_hour: 0,
            pulls_per_minute: per_minute,
            anonymous_pulls_per_minute: per_minute,
        }
    }

    #[test]
    fn pulls_are_counted_per_account_and_per_address() {
        let limits = RateLimits::holding(settings(2), (2, Duration::from_secs(60)), 100);
        let now = Instant::now();
        for _ in 0..2 {
            limits.spend_pull_of("alice", now).unwrap();
            limits
                .spend(Limited::AnonymousPull, "10.0.0.1", now)
                .unwrap();
        }
        let refused = limits.spend_pull_of("alice", now).unwrap_err().to_string();
        assert_eq!(
            refused,
            "too many pulls by your account; try again in 30 seconds"
        );
        limits.spend_pull_of("bob", now).unwrap();
        let anonymous = limits.spend(Limited::AnonymousPull, "10.0.0.1", now);
        assert!(matches!(
            anonymous,
            Err(Error::RateLimited {
                retry_after: 30,
                ..
            })
        ));
        limits
            .spend(Limited::AnonymousPull, "10.0.0.2", now)
            .unwrap();
        assert_eq!(limits.limit_of(Limited::PullOfAccount), 2);
        let off = RateLimits::holding(settings(0), (0, Duration::from_secs(60)), 100);
        assert_eq!(off.limit_of(Limited::AnonymousPull), 0);
        for _ in 0..10 {
            off.spend_pull_of("alice", now).unwrap();
        }
    }

    fn limits(per_minute: u32) -> RateLimits {
        let of_name = (3, Duration::from_secs(900));
        RateLimits::holding(settings(per_minute), of_name, MAX_BUCKETS)
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
        let limits = RateLimits::holding(settings(1), (1, Duration::from_secs(60)), 100);
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

    #[test]
    fn a_name_has_the_lockout_allowance_at_each_address() {
        let limits = limits(100);
        let now = Instant::now();
        for _ in 0..3 {
            assert!(limits.spend_for_name("a", "alice", now).is_ok());
        }
        assert!(limits.left_for_name("a", "alice", now).is_err(), "out");
        let refused = limits.spend_for_name("a", " alice ", now);
        assert_eq!(retry_after(refused), Some(300), "one of 3 per 900 s");
        assert!(limits.left_for_name("a", "bob", now).is_ok(), "per name");
        assert!(
            limits.left_for_name("b", "alice", now).is_ok(),
            "per address"
        );
        assert!(
            limits.spend(Limited::FailedLogin, "a", now).is_ok(),
            "the address's own allowance is apart"
        );
        for _ in 0..5 {
            assert!(
                limits.left_for_name("a", "bob", now).is_ok(),
                "looking spends nothing"
            );
        }
        let lockouts_off = Config {
            lockout_attempts: 0,
            rate_limits: settings(7),
            ..Config::default()
        };
        assert_eq!(of_name(&lockouts_off), (7, Duration::from_secs(60)));
    }
}
