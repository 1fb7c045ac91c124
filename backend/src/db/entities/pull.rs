//! One manifest pull through the gateway: who, from where, with what, and
//! what they got.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pulls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub registry_id: i64,
    /// The repository's full name (`acme/app`).
    pub repository: String,
    /// The tag or digest asked for.
    pub reference: String,
    /// The digest the registry answered with.
    pub digest: Option<String>,
    /// The account's name; `None` for an anonymous pull.
    pub account: Option<String>,
    pub address: String,
    /// The client's `User-Agent`, shortened.
    pub client: String,
    pub pulled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
