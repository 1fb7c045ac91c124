//! The database: connecting (SQLite by default, PostgreSQL by URL), running
//! the migrations, and the sea-orm entities of each table.

pub mod entities;
pub mod epoch;
pub mod filters;
pub mod ids;
pub mod leases;
pub mod migrate;
pub mod paging;
pub mod people;
pub mod watch;

pub use migrate::{SchemaState, schema_state};
pub use paging::Paging;

use portunus_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, QueryResult, Statement, TransactionTrait,
};

/// Connects to `url` and brings the schema up to date, saying each
/// migration it applies in the log.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    // Boxed: the migrations' futures are deep, and every caller's would
    // carry them.
    let (db, _) = Box::pin(connect_and_migrate(url, &mut migrate::log_step)).await?;
    Ok(db)
}

/// Longest a request waits for a connection to a PostgreSQL server.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

/// [`connect`], calling `on_step` after each migration applied; also
/// answers their names.
pub async fn connect_and_migrate(
    url: &str,
    on_step: &mut (dyn FnMut(&migrate::Step) + Send),
) -> Result<(DatabaseConnection, Vec<String>), DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false);
    if url.starts_with("postgres") {
        // A request waits this long at most for a connection: a database
        // server that stops answering is a 503 within seconds, not a
        // client held for the pool's default half minute.
        options.acquire_timeout(ACQUIRE_TIMEOUT);
    }
    if url.starts_with("sqlite:") {
        // Per connection of the pool, not just the first one.
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(std::time::Duration::from_secs(5))
                .foreign_keys(true)
                // Checkpoints run in `upkeep`, not in the commit of
                // whichever request fills the log.
                .pragma("wal_autocheckpoint", "0")
        });
    }
    // Several processes starting at once (replicas, or `portunus user ...`
    // beside a starting server) must not migrate side by side: a session
    // is one process's at a time.
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut applied = Vec::new();
    if url.starts_with("sqlite:") && !memory {
        let session = while_busy(|| migrate::Session::begin(url)).await?;
        applied = session.run(on_step).await?;
    }
    let db = while_busy(|| Database::connect(options.clone())).await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        applied = migrate::Session::on(&db).await?.run(on_step).await?;
    } else if memory {
        Migrator::up(&db, None).await?;
    }
    Ok((db, applied))
}

/// Runs `attempt` again while SQLite answers "database is locked" without
/// waiting its busy timeout (it does so to a connection opening while
/// another process switches a new file to its write-ahead log), for at
/// most five seconds.
async fn while_busy<T, F, Fut>(mut attempt: F) -> Result<T, DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    for _ in 0..50 {
        match attempt().await {
            Err(e) if e.to_string().contains("database is locked") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            answer => return answer,
        }
    }
    attempt().await
}

/// What a SQLite database needs now and then, for as long as the server
/// runs (nothing on PostgreSQL): its write-ahead log copied back into the
/// database file every second, off the path of any commit (which would
/// otherwise do it whenever the log reaches 1,000 pages), so that the log
/// starts again from its beginning (a log that only grows makes every
/// commit's sync slower: one event at a time, 790 -> 1,140 stored per
/// second), without holding writers back ([`checkpoint`]); and its query
/// planner's statistics refreshed at start and every hour (`PRAGMA
/// optimize`), as the SQLite documentation advises for long-lived
/// connections. Restarting the log waits for readers while holding writers
/// back, so it runs on a connection of its own that waits at most
/// [`CHECKPOINT_PATIENCE`] and otherwise tries again a second later.
pub async fn upkeep(url: String) {
    if !url.starts_with("sqlite:") {
        return;
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(CHECKPOINT_PATIENCE));
    let db = match Database::connect(options).await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!(error = %e, "cannot open SQLite for its upkeep; its log is checkpointed by commits");
            return;
        }
    };
    const OPTIMIZE_EVERY: u32 = 3600;
    let mut ticks = 0u32;
    loop {
        if ticks.is_multiple_of(OPTIMIZE_EVERY)
            && let Err(e) = db.execute_unprepared("PRAGMA optimize=0x10002").await
        {
            tracing::warn!(error = %e, "cannot refresh SQLite's query statistics");
        }
        checkpoint(&db).await;
        ticks = ticks.wrapping_add(1);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Says in the log, at start, when PostgreSQL has no trigram index of
/// repository names (migration 21 could not create `pg_trgm`): searching
/// repository names then reads every name.
pub async fn warn_without_name_index(db: &DatabaseConnection) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let indexed = Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT 1 FROM pg_indexes WHERE indexname = 'repository_name_trigrams'",
    );
    if let Ok(None) = db.query_one_raw(indexed).await {
        tracing::warn!(
            "repository names have no trigram index (PostgreSQL's pg_trgm extension could not \
             be created), so search reads every name: as a superuser or the database owner, run \
             CREATE EXTENSION pg_trgm; CREATE INDEX repository_name_trigrams ON repositories \
             USING gin (lower(name) gin_trgm_ops);"
        );
    }
}

