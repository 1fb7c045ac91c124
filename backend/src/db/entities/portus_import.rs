//! One row of a Portus database that `portunus import-portus` brought
//! (created, or linked to what was already here).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portus_imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `user`, `team`, `team_member`, `namespace`, `repository`, `tag`,
    /// `star`, `comment`, `webhook`.
    pub kind: String,
    pub portus_id: i64,
    pub portunus_id: i64,
    /// Matched by name to a row that was here before the import.
    pub linked: bool,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
