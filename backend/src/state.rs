//! Everything a request handler needs, built once at start.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use crate::config::Config;
use crate::credentials::CredentialCache;
use crate::db;
use crate::db::entities::registry;
use crate::error::{Error, Result};
use crate::registry::RegistryClient;
use crate::secrets;
use crate::signing::TokenSigner;

/// Name of the registry row that the configured `registry.url` describes.
pub const DEFAULT_REGISTRY: &str = "default";

pub struct AppState {
    pub config: Config,
    pub db: DatabaseConnection,
    pub signer: Arc<TokenSigner>,
    pub registry: RegistryClient,
    pub credentials: CredentialCache,
    /// Id of the configured registry's row.
    pub registry_id: i64,
    pub notification_secret: String,
    /// Wakes the registry event processor when new events are stored.
    pub events_waiting: tokio::sync::Notify,
    pub metrics: crate::metrics::Metrics,
    /// Every name the registry is known by (`Config::registry_hostnames`),
    /// worked out once rather than for each registry event.
    pub registry_names: Vec<String>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Prepares keys and secrets, connects and migrates the database, and
    /// makes sure the configured registry is known.
    pub async fn init(config: Config) -> Result<SharedState> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::Internal(format!(
                "cannot create data_dir {}: {e}",
                config.data_dir.display()
            ))
        })?;
        let signer = Arc::new(
            TokenSigner::load_or_generate(&config).map_err(|e| Error::Internal(e.to_string()))?,
        );
        let registry =
            RegistryClient::new(&config.registry.url, signer.clone(), config.token.clone());
        let notification_secret = notification_secret(&config)?;
        let db = db::connect(&config.database_url()).await?;
        // Several processes may start at once on an empty database.
        let txn = db::begin_write(&db).await?;
        db::serialize(&txn, db::locks::BOOTSTRAP).await?;
        let registry_id = ensure_registry(&txn, &config).await?;
        crate::namespaces::ensure_global(&txn, registry_id).await?;
        txn.commit().await?;
        let registry_names = config.registry_hostnames();
        Ok(Arc::new(AppState {
            config,
            db,
            signer,
            registry,
            credentials: CredentialCache::new(Duration::from_secs(300), 10_000),
            registry_id,
            notification_secret,
            events_waiting: tokio::sync::Notify::new(),
            metrics: crate::metrics::Metrics::default(),
            registry_names,
        }))
    }
}

/// The configured notification secret, or the generated one in `data_dir`.
pub fn notification_secret(config: &Config) -> Result<String> {
    if !config.registry.notification_secret.is_empty() {
        return Ok(config.registry.notification_secret.clone());
    }
    let path = config.notification_secret_path();
    secrets::load_or_create_secret(&path)
        .map_err(|e| Error::Internal(format!("cannot read or create {}: {e}", path.display())))
}

async fn ensure_registry(db: &impl ConnectionTrait, config: &Config) -> Result<i64> {
    let hostname = config.registry_host();
    let existing = registry::Entity::find()
        .filter(registry::Column::Name.eq(DEFAULT_REGISTRY))
        .one(db)
        .await?;
    let row = match existing {
        Some(row) if row.hostname == hostname => row,
        Some(row) => {
            let mut active: registry::ActiveModel = row.into();
            active.hostname = Set(hostname);
            active.update(db).await?
        }
        None => {
            registry::ActiveModel {
                name: Set(DEFAULT_REGISTRY.into()),
                hostname: Set(hostname),
                external_hostname: Set(None),
                created_at: Set(Utc::now()),
                sync_checkpoint: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    Ok(row.id)
}
