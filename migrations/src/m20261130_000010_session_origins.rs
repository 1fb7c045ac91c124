//! Where web sessions and refresh tokens come from, so people can tell
//! theirs apart and end the ones they do not recognise: the client (a
//! browser's User-Agent) and address a session started from and when it was
//! last used; the address a refresh token was issued to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Client,
    Address,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Address,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for mut column in [
            string(Sessions::Client).default("").to_owned(),
            string(Sessions::Address).default("").to_owned(),
            timestamp_with_time_zone_null(Sessions::LastUsedAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .add_column(string(RefreshTokens::Address).default(""))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Sessions::Client, Sessions::Address, Sessions::LastUsedAt] {
            m.alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(RefreshTokens::Table)
                .drop_column(RefreshTokens::Address)
                .to_owned(),
        )
        .await
    }
}
