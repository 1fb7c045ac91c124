//! Loading what the rules need to know: a namespace's kind, visibility and
//! the subject's role in its team, a subject's role in a team. The rules
//! themselves stay pure (`registry`, `rest`).

use std::collections::HashMap;

use portunus_shared::names::parse_repository_path;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{NamespaceFacts, NamespaceKind, Role, Subject};
use crate::db::entities::{namespace, team_member};
use crate::db::ids::{RegistryId, TeamId, UserId};
use crate::error::Result;

/// The namespace a repository path belongs to: the part before the first
/// slash, or the registry's global namespace for names without one.
pub async fn namespace_of(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    repository: &str,
) -> Result<Option<namespace::Model>> {
    let Ok(path) = parse_repository_path(repository) else {
        return Ok(None);
    };
    let query = namespace::Entity::find().filter(namespace::Column::RegistryId.eq(registry_id));
    let query = match path.namespace {
        Some(name) => query
            .filter(namespace::Column::Name.eq(name))
            .filter(namespace::Column::Global.eq(false)),
        None => query.filter(namespace::Column::Global.eq(true)),
    };
    Ok(query.one(db).await?)
}

/// The subject's role in a team, if a member.
pub async fn role_in_team(
    db: &impl ConnectionTrait,
    team_id: TeamId,
    user_id: Option<UserId>,
) -> Result<Option<Role>> {
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let member = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    Ok(member.map(|m| m.role()).transpose()?)
}

/// The roles of `user_id` in whichever of these teams they belong to.
pub async fn roles_in_teams(
    db: &impl ConnectionTrait,
    team_ids: impl IntoIterator<Item = TeamId>,
    user_id: UserId,
) -> Result<HashMap<i64, Role>> {
    team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(team_ids))
        .filter(team_member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| Ok((m.team_id, m.role()?)))
        .collect()
}

/// Facts about a namespace for someone with `role` in its team.
pub fn of(ns: &namespace::Model, role: Option<Role>) -> Result<NamespaceFacts> {
    let kind = match (ns.global, ns.personal_user_id) {
        (true, _) => NamespaceKind::Global,
        (false, Some(owner)) => NamespaceKind::Personal {
            owner: UserId(owner),
        },
        (false, None) => NamespaceKind::Team,
    };
    Ok(NamespaceFacts {
        registry_id: RegistryId(ns.registry_id),
        kind,
        visibility: ns.visibility()?,
        role,
    })
}

/// Facts about a namespace as seen by `subject`.
pub async fn facts_for(
    db: &impl ConnectionTrait,
    ns: &namespace::Model,
    subject: &Subject,
) -> Result<NamespaceFacts> {
    of(
        ns,
        role_in_team(db, TeamId(ns.team_id), subject.user_id).await?,
    )
}

/// Facts about the namespace of `repository`, or `None` when it does not exist.
pub async fn repository_facts(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    subject: &Subject,
    repository: &str,
) -> Result<Option<NamespaceFacts>> {
    match namespace_of(db, registry_id, repository).await? {
        Some(ns) => Ok(Some(facts_for(db, &ns, subject).await?)),
        None => Ok(None),
    }
}
