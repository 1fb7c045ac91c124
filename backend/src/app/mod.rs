//! Start-up wiring, in one place: keys and secrets, the database and its
//! default rows, the application state, the background work (event
//! processing, webhook deliveries, catalog syncs, retention runs) and the
//! HTTP server. The
//! top layer: it may import everything, nothing imports it.

pub mod backup;
pub mod shared_secrets;

use std::sync::Arc;
use std::time::Duration;

use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::accounts::credentials::CredentialCache;
use crate::accounts::rate_limit::RateLimits;
use crate::accounts::setup::Setup;
use crate::authz::facts_cache::FactsCache;
use crate::config::Config;
use crate::crypto::sealing::SealingKey;
use crate::crypto::secrets;
use crate::crypto::signing::TokenSigner;
use crate::db;
use crate::db::epoch::Epoch;
use crate::db::leases;
use crate::directory::ldap::Ldap;
use crate::directory::oidc::Oidc;
use crate::error::{Error, Result};
use crate::gateway::Gateway;
use crate::gateway::pull_log::PullLog;
use crate::http::routes;
use crate::http::state::{AppState, SharedState};
use crate::ingest::Events;
use crate::mail::Mailer;
use crate::registries::Registries;
use sea_orm::DatabaseConnection;

/// Creates `data_dir` if needed and makes it and the SQLite database in it
/// readable by this user only: they hold password hashes and keys.
fn keep_private(data_dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let failed = |what: &std::path::Path, e: std::io::Error| {
        Error::Internal(format!(
            "cannot make {} private (mode 0700/0600): {e}; check its owner",
            what.display()
        ))
    };
    std::fs::create_dir_all(data_dir).map_err(|e| failed(data_dir, e))?;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| failed(data_dir, e))?;
    for name in ["portunus.db", "portunus.db-wal", "portunus.db-shm"] {
        let file = data_dir.join(name);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| failed(&file, e))?;
        }
    }
    Ok(())
}

/// Prepares keys and secrets, connects and migrates the database, and makes
/// sure the configured registry and its global namespace are known.
pub async fn init(config: Config) -> Result<SharedState> {
    keep_private(&config.data_dir)?;
    let db = db::connect(&config.database_url()).await?;
    if config.database_url.is_empty() {
        keep_private(&config.data_dir)?;
    }
    shared_secrets::adopt(&db, &config).await?;
    // One name per data directory: a restarted process resumes its leases.
    let replica = config.data_dir.join("replica-id");
    let replica_id = secrets::load_or_create_secret(&replica).map_err(|e| {
        Error::Internal(format!("cannot read or create {}: {e}", replica.display()))
    })?;
    leases::name_holder(format!(
        "replica-{}",
        &replica_id[..12.min(replica_id.len())]
    ));
    let signer = Arc::new(
        TokenSigner::load_or_generate(&config).map_err(|e| Error::Internal(e.to_string()))?,
    );
    let notification_secret = secrets::notification_secret(&config)?;
    // Several processes may start at once on an empty database.
    let txn = db::begin_write(&db).await?;
    db::serialize(&txn, db::locks::BOOTSTRAP).await?;
    let registry_id = crate::catalog::ensure_registry(&txn, &config).await?;
    crate::accounts::namespaces::ensure_global(&txn, registry_id).await?;
    txn.commit().await?;
    seal_in_place(&db, &config).await?;
    let registries =
        Arc::new(Registries::load(db.clone(), &config, signer.clone(), notification_secret).await?);
    let ldap = Ldap::from_settings(&config.ldap)
        .map_err(|e| Error::InvalidInput(format!("invalid configuration: {e}")))?
        .map(Arc::new);
    let oidc = Oidc::from_settings(&config.oidc, &config.public_url)
        .map_err(|e| Error::InvalidInput(format!("invalid configuration: {e}")))?
        .map(Arc::new);
    let webhooks = Arc::new(crate::webhooks::Sender::new(&config)?);
    let mailer = Mailer::from_settings(&config.mail)
        .map_err(|e| Error::InvalidInput(format!("invalid configuration: {e}")))?
        .map(Arc::new);
    let gateway = gateway(&config, &registries, &signer, &db);
    Ok(Arc::new(AppState {
        gateway,
        registries: registries.clone(),
        db,
        signer,
        credentials: CredentialCache::new(Duration::from_secs(300), 10_000),
        epoch: Epoch::new(Duration::from_millis(config.token.changes_elsewhere_ms)),
        facts: FactsCache::new(10_000),
        database: Default::default(),
        deferred_audit: Default::default(),
        events: Arc::new(Events::default()),
        webhooks,
        setup: Setup::default(),
        limits: RateLimits::new(&config),
        stored_figures: Default::default(),
        registry_checks: Default::default(),
        issued_tokens: Default::default(),

        ldap,
        oidc,
        mailer,
        config,
    }))
}

