//! The directory entry an account belongs to: an LDAP user (`provider`
//! "ldap", `subject` the lower-cased user name attribute) or an OpenID
//! Connect subject (`provider` "oidc", `issuer` and `sub`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    /// Set when the directory no longer knows the user: the account was
    /// disabled for that reason, and is enabled again when it does.
    pub suspended: bool,
    /// When the directory last confirmed the user.
    pub checked_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
