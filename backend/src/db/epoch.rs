//! What this process knows of the authorization epoch: a stored counter
//! that moves with every committed change to accounts, namespaces, team
//! memberships, directory identities and sign-in locks, whichever process
//! makes it. What token answers remember between requests is tagged with
//! [`Epoch::current`] as read *before* the database was, and counts only
//! while the epoch stays that value.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The authorization epoch as this process sees it. Reading the stored
/// counter costs a query, so it is read at most once per `recheck`: changes
/// made through this process move the epoch at once ([`Epoch::moved`]),
/// changes made elsewhere (another replica, the command line) within
/// `recheck`.
pub struct Epoch {
    /// Moves whenever the stored counter is seen to change and whenever
    /// this process changes something.
    local: AtomicU64,
    /// The stored counter as last read.
    stored: AtomicI64,
    /// When the stored counter was last read; `None` before the first read
    /// and after a failed one.
    read_at: Mutex<Option<Instant>>,
    /// The epoch as of the last read that worked (moved with the changes
    /// made here since), and when that read was.
    standing: Mutex<Option<(u64, Instant)>>,
    recheck: Duration,
}

impl Epoch {
    pub fn new(recheck: Duration) -> Epoch {
        Epoch {
            local: AtomicU64::new(0),
            stored: AtomicI64::new(i64::MIN),
            read_at: Mutex::new(None),
            standing: Mutex::new(None),
            recheck,
        }
    }

