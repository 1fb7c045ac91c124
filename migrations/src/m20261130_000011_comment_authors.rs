//! A comment keeps its author's name as it was when written, so removing
//! the account leaves "who wrote it" in place (as activities do).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    AuthorName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Comments::Table)
                .add_column(string(Comments::AuthorName).default(""))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE comments SET author_name = \
                 (SELECT username FROM users WHERE users.id = comments.user_id) \
                 WHERE user_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Comments::Table)
                .drop_column(Comments::AuthorName)
                .to_owned(),
        )
        .await
    }
}
