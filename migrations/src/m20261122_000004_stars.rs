//! Stars: users marking repositories they care about.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Stars {
    Table,
    Id,
    UserId,
    RepositoryId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Stars::Table)
                .col(big_pk_auto(Stars::Id))
                .col(big_integer(Stars::UserId))
                .col(big_integer(Stars::RepositoryId))
                .col(timestamp_with_time_zone(Stars::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Stars::Table, Stars::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Stars::Table, Stars::RepositoryId)
                        .to(Repositories::Table, Repositories::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stars_user_repository")
                .table(Stars::Table)
                .col(Stars::UserId)
                .col(Stars::RepositoryId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Stars::Table).to_owned())
            .await
    }
}