/// The gateway, when `[gateway]` is on; it starts recording pulls.
fn gateway(
    config: &Config,
    registries: &Arc<Registries>,
    signer: &Arc<TokenSigner>,
    db: &DatabaseConnection,
) -> Option<Arc<Gateway>> {
    config.gateway.address()?;
    let pulls = config
        .gateway
        .record_pulls
        .then(|| PullLog::start(db.clone(), config.gateway.keep_pulls_days));
    Some(Arc::new(Gateway::new(
        registries.clone(),
        signer.clone(),
        config,
        pulls,
    )))
}

/// Applies the migrations the database lacks, as a start would but without
/// serving (`portunus migrate`), calling `on_step` after each; answers
/// their names.
pub async fn migrate(
    config: &Config,
    on_step: &mut (dyn FnMut(&db::migrate::Step) + Send),
) -> Result<Vec<String>> {
    keep_private(&config.data_dir)?;
    let (db, applied) = db::connect_and_migrate(&config.database_url(), on_step).await?;
    db.close().await?;
    if config.database_url.is_empty() {
        keep_private(&config.data_dir)?;
    }
    Ok(applied)
}

/// For commands that sign or configure without serving (`portunus
/// registry-config`, `portunus registry ...`): the key and secrets every
/// process on the configured database uses, in `data_dir`.
pub async fn adopt_shared_secrets(config: &Config) -> Result<()> {
    keep_private(&config.data_dir)?;
    let db = db::connect(&config.database_url()).await?;
    shared_secrets::adopt(&db, config).await
}

/// Seals again, each for its column and row, the secrets sealed before
/// sealed values were bound to their place (`crypto::sealing`).
async fn seal_in_place(db: &DatabaseConnection, config: &Config) -> Result<()> {
    let key = SealingKey::load_or_create(&config.webhook_key_path())
        .map_err(|e| Error::Internal(e.to_string()))?;
    let registries = crate::registries::live::seal_unplaced(db, &key).await?;
    let webhooks = crate::webhooks::sealed::seal_unplaced(db, &key).await?;
    if registries + webhooks > 0 {
        tracing::info!(
            registries,
            webhooks,
            "sealed the stored secrets again, each for its own column and row"
        );
    }
    Ok(())
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub async fn serve(state: SharedState) -> std::io::Result<()> {
    if let Err(e) = state.setup.announce(&state.db, state.config.signup).await {
        tracing::warn!(error = %e, "cannot tell whether an administrator exists");
    }
    tokio::spawn(crate::ingest::process::run(
        state.registries.clone(),
        state.events.clone(),
    ));
    tokio::spawn(crate::webhooks::sender::run(
        state.db.clone(),
        state.webhooks.clone(),
    ));
    tokio::spawn(db::upkeep(state.config.database_url()));
    tokio::spawn(db::watch::keep_watch(
        state.config.database_url(),
        state.database.clone(),
    ));
    tokio::spawn(write_deferred_audit(state.clone()));
    tokio::spawn(
        state
            .registries
            .clone()
            .keep_current(Duration::from_secs(3)),
    );
    db::warn_without_name_index(&state.db).await;
    tokio::spawn(scheduled_sync(state.clone()));
    tokio::spawn(prune_sign_in_guards(state.clone()));
    tokio::spawn(check_directory_accounts(state.clone()));
    tokio::spawn(warn_of_ambiguous_groups(state.clone()));
    tokio::spawn(crate::registries::retention::scheduled(
        state.registries.clone(),
        state.config.policy.clone(),
        state.config.retention_interval_seconds,
    ));
    if let (Some(address), Some(gateway)) = (state.config.gateway.address(), state.gateway.clone())
    {
        let acceptor = TcpListener::bind(address).into_acceptor().await?;
        tracing::info!(listen = %address, "the gateway is serving the registry API");
        for served in state.registries.all().iter() {
            let public = crate::gateway::exposure::public_addresses(&served.url).await;
            if let Some(warning) = crate::gateway::exposure::warning(&served.url, &public) {
                tracing::warn!(registry = %served.name, "{warning}");
            }
        }
        tokio::spawn(async move {
            let served = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    crate::gateway::endpoint(gateway),
                    shutdown_signal(),
                    Some(Duration::from_secs(5)),
                )
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the gateway stopped serving");
            }
        });
    }
    let acceptor = TcpListener::bind(state.config.listen)
        .into_acceptor()
        .await?;
    let addresses: Vec<String> = acceptor
        .local_addr()
        .iter()
        .map(|a| a.to_string())
        .collect();
    tracing::info!(listen = %addresses.join(", "), public_url = %state.config.public_url, "Portunus is serving");
    let db = state.db.clone();
    let served = Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            routes(state),
            shutdown_signal(),
            Some(Duration::from_secs(5)),
        )
        .await;
    // Another process takes the jobs over at once instead of after expiry.
    for job in leases::names::ALL {
        if let Err(e) = leases::release(&db, job, &leases::holder_id()).await {
            tracing::warn!(job, error = %e, "cannot give up the job's lease; it expires by itself");
        }
    }
    served
}

