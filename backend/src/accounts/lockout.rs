//! Stopping password guessing. Wrong passwords are counted per user name
//! and client address in the database, so every replica sees them, one
//! client cannot lock an account for everyone else, and a name that is no
//! account is counted (and answered) exactly like one that is.
//!
//! Each attempt is reserved before its password is checked, so parallel
//! guesses never get more checks than `attempts`. A right password clears
//! the count; the last wrong one allowed locks the pair for `duration`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::entities::sign_in_guard::{self, Column};
use crate::error::Result;

/// Longest user name or address stored; longer ones are cut (they are
/// attacker-chosen and only need to tell attempts apart).
const MAX_KEY_CHARS: usize = 128;

/// After how many wrong passwords in a row a name is locked for a client
/// address, and for how long (`lockout_attempts`, `lockout_seconds`;
/// 0 attempts: never).
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    pub attempts: u32,
    pub duration: chrono::Duration,
}

/// What a reserved attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Check the password; this is the attempt with this number in a row.
    Granted(i32),
    /// The pair is locked until then: check nothing.
    Locked(DateTime<Utc>),
    /// As many attempts as are allowed are being checked right now: check
    /// nothing, count nothing, try again in a moment.
    Crowded,
}

/// One password attempt: for which name, from where, when.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub username: &'a str,
    pub address: &'a str,
    pub now: DateTime<Utc>,
}

/// The name a count is kept under: without surrounding spaces, cut, and in
/// lower case, since a directory finds ` Alice` and `alice` alike (and
/// account names differ in more than case), so every way of typing one
/// name shares one count.
fn name_key(username: &str) -> String {
    username
        .trim()
        .chars()
        .take(MAX_KEY_CHARS)
        .collect::<String>()
        .to_lowercase()
}

impl Attempt<'_> {
    fn key(&self) -> (String, String) {
        let address = self.address.chars().take(MAX_KEY_CHARS).collect();
        (name_key(self.username), address)
    }

    /// The count of this attempt's name and address, if there is one.
    async fn guard(&self, db: &impl ConnectionTrait) -> Result<Option<sign_in_guard::Model>> {
        Ok(sign_in_guard::Entity::find()
            .filter(self.row())
            .one(db)
            .await?)
    }

    fn row(&self) -> sea_orm::sea_query::SimpleExpr {
        let (username, address) = self.key();
        Column::Username
            .eq(username)
            .and(Column::Address.eq(address))
    }
}

impl Lockout {
    pub fn of(config: &crate::config::Config) -> Lockout {
        Lockout {
            attempts: config.lockout_attempts,
            duration: chrono::Duration::seconds(
                i64::try_from(config.lockout_seconds).unwrap_or(i64::MAX / 1000),
            ),
        }
    }

    fn limit(&self) -> i32 {
        i32::try_from(self.attempts).unwrap_or(i32::MAX)
    }

    /// Until when this attempt's name and address are locked, if they are.
    pub async fn locked_until(
        &self,
        db: &impl ConnectionTrait,
        attempt: Attempt<'_>,
    ) -> Result<Option<DateTime<Utc>>> {
        if self.attempts == 0 {
            return Ok(None);
        }
        let found = attempt.guard(db).await?;
        Ok(found.and_then(|guard| self.in_force(&guard, attempt.now)))
    }

    /// Until when `guard` locks, if it does at `now`.
    fn in_force(&self, guard: &sign_in_guard::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let until = guard.locked_at? + self.duration;
        (until > now).then_some(until)
    }

    /// Lets in an attempt whose password is right, unless its pair is
    /// locked (`Some(until)`; also by parallel guesses since it was
    /// reserved); the count of wrong ones starts over.
    pub async fn admit(
        &self,
        db: &impl ConnectionTrait,
        attempt: Attempt<'_>,
    ) -> Result<Option<DateTime<Utc>>> {
        let Some(guard) = attempt.guard(db).await? else {
            return Ok(None);
        };
        if let Some(until) = self.in_force(&guard, attempt.now) {
            return Ok(Some(until));
        }
        // Start the count over, unless a parallel guess has just locked.
        sign_in_guard::Entity::delete_many()
            .filter(attempt.row())
            .filter(
                Column::LockedAt
                    .is_null()
                    .or(Column::LockedAt.lte(attempt.now - self.duration)),
            )
            .exec(db)
            .await?;
        self.locked_until(db, attempt).await
    }

