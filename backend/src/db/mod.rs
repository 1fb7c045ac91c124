//! The database: connecting (SQLite by default, PostgreSQL by URL), running
//! the migrations, and the sea-orm entities of each table.

pub mod entities;
pub mod filters;
pub mod paging;

pub use paging::Paging;

use portunus_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, TransactionTrait,
};

/// Connects to `url` and brings the schema up to date.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // Per connection of the pool, not just the first one.
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(std::time::Duration::from_secs(5))
                .foreign_keys(true)
        });
    }
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Several processes starting at once must not migrate side by side.
        let txn = db.begin().await?;
        serialize(&txn, locks::MIGRATIONS).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
    } else {
        Migrator::up(&db, None).await?;
    }
    Ok(db)
}

/// Makes concurrent transactions that pass the same `key` run one after the
/// other (for checks that must see each other's writes, such as "is there
/// an administrator yet?"). SQLite writers are serialised already; on
/// PostgreSQL this takes a transaction-scoped advisory lock.
pub async fn serialize(txn: &DatabaseTransaction, key: i64) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// Advisory lock keys, one per kind of serialised check.
pub mod locks {
    /// Creating accounts: the first account becomes the administrator.
    pub const ACCOUNTS: i64 = 0x706f_7274_0001;
    /// Running the migrations.
    pub const MIGRATIONS: i64 = 0x706f_7274_0003;
    /// Creating the rows every installation needs, at start.
    pub const BOOTSTRAP: i64 = 0x706f_7274_0002;
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// first (a statement that writes nothing), as `BEGIN IMMEDIATE` would: a
/// transaction that read first and then wrote would fail with "database is
/// locked" whenever another connection wrote in between, where waiting for
/// the lock up front lets the busy timeout serialise writers.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        txn.execute_unprepared("UPDATE registries SET id = id WHERE 0 = 1")
            .await?;
    }
    Ok(txn)
}
