//! Each namespace's number of repositories, kept beside it by triggers on
//! `repositories`, so a list of every repository one may see is counted
//! over namespaces (thousands) instead of repositories (a hundred
//! thousand), and reading names in order passes over empty namespaces
//! without looking for repositories in each.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ADD: &str = "UPDATE namespaces SET repository_count = repository_count + 1 \
                   WHERE id = NEW.namespace_id";
const REMOVE: &str = "UPDATE namespaces SET repository_count = repository_count - 1 \
                      WHERE id = OLD.namespace_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "ALTER TABLE namespaces ADD COLUMN repository_count BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE namespaces SET repository_count = \
             (SELECT COUNT(*) FROM repositories r WHERE r.namespace_id = namespaces.id)",
        )
        .await?;
        if m.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(&format!(
                "CREATE FUNCTION namespaces_count_repositories() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 IF TG_OP IN ('DELETE', 'UPDATE') THEN {REMOVE}; END IF; \
                 IF TG_OP IN ('INSERT', 'UPDATE') THEN {ADD}; END IF; \
                 RETURN NULL; END $$"
            ))
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER repositories_counted \
                 AFTER INSERT OR DELETE OR UPDATE OF namespace_id ON repositories \
                 FOR EACH ROW EXECUTE FUNCTION namespaces_count_repositories()",
            )
            .await?;
        } else {
            for statement in [
                format!(
                    "CREATE TRIGGER repositories_counted_insert AFTER INSERT ON repositories \
                     BEGIN {ADD}; END"
                ),
                format!(
                    "CREATE TRIGGER repositories_counted_delete AFTER DELETE ON repositories \
                     BEGIN {REMOVE}; END"
                ),
                format!(
                    "CREATE TRIGGER repositories_counted_move AFTER UPDATE OF namespace_id \
                     ON repositories BEGIN {REMOVE}; {ADD}; END"
                ),
            ] {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let drops: &[&str] = if m.get_database_backend() == DatabaseBackend::Postgres {
            &[
                "DROP TRIGGER repositories_counted ON repositories",
                "DROP FUNCTION namespaces_count_repositories()",
            ]
        } else {
            &[
                "DROP TRIGGER repositories_counted_insert",
                "DROP TRIGGER repositories_counted_delete",
                "DROP TRIGGER repositories_counted_move",
            ]
        };
        for drop in drops {
            db.execute_unprepared(drop).await?;
        }
        db.execute_unprepared("ALTER TABLE namespaces DROP COLUMN repository_count")
            .await?;
        Ok(())
    }
}
