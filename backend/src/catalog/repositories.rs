//! Repositories and their tags as people read them, with the visibility
//! rules of their namespaces: listings, pages, stars, descriptions. What
//! registry events and syncs write is `recording`.

use chrono::{DateTime, SecondsFormat, Utc};
use portunus_shared::api;
use portunus_shared::domain::{ActivityKey, RepositorySort};
use portunus_shared::scope::Scope;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::audit::{self, Actor, Target};
use crate::authz::{self, NamespaceFacts, Subject, facts, rest};
use crate::catalog::Catalog;
use crate::config::PolicySettings;
use crate::db::Paging;
use crate::db::entities::{namespace, repository, star, tag, user};
use crate::db::ids::{RegistryId, RepositoryId, TeamId};
use crate::db::people::people_of;
use crate::error::{Error, Result};
use crate::registry::PlatformImage;

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The full registry name of a repository row.
pub fn full_name(ns: &namespace::Model, repo: &repository::Model) -> String {
    if ns.global {
        repo.name.clone()
    } else {
        format!("{}/{}", ns.name, repo.name)
    }
}

/// A repository as `who` sees it.
pub async fn describe(
    db: &impl ConnectionTrait,
    ns: &namespace::Model,
    repo: &repository::Model,
    who: &Subject,
) -> Result<api::Repository> {
    let mut shown = summarize(db, ns, repo, who).await?;
    shown.description_html = crate::catalog::markdown::render(&repo.description);
    Ok(shown)
}

/// [`describe`] without rendering the description (lists leave it empty).
async fn summarize(
    db: &impl ConnectionTrait,
    ns: &namespace::Model,
    repo: &repository::Model,
    who: &Subject,
) -> Result<api::Repository> {
    let mut one = summarize_many(db, &[(ns.clone(), repo.clone())], who).await?;
    one.pop()
        .ok_or_else(|| Error::Internal(format!("repository {} vanished", repo.id)))
}

