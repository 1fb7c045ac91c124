//! Checking a user name and password, fast on repeat: the check itself
//! (stored hash or LDAP directory, with the lockout), the cache that
//! remembers what passed, and web UI sign-ins with their audit entries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::accounts::directory;
use crate::accounts::ldap::{self as ldap_accounts, PROVIDER as LDAP};
use crate::accounts::lockout::{Attempt, Lockout, Reservation};
use crate::accounts::users;
use crate::audit::{self, Actor, Target};
use crate::authz::Subject;
use crate::config::LocalAccounts;
use crate::crypto::password;
use crate::db::entities::{session, user};
use crate::db::epoch::Epoch;
use crate::directory::ldap::{Ldap, Verdict};
use crate::error::{Error, Result};

type Fingerprint = [u8; 32];

struct Entry {
    /// SHA-256 of the PHC string the password was verified against.
    hash_digest: [u8; 32],
    expires: Instant,
    /// The account let in from each client address, and at which epoch.
    admitted: HashMap<String, (u64, user::Model)>,
}

/// Client addresses remembered per credentials; more start the list over.
const ADMITTED_ADDRESSES: usize = 16;

/// What passed lately, so that a repeated check costs no argon2 (tens of
/// milliseconds by design; registry clients send the same Basic
/// credentials for every token).
///
/// Passwords are keyed by an HMAC of the credentials under a per-process
/// random key: the cache never holds a password or anything that could be
/// brute-forced offline. An entry only counts while the user's stored hash
/// is the one it was checked against, so a password change anywhere (any
/// backend process) invalidates it at once. Wrong passwords are counted by
/// `lockout`.
///
/// A check that passed also remembers, per client address, the account as
/// it was read, tagged with the authorization epoch (`db::epoch`): while
/// the epoch stands, nothing that decides a sign-in (the account, its
/// directory identity, the address's sign-in lock) has changed, so the
/// same credentials from the same address are let in without reading
/// anything.
///
/// Application and refresh tokens verified at the token endpoint are
/// remembered the same way ([`CredentialCache::remember_token`]): not to
/// skip their check, which costs one indexed read, but so that while the
/// database is away, what was verified at the last epoch read may still
/// pull (`issuing::standby`).
pub struct CredentialCache {
    key: [u8; 32],
    /// How long a checked stored password is remembered.
    pub ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<Fingerprint, Entry>>,
    tokens: Mutex<HashMap<Fingerprint, TokenEntry>>,
}

/// Who an application or refresh token let in, at which epoch.
struct TokenEntry {
    expires: Instant,
    epoch: u64,
    subject: Subject,
    /// When the token itself stops working, if it does.
    valid_until: Option<DateTime<Utc>>,
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
            tokens: Mutex::new(HashMap::new()),
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

    /// The digest of the hash these credentials were last verified
    /// against, while that is remembered.
    fn verified_against(&self, username: &str, password: &str) -> Option<[u8; 32]> {
        let fingerprint = self.fingerprint(username, password);
        let entries = self.entries.lock().ok()?;
        entries
            .get(&fingerprint)
            .filter(|e| e.expires > Instant::now())
            .map(|e| e.hash_digest)
    }

    /// Whether these credentials were verified recently against `current_hash`.
    pub fn is_known(&self, username: &str, password: &str, current_hash: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(current_hash.as_bytes()).into();
        self.verified_against(username, password) == Some(digest)
    }

    /// Whether these credentials were verified recently, whatever the
    /// account's hash is now: only a right password is remembered, so a
    /// guess never passes this (a rate limit need not count it as one; the
    /// password is still checked against the current hash).
    pub fn was_verified(&self, username: &str, password: &str) -> bool {
        self.verified_against(username, password).is_some()
    }

    /// Remembers for `ttl` that `password` was right for `username` while
    /// the account's binding (its stored hash) was `verified_hash`.
    pub fn remember(&self, username: &str, password: &str, verified_hash: &str, ttl: Duration) {
        let fingerprint = self.fingerprint(username, password);
        let now = Instant::now();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        make_room(&mut entries, self.capacity, |e| e.expires > now);
        entries.insert(
            fingerprint,
            Entry {
                hash_digest: Sha256::digest(verified_hash.as_bytes()).into(),
                expires: now + ttl,
                admitted: HashMap::new(),
            },
        );
    }

