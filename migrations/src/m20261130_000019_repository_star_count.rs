//! Each repository's number of stars, kept beside it by triggers on
//! `stars` (so starring, unstarring and the stars that go with a removed
//! account all count), so lists ordered by stars read an index instead of
//! counting every repository's stars.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "ALTER TABLE repositories ADD COLUMN star_count BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE repositories SET star_count = \
             (SELECT COUNT(*) FROM stars s WHERE s.repository_id = repositories.id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX repositories_star_count ON repositories (star_count, id)",
        )
        .await?;
        let add =
            "UPDATE repositories SET star_count = star_count + 1 WHERE id = NEW.repository_id";
        let remove =
            "UPDATE repositories SET star_count = star_count - 1 WHERE id = OLD.repository_id";
        if m.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION repositories_count_stars() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF TG_OP = 'INSERT' THEN {add}; ELSE {remove}; END IF; RETURN NULL; END $$"
            ))
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER stars_counted AFTER INSERT OR DELETE ON stars \
                 FOR EACH ROW EXECUTE FUNCTION repositories_count_stars()",
            )
            .await?;
        } else {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER stars_counted_insert AFTER INSERT ON stars BEGIN {add}; END"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER stars_counted_delete AFTER DELETE ON stars BEGIN {remove}; END"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER stars_counted ON stars")
                .await?;
            db.execute_unprepared("DROP FUNCTION repositories_count_stars()")
                .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER stars_counted_insert")
                .await?;
            db.execute_unprepared("DROP TRIGGER stars_counted_delete")
                .await?;
        }
        db.execute_unprepared("DROP INDEX repositories_star_count")
            .await?;
        db.execute_unprepared("ALTER TABLE repositories DROP COLUMN star_count")
            .await?;
        Ok(())
    }
}
