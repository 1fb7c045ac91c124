//! Image metadata on tags (media type, layers, creation time, labels,
//! platforms of an index) and the sync generation mark.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tags {
    Table,
    MediaType,
    Layers,
    CreatedAt,
    Labels,
    Platforms,
    UpdatedAt,
    SyncGeneration,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            string(Tags::MediaType).default("").to_owned(),
            integer(Tags::Layers).default(0).to_owned(),
            timestamp_with_time_zone_null(Tags::CreatedAt).to_owned(),
            json_null(Tags::Labels).to_owned(),
            json_null(Tags::Platforms).to_owned(),
            timestamp_with_time_zone_null(Tags::UpdatedAt).to_owned(),
            big_integer(Tags::SyncGeneration).default(0).to_owned(),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Tags::MediaType,
            Tags::Layers,
            Tags::CreatedAt,
            Tags::Labels,
            Tags::Platforms,
            Tags::UpdatedAt,
            Tags::SyncGeneration,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