    /// The account these credentials let in from `address` at `epoch`, if
    /// they did and are still remembered.
    pub fn admitted(
        &self,
        username: &str,
        password: &str,
        address: &str,
        epoch: u64,
    ) -> Option<user::Model> {
        let fingerprint = self.fingerprint(username, password);
        let entries = self.entries.lock().ok()?;
        let entry = entries
            .get(&fingerprint)
            .filter(|e| e.expires > Instant::now())?;
        match entry.admitted.get(address) {
            Some((at, user)) if *at == epoch => Some(user.clone()),
            _ => None,
        }
    }

    /// Remembers that these remembered credentials let `user` in from
    /// `address` as read at `epoch`.
    pub fn admit(
        &self,
        username: &str,
        password: &str,
        address: &str,
        epoch: u64,
        user: &user::Model,
    ) {
        let fingerprint = self.fingerprint(username, password);
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if let Some(entry) = entries.get_mut(&fingerprint) {
            if entry.admitted.len() >= ADMITTED_ADDRESSES {
                entry.admitted.clear();
            }
            entry
                .admitted
                .insert(address.to_owned(), (epoch, user.clone()));
        }
    }
}

impl CredentialCache {
    /// Remembers for `ttl` that `secret`, an application or refresh token
    /// presented for registry `service`, let `subject` in as read at
    /// `epoch`; the token itself ends at `valid_until`.
    pub fn remember_token(
        &self,
        service: &str,
        secret: &str,
        epoch: u64,
        subject: &Subject,
        valid_until: Option<DateTime<Utc>>,
    ) {
        let fingerprint = self.fingerprint(&format!("\0{service}"), secret);
        let now = Instant::now();
        let Ok(mut tokens) = self.tokens.lock() else {
            return;
        };
        make_room(&mut tokens, self.capacity, |e| e.expires > now);
        let entry = TokenEntry {
            expires: now + self.ttl,
            epoch,
            subject: subject.clone(),
            valid_until,
        };
        tokens.insert(fingerprint, entry);
    }

    /// Whom `secret` let in for `service` at `epoch`, if that is
    /// remembered and the token has not ended by `now`.
    pub fn token_subject(
        &self,
        service: &str,
        secret: &str,
        epoch: u64,
        now: DateTime<Utc>,
    ) -> Option<Subject> {
        let fingerprint = self.fingerprint(&format!("\0{service}"), secret);
        let tokens = self.tokens.lock().ok()?;
        tokens
            .get(&fingerprint)
            .filter(|e| e.expires > Instant::now() && e.epoch == epoch)
            .filter(|e| e.valid_until.is_none_or(|until| now < until))
            .map(|e| e.subject.clone())
    }
}

/// Room for one more entry in `map`, which holds at most `capacity`:
/// what is no longer `live` goes first, and if that is not enough,
/// everything.
fn make_room<V>(map: &mut HashMap<Fingerprint, V>, capacity: usize, live: impl Fn(&V) -> bool) {
    if map.len() >= capacity {
        map.retain(|_, v| live(v));
        if map.len() >= capacity {
            map.clear();
        }
    }
}

/// Why a sign-in failed. Callers tell the client only "invalid credentials"
/// (or "disabled"), never which part was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    BadCredentials,
    Disabled,
    /// As many attempts for this name from this address as are allowed
    /// are being checked at this moment: this one was not.
    Crowded,
    /// Too many wrong passwords for this name from this address: no
    /// password is checked until then (the same for names that are no
    /// account, so the answer tells nothing about which exist).
    Locked {
        until: DateTime<Utc>,
    },
}

