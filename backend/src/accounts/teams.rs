//! Teams and their members. Owners (and admins) manage a team; a team always
//! keeps at least one owner. Personal teams are hidden and not managed here.

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use portunus_shared::names::validate_team_name;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::accounts::users;
use crate::accounts::vacancy::{self, RegistryContent};
use crate::audit::{self, Actor, Target};
use crate::authz::{Role, Subject, facts, rest, visibility};
use crate::config::PolicySettings;
use crate::db::Paging;
use crate::db::entities::{namespace, team, team_member, user};
use crate::db::ids::{TeamId, UserId};
use crate::db::people::people_of;
use crate::error::{Error, Result};

/// Team names: see [`validate_team_name`].
pub fn validate_name(name: &str) -> Result<()> {
    validate_team_name(name).map_err(|e| Error::InvalidInput(e.to_string()))
}

fn actor(by: &user::Model) -> Actor {
    Actor::of(by)
}

fn target(team: &team::Model) -> Target<'_> {
    Target::new("team", Some(team.id), &team.name)
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!("no team {name:?} (or you are not a member of it)"))
}

/// The team called `name`, if `who` may see it: admins see every visible
/// team, others the teams they belong to. Hidden teams are never found.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    who: &Subject,
    name: &str,
) -> Result<(team::Model, Option<Role>)> {
    let team = team::Entity::find()
        .filter(team::Column::Name.eq(name))
        .filter(team::Column::Hidden.eq(false))
        .one(db)
        .await?
        .ok_or_else(|| not_found(name))?;
    let role = facts::role_in_team(db, TeamId(team.id), who.user_id).await?;
    if !rest::may_see_team(who, role) {
        return Err(not_found(name));
    }
    Ok((team, role))
}

/// Finds a team that `by` may manage (an owner, or an admin).
pub async fn find_managed(
    db: &impl ConnectionTrait,
    by: &user::Model,
    name: &str,
) -> Result<team::Model> {
    let subject = Subject::user(by, None);
    let (team, role) = find_visible(db, &subject, name).await?;
    if rest::may_manage_team(&subject, role) {
        Ok(team)
    } else {
        Err(Error::Forbidden(format!(
            "only owners of team {name:?} (or administrators) may change it"
        )))
    }
}

/// The wire form of a team with its members and namespaces, as `who` sees it.
pub async fn describe(
    db: &impl ConnectionTrait,
    team: &team::Model,
    who: &Subject,
) -> Result<api::Team> {
    let mut one = describe_many(db, std::slice::from_ref(team), who).await?;
    one.pop()
        .ok_or_else(|| Error::Internal(format!("team {} vanished", team.id)))
}

/// The wire form of several teams: three queries, not a few per team.
pub async fn describe_many(
    db: &impl ConnectionTrait,
    found: &[team::Model],
    who: &Subject,
) -> Result<Vec<api::Team>> {
    let ids: Vec<i64> = found.iter().map(|t| t.id).collect();
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(ids.clone()))
        .order_by_asc(team_member::Column::Id)
        .all(db)
        .await?;
    let people = people_of(db, members.iter().map(|m| m.user_id)).await?;
    let namespaces = namespace::Entity::find()
        .filter(namespace::Column::TeamId.is_in(ids))
        .order_by_asc(namespace::Column::Name)
        .order_by_asc(namespace::Column::RegistryId)
        .all(db)
        .await?;
    let registries = crate::db::entities::registry::all_by_id(db).await?;
    let mut out = Vec::with_capacity(found.len());
    for team in found {
        let mut listed = Vec::new();
        let mut role = None;
        for member in members.iter().filter(|m| m.team_id == team.id) {
            if Some(UserId(member.user_id)) == who.user_id {
                role = Some(member.role()?);
            }
            if let Some(person) = people.get(&member.user_id) {
                listed.push(api::TeamMember {
                    username: person.username.clone(),
                    display_name: person.display_name.clone(),
                    role: member.role()?,
                });
            }
        }
        out.push(api::Team {
            id: team.id,
            name: team.name.clone(),
            description: team.description.clone(),
            description_html: String::new(),
            members: listed,
            namespaces: namespaces
                .iter()
                .filter(|n| n.team_id == team.id)
                .map(|n| n.name.clone())
                .collect(),
            namespaces_in_registries: namespaces
                .iter()
                .filter(|n| n.team_id == team.id)
                .map(|n| api::NamespaceInRegistry {
                    name: n.name.clone(),
                    registry: registries
                        .get(&n.registry_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                })
                .collect(),
            may_manage: rest::may_manage_team(who, role),
        });
    }
    Ok(out)
}