    /// Says that this process has just changed something: whatever was
    /// remembered before is stale.
    pub fn moved(&self) {
        // What is read from here on is read after the change: it stands
        // as long as the last read of the stored counter does. Under the
        // lock, so that of two changes at once the later one stands.
        if let Ok(mut standing) = self.standing.lock() {
            let now = self.local.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some((epoch, _)) = standing.as_mut() {
                *epoch = (*epoch).max(now);
            }
        } else {
            self.local.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The epoch as of `now`, reading the stored counter when the last read
    /// is `recheck` old. A counter that cannot be read moves the epoch, so
    /// that nothing remembered is trusted as current while the database is
    /// away, and is the error.
    pub async fn current(&self, db: &impl ConnectionTrait, now: Instant) -> Result<u64, DbErr> {
        if self.claim_read(now) {
            // Boxed: most calls read nothing and stay a small future.
            match Box::pin(stored(db)).await {
                Ok(value) => {
                    if self.stored.swap(value, Ordering::SeqCst) != value {
                        self.moved();
                    }
                    if let Ok(mut standing) = self.standing.lock() {
                        *standing = Some((self.local.load(Ordering::SeqCst), now));
                    }
                }
                Err(e) => {
                    self.local.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut read_at) = self.read_at.lock() {
                        *read_at = None;
                    }
                    return Err(e);
                }
            }
        }
        Ok(self.local.load(Ordering::SeqCst))
    }

    /// The epoch as of the last read of the stored counter that worked
    /// (and the changes made through this process since), if that read is
    /// younger than `within` at `now`: what a failed read since moved it
    /// from is what this process last knew to be true. What to go by while
    /// the database is away.
    pub fn standing(&self, now: Instant, within: Duration) -> Option<u64> {
        let standing = *self.standing.lock().ok()?;
        standing
            .filter(|(_, at)| now.saturating_duration_since(*at) < within)
            .map(|(epoch, _)| epoch)
    }

    /// Whether the caller is the one to read the stored counter now.
    fn claim_read(&self, now: Instant) -> bool {
        let Ok(mut read_at) = self.read_at.lock() else {
            return true;
        };
        match *read_at {
            Some(at) if now.saturating_duration_since(at) < self.recheck => false,
            _ => {
                *read_at = Some(now);
                true
            }
        }
    }
}

/// The counter that the triggers of migration 18 move.
async fn stored(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let statement = Statement::from_string(
        db.get_database_backend(),
        "SELECT value FROM authz_epoch WHERE id = 1",
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("authz_epoch".into()))?;
    row.try_get("", "value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Database;

    async fn database() -> sea_orm::DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        use portunus_migrations::{Migrator, MigratorTrait};
        Migrator::up(&db, None).await.expect("migrate");
        db
    }

    async fn change_elsewhere(db: &sea_orm::DatabaseConnection, sql: &str) {
        db.execute_unprepared(sql).await.expect("change");
    }

    #[tokio::test]
    async fn a_stored_change_is_seen_at_the_first_read_after_recheck() {
        let db = database().await;
        let epoch = Epoch::new(Duration::from_millis(100));
        let start = Instant::now();
        let first = epoch.current(&db, start).await.expect("read");
        change_elsewhere(
            &db,
            "INSERT INTO users (username, created_at, updated_at) \
             VALUES ('alice', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await;
        let within = epoch
            .current(&db, start + Duration::from_millis(99))
            .await
            .expect("read");
        let after = epoch
            .current(&db, start + Duration::from_millis(100))
            .await
            .expect("read");
        assert_eq!(within, first, "not read again within recheck");
        assert_ne!(after, first, "the insert moved the stored counter");
        let unchanged = epoch
            .current(&db, start + Duration::from_millis(200))
            .await
            .expect("read");
        assert_eq!(unchanged, after, "nothing changed since");
    }

    #[tokio::test]
    async fn a_change_made_here_moves_it_at_once() {
        let db = database().await;
        let epoch = Epoch::new(Duration::from_secs(3600));
        let now = Instant::now();
        let first = epoch.current(&db, now).await.expect("read");
        epoch.moved();
        assert_ne!(epoch.current(&db, now).await.expect("read"), first);
    }

    #[tokio::test]
    async fn clearing_a_sign_in_guard_leaves_it_alone() {
        let db = database().await;
        let epoch = Epoch::new(Duration::ZERO);
        let now = Instant::now();
        change_elsewhere(
            &db,
            "INSERT INTO sign_in_guards (username, address, failures, locked_at, updated_at) \
             VALUES ('alice', '10.0.0.1', 1, NULL, '2026-01-01T00:00:00Z')",
        )
        .await;
        let before = epoch.current(&db, now).await.expect("read");
        change_elsewhere(&db, "DELETE FROM sign_in_guards").await;
        assert_eq!(
            epoch.current(&db, now).await.expect("read"),
            before,
            "clearing allows more"
        );
        change_elsewhere(
            &db,
            "INSERT INTO sign_in_guards (username, address, failures, locked_at, updated_at) \
             VALUES ('alice', '10.0.0.1', 5, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await;
        assert_ne!(
            epoch.current(&db, now).await.expect("read"),
            before,
            "a lock allows less"
        );
    }

    #[tokio::test]
    async fn the_last_good_read_stands_with_the_changes_made_here() {
        let db = database().await;
        let away = Database::connect("sqlite::memory:").await.expect("connect");
        let epoch = Epoch::new(Duration::ZERO);
        let start = Instant::now();
        let minute = Duration::from_secs(60);
        assert_eq!(epoch.standing(start, minute), None, "nothing read yet");
        let read = epoch.current(&db, start).await.expect("read");
        assert!(
            epoch.current(&away, start).await.is_err(),
            "no counter there"
        );
        assert_ne!(
            epoch.current(&db, start).await.expect("read"),
            read,
            "a failed read moves it"
        );
        let later = start + Duration::from_secs(59);
        let read = epoch.current(&db, start).await.expect("read");
        assert!(epoch.current(&away, later).await.is_err());
        assert_eq!(epoch.standing(later, minute), Some(read), "still stands");
        assert_eq!(epoch.standing(start + minute, minute), None, "too old");
        epoch.moved();
        let moved = epoch.standing(later, minute);
        assert!(moved.is_some_and(|m| m != read), "changed here: {moved:?}");
        assert!(epoch.current(&away, later).await.is_err());
        assert_eq!(
            epoch.standing(later, minute),
            moved,
            "read after the change"
        );
    }
}
