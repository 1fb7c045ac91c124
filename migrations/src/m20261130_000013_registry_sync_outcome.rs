//! When the last catalog sync of each registry ended, and how, for the
//! administrators' view of the registry.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registries {
    Table,
    LastSyncAt,
    LastSyncOutcome,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            timestamp_with_time_zone_null(Registries::LastSyncAt),
            text_null(Registries::LastSyncOutcome),
        ] {
            // One column per statement: SQLite adds one at a time.
            m.alter_table(
                Table::alter()
                    .table(Registries::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Registries::LastSyncAt, Registries::LastSyncOutcome] {
            m.alter_table(
                Table::alter()
                    .table(Registries::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
