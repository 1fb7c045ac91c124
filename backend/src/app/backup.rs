//! Backups that restore: `portunus backup DIR` while Portunus runs, and
//! `portunus restore DIR` into an empty data directory.
//!
//! A backup is a directory: the database (when SQLite), the keys and
//! secrets Portunus keeps beside it, the configuration file, and
//! [`MANIFEST`] naming each with its SHA-256. Restoring checks every file
//! against the manifest before it writes anything, and never overwrites.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};

/// The manifest's file name in a backup.
pub const MANIFEST: &str = "portunus-backup.json";
/// The manifest's format; a restore refuses others.
const FORMAT: u32 = 1;
/// The database's file name in a backup (SQLite).
const DATABASE: &str = "portunus.db";

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Portunus version that made it.
    pub portunus: String,
    pub made_at: DateTime<Utc>,
    /// `sqlite` (in the backup) or `postgres` (dumped separately).
    pub database: String,
    /// The last migration the database had.
    pub migration: String,
    /// What the database held when it was copied.
    pub contents: Contents,
    pub files: Vec<File>,
}

/// Rows of the tables people care about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    pub users: i64,
    pub teams: i64,
    pub namespaces: i64,
    pub repositories: i64,
    pub tags: i64,
    pub application_tokens: i64,
    pub webhooks: i64,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct File {
    /// Its name in the backup.
    pub name: String,
    pub role: Role,
    pub sha256: String,
    pub bytes: u64,
}

/// What a file of a backup is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Database,
    SigningKey,
    SigningCertificate,
    SealingKey,
    NotificationSecret,
    Configuration,
}

impl Role {
    /// Where the configuration in effect keeps it (`None`: the
    /// configuration file, which a restore leaves to the operator).
    fn place(self, config: &Config) -> Option<PathBuf> {
        match self {
            Role::Database => sqlite_path(config),
            Role::SigningKey => Some(config.key_path()),
            Role::SigningCertificate => Some(config.certificate_path()),
            Role::SealingKey => Some(config.webhook_key_path()),
            Role::NotificationSecret => Some(config.notification_secret_path()),
            Role::Configuration => None,
        }
    }

    /// Its name in a backup.
    fn file_name(self) -> &'static str {
        match self {
            Role::Database => DATABASE,
            Role::SigningKey => "token-signing.key",
            Role::SigningCertificate => "token-signing.crt",
            Role::SealingKey => "webhook-key",
            Role::NotificationSecret => "notification-secret",
            Role::Configuration => "config.toml",
        }
    }
}

/// The SQLite database file `config` names, if it names one (any form
/// of `sqlite:` URL the server accepts).
fn sqlite_path(config: &Config) -> Option<PathBuf> {
    let url = config.database_url();
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    crate::db::migrate::sqlite_file(&url).ok()
}

/// What a step of a backup or restore says as it goes.
pub type Say<'a> = &'a mut (dyn FnMut(String) + Send);

