//! Leases: which of several Portunus processes on one database does a job
//! that must run once at a time (the event processor, the catalog sync,
//! scheduled retention, the directory sync). A process holds a lease until
//! its expiry and renews it while it works; when it dies, the lease expires
//! and another process takes the job over. Times are passed in, so tests
//! need no clock.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// The jobs that take a lease, by name.
pub mod names {
    pub const EVENTS: &str = "event-processor";
    pub const CATALOG_SYNC: &str = "catalog-sync";
    pub const RETENTION: &str = "scheduled-retention";
    pub const DIRECTORY_SYNC: &str = "directory-sync";
    pub const ALL: [&str; 4] = [EVENTS, CATALOG_SYNC, RETENTION, DIRECTORY_SYNC];
}

static HOLDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names this process in the lease table, once, at start: a restarted
/// process that gives the same name (the same data directory) picks up its
/// leases at once instead of waiting for them to expire.
pub fn name_holder(id: String) {
    let _ = HOLDER.set(id);
}

/// This process's name in the lease table: as given to [`name_holder`], or
/// else its host and process id with a random suffix.
pub fn holder_id() -> String {
    HOLDER
        .get_or_init(|| {
            let host = std::fs::read_to_string("/etc/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_default();
            format!(
                "{host}:{}:{:08x}",
                std::process::id(),
                rand::random::<u32>()
            )
        })
        .clone()
}

/// Takes or renews the lease `name` for `holder` until `now + ttl`; true
/// when `holder` has it now (it was free, expired, or already theirs).
pub async fn acquire(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let now_ms = now.timestamp_millis();
    let until_ms = now_ms.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    let (leases, holder_col, expires) = (
        Alias::new("leases"),
        Alias::new("holder"),
        Alias::new("expires_at_ms"),
    );
    // Taken when nobody has it, renewed by its holder, taken over once expired.
    let free = Expr::col((leases.clone(), holder_col.clone()))
        .equals((Alias::new("excluded"), holder_col.clone()))
        .or(Expr::col((leases.clone(), expires.clone())).lt(now_ms));
    let upsert = Query::insert()
        .into_table(leases)
        .columns([Alias::new("name"), holder_col.clone(), expires.clone()])
        .values_panic([name.into(), holder.into(), until_ms.into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .update_columns([holder_col, expires])
                .action_and_where(free)
                .to_owned(),
        )
        .to_owned();
    let done = db.execute(&upsert).await?;
    Ok(done.rows_affected() == 1)
}

/// Whether this process should run the periodic job `name` now. It takes
/// (or renews) the lease for one `period` and a minute more, so the job
/// runs on one process at a time; call it again when a run ends to count
/// the period from then. When the holder stops renewing (it died), another
/// process takes over after that time.
pub async fn my_turn(db: &impl ConnectionTrait, name: &str, period: std::time::Duration) -> bool {
    let ttl = period + std::time::Duration::from_secs(60);
    match acquire(db, name, &holder_id(), ttl, Utc::now()).await {
        Ok(mine) => mine,
        Err(e) => {
            tracing::warn!(job = name, error = %e, "cannot take the job's lease; skipping this turn");
            false
        }
    }
}

/// Gives the lease up at once (on a clean shutdown), if `holder` has it.
pub async fn release(db: &impl ConnectionTrait, name: &str, holder: &str) -> Result<(), DbErr> {
    let expire = Query::update()
        .table(Alias::new("leases"))
        .value(Alias::new("expires_at_ms"), 0)
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .and_where(Expr::col(Alias::new("holder")).eq(holder))
        .to_owned();
    db.execute(&expire).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const TTL: Duration = Duration::from_secs(30);

    async fn database() -> (tempfile::TempDir, sea_orm::DatabaseConnection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("l.db").display());
        let db = crate::db::connect(&url).await.expect("database");
        (dir, db)
    }

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_expires_or_is_released() {
        let (_dir, db) = database().await;
        let t0 = Utc::now();
        // (seconds after t0, job, who asks, whether they get it, why); "-a"
        // is a release by a.
        let steps = [
            (0, "job", "a", true, "free"),
            (1, "job", "b", false, "a holds it"),
            (20, "job", "a", true, "a renews"),
            (40, "job", "b", false, "renewed until 50"),
            (40, "other", "b", true, "leases are per job"),
            (51, "job", "b", true, "a died: b takes over"),
            (52, "job", "a", false, "and a waits"),
            (53, "job", "-a", false, "only the holder releases"),
            (53, "job", "a", false, "so b still has it"),
            (54, "job", "-b", false, "b releases"),
            (54, "job", "a", true, "released: free at once"),
        ];
        for (seconds, job, who, expected, why) in steps {
            let at = t0 + chrono::Duration::seconds(seconds);
            if let Some(holder) = who.strip_prefix('-') {
                release(&db, job, holder).await.expect("release");
                continue;
            }
            let got = acquire(&db, job, who, TTL, at).await.expect("acquire");
            assert_eq!(got, expected, "{seconds} s, {job}, {who}: {why}");
        }
    }
}
