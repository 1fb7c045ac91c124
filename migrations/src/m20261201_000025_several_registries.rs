//! Several registries behind one Portunus: each registry row says where
//! Portunus reaches it (`url`), the service name its tokens carry
//! (`service`, unique), the other names clients reach it by (`hostnames`,
//! a JSON array) and its notification secret, sealed (`notification_secret`;
//! empty for the configured registry, whose secret is the shared one).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registries {
    Table,
    Url,
    Service,
    Hostnames,
    NotificationSecret,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text(Registries::Url).default("").to_owned(),
            text_null(Registries::Service),
            text(Registries::Hostnames).default("[]").to_owned(),
            text_null(Registries::NotificationSecret),
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
        m.create_index(
            Index::create()
                .name("registries_service")
                .table(Registries::Table)
                .col(Registries::Service)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("registries_service")
                .table(Registries::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            Registries::Url,
            Registries::Service,
            Registries::Hostnames,
            Registries::NotificationSecret,
        ] {
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