/// Copies what Portunus needs to `dir` (new or empty) while it runs:
/// `config_file` is the configuration file it runs with, if any.
///
/// The SQLite database is copied online (`VACUUM INTO`, one read
/// transaction, so a consistent copy while pushes go on; never a copy of a
/// live file), with the files Portunus keeps beside it (the token signing
/// key and certificate, the key that seals webhook secrets, the
/// notification secret). A PostgreSQL database is not copied here: the
/// backup says to `pg_dump` it, and holds everything else.
pub async fn backup(
    config: &Config,
    config_file: Option<&Path>,
    dir: &Path,
    say: Say<'_>,
) -> Result<Manifest> {
    let created = prepare_empty(dir)?;
    let made = copy_all(config, config_file, dir, say).await;
    if made.is_err() {
        // Nothing half made is left to be taken for a backup: the
        // directory was empty (or not there), so what is in it is ours.
        match created {
            true => {
                let _ = std::fs::remove_dir_all(dir);
            }
            false => {
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
    made
}

async fn copy_all(
    config: &Config,
    config_file: Option<&Path>,
    dir: &Path,
    say: Say<'_>,
) -> Result<Manifest> {
    let postgres = sqlite_path(config).is_none();
    let mut files = Vec::new();
    let (contents, migration) = if postgres {
        let db = open(&config.database_url()).await?;
        say("PostgreSQL: its database is not copied here; dump it with pg_dump (below)".into());
        read_contents(&db).await?
    } else {
        let live = sqlite_path(config).unwrap_or_default();
        if !live.exists() {
            return Err(Error::InvalidInput(format!(
                "there is no database at {}: nothing to back up (is data_dir right?)",
                live.display()
            )));
        }
        say(format!("database: copying {} online …", live.display()));
        let started = std::time::Instant::now();
        let copy = dir.join(DATABASE);
        let db = open(&config.database_url()).await?;
        let target = copy.display().to_string().replace('\'', "''");
        db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await?;
        db.close().await?;
        keep_to_owner(&copy)?;
        let copied = open(&format!("sqlite://{}?mode=ro", copy.display())).await?;
        let read = read_contents(&copied).await?;
        copied.close().await?;
        let file = described(&copy, Role::Database)?;
        say(format!(
            "database: {} bytes in {:.1} s",
            file.bytes,
            started.elapsed().as_secs_f64()
        ));
        files.push(file);
        read
    };
    for role in [
        Role::SigningKey,
        Role::SigningCertificate,
        Role::SealingKey,
        Role::NotificationSecret,
    ] {
        let Some(from) = role.place(config) else {
            continue;
        };
        if !from.exists() {
            say(format!(
                "{}: none at {} (skipped)",
                role.file_name(),
                from.display()
            ));
            continue;
        }
        files.push(copy_in(&from, dir, role)?);
        say(format!("{}: from {}", role.file_name(), from.display()));
    }
    match config_file {
        Some(from) => {
            files.push(copy_in(from, dir, Role::Configuration)?);
            say(format!("configuration: from {}", from.display()));
        }
        None => say(
            "configuration: no file (settings from the defaults and PORTUNUS_* variables, which a backup cannot hold)"
                .into(),
        ),
    }
    let manifest = Manifest {
        format: FORMAT,
        portunus: env!("CARGO_PKG_VERSION").into(),
        made_at: Utc::now(),
        database: if postgres { "postgres" } else { "sqlite" }.into(),
        migration,
        contents,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    write_private(&dir.join(MANIFEST), &json)?;
    Ok(manifest)
}

/// Puts the backup in `dir` where `config` keeps each file; refuses
/// before writing anything if a file differs from the manifest or its
/// place is taken.
pub async fn restore(config: &Config, dir: &Path, say: Say<'_>) -> Result<Manifest> {
    let manifest = read_manifest(dir)?;
    let into_sqlite = sqlite_path(config).is_some();
    match (manifest.database.as_str(), into_sqlite) {
        ("sqlite", false) => {
            return Err(Error::InvalidInput(
                "this backup holds a SQLite database, and the configuration names a PostgreSQL one: restore with no database_url (SQLite in data_dir)".into(),
            ));
        }
        ("postgres", true) => {
            return Err(Error::InvalidInput(
                "this backup is of a PostgreSQL installation: set database_url to the database you restored its pg_dump into, then restore again".into(),
            ));
        }
        _ => {}
    }
    let mut placed = Vec::new();
    for file in &manifest.files {
        let from = dir.join(&file.name);
        let found = described(&from, file.role)?;
        if found.sha256 != file.sha256 {
            return Err(Error::InvalidInput(format!(
                "{} is not the file this backup was made with (its SHA-256 differs): the backup is damaged",
                from.display()
            )));
        }
        let Some(to) = file.role.place(config) else {
            continue;
        };
        let leftovers = match file.role {
            // A log left beside the database would be replayed into it.
            Role::Database => ["-wal", "-shm", "-journal"]
                .map(|suffix| PathBuf::from(format!("{}{suffix}", to.display())))
                .to_vec(),
            _ => Vec::new(),
        };
        if let Some(taken) = std::iter::once(&to).chain(&leftovers).find(|p| p.exists()) {
            return Err(Error::Conflict(format!(
                "{} exists: a restore goes into an empty data directory and overwrites nothing; move it away or set data_dir to a new directory",
                taken.display()
            )));
        }
        placed.push((from, to));
    }
    crate::app::keep_private(&config.data_dir)?;
    let restored = place_and_check(config, &manifest, &placed, say).await;
    if restored.is_err() {
        // What was put in place is taken back: a restore that fails leaves
        // the data directory as it found it.
        for (_, to) in &placed {
            let _ = std::fs::remove_file(to);
        }
    }
    restored?;
    if manifest.files.iter().any(|f| f.role == Role::Configuration) {
        say(format!(
            "configuration: the file it was made with is {} (not put anywhere: compare it with yours)",
            dir.join(Role::Configuration.file_name()).display()
        ));
    }
    Ok(manifest)
}

/// Copies each file to its place, then checks a restored SQLite database.
async fn place_and_check(
    config: &Config,
    manifest: &Manifest,
    placed: &[(PathBuf, PathBuf)],
    say: Say<'_>,
) -> Result<()> {
    for (from, to) in placed {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        copy_private(from, to)?;
        say(format!("{}: to {}", from.display(), to.display()));
    }
    if let Some(database) = sqlite_path(config) {
        let db = open(&format!("sqlite://{}?mode=ro", database.display())).await?;
        let check = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await?
            .and_then(|row| row.try_get_by_index::<String>(0).ok());
        let (contents, _) = read_contents(&db).await?;
        db.close().await?;
        if check.as_deref() != Some("ok") {
            return Err(Error::Internal(format!(
                "the restored database fails SQLite's integrity check: {check:?}"
            )));
        }
        if contents != manifest.contents {
            return Err(Error::Internal(format!(
                "the restored database holds {contents:?}, the backup said {:?}",
                manifest.contents
            )));
        }
    }
    Ok(())
}

/// The manifest of the backup in `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| {
        Error::InvalidInput(format!(
            "{} cannot be read ({e}): is {} a backup made by `portunus backup`?",
            path.display(),
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
        Error::InvalidInput(format!("{} is no backup manifest: {e}", path.display()))
    })?;
    if manifest.format != FORMAT {
        return Err(Error::InvalidInput(format!(
            "this backup has format {}; this Portunus reads format {FORMAT}",
            manifest.format
        )));
    }
    Ok(manifest)
}

/// The `pg_dump` command that completes a backup of a PostgreSQL
/// installation into `dir` (the password left out of the URL).
pub fn pg_dump_command(config: &Config, dir: &Path) -> String {
    let mut url = config.database_url();
    if let Ok(mut parsed) = url::Url::parse(&url)
        && parsed.password().is_some()
        && parsed.set_password(None).is_ok()
    {
        url = parsed.to_string();
    }
    format!(
        "pg_dump --format=custom --file {}/portunus.pgdump '{url}'",
        dir.display()
    )
}

/// Makes `path` readable by this user only.
fn keep_to_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| io(path, e))
}

/// Creates `dir` (readable by this user only), or takes it if empty;
/// answers whether it created it.
fn prepare_empty(dir: &Path) -> Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let existed = dir.exists();
    if existed {
        let mut entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
        if entries.next().is_some() {
            return Err(Error::Conflict(format!(
                "{} is not empty: a backup never overwrites another; name a new directory",
                dir.display()
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io(dir, e))?;
    Ok(!existed)
}

async fn open(url: &str) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).max_connections(1);
    Ok(Database::connect(options).await?)
}

/// The row counts and the last migration of `db`.
async fn read_contents(db: &DatabaseConnection) -> Result<(Contents, String)> {
    let count = |table: &'static str| async move {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
        let statement = Statement::from_string(db.get_database_backend(), sql);
        let row = db.query_one_raw(statement).await?;
        Ok::<i64, Error>(row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or(0))
    };
    let contents = Contents {
        users: count("users").await?,
        teams: count("teams").await?,
        namespaces: count("namespaces").await?,
        repositories: count("repositories").await?,
        tags: count("tags").await?,
        application_tokens: count("application_tokens").await?,
        webhooks: count("webhooks").await?,
    };
    let last = Statement::from_string(
        db.get_database_backend(),
        "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
    );
    let migration = db
        .query_one_raw(last)
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default();
    Ok((contents, migration))
}

/// Copies `from` into the backup in `dir` as `role`'s file.
fn copy_in(from: &Path, dir: &Path, role: Role) -> Result<File> {
    let to = dir.join(role.file_name());
    copy_private(from, &to)?;
    described(&to, role)
}

/// `path`'s entry in a manifest (read in pieces: a database may be large).
fn described(path: &Path, role: Role) -> Result<File> {
    let mut file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(|e| io(path, e))?;
    Ok(File {
        name: role.file_name().into(),
        role,
        sha256: data_encoding::HEXLOWER.encode(&hasher.finalize()),
        bytes,
    })
}

/// Copies `from` to a new file at `to` readable by this user only.
fn copy_private(from: &Path, to: &Path) -> Result<()> {
    let mut source = std::fs::File::open(from).map_err(|e| io(from, e))?;
    let mut target = new_private(to)?;
    std::io::copy(&mut source, &mut target)
        .and_then(|_| target.sync_all())
        .map_err(|e| io(to, e))
}

/// Writes `bytes` to a new file at `path` readable by this user only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = new_private(path)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io(path, e))
}

/// A new file at `path` (never one that exists) with mode 0600.
fn new_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io(path, e))
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Internal(format!("{}: {e}", path.display()))
}
