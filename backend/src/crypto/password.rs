//! Password rules and argon2id hashing. Hashing is slow on purpose, and a
//! failed look-up still spends the same time. It is also bounded: hashes
//! run on a few threads of their own, and a check that cannot get a turn
//! within a moment answers "busy" instead of queueing without end, so a
//! flood of guesses cannot take the server down. Cached credentials and
//! application tokens never hash, and keep working meanwhile.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit, oneshot};

use std::cell::RefCell;

use argon2::password_hash::{
    self, Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier,
    Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

thread_local! {
    /// The argon2 working memory of this thread, kept from one hash to the
    /// next while checks queue up (allocating 19 MiB per hash leaves the
    /// allocator holding far more than the few hashes that run at once),
    /// and given back when none waits.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Blocks (of 1 KiB) set aside for a thread's working memory, of which a
/// hash touches (and keeps resident) only what its parameters ask. More
/// than glibc's largest threshold for giving an allocation a mapping of its
/// own (32 MiB), so freeing it always returns it to the system: at the
/// default 19 MiB, glibc would raise its threshold after the first free
/// and keep later blocks in the heap for good.
const RESERVED_BLOCKS: usize = 33 * 1024;

/// Argon2, with each thread's working memory reused. Verifying comes with
/// `PasswordHasher` (it hashes again with the stored parameters and
/// compares in constant time).
struct ReusingArgon2;

impl PasswordHasher for ReusingArgon2 {
    type Params = Params;

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let salt = salt.into();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(output_len, |out| {
            MEMORY.with(|memory| {
                let mut memory = memory.borrow_mut();
                let blocks = params.block_count();
                if memory.capacity() < blocks {
                    *memory = Vec::with_capacity(blocks.max(RESERVED_BLOCKS));
                }
                if memory.len() < blocks {
                    memory.resize(blocks, Block::default());
                }
                argon2
                    .hash_password_into_with_memory(
                        password,
                        salt_bytes,
                        out,
                        &mut memory[..blocks],
                    )
                    .map_err(password_hash::Error::from)
            })
        })?;
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }
}

/// The argon2id PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    ReusingArgon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// The most expensive bcrypt hash Portunus verifies (Devise's default is
/// 10, each step doubles the time): a stored hash asking more is refused
/// rather than allowed to hold a hashing thread for minutes.
const MAX_BCRYPT_COST: u32 = 13;

/// The cost of a bcrypt hash (`$2a$10$...`, as Portus's Devise stored
/// them), or None when `hash` is no bcrypt hash.
fn bcrypt_cost(hash: &str) -> Option<u32> {
    let rest = ["$2a$", "$2b$", "$2y$"]
        .iter()
        .find_map(|prefix| hash.strip_prefix(prefix))?;
    rest.get(..2)?.parse().ok()
}

/// Whether a stored hash is of an older kind (bcrypt, from Portus) that a
/// successful sign-in should replace with argon2id.
pub fn needs_upgrade(stored: &str) -> bool {
    !stored.starts_with("$argon2id$")
}

/// Whether `password` matches the stored hash: an argon2id PHC string, or
/// a bcrypt hash imported from Portus. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    if let Some(cost) = bcrypt_cost(phc) {
        return cost <= MAX_BCRYPT_COST && bcrypt::verify(password, phc).unwrap_or(false);
    }
    PasswordHash::new(phc)
        .map(|parsed| {
            ReusingArgon2
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

/// Seconds a client told "busy" (a 503 with `Retry-After`) should wait
/// before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// How many hashes run at once: two per core.
fn workers() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The turns for hashing, one per hashing thread.
fn turns() -> &'static Semaphore {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| Semaphore::new(workers()))
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, started on first use; jobs reach them through a
/// channel that holds at most one job per thread (callers hold a turn).
fn hashing_threads() -> &'static SyncSender<Job> {
    static THREADS: OnceLock<SyncSender<Job>> = OnceLock::new();
    THREADS.get_or_init(|| {
        let (jobs, queue) = sync_channel::<Job>(workers());
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for n in 0..workers() {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    loop {
                        // A job waiting now (the queue is free and holds
                        // one) keeps the working memory; otherwise it goes
                        // back before this thread waits.
                        let waiting = queue.try_lock().ok().and_then(|q| q.try_recv().ok());
                        let job = match waiting {
                            Some(job) => Ok(job),
                            None => {
                                MEMORY.with(|memory| memory.take());
                                match queue.lock() {
                                    Ok(queue) => queue.recv(),
                                    Err(_) => return,
                                }
                            }
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        jobs
    })
}

/// Runs `work` on a hashing thread, in turn; "busy" when no turn comes soon.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _turn = turn(turns(), WAIT_FOR_TURN).await?;
    let (done, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    hashing_threads()
        .send(job)
        .map_err(|_| Error::Internal("the password hashing threads are gone".into()))?;
    result
        .await
        .map_err(|_| Error::Internal("a password hashing thread failed".into()))
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

/// [`hash`] on a hashing thread, in turn.
pub async fn hash_blocking(password: String) -> Result<String> {
    on_hashing_thread(move || hash(&password)).await?
}

/// [`verify`] on a hashing thread, in turn (for `None`, the time of a
/// verification, and false).
pub async fn verify_blocking(password: String, phc: Option<String>) -> Result<bool> {
    on_hashing_thread(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_dummy(&password);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portus_bcrypt_hashes_verify_and_ask_for_an_upgrade() {
        // As Ruby's bcrypt (Devise, cost 10) writes them.
        let stored = bcrypt::hash_with_result("s3cret-pass", 10)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoA);
        assert!(stored.starts_with("$2a$10$"), "{stored}");
        assert!(verify("s3cret-pass", &stored));
        assert!(!verify("s3cret-pasS", &stored));
        assert!(needs_upgrade(&stored));
        assert!(!needs_upgrade(&hash("x").unwrap()));
        let too_costly = stored.replacen("$10$", "$20$", 1);
        assert!(
            !verify("s3cret-pass", &too_costly),
            "cost 20 is refused unhashed"
        );
        assert_eq!(bcrypt_cost("$2b$12$abc"), Some(12));
        assert_eq!(bcrypt_cost("$argon2id$v=19"), None);
    }

    #[test]
    fn argon2id_round_trip() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn hashes_are_the_argon2_crates_both_ways() {
        let ours = hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify("battery staple", &theirs));
        assert!(!verify("battery stable", &theirs));
        // Other parameters (an imported Portus-era hash, say) verify too.
        let params = Params::new(8192, 3, 1, None).unwrap();
        let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"old secret", &salt)
            .unwrap()
            .to_string();
        assert!(verify("old secret", &other));
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
