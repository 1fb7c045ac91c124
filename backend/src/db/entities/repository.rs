//! A repository: `NAMESPACE/NAME` in the registry (or `NAME` in the global namespace).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repositories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub namespace_id: i64,
    /// The part after the namespace (`app` in `team/app`; may contain slashes).
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    /// When its newest tag was pushed (`MAX(tags.pushed_at)`); none while it
    /// has no tags. Kept by `catalog::repositories` with the tags.
    pub last_pushed_at: Option<DateTimeUtc>,
    /// How many people starred it; kept by triggers on `stars`.
    pub star_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
