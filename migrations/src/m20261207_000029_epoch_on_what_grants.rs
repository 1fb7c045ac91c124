//! The authorization epoch (migration 18) moves with what grants access and
//! only with it. Revoking an application token or a refresh token moves it:
//! while the database is away, token requests are answered for pulls from
//! what was verified at the last epoch a process read (`db::epoch`), and a
//! token revoked before that read, through any process, must not be among
//! it. A namespace's repository count (migration 22, kept by triggers on
//! every new and deleted repository) no longer does: it grants nothing, and
//! moving the epoch on every first push made every process read its
//! credentials and namespaces again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BUMP: &str = "UPDATE authz_epoch SET value = value + 1 WHERE id = 1";

/// (trigger, event, table) of the triggers this migration makes.
const MADE: [(&str, &str, &str); 3] = [
    (
        "authz_epoch_application_tokens_delete",
        "DELETE",
        "application_tokens",
    ),
    (
        "authz_epoch_refresh_tokens_delete",
        "DELETE",
        "refresh_tokens",
    ),
    (
        "authz_epoch_namespaces_update_grants",
        "UPDATE OF registry_id, name, team_id, visibility, global, personal_user_id",
        "namespaces",
    ),
];

/// Migration 18's trigger on every update of a namespace.
const EVERY_NAMESPACE_UPDATE: (&str, &str, &str) =
    ("authz_epoch_namespaces_update", "UPDATE", "namespaces");

fn create((name, event, table): (&str, &str, &str), postgres: bool) -> String {
    match postgres {
        true => format!(
            "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION authz_epoch_bump()"
        ),
        false => format!("CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END"),
    }
}

fn drop((name, _, table): (&str, &str, &str), postgres: bool) -> String {
    match postgres {
        true => format!("DROP TRIGGER {name} ON {table}"),
        false => format!("DROP TRIGGER {name}"),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        db.execute_unprepared(&drop(EVERY_NAMESPACE_UPDATE, postgres))
            .await?;
        for trigger in MADE {
            db.execute_unprepared(&create(trigger, postgres)).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        for trigger in MADE {
            db.execute_unprepared(&drop(trigger, postgres)).await?;
        }
        db.execute_unprepared(&create(EVERY_NAMESPACE_UPDATE, postgres))
            .await?;
        Ok(())
    }
}
