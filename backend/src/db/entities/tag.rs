//! A tag of a repository and what it points at: manifest digest, media
//! type, size, layers, creation time, labels and platforms.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub repository_id: i64,
    pub name: String,
    /// Digest of the manifest (or index) the tag points at.
    pub digest: String,
    /// Digest of the image configuration (image id); none for an index.
    pub image_id: Option<String>,
    /// Config plus layers, or for an index the sum over its platforms.
    pub size: i64,
    pub pushed_by_id: Option<i64>,
    pub pushed_at: DateTimeUtc,
    pub pulled_at: Option<DateTimeUtc>,
    pub media_type: String,
    pub layers: i32,
    /// When the image was built, from its configuration.
    pub created_at: Option<DateTimeUtc>,
    pub labels: Option<Json>,
    /// For an index: `[{os, architecture, variant, digest, size}]`.
    pub platforms: Option<Json>,
    pub updated_at: Option<DateTimeUtc>,
    /// The catalog sync pass that last saw this tag (0: only events have).
    pub sync_generation: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