/// Copies SQLite's log into the database file without holding writers
/// back (`PASSIVE`): the next writer then starts the log from its
/// beginning, unless a reader still reads from it. A log that has grown past
/// [`LONG_LOG_PAGES`] all the same (readers were always there) is
/// restarted (`RESTART`), which holds writers back while it waits.
async fn checkpoint(db: &DatabaseConnection) {
    let passive = Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA wal_checkpoint(PASSIVE)");
    let log_pages = match db.query_one_raw(passive).await {
        Ok(Some(row)) => row.try_get_by_index::<i64>(1).unwrap_or(0),
        Ok(None) => 0,
        Err(e) => {
            tracing::debug!(error = %e, "SQLite's log was not checkpointed; next second");
            return;
        }
    };
    if log_pages > LONG_LOG_PAGES
        && let Err(e) = db
            .execute_unprepared("PRAGMA wal_checkpoint(RESTART)")
            .await
    {
        tracing::debug!(error = %e, "SQLite's log was not restarted; next second");
    }
}

/// Pages (of 4 KiB) of log that a restart is worth holding writers back for.
const LONG_LOG_PAGES: i64 = 4_096;

/// How long the log's restart may hold writers back waiting for readers.
const CHECKPOINT_PATIENCE: std::time::Duration = std::time::Duration::from_millis(20);

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
/// the lock up front lets the busy timeout serialise writers. Writers of
/// this process wait their turn in a queue first: SQLite's own wait for a
/// busy lock sleeps in growing steps (up to 100 ms), a queue hands the turn
/// over the moment the last writer is done.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = write_turn(db).await;
    let txn = db.begin().await?;
    if turn.is_some() {
        txn.execute_unprepared("UPDATE registries SET id = id WHERE 0 = 1")
            .await?;
    }
    Ok(WriteTransaction { txn, _turn: turn })
}

/// This process's turn to write to SQLite (nothing elsewhere), for a single
/// statement that is its own transaction: it cannot read before it writes,
/// so it needs no [`begin_write`], only to wait its turn in the queue.
pub async fn write_turn(db: &DatabaseConnection) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    (db.get_database_backend() == DatabaseBackend::Sqlite).then_some(SQLITE_WRITERS.lock().await)
}

/// The queue of this process's SQLite writers (one SQLite file per process
/// outside tests; in tests, unrelated databases share it, which only
/// orders their writes).
static SQLITE_WRITERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A transaction from [`begin_write`]: used as the transaction it holds;
/// on SQLite it keeps this process's write turn until committed or dropped.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Undoes everything it did (as dropping it does, but waited for).
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn processes_starting_at_once_on_one_sqlite_file_both_migrate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        let all = futures::future::join_all((0..4).map(|_| connect(&url))).await;
        for db in all {
            let db = db.expect("every process finds the schema migrated");
            let applied = Migrator::get_applied_migrations(&db).await.expect("read");
            assert_eq!(applied.len(), Migrator::migrations().len());
        }
    }

    #[tokio::test]
    async fn a_checkpoint_lets_the_next_write_start_the_log_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
        let db = connect(&url).await.expect("connect");
        let log_pages = || async {
            let row = db
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Sqlite,
                    "PRAGMA wal_checkpoint(NOOP)",
                ))
                .await
                .expect("pragma")
                .expect("a row");
            row.try_get_by_index::<i64>(1).expect("log pages")
        };
        let write = |n: i64| {
            format!(
                "INSERT INTO teams (name, created_at) \
                 VALUES ('team{n}', '2026-01-01T00:00:00Z')"
            )
        };
        for n in 0..50 {
            db.execute_unprepared(&write(n)).await.expect("write");
        }
        let grown = log_pages().await;
        assert!(grown >= 50, "each commit adds to the log: {grown}");
        checkpoint(&db).await;
        db.execute_unprepared(&write(50)).await.expect("write");
        let after = log_pages().await;
        assert!(
            after < 10,
            "the log started again: {grown} -> {after} pages"
        );
    }
}

