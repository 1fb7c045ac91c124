//! What the registry holds, as Portunus records it: repositories and tags,
//! images and their artifacts, listings, stars, descriptions and comments,
//! the explore pages, and housekeeping that changes the registry (deleting
//! tags and repositories, retention rules). Imports `accounts`, `authz`,
//! `audit`, `registry`, `config`, `db`, `error`.

pub mod comments;
pub mod deletion;
pub mod explore;
pub mod images;
pub mod immutable_tags;
pub mod listing;
pub mod markdown;
pub mod name_index;
pub mod overview;
pub mod pulls;
pub mod recording;
pub mod repositories;
pub mod retention;
pub mod synced;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use crate::config::Config;
use crate::db::entities::registry;
use crate::db::ids::RegistryId;
use crate::error::{Error, Result};
use crate::registry::RegistryClient;

pub use crate::db::entities::registry::DEFAULT as DEFAULT_REGISTRY;

/// One registry as Portunus works with it: the database that records what
/// it holds (rows under `registry_id`) and the client that reads and
/// changes the registry itself. Cheap to clone: both share their pools.
#[derive(Clone)]
pub struct Catalog {
    pub db: DatabaseConnection,
    pub registry: RegistryClient,
    /// Id of the registry's row.
    pub registry_id: RegistryId,
}

/// The row of the configured registry, made or updated to what
/// `[registry]` and `token.service` say now; returns its id.
pub async fn ensure_registry(db: &impl ConnectionTrait, config: &Config) -> Result<RegistryId> {
    let hostname = config.client_registry_host();
    let service = config.token.service.clone();
    let hostnames = serde_json::to_string(&config.registry.hostnames)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let taken = registry::Entity::find()
        .filter(registry::Column::Service.eq(service.as_str()))
        .filter(registry::Column::Name.ne(DEFAULT_REGISTRY))
        .one(db)
        .await?;
    if let Some(other) = taken {
        return Err(Error::InvalidInput(format!(
            "token.service {service:?} is the service of the registry {:?} added through the API; give the configured registry another service name, or remove or rename that registry's service first",
            other.name
        )));
    }
    let existing = registry::Entity::find()
        .filter(registry::Column::Name.eq(DEFAULT_REGISTRY))
        .one(db)
        .await?;
    let row = match existing {
        Some(row)
            if row.hostname == hostname
                && row.url == config.registry.url
                && row.service.as_deref() == Some(service.as_str())
                && row.hostnames == hostnames =>
        {
            row
        }
        Some(row) => {
            let mut active: registry::ActiveModel = row.into();
            active.hostname = Set(hostname);
            active.url = Set(config.registry.url.clone());
            active.service = Set(Some(service));
            active.hostnames = Set(hostnames);
            active.update(db).await?
        }
        None => {
            registry::ActiveModel {
                name: Set(DEFAULT_REGISTRY.into()),
                hostname: Set(hostname),
                external_hostname: Set(None),
                created_at: Set(Utc::now()),
                sync_checkpoint: Set(None),
                last_sync_at: Set(None),
                last_sync_outcome: Set(None),
                url: Set(config.registry.url.clone()),
                service: Set(Some(service)),
                hostnames: Set(hostnames),
                notification_secret: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    Ok(RegistryId(row.id))
}
