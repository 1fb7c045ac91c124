//! Scheduled retention passes: every enabled rule whose last run is old
//! enough, over every registry, by one process at a time (a lease), each
//! rule claimed first so that concurrent processes split the work.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::audit::Actor;
use crate::catalog::repositories::full_name;
use crate::catalog::retention::{apply, author_may_still_delete, claim};
use crate::config::PolicySettings;
use crate::db::entities::{namespace, repository, retention_rule};
use crate::db::leases;
use crate::error::Result;
use crate::registries::Registries;

/// What a scheduled pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Rules applied.
    pub ran: u64,
    /// Rules not applied because whoever set them may no longer delete there.
    pub skipped: u64,
    /// Rules whose run failed (the registry was unreachable, say); retried next time.
    pub failed: u64,
    /// Tags deleted.
    pub deleted: u64,
}

/// Runs every enabled rule whose last run is at least `interval` old at
/// `now`, each claimed first so that concurrent Portunus processes split
/// the work.
pub async fn run_due(
    registries: &Registries,
    policy: &PolicySettings,
    interval: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Pass> {
    let mut pass = Pass::default();
    if !policy.delete_enabled {
        return Ok(pass);
    }
    let due_before = now - Duration::from_std(interval).unwrap_or(Duration::hours(1));
    let due = |query: sea_orm::Select<retention_rule::Entity>| {
        query
            .filter(retention_rule::Column::Enabled.eq(true))
            .filter(
                Condition::any()
                    .add(retention_rule::Column::LastRunAt.is_null())
                    .add(retention_rule::Column::LastRunAt.lt(due_before)),
            )
    };
    let db = &registries.configured().catalog.db;
    let rules = due(retention_rule::Entity::find()).all(db).await?;
    let actor = Actor {
        id: None,
        name: "portunus-retention".into(),
    };
    for row in rules {
        if !claim(db, &row, now).await? {
            continue;
        }
        let Some(repo) = repository::Entity::find_by_id(row.repository_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let Some(ns) = namespace::Entity::find_by_id(repo.namespace_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let full = full_name(&ns, &repo);
        let served = registries.holding_namespace(&ns).await?;
        let catalog = &served.catalog;
        if !author_may_still_delete(catalog, policy, &row, &ns, &full).await? {
            tracing::warn!(repository = %full, "retention rule skipped: whoever set it may no longer delete there; an owner should save it again");
            pass.skipped += 1;
            continue;
        }
        match apply(catalog, &actor, &ns, &repo, &row, now).await {
            Ok(done) => {
                if done.delete > 0 {
                    tracing::info!(repository = %done.repository, deleted = done.delete, "retention deleted tags");
                }
                pass.ran += 1;
                pass.deleted += done.delete;
            }
            Err(e) => {
                tracing::warn!(repository = %full, error = %e, "retention run failed; next run retries");
                pass.failed += 1;
            }
        }
    }
    Ok(pass)
}

/// Runs due rules every `retention_interval_seconds` until the process ends.
pub async fn scheduled(registries: Arc<Registries>, policy: PolicySettings, seconds: u64) {
    if seconds == 0 {
        return;
    }
    let interval = std::time::Duration::from_secs(seconds.max(60));
    let pause = interval.min(std::time::Duration::from_secs(600));
    loop {
        // One process at a time runs the passes (several may share the database).
        let db = registries.configured().catalog.db.clone();
        if leases::my_turn(&db, leases::names::RETENTION, pause).await {
            if let Err(e) = run_due(&registries, &policy, interval, Utc::now()).await {
                tracing::warn!(error = %e, "retention pass failed; will retry");
            }
            leases::my_turn(&db, leases::names::RETENTION, pause).await;
        }
        tokio::time::sleep(pause).await;
    }
}
