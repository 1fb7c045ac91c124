//! A namespace name is given up only when nothing is left under it.
//! Deleting a namespace (directly, with its team, or with its user) drops
//! rows, not images; if images stayed, whoever takes the name next would
//! pull, push and delete them. So a deletion is refused while tagged
//! repositories remain under the name, in Portunus or in the registry.

use std::future::Future;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::audit::Actor;
use crate::db::entities::{namespace, repository, tag};
use crate::error::{Error, Result};

/// How many repository names a refusal lists.
const NAMED: usize = 5;

/// What the registry itself holds, and erasing it. `catalog` implements
/// it: this layer cannot reach the registry itself.
pub trait RegistryContent {
    /// The repositories under `ns` (`NAMESPACE/...` in its registry) that
    /// have tags.
    fn tagged_under(
        &self,
        ns: &namespace::Model,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Deletes every image under `ns` from the registry and forgets its
    /// repositories, recorded as done by `actor`; returns their full names.
    /// An administrator removing an account may have its images erased
    /// this way first.
    fn erase_under(
        &self,
        actor: &Actor,
        ns: &namespace::Model,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// Refuses unless every namespace in `doomed` is empty, in Portunus and in
/// the registry: Portunus knows no tagged repository under it, nor does the
/// registry list one (content pushed while Portunus was not told). Also
/// refuses when the registry cannot be asked.
pub async fn require_vacant(
    db: &impl ConnectionTrait,
    registry: &impl RegistryContent,
    doomed: &[namespace::Model],
) -> Result<()> {
    for ns in doomed {
        let known = known_tagged(db, ns).await?;
        let held = if known.is_empty() {
            registry.tagged_under(ns).await.map_err(|e| match e {
                Error::Unavailable(_) => Error::Unavailable(format!(
                    "Portunus cannot ask the registry whether it still holds images under {}/, so nothing was deleted; retry when the registry answers",
                    ns.name
                )),
                other => other,
            })?
        } else {
            known
        };
        if !held.is_empty() {
            return Err(refusal(&ns.name, &held));
        }
    }
    Ok(())
}

/// The full names of the repositories of `ns` that Portunus knows to have tags.
async fn known_tagged(db: &impl ConnectionTrait, ns: &namespace::Model) -> Result<Vec<String>> {
    let tagged = Query::select()
        .column(tag::Column::RepositoryId)
        .from(tag::Entity)
        .to_owned();
    let found = repository::Entity::find()
        .filter(repository::Column::NamespaceId.eq(ns.id))
        .filter(Expr::col(repository::Column::Id).in_subquery(tagged))
        .order_by_asc(repository::Column::Name)
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .map(|r| format!("{}/{}", ns.name, r.name))
        .collect())
}

fn refusal(namespace: &str, held: &[String]) -> Error {
    let mut named = held
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if held.len() > NAMED {
        named.push_str(&format!(" and {} more", held.len() - NAMED));
    }
    Error::Conflict(format!(
        "{namespace} still holds images ({named}): delete those repositories first (the repository page, or DELETE /api/v1/repositories/ID), so that whoever takes the name {namespace:?} next cannot reach them"
    ))
}
