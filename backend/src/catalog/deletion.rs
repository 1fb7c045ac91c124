//! Deleting from the registry and from Portunus: exactly one tag (other
//! tags on its image stay), or a whole repository, as the delete policy
//! allows, with an activity recorded. Where tags point is asked of the
//! registry at the time of the delete.

use std::sync::Arc;

use portunus_shared::scope::Scope;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::audit::{self, Actor, Target};
use crate::authz::facts;
use crate::authz::{self, Subject};
use crate::catalog::Catalog;
use crate::catalog::repositories::{self, find_visible, full_name};
use crate::config::PolicySettings;
use crate::db::entities::{namespace, repository, tag, user};
use crate::error::{Error, Result};
use crate::registry::RegistryError;

/// Refuses unless the delete policy lets `by` delete in `ns`.
pub async fn require_delete(
    db: &impl ConnectionTrait,
    settings: &PolicySettings,
    by: &user::Model,
    ns: &namespace::Model,
    full: &str,
) -> Result<()> {
    let subject = Subject::user(by, None);
    let facts = facts::facts_for(db, ns, &subject).await?;
    let scope = Scope::parse(&format!("repository:{full}:delete"))
        .map_err(|e| Error::InvalidInput(format!("{e:?}")))?;
    let verdict = authz::decide(&subject, settings, &scope, Some(&facts)).pop();
    match verdict {
        Some(v) if v.allowed => Ok(()),
        Some(v) => Err(Error::Forbidden(format!(
            "you may not delete in {full}: {}",
            v.rule.explain()
        ))),
        None => Err(Error::Forbidden(format!("you may not delete in {full}"))),
    }
}

/// Deletes exactly one tag from the registry and from Portunus; other tags
/// on the same image stay.
pub async fn delete_tag(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: i64,
    tag_name: &str,
) -> Result<()> {
    let (ns, repo) = find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    require_delete(&catalog.db, policy, by, &ns, &full).await?;
    tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .filter(tag::Column::Name.eq(tag_name))
        .one(&catalog.db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{full} has no tag {tag_name:?}")))?;
    remove_tag(catalog, &Actor::of(by), &full, tag_name).await?;
    Ok(())
}

/// The digest every tag of `full` points at now, asked of the registry
/// (a tag list, then a HEAD per tag, 8 at a time). Deciding from the
/// registry, not from what Portunus last heard, keeps a delete from taking
/// an image that another tag moved onto since.
pub async fn registry_digests(catalog: &Catalog, full: &str) -> Result<Vec<(String, String)>> {
    let names = match catalog.registry.tags(full).await {
        Ok(names) => names,
        Err(RegistryError::NotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let permits = Arc::new(Semaphore::new(8));
    let mut heads = JoinSet::new();
    for name in names {
        let (registry, full, permits) =
            (catalog.registry.clone(), full.to_owned(), permits.clone());
        heads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let digest = registry.manifest_digest(&full, &name).await;
            (name, digest)
        });
    }
    let mut digests = Vec::new();
    while let Some(joined) = heads.join_next().await {
        match joined.map_err(|e| Error::Internal(e.to_string()))? {
            (name, Ok(digest)) => digests.push((name, digest)),
            (_, Err(RegistryError::NotFound(_))) => {}
            (_, Err(e)) => return Err(e.into()),
        }
    }
    Ok(digests)
}

/// Deletes exactly one tag of `full` from the registry, then forgets it and
/// records who did it; no permission check (callers do that). A tag the
/// registry no longer has is forgotten all the same. Returns the digest it
/// pointed at, when the registry still knew it.
pub async fn remove_tag(
    catalog: &Catalog,
    actor: &Actor,
    full: &str,
    tag_name: &str,
) -> Result<Option<String>> {
    let mut current = registry_digests(catalog, full).await?;
    match remove_tag_among(catalog, actor, full, tag_name, None, &mut current).await? {
        Removal::Removed(digest) => Ok(digest),
        Removal::Moved(_) => Err(Error::Internal("the tag moved while being deleted".into())),
    }
}

/// What became of a tag to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Deleted (with the digest it pointed at, if the registry still had it).
    Removed(Option<String>),
    /// Left alone: it no longer points at the expected image (now this one).
    Moved(String),
}

/// Like [`remove_tag`], with `current` (from [`registry_digests`], kept up
/// to date here) saying where every tag points; with `expected`, a tag that
/// points elsewhere by now is left alone.
pub async fn remove_tag_among(
    catalog: &Catalog,
    actor: &Actor,
    full: &str,
    tag_name: &str,
    expected: Option<&str>,
    current: &mut Vec<(String, String)>,
) -> Result<Removal> {
    let (repo, known) = repositories::with_tags(&catalog.db, catalog.registry_id, full).await?;
    let digest = current
        .iter()
        .find(|(name, _)| name == tag_name)
        .map(|(_, digest)| digest.clone());
    if let (Some(now), Some(expected)) = (&digest, expected)
        && now != expected
    {
        return Ok(Removal::Moved(now.clone()));
    }
    if digest.is_none() && !known.iter().any(|k| k.name == tag_name) {
        return Err(Error::NotFound(format!("{full} has no tag {tag_name:?}")));
    }
    let mut shared = false;
    if let Some(digest) = &digest {
        shared = current
            .iter()
            .any(|(name, d)| name != tag_name && d == digest);
        catalog
            .registry
            .delete_tag(full, tag_name, digest, shared)
            .await
            .map_err(Error::from)?;
        current.retain(|(name, _)| name != tag_name);
    }
    let txn = crate::db::begin_write(&catalog.db).await?;
    if let Some(repo) = &repo {
        repositories::forget_tags(&txn, repo, None, Some(tag_name)).await?;
    }
    let name = format!("{full}:{tag_name}");
    let target = Target::repository(repo.as_ref().map(|r| r.id), &name);
    let params = serde_json::json!({"digest": digest, "shared_digest": shared});
    audit::record(&txn, actor, "repository.delete_tag", target, Some(params)).await?;
    txn.commit().await?;
    Ok(Removal::Removed(digest))
}

/// Deletes a repository: every manifest its tags point at, then what
/// Portunus knew of it.
pub async fn delete_repository(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: i64,
) -> Result<()> {
    let (ns, repo) = find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    require_delete(&catalog.db, policy, by, &ns, &full).await?;
    let mut digests: Vec<String> = registry_digests(catalog, &full)
        .await?
        .into_iter()
        .map(|(_, digest)| digest)
        .collect();
    digests.sort();
    digests.dedup();
    for digest in &digests {
        match catalog.registry.delete_manifest(&full, digest).await {
            Ok(()) | Err(RegistryError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let txn = crate::db::begin_write(&catalog.db).await?;
    tag::Entity::delete_many()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .exec(&txn)
        .await?;
    repository::Entity::delete_by_id(repo.id).exec(&txn).await?;
    let target = Target::repository(Some(repo.id), &full);
    let params = serde_json::json!({"manifests": digests.len()});
    audit::record(
        &txn,
        &Actor::of(by),
        "repository.delete",
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
