//! One entry of the audit log: who did what to which target, when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// Action key such as `user.create` or `auth.sign_in_failed`.
    pub key: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub target_name: String,
    /// The namespace of a namespace or repository target at the time.
    pub namespace_id: Option<i64>,
    pub parameters: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
