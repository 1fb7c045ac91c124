//! What several Portunus processes on one database share: leases (which
//! process runs the event processor, the catalog sync, scheduled retention
//! and the directory sync now) and the secrets generated once for all of
//! them (the token signing key and certificate, the notification secret).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAtMs,
}

#[derive(DeriveIden)]
enum SharedSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Leases::Table)
                .col(string(Leases::Name).primary_key())
                .col(string(Leases::Holder))
                .col(big_integer(Leases::ExpiresAtMs))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SharedSecrets::Table)
                .col(string(SharedSecrets::Name).primary_key())
                .col(text(SharedSecrets::Value))
                .col(timestamp_with_time_zone(SharedSecrets::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Leases::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SharedSecrets::Table).to_owned())
            .await
    }
}