/// Rows for tests of what reads the catalog.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A migrated, empty database per backend to test: SQLite in memory
    /// always, and a new database on the PostgreSQL server that
    /// `PORTUNUS_TEST_DATABASE_URL` names when it is set (under CI it must
    /// be: `just test` sets it).
    pub async fn databases() -> Vec<(&'static str, DatabaseConnection)> {
        let mut all = vec![("sqlite", connect("sqlite::memory:").await.expect("SQLite"))];
        match std::env::var("PORTUNUS_TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let name = format!(
                    "portunus_unit_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                );
                let server = Database::connect(&base).await.expect("PostgreSQL");
                server
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("a test database");
                let mut url = url::Url::parse(&base).expect("PORTUNUS_TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                all.push(("postgres", connect(url.as_str()).await.expect("PostgreSQL")));
            }
            _ if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") => {
                panic!("PORTUNUS_TEST_DATABASE_URL is not set under CI: PostgreSQL must be tested")
            }
            _ => eprintln!(
                "PORTUNUS_TEST_DATABASE_URL is not set: PostgreSQL is NOT tested in this run (just test sets it)"
            ),
        }
        all
    }

    /// A registry, a team, namespaces 1 (`web`) and 2 (`shop`), and
    /// repositories 1 and 2 in `web` and 3 in `shop`.
    pub const CATALOG: &str = "INSERT INTO registries (id, name, hostname, created_at) \
            VALUES (1, 'default', 'r', '2026-01-01T00:00:00Z'); \
        INSERT INTO teams (id, name, created_at) VALUES (1, 't', '2026-01-01T00:00:00Z'); \
        INSERT INTO namespaces (id, registry_id, name, team_id, visibility, created_at) VALUES \
            (1, 1, 'web', 1, 'private', '2026-01-01T00:00:00Z'), \
            (2, 1, 'shop', 1, 'public', '2026-01-01T00:00:00Z'); \
        INSERT INTO repositories (id, namespace_id, name, created_at) VALUES \
            (1, 1, 'app', '2026-01-01T00:00:00Z'), (2, 1, 'api', '2026-01-01T00:00:00Z'), \
            (3, 2, 'cart', '2026-01-01T00:00:00Z');";
}

#[cfg(test)]
mod migration_tests {
    use sea_orm::{EntityTrait, QuerySelect};

    use super::*;

    /// Applies the migrations before `name`, runs `before` on that schema,
    /// then applies the rest.
    async fn across(name: &str, before: &str) -> DatabaseConnection {
        // As a migration session runs them: foreign keys off.
        let mut options = ConnectOptions::new("sqlite::memory:");
        options.map_sqlx_sqlite_opts(|o| o.foreign_keys(false));
        let db = Database::connect(options).await.expect("connect");
        let position = Migrator::migrations()
            .iter()
            .position(|m| m.name() == name)
            .expect("the migration exists");
        Migrator::up(&db, Some(position as u32))
            .await
            .expect("up to it");
        db.execute_unprepared(before).await.expect("data before");
        Migrator::up(&db, None).await.expect("the rest");
        db
    }

    #[tokio::test]
    async fn activities_learn_their_namespace_and_namespaces_their_repository_count() {
        let activities = "INSERT INTO activities \
            (id, actor_name, key, target_type, target_id, target_name, created_at) VALUES \
            (1, 'a', 'repository.push', 'repository', 3, 'shop/cart:1', '2026-01-01T00:00:00Z'), \
            (2, 'a', 'namespace.create', 'namespace', 1, 'web', '2026-01-01T00:00:00Z'), \
            (3, 'a', 'repository.push', 'repository', 99, 'gone/app:1', '2026-01-01T00:00:00Z'), \
            (4, 'a', 'team.create', 'team', 1, 't', '2026-01-01T00:00:00Z')";
        let db = across(
            "m20261130_000020_activity_namespaces",
            &format!("{} {activities}", fixtures::CATALOG),
        )
        .await;
        let namespaces: Vec<Option<i64>> = entities::activity::Entity::find()
            .select_only()
            .column(entities::activity::Column::NamespaceId)
            .into_tuple()
            .all(&db)
            .await
            .expect("read");
        assert_eq!(namespaces, [Some(2), Some(1), None, None]);

        let counts = || async {
            let counts: Vec<i64> = entities::namespace::Entity::find()
                .select_only()
                .column(entities::namespace::Column::RepositoryCount)
                .into_tuple()
                .all(&db)
                .await
                .expect("read");
            counts
        };
        assert_eq!(counts().await, [2, 1], "counted by the migration");
        db.execute_unprepared(
            "UPDATE repositories SET namespace_id = 2 WHERE id = 2; \
             DELETE FROM repositories WHERE id = 3; \
             INSERT INTO repositories (id, namespace_id, name, created_at) \
             VALUES (4, 1, 'apt', '2026-01-01T00:00:00Z')",
        )
        .await
        .expect("changes");
        assert_eq!(counts().await, [2, 1], "a move, a removal and an addition");
    }

