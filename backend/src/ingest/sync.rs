//! Catalog synchronisation: comparing what Portunus knows with what the
//! registry holds, repository by repository, with bounded concurrency and
//! flat memory (one catalog page at a time). A pass that is cut short
//! (a crash, Ctrl-C) leaves a checkpoint, and the next pass resumes there.
//!
//! Racing with live events can neither delete nor duplicate content:
//! events win.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::catalog::Catalog;
use crate::catalog::{recording, synced};
use crate::db::entities::{namespace, registry, repository, tag};
use crate::error::{Error, Result};
use crate::registry::RegistryError;

/// How a pass runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Also forget what the registry no longer holds.
    pub delete: bool,
    /// Only count what would change.
    pub dry_run: bool,
    /// Repositories looked at in parallel.
    pub concurrency: usize,
    /// Start over even when an interrupted pass could be resumed.
    pub fresh: bool,
    /// Known tags that an event or a pass confirmed within this long are
    /// taken as they are, without asking the registry; `None` asks about
    /// every known tag. New and vanished tags are found either way.
    pub trust_confirmed_within: Option<chrono::Duration>,
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
    /// Repositories in the catalog this pass goes through (counted first).
    pub catalog: u64,
    /// Set when this pass resumed an interrupted one after this repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_after: Option<String>,
}

impl Summary {
    /// A progress bar with counts and the time left, e.g.
    /// `[#####---------------]  500/2000 repositories · 2500 tags · 12 added · 1m 30s left`.
    pub fn progress_line(&self, elapsed: std::time::Duration) -> String {
        const WIDTH: u64 = 20;
        let total = self.catalog.max(self.repositories).max(1);
        let filled = (self.repositories * WIDTH / total) as usize;
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled)
        );
        let left = if self.repositories == 0 {
            String::new()
        } else {
            let per_repo = elapsed.as_secs_f64() / self.repositories as f64;
            let secs = (per_repo * (total - self.repositories) as f64).round() as u64;
            match secs {
                0 => String::new(),
                s if s < 60 => format!(" · {s}s left"),
                s => format!(" · {}m {}s left", s / 60, s % 60),
            }
        };
        format!(
            "[{bar}] {:>w$}/{total} repositories · {} tags · {} added · {} updated{}{left}",
            self.repositories,
            self.tags,
            self.added,
            self.updated,
            if self.failed > 0 {
                format!(" · {} failed", self.failed)
            } else {
                String::new()
            },
            w = total.to_string().len(),
        )
    }

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

/// Where an interrupted pass resumes: its marks, and the last catalog page
/// it finished. Kept in the registry's row; cleared when a pass completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checkpoint {
    generation: i64,
    started: DateTime<Utc>,
    after: String,
    delete: bool,
}

/// Checkpoints older than this are not resumed: the registry moved on.
const RESUME_WITHIN_HOURS: i64 = 24;

async fn checkpoint(catalog: &Catalog) -> Result<Option<Checkpoint>> {
    let row = registry::Entity::find_by_id(catalog.registry_id)
        .one(&catalog.db)
        .await?;
    Ok(row
        .and_then(|r| r.sync_checkpoint)
        .and_then(|c| serde_json::from_str(&c).ok()))
}

async fn save_checkpoint(catalog: &Catalog, checkpoint: Option<&Checkpoint>) -> Result<()> {
    let value = checkpoint.and_then(|c| serde_json::to_string(c).ok());
    registry::Entity::update_many()
        .col_expr(registry::Column::SyncCheckpoint, Expr::value(value))
        .filter(registry::Column::Id.eq(catalog.registry_id))
        .exec(&catalog.db)
        .await?;
    Ok(())
}

