//! Retention: per-repository rules that delete old tags (Portus's garbage
//! collector, done right). This module stores rules and applies them: runs
//! delete one tag at a time through the same path as a person would (other
//! tags on the image stay) and are recorded in the activity log; each run
//! claims its rule first, so two never overlap. What a rule decides is
//! [`rule`]'s pure function; scheduled passes over every registry are
//! `registries::retention`.

use portunus_shared::domain::ActivityKey;
pub mod rule;

use chrono::{DateTime, Utc};
use portunus_shared::api;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::{self, Actor, Target};
use crate::authz::Subject;
use crate::catalog::Catalog;
use crate::catalog::deletion::Removal;
use crate::catalog::repositories::{self, full_name, timestamp};
use crate::config::PolicySettings;
use crate::db::entities::{namespace, repository, retention_rule, tag, user};
use crate::db::ids::RepositoryId;
use crate::error::{Error, Result};
pub use rule::Rule;

fn to_api(row: &retention_rule::Model) -> api::RetentionRule {
    api::RetentionRule {
        enabled: row.enabled,
        keep_newest: row.keep_newest,
        older_than_days: row.older_than_days,
        tag_pattern: row.tag_pattern.clone(),
        keep_pulled_within_days: row.keep_pulled_within_days,
    }
}

async fn stored(
    db: &DatabaseConnection,
    repository_id: i64,
) -> Result<Option<retention_rule::Model>> {
    Ok(retention_rule::Entity::find()
        .filter(retention_rule::Column::RepositoryId.eq(repository_id))
        .one(db)
        .await?)
}

/// The rule of a repository `who` may see.
pub async fn get(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
) -> Result<api::RetentionSetting> {
    let (_, repo) = repositories::find_visible(db, who, id).await?;
    let Some(row) = stored(db, repo.id).await? else {
        return Ok(api::RetentionSetting {
            rule: api::RetentionRule::default(),
            stored: false,
            updated_by: None,
            updated_at: None,
            last_run_at: None,
        });
    };
    let updated_by = match row.updated_by_id {
        Some(uid) => user::Entity::find_by_id(uid)
            .one(db)
            .await?
            .map(|u| u.username),
        None => None,
    };
    Ok(api::RetentionSetting {
        rule: to_api(&row),
        stored: true,
        updated_by,
        updated_at: Some(timestamp(row.updated_at)),
        last_run_at: row.last_run_at.map(timestamp),
    })
}

/// Stores the rule of a repository; only those who may delete there may.
pub async fn set(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: RepositoryId,
    rule: &api::RetentionRule,
) -> Result<api::RetentionSetting> {
    let (ns, repo) = repositories::find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    crate::catalog::deletion::require_delete(&catalog.db, policy, by, &ns, &full).await?;
    Rule::compile(rule)?;
    let txn = crate::db::begin_write(&catalog.db).await?;
    retention_rule::Entity::insert(retention_rule::ActiveModel {
        repository_id: Set(repo.id),
        enabled: Set(rule.enabled),
        keep_newest: Set(rule.keep_newest),
        older_than_days: Set(rule.older_than_days),
        tag_pattern: Set(rule.tag_pattern.clone().filter(|p| !p.trim().is_empty())),
        keep_pulled_within_days: Set(rule.keep_pulled_within_days),
        updated_at: Set(Utc::now()),
        updated_by_id: Set(Some(by.id)),
        last_run_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(retention_rule::Column::RepositoryId)
            .update_columns([
                retention_rule::Column::Enabled,
                retention_rule::Column::KeepNewest,
                retention_rule::Column::OlderThanDays,
                retention_rule::Column::TagPattern,
                retention_rule::Column::KeepPulledWithinDays,
                retention_rule::Column::UpdatedAt,
                retention_rule::Column::UpdatedById,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let target = Target::repository(Some(&repo), &full);
    let params = serde_json::to_value(rule).ok();
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RepositoryRetention,
        target,
        params,
    )
    .await?;
    txn.commit().await?;
    get(&catalog.db, &Subject::user(by, None), id).await
}

/// Removes the rule of a repository (those who may delete there).
pub async fn remove(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: RepositoryId,
) -> Result<()> {
    let (ns, repo) = repositories::find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    crate::catalog::deletion::require_delete(&catalog.db, policy, by, &ns, &full).await?;
    retention_rule::Entity::delete_many()
        .filter(retention_rule::Column::RepositoryId.eq(repo.id))
        .exec(&catalog.db)
        .await?;
    Ok(())
}

async fn evaluate_for(
    db: &DatabaseConnection,
    ns: &namespace::Model,
    repo: &repository::Model,
    rule: &Rule,
    now: DateTime<Utc>,
) -> Result<api::RetentionPreview> {
    let tags = tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .all(db)
        .await?;
    let mut verdicts = rule.evaluate(&tags, now);
    let protections = crate::catalog::immutable_tags::applying(db, ns).await?;
    for verdict in verdicts.iter_mut().filter(|v| v.delete) {
        if let Some(protection) =
            crate::catalog::immutable_tags::protecting(&protections, &verdict.tag)
        {
            verdict.delete = false;
            verdict.reason = format!("kept: immutable ({})", protection.describe());
        }
    }
    let delete = verdicts.iter().filter(|v| v.delete).count() as u64;
    Ok(api::RetentionPreview {
        repository: full_name(ns, repo),
        delete,
        keep: verdicts.len() as u64 - delete,
        tags: verdicts,
    })
}

/// What `rule` (or the stored rule, when None) would delete at `now`;
/// changes nothing.
pub async fn preview(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
    rule: Option<&api::RetentionRule>,
    now: DateTime<Utc>,
) -> Result<api::RetentionPreview> {
    let (ns, repo) = repositories::find_visible(db, who, id).await?;
    let rule = match rule {
        Some(rule) => rule.clone(),
        None => stored(db, repo.id)
            .await?
            .map(|r| to_api(&r))
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "{} has no retention rule; send one to preview it",
                    full_name(&ns, &repo)
                ))
            })?,
    };
    evaluate_for(db, &ns, &repo, &Rule::compile(&rule)?, now).await
}

