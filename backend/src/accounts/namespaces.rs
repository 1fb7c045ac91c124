//! Namespaces: the global one of each registry (repositories without a
//! slash: public, written by admins), personal ones, and team namespaces.

use std::collections::HashMap;

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use portunus_shared::names::validate_namespace;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::accounts::teams;
use crate::accounts::vacancy::{self, RegistryContent};
use crate::audit::{self, Actor, Target};
use crate::authz::{NamespaceFacts, Role, Subject, Visibility, facts, rest, visibility};
use crate::config::PolicySettings;
use crate::db::Paging;
use crate::db::entities::{namespace, registry, team, user, webhook};
use crate::db::ids::{RegistryId, TeamId};
use crate::db::people::people_of;
use crate::error::{Error, Result};

/// Name of the hidden team that owns the global namespaces. Team names that
/// people choose cannot start with `_`.
pub const GLOBAL_TEAM: &str = "_global";

/// Makes sure the registry has its global namespace; returns its id.
pub async fn ensure_global(db: &impl ConnectionTrait, registry_id: RegistryId) -> Result<i64> {
    let existing = namespace::Entity::find()
        .filter(namespace::Column::RegistryId.eq(registry_id))
        .filter(namespace::Column::Global.eq(true))
        .one(db)
        .await?;
    if let Some(ns) = existing {
        return Ok(ns.id);
    }
    let now = Utc::now();
    let team = match team::Entity::find()
        .filter(team::Column::Name.eq(GLOBAL_TEAM))
        .one(db)
        .await?
    {
        Some(team) => team,
        None => {
            team::ActiveModel {
                name: Set(GLOBAL_TEAM.into()),
                description: Set("Owns the global namespaces; administrators manage them.".into()),
                hidden: Set(true),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    let ns = namespace::ActiveModel {
        registry_id: Set(registry_id.0),
        // Not a valid namespace name, so it can never clash with a real one.
        name: Set(format!("_global_{registry_id}")),
        team_id: Set(team.id),
        visibility: Set(Visibility::Public.as_str().into()),
        description: Set("Repositories without a namespace, such as `busybox`.".into()),
        global: Set(true),
        personal_user_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(ns.id)
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!("no namespace {name:?} (or you may not see it)"))
}

fn actor(by: &user::Model) -> Actor {
    Actor::of(by)
}

fn target(ns: &namespace::Model) -> Target<'_> {
    Target::namespace(ns)
}

/// The wire form of a namespace, as `who` sees it.
pub async fn describe(
    db: &impl ConnectionTrait,
    ns: &namespace::Model,
    who: &Subject,
) -> Result<api::Namespace> {
    let mut one = describe_many(db, std::slice::from_ref(ns), who).await?;
    one.pop()
        .ok_or_else(|| Error::Internal(format!("namespace {} vanished", ns.id)))
}

/// The wire form of several namespaces as `who` sees them: four queries,
/// not four per namespace.
pub async fn describe_many(
    db: &impl ConnectionTrait,
    found: &[namespace::Model],
    who: &Subject,
) -> Result<Vec<api::Namespace>> {
    let roles = match who.user_id {
        Some(user_id) => {
            facts::roles_in_teams(db, found.iter().map(|n| TeamId(n.team_id)), user_id).await?
        }
        None => HashMap::new(),
    };
    let teams: HashMap<i64, String> = team::Entity::find()
        .filter(team::Column::Id.is_in(found.iter().map(|n| n.team_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let people = people_of(db, found.iter().filter_map(|n| n.personal_user_id)).await?;
    let registries = registry::all_by_id(db).await?;
    found
        .iter()
        .map(|ns| {
            let facts = facts::of(ns, roles.get(&ns.team_id).copied())?;
            Ok(api::Namespace {
                id: ns.id,
                name: ns.name.clone(),
                registry: registries
                    .get(&ns.registry_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                team: teams.get(&ns.team_id).cloned().unwrap_or_default(),
                visibility: facts.visibility,
                description: ns.description.clone(),
                description_html: String::new(),
                global: ns.global,
                personal_of: ns
                    .personal_user_id
                    .and_then(|id| people.get(&id))
                    .map(|p| p.username.clone()),
                role: facts.role,
                may_manage: rest::may_manage_namespace(who, &facts),
            })
        })
        .collect()
}

async fn find(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    name: &str,
) -> Result<namespace::Model> {
    namespace::Entity::find()
        .filter(namespace::Column::RegistryId.eq(registry_id))
        .filter(namespace::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| not_found(name))
}

/// The namespace `name` if `who` may see it, with the facts the rules
/// need about it; otherwise "not found", so private names never leak.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    who: &Subject,
    name: &str,
) -> Result<(namespace::Model, NamespaceFacts)> {
    let ns = find(db, registry_id, name).await?;
    let facts = facts::facts_for(db, &ns, who).await?;
    if !rest::may_see_named_namespace(who, &facts, (!ns.global).then_some(ns.name.as_str())) {
        return Err(not_found(name));
    }
    Ok((ns, facts))
}

/// A page of the namespaces `who` may see (their teams', protected and
/// public ones; administrators: all; narrowed to what their token reaches)
/// whose name contains `q`, by name; filtered and paged by the database.
pub async fn list(
    db: &DatabaseConnection,
    registry_ids: &[RegistryId],
    who: &Subject,
    q: Option<&str>,
    paging: Paging,
) -> Result<(Vec<api::Namespace>, u64)> {
    let mut query = namespace::Entity::find()
        .filter(namespace::Column::RegistryId.is_in(registry_ids.iter().copied()))
        .order_by_asc(namespace::Column::Name)
        .order_by_asc(namespace::Column::RegistryId);
    if let Some(visible) = visibility::namespaces(
        who,
        namespace::Column::Visibility,
        namespace::Column::TeamId,
    ) {
        query = query.filter(visible);
    }
    if let Some(reached) = visibility::token_reach_namespaces(
        who,
        namespace::Column::Name,
        namespace::Column::Global,
        namespace::Column::RegistryId,
    ) {
        query = query.filter(reached);
    }
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        query = query.filter(crate::db::filters::name_contains(
            namespace::Column::Name,
            q,
        ));
    }
    let pages = query.paginate(db, paging.per_page);
    let total = pages.num_items().await?;
    let found = pages.fetch_page(paging.page - 1).await?;
    Ok((describe_many(db, &found, who).await?, total))
}

/// Creates a namespace for a team that `by` owns (unless only administrators
/// may, by `users_create_namespaces`).
pub async fn create(
    db: &DatabaseConnection,
    registry_id: RegistryId,
    by: &user::Model,
    new: api::NewNamespace,
    settings: &PolicySettings,
) -> Result<namespace::Model> {
    if !rest::may_create_namespaces(&Subject::user(by, None), settings) {
        return Err(Error::Forbidden(
            "only administrators create namespaces here (policy.users_create_namespaces)".into(),
        ));
    }
    validate_namespace(&new.name).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let visibility = new.visibility.unwrap_or(Visibility::Private);
    let txn = crate::db::begin_write(db).await?;
    let team = teams::find_managed(&txn, by, &new.team).await?;
    if find(&txn, registry_id, &new.name).await.is_ok() {
        return Err(Error::Conflict(format!(
            "the namespace {:?} exists already",
            new.name
        )));
    }
    let ns = namespace::ActiveModel {
        registry_id: Set(registry_id.0),
        name: Set(new.name.clone()),
        team_id: Set(team.id),
        visibility: Set(visibility.as_str().into()),
        description: Set(new.description.unwrap_or_default()),
        global: Set(false),
        personal_user_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let params = json!({"team": team.name, "visibility": visibility.as_str()});
    audit::record(
        &txn,
        &actor(by),
        ActivityKey::NamespaceCreate,
        target(&ns),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(ns)
}

/// Changes a namespace's team, visibility or description. Owners of its team
/// and admins may; a personal namespace keeps its team; the global namespace
/// cannot become private.
pub async fn update(
    db: &DatabaseConnection,
    registry_id: RegistryId,
    by: &user::Model,
    name: &str,
    change: api::NamespaceUpdate,
) -> Result<namespace::Model> {
    let txn = crate::db::begin_write(db).await?;
    let (ns, facts) = find_visible(&txn, registry_id, &Subject::user(by, None), name).await?;
    if !rest::may_manage_namespace(&Subject::user(by, None), &facts) {
        return Err(Error::Forbidden(format!(
            "only owners of the namespace's team (or administrators) may change {name:?}"
        )));
    }
    let mut active: namespace::ActiveModel = ns.clone().into();
    if let Some(visibility) = change.visibility {
        if ns.global && visibility == Visibility::Private {
            return Err(Error::InvalidInput(
                "the global namespace cannot be private".into(),
            ));
        }
        if visibility != facts.visibility {
            let params = json!({"from": ns.visibility, "to": visibility.as_str()});
            audit::record(
                &txn,
                &actor(by),
                ActivityKey::NamespaceChangeVisibility,
                target(&ns),
                Some(params),
            )
            .await?;
            active.visibility = Set(visibility.as_str().into());
        }
    }
    if let Some(team_name) = change.team {
        if ns.personal_user_id.is_some() || ns.global {
            return Err(Error::Conflict(format!(
                "the team of {name:?} cannot change: it is a personal or the global namespace"
            )));
        }
        let team = teams::find_managed(&txn, by, &team_name).await?;
        if team.id != ns.team_id {
            // The webhooks' receivers were chosen by the former team: they
            // wait, disabled, until the new team's owners check them.
            let paused = webhook::Entity::update_many()
                .col_expr(webhook::Column::Enabled, Expr::value(false))
                .filter(webhook::Column::NamespaceId.eq(ns.id))
                .filter(webhook::Column::Enabled.eq(true))
                .exec(&txn)
                .await?
                .rows_affected;
            audit::record(
                &txn,
                &actor(by),
                ActivityKey::NamespaceChangeTeam,
                target(&ns),
                Some(json!({"to": team.name, "webhooks_disabled": paused})),
            )
            .await?;
            active.team_id = Set(team.id);
        }
    }
    if let Some(description) = change.description.filter(|d| d != &ns.description) {
        audit::record(
            &txn,
            &actor(by),
            ActivityKey::NamespaceChangeDescription,
            target(&ns),
            None,
        )
        .await?;
        active.description = Set(description);
    }
    let ns = active.update(&txn).await?;
    txn.commit().await?;
    Ok(ns)
}

/// Deletes an empty namespace (see [`vacancy`]). Not the global or a
/// personal namespace; deletes must be enabled.
pub async fn delete(
    db: &DatabaseConnection,
    registry: &impl RegistryContent,
    registry_id: RegistryId,
    by: &user::Model,
    name: &str,
    settings: &PolicySettings,
) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let subject = Subject::user(by, None);
    let (ns, facts) = find_visible(&txn, registry_id, &subject, name).await?;
    if !rest::may_manage_namespace(&subject, &facts) {
        return Err(Error::Forbidden(format!(
            "only owners of the namespace's team (or administrators) may delete {name:?}"
        )));
    }
    if !settings.delete_enabled {
        return Err(Error::Forbidden(
            "deleting is disabled here (policy.delete_enabled)".into(),
        ));
    }
    if ns.global || ns.personal_user_id.is_some() {
        return Err(Error::Conflict(format!(
            "{name:?} is a personal or the global namespace; those cannot be deleted"
        )));
    }
    vacancy::require_vacant(&txn, registry, std::slice::from_ref(&ns)).await?;
    audit::record(
        &txn,
        &actor(by),
        ActivityKey::NamespaceDelete,
        target(&ns),
        None,
    )
    .await?;
    namespace::Entity::delete_by_id(ns.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// A namespace that a push created (only administrators may push to a
/// namespace that does not exist): a private namespace of a new team of the
/// same name owned by the pusher, or of the admins' global team.
pub async fn create_for_push(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    name: &str,
    pusher: Option<&user::Model>,
) -> Result<namespace::Model> {
    validate_namespace(name).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let now = Utc::now();
    let team = match team::Entity::find()
        .filter(team::Column::Name.eq(name))
        .one(db)
        .await?
    {
        None if pusher.is_some() => {
            let team = team::ActiveModel {
                name: Set(name.to_owned()),
                description: Set(String::new()),
                hidden: Set(false),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            if let Some(pusher) = pusher {
                crate::db::entities::team_member::ActiveModel {
                    team_id: Set(team.id),
                    user_id: Set(pusher.id),
                    role: Set(Role::Owner.as_str().into()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
            team
        }
        _ => team::Entity::find()
            .filter(team::Column::Name.eq(GLOBAL_TEAM))
            .one(db)
            .await?
            .ok_or_else(|| Error::Internal("the global team is missing".into()))?,
    };
    let ns = namespace::ActiveModel {
        registry_id: Set(registry_id.0),
        name: Set(name.to_owned()),
        team_id: Set(team.id),
        visibility: Set(Visibility::Private.as_str().into()),
        description: Set(String::new()),
        global: Set(false),
        personal_user_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let actor = pusher.map_or_else(
        || Actor {
            id: None,
            name: "registry".into(),
        },
        actor,
    );
    audit::record(
        db,
        &actor,
        ActivityKey::NamespaceCreate,
        target(&ns),
        Some(json!({"team": team.name, "by": "push"})),
    )
    .await?;
    Ok(ns)
}
