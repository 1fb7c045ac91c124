//! The explore listing: repositories of public namespaces, for everyone,
//! signed in or not, unless `explore = false`. Nothing of a private or
//! protected namespace shows here.

use portunus_shared::api;
use sea_orm::EntityTrait;

use crate::db::entities::{namespace, repository};
use crate::error::{Error, Result};
use crate::listing::{Audience, Listing};
use crate::policy::Visibility;
use crate::repositories::{self, Sort};
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

/// Public repositories whose name contains `q`, in `sort` order.
pub async fn list(
    state: &AppState,
    q: Option<&str>,
    sort: Sort,
    paging: Paging,
) -> Result<api::RepositoryPage> {
    require_enabled(state)?;
    let listing = Listing {
        registry_id: state.registry_id,
        audience: Audience::Everyone,
        q,
        starred_by: None,
        sort,
        paging,
    };
    repositories::page_of(&state.db, &listing, None).await
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
