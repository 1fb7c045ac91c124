//! Removing an account. What it did stays on record (activities and
//! comments keep its name); memberships, tokens, sessions, stars and
//! identities go with it (the schema cascades). Its personal namespace
//! never passes to whoever takes the name next: an empty one is deleted,
//! and one that still holds images needs the administrator's choice
//! ([`PersonalNamespace`]).

use portunus_shared::domain::ActivityKey;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::accounts::teams;
use crate::accounts::users::{self, find_by_name, other_enabled_admins, require_admin};
use crate::accounts::vacancy::{self, RegistryContent};
use crate::audit::{self, Actor, Target};
use crate::authz::{Role, Subject};
use crate::config::PolicySettings;
use crate::db::entities::{namespace, team, team_member, user};
use crate::error::{Error, Result};

/// What becomes of the personal namespace of an account being removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonalNamespace {
    /// Deleted if empty; the removal is refused while it holds images.
    DeleteIfEmpty,
    /// Moved, images and all, to this team (which the remover must manage).
    /// The name then stays taken, and a new account of that name gets
    /// another.
    MoveTo(String),
    /// Its images are deleted from the registry first (deletes must be on).
    EraseImages,
}

/// Removes the account `name` (administrators only; never the last one,
/// nor the last owner of a team) with `choice` for its personal namespace.
pub async fn remove(
    db: &DatabaseConnection,
    registry: &impl RegistryContent,
    subject: &Subject,
    actor: &Actor,
    name: &str,
    choice: PersonalNamespace,
    policy: &PolicySettings,
) -> Result<()> {
    require_admin(subject)?;
    // Everything that could refuse is checked before images are erased.
    let (_, personal) = removable(db, name).await?;
    if let (PersonalNamespace::EraseImages, false) = (&choice, personal.is_empty()) {
        if !policy.delete_enabled {
            return Err(Error::Forbidden(
                "deleting is disabled here (policy.delete_enabled): move the namespace to a team instead (move_namespace_to=TEAM)".into(),
            ));
        }
        // Nobody pushes as the account while its images go.
        disable(db, actor, name).await?;
        for ns in &personal {
            registry.erase_under(actor, ns).await?;
        }
    }
    let txn = crate::db::begin_write(db).await?;
    let (target_user, personal) = removable(&txn, name).await?;
    audit::record(
        &txn,
        actor,
        ActivityKey::UserDelete,
        Target::user(&target_user),
        None,
    )
    .await?;
    // One personal namespace per registry, all of the personal team.
    if let Some(ns) = personal.first() {
        let personal_team = team::Entity::find_by_id(ns.team_id)
            .one(&txn)
            .await?
            .ok_or_else(|| {
                Error::Internal(format!("the team of namespace {} vanished", ns.name))
            })?;
        match &choice {
            PersonalNamespace::MoveTo(heir) => {
                teams::hand_over(&txn, subject, actor, &personal_team, personal, heir).await?;
            }
            PersonalNamespace::DeleteIfEmpty | PersonalNamespace::EraseImages => {
                vacancy::require_vacant(&txn, registry, &personal)
                    .await
                    .map_err(|e| match e {
                        Error::Conflict(why) => Error::Conflict(format!(
                            "{why}; or say what becomes of them: erased with the account (API: delete_images=true; CLI: --delete-images) or kept by a team (move_namespace_to=TEAM; --move-namespace-to TEAM)"
                        )),
                        other => other,
                    })?;
                namespace::Entity::delete_many()
                    .filter(namespace::Column::Id.is_in(personal.iter().map(|ns| ns.id)))
                    .exec(&txn)
                    .await?;
            }
        }
        team::Entity::delete_by_id(personal_team.id)
            .exec(&txn)
            .await?;
    }
    user::Entity::delete_by_id(target_user.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Disables the account `name` and ends its sessions and tokens' use,
/// committed at once (see [`users::update_as`]).
async fn disable(db: &DatabaseConnection, actor: &Actor, name: &str) -> Result<()> {
    let change = portunus_shared::api::UserUpdate {
        enabled: Some(false),
        ..Default::default()
    };
    users::update_as(db, &Subject::operator(), actor, name, change).await?;
    Ok(())
}

/// The account `name` and its personal namespaces (one per registry),
/// unless removing it is refused: it is the last administrator or the last
/// owner of a team.
async fn removable(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<(user::Model, Vec<namespace::Model>)> {
    let target_user = find_by_name(db, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {name:?}")))?;
    if target_user.admin && other_enabled_admins(db, target_user.id).await? == 0 {
        return Err(Error::Conflict(
            "this is the last administrator; it cannot be deleted".into(),
        ));
    }
    let orphaned = teams_only_owned_by(db, target_user.id).await?;
    if !orphaned.is_empty() {
        return Err(Error::Conflict(format!(
            "{name:?} is the last owner of the team(s) {}: make someone else owner first (PUT /api/v1/teams/TEAM/members/NAME with role owner), or delete the team",
            orphaned.join(", ")
        )));
    }
    let personal = namespace::Entity::find()
        .filter(namespace::Column::PersonalUserId.eq(target_user.id))
        .all(db)
        .await?;
    Ok((target_user, personal))
}

/// The names of the (visible) teams whose only owner is `user_id`.
async fn teams_only_owned_by(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<String>> {
    let owner = Role::Owner.as_str();
    let mut names = Vec::new();
    let owned = team_member::Entity::find()
        .filter(team_member::Column::UserId.eq(user_id))
        .filter(team_member::Column::Role.eq(owner))
        .all(db)
        .await?;
    for membership in owned {
        let owners = team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(membership.team_id))
            .filter(team_member::Column::Role.eq(owner))
            .count(db)
            .await?;
        if owners == 1
            && let Some(team) = team::Entity::find_by_id(membership.team_id).one(db).await?
            && !team.hidden
        {
            names.push(team.name);
        }
    }
    names.sort();
    Ok(names)
}
