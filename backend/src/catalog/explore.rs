//! The explore listing: repositories of public namespaces, for everyone,
//! signed in or not, unless `explore = false`. Nothing of a private or
//! protected namespace shows here.

use portunus_shared::api;
use portunus_shared::domain::RepositorySort;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::authz::{Subject, facts, rest};
use crate::catalog::Catalog;
use crate::catalog::listing::Listing;
use crate::catalog::repositories;
use crate::db::Paging;
use crate::db::entities::{namespace, repository};
use crate::db::ids::{RegistryId, RepositoryId};
use crate::error::{Error, Result};

fn require_enabled(enabled: bool) -> Result<()> {
    if enabled {
        Ok(())
    } else {
        Err(Error::NotFound(
            "exploring is turned off on this installation (explore = false); sign in to see repositories".into(),
        ))
    }
}

/// Public repositories whose name contains `q`, in `sort` order.
pub async fn list(
    db: &DatabaseConnection,
    registry_ids: &[RegistryId],
    enabled: bool,
    q: Option<&str>,
    sort: RepositorySort,
    paging: Paging,
) -> Result<api::RepositoryPage> {
    require_enabled(enabled)?;
    let listing = Listing {
        registry_ids,
        audience: &Subject::anonymous(),
        q,
        namespace: None,
        starred_by: None,
        sort,
        paging,
    };
    repositories::page_of(db, &listing).await
}

/// A public repository with its images.
pub async fn show(
    catalog: &Catalog,
    enabled: bool,
    id: RepositoryId,
) -> Result<api::ExploredRepository> {
    require_enabled(enabled)?;
    let not_found = || Error::NotFound(format!("no public repository {id}"));
    let repo = repository::Entity::find_by_id(id)
        .one(&catalog.db)
        .await?
        .ok_or_else(not_found)?;
    let ns = namespace::Entity::find_by_id(repo.namespace_id)
        .one(&catalog.db)
        .await?
        .ok_or_else(not_found)?;
    let facts = facts::facts_for(&catalog.db, &ns, &Subject::anonymous()).await?;
    if !rest::may_see_namespace(&Subject::anonymous(), &facts) {
        return Err(not_found());
    }
    let mut images = crate::catalog::images::of(&catalog.db, &repo).await?;
    // Who pushed is for people who are signed in.
    for image in &mut images {
        image.pushed_by = None;
        for artifact in &mut image.artifacts {
            artifact.pushed_by = None;
        }
    }
    Ok(api::ExploredRepository {
        repository: repositories::describe(&catalog.db, &ns, &repo, &Subject::anonymous()).await?,
        images,
    })
}
