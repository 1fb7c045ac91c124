//! A notification event received from a registry, stored before it is
//! acknowledged and de-duplicated by the registry's event id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registry_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub event_id: String,
    pub registry_id: Option<i64>,
    pub action: String,
    /// The event exactly as the registry sent it (JSON).
    pub payload: String,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
    pub error: Option<String>,
    /// The request host of an event held because it names no known
    /// registry; such events wait until the host is configured.
    pub held_host: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
