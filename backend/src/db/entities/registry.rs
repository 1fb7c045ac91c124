//! A Docker registry that Portunus authorizes for.

use sea_orm::entity::prelude::*;

/// Name of the registry row that the configured `registry.url` describes.
pub const DEFAULT: &str = "default";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub hostname: String,
    pub external_hostname: Option<String>,
    pub created_at: DateTimeUtc,
    /// Where an interrupted catalog sync resumes (JSON), if one was cut short.
    pub sync_checkpoint: Option<String>,
    /// When the last catalog sync ended.
    pub last_sync_at: Option<DateTimeUtc>,
    /// How it ended, in words (`ok: ...` or `failed: ...`).
    pub last_sync_outcome: Option<String>,
    /// Where Portunus reaches the registry's HTTP API.
    pub url: String,
    /// The service name its tokens carry (`aud`); `None` only on rows
    /// from before several registries.
    pub service: Option<String>,
    /// Other names clients reach it by, as a JSON array of `host[:port]`.
    pub hostnames: String,
    /// Its notification secret, sealed; `None` for the configured registry
    /// (its secret is the one every process shares).
    pub notification_secret: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Every registry row by id: a handful, read whole to name the registry
/// of what is listed.
pub async fn all_by_id(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i64, Model>, DbErr> {
    Ok(Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}
