//! Display names are unique whatever their case, as user names are: where
//! two accounts share one already, the older account keeps it and the
//! newer shows its user name until it chooses another.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE users SET display_name = NULL WHERE display_name IS NOT NULL AND EXISTS \
             (SELECT 1 FROM users older WHERE LOWER(older.display_name) = LOWER(users.display_name) \
              AND older.id < users.id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX users_display_name_unique ON users (LOWER(display_name))",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX users_display_name_unique")
            .await?;
        Ok(())
    }
}
