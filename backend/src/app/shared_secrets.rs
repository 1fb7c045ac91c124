//! The secrets every Portunus process on one database must share: the token
//! signing key and its certificate (the registry trusts one certificate, so
//! every process must sign with that key) and the notification secret (the
//! registry sends one). The database holds them; each process writes them
//! into its `data_dir` at start. A key or secret set in the configuration is
//! the operator's to share and is left alone.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult};

use crate::config::Config;
use crate::crypto::secrets::{self, create_private_file};
use crate::crypto::signing::TokenSigner;
use crate::error::{Error, Result};

const SIGNING_KEY: &str = "token-signing-key";
const SIGNING_CERTIFICATE: &str = "token-signing-certificate";
const NOTIFICATION_SECRET: &str = "notification-secret";

/// Makes this process's key, certificate and notification secret the ones
/// every process on `db` uses; creates them on the very first start.
///
/// The first process to start stores its own (generated, or found in its
/// `data_dir` from before), and every later one adopts those: written into
/// its `data_dir` (mode 0600), where the rest of Portunus and `portunus
/// registry-config` read them. A key or secret set by path or value in the
/// configuration is left alone.
pub async fn adopt(db: &DatabaseConnection, config: &Config) -> Result<()> {
    let mut shared: Vec<(&str, PathBuf)> = Vec::new();
    if config.token.key_path.is_empty() && config.token.certificate_path.is_empty() {
        // Creates the files when there are none, so there is something to offer.
        TokenSigner::load_or_generate(config).map_err(|e| Error::Internal(e.to_string()))?;
        shared.push((SIGNING_KEY, config.key_path()));
        shared.push((SIGNING_CERTIFICATE, config.certificate_path()));
    }
    if config.registry.notification_secret.is_empty() {
        secrets::notification_secret(config)?;
        shared.push((NOTIFICATION_SECRET, config.notification_secret_path()));
    }
    for (name, path) in shared {
        let mine = read(&path)?;
        offer(db, name, &mine).await?;
        let theirs = stored(db, name)
            .await?
            .ok_or_else(|| Error::Internal(format!("the shared secret {name} vanished")))?;
        if theirs != mine {
            replace(&path, &theirs)?;
            tracing::info!(file = %path.display(), "adopted the {name} every Portunus process on this database uses");
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))
}

/// Writes `contents` over `path` (mode 0600), through a new file renamed
/// into place so no reader sees half of it.
fn replace(path: &Path, contents: &str) -> Result<()> {
    let failed =
        |e: std::io::Error| Error::Internal(format!("cannot write {}: {e}", path.display()));
    let mut fresh = path.as_os_str().to_owned();
    fresh.push(format!(".new-{}", secrets::random_hex(4)));
    let fresh = PathBuf::from(fresh);
    create_private_file(&fresh, contents.as_bytes()).map_err(failed)?;
    std::fs::rename(&fresh, path).map_err(failed)
}

/// Stores `value` as `name` unless some process stored one first.
async fn offer(
    db: &impl ConnectionTrait,
    name: &str,
    value: &str,
) -> std::result::Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(Alias::new("shared_secrets"))
        .columns([
            Alias::new("name"),
            Alias::new("value"),
            Alias::new("created_at"),
        ])
        .values_panic([name.into(), value.into(), Utc::now().into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    match db.execute(&insert).await {
        Ok(_) => Ok(()),
        // sea-query reports "nothing inserted" as an error on some back ends.
        Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e),
    }
}

async fn stored(
    db: &impl ConnectionTrait,
    name: &str,
) -> std::result::Result<Option<String>, DbErr> {
    let select = Query::select()
        .column(Alias::new("value"))
        .from(Alias::new("shared_secrets"))
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    let row: Option<QueryResult> = db.query_one(&select).await?;
    row.map(|r| r.try_get::<String>("", "value")).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn process(dir: &Path, db_url: &str) -> Config {
        let config = Config {
            data_dir: dir.to_owned(),
            database_url: db_url.to_owned(),
            ..Config::default()
        };
        let db = crate::db::connect(db_url).await.expect("database");
        adopt(&db, &config).await.expect("adopt");
        config
    }

    #[tokio::test]
    async fn every_process_on_one_database_signs_with_the_first_ones_key() {
        let shared = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", shared.path().join("p.db").display());
        let (one, two) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let first = process(one.path(), &url).await;
        let second = process(two.path(), &url).await;
        for file in [
            "token-signing.key",
            "token-signing.crt",
            "notification-secret",
        ] {
            let a = std::fs::read(first.data_dir.join(file)).expect("first");
            let b = std::fs::read(second.data_dir.join(file)).expect("second");
            assert_eq!(a, b, "{file} is shared");
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &std::fs::metadata(second.data_dir.join(file))
                    .expect("meta")
                    .permissions(),
            );
            assert_eq!(mode & 0o777, 0o600, "{file} is private");
        }
        let a = TokenSigner::load_or_generate(&first).expect("signer");
        let b = TokenSigner::load_or_generate(&second).expect("signer");
        assert_eq!(a.key_id(), b.key_id());
        // Starting again changes nothing.
        let again = process(two.path(), &url).await;
        assert_eq!(
            TokenSigner::load_or_generate(&again)
                .expect("signer")
                .key_id(),
            a.key_id()
        );
    }

    #[tokio::test]
    async fn a_key_set_in_the_configuration_stays_the_operators() {
        let shared = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", shared.path().join("p.db").display());
        let one = tempfile::tempdir().expect("dir");
        process(one.path(), &url).await;
        let two = tempfile::tempdir().expect("dir");
        let mut own = Config {
            data_dir: two.path().to_owned(),
            database_url: url.clone(),
            ..Config::default()
        };
        own.token.key_path = two.path().join("mine.key").display().to_string();
        own.registry.notification_secret = "configured".into();
        let db = crate::db::connect(&url).await.expect("database");
        adopt(&db, &own).await.expect("adopt");
        assert!(
            !own.key_path().exists(),
            "nothing written over the operator's key path"
        );
        assert!(!own.notification_secret_path().exists());
    }
}
