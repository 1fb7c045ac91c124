//! The retention rule of one repository: which tags may go, and which stay.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retention_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub repository_id: i64,
    /// Whether the scheduled run applies it (a preview works either way).
    pub enabled: bool,
    pub keep_newest: Option<i32>,
    pub older_than_days: Option<i32>,
    pub tag_pattern: Option<String>,
    pub keep_pulled_within_days: Option<i32>,
    pub updated_at: DateTimeUtc,
    pub updated_by_id: Option<i64>,
    pub last_run_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