/// Applies a repository's stored rule at `now`, as `by` (who must be
/// allowed to delete there).
pub async fn run_now(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: RepositoryId,
    now: DateTime<Utc>,
) -> Result<api::RetentionPreview> {
    let (ns, repo) = repositories::find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    crate::catalog::deletion::require_delete(&catalog.db, policy, by, &ns, &full).await?;
    let row = stored(&catalog.db, repo.id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{full} has no retention rule")))?;
    if !claim(&catalog.db, &row, now).await? {
        return Err(Error::Conflict(format!(
            "the retention rule of {full} is running right now; try again in a moment"
        )));
    }
    apply(catalog, &Actor::of(by), &ns, &repo, &row, now).await
}

/// Marks `row` as run at `now` unless another run marked it since it was
/// read: only the run that moves `last_run_at` goes ahead, so concurrent
/// runs (several Portunus processes, a run on demand) never overlap.
pub async fn claim(
    db: &DatabaseConnection,
    row: &retention_rule::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    let moved = retention_rule::Entity::update_many()
        .col_expr(retention_rule::Column::LastRunAt, Expr::value(now))
        .filter(retention_rule::Column::Id.eq(row.id))
        .filter(match row.last_run_at {
            Some(at) => retention_rule::Column::LastRunAt.eq(at),
            None => retention_rule::Column::LastRunAt.is_null(),
        })
        .exec(db)
        .await?
        .rows_affected;
    Ok(moved == 1)
}

/// Deletes what `row` says should go, tag by tag, each only if it still
/// points at the image the rule judged (asked of the registry first);
/// returns what it decided and did.
pub async fn apply(
    catalog: &Catalog,
    actor: &Actor,
    ns: &namespace::Model,
    repo: &repository::Model,
    row: &retention_rule::Model,
    now: DateTime<Utc>,
) -> Result<api::RetentionPreview> {
    let rule = Rule::compile(&to_api(row))?;
    let mut decided = evaluate_for(&catalog.db, ns, repo, &rule, now).await?;
    let full = decided.repository.clone();
    let mut current = crate::catalog::deletion::registry_digests(catalog, &full).await?;
    for verdict in decided.tags.iter_mut().filter(|v| v.delete) {
        let removal = crate::catalog::deletion::remove_tag_among(
            catalog,
            actor,
            &full,
            &verdict.tag,
            Some(&verdict.digest),
            &mut current,
        )
        .await;
        match removal {
            Ok(Removal::Removed(_)) => {}
            Ok(Removal::Moved(now)) => {
                verdict.delete = false;
                verdict.reason = format!("left alone: it points at {now} by now");
            }
            Ok(Removal::Protected(why)) => {
                verdict.delete = false;
                verdict.reason = format!("kept: {why}");
            }
            // Gone from both the registry and Portunus already.
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    decided.delete = decided.tags.iter().filter(|v| v.delete).count() as u64;
    decided.keep = decided.tags.len() as u64 - decided.delete;
    Ok(decided)
}

/// Whether the person who last set `row` may still delete in its repository
/// (scheduled runs act on their behalf).
pub async fn author_may_still_delete(
    catalog: &Catalog,
    policy: &PolicySettings,
    row: &retention_rule::Model,
    ns: &namespace::Model,
    full: &str,
) -> Result<bool> {
    let Some(author_id) = row.updated_by_id else {
        return Ok(false);
    };
    let Some(author) = user::Entity::find_by_id(author_id).one(&catalog.db).await? else {
        return Ok(false);
    };
    if !author.enabled {
        return Ok(false);
    }
    match crate::catalog::deletion::require_delete(&catalog.db, policy, &author, ns, full).await {
        Ok(()) => Ok(true),
        Err(Error::Forbidden(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