/// Warns once at start of every mapped LDAP group given by a bare name
/// that several groups of the directory have: membership in any of them
/// grants what the name maps to.
async fn warn_of_ambiguous_groups(state: SharedState) {
    let Some(ldap) = state.ldap.clone() else {
        return;
    };
    match ldap.ambiguous_groups().await {
        Ok(ambiguous) => {
            for (name, dns) in ambiguous {
                tracing::warn!("{}", Ldap::ambiguity(&name, &dns));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e.0, "cannot check whether the mapped LDAP groups are ambiguous")
        }
    }
}

/// Every `ldap.sync_interval_seconds`, checks every LDAP account against
/// the directory: groups to teams, and suspends those it no longer knows.
async fn check_directory_accounts(state: SharedState) {
    let Some(ldap) = state.ldap.clone() else {
        return;
    };
    let interval = ldap.settings().sync_interval_seconds;
    if interval == 0 {
        return;
    }
    let period = Duration::from_secs(interval.max(60));
    loop {
        tokio::time::sleep(period).await;
        // One process at a time checks (several may share the database).
        if !leases::my_turn(&state.db, leases::names::DIRECTORY_SYNC, period).await {
            continue;
        }
        let now = chrono::Utc::now();
        match crate::accounts::ldap::check_all(&state.db, &ldap, now).await {
            Ok(pass) => tracing::info!(
                checked = pass.checked,
                suspended = pass.suspended,
                "directory accounts checked"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the directory accounts; retrying at the next interval")
            }
        }
    }
}

/// Records the registry logins answered while the database was away, once
/// it answers again (looked at every second).
async fn write_deferred_audit(state: SharedState) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if state.deferred_audit.is_empty() || state.database.down().is_some() {
            continue;
        }
        match state.deferred_audit.write(&state.db).await {
            Ok(n) => tracing::info!(
                recorded = n,
                "recorded the registry logins answered while the database was away"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "cannot record the logins answered while the database was away yet")
            }
        }
    }
}

/// Every hour, forgets wrong-password counts untouched for a day whose
/// lock has ended, so guessed names do not pile up.
async fn prune_sign_in_guards(state: SharedState) {
    let lockout = crate::accounts::lockout::Lockout::of(&state.config);
    loop {
        let before = chrono::Utc::now() - chrono::Duration::days(1);
        match crate::accounts::lockout::prune(&state.db, lockout, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old wrong-password counts forgotten"),
            Err(e) => tracing::warn!(error = %e, "cannot prune wrong-password counts"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Runs catalog syncs as `registry.sync` says.
async fn scheduled_sync(state: SharedState) {
    use crate::config::SyncStrategy;
    let strategy = state.config.registry.sync;
    let options = crate::ingest::sync::Options {
        delete: strategy == SyncStrategy::UpdateDelete,
        dry_run: false,
        concurrency: 8,
        fresh: false,
        trust_confirmed_within: match state.config.registry.recheck_tags_hours {
            0 => None,
            hours => Some(
                i64::try_from(hours)
                    .ok()
                    .and_then(chrono::Duration::try_hours)
                    .unwrap_or(chrono::Duration::MAX),
            ),
        },
    };
    let run_once = match strategy {
        SyncStrategy::Off => return,
        SyncStrategy::Initial | SyncStrategy::OnStart => true,
        SyncStrategy::Update | SyncStrategy::UpdateDelete => false,
    };
    let period = Duration::from_secs(state.config.registry.sync_interval_seconds.max(60));
    loop {
        // One process at a time syncs (several may share the database); a
        // sync at start by one of them is enough for all.
        if leases::my_turn(&state.db, leases::names::CATALOG_SYNC, period).await {
            // Each registry in turn; one that fails leaves the others synced.
            for served in state.registries.all().iter() {
                let registry = served.name.as_str();
                // `initial`: only a registry Portunus knows nothing of yet.
                if strategy == SyncStrategy::Initial
                    && crate::catalog::recording::any_in_registry(&state.db, served.id)
                        .await
                        .unwrap_or(true)
                {
                    continue;
                }
                match crate::ingest::sync::run_recorded(
                    &served.catalog,
                    options,
                    chrono::Utc::now(),
                    |_| {},
                )
                .await
                {
                    Ok(summary) => tracing::info!(registry, ?summary, "catalog sync done"),
                    Err(e) => {
                        tracing::warn!(registry, error = %e, "catalog sync failed; events still keep Portunus current")
                    }
                }
            }
            leases::my_turn(&state.db, leases::names::CATALOG_SYNC, period).await;
        }
        if run_once {
            return;
        }
        tokio::time::sleep(period).await;
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
    }
    tracing::info!("shutting down");
}
