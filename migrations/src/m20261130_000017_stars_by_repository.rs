//! Stars looked up by repository (how many a repository has, for lists
//! ordered by stars); the existing index starts with the user.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Stars {
    Table,
    RepositoryId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("stars_repository")
                .table(Stars::Table)
                .col(Stars::RepositoryId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("stars_repository")
                .table(Stars::Table)
                .to_owned(),
        )
        .await
    }
}
