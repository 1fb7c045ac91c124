//! An index of the three-letter pieces of every repository name, so a
//! search for a piece of a name finds its few repositories without reading
//! every name: SQLite keeps an FTS5 table with the trigram tokenizer in
//! step with `repositories` by triggers; PostgreSQL a GIN index of
//! `pg_trgm` over the lower-cased name. Where the `pg_trgm` extension
//! cannot be created (a server without PostgreSQL's contrib modules, or a
//! user without the right to create it), the migration says so in the
//! server's log and searches read every name, as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: the index table, its triggers, then the names already there.
const SQLITE_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE repository_name_trigrams USING fts5(name, \
     content='repositories', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER repository_name_trigrams_insert AFTER INSERT ON repositories BEGIN \
     INSERT INTO repository_name_trigrams (rowid, name) VALUES (NEW.id, NEW.name); END",
    "CREATE TRIGGER repository_name_trigrams_delete AFTER DELETE ON repositories BEGIN \
     INSERT INTO repository_name_trigrams (repository_name_trigrams, rowid, name) \
     VALUES ('delete', OLD.id, OLD.name); END",
    "CREATE TRIGGER repository_name_trigrams_update AFTER UPDATE OF name ON repositories BEGIN \
     INSERT INTO repository_name_trigrams (repository_name_trigrams, rowid, name) \
     VALUES ('delete', OLD.id, OLD.name); \
     INSERT INTO repository_name_trigrams (rowid, name) VALUES (NEW.id, NEW.name); END",
    "INSERT INTO repository_name_trigrams (repository_name_trigrams) VALUES ('rebuild')",
];

const SQLITE_DOWN: [&str; 4] = [
    "DROP TRIGGER repository_name_trigrams_insert",
    "DROP TRIGGER repository_name_trigrams_delete",
    "DROP TRIGGER repository_name_trigrams_update",
    "DROP TABLE repository_name_trigrams",
];

/// PostgreSQL: the extension if it can be had (it is "trusted": a
/// database owner may create it), then the index if the extension is there.
const POSTGRES_UP: [&str; 2] = [
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; \
     EXCEPTION WHEN OTHERS THEN RAISE WARNING \
     'pg_trgm cannot be created (%): searching repository names reads every name', SQLERRM; \
     END $$",
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
     EXECUTE 'CREATE INDEX repository_name_trigrams ON repositories \
     USING gin (lower(name) gin_trgm_ops)'; END IF; END $$",
];

const POSTGRES_DOWN: [&str; 1] = ["DROP INDEX IF EXISTS repository_name_trigrams"];

async fn run(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for statement in statements {
        m.get_connection().execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Postgres {
            run(m, &POSTGRES_UP).await
        } else {
            run(m, &SQLITE_UP).await
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DatabaseBackend::Postgres {
            run(m, &POSTGRES_DOWN).await
        } else {
            run(m, &SQLITE_DOWN).await
        }
    }
}
