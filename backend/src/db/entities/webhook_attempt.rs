//! One attempt of a webhook delivery: when, what the receiver answered (or
//! why there was no answer) and how long it took. A delivery's attempts
//! go with it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    /// 1 for the first attempt.
    pub number: i32,
    pub attempted_at: DateTimeUtc,
    pub response_status: Option<i32>,
    /// The start of the receiver's answer (1 KiB).
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
