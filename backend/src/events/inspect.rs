//! Reading stored registry events back, for administrators: what waits, what
//! could not be applied and why, newest first.

use chrono::SecondsFormat;
use portunus_shared::api;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;

use crate::db::entities::{registry_event, user};
use crate::error::{Error, Result};
use crate::users::Paging;

/// Which events to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    /// Stored, not applied yet.
    Pending,
    /// Processed with an error (not applied).
    Failed,
    /// Waiting because they name a registry host Portunus does not know.
    Held,
}

impl std::str::FromStr for Which {
    type Err = Error;
    fn from_str(s: &str) -> Result<Which> {
        match s {
            "all" => Ok(Which::All),
            "pending" => Ok(Which::Pending),
            "failed" => Ok(Which::Failed),
            "held" => Ok(Which::Held),
            other => Err(Error::InvalidInput(format!(
                "state {other:?}: use all, pending, failed or held"
            ))),
        }
    }
}

fn field(payload: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(payload, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A page of stored events (administrators only).
pub async fn page(
    db: &DatabaseConnection,
    by: &user::Model,
    which: Which,
    paging: Paging,
) -> Result<api::RegistryEventPage> {
    if !by.admin {
        return Err(Error::Forbidden(
            "only administrators may read registry events".into(),
        ));
    }
    let mut query = registry_event::Entity::find().order_by_desc(registry_event::Column::Id);
    query = match which {
        Which::All => query,
        Which::Pending => query
            .filter(registry_event::Column::ProcessedAt.is_null())
            .filter(registry_event::Column::HeldHost.is_null()),
        Which::Held => query
            .filter(registry_event::Column::ProcessedAt.is_null())
            .filter(registry_event::Column::HeldHost.is_not_null()),
        Which::Failed => query.filter(registry_event::Column::Error.is_not_null()),
    };
    let paginator = query.paginate(db, paging.per_page);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(paging.page - 1)
        .await?
        .into_iter()
        .map(|e| {
            let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
            api::RegistryEvent {
                id: e.id,
                event_id: e.event_id,
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
    Ok(api::RegistryEventPage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}
