//! The database: connecting (SQLite by default, PostgreSQL by URL), running
//! the migrations, and the sea-orm entities of each table.

pub mod entities;

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
        options.max_connections(8);
    }
    let db = Database::connect(options).await?;
    if url.starts_with("sqlite:") {
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
        )
        .await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
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
