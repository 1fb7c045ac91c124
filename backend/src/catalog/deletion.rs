//! Deleting from the registry and from Portunus: exactly one tag (other
//! tags on its image stay), or a whole repository, as the delete policy
//! allows, with an activity recorded. Where tags point is asked of the
//! registry at the time of the delete.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use portunus_shared::domain::ActivityKey;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::accounts::vacancy::RegistryContent;
use crate::audit::{self, Actor, Target};
use crate::authz::Subject;
use crate::catalog::Catalog;
use crate::catalog::immutable_tags;
use crate::catalog::recording;
use crate::catalog::repositories::{self, find_visible, full_name};
use crate::config::PolicySettings;
use crate::db::entities::{activity, artifact, namespace, repository, tag, user};
use crate::db::ids::RepositoryId;
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
    match repositories::delete_verdict(db, settings, &subject, ns, full).await? {
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
    id: RepositoryId,
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
        Removal::Protected(why) => Err(Error::Forbidden(why)),
    }
}

/// What became of a tag to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Deleted (with the digest it pointed at, if the registry still had it).
    Removed(Option<String>),
    /// Left alone: it no longer points at the expected image (now this one).
    Moved(String),
    /// Left alone: an immutable-tag rule keeps it (in words).
    Protected(String),
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
    let (repo, known) = recording::with_tags(&catalog.db, catalog.registry_id, full).await?;
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
    let rules = immutable_tags::applying_to(&catalog.db, catalog.registry_id, full).await?;
    if let Some(rule) = immutable_tags::protecting(&rules, tag_name) {
        return Ok(Removal::Protected(format!(
            "{full}:{tag_name} is immutable ({}); remove the rule to delete it",
            rule.describe()
        )));
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
        recording::forget_tags(&txn, repo, None, Some(tag_name)).await?;
    }
    let name = format!("{full}:{tag_name}");
    let target = Target::repository(repo.as_ref(), &name);
    let params = serde_json::json!({"digest": digest, "shared_digest": shared});
    audit::record(
        &txn,
        actor,
        ActivityKey::RepositoryDeleteTag,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(Removal::Removed(digest))
}

/// Deletes a repository (see [`erase_repository`]).
pub async fn delete_repository(
    catalog: &Catalog,
    policy: &PolicySettings,
    by: &user::Model,
    id: RepositoryId,
) -> Result<()> {
    let (ns, repo) = find_visible(&catalog.db, &Subject::user(by, None), id).await?;
    let full = full_name(&ns, &repo);
    require_delete(&catalog.db, policy, by, &ns, &full).await?;
    erase_repository(catalog, &Actor::of(by), &full, Some(&repo)).await
}

/// Erases `full` from the registry: every manifest its tags point at (with
/// the per-platform images of an index) and the artifacts Portunus knows
/// in it, then the links of their blobs to the repository, so that nobody
/// pulls a layer from there by digest afterwards. Then forgets what
/// Portunus knew of it (`repo`, if it knew it) and records that `actor`
/// did it. No permission check (callers do that).
pub async fn erase_repository(
    catalog: &Catalog,
    actor: &Actor,
    full: &str,
    repo: Option<&repository::Model>,
) -> Result<()> {
    let tags = registry_digests(catalog, full).await?;
    let rules = immutable_tags::applying_to(&catalog.db, catalog.registry_id, full).await?;
    if let Some((tag, rule)) = tags
        .iter()
        .find_map(|(tag, _)| Some((tag, immutable_tags::protecting(&rules, tag)?)))
    {
        return Err(Error::Forbidden(format!(
            "{full} cannot be deleted: its tag {tag} is immutable ({}); remove the rule first",
            rule.describe()
        )));
    }
    let mut manifests: Vec<String> = tags.into_iter().map(|(_, digest)| digest).collect();
    if let Some(repo) = repo {
        let artifacts = artifact::Entity::find()
            .filter(artifact::Column::RepositoryId.eq(repo.id))
            .all(&catalog.db)
            .await?;
        manifests.extend(artifacts.into_iter().map(|a| a.digest));
        // Images whose tag moved on since are untagged but still pullable
        // by digest, and their digests are in the push activities.
        manifests.extend(pushed_digests(&catalog.db, repo.id).await?);
    }
    manifests.sort();
    manifests.dedup();
    let mut blobs = BTreeSet::new();
    let mut queue = manifests.clone();
    while let Some(digest) = queue.pop() {
        let fetched = match catalog.registry.manifest(full, &digest).await {
            Ok(fetched) => fetched,
            Err(RegistryError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        blobs.extend(fetched.manifest.blobs().into_iter().map(str::to_owned));
        for child in fetched.manifest.children() {
            if !manifests.iter().any(|m| m == child) {
                manifests.push(child.to_owned());
                queue.push(child.to_owned());
            }
        }
    }
    for digest in &manifests {
        ignore_missing(catalog.registry.delete_manifest(full, digest).await)?;
    }
    // The manifests are gone by now: a blob the registry will not unlink
    // is reported, not a reason to leave Portunus's rows behind.
    let mut kept_blobs = 0;
    for digest in &blobs {
        if let Err(e) = ignore_missing(catalog.registry.delete_blob(full, digest).await) {
            tracing::warn!(repository = %full, %digest, error = %e, "the registry kept a blob link");
            kept_blobs += 1;
        }
    }
    let txn = crate::db::begin_write(&catalog.db).await?;
    if let Some(repo) = repo {
        tag::Entity::delete_many()
            .filter(tag::Column::RepositoryId.eq(repo.id))
            .exec(&txn)
            .await?;
        repository::Entity::delete_by_id(repo.id).exec(&txn).await?;
    }
    let target = Target::repository(repo, full);
    let params = serde_json::json!({
        "manifests": manifests.len(),
        "blobs": blobs.len() - kept_blobs,
        "blobs_kept": kept_blobs,
    });
    audit::record(
        &txn,
        actor,
        ActivityKey::RepositoryDelete,
        target,
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Erases every repository under `ns` that Portunus knows or the registry
/// lists (see [`erase_repository`]); returns their full names.
pub async fn erase_namespace(
    catalog: &Catalog,
    actor: &Actor,
    ns: &namespace::Model,
) -> Result<Vec<String>> {
    let known = repository::Entity::find()
        .filter(repository::Column::NamespaceId.eq(ns.id))
        .all(&catalog.db)
        .await?;
    let mut doomed: BTreeMap<String, Option<repository::Model>> = known
        .into_iter()
        .map(|repo| (full_name(ns, &repo), Some(repo)))
        .collect();
    for full in catalog.tagged_under(ns).await? {
        doomed.entry(full).or_insert(None);
    }
    for (full, repo) in &doomed {
        erase_repository(catalog, actor, full, repo.as_ref()).await?;
    }
    Ok(doomed.into_keys().collect())
}

/// The digests of every push to the repository `id` that Portunus recorded.
async fn pushed_digests(db: &impl ConnectionTrait, id: i64) -> Result<Vec<String>> {
    let pushes = activity::Entity::find()
        .filter(activity::Column::Key.eq(ActivityKey::RepositoryPush.as_str()))
        .filter(activity::Column::TargetType.eq("repository"))
        .filter(activity::Column::TargetId.eq(id))
        .all(db)
        .await?;
    Ok(pushes
        .into_iter()
        .filter_map(|a| a.parameters?.get("digest")?.as_str().map(str::to_owned))
        .collect())
}

/// A registry answer where "not found" means "already gone".
fn ignore_missing(result: std::result::Result<(), RegistryError>) -> Result<()> {
    match result {
        Ok(()) | Err(RegistryError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
