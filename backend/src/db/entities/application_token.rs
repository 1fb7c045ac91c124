//! An application token: a random secret for scripts and CI, stored only as
//! its SHA-256, optionally expiring and limited to part of the registry.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// `policy::TokenScope` as JSON.
    pub scope: Option<Json>,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A token brought from Portus and not used since: Portus's bcrypt of
    /// the secret (`token_hash` holds a placeholder until the first use).
    pub portus_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