/// Counts the catalog's repositories after `after` (one request per 500).
async fn count_catalog(catalog: &Catalog, after: Option<&str>) -> Result<u64> {
    let mut count = 0;
    let mut last = after.map(str::to_owned);
    loop {
        let (names, next) = catalog
            .registry
            .catalog_page(last.as_deref(), CATALOG_PAGE)
            .await
            .map_err(Error::from)?;
        count += names.len() as u64;
        match next {
            Some(n) => last = Some(n),
            None => return Ok(count),
        }
    }
}

/// [`run_pass`], remembering when it ended and how (see [`crate::registries::status::last_sync`]);
/// a dry run changes nothing and is not remembered.
pub async fn run_recorded(
    catalog: &Catalog,
    options: Options,
    now: DateTime<Utc>,
    progress: impl FnMut(&Summary),
) -> Result<Summary> {
    let result = run_pass(catalog, options, now, progress).await;
    if !options.dry_run {
        let outcome = match &result {
            Ok(s) => format!(
                "ok: {} repositories, {} tags; {} added, {} updated, {} removed, {} unreadable",
                s.repositories, s.tags, s.added, s.updated, s.removed, s.failed
            ),
            Err(e) => format!("failed: {e}"),
        };
        registry::Entity::update_many()
            .col_expr(registry::Column::LastSyncAt, Expr::value(Utc::now()))
            .col_expr(registry::Column::LastSyncOutcome, Expr::value(outcome))
            .filter(registry::Column::Id.eq(catalog.registry_id))
            .exec(&catalog.db)
            .await?;
    }
    result
}

/// One full pass over the catalog, starting at `now`, resuming an
/// interrupted one (same marks, from the catalog page after the last one it
/// finished) unless `options.fresh` or it started too long before `now`.
/// `progress` is called after each repository.
pub async fn run_pass(
    catalog: &Catalog,
    options: Options,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&Summary),
) -> Result<Summary> {
    let resume = if options.dry_run || options.fresh {
        None
    } else {
        checkpoint(catalog).await?.filter(|c| {
            c.delete == options.delete
                && now - c.started < chrono::Duration::hours(RESUME_WITHIN_HOURS)
        })
    };
    let (started, generation, mut last) = match resume {
        Some(c) => (c.started, c.generation, Some(c.after)),
        None => (now, now.timestamp_millis(), None),
    };
    let pass = Pass {
        generation,
        started,
        trusted_since: options.trust_confirmed_within.map(|d| {
            started
                .checked_sub_signed(d)
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        }),
        dry_run: options.dry_run,
    };
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut total = Summary {
        catalog: count_catalog(catalog, last.as_deref()).await?,
        resumed_after: last.clone(),
        ..Default::default()
    };
    progress(&total);
    loop {
        let (names, next) = catalog
            .registry
            .catalog_page(last.as_deref(), CATALOG_PAGE)
            .await
            .map_err(Error::from)?;
        let mut tasks = JoinSet::new();
        for name in names {
            let catalog = catalog.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|e| Error::Internal(e.to_string()))?;
                sync_repository(&catalog, &name, pass, permit).await
            });
        }
        let mut unchanged = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (done, seen) = joined.map_err(|e| Error::Internal(e.to_string()))??;
            total.add(&done);
            unchanged.extend(seen);
            progress(&total);
        }
        if !options.dry_run {
            mark_seen(catalog, generation, &unchanged).await?;
        }
        match next {
            Some(n) => {
                if !options.dry_run {
                    let mark = Checkpoint {
                        generation,
                        started,
                        after: n.clone(),
                        delete: options.delete,
                    };
                    save_checkpoint(catalog, Some(&mark)).await?;
                }
                last = Some(n)
            }
            None => break,
        }
    }
    if options.delete {
        total.removed += forget_unseen(catalog, generation, started, options.dry_run).await?;
    }
    if !options.dry_run {
        save_checkpoint(catalog, None).await?;
    }
    Ok(total)
}

/// What a repository's sync needs to know of its pass.
#[derive(Clone, Copy)]
struct Pass {
    generation: i64,
    started: DateTime<Utc>,
    /// Known tags confirmed since then are not asked about.
    trusted_since: Option<DateTime<Utc>>,
    dry_run: bool,
}

