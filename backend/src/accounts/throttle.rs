//! The one throttle in front of every password check (web UI sign-ins,
//! the token endpoint, its answers while the database is away): who pays
//! for an attempt from which allowance, and who is paid back.

use std::time::Instant;

use crate::accounts::app_tokens;
use crate::accounts::credentials::CredentialCache;
use crate::accounts::rate_limit::{Limited, RateLimits};
use crate::error::Result;

/// Where a password is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// `POST /api/v1/session`: every attempt, right or wrong, also spends
    /// one of the address's sign-ins.
    WebSignIn,
    /// The token endpoint (`docker login` and the other clients).
    RegistryLogin,
}

/// What became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The secret was right.
    Accepted,
    /// The secret was wrong (or the account refused).
    Refused,
    /// A service failed (the directory, the database) and nothing was
    /// learnt about the secret: what was paid is given back.
    Unchecked,
    /// Not checked, because nothing can check it now (the database is
    /// away): what was paid stays paid, so guesses cannot run unchecked.
    Unverifiable,
}

/// The throttle over the rate limits and the cache of verified passwords.
#[derive(Clone, Copy)]
pub struct Throttle<'a> {
    limits: &'a RateLimits,
    credentials: &'a CredentialCache,
}

/// An attempt let through: from where, and whether it paid up front.
#[must_use = "settle the attempt once its outcome is known"]
pub struct Admitted<'a> {
    address: &'a str,
    paid: bool,
}