impl Failure {
    /// What to tell the person signing in.
    pub fn message(&self) -> String {
        match self {
            Failure::BadCredentials => "invalid user name or password".into(),
            Failure::Disabled => {
                "this account is disabled; ask an administrator to enable it".into()
            }
            Failure::Crowded => "too many sign-ins at once for this user name from your address; try again in a moment".into(),
            Failure::Locked { until } => format!(
                "too many wrong passwords for this user name from your address: sign-ins are refused until {}; wait, or ask an administrator to unlock it",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }
}

/// The failure for a wrong password: locked if it was the last one allowed.
async fn wrong_password(
    db: &impl ConnectionTrait,
    lockout: Lockout,
    attempt: Attempt<'_>,
    number: i32,
) -> Result<Failure> {
    Ok(match lockout.wrong(db, attempt, number).await? {
        Some(until) => Failure::Locked { until },
        None => Failure::BadCredentials,
    })
}

/// What checking a password needs besides the database.
#[derive(Clone, Copy)]
pub struct PasswordCheck<'a> {
    pub cache: &'a CredentialCache,
    /// Whether what `cache` let in may still be let in unread.
    pub epoch: &'a Epoch,
    pub lockout: Lockout,
    /// The LDAP directory, when one is configured.
    pub ldap: Option<&'a Ldap>,
    /// An explicit sign-in (the web UI's, the OAuth2 password grant): a
    /// directory account's password goes to the directory even if it said
    /// yes within `ldap.cache_seconds`, so that group changes apply at
    /// once. Registry logins (`false`) may take the remembered answer.
    pub ask_directory: bool,
}

/// Whose word decides a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judge {
    /// The stored hash (or, for a name that is no account, nothing).
    Local,
    /// The LDAP directory.
    Directory,
}

/// Who checks the password of `found` (the account of the name typed).
async fn judge_of(
    db: &impl ConnectionTrait,
    check: &PasswordCheck<'_>,
    found: Option<&user::Model>,
) -> Result<Judge> {
    let Some(ldap) = check.ldap else {
        return Ok(Judge::Local);
    };
    let Some(account) = found else {
        return Ok(Judge::Directory);
    };
    if directory::identity_of(db, account.id, LDAP)
        .await?
        .is_some()
    {
        return Ok(Judge::Directory);
    }
    let local_allowed = match ldap.settings().local_accounts {
        LocalAccounts::All => true,
        LocalAccounts::Admins => account.admin,
    };
    Ok(match account.password_hash {
        Some(_) if local_allowed => Judge::Local,
        Some(_) => Judge::Directory,
        // Bots and OpenID accounts: no password to check.
        None => Judge::Local,
    })
}

/// What a cache entry of `account`'s password is bound to: the stored
/// hash, or for a directory account its id (entries for it are made only
/// after the directory accepted the password, and last `ldap.cache_seconds`).
fn cache_binding(judge: Judge, account: &user::Model) -> Option<String> {
    match judge {
        Judge::Local => account.password_hash.clone(),
        Judge::Directory => Some(format!("{LDAP}:{}", account.id)),
    }
}

/// Checks a user name and password: against the stored hash, or with the
/// LDAP directory for its accounts and for names that are no account yet
/// (the first sign-in creates the account). Wrong passwords are counted
/// per name and client address (see [`lockout`]); past `lockout.attempts`
/// in a row the pair is locked for `lockout.duration`, during which not
/// even the right password is accepted from there (application tokens
/// still work). A directory that cannot answer is an `Unavailable` error
/// naming it, and counts as no attempt. A name that is no account costs
/// and answers the same as one that is.
pub async fn authenticate(
    db: &DatabaseConnection,
    check: PasswordCheck<'_>,
    attempt: Attempt<'_>,
    password: &str,
) -> Result<std::result::Result<user::Model, Failure>> {
    // A name as typed, with spaces around it, is the same name (a
    // directory ignores them too).
    let attempt = Attempt {
        username: attempt.username.trim(),
        ..attempt
    };
    let epoch = check.epoch.current(db, Instant::now()).await?;
    let directory_asked_anew = check.ask_directory && check.ldap.is_some();
    if !directory_asked_anew
        && let Some(user) = check
            .cache
            .admitted(attempt.username, password, attempt.address, epoch)
    {
        return Ok(Ok(user));
    }
    // Boxed: the common answer above stays a small future.
    Box::pin(verify(db, check, attempt, password, epoch)).await
}

