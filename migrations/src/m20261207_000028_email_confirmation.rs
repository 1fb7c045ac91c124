//! E-mail addresses proven by a mailed link. `users.email_verified_at`
//! says when the account's present address was confirmed (absent: never,
//! or it changed since); `email_confirmations` holds the links sent, by
//! the SHA-256 of their secret, each for the one address it was mailed to.
//! Linking a directory sign-in to a local account by address trusts only
//! confirmed addresses, so an address someone typed in at sign-up cannot
//! take over the account the provider's person will get.
//!
//! Addresses an LDAP directory keeps are the directory's word: accounts
//! of it count as confirmed. Addresses of OpenID accounts are confirmed
//! at their next sign-in when the provider says they are verified; every
//! other address stays unconfirmed until its owner follows a link.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailConfirmations {
    Table,
    TokenHash,
    UserId,
    Email,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerifiedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE users SET email_verified_at = updated_at WHERE email IS NOT NULL \
                 AND id IN (SELECT user_id FROM user_identities WHERE provider = 'ldap')",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(EmailConfirmations::Table)
                .col(string(EmailConfirmations::TokenHash).primary_key())
                .col(big_integer(EmailConfirmations::UserId))
                .col(string(EmailConfirmations::Email))
                .col(timestamp_with_time_zone(EmailConfirmations::CreatedAt))
                .col(timestamp_with_time_zone(EmailConfirmations::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailConfirmations::Table, EmailConfirmations::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("email_confirmations_of_user")
                .table(EmailConfirmations::Table)
                .col(EmailConfirmations::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EmailConfirmations::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::EmailVerifiedAt)
                .to_owned(),
        )
        .await
    }
}
