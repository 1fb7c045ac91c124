//! A rule that keeps matching tags on their image once pushed: of one
//! namespace, or of the whole installation (no namespace).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "immutable_tag_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The namespace it protects; `None`: every namespace.
    pub namespace_id: Option<i64>,
    /// A glob (`v*`) or, starting with `^`, a regular expression.
    pub pattern: String,
    /// Whether it protects `latest` too when the pattern matches it.
    pub include_latest: bool,
    pub created_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