/// [`summarize`] for a whole page at once: a few grouped queries, not a few
/// per repository.
pub async fn summarize_many(
    db: &impl ConnectionTrait,
    found: &[(namespace::Model, repository::Model)],
    who: &Subject,
) -> Result<Vec<api::Repository>> {
    use std::collections::HashMap;
    let ids: Vec<i64> = found.iter().map(|(_, r)| r.id).collect();
    let tag_stats: HashMap<i64, (i64, Option<DateTime<Utc>>)> = tag::Entity::find()
        .select_only()
        .column(tag::Column::RepositoryId)
        .column_as(tag::Column::Id.count(), "tags")
        .column_as(tag::Column::PushedAt.max(), "newest")
        .filter(tag::Column::RepositoryId.is_in(ids.clone()))
        .group_by(tag::Column::RepositoryId)
        .into_tuple::<(i64, i64, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, count, newest)| (id, (count, newest)))
        .collect();
    let starred: Vec<i64> = match who.user_id {
        Some(user_id) => {
            star::Entity::find()
                .select_only()
                .column(star::Column::RepositoryId)
                .filter(star::Column::UserId.eq(user_id))
                .filter(star::Column::RepositoryId.is_in(ids))
                .into_tuple::<i64>()
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    let roles = match who.user_id {
        Some(user_id) => {
            facts::roles_in_teams(db, found.iter().map(|(ns, _)| TeamId(ns.team_id)), user_id)
                .await?
        }
        None => HashMap::new(),
    };
    // A handful of rows: the name and host of each registry.
    let registries = crate::db::entities::registry::all_by_id(db).await?;
    let mut out = Vec::with_capacity(found.len());
    for (ns, repo) in found {
        let (registry, registry_host) = registries
            .get(&ns.registry_id)
            .map(|r| (r.name.clone(), r.hostname.clone()))
            .unwrap_or_default();
        let facts = facts::of(ns, roles.get(&ns.team_id).copied())?;
        let may_manage = rest::may_manage_namespace(who, &facts);
        let (count, newest) = tag_stats.get(&repo.id).copied().unwrap_or((0, None));
        out.push(api::Repository {
            id: repo.id,
            name: full_name(ns, repo),
            namespace: ns.name.clone(),
            registry,
            registry_host,
            description: repo.description.clone(),
            description_html: String::new(),
            may_manage,
            may_delete: false,
            tags: u64::try_from(count).unwrap_or(0),
            updated_at: newest.map(timestamp),
            stars: u64::try_from(repo.star_count).unwrap_or(0),
            starred: starred.contains(&repo.id),
        });
    }
    Ok(out)
}

/// Stars (or, with `on` false, unstars) a repository `by` may see.
pub async fn star(
    db: &DatabaseConnection,
    by: &user::Model,
    id: RepositoryId,
    on: bool,
) -> Result<()> {
    let (ns, repo) = find_visible(db, &Subject::user(by, None), id).await?;
    let existing = star::Entity::find()
        .filter(star::Column::RepositoryId.eq(repo.id))
        .filter(star::Column::UserId.eq(by.id))
        .one(db)
        .await?;
    let name = full_name(&ns, &repo);
    let target = Target::repository(Some(&repo), &name);
    match (existing, on) {
        (None, true) => {
            let txn = crate::db::begin_write(db).await?;
            star::Entity::insert(star::ActiveModel {
                user_id: Set(by.id),
                repository_id: Set(repo.id),
                created_at: Set(Utc::now()),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([star::Column::UserId, star::Column::RepositoryId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            audit::record(
                &txn,
                &Actor::of(by),
                ActivityKey::RepositoryStar,
                target,
                None,
            )
            .await?;
            txn.commit().await?;
        }
        (Some(row), false) => {
            let txn = crate::db::begin_write(db).await?;
            star::Entity::delete_by_id(row.id).exec(&txn).await?;
            audit::record(
                &txn,
                &Actor::of(by),
                ActivityKey::RepositoryUnstar,
                target,
                None,
            )
            .await?;
            txn.commit().await?;
        }
        _ => {}
    }
    Ok(())
}

/// Longest repository description accepted, in bytes.
const MAX_DESCRIPTION: usize = 64 * 1024;

/// Changes the markdown description of a repository `by` manages.
pub async fn describe_as(
    db: &DatabaseConnection,
    by: &user::Model,
    id: RepositoryId,
    description: &str,
) -> Result<api::Repository> {
    let subject = Subject::user(by, None);
    let (ns, repo, facts) = find_visible_with_facts(db, &subject, id).await?;
    let full = full_name(&ns, &repo);
    if !rest::may_manage_namespace(&subject, &facts) {
        return Err(Error::Forbidden(format!(
            "only owners of namespace {} and administrators may describe {full}",
            ns.name
        )));
    }
    if description.len() > MAX_DESCRIPTION {
        return Err(Error::InvalidInput(format!(
            "the description has {} bytes; at most {MAX_DESCRIPTION} are allowed",
            description.len()
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut row: repository::ActiveModel = repo.clone().into();
    row.description = Set(description.to_owned());
    let repo = row.update(&txn).await?;
    let target = Target::repository(Some(&repo), &full);
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::RepositoryChangeDescription,
        target,
        None,
    )
    .await?;
    txn.commit().await?;
    describe(db, &ns, &repo, &subject).await
}

/// Repositories `who` may see whose name contains `q`, in `sort` order.
#[allow(clippy::too_many_arguments)] // one per filter, as the API takes them
pub async fn list(
    db: &DatabaseConnection,
    registry_ids: &[RegistryId],
    who: &Subject,
    q: Option<&str>,
    namespace: Option<&str>,
    starred_only: bool,
    sort: RepositorySort,
    paging: Paging,
) -> Result<api::RepositoryPage> {
    let listing = crate::catalog::listing::Listing {
        registry_ids,
        audience: who,
        q,
        namespace,
        // Nobody's stars (no user has id 0) for a visitor.
        starred_by: starred_only.then_some(who.user_id.map_or(0, i64::from)),
        sort,
        paging,
    };
    page_of(db, &listing).await
}

/// The first `limit` repositories `who` may see whose full name contains
/// `q`, by name, without counting the rest (for search).
pub async fn first_matches(
    db: &DatabaseConnection,
    registry_ids: &[RegistryId],
    who: &Subject,
    q: &str,
    limit: u64,
) -> Result<Vec<api::Repository>> {
    let listing = crate::catalog::listing::Listing {
        registry_ids,
        audience: who,
        q: Some(q),
        namespace: None,
        starred_by: None,
        sort: RepositorySort::Name,
        paging: Paging::new(None, None)?,
    };
    let found = crate::catalog::listing::first(db, &listing, limit).await?;
    summarize_many(db, &found, who).await
}

/// The page `listing` describes, each repository as its audience sees it.
pub async fn page_of(
    db: &DatabaseConnection,
    listing: &crate::catalog::listing::Listing<'_>,
) -> Result<api::RepositoryPage> {
    let (found, total) = crate::catalog::listing::page(db, listing).await?;
    let items = summarize_many(db, &found, listing.audience).await?;
    Ok(listing.paging.page_of(items, total))
}

/// Repository `id` if `who` may see it; otherwise "not found".
pub async fn find_visible(
    db: &impl ConnectionTrait,
    who: &Subject,
    id: RepositoryId,
) -> Result<(namespace::Model, repository::Model)> {
    let (ns, repo, _) = find_visible_with_facts(db, who, id).await?;
    Ok((ns, repo))
}

/// [`find_visible`], with the facts about its namespace as `who` sees it,
/// for callers that decide more than seeing.
pub async fn find_visible_with_facts(
    db: &impl ConnectionTrait,
    who: &Subject,
    id: RepositoryId,
) -> Result<(namespace::Model, repository::Model, NamespaceFacts)> {
    let not_found = || Error::NotFound(format!("no repository {id} (or you may not see it)"));
    let repo = repository::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let ns = namespace::Entity::find_by_id(repo.namespace_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let facts = facts::facts_for(db, &ns, who).await?;
    if !rest::may_see_repository(who, &facts, &full_name(&ns, &repo)) {
        return Err(not_found());
    }
    Ok((ns, repo, facts))
}

/// A visible repository as `who` sees it, with whether they may delete in
/// it.
pub async fn show(
    db: &DatabaseConnection,
    settings: &PolicySettings,
    who: &Subject,
    id: RepositoryId,
) -> Result<api::Repository> {
    let (ns, repo) = find_visible(db, who, id).await?;
    let mut shown = describe(db, &ns, &repo, who).await?;
    shown.may_delete = delete_verdict(db, settings, who, &ns, &shown.name)
        .await?
        .is_some_and(|v| v.allowed);
    Ok(shown)
}

/// What the delete policy says about `subject` deleting in `full` (a
/// repository of `ns`); `None` when it says nothing.
pub async fn delete_verdict(
    db: &impl ConnectionTrait,
    settings: &PolicySettings,
    subject: &Subject,
    ns: &namespace::Model,
    full: &str,
) -> Result<Option<authz::Verdict>> {
    let facts = facts::facts_for(db, ns, subject).await?;
    let scope = Scope::parse(&format!("repository:{full}:delete"))
        .map_err(|e| Error::InvalidInput(format!("{e:?}")))?;
    Ok(authz::decide(subject, settings, &scope, Some(&facts)).pop())
}

/// The tags of a visible repository, newest first.
pub async fn tags(
    db: &DatabaseConnection,
    who: &Subject,
    id: RepositoryId,
) -> Result<Vec<api::Tag>> {
    let (_, repo) = find_visible(db, who, id).await?;
    tags_of(db, &repo).await
}

/// The tags of a repository, newest first.
pub async fn tags_of(db: &DatabaseConnection, repo: &repository::Model) -> Result<Vec<api::Tag>> {
    let rows = tag::Entity::find()
        .filter(tag::Column::RepositoryId.eq(repo.id))
        .order_by_desc(tag::Column::PushedAt)
        .order_by_asc(tag::Column::Name)
        .all(db)
        .await?;
    let pushers = people_of(db, rows.iter().filter_map(|t| t.pushed_by_id)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let pusher = t.pushed_by_id.and_then(|id| pushers.get(&id).cloned());
        let platforms: Vec<PlatformImage> = t
            .platforms
            .clone()
            .and_then(|p| serde_json::from_value(p).ok())
            .unwrap_or_default();
        out.push(api::Tag {
            name: t.name,
            digest: t.digest,
            media_type: t.media_type,
            size: t.size,
            layers: t.layers,
            image_id: t.image_id,
            created: t.created_at.map(timestamp),
            labels: t.labels.map(|l| l.to_string()),
            platforms: platforms
                .into_iter()
                .map(|p| api::PlatformImage {
                    os: p.platform.os,
                    architecture: p.platform.architecture,
                    variant: p.platform.variant,
                    digest: p.digest,
                    size: p.size,
                })
                .collect(),
            pushed_by: pusher.as_ref().map(|p| p.username.clone()),
            pushed_by_display_name: pusher.and_then(|p| p.display_name),
            pushed_at: timestamp(t.pushed_at),
            pulled_at: t.pulled_at.map(timestamp),
        });
    }
    Ok(out)
}

/// One tag of a visible repository with its layers and how it runs, read
/// from the registry.
pub async fn tag_details(
    catalog: &Catalog,
    who: &Subject,
    id: RepositoryId,
    tag_name: &str,
) -> Result<api::TagDetails> {
    let (ns, repo) = find_visible(&catalog.db, who, id).await?;
    let full = full_name(&ns, &repo);
    let tag = tags_of(&catalog.db, &repo)
        .await?
        .into_iter()
        .find(|t| t.name == tag_name)
        .ok_or_else(|| Error::NotFound(format!("{full} has no tag {tag_name:?}")))?;
    let (layers, facts) = catalog
        .registry
        .layers(&full, &tag.digest)
        .await
        .map_err(Error::from)?;
    let mut history = facts.layer_history.into_iter();
    Ok(api::TagDetails {
        tag,
        layers: layers
            .into_iter()
            .map(|l| api::Layer {
                digest: l.digest,
                media_type: l.media_type,
                size: l.size,
                created_by: history.next().flatten(),
            })
            .collect(),
        command: facts.command,
        working_dir: facts.working_dir,
        user: facts.user,
        exposed_ports: facts.exposed_ports,
    })
}
