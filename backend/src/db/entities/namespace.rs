//! A namespace: the first path component of repository names, owned by a team.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "namespaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub registry_id: i64,
    pub name: String,
    pub team_id: i64,
    /// `private`, `protected` or `public`.
    pub visibility: String,
    pub description: String,
    pub global: bool,
    /// Set on a user's personal namespace.
    pub personal_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// How many repositories it holds, kept by triggers on `repositories`.
    pub repository_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Who may see the namespace; a stored value outside the set is an error.
    pub fn visibility(&self) -> Result<portunus_shared::domain::Visibility, DbErr> {
        super::stored("namespaces.visibility", &self.visibility)
    }
}
