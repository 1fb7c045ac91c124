//! Retention: per-repository rules that delete old tags (Portus's garbage
//! collector, done right). A rule is evaluated per repository by a pure
//! function, so a preview lists exactly what a run would delete and why;
//! runs delete one tag at a time through the same path as a person would
//! (other tags on the image stay) and are recorded in the activity log.
//! Scheduled runs claim each rule in the database first, so several
//! Portunus processes never run the same rule at once.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use portunus_shared::api;
use regex::Regex;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::{self, Actor, Target};
use crate::authz::Subject;
use crate::catalog::Catalog;
use crate::catalog::deletion::Removal;
use crate::catalog::registries::Registries;
use crate::catalog::repositories::{self, full_name, timestamp};
use crate::config::PolicySettings;
use crate::db::entities::{namespace, repository, retention_rule, tag, user};
use crate::db::leases;
use crate::error::{Error, Result};

/// Longest tag pattern accepted.
const MAX_PATTERN: usize = 255;
/// Most days any rule may name (100 years).
const MAX_DAYS: i32 = 36_500;

/// A validated rule, ready to evaluate.
#[derive(Debug)]
pub struct Rule {
    keep_newest: Option<usize>,
    older_than_days: Option<i64>,
    pattern: Option<Regex>,
    keep_pulled_within_days: Option<i64>,
}

impl Rule {
    /// Checks a rule as people write it; errors say what to change.
    pub fn compile(rule: &api::RetentionRule) -> Result<Rule> {
        let invalid = |m: String| Err(Error::InvalidInput(m));
        if rule.keep_newest.is_none() && rule.older_than_days.is_none() {
            return invalid("a retention rule needs keep_newest, older_than_days or both".into());
        }
        if let Some(n) = rule.keep_newest
            && !(1..=100_000).contains(&n)
        {
            return invalid(format!(
                "keep_newest is {n}; keep at least 1 tag (and at most 100000)"
            ));
        }
        for (key, days) in [
            ("older_than_days", rule.older_than_days),
            ("keep_pulled_within_days", rule.keep_pulled_within_days),
        ] {
            if let Some(d) = days
                && !(1..=MAX_DAYS).contains(&d)
            {
                return invalid(format!("{key} is {d}; use 1 to {MAX_DAYS} days"));
            }
        }
        let pattern = match rule.tag_pattern.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if p.chars().count() > MAX_PATTERN => {
                return invalid(format!(
                    "tag_pattern has {} characters; at most {MAX_PATTERN}",
                    p.chars().count()
                ));
            }
            Some(p) => {
                let build = |text: &str| {
                    regex::RegexBuilder::new(text)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| {
                            Error::InvalidInput(format!(
                                "tag_pattern {p:?} is not a regular expression: {e}"
                            ))
                        })
                };
                // Alone first, so that it cannot close the group that anchors it.
                build(p)?;
                Some(build(&format!("^(?:{p})$"))?)
            }
        };
        Ok(Rule {
            keep_newest: rule.keep_newest.map(|n| n as usize),
            older_than_days: rule.older_than_days.map(i64::from),
            pattern,
            keep_pulled_within_days: rule.keep_pulled_within_days.map(i64::from),
        })
    }

    /// What the rule decides for each tag, those to delete first, then
    /// those kept, each group newest first. Cosign signature, attestation
    /// and SBOM tags (`sha256-HEX.sig`) are not ranked with the others: they
    /// go when the image they are about goes, and stay otherwise.
    pub fn evaluate(&self, tags: &[tag::Model], now: DateTime<Utc>) -> Vec<api::RetentionVerdict> {
        let (about, images): (Vec<&tag::Model>, Vec<&tag::Model>) = tags
            .iter()
            .partition(|t| crate::catalog::images::cosign_tag(&t.name).is_some());
        let mut verdicts = self.evaluate_images(images, now);
        let kept: Vec<String> = verdicts
            .iter()
            .filter(|v| !v.delete)
            .map(|v| v.digest.clone())
            .collect();
        let going: Vec<String> = verdicts
            .iter()
            .filter(|v| v.delete)
            .map(|v| v.digest.clone())
            .collect();
        for t in about {
            let subject = crate::catalog::images::cosign_tag(&t.name)
                .map(|(digest, _)| digest)
                .unwrap_or_default();
            let delete = going.contains(&subject) && !kept.contains(&subject);
            verdicts.push(api::RetentionVerdict {
                tag: t.name.clone(),
                digest: t.digest.clone(),
                pushed_at: timestamp(t.pushed_at),
                pulled_at: t.pulled_at.map(timestamp),
                delete,
                reason: if delete {
                    "about an image whose tags all go".into()
                } else {
                    "about an image that stays (or is not tagged here)".into()
                },
            });
        }
        verdicts.sort_by_key(|v| !v.delete);
        verdicts
    }

    fn evaluate_images(
        &self,
        tags: Vec<&tag::Model>,
        now: DateTime<Utc>,
    ) -> Vec<api::RetentionVerdict> {
        let mut ordered = tags;
        ordered.sort_by(|a, b| b.pushed_at.cmp(&a.pushed_at).then(a.name.cmp(&b.name)));
        let days_ago = |t: DateTime<Utc>| (now - t).num_days();
        let mut matching = 0;
        let verdicts: Vec<api::RetentionVerdict> = ordered
            .into_iter()
            .map(|t| {
                let keep = |reason: String| (false, reason);
                let (delete, reason) =
                    if self.pattern.as_ref().is_some_and(|p| !p.is_match(&t.name)) {
                        keep("does not match the tag pattern".into())
                    } else {
                        matching += 1;
                        let age = days_ago(t.pushed_at);
                        match (
                            self.keep_newest,
                            self.older_than_days,
                            self.keep_pulled_within_days,
                        ) {
                            (Some(n), _, _) if matching <= n => {
                                keep(format!("among the {n} newest"))
                            }
                            (_, Some(d), _) if t.pushed_at > now - Duration::days(d) => {
                                keep(format!("pushed {age} days ago, within {d} days"))
                            }
                            (_, _, Some(p))
                                if t.pulled_at.is_some_and(|at| at > now - Duration::days(p)) =>
                            {
                                let pulled = t.pulled_at.map(days_ago).unwrap_or_default();
                                keep(format!("pulled {pulled} days ago, within {p} days"))
                            }
                            (newest, _, _) => {
                                let rank = newest
                                    .map(|n| format!("not among the {n} newest, "))
                                    .unwrap_or_default();
                                (true, format!("{rank}pushed {age} days ago"))
                            }
                        }
                    };
                api::RetentionVerdict {
                    tag: t.name.clone(),
                    digest: t.digest.clone(),
                    pushed_at: timestamp(t.pushed_at),
                    pulled_at: t.pulled_at.map(timestamp),
                    delete,
                    reason,
                }
            })
            .collect();
        verdicts
    }
}

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
pub async fn get(db: &DatabaseConnection, who: &Subject, id: i64) -> Result<api::RetentionSetting> {
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
    id: i64,
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
    audit::record(&txn, &Actor::of(by), "repository.retention", target, params).await?;
    txn.commit().await?;
    get(&catalog.db, &Subject::user(by, None), id).await
}

