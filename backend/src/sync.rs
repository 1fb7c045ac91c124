//! Catalog synchronisation: comparing what Portunus knows with what the
//! registry holds, repository by repository, with bounded concurrency and
//! flat memory (one catalog page at a time).
//!
//! Racing with live events can neither delete nor duplicate content: every
//! tag a pass sees is marked with the pass's generation, a tag that an event
//! touched after the pass began is never overwritten by the pass, and only
//! tags that are both unmarked and untouched since the pass began are
//! forgotten (in `update-delete` mode). Events win.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::db::entities::{repository, tag};
use crate::error::{Error, Result};
use crate::registry::RegistryError;
use crate::repositories;
use crate::state::SharedState;

/// How a pass runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Also forget what the registry no longer holds.
    pub delete: bool,
    /// Only count what would change.
    pub dry_run: bool,
    /// Repositories looked at in parallel.
    pub concurrency: usize,
}

/// What a pass did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub repositories: u64,
    pub tags: u64,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
    /// Tags that could not be read (reported, left as they were).
    pub failed: u64,
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.repositories += other.repositories;
        self.tags += other.tags;
        self.added += other.added;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        self.failed += other.failed;
    }
}

const CATALOG_PAGE: u32 = 500;

/// One full pass over the catalog. `progress` is called after each repository.
pub async fn run_pass(
    state: &SharedState,
    options: Options,
    mut progress: impl FnMut(&Summary),
) -> Result<Summary> {
    let started = Utc::now();
    let generation = started.timestamp_millis();
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut total = Summary::default();
    let mut last: Option<String> = None;
    loop {
        let (names, next) = state
            .registry
            .catalog_page(last.as_deref(), CATALOG_PAGE)
            .await
            .map_err(unavailable)?;
        let mut tasks = JoinSet::new();
        for name in names {
            let state = state.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                sync_repository(&state, &name, generation, started, options.dry_run).await
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let done = joined.map_err(|e| Error::Internal(e.to_string()))??;
            total.add(&done);
            progress(&total);
        }
        match next {
            Some(n) => last = Some(n),
            None => break,
        }
    }
    if options.delete {
        total.removed += forget_unseen(state, generation, started, options.dry_run).await?;
    }
    Ok(total)
}

fn unavailable(e: RegistryError) -> Error {
    Error::Unavailable(e.to_string())
}

async fn sync_repository(
    state: &SharedState,
    path: &str,
    generation: i64,
    started: DateTime<Utc>,
    dry_run: bool,
) -> Result<Summary> {
    let mut summary = Summary {
        repositories: 1,
        ..Default::default()
    };
    let names = match state.registry.tags(path).await {
        Ok(names) => names,
        Err(RegistryError::NotFound(_)) => return Ok(summary),
        Err(e) => return Err(unavailable(e)),
    };
    let (_, known) = repositories::with_tags(&state.db, state.registry_id, path).await?;
    let mut unchanged_ids = Vec::new();
    let mut changed = Vec::new();
    for name in names {
        summary.tags += 1;
        let existing = known.iter().find(|t| t.name == name);
        // A HEAD is enough to see that a known tag did not move.
        if let Some(existing) = existing {
            match state.registry.manifest_digest(path, &name).await {
                Ok(digest) if digest == existing.digest => {
                    summary.unchanged += 1;
                    unchanged_ids.push(existing.id);
                    continue;
                }
                Ok(_) => {}
                Err(RegistryError::NotFound(_)) => continue,
                Err(e) => return Err(unavailable(e)),
            }
        }
        if existing.is_some() {
            summary.updated += 1
        } else {
            summary.added += 1
        }
        if dry_run {
            continue;
        }
        match state.registry.describe(path, &name).await {
            Ok(meta) => changed.push((name, meta)),
            Err(RegistryError::NotFound(_)) => {}
            Err(e) => {
                tracing::warn!(repository = %path, tag = %name, error = %e, "sync cannot read a tag");
                summary.failed += 1;
            }
        }
    }
    // One transaction per repository.
    if !changed.is_empty() {
        let txn = crate::db::begin_write(&state.db).await?;
        let repo = repositories::ensure(&txn, state.registry_id, path, None).await?;
        for (name, meta) in &changed {
            repositories::record_synced_tag(&txn, &repo, name, meta, generation, started).await?;
        }
        txn.commit().await?;
    }
    if !dry_run && !unchanged_ids.is_empty() {
        tag::Entity::update_many()
            .col_expr(tag::Column::SyncGeneration, Expr::value(generation))
            .filter(tag::Column::Id.is_in(unchanged_ids))
            .exec(&state.db)
            .await?;
    }
    Ok(summary)
}

/// Forgets tags this pass did not see and no event touched since it began,
/// then repositories left without tags. Returns how many tags went.
async fn forget_unseen(
    state: &SharedState,
    generation: i64,
    started: DateTime<Utc>,
    dry_run: bool,
) -> Result<u64> {
    let unseen = Condition::all()
        .add(tag::Column::SyncGeneration.lt(generation))
        .add(
            Condition::any()
                .add(tag::Column::UpdatedAt.is_null())
                .add(tag::Column::UpdatedAt.lt(started)),
        );
    if dry_run {
        return Ok(tag::Entity::find().filter(unseen).count(&state.db).await?);
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let removed = tag::Entity::delete_many()
        .filter(unseen)
        .exec(&txn)
        .await?
        .rows_affected;
    let empty = repository::Entity::find()
        .filter(
            repository::Column::Id.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(tag::Column::RepositoryId)
                    .from(tag::Entity)
                    .to_owned(),
            ),
        )
        .all(&txn)
        .await?;
    for repo in empty {
        repository::Entity::delete_by_id(repo.id).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(removed)
}