/// [`authenticate`] when the account was not admitted lately: reads it,
/// counts the attempt and checks the password or asks the directory.
async fn verify(
    db: &DatabaseConnection,
    check: PasswordCheck<'_>,
    attempt: Attempt<'_>,
    password: &str,
    epoch: u64,
) -> Result<std::result::Result<user::Model, Failure>> {
    let lockout = check.lockout;
    let admit = |user: user::Model| {
        let (name, address) = (attempt.username, attempt.address);
        check.cache.admit(name, password, address, epoch, &user);
        Ok(Ok(user))
    };
    let directory_asked_anew = check.ask_directory && check.ldap.is_some();
    let found = users::find_by_name(db, attempt.username).await?;
    let judge = judge_of(db, &check, found.as_ref()).await?;
    let binding = found.as_ref().and_then(|u| cache_binding(judge, u));
    let remembered = !(directory_asked_anew && judge == Judge::Directory);
    if remembered
        && let Some(binding) = &binding
        && check.cache.is_known(attempt.username, password, binding)
    {
        // Verified recently: no attempt to count, only a lock to respect.
        if let Some(until) = lockout.admit(db, attempt).await? {
            return Ok(Err(Failure::Locked { until }));
        }
        return match found.filter(|u| u.enabled) {
            Some(user) => admit(user),
            None => Ok(Err(Failure::Disabled)),
        };
    }
    let number = match lockout.reserve(db, attempt).await? {
        Reservation::Granted(number) => number,
        Reservation::Locked(until) => return Ok(Err(Failure::Locked { until })),
        Reservation::Crowded => return Ok(Err(Failure::Crowded)),
    };
    // A check that cannot run (no turn for hashing, no directory) gives
    // its reservation back.
    let checked = match (judge, check.ldap) {
        (Judge::Directory, Some(ldap)) => {
            let asked = ask_directory(db, ldap, attempt, password).await;
            // It may have brought the account and its teams in step.
            check.epoch.moved();
            asked
        }
        _ => check_hash(db, found, password).await,
    };
    let user = match checked {
        Ok(Some(right)) => right,
        Ok(None) => {
            let failure = wrong_password(db, lockout, attempt, number).await?;
            if let Failure::Locked { .. } = failure {
                // What this process let in from there is stale now.
                check.epoch.moved();
            }
            return Ok(Err(failure));
        }
        Err(e) => {
            lockout.release(db, attempt).await?;
            return Err(e);
        }
    };
    // Parallel guesses from here may have locked the pair meanwhile.
    if let Some(until) = lockout.admit(db, attempt).await? {
        return Ok(Err(Failure::Locked { until }));
    }
    if !user.enabled {
        return Ok(Err(Failure::Disabled));
    }
    if let Some(binding) = cache_binding(judge, &user) {
        let ttl = match judge {
            Judge::Local => check.cache.ttl,
            Judge::Directory => {
                Duration::from_secs(check.ldap.map_or(0, |l| l.settings().cache_seconds))
            }
        };
        check
            .cache
            .remember(attempt.username, password, &binding, ttl);
        return admit(user);
    }
    Ok(Ok(user))
}

/// The account, if `password` is its stored one. A hash of an older kind
/// (bcrypt, imported from Portus) is replaced by argon2id on the way.
async fn check_hash(
    db: &DatabaseConnection,
    found: Option<user::Model>,
    password: &str,
) -> Result<Option<user::Model>> {
    match found {
        Some(user) if user.password_hash.is_some() => {
            let hash = user.password_hash.clone();
            if !password::verify_blocking(password.to_owned(), hash).await? {
                return Ok(None);
            }
            upgrade_hash(db, user, password).await.map(Some)
        }
        _ => password::verify_blocking(password.to_owned(), None)
            .await
            .map(|_| None),
    }
}

