//! Password rules and argon2id hashing. Hashing is slow on purpose, so it runs
//! on the blocking pool, and a failed look-up still spends the same time. It
//! is also bounded: at most two hashes per core run at once (each holds
//! 19 MiB), and a check that cannot get a turn within a moment answers
//! "busy" (503 with `Retry-After`) instead of queueing without end, so a
//! flood of guesses cannot take the server down. Cached credentials and
//! application tokens never hash, and keep working meanwhile.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Checks the length rules and explains a violation.
pub fn validate(password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&n) {
        return Err(Error::InvalidInput(format!(
            "a password has {MIN_LENGTH} to {MAX_LENGTH} characters, this one has {n}"
        )));
    }
    Ok(())
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches the PHC string `phc`. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of one verification, so that unknown user names answer as
/// slowly as wrong passwords.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("portunus-timing-equaliser").unwrap_or_default());
    let _ = verify(password, phc);
}

/// How long a password check waits for a turn before answering "busy".
const WAIT_FOR_TURN: Duration = Duration::from_secs(2);

/// Seconds a client told "busy" should wait before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The turns for hashing: two per core.
fn turns() -> &'static Semaphore {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(2 * cores)
    })
}

/// A turn from `turns`, or "busy" when none comes within `wait`.
async fn turn(turns: &Semaphore, wait: Duration) -> Result<SemaphorePermit<'_>> {
    match tokio::time::timeout(wait, turns.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Error::Busy(
            "too many password checks at once; retry in a moment".into(),
        )),
    }
}

/// [`hash`] on the blocking thread pool, in turn.
pub async fn hash_blocking(password: String) -> Result<String> {
    let _turn = turn(turns(), WAIT_FOR_TURN).await?;
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

/// [`verify`] on the blocking thread pool, in turn (for `None`, the time
/// of a verification, and false).
pub async fn verify_blocking(password: String, phc: Option<String>) -> Result<bool> {
    let _turn = turn(turns(), WAIT_FOR_TURN).await?;
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_dummy(&password);
            false
        }
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[tokio::test]
    async fn a_check_without_a_turn_is_busy_not_queued() {
        let turns = Semaphore::new(1);
        let held = turn(&turns, Duration::from_millis(10)).await.unwrap();
        let refused = turn(&turns, Duration::from_millis(10)).await;
        assert!(matches!(refused, Err(Error::Busy(_))), "{refused:?}");
        drop(held);
        assert!(turn(&turns, Duration::from_millis(10)).await.is_ok());
    }

    #[test]
    fn length_rules() {
        assert!(validate("short").is_err());
        assert!(validate(&"x".repeat(129)).is_err());
        assert!(validate("eight888").is_ok());
    }
}