/// A page of the teams `who` belongs to (administrators: all but the hidden
/// personal ones; limited tokens: none) whose name contains `q`, by name;
/// filtered and paged by the database.
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    q: Option<&str>,
    paging: Paging,
) -> Result<(Vec<api::Team>, u64)> {
    let mut query = team::Entity::find()
        .filter(team::Column::Hidden.eq(false))
        .order_by_asc(team::Column::Name);
    if let Some(visible) = visibility::teams(who, team::Column::Id) {
        query = query.filter(visible);
    }
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        query = query.filter(crate::db::filters::name_contains(team::Column::Name, q));
    }
    let pages = query.paginate(db, paging.per_page);
    let total = pages.num_items().await?;
    let found = pages.fetch_page(paging.page - 1).await?;
    Ok((describe_many(db, &found, who).await?, total))
}

async fn ensure_name_free(db: &impl ConnectionTrait, name: &str) -> Result<()> {
    if team::Entity::find()
        .filter(team::Column::Name.eq(name))
        .count(db)
        .await?
        > 0
    {
        return Err(Error::Conflict(format!(
            "a team called {name:?} exists already; choose another name"
        )));
    }
    Ok(())
}

/// Creates a team owned by `by` (users may unless `users_create_teams` is off).
pub async fn create(
    db: &DatabaseConnection,
    by: &user::Model,
    new: api::NewTeam,
    settings: &PolicySettings,
) -> Result<team::Model> {
    if !rest::may_create_teams(&Subject::user(by, None), settings) {
        return Err(Error::Forbidden(
            "only administrators create teams here (policy.users_create_teams)".into(),
        ));
    }
    validate_name(&new.name)?;
    let txn = crate::db::begin_write(db).await?;
    ensure_name_free(&txn, &new.name).await?;
    let now = Utc::now();
    let team = team::ActiveModel {
        name: Set(new.name.clone()),
        description: Set(new.description),
        hidden: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    team_member::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(by.id),
        role: Set(Role::Owner.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &actor(by),
        ActivityKey::TeamCreate,
        target(&team),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(team)
}

/// Renames a team or changes its description.
pub async fn update(
    db: &DatabaseConnection,
    by: &user::Model,
    name: &str,
    change: api::TeamUpdate,
) -> Result<team::Model> {
    let txn = crate::db::begin_write(db).await?;
    let team = find_managed(&txn, by, name).await?;
    let mut active: team::ActiveModel = team.clone().into();
    if let Some(new_name) = change.name.filter(|n| n != &team.name) {
        validate_name(&new_name)?;
        ensure_name_free(&txn, &new_name).await?;
        audit::record(
            &txn,
            &actor(by),
            ActivityKey::TeamRename,
            target(&team),
            Some(json!({"from": team.name, "to": new_name})),
        )
        .await?;
        active.name = Set(new_name);
    }
    if let Some(description) = change.description.filter(|d| d != &team.description) {
        audit::record(
            &txn,
            &actor(by),
            ActivityKey::TeamChangeDescription,
            target(&team),
            None,
        )
        .await?;
        active.description = Set(description);
    }
    let team = active.update(&txn).await?;
    txn.commit().await?;
    Ok(team)
}

/// What happens to the namespaces of a team being deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamespacesOnDelete {
    /// Refuse while the team owns namespaces.
    Refuse,
    /// Hand them to another team, which `by` must own (or be admin).
    MoveTo(String),
    /// Delete them with the team (deletes must be enabled).
    Delete,
}

/// Deletes a team; its namespaces are moved, deleted, or keep it alive.
pub async fn delete(
    db: &DatabaseConnection,
    registry: &impl RegistryContent,
    by: &user::Model,
    name: &str,
    namespaces: NamespacesOnDelete,
    settings: &PolicySettings,
) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let team = find_managed(&txn, by, name).await?;
    let owned = namespace::Entity::find()
        .filter(namespace::Column::TeamId.eq(team.id))
        .all(&txn)
        .await?;
    if !owned.is_empty() {
        match &namespaces {
            NamespacesOnDelete::Refuse => {
                return Err(Error::Conflict(format!(
                    "team {name:?} still owns {} namespace(s): pass move_namespaces_to=TEAM or delete_namespaces=true",
                    owned.len()
                )));
            }
            NamespacesOnDelete::MoveTo(other) => {
                let subject = Subject::user(by, None);
                hand_over(&txn, &subject, &actor(by), &team, owned, other).await?;
            }
            NamespacesOnDelete::Delete => {
                if !settings.delete_enabled {
                    return Err(Error::Forbidden(
                        "deleting is disabled here (policy.delete_enabled)".into(),
                    ));
                }
                vacancy::require_vacant(&txn, registry, &owned).await?;
                for ns in owned {
                    let ns_target = Target::namespace(&ns);
                    audit::record(
                        &txn,
                        &actor(by),
                        ActivityKey::NamespaceDelete,
                        ns_target,
                        None,
                    )
                    .await?;
                    namespace::Entity::delete_by_id(ns.id).exec(&txn).await?;
                }
            }
        }
    }
    audit::record(
        &txn,
        &actor(by),
        ActivityKey::TeamDelete,
        target(&team),
        None,
    )
    .await?;
    team::Entity::delete_by_id(team.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves the namespaces `owned` of `from` to the team `to`, which `who`
/// must manage; a personal namespace moved this way stops being personal.
/// Each move is an activity by `actor`.
pub async fn hand_over(
    txn: &impl ConnectionTrait,
    who: &Subject,
    actor: &Actor,
    from: &team::Model,
    owned: Vec<namespace::Model>,
    to: &str,
) -> Result<()> {
    let (heir, role) = find_visible(txn, who, to).await?;
    if heir.id == from.id || !rest::may_manage_team(who, role) {
        return Err(Error::Forbidden(format!(
            "namespaces can only move to another team you own, and {to:?} is not one"
        )));
    }
    for ns in owned {
        let params = json!({"from": from.name, "to": heir.name});
        let ns_target = Target::namespace(&ns);
        audit::record(
            txn,
            actor,
            ActivityKey::NamespaceChangeTeam,
            ns_target,
            Some(params),
        )
        .await?;
        let mut active: namespace::ActiveModel = ns.into();
        active.team_id = Set(heir.id);
        active.personal_user_id = Set(None);
        active.update(txn).await?;
    }
    Ok(())
}

async fn owner_count(db: &impl ConnectionTrait, team_id: i64) -> Result<u64> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::Role.eq(Role::Owner.as_str()))
        .count(db)
        .await?)
}

