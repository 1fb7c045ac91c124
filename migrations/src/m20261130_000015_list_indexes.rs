//! Indexes that keep long lists fast (measured in `just bench`, "A large
//! installation"): a user's teams, a repository's latest push, and the
//! audit log's order (time, then id) readable in both directions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    UserId,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    RepositoryId,
    PushedAt,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    CreatedAt,
    Id,
}

/// Each new index: name, table, columns.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("team_members_user")
            .table(TeamMembers::Table)
            .col(TeamMembers::UserId)
            .to_owned(),
        Index::create()
            .name("tags_repository_pushed_at")
            .table(Tags::Table)
            .col(Tags::RepositoryId)
            .col(Tags::PushedAt)
            .to_owned(),
        Index::create()
            .name("activities_created_at_id")
            .table(Activities::Table)
            .col(Activities::CreatedAt)
            .col(Activities::Id)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for index in indexes() {
            m.create_index(index).await?;
        }
        // The new activities index starts with the old one's column.
        m.drop_index(
            Index::drop()
                .name("activities_created_at")
                .table(Activities::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("activities_created_at")
                .table(Activities::Table)
                .col(Activities::CreatedAt)
                .to_owned(),
        )
        .await?;
        let drops = [
            Index::drop()
                .name("team_members_user")
                .table(TeamMembers::Table)
                .to_owned(),
            Index::drop()
                .name("tags_repository_pushed_at")
                .table(Tags::Table)
                .to_owned(),
            Index::drop()
                .name("activities_created_at_id")
                .table(Activities::Table)
                .to_owned(),
        ];
        for drop in drops {
            m.drop_index(drop).await?;
        }
        Ok(())
    }
}