    /// Reserves the attempt before its password is checked. Only the first
    /// `attempts` reservations in flight are granted; one more is
    /// [`Reservation::Crowded`] and counts for nothing (so many right
    /// passwords at once lock nobody out). The counter is raised in one
    /// statement that returns the new value, so N parallel guesses get N
    /// different numbers.
    pub async fn reserve(
        &self,
        db: &impl ConnectionTrait,
        attempt: Attempt<'_>,
    ) -> Result<Reservation> {
        if self.attempts == 0 {
            return Ok(Reservation::Granted(0));
        }
        if let Some(until) = self.locked_until(db, attempt).await? {
            return Ok(Reservation::Locked(until));
        }
        // A lock that ran out starts the count afresh (one that a parallel
        // attempt set since the check above stays).
        sign_in_guard::Entity::delete_many()
            .filter(attempt.row())
            .filter(Column::LockedAt.lte(attempt.now - self.duration))
            .exec(db)
            .await?;
        let (username, address) = attempt.key();
        let raise = Query::insert()
            .into_table(sign_in_guard::Entity)
            .columns([
                Column::Username,
                Column::Address,
                Column::Failures,
                Column::UpdatedAt,
            ])
            .values_panic([
                username.into(),
                address.into(),
                1.into(),
                attempt.now.into(),
            ])
            .on_conflict(
                OnConflict::columns([Column::Username, Column::Address])
                    .value(
                        Column::Failures,
                        Expr::col((sign_in_guard::Entity, Column::Failures)).add(1),
                    )
                    .value(Column::UpdatedAt, attempt.now)
                    .to_owned(),
            )
            .returning_col(Column::Failures)
            .to_owned();
        let number: i32 = match db.query_one(&raise).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => i32::MAX,
        };
        if number <= self.limit() {
            return Ok(Reservation::Granted(number));
        }
        self.release(db, attempt).await?;
        Ok(Reservation::Crowded)
    }

    /// Gives a reservation back uncounted (its check could not run).
    pub async fn release(&self, db: &impl ConnectionTrait, attempt: Attempt<'_>) -> Result<()> {
        sign_in_guard::Entity::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(attempt.row())
            .filter(Column::Failures.gt(0))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Records that the attempt granted reservation `number` had a wrong
    /// password; returns until when the pair is locked if it was the last
    /// one allowed.
    pub async fn wrong(
        &self,
        db: &impl ConnectionTrait,
        attempt: Attempt<'_>,
        number: i32,
    ) -> Result<Option<DateTime<Utc>>> {
        if self.attempts == 0 || number < self.limit() {
            return Ok(None);
        }
        Ok(Some(self.lock(db, attempt).await?))
    }

    /// Locks the pair from now, unless a parallel attempt already did.
    async fn lock(&self, db: &impl ConnectionTrait, attempt: Attempt<'_>) -> Result<DateTime<Utc>> {
        let locked = sign_in_guard::Entity::update_many()
            .col_expr(Column::LockedAt, Expr::value(attempt.now))
            .filter(attempt.row())
            .filter(Column::LockedAt.is_null())
            .exec(db)
            .await?;
        if locked.rows_affected > 0 {
            tracing::warn!(
                user = %attempt.username,
                address = %attempt.address,
                attempts = self.attempts,
                "sign-ins locked after wrong passwords"
            );
        }
        Ok(self
            .locked_until(db, attempt)
            .await?
            .unwrap_or(attempt.now + self.duration))
    }
}

/// Forgets counts untouched since `before` whose lock (if any) has ended:
/// names that were guessed and never signed in with leave nothing behind.
/// Returns how many went.
pub async fn prune(
    db: &impl ConnectionTrait,
    lockout: Lockout,
    before: DateTime<Utc>,
) -> Result<u64> {
    let ended = before - lockout.duration;
    let pruned = sign_in_guard::Entity::delete_many()
        .filter(Column::UpdatedAt.lt(before))
        .filter(Column::LockedAt.is_null().or(Column::LockedAt.lt(ended)))
        .exec(db)
        .await?;
    Ok(pruned.rows_affected)
}

/// Forgets the wrong passwords of this attempt's name and address (after
/// a right one).
pub async fn clear(db: &impl ConnectionTrait, attempt: Attempt<'_>) -> Result<()> {
    sign_in_guard::Entity::delete_many()
        .filter(attempt.row())
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets every wrong password given for `username` from anywhere, and
/// lifts its locks; returns whether there was anything to forget.
pub async fn unlock(db: &impl ConnectionTrait, username: &str) -> Result<bool> {
    let removed = sign_in_guard::Entity::delete_many()
        .filter(Column::Username.eq(name_key(username)))
        .exec(db)
        .await?;
    Ok(removed.rows_affected > 0)
}

/// When each of `usernames` was last locked from some address (whether
/// that lock still holds depends on `lockout_seconds`).
pub async fn last_locked<'a>(
    db: &impl ConnectionTrait,
    usernames: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, DateTime<Utc>>> {
    let names: HashMap<String, &str> = usernames.into_iter().map(|u| (name_key(u), u)).collect();
    let guards = sign_in_guard::Entity::find()
        .filter(Column::Username.is_in(names.keys().cloned()))
        .filter(Column::LockedAt.is_not_null())
        .all(db)
        .await?;
    let mut last = HashMap::new();
    for guard in guards {
        if let (Some(at), Some(name)) = (guard.locked_at, names.get(&guard.username)) {
            let entry = last.entry((*name).to_owned()).or_insert(at);
            *entry = Ord::max(*entry, at);
        }
    }
    Ok(last)
}