/// Whether a pass that trusts what was confirmed since `since` takes `tag`
/// as it is. A tag's digest is confirmed by the event or sync that recorded
/// it (`updated_at`) and by each pass that saw it unchanged (its generation
/// is that pass's start, in milliseconds).
fn trusted(tag: &tag::Model, since: Option<DateTime<Utc>>) -> bool {
    let seen =
        DateTime::from_timestamp_millis(tag.sync_generation).filter(|_| tag.sync_generation > 0);
    let confirmed = tag.updated_at.max(seen);
    since.is_some_and(|since| confirmed.is_some_and(|at| at >= since))
}

/// Syncs one repository; `reading` is its turn to read from the registry,
/// given back before its writes so that the next repository's reads
/// overlap them. Returns what it did and the known tags it found unchanged
/// (for [`mark_seen`]). A tag that an event touched after the pass began
/// is never overwritten by the pass.
async fn sync_repository(
    catalog: &Catalog,
    path: &str,
    pass: Pass,
    reading: OwnedSemaphorePermit,
) -> Result<(Summary, Vec<i64>)> {
    let Pass {
        generation,
        started,
        trusted_since,
        dry_run,
    } = pass;
    let mut summary = Summary {
        repositories: 1,
        ..Default::default()
    };
    let names = match catalog.registry.tags(path).await {
        Ok(names) => names,
        Err(RegistryError::NotFound(_)) => return Ok((summary, Vec::new())),
        Err(e) => return Err(e.into()),
    };
    let (_, known) = recording::with_tags(&catalog.db, catalog.registry_id, path).await?;
    let mut unchanged_ids = Vec::new();
    let mut changed = Vec::new();
    let mut seen = Vec::new();
    for name in names {
        summary.tags += 1;
        let existing = known.iter().find(|t| t.name == name);
        // A tag known by its digest alone (as an import from Portus brings
        // it) is described in full, keeping who pushed it and when.
        let complete = existing.filter(|t| !t.media_type.is_empty());
        if let Some(existing) = complete.filter(|t| trusted(t, trusted_since)) {
            summary.unchanged += 1;
            unchanged_ids.push(existing.id);
            continue;
        }
        // A HEAD is enough to see that a known tag did not move.
        if let Some(existing) = complete {
            match catalog.registry.manifest_digest(path, &name).await {
                Ok(digest) if digest == existing.digest => {
                    summary.unchanged += 1;
                    unchanged_ids.push(existing.id);
                    continue;
                }
                Ok(_) => {}
                Err(RegistryError::NotFound(_)) => continue,
                Err(e) => return Err(e.into()),
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
        match catalog.registry.describe_once(path, &name, &mut seen).await {
            Ok(meta) => changed.push((name, meta)),
            Err(RegistryError::NotFound(_)) => {}
            Err(e) => {
                tracing::warn!(repository = %path, tag = %name, error = %e, "sync cannot read a tag");
                summary.failed += 1;
                // Left as it was: marked as seen, so a deleting pass keeps it.
                if let Some(existing) = existing {
                    unchanged_ids.push(existing.id);
                }
            }
        }
    }
    drop(reading);
    // One transaction per repository.
    if !changed.is_empty() {
        let txn = crate::db::begin_write(&catalog.db).await?;
        // Made again if an event deleted it meanwhile.
        let repo = recording::ensure(&txn, catalog.registry_id, path, None).await?;
        synced::record(&txn, &repo, &changed, generation, started).await?;
        txn.commit().await?;
    }
    Ok((summary, unchanged_ids))
}

/// Marks known tags a pass found unchanged with its generation (so that a
/// deleting pass keeps them), a catalog page's worth in one transaction.
async fn mark_seen(catalog: &Catalog, generation: i64, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let txn = crate::db::begin_write(&catalog.db).await?;
    for chunk in ids.chunks(1000) {
        tag::Entity::update_many()
            .col_expr(tag::Column::SyncGeneration, Expr::value(generation))
            .filter(tag::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Forgets tags this pass did not see and no event touched since it began,
/// then repositories left without tags. Returns how many tags went. A pass
/// runs it only in `update-delete` mode. Every tag a pass sees is marked
/// with the pass's generation; only tags both unmarked and untouched since
/// the pass began are forgotten.
async fn forget_unseen(
    catalog: &Catalog,
    generation: i64,
    started: DateTime<Utc>,
    dry_run: bool,
) -> Result<u64> {
    use sea_orm::sea_query::ExprTrait;
    // Only this registry's tags: the others have passes of their own.
    let of_this_registry = Query::select()
        .column((repository::Entity, repository::Column::Id))
        .from(repository::Entity)
        .inner_join(
            namespace::Entity,
            Expr::col((namespace::Entity, namespace::Column::Id))
                .equals((repository::Entity, repository::Column::NamespaceId)),
        )
        .and_where(
            Expr::col((namespace::Entity, namespace::Column::RegistryId)).eq(catalog.registry_id),
        )
        .to_owned();
    let unseen = Condition::all()
        .add(tag::Column::RepositoryId.in_subquery(of_this_registry))
        .add(tag::Column::SyncGeneration.lt(generation))
        .add(
            Condition::any()
                .add(tag::Column::UpdatedAt.is_null())
                .add(tag::Column::UpdatedAt.lt(started)),
        );
    if dry_run {
        return Ok(tag::Entity::find()
            .filter(unseen)
            .count(&catalog.db)
            .await?);
    }
    let txn = crate::db::begin_write(&catalog.db).await?;
    let removed = tag::Entity::delete_many()
        .filter(unseen)
        .exec(&txn)
        .await?
        .rows_affected;
    if removed > 0 {
        recording::refresh_last_push(&txn, None).await?;
    }
    recording::prune_empty(&txn, None).await?;
    txn.commit().await?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn only_tags_confirmed_since_the_cut_off_are_trusted() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a time");
        let tag = |updated: Option<&str>, seen: Option<&str>| tag::Model {
            id: 1,
            repository_id: 1,
            name: "t".into(),
            digest: "sha256:0".into(),
            image_id: None,
            size: 0,
            pushed_by_id: None,
            pushed_at: at("2026-01-01T00:00:00Z"),
            pulled_at: None,
            media_type: String::new(),
            layers: 0,
            created_at: None,
            labels: None,
            platforms: None,
            updated_at: updated.map(at),
            sync_generation: seen.map_or(0, |s| at(s).timestamp_millis()),
        };
        let since = Some(at("2026-06-01T00:00:00Z"));
        let (old, new) = (Some("2026-05-31T23:59:59Z"), Some("2026-06-01T00:00:00Z"));
        assert!(trusted(&tag(new, None), since), "recorded since");
        assert!(trusted(&tag(old, new), since), "seen unchanged since");
        assert!(!trusted(&tag(old, old), since), "confirmed before");
        assert!(!trusted(&tag(None, None), since), "never confirmed");
        assert!(!trusted(&tag(new, new), None), "a pass that trusts nothing");
    }

    #[test]
    fn progress_lines() {
        let mut s = Summary {
            catalog: 2000,
            ..Default::default()
        };
        assert_eq!(
            s.progress_line(Duration::ZERO),
            "[--------------------]    0/2000 repositories · 0 tags · 0 added · 0 updated"
        );
        s.repositories = 500;
        s.tags = 2500;
        s.added = 12;
        s.failed = 1;
        assert_eq!(
            s.progress_line(Duration::from_secs(30)),
            "[#####---------------]  500/2000 repositories · 2500 tags · 12 added · 0 updated · 1 failed · 1m 30s left"
        );
        s.repositories = 2000;
        assert!(
            s.progress_line(Duration::from_secs(120))
                .starts_with("[####################] 2000/2000")
        );
    }
}
