//! Reading stored registry events back, for administrators: what waits, what
//! could not be applied and why, newest first.

use chrono::SecondsFormat;
use portunus_shared::api;
use portunus_shared::domain::EventState;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;

use crate::authz::{Subject, rest};
use crate::db::Paging;
use crate::db::entities::registry_event;
use crate::error::Result;

fn field(payload: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(payload, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A page of stored events (administrators only).
pub async fn page(
    db: &DatabaseConnection,
    who: &Subject,
    which: EventState,
    paging: Paging,
) -> Result<api::RegistryEventPage> {
    if !rest::may_administer(who) {
        return Err(rest::refusal(
            who,
            "only administrators may read registry events",
        ));
    }
    let mut query = registry_event::Entity::find().order_by_desc(registry_event::Column::Id);
    query = match which {
        EventState::All => query,
        EventState::Pending => query
            .filter(registry_event::Column::ProcessedAt.is_null())
            .filter(registry_event::Column::HeldHost.is_null()),
        EventState::Held => query
            .filter(registry_event::Column::ProcessedAt.is_null())
            .filter(registry_event::Column::HeldHost.is_not_null()),
        EventState::Failed => query.filter(registry_event::Column::Error.is_not_null()),
    };
    let paginator = query.paginate(db, paging.per_page);
    let total = paginator.num_items().await?;
    let registries = crate::db::entities::registry::all_by_id(db).await?;
    let items = paginator
        .fetch_page(paging.page - 1)
        .await?
        .into_iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            api::RegistryEvent {
                id: e.id,
                event_id: e.event_id,
                registry: e
                    .registry_id
                    .and_then(|id| registries.get(&id))
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                action: e.action,
                repository: field(&payload, &["target", "repository"]),
                tag: field(&payload, &["target", "tag"]),
                digest: field(&payload, &["target", "digest"]),
                actor: field(&payload, &["actor", "name"]),
                received_at: e.received_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                processed_at: e
                    .processed_at
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
                error: e.error,
                held_host: e.held_host,
            }
        })
        .collect();
    Ok(paging.page_of(items, total))
}