/// Removes the rule of a repository (those who may delete there).
pub async fn remove(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: i64,
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
) -> Result<api::RetentionPreview> {
    let tags = tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .all(db)
        .await?;
    let verdicts = rule.evaluate(&tags, Utc::now());
    let delete = verdicts.iter().filter(|v| v.delete).count() as u64;
    Ok(api::RetentionPreview {
        repository: full_name(ns, repo),
        delete,
        keep: verdicts.len() as u64 - delete,
        tags: verdicts,
    })
}

/// What `rule` (or the stored rule, when None) would delete now; changes nothing.
pub async fn preview(
    db: &DatabaseConnection,
    who: &Subject,
    id: i64,
    rule: Option<&api::RetentionRule>,
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
    evaluate_for(db, &ns, &repo, &Rule::compile(&rule)?).await
}

/// Applies a repository's stored rule now, as `by` (who must be allowed to delete there).
pub async fn run_now(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: i64,
) -> Result<api::RetentionPreview> {
    let (ns, repo) = repositories::find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    crate::catalog::deletion::require_delete(&catalog.db, policy, by, &ns, &full).await?;
    let row = stored(&catalog.db, repo.id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{full} has no retention rule")))?;
    if !claim(&catalog.db, &row, Utc::now()).await? {
        return Err(Error::Conflict(format!(
            "the retention rule of {full} is running right now; try again in a moment"
        )));
    }
    apply(catalog, &Actor::of(by), &ns, &repo, &row).await
}

/// Marks `row` as run at `now` unless another run marked it since it was
/// read: only the run that moves `last_run_at` goes ahead, so concurrent
/// runs (several Portunus processes, a run on demand) never overlap.
async fn claim(
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
async fn apply(
    catalog: &Catalog,
    actor: &Actor,
    ns: &namespace::Model,
    repo: &repository::Model,
    row: &retention_rule::Model,
) -> Result<api::RetentionPreview> {
    let rule = Rule::compile(&to_api(row))?;
    let mut decided = evaluate_for(&catalog.db, ns, repo, &rule).await?;
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
async fn author_may_still_delete(
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

/// Runs every enabled rule whose last run is at least `interval` old, each
/// claimed first so that concurrent Portunus processes split the work.
pub async fn run_due(
    registries: &Registries,
    policy: &PolicySettings,
    interval: std::time::Duration,
) -> Result<Pass> {
    let mut pass = Pass::default();
    if !policy.delete_enabled {
        return Ok(pass);
    }
    let now = Utc::now();
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
        match apply(catalog, &actor, &ns, &repo, &row).await {
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
            if let Err(e) = run_due(&registries, &policy, interval).await {
                tracing::warn!(error = %e, "retention pass failed; will retry");
            }
            leases::my_turn(&db, leases::names::RETENTION, pause).await;
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(
        name: &str,
        pushed_days_ago: i64,
        pulled_days_ago: Option<i64>,
        now: DateTime<Utc>,
    ) -> tag::Model {
        tag::Model {
            id: 0,
            repository_id: 1,
            name: name.into(),
            digest: format!("sha256:{name}"),
            image_id: None,
            size: 0,
            pushed_by_id: None,
            pushed_at: now - Duration::days(pushed_days_ago),
            pulled_at: pulled_days_ago.map(|d| now - Duration::days(d)),
            media_type: String::new(),
            layers: 0,
            created_at: None,
            labels: None,
            platforms: None,
            updated_at: None,
            sync_generation: 0,
        }
    }

    fn deleted(rule: &api::RetentionRule, tags: &[tag::Model], now: DateTime<Utc>) -> Vec<String> {
        let mut names: Vec<String> = Rule::compile(rule)
            .unwrap()
            .evaluate(tags, now)
            .into_iter()
            .filter(|v| v.delete)
            .map(|v| v.tag)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn keep_newest_older_than_pattern_and_recent_pulls() {
        let now = Utc::now();
        let tags = [
            tag("latest", 0, None, now),
            tag("pr-1", 40, None, now),
            tag("pr-2", 30, Some(1), now),
            tag("pr-3", 20, None, now),
            tag("pr-4", 2, None, now),
            tag("v1.0", 400, None, now),
        ];
        let rule =
            |keep_newest, older_than_days, pattern: Option<&str>, pulled| api::RetentionRule {
                enabled: true,
                keep_newest,
                older_than_days,
                tag_pattern: pattern.map(str::to_owned),
                keep_pulled_within_days: pulled,
            };
        assert_eq!(
            deleted(&rule(Some(3), None, None, None), &tags, now),
            ["pr-1", "pr-2", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(None, Some(25), None, None), &tags, now),
            ["pr-1", "pr-2", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(None, Some(25), None, Some(7)), &tags, now),
            ["pr-1", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(Some(1), Some(10), Some("pr-.*"), None), &tags, now),
            ["pr-1", "pr-2", "pr-3"],
            "pr-4 is the newest matching; latest and v1.0 do not match"
        );
        assert_eq!(
            deleted(&rule(Some(10), None, None, None), &tags, now),
            Vec::<String>::new()
        );
        assert_eq!(
            deleted(&rule(Some(1), None, Some("pr"), None), &tags, now),
            Vec::<String>::new(),
            "the pattern must match the whole name"
        );
        let verdicts = Rule::compile(&rule(Some(3), None, None, None))
            .unwrap()
            .evaluate(&tags, now);
        assert!(
            verdicts[0].delete && verdicts[0].reason.contains("not among the 3 newest"),
            "{verdicts:?}"
        );
        assert!(
            verdicts
                .iter()
                .any(|v| !v.delete && v.reason == "among the 3 newest")
        );
    }

    #[test]
    fn cosign_tags_go_with_their_image_and_do_not_count_as_tags() {
        let now = Utc::now();
        let sig = |image: &str, days| {
            let mut t = tag(&format!("sha256-{}.sig", image.repeat(64)), days, None, now);
            t.digest = format!("sha256:sig-of-{image}");
            t
        };
        let image = |name: &str, hex: &str, days| {
            let mut t = tag(name, days, None, now);
            t.digest = format!("sha256:{}", hex.repeat(64));
            t
        };
        let tags = [
            image("v3", "c", 1),
            sig("c", 0),
            image("v2", "b", 5),
            sig("b", 4),
            image("v1", "a", 9),
            sig("a", 8),
        ];
        let rule = api::RetentionRule {
            keep_newest: Some(2),
            ..Default::default()
        };
        assert_eq!(
            deleted(&rule, &tags, now),
            [
                "sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig",
                "v1"
            ],
            "signatures neither push v2 out nor stay behind without their image"
        );
    }

    #[test]
    fn rules_that_make_no_sense_are_refused() {
        let bad = [
            api::RetentionRule::default(),
            api::RetentionRule {
                keep_newest: Some(0),
                ..Default::default()
            },
            api::RetentionRule {
                older_than_days: Some(0),
                ..Default::default()
            },
            api::RetentionRule {
                older_than_days: Some(40_000),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("(".into()),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("a)|(.*".into()),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("a".repeat(300)),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                keep_pulled_within_days: Some(-1),
                ..Default::default()
            },
        ];
        for rule in bad {
            assert!(
                matches!(Rule::compile(&rule), Err(Error::InvalidInput(_))),
                "{rule:?}"
            );
        }
    }
}