/// `user` with its password stored as argon2id, if it was not (only if the
/// stored hash is still the one just verified).
async fn upgrade_hash(
    db: &DatabaseConnection,
    user: user::Model,
    password: &str,
) -> Result<user::Model> {
    let Some(old) = user
        .password_hash
        .clone()
        .filter(|h| password::needs_upgrade(h))
    else {
        return Ok(user);
    };
    // Best effort: a busy hashing pool leaves it for the next login.
    let new = match password::hash_blocking(password.to_owned()).await {
        Ok(new) => new,
        Err(e) => {
            tracing::info!(user = %user.username, error = %e, "password hash not upgraded this time");
            return Ok(user);
        }
    };
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(new.clone()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::PasswordHash.eq(old))
        .exec(db)
        .await?;
    if updated.rows_affected == 1 {
        tracing::info!(user = %user.username, "password hash upgraded to argon2id");
    }
    Ok(user::Model {
        password_hash: Some(new),
        ..user
    })
}

/// The account of the person the directory says this is, if it accepts
/// the password (created or brought in step with the directory).
async fn ask_directory(
    db: &DatabaseConnection,
    ldap: &Ldap,
    attempt: Attempt<'_>,
    password: &str,
) -> Result<Option<user::Model>> {
    let person = match ldap.sign_in(attempt.username, password).await? {
        Verdict::Accepted(person) => person,
        Verdict::Rejected => return Ok(None),
    };
    let source = ldap_accounts::source(ldap);
    let user = directory::admit(db, source, &person, attempt.now).await?;
    Ok(Some(user))
}

/// A web UI sign-in: [`authenticate`], with the attempt recorded in the
/// audit log either way.
pub async fn sign_in(
    db: &DatabaseConnection,
    check: PasswordCheck<'_>,
    attempt: Attempt<'_>,
    password: &str,
) -> Result<std::result::Result<user::Model, Failure>> {
    let outcome = authenticate(db, check, attempt, password).await?;
    match &outcome {
        Ok(user) => {
            audit::record(
                db,
                &Actor::of(user),
                ActivityKey::AuthSignIn,
                Target::user(user),
                None,
            )
            .await?
        }
        Err(_) => record_failure(db, attempt.username, ActivityKey::AuthSignInFailed, None).await?,
    }
    Ok(outcome)
}

/// Records a failed sign-in (`key`) by someone who gave the user name
/// `claimed` (cut to 64 characters; it may be anything).
pub async fn record_failure(
    db: &impl ConnectionTrait,
    claimed: &str,
    key: ActivityKey,
    parameters: Option<serde_json::Value>,
) -> Result<()> {
    let name: String = claimed.chars().take(64).collect();
    let actor = Actor { id: None, name };
    let target = Target::new("user", None, &actor.name);
    audit::record(db, &actor, key, target, parameters).await
}

