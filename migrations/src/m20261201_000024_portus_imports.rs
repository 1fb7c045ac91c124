//! What `portunus import-portus` brought from a Portus database: each
//! Portus row (by table and id) and the Portunus row it became or was
//! linked to, so running the import again changes nothing; and for an
//! application token brought from Portus, its bcrypt hash, until its
//! first use stores it as every other token is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortusImports {
    Table,
    Id,
    Kind,
    PortusId,
    PortunusId,
    Linked,
    ImportedAt,
}

#[derive(DeriveIden)]
enum ApplicationTokens {
    Table,
    PortusHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PortusImports::Table)
                .col(big_pk_auto(PortusImports::Id))
                .col(string(PortusImports::Kind))
                .col(big_integer(PortusImports::PortusId))
                .col(big_integer(PortusImports::PortunusId))
                // Matched by name to what was here before: never given
                // Portus's rights or credentials.
                .col(boolean(PortusImports::Linked).default(false))
                .col(timestamp_with_time_zone(PortusImports::ImportedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("portus_imports_row")
                .table(PortusImports::Table)
                .col(PortusImports::Kind)
                .col(PortusImports::PortusId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApplicationTokens::Table)
                .add_column(string_null(ApplicationTokens::PortusHash))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApplicationTokens::Table)
                .drop_column(ApplicationTokens::PortusHash)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(PortusImports::Table).to_owned())
            .await
    }
}
