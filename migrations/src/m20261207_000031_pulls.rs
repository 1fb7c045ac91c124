//! Who pulled what, as the gateway saw it: each manifest GET or HEAD that
//! the registry answered, with the account (none: anonymous), the client's
//! address and program, the reference asked for and the digest answered.
//! Kept `gateway.keep_pulls_days`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Pulls {
    Table,
    Id,
    RegistryId,
    Repository,
    Reference,
    Digest,
    Account,
    Address,
    Client,
    PulledAt,
}

#[derive(DeriveIden)]
enum Registries {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Pulls::Table)
                .col(big_pk_auto(Pulls::Id))
                .col(big_integer(Pulls::RegistryId))
                .col(string(Pulls::Repository))
                .col(string(Pulls::Reference))
                .col(string_null(Pulls::Digest))
                .col(string_null(Pulls::Account))
                .col(string(Pulls::Address))
                .col(string(Pulls::Client))
                .col(timestamp_with_time_zone(Pulls::PulledAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Pulls::Table, Pulls::RegistryId)
                        .to(Registries::Table, Registries::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("pulls_of_repository")
                .table(Pulls::Table)
                .col(Pulls::RegistryId)
                .col(Pulls::Repository)
                .col(Pulls::PulledAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("pulls_by_time")
                .table(Pulls::Table)
                .col(Pulls::PulledAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Pulls::Table).to_owned())
            .await
    }
}
