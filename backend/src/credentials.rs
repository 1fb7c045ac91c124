//! Checking a user name and password, fast on repeat. argon2 costs tens of
//! milliseconds by design; registry clients send the same Basic credentials
//! for every token. Successful checks are remembered for a short time, keyed
//! by an HMAC of the credentials under a per-process random key (so the cache
//! never holds a password or anything that could be brute-forced offline).
//! An entry only counts while the user's stored hash is the one it was
//! checked against, so a password change anywhere (any backend process)
//! invalidates it at once; disabled users are refused before the cache is read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::db::entities::user;
use crate::error::Result;
use crate::{password, users};

type Fingerprint = [u8; 32];

struct Entry {
    /// SHA-256 of the PHC string the password was verified against.
    hash_digest: [u8; 32],
    expires: Instant,
}

pub struct CredentialCache {
    key: [u8; 32],
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<Fingerprint, Entry>>,
}

impl CredentialCache {
    pub fn new(ttl: Duration, capacity: usize) -> CredentialCache {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        CredentialCache {
            key,
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn fingerprint(&self, username: &str, password: &str) -> Fingerprint {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        // Length-prefix the user name so ("ab", "c") and ("a", "bc") differ.
        mac.update(&(username.len() as u64).to_be_bytes());
        mac.update(username.as_bytes());
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether these credentials were verified recently against `current_hash`.
    pub fn is_known(&self, username: &str, password: &str, current_hash: &str) -> bool {
        let fingerprint = self.fingerprint(username, password);
        let digest: [u8; 32] = Sha256::digest(current_hash.as_bytes()).into();
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        entries
            .get(&fingerprint)
            .is_some_and(|e| e.expires > Instant::now() && e.hash_digest == digest)
    }

    pub fn remember(&self, username: &str, password: &str, verified_hash: &str) {
        let fingerprint = self.fingerprint(username, password);
        let now = Instant::now();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            fingerprint,
            Entry {
                hash_digest: Sha256::digest(verified_hash.as_bytes()).into(),
                expires: now + self.ttl,
            },
        );
    }
}

/// Why a sign-in failed. Callers tell the client only "invalid credentials"
/// (or "disabled"), never which part was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    BadCredentials,
    Disabled,
}

/// Checks a user name and password against the database.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    cache: &CredentialCache,
    username: &str,
    password: &str,
) -> Result<std::result::Result<user::Model, Failure>> {
    let found = users::find_by_name(db, username).await?;
    let Some(user) = found else {
        password::verify_blocking(password.to_owned(), None).await;
        return Ok(Err(Failure::BadCredentials));
    };
    let Some(hash) = user.password_hash.clone() else {
        password::verify_blocking(password.to_owned(), None).await;
        return Ok(Err(Failure::BadCredentials));
    };
    if cache.is_known(username, password, &hash) {
        return Ok(if user.enabled {
            Ok(user)
        } else {
            Err(Failure::Disabled)
        });
    }
    if !password::verify_blocking(password.to_owned(), Some(hash.clone())).await {
        return Ok(Err(Failure::BadCredentials));
    }
    if !user.enabled {
        return Ok(Err(Failure::Disabled));
    }
    cache.remember(username, password, &hash);
    Ok(Ok(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_is_bound_to_credentials_and_hash() {
        let cache = CredentialCache::new(Duration::from_secs(60), 10);
        cache.remember("alice", "pw1", "$hash1");
        assert!(cache.is_known("alice", "pw1", "$hash1"));
        assert!(!cache.is_known("alice", "pw2", "$hash1"), "other password");
        assert!(
            !cache.is_known("alice", "pw1", "$hash2"),
            "password changed since"
        );
        assert!(
            !cache.is_known("alicepw", "1", "$hash1"),
            "split differently"
        );
    }

    #[test]
    fn entries_expire_and_capacity_is_bounded() {
        let cache = CredentialCache::new(Duration::ZERO, 2);
        cache.remember("a", "p", "h");
        assert!(!cache.is_known("a", "p", "h"));
        for i in 0..10 {
            cache.remember(&format!("u{i}"), "p", "h");
        }
        assert!(cache.entries.lock().unwrap().len() <= 2);
    }
}
