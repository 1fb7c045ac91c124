//! A webhook: where Portunus posts what happens in a namespace, or with no
//! namespace, everywhere. Secrets are stored sealed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// None: a global webhook (administrators'), told about every namespace.
    pub namespace_id: Option<i64>,
    pub name: String,
    pub url: String,
    /// The events it is told about, comma-separated (`push,delete`).
    pub events: String,
    pub enabled: bool,
    /// The secret that signs each body (HMAC-SHA256), sealed.
    pub secret_sealed: String,
    /// Extra request headers as a JSON object, sealed.
    pub headers_sealed: Option<String>,
    pub basic_username: Option<String>,
    pub basic_password_sealed: Option<String>,
    pub created_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
