//! An OAuth2 refresh token (docker's identity token), stored as SHA-256.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The service (registry) it was issued for; it works for no other.
    pub service: String,
    pub client_id: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// SHA-256 of the user's password hash when issued: a password change
    /// revokes every refresh token at once.
    pub password_digest: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    /// The client address it was issued to.
    pub address: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