impl<'a> Throttle<'a> {
    pub fn new(limits: &'a RateLimits, credentials: &'a CredentialCache) -> Throttle<'a> {
        Throttle {
            limits,
            credentials,
        }
    }

    /// Lets an attempt of `secret` for `name` from `address` through at
    /// `now`, or refuses it (429) without checking anything.
    ///
    /// A secret that may be a guess pays from the address's failed-login
    /// allowance before it is checked, and is paid back if right. A
    /// password verified lately and an application token are no guesses:
    /// they pay only when wrong, so a CI fleet behind one address is not
    /// held up by a neighbour's wrong passwords. Guesses refused unchecked
    /// are never seen by the lockout, so they count against their name at
    /// that address; a name out of that allowance is refused there even
    /// with its remembered password, so that quick refusals cannot tell a
    /// guess from the password.
    pub fn admit<'b>(
        &self,
        door: Door,
        address: &'b str,
        name: &str,
        secret: &str,
        now: Instant,
    ) -> Result<Admitted<'b>> {
        if door == Door::WebSignIn {
            self.limits.spend(Limited::SignIn, address, now)?;
        }
        let admitted = |paid| Admitted { address, paid };
        if app_tokens::looks_like_token(secret) {
            // A random 128-bit secret: nobody guesses one.
            return Ok(admitted(false));
        }
        if self.credentials.was_verified(name.trim(), secret) {
            self.limits.left_for_name(address, name, now)?;
            return Ok(admitted(false));
        }
        self.limits.left_for_name(address, name, now)?;
        if let Err(refused) = self.limits.spend(Limited::FailedLogin, address, now) {
            // A guess the lockout never sees, as no password is checked:
            // the name counts it, which is what ends the exemption above.
            let _ = self.limits.spend_for_name(address, name, now);
            return Err(refused);
        }
        Ok(admitted(true))
    }

    /// Settles an attempt let through by [`Throttle::admit`].
    pub fn settle(&self, attempt: Admitted<'_>, outcome: Outcome, now: Instant) {
        let Admitted { address, paid } = attempt;
        match (paid, outcome) {
            (true, Outcome::Accepted | Outcome::Unchecked) => {
                self.limits.refund(Limited::FailedLogin, address, now);
            }
            (false, Outcome::Refused) => {
                // Counted now; the answer is a refusal either way.
                let _ = self.limits.spend(Limited::FailedLogin, address, now);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{Config, RateLimitSettings};
    use crate::error::Error;

    const ADDRESS: &str = "203.0.113.7";

    fn limits() -> RateLimits {
        RateLimits::new(&Config {
            lockout_attempts: 3,
            lockout_seconds: 900,
            rate_limits: RateLimitSettings {
                sign_ins_per_minute: 100,
                failed_logins_per_minute: 2,
                ..RateLimitSettings::default()
            },
            ..Config::default()
        })
    }

    fn cache() -> CredentialCache {
        let cache = CredentialCache::new(Duration::from_secs(300), 100);
        cache.remember("alice", "right", "hash-a", Duration::from_secs(300));
        cache.remember("bob", "right", "hash-b", Duration::from_secs(300));
        cache
    }

    fn limited(result: Result<Admitted<'_>>) -> bool {
        matches!(result, Err(Error::RateLimited { .. }))
    }

    /// Guesses for a name while the address is out of allowance: each is
    /// refused unchecked, yet counts against the name, so after the
    /// lockout's allowance the remembered password is refused alike and
    /// the refusals tell nothing.
    #[test]
    fn a_remembered_password_is_refused_once_its_name_is_out() {
        let (limits, cache) = (limits(), cache());
        let throttle = Throttle::new(&limits, &cache);
        let now = Instant::now();
        let login = |name, secret| throttle.admit(Door::RegistryLogin, ADDRESS, name, secret, now);
        for guess in ["g1", "g2"] {
            let attempt = login("carol", guess).expect("within the address's allowance");
            throttle.settle(attempt, Outcome::Refused, now);
        }
        assert!(limited(login("alice", "guess")), "the address is out");
        let right = login("alice", "right").expect("alice's name has allowance left");
        throttle.settle(right, Outcome::Accepted, now);
        assert!(limited(login("alice", "guess")));
        assert!(limited(login("alice", "guess")));
        assert!(
            limited(login("alice", "right")),
            "three guesses for alice: her remembered password waits too"
        );
        let bob = login("bob", "right").expect("another name is not held up");
        throttle.settle(bob, Outcome::Accepted, now);
        let token = login("alice", "ptn_00000000000000000000000000000000");
        throttle.settle(token.expect("tokens pass"), Outcome::Accepted, now);
    }

    #[test]
    fn right_and_unchecked_attempts_pay_back_wrong_ones_keep_paying() {
        let (limits, cache) = (limits(), cache());
        let throttle = Throttle::new(&limits, &cache);
        let now = Instant::now();
        let login = |secret| throttle.admit(Door::RegistryLogin, ADDRESS, "dave", secret, now);
        for outcome in [Outcome::Accepted, Outcome::Unchecked, Outcome::Accepted] {
            throttle.settle(login("new").expect("paid back"), outcome, now);
        }
        let wrong = login("x").expect("first wrong");
        throttle.settle(wrong, Outcome::Unverifiable, now);
        let wrong = login("y").expect("second wrong");
        throttle.settle(wrong, Outcome::Refused, now);
        assert!(limited(login("z")), "two failed logins a minute");
        // A remembered password that turns out wrong (it changed) pays.
        let (limits, cache) = (self::limits(), self::cache());
        let throttle = Throttle::new(&limits, &cache);
        for _ in 0..2 {
            let stale = throttle.admit(Door::RegistryLogin, ADDRESS, "alice", "right", now);
            throttle.settle(stale.expect("no guess"), Outcome::Refused, now);
        }
        let fresh = throttle.admit(Door::RegistryLogin, ADDRESS, "erin", "new", now);
        assert!(limited(fresh), "the address paid for both");
    }

    #[test]
    fn a_web_sign_in_also_spends_a_sign_in() {
        let limits = RateLimits::new(&Config {
            rate_limits: RateLimitSettings {
                sign_ins_per_minute: 1,
                ..RateLimitSettings::default()
            },
            ..Config::default()
        });
        let cache = cache();
        let throttle = Throttle::new(&limits, &cache);
        let now = Instant::now();
        let first = throttle.admit(Door::WebSignIn, ADDRESS, "alice", "right", now);
        throttle.settle(first.expect("the first"), Outcome::Accepted, now);
        let second = throttle.admit(Door::WebSignIn, ADDRESS, "alice", "right", now);
        assert!(limited(second), "right or wrong, one sign-in a minute");
        let registry = throttle.admit(Door::RegistryLogin, ADDRESS, "alice", "right", now);
        throttle.settle(registry.expect("another door"), Outcome::Accepted, now);
    }
}