pub(crate) async fn membership(
    db: &impl ConnectionTrait,
    team_id: TeamId,
    user_id: UserId,
) -> Result<Option<team_member::Model>> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

/// Adds `username` to the team with `role`, or changes their role.
pub async fn set_member(
    db: &DatabaseConnection,
    by: &user::Model,
    name: &str,
    username: &str,
    role: Role,
) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let team = find_managed(&txn, by, name).await?;
    let member = users::find_by_name(&txn, username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {username:?}")))?;
    let params = json!({"user": member.username, "role": role.as_str()});
    match membership(&txn, TeamId(team.id), UserId(member.id)).await? {
        Some(existing) if existing.role()? == role => {}
        Some(existing) => {
            if existing.role()? == Role::Owner && owner_count(&txn, team.id).await? <= 1 {
                return Err(Error::Conflict(format!(
                    "{username:?} is the last owner of team {name:?}; make someone else owner first"
                )));
            }
            audit::record(
                &txn,
                &actor(by),
                ActivityKey::TeamChangeMemberRole,
                target(&team),
                Some(params),
            )
            .await?;
            let mut active: team_member::ActiveModel = existing.into();
            active.role = Set(role.as_str().into());
            active.update(&txn).await?;
        }
        None => {
            if member.bot && role == Role::Owner {
                return Err(Error::InvalidInput(
                    "bots cannot own teams; give them viewer or contributor".into(),
                ));
            }
            audit::record(
                &txn,
                &actor(by),
                ActivityKey::TeamAddMember,
                target(&team),
                Some(params),
            )
            .await?;
            team_member::ActiveModel {
                team_id: Set(team.id),
                user_id: Set(member.id),
                role: Set(role.as_str().into()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Removes `username` from the team: owners and admins may remove anyone,
/// members may leave; the last owner may not.
pub async fn remove_member(
    db: &DatabaseConnection,
    by: &user::Model,
    name: &str,
    username: &str,
) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let (team, role) = find_visible(&txn, &Subject::user(by, None), name).await?;
    let member = users::find_by_name(&txn, username).await?;
    if !rest::may_remove_member(
        &Subject::user(by, None),
        role,
        member.as_ref().map(|m| UserId(m.id)),
    ) {
        return Err(Error::Forbidden(format!(
            "only owners of team {name:?} (or administrators) may remove members"
        )));
    }
    let member = member.ok_or_else(|| Error::NotFound(format!("no user {username:?}")))?;
    let existing = membership(&txn, TeamId(team.id), UserId(member.id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("{username:?} is not a member of team {name:?}")))?;
    if existing.role()? == Role::Owner && owner_count(&txn, team.id).await? <= 1 {
        return Err(Error::Conflict(format!(
            "{username:?} is the last owner of team {name:?}; make someone else owner first, or delete the team"
        )));
    }
    audit::record(
        &txn,
        &actor(by),
        ActivityKey::TeamRemoveMember,
        target(&team),
        Some(json!({"user": username})),
    )
    .await?;
    team_member::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
