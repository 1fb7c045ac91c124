//! Roles and visibilities are closed sets: the database refuses any other
//! value, so no reader ever has to guess what a stray one means. PostgreSQL
//! checks them with CHECK constraints; SQLite, which cannot add constraints
//! to an existing table, with triggers that abort the statement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, allowed values), as they were when this migration was
/// released; a later change to a set comes as a new migration.
const SETS: &[(&str, &str, &[&str])] = &[
    ("team_members", "role", &["viewer", "contributor", "owner"]),
    (
        "namespaces",
        "visibility",
        &["private", "protected", "public"],
    ),
];

fn allowed(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, column, values) in SETS {
            let values = allowed(values);
            let statements = match db.get_database_backend() {
                DatabaseBackend::Postgres => vec![format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_check CHECK ({column} IN ({values}))"
                )],
                _ => ["INSERT", "UPDATE"]
                    .iter()
                    .map(|event| {
                        let on = if *event == "UPDATE" {
                            format!("UPDATE OF {column}")
                        } else {
                            (*event).to_owned()
                        };
                        format!(
                            "CREATE TRIGGER {table}_{column}_{event}_check BEFORE {on} ON {table} \
                             WHEN NEW.{column} NOT IN ({values}) \
                             BEGIN SELECT RAISE(ABORT, '{table}.{column} must be one of {}'); END",
                            values.replace('\'', "")
                        )
                    })
                    .collect(),
            };
            for statement in statements {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (table, column, _) in SETS {
            let statements = match db.get_database_backend() {
                DatabaseBackend::Postgres => vec![format!(
                    "ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_check"
                )],
                _ => ["INSERT", "UPDATE"]
                    .iter()
                    .map(|event| format!("DROP TRIGGER {table}_{column}_{event}_check"))
                    .collect(),
            };
            for statement in statements {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }
}