/// Changes `user`'s password after checking the current one as a sign-in
/// checks it: a wrong one counts towards the lockout, and a locked account
/// cannot change its password. Every other session and every refresh token
/// of the user stops working. `address` is where the request came from.
pub async fn change_password(
    db: &DatabaseConnection,
    lockout: Lockout,
    user: &user::Model,
    change: api::PasswordChange,
    keep_session: Option<&str>,
    address: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(current_hash) = user.password_hash.clone() else {
        return Err(Error::InvalidInput(
            "this account has no password (a bot, or signed in elsewhere)".into(),
        ));
    };
    let attempt = Attempt {
        username: &user.username,
        address,
        now,
    };
    let number = match lockout.reserve(db, attempt).await? {
        Reservation::Granted(number) => number,
        Reservation::Locked(until) => {
            return Err(Error::Forbidden(Failure::Locked { until }.message()));
        }
        Reservation::Crowded => return Err(Error::Forbidden(Failure::Crowded.message())),
    };
    let right = match password::verify_blocking(change.current_password, Some(current_hash)).await {
        Ok(right) => right,
        Err(e) => {
            lockout.release(db, attempt).await?;
            return Err(e);
        }
    };
    if !right {
        return Err(Error::Forbidden(
            match wrong_password(db, lockout, attempt, number).await? {
                locked @ Failure::Locked { .. } => locked.message(),
                _ => "the current password is wrong".into(),
            },
        ));
    }
    if let Some(until) = lockout.admit(db, attempt).await? {
        return Err(Error::Forbidden(Failure::Locked { until }.message()));
    }
    password::validate(&change.new_password)?;
    let new_hash = password::hash_blocking(change.new_password).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(Some(new_hash));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let mut others = session::Entity::delete_many().filter(session::Column::UserId.eq(user.id));
    if let Some(keep) = keep_session {
        others = others.filter(session::Column::TokenHash.ne(keep));
    }
    others.exec(&txn).await?;
    let target = Target::user(user);
    audit::record(
        &txn,
        &Actor::of(user),
        ActivityKey::UserChangePassword,
        target,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets `user`'s password without the current one: for the operator at
/// the command line. See [`new_password_hash`] and [`store_password`].
pub async fn set_password(
    db: &DatabaseConnection,
    user: &user::Model,
    new_password: String,
    actor: &Actor,
    key: ActivityKey,
) -> Result<()> {
    let hash = new_password_hash(db, user, new_password).await?;
    let txn = crate::db::begin_write(db).await?;
    store_password(&txn, user, hash, actor, key).await?;
    txn.commit().await?;
    Ok(())
}

/// The hash of `new_password` for `user`, once it follows the rules of
/// sign-up. Directory accounts and bots have no password here.
pub async fn new_password_hash(
    db: &impl ConnectionTrait,
    user: &user::Model,
    new_password: String,
) -> Result<String> {
    if user.bot {
        return Err(Error::InvalidInput(
            "bots have no password; they use application tokens".into(),
        ));
    }
    if let Some(directory) = users::directories_of(db, [user.id]).await?.remove(&user.id) {
        return Err(Error::Conflict(format!(
            "{:?} signs in with its directory ({directory}); its password is changed there",
            user.username
        )));
    }
    password::validate(&new_password)?;
    password::hash_blocking(new_password).await
}

/// Stores `hash` as `user`'s password within `txn`: every session and
/// refresh token of the user ends, any lockout of the name is lifted, and
/// the change is recorded as `key` by `actor`.
pub async fn store_password(
    txn: &DatabaseTransaction,
    user: &user::Model,
    hash: String,
    actor: &Actor,
    key: ActivityKey,
) -> Result<()> {
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(Some(hash));
    active.updated_at = Set(Utc::now());
    active.update(txn).await?;
    crate::accounts::sessions::end_everywhere(txn, user.id).await?;
    crate::accounts::lockout::unlock(txn, &user.username).await?;
    audit::record(txn, actor, key, Target::user(user), None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_is_bound_to_credentials_and_hash() {
        let cache = CredentialCache::new(Duration::from_secs(60), 10);
        cache.remember("alice", "pw1", "$hash1", Duration::from_secs(60));
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
        cache.remember("a", "p", "h", Duration::ZERO);
        assert!(!cache.is_known("a", "p", "h"));
        for i in 0..10 {
            cache.remember(&format!("u{i}"), "p", "h", Duration::from_secs(60));
        }
        assert!(cache.entries.lock().unwrap().len() <= 2);
    }

    #[test]
    fn a_token_is_remembered_for_its_service_at_its_epoch_until_it_ends() {
        let cache = CredentialCache::new(Duration::from_secs(60), 10);
        let subject = Subject {
            user_id: Some(crate::db::ids::UserId(7)),
            username: Some("alice".into()),
            ..Subject::default()
        };
        let now = Utc::now();
        let ends = now + chrono::Duration::seconds(30);
        cache.remember_token("registry", "secret", 3, &subject, Some(ends));
        let found = cache.token_subject("registry", "secret", 3, now);
        assert_eq!(
            found.and_then(|s| s.user_id),
            Some(crate::db::ids::UserId(7))
        );
        assert!(
            cache.token_subject("other", "secret", 3, now).is_none(),
            "service"
        );
        assert!(
            cache.token_subject("registry", "secreT", 3, now).is_none(),
            "secret"
        );
        assert!(
            cache.token_subject("registry", "secret", 4, now).is_none(),
            "epoch"
        );
        assert!(
            cache.token_subject("registry", "secret", 3, ends).is_none(),
            "ended"
        );
        let cache = CredentialCache::new(Duration::ZERO, 10);
        cache.remember_token("registry", "secret", 3, &subject, None);
        assert!(
            cache.token_subject("registry", "secret", 3, now).is_none(),
            "expired"
        );
    }
}
