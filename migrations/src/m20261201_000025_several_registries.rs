//! Several registries behind one Portunus: each registry row says where
//! Portunus reaches it (`url`), the service name its tokens carry
//! (`service`, unique), the other names clients reach it by (`hostnames`,
//! a JSON array) and its notification secret, sealed (`notification_secret`;
//! empty for the configured registry, whose secret is the shared one).
//!
//! A user has a personal namespace in every registry, so
//! `namespaces.personal_user_id` is unique per registry instead of once.
//! PostgreSQL drops the constraint; SQLite cannot drop a column's UNIQUE,
//! so its table is rebuilt the way SQLite documents (copy, drop, rename;
//! migrations run with foreign keys off, so dropping the table deletes
//! nothing that refers to it, and are checked before they commit), with its
//! indexes and triggers made again.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registries {
    Table,
    Url,
    Service,
    Hostnames,
    NotificationSecret,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text(Registries::Url).default("").to_owned(),
            text_null(Registries::Service),
            text(Registries::Hostnames).default("[]").to_owned(),
            text_null(Registries::NotificationSecret),
        ] {
            // One column per statement: SQLite adds one at a time.
            m.alter_table(
                Table::alter()
                    .table(Registries::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("registries_service")
                .table(Registries::Table)
                .col(Registries::Service)
                .unique()
                .to_owned(),
        )
        .await?;
        personal_namespace_per_registry(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A personal namespace per user again only where there is one registry.
        for index in ["namespaces_registry_personal", "namespaces_personal_user"] {
            m.drop_index(
                Index::drop()
                    .name(index)
                    .table(Namespaces::Table)
                    .to_owned(),
            )
            .await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(
                    "ALTER TABLE namespaces ADD CONSTRAINT namespaces_personal_user_id_key UNIQUE (personal_user_id)",
                )
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name("registries_service")
                .table(Registries::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            Registries::Url,
            Registries::Service,
            Registries::Hostnames,
            Registries::NotificationSecret,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Registries::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Namespaces {
    Table,
    RegistryId,
    PersonalUserId,
}

/// The columns of `namespaces`, in order, as the SQLite rebuild copies them.
const NAMESPACE_COLUMNS: &str = "id, registry_id, name, team_id, visibility, description, global, personal_user_id, created_at, repository_count";

/// `namespaces` as migrations 1 to 24 left it in SQLite, without the
/// UNIQUE on `personal_user_id`.
const SQLITE_NAMESPACES: &str = r#"CREATE TABLE "namespaces_rebuilt" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "registry_id" integer NOT NULL, "name" varchar NOT NULL, "team_id" integer NOT NULL, "visibility" varchar NOT NULL, "description" text NOT NULL DEFAULT '', "global" boolean NOT NULL DEFAULT FALSE, "personal_user_id" integer NULL, "created_at" timestamp_with_timezone_text NOT NULL, repository_count BIGINT NOT NULL DEFAULT 0, FOREIGN KEY ("registry_id") REFERENCES "registries" ("id") ON DELETE CASCADE, FOREIGN KEY ("team_id") REFERENCES "teams" ("id") ON DELETE RESTRICT, FOREIGN KEY ("personal_user_id") REFERENCES "users" ("id") ON DELETE CASCADE )"#;

async fn personal_namespace_per_registry(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    match m.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "ALTER TABLE namespaces DROP CONSTRAINT IF EXISTS namespaces_personal_user_id_key",
            )
            .await?;
        }
        _ => {
            // The table's indexes and every trigger that names it (also
            // other tables': renaming checks them, and the table is briefly
            // gone), made again after the copy.
            let kept: Vec<(String, String, String)> = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND \
                     ((type = 'index' AND tbl_name = 'namespaces') OR \
                      (type = 'trigger' AND (tbl_name = 'namespaces' OR sql LIKE '%namespaces%')))",
                ))
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get_by_index(0)?,
                        row.try_get_by_index(1)?,
                        row.try_get_by_index(2)?,
                    ))
                })
                .collect::<Result<_, DbErr>>()?;
            for (kind, name, _) in &kept {
                if kind == "trigger" {
                    db.execute_unprepared(&format!("DROP TRIGGER \"{name}\""))
                        .await?;
                }
            }
            db.execute_unprepared(SQLITE_NAMESPACES).await?;
            db.execute_unprepared(&format!(
                "INSERT INTO namespaces_rebuilt ({NAMESPACE_COLUMNS}) SELECT {NAMESPACE_COLUMNS} FROM namespaces"
            ))
            .await?;
            // The highest id ever given, so that the ids of namespaces
            // deleted before are not given again (activities keep them).
            let highest = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT seq FROM sqlite_sequence WHERE name = 'namespaces'",
                ))
                .await?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(0);
            db.execute_unprepared("DROP TABLE namespaces").await?;
            db.execute_unprepared("ALTER TABLE namespaces_rebuilt RENAME TO namespaces")
                .await?;
            db.execute_unprepared(&format!(
                "DELETE FROM sqlite_sequence WHERE name = 'namespaces'; \
                 INSERT INTO sqlite_sequence (name, seq) \
                 SELECT 'namespaces', max({highest}, coalesce(max(id), 0)) FROM namespaces"
            ))
            .await?;
            for (_, _, sql) in kept {
                db.execute_unprepared(&sql).await?;
            }
        }
    }
    for (name, columns) in [
        (
            "namespaces_registry_personal",
            vec![Namespaces::RegistryId, Namespaces::PersonalUserId],
        ),
        ("namespaces_personal_user", vec![Namespaces::PersonalUserId]),
    ] {
        let mut index = Index::create();
        index.name(name).table(Namespaces::Table);
        for column in columns {
            index.col(column);
        }
        if name == "namespaces_registry_personal" {
            index.unique();
        }
        m.create_index(index.to_owned()).await?;
    }
    Ok(())
}
