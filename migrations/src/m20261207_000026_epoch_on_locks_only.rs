//! Sign-in guards move the authorization epoch only when they lock a name
//! for an address. Migration 18 moved it on every write to
//! `sign_in_guards`: every password checked (each is reserved there first)
//! and every wrong one dropped what every process remembered of token
//! answers, so a flood of wrong passwords slowed everyone's logins. A
//! remembered sign-in is let in without the guard being read only while
//! the epoch stands, so what must move it is a lock being set; counting
//! wrong passwords up to it, and clearing, only allow more or nothing new.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BUMP: &str = "UPDATE authz_epoch SET value = value + 1 WHERE id = 1";

/// Migration 18's triggers on `sign_in_guards`.
const EVERY_WRITE: [&str; 2] = [
    "authz_epoch_sign_in_guards_insert",
    "authz_epoch_sign_in_guards_update",
];

/// (name, event, condition) of the triggers that replace them.
const LOCKS: [(&str, &str, &str); 2] = [
    (
        "authz_epoch_sign_in_guards_lock_insert",
        "INSERT",
        "NEW.locked_at IS NOT NULL",
    ),
    (
        "authz_epoch_sign_in_guards_lock_update",
        "UPDATE OF locked_at",
        "NEW.locked_at IS NOT NULL AND (OLD.locked_at IS NULL OR OLD.locked_at <> NEW.locked_at)",
    ),
];

fn drop_trigger(postgres: bool, name: &str) -> String {
    match postgres {
        true => format!("DROP TRIGGER {name} ON sign_in_guards"),
        false => format!("DROP TRIGGER {name}"),
    }
}

/// A trigger moving the epoch after `event` on `sign_in_guards` when
/// `condition` holds (every time without one), as migration 18 makes them.
fn create_trigger(postgres: bool, name: &str, event: &str, condition: Option<&str>) -> String {
    match (postgres, condition) {
        (true, Some(when)) => format!(
            "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON sign_in_guards \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({when}) \
             EXECUTE FUNCTION authz_epoch_bump()"
        ),
        (true, None) => format!(
            "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON sign_in_guards \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION authz_epoch_bump()"
        ),
        (false, Some(when)) => format!(
            "CREATE TRIGGER {name} AFTER {event} ON sign_in_guards WHEN {when} BEGIN {BUMP}; END"
        ),
        (false, None) => {
            format!("CREATE TRIGGER {name} AFTER {event} ON sign_in_guards BEGIN {BUMP}; END")
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        for name in EVERY_WRITE {
            db.execute_unprepared(&drop_trigger(postgres, name)).await?;
        }
        for (name, event, when) in LOCKS {
            db.execute_unprepared(&create_trigger(postgres, name, event, Some(when)))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let postgres = m.get_database_backend() == DatabaseBackend::Postgres;
        for (name, _, _) in LOCKS {
            db.execute_unprepared(&drop_trigger(postgres, name)).await?;
        }
        for (name, event) in EVERY_WRITE.iter().zip(["INSERT", "UPDATE"]) {
            db.execute_unprepared(&create_trigger(postgres, name, event, None))
                .await?;
        }
        Ok(())
    }
}