    #[tokio::test]
    async fn namespaces_keep_their_rows_counts_and_triggers_and_a_user_gets_one_per_registry() {
        let people = "INSERT INTO users (id, username, admin, enabled, bot, created_at, updated_at) \
            VALUES (7, 'ann', false, true, false, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'); \
            UPDATE namespaces SET personal_user_id = 7 WHERE id = 2; \
            INSERT INTO namespaces (id, registry_id, name, team_id, visibility, created_at) \
            VALUES (40, 1, 'gone', 1, 'private', '2026-01-01T00:00:00Z'); \
            DELETE FROM namespaces WHERE id = 40; \
            INSERT INTO webhooks (id, namespace_id, name, url, events, enabled, secret_sealed, created_at, updated_at) \
            VALUES (1, 1, 'ci', 'https://ci.example.org', 'push', true, 'v1.x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
        let db = across(
            "m20261201_000025_several_registries",
            &format!("{} {people}", fixtures::CATALOG),
        )
        .await;
        let count = |sql: &'static str| {
            let db = db.clone();
            async move {
                let row = db
                    .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, sql))
                    .await
                    .expect("read")
                    .expect("a row");
                row.try_get_by_index::<i64>(0).expect("a number")
            }
        };
        assert_eq!(count("SELECT count(*) FROM repositories").await, 3);
        assert_eq!(count("SELECT count(*) FROM webhooks").await, 1);
        assert_eq!(
            count("SELECT repository_count FROM namespaces WHERE id = 1").await,
            2
        );
        let epoch = count("SELECT value FROM authz_epoch").await;
        db.execute_unprepared(
            "INSERT INTO registries (id, name, hostname, created_at) VALUES (2, 'europe', 'e', '2026-01-01T00:00:00Z'); \
             INSERT INTO namespaces (id, registry_id, name, team_id, visibility, personal_user_id, created_at) \
             VALUES (3, 2, 'shop', 1, 'private', 7, '2026-01-01T00:00:00Z'); \
             INSERT INTO repositories (id, namespace_id, name, created_at) VALUES (4, 1, 'web2', '2026-01-01T00:00:00Z')",
        )
        .await
        .expect("a second personal namespace, in another registry");
        assert_eq!(
            count("SELECT repository_count FROM namespaces WHERE id = 1").await,
            3,
            "the repository count triggers are back"
        );
        assert!(
            count("SELECT value FROM authz_epoch").await > epoch,
            "so is the epoch's"
        );
        let twice = db
            .execute_unprepared(
                "INSERT INTO namespaces (registry_id, name, team_id, visibility, personal_user_id, created_at) \
                 VALUES (2, 'shop-2', 1, 'private', 7, '2026-01-01T00:00:00Z')",
            )
            .await;
        assert!(twice.is_err(), "one personal namespace per registry");
        let odd = db
            .execute_unprepared(
                "INSERT INTO namespaces (registry_id, name, team_id, visibility, created_at) \
                 VALUES (2, 'odd', 1, 'secret', '2026-01-01T00:00:00Z')",
            )
            .await;
        assert!(odd.is_err(), "the visibility check is back");
        db.execute_unprepared(
            "INSERT INTO namespaces (registry_id, name, team_id, visibility, created_at) \
             VALUES (2, 'fresh', 1, 'private', '2026-01-01T00:00:00Z')",
        )
        .await
        .expect("a new namespace");
        assert!(
            count("SELECT id FROM namespaces WHERE name = 'fresh'").await > 40,
            "a deleted namespace's id is not given again"
        );
    }

    #[tokio::test]
    async fn shared_display_names_stay_with_the_older_account() {
        let users = "INSERT INTO users (id, username, display_name, admin, enabled, bot, created_at, updated_at) VALUES \
            (1, 'ann', 'Sam', false, true, false, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), \
            (2, 'bea', 'SAM', false, true, false, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), \
            (3, 'cy', 'Cy', false, true, false, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
        let db = across("m20261130_000012_unique_display_names", users).await;
        let names: Vec<(i64, Option<String>)> = entities::user::Entity::find()
            .select_only()
            .column(entities::user::Column::Id)
            .column(entities::user::Column::DisplayName)
            .into_tuple()
            .all(&db)
            .await
            .expect("read");
        assert_eq!(
            names,
            [(1, Some("Sam".into())), (2, None), (3, Some("Cy".into()))]
        );
        let clash = db
            .execute_unprepared("UPDATE users SET display_name = 'cy' WHERE id = 1")
            .await;
        assert!(clash.is_err(), "the index refuses another case of a name");
    }
}
