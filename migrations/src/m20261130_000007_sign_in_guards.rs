//! Wrong passwords are counted per user name and client address (so one
//! client cannot lock an account for everyone, and an unknown name is
//! counted like a known one) instead of on the user row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInGuards {
    Table,
    Username,
    Address,
    Failures,
    LockedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FailedAttempts,
    LockedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignInGuards::Table)
                .col(string(SignInGuards::Username))
                .col(string(SignInGuards::Address))
                .col(integer(SignInGuards::Failures))
                .col(timestamp_with_time_zone_null(SignInGuards::LockedAt))
                .col(timestamp_with_time_zone(SignInGuards::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(SignInGuards::Username)
                        .col(SignInGuards::Address),
                )
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters one thing at a time.
        for column in [Users::FailedAttempts, Users::LockedAt] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::FailedAttempts).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::LockedAt))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(SignInGuards::Table).to_owned())
            .await
    }
}
