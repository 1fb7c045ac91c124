//! The explore listing: repositories of public namespaces, for everyone,
//! signed in or not, unless `explore = false`. Nothing of a private or
//! protected namespace shows here.

use portunus_shared::api;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::entities::{namespace, repository};
use crate::error::{Error, Result};
use crate::policy::Visibility;
use crate::repositories::{self, Named, Sort, full_name};
use crate::state::AppState;
use crate::users::Paging;

fn require_enabled(state: &AppState) -> Result<()> {
    if state.config.explore {
        Ok(())
    } else {
        Err(Error::NotFound(
            "exploring is turned off on this installation (explore = false); sign in to see repositories".into(),
        ))
    }
}

async fn public_namespaces(
    db: &DatabaseConnection,
    registry_id: i64,
) -> Result<Vec<namespace::Model>> {
    Ok(namespace::Entity::find()
        .filter(namespace::Column::RegistryId.eq(registry_id))
        .filter(namespace::Column::Visibility.eq(Visibility::Public.as_str()))
        .all(db)
        .await?)
}

/// Public repositories whose name contains `q`, in `sort` order.
pub async fn list(
    state: &AppState,
    q: Option<&str>,
    sort: Sort,
    paging: Paging,
) -> Result<api::RepositoryPage> {
    require_enabled(state)?;
    let spaces = public_namespaces(&state.db, state.registry_id).await?;
    let repos = repository::Entity::find()
        .filter(repository::Column::NamespaceId.is_in(spaces.iter().map(|n| n.id)))
        .all(&state.db)
        .await?;
    let named: Vec<Named> = repos
        .into_iter()
        .filter_map(|r| {
            let ns = spaces.iter().find(|n| n.id == r.namespace_id)?;
            Some((full_name(ns, &r), ns, r))
        })
        .filter(|(name, _, _)| q.is_none_or(|q| name.contains(q)))
        .collect();
    repositories::page_of(&state.db, named, sort, paging, None).await
}

/// A public repository with its images.
pub async fn show(state: &AppState, id: i64) -> Result<api::ExploredRepository> {
    require_enabled(state)?;
    let not_found = || Error::NotFound(format!("no public repository {id}"));
    let repo = repository::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    let ns = namespace::Entity::find_by_id(repo.namespace_id)
        .one(&state.db)
        .await?
        .filter(|ns| ns.visibility == Visibility::Public.as_str())
        .ok_or_else(not_found)?;
    let mut images = crate::images::of(&state.db, &repo).await?;
    // Who pushed is for people who are signed in.
    for image in &mut images {
        image.pushed_by = None;
        for artifact in &mut image.artifacts {
            artifact.pushed_by = None;
        }
    }
    Ok(api::ExploredRepository {
        repository: repositories::describe(&state.db, &ns, &repo, None).await?,
        images,
    })
}
