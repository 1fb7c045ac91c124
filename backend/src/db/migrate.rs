//! Bringing a database's schema up to date, as every start and `portunus
//! migrate` do: which migrations it has had and which it lacks, and a
//! [`Session`] that applies them one after the other inside one
//! transaction, which one process at a time holds, so that an upgrade that
//! fails changes nothing.

use std::time::{Duration, Instant};

use portunus_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseExecutor, DatabaseTransaction, DbErr, Statement, TransactionTrait,
};

use super::{locks, serialize};

/// How the database's schema compares with this build's migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// Migrations this build knows that the database has not had, in the
    /// order they run.
    pub pending: Vec<String>,
    /// Migrations the database has had that this build does not know: a
    /// newer Portunus migrated it.
    pub unknown: Vec<String>,
}

impl SchemaState {
    /// The refusal to migrate a database a newer Portunus has migrated.
    fn newer(&self) -> DbErr {
        DbErr::Migration(format!(
            "a newer Portunus migrated this database (it has had {}, which this build does not know): \
             run that release or a newer one, or restore the backup taken before the upgrade",
            self.unknown.join(", ")
        ))
    }
}

/// Every migration this build knows, in the order they run.
pub fn known() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Reads which migrations the database has had; creates nothing, and a
/// database without the migrations' own table has had none.
pub async fn schema_state<C: ConnectionTrait>(db: &C) -> Result<SchemaState, DbErr> {
    let backend = db.get_database_backend();
    let recorded = match backend {
        DatabaseBackend::Postgres => {
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'"
        }
        _ => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
        }
    };
    let exists = db
        .query_one_raw(Statement::from_string(backend, recorded))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0)
        > 0;
    let applied: std::collections::HashSet<String> = if exists {
        db.query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()?
    } else {
        Default::default()
    };
    let known = known();
    let mut unknown: Vec<String> = applied
        .iter()
        .filter(|name| !known.contains(name))
        .cloned()
        .collect();
    unknown.sort();
    Ok(SchemaState {
        pending: known
            .into_iter()
            .filter(|name| !applied.contains(name))
            .collect(),
        unknown,
    })
}

/// One migration, applied.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its place among those this session applies, from 1.
    pub number: usize,
    /// How many this session applies.
    pub of: usize,
    pub name: String,
    pub took: Duration,
}

/// Says each migration in the log, as a starting server applies it.
pub fn log_step(step: &Step) {
    tracing::info!(
        migration = %step.name,
        took_ms = step.took.as_millis() as u64,
        "applied migration {} of {}",
        step.number,
        step.of
    );
}

/// The transaction migrations run in: taken by one process at a time
/// (PostgreSQL: an advisory lock; SQLite: `BEGIN IMMEDIATE`, the write
/// lock before the schema is read), committed only when every migration
/// applied and, on SQLite, every row still refers to rows that exist.
pub struct Session {
    open: Open,
}

enum Open {
    /// A connection of its own with foreign keys off, as SQLite's way of
    /// changing a table (copy, drop, rename) needs: dropping a table would
    /// otherwise delete what refers to it.
    Sqlite(DatabaseConnection),
    Postgres(DatabaseTransaction),
}

