//! Accounts from directories: which LDAP entry or OpenID subject an account
//! belongs to, and the OpenID Connect sign-ins in progress (so any replica
//! can finish one another began).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Id,
    UserId,
    Provider,
    Issuer,
    Subject,
    Suspended,
    CheckedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    StateHash,
    BrowserHash,
    Nonce,
    PkceVerifier,
    ReturnTo,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(UserIdentities::Table)
                .col(big_pk_auto(UserIdentities::Id))
                .col(big_integer(UserIdentities::UserId))
                .col(string(UserIdentities::Provider))
                .col(string(UserIdentities::Issuer))
                .col(string(UserIdentities::Subject))
                .col(boolean(UserIdentities::Suspended).default(false))
                .col(timestamp_with_time_zone(UserIdentities::CheckedAt))
                .col(timestamp_with_time_zone(UserIdentities::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserIdentities::Table, UserIdentities::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("user_identities_by_subject")
                .table(UserIdentities::Table)
                .unique()
                .col(UserIdentities::Provider)
                .col(UserIdentities::Issuer)
                .col(UserIdentities::Subject)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("user_identities_by_user")
                .table(UserIdentities::Table)
                .col(UserIdentities::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcLogins::Table)
                .col(string(OidcLogins::StateHash).primary_key())
                .col(string(OidcLogins::BrowserHash))
                .col(string(OidcLogins::Nonce))
                .col(string(OidcLogins::PkceVerifier))
                .col(string(OidcLogins::ReturnTo))
                .col(timestamp_with_time_zone(OidcLogins::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OidcLogins::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UserIdentities::Table).to_owned())
            .await
    }
}
