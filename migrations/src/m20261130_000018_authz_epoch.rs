//! The authorization epoch: one counter that every committed change to what
//! token answers depend on (accounts, namespaces, team memberships,
//! directory identities, sign-in locks) moves forward, kept by triggers so
//! that changes from any process count, the command line's and other
//! replicas' too. `db::epoch` reads it to know when what it remembered is
//! stale.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The watched tables and the changes of each that move the epoch. Clearing
/// a sign-in guard only allows more, so only its writes count.
const WATCHED: &[(&str, &[&str])] = &[
    ("users", &["INSERT", "UPDATE", "DELETE"]),
    ("namespaces", &["INSERT", "UPDATE", "DELETE"]),
    ("team_members", &["INSERT", "UPDATE", "DELETE"]),
    ("user_identities", &["INSERT", "UPDATE", "DELETE"]),
    ("sign_in_guards", &["INSERT", "UPDATE"]),
];

const BUMP: &str = "UPDATE authz_epoch SET value = value + 1 WHERE id = 1";

fn trigger_name(table: &str, change: &str) -> String {
    format!("authz_epoch_{table}_{}", change.to_lowercase())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE TABLE authz_epoch (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO authz_epoch (id, value) VALUES (1, 0)")
            .await?;
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        if postgres {
            // Run at commit, after every other lock of the transaction is
            // taken, so waiting for the counter's row cannot deadlock.
            db.execute_unprepared(&format!(
                "CREATE FUNCTION authz_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN {BUMP}; RETURN NULL; END $$"
            ))
            .await?;
        }
        for (table, changes) in WATCHED {
            for change in *changes {
                let name = trigger_name(table, change);
                let sql = if postgres {
                    format!(
                        "CREATE CONSTRAINT TRIGGER {name} AFTER {change} ON {table} \
                         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION authz_epoch_bump()"
                    )
                } else {
                    format!("CREATE TRIGGER {name} AFTER {change} ON {table} BEGIN {BUMP}; END")
                };
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        for (table, changes) in WATCHED {
            for change in *changes {
                let name = trigger_name(table, change);
                let on = if postgres {
                    format!(" ON {table}")
                } else {
                    String::new()
                };
                db.execute_unprepared(&format!("DROP TRIGGER {name}{on}"))
                    .await?;
            }
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION authz_epoch_bump()")
                .await?;
        }
        db.execute_unprepared("DROP TABLE authz_epoch").await?;
        Ok(())
    }
}