impl Session {
    /// Begins a session on the database at `url` (a SQLite file or
    /// PostgreSQL), waiting for any other process's to end.
    pub async fn begin(url: &str) -> Result<Session, DbErr> {
        if url.starts_with("sqlite:") {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .sqlx_logging(false)
                .max_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .busy_timeout(Duration::from_secs(120))
                        .foreign_keys(false)
                });
            let conn = Database::connect(options).await?;
            conn.execute_unprepared("BEGIN IMMEDIATE").await?;
            Ok(Session {
                open: Open::Sqlite(conn),
            })
        } else {
            let mut options = ConnectOptions::new(url.to_owned());
            options.sqlx_logging(false).max_connections(1);
            let db = Database::connect(options).await?;
            Self::on(&db).await
        }
    }

    /// Begins a session on a pool already open to PostgreSQL.
    ///
    /// The session checks deferrable constraints and runs deferred triggers
    /// (the authorization epoch's) at the end of each statement instead of
    /// at commit: PostgreSQL refuses to alter a table that still has
    /// trigger events pending, and a migration that updates rows of a
    /// watched table before a later one alters it would otherwise fail on
    /// every database that has such rows.
    pub async fn on(db: &DatabaseConnection) -> Result<Session, DbErr> {
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            return Err(DbErr::Migration(
                "a SQLite session needs a connection of its own: use Session::begin".into(),
            ));
        }
        let txn = db.begin().await?;
        serialize(&txn, locks::MIGRATIONS).await?;
        txn.execute_unprepared("SET CONSTRAINTS ALL IMMEDIATE")
            .await?;
        Ok(Session {
            open: Open::Postgres(txn),
        })
    }

    /// The session's connection, for reading (and, in tests, writing)
    /// inside its transaction.
    pub fn connection(&self) -> DatabaseExecutor<'_> {
        match &self.open {
            Open::Sqlite(conn) => conn.into(),
            Open::Postgres(txn) => txn.into(),
        }
    }

    /// Which migrations the database lacks, as seen inside the session.
    pub async fn state(&self) -> Result<SchemaState, DbErr> {
        schema_state(&self.connection()).await
    }

    /// Applies the pending migrations in order, at most `limit` of them,
    /// calling `on_step` after each; answers their names. Refuses a
    /// database a newer Portunus has migrated.
    pub async fn apply(
        &self,
        limit: Option<usize>,
        on_step: &mut (dyn FnMut(&Step) + Send),
    ) -> Result<Vec<String>, DbErr> {
        let state = self.state().await?;
        if !state.unknown.is_empty() {
            return Err(state.newer());
        }
        let mut chosen = state.pending;
        chosen.truncate(limit.unwrap_or(usize::MAX));
        for (index, name) in chosen.iter().enumerate() {
            let began = Instant::now();
            Migrator::up(self.connection(), Some(1))
                .await
                .map_err(|e| DbErr::Migration(format!("migration {name} failed: {e}")))?;
            on_step(&Step {
                number: index + 1,
                of: chosen.len(),
                name: name.clone(),
                took: began.elapsed(),
            });
        }
        Ok(chosen)
    }

    /// Makes what the session did last, after checking (SQLite) that no
    /// row refers to a row that does not exist.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.open {
            Open::Sqlite(conn) => {
                let held = foreign_keys_hold(&conn).await;
                let end = if held.is_ok() { "COMMIT" } else { "ROLLBACK" };
                conn.execute_unprepared(end).await?;
                conn.close().await?;
                held
            }
            Open::Postgres(txn) => txn.commit().await,
        }
    }

    /// Undoes everything the session did.
    pub async fn rollback(self) -> Result<(), DbErr> {
        match self.open {
            Open::Sqlite(conn) => {
                conn.execute_unprepared("ROLLBACK").await?;
                conn.close().await
            }
            Open::Postgres(txn) => txn.rollback().await,
        }
    }

    /// Applies every pending migration and commits; or, if one fails,
    /// changes nothing and says which.
    pub async fn run(self, on_step: &mut (dyn FnMut(&Step) + Send)) -> Result<Vec<String>, DbErr> {
        match self.apply(None, on_step).await {
            Ok(applied) => {
                self.commit().await?;
                Ok(applied)
            }
            Err(e) => {
                // The migration's own error is the one to tell.
                let _ = self.rollback().await;
                Err(e)
            }
        }
    }
}

/// Refuses when a row refers to one that does not exist.
async fn foreign_keys_hold(conn: &DatabaseConnection) -> Result<(), DbErr> {
    let broken = conn
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    match broken.first() {
        None => Ok(()),
        Some(row) => Err(DbErr::Migration(format!(
            "the migrated database has {} row(s) referring to rows that do not exist (first in table {:?}); nothing was changed",
            broken.len(),
            row.try_get_by_index::<String>(0).unwrap_or_default()
        ))),
    }
}

/// Which migrations the database at `url` lacks, changing nothing: a SQLite
/// file is opened read-only, and one that does not exist yet lacks them all.
pub async fn plan(url: &str) -> Result<SchemaState, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).max_connections(1);
    if url.starts_with("sqlite:") {
        let file = sqlite_file(url)?;
        if !file.exists() {
            return Ok(SchemaState {
                pending: known(),
                unknown: Vec::new(),
            });
        }
        options.map_sqlx_sqlite_opts(|o| o.read_only(true).create_if_missing(false));
    }
    let db = Database::connect(options).await?;
    let state = schema_state(&db).await;
    db.close().await?;
    state
}

/// The file a SQLite URL names.
pub fn sqlite_file(url: &str) -> Result<std::path::PathBuf, DbErr> {
    use std::str::FromStr;
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(|e| DbErr::Custom(format!("not a SQLite URL ({url}): {e}")))?;
    Ok(options.get_filename().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_plan_changes_nothing_and_a_missing_file_lacks_every_migration() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("p.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let plan = plan(&url).await.expect("a plan");
        assert_eq!(plan.pending, known());
        assert!(!file.exists(), "a dry run creates no database");

        let (db, applied) = super::super::connect_and_migrate(&url, &mut |_| {})
            .await
            .expect("migrated");
        assert_eq!(applied, known());
        db.close().await.expect("closed");
        assert_eq!(plan_of(&url).await, SchemaState::default());
    }

    async fn plan_of(url: &str) -> SchemaState {
        plan(url).await.expect("a plan")
    }

    #[tokio::test]
    async fn a_database_a_newer_release_migrated_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("n.db").display());
        let db = super::super::connect(&url).await.expect("migrated");
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000099_future', 0)",
        )
        .await
        .expect("a migration from the future");
        db.close().await.expect("closed");
        let future = vec!["m20991231_000099_future".to_owned()];
        assert_eq!(plan_of(&url).await.unknown, future);

        let session = Session::begin(&url).await.expect("a session");
        let refused = session.run(&mut |_| {}).await.expect_err("refused");
        assert!(
            refused
                .to_string()
                .contains("a newer Portunus migrated this database")
                && refused.to_string().contains("m20991231_000099_future"),
            "{refused}"
        );
        let refused = super::super::connect(&url)
            .await
            .expect_err("refused at start");
        assert!(refused.to_string().contains("newer Portunus"), "{refused}");
    }
}
