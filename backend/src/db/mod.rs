//! The database: connecting (SQLite by default, PostgreSQL by URL), running
//! the migrations, and the sea-orm entities of each table.

pub mod entities;

use portunus_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Connects to `url` and brings the schema up to date.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite has one writer at a time, and a transaction that read before
        // writing fails ("database is locked") when another connection wrote
        // meanwhile. One connection serialises everything instead; reads take
        // microseconds, so this costs little (see BENCHMARKS.md).
        options.max_connections(1).min_connections(1);
    }
    let db = Database::connect(options).await?;
    if url.starts_with("sqlite:") {
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
        )
        .await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}
