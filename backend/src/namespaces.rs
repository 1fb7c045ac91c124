//! Namespaces: the global one of each registry (repositories without a
//! slash: public, written by admins), personal ones, and team namespaces.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::db::entities::{namespace, team};
use crate::error::Result;
use crate::policy::Visibility;

/// Name of the hidden team that owns the global namespaces. Team names that
/// people choose cannot start with `_`.
pub const GLOBAL_TEAM: &str = "_global";

/// Makes sure the registry has its global namespace; returns its id.
pub async fn ensure_global(db: &impl ConnectionTrait, registry_id: i64) -> Result<i64> {
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
        registry_id: Set(registry_id),
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
