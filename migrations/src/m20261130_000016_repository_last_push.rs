//! Each repository's latest push, kept beside it (`catalog::repositories`
//! updates it with its tags) so lists ordered by it read an index instead
//! of every repository's tags.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Repositories {
    Table,
    LastPushedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Repositories::Table)
                .add_column(timestamp_with_time_zone_null(Repositories::LastPushedAt))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE repositories SET last_pushed_at = \
             (SELECT MAX(t.pushed_at) FROM tags t WHERE t.repository_id = repositories.id)",
        )
        .await?;
        // Newest first with the never pushed last, as lists read it. SQLite
        // sorts NULL lowest (so last when descending) and has no NULLS clause.
        let index = match m.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "(last_pushed_at DESC NULLS LAST)",
            _ => "(last_pushed_at DESC)",
        };
        db.execute_unprepared(&format!(
            "CREATE INDEX repositories_last_pushed_at ON repositories {index}"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("repositories_last_pushed_at")
                .table(Repositories::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Repositories::Table)
                .drop_column(Repositories::LastPushedAt)
                .to_owned(),
        )
        .await
    }
}
