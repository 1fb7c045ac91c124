//! The registries this process serves: the configured one (`[registry]`,
//! row `default`) and those administrators added (`registries::admin`). Each
//! comes with the client that reaches it and the token settings its tokens
//! carry (its own service name). The set is read from the database and
//! kept current with what any process changes.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::catalog::{Catalog, DEFAULT_REGISTRY};
use crate::config::{Config, TokenConfig, hosts};
use crate::crypto::sealing::{Place, SealingKey, is_placed};
use crate::crypto::signing::TokenSigner;
use crate::db::entities::{namespace, registry, repository};
use crate::db::ids::{RegistryId, RepositoryId};
use crate::error::{Error, Result};
use crate::registry::RegistryClient;

/// How often a miss may read the rows again.
const RELOAD_AFTER_MISS: Duration = Duration::from_secs(1);

/// One registry as served: its row's settings, its client, its tokens.
pub struct Served {
    pub id: RegistryId,
    pub name: String,
    /// The service name its tokens carry and its clients ask for.
    pub service: String,
    /// Where Portunus reaches it.
    pub url: String,
    /// The other names clients reach it by (besides the host of `url`).
    pub hostnames: Vec<String>,
    /// `host:port` clients use, as shown in `docker login` lines: the
    /// gateway's for the configured registry behind it
    /// (`Config::client_registry_host`), else the host of `url`.
    pub client_host: String,
    /// The configured registry (`[registry]`), which the API cannot change.
    pub configured: bool,
    notification_secret: String,
    /// `Bearer SECRET`, as the registry sends it (empty: accepts nothing).
    notification_header: String,
    /// Its rows in the database and its client.
    pub catalog: Catalog,
    /// Token settings with its service name, for what Portunus signs for it.
    pub token: TokenConfig,
}

impl Served {
    /// `host:port` of its URL, as people type it in `docker login`.
    pub fn host(&self) -> String {
        hosts::of_url(&self.url)
    }

    /// Every name it is known by: the host of its URL and its hostnames.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.host()];
        names.extend(self.hostnames.iter().cloned());
        names
    }

    /// Whether an `Authorization` header carries its notification secret.
    pub fn sent_notification(&self, authorization: &[u8]) -> bool {
        !self.notification_header.is_empty()
            && crate::crypto::secrets::same(authorization, self.notification_header.as_bytes())
    }

    /// Its notification secret, for the registry's configuration file.
    pub fn notification_secret(&self) -> &str {
        &self.notification_secret
    }
}

/// Everything `Registries` needs to make a [`Served`] of a row.
struct Makings {
    db: DatabaseConnection,
    signer: Arc<TokenSigner>,
    token: TokenConfig,
    key: SealingKey,
    /// The configured registry's notification secret (shared by every process).
    default_secret: String,
}

/// The registries as last read.
struct Set {
    all: Arc<Vec<Arc<Served>>>,
    configured: Arc<Served>,
}

/// Every registry served. The set is read from the database at start,
/// again after this process changes a row ([`Registries::reload`]), every
/// few seconds ([`Registries::keep_current`]: what another process
/// changed), and when it is asked for a service, id or notification secret
/// it does not know (at most once a second: a registry just added
/// elsewhere is found at once).
pub struct Registries {
    makings: Makings,
    set: RwLock<Set>,
    last_miss_reload: Mutex<Option<Instant>>,
}

/// Where a registry's notification secret is sealed.
pub fn secret_place(id: RegistryId) -> Place<'static> {
    Place {
        table: "registries",
        column: "notification_secret",
        row: id.0,
    }
}

/// Seals again for its place every notification secret sealed before
/// places; how many. One another process sealed again meanwhile is left
/// as that one wrote it.
pub async fn seal_unplaced(db: &impl ConnectionTrait, key: &SealingKey) -> Result<u64> {
    let mut sealed_again = 0;
    for row in registry::Entity::find().all(db).await? {
        let Some(old) = row.notification_secret.filter(|v| !is_placed(v)) else {
            continue;
        };
        // One that does not open (another key) stays as it is; the
        // registry says so when it is served.
        let Ok(plain) = key.open_unplaced(&old) else {
            tracing::warn!(registry = %row.name, "its notification secret cannot be opened with this process's key; it stays as it is");
            continue;
        };
        let updated = registry::Entity::update_many()
            .col_expr(
                registry::Column::NotificationSecret,
                Expr::value(key.seal(secret_place(RegistryId(row.id)), &plain)),
            )
            .filter(registry::Column::Id.eq(row.id))
            .filter(registry::Column::NotificationSecret.eq(old))
            .exec(db)
            .await?;
        sealed_again += updated.rows_affected;
    }
    Ok(sealed_again)
}

impl Registries {
    /// Reads every registry row; the configured one must exist
    /// (`catalog::ensure_registry`).
    pub async fn load(
        db: DatabaseConnection,
        config: &Config,
        signer: Arc<TokenSigner>,
        default_secret: String,
    ) -> Result<Registries> {
        let key = SealingKey::load_or_create(&config.webhook_key_path())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let makings = Makings {
            db,
            signer,
            token: config.token.clone(),
            key,
            default_secret,
        };
        let set = makings.read(&[]).await?;
        Ok(Registries {
            makings,
            set: RwLock::new(set),
            last_miss_reload: Mutex::new(None),
        })
    }

    /// Reads the rows again every `period`, so that what another process
    /// changed (a registry added, its secret replaced, one removed) is
    /// served here too within that time.
    pub async fn keep_current(self: Arc<Self>, period: Duration) {
        loop {
            tokio::time::sleep(period).await;
            if let Err(e) = self.reload().await {
                tracing::warn!(error = %e, "cannot read the registries again; serving them as they were");
            }
        }
    }

    /// A client for a registry at `url` that is not (yet) served, to ask
    /// whether it answers.
    pub fn client_for(&self, url: &str) -> RegistryClient {
        RegistryClient::new(url, self.makings.signer.clone(), self.makings.token.clone())
    }

    /// The key that seals notification secrets in the rows.
    pub fn sealing_key(&self) -> &SealingKey {
        &self.makings.key
    }

    /// Reads the rows again; clients of unchanged registries are kept.
    pub async fn reload(&self) -> Result<()> {
        let set = self.makings.read(&self.all()).await?;
        *self.set.write().unwrap_or_else(|p| p.into_inner()) = set;
        Ok(())
    }

    /// Every registry served, by id (the configured one first).
    pub fn all(&self) -> Arc<Vec<Arc<Served>>> {
        self.set
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .all
            .clone()
    }

    /// The configured registry (`[registry]`).
    pub fn configured(&self) -> Arc<Served> {
        self.set
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .configured
            .clone()
    }

    /// Whether more than the configured registry is served.
    pub fn several(&self) -> bool {
        self.all().len() > 1
    }

    /// The ids of the registry `name`, or of every registry when no name is
    /// given (what a list filtered by registry covers).
    pub async fn ids_named(&self, name: Option<&str>) -> Result<Vec<RegistryId>> {
        match name.filter(|n| !n.is_empty()) {
            Some(_) => Ok(vec![self.named_or_configured(name).await?.id]),
            None => Ok(self.all().iter().map(|s| s.id).collect()),
        }
    }

    /// The registry whose tokens carry `service`.
    pub async fn by_service(&self, service: &str) -> Option<Arc<Served>> {
        self.find(|s| s.service == service).await
    }

    /// The registry named `name`.
    pub async fn by_name(&self, name: &str) -> Option<Arc<Served>> {
        self.find(|s| s.name == name).await
    }

    /// The registry with row `id`.
    pub async fn by_id(&self, id: RegistryId) -> Option<Arc<Served>> {
        self.find(|s| s.id == id).await
    }

    /// The registry `name`, or the configured one when no name is given;
    /// an unknown name is refused with the names there are.
    pub async fn named_or_configured(&self, name: Option<&str>) -> Result<Arc<Served>> {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return Ok(self.configured());
        };
        match self.by_name(name).await {
            Some(served) => Ok(served),
            None => Err(Error::NotFound(format!(
                "there is no registry named {name:?}; the registries are {}",
                self.all()
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The registry that holds `ns`.
    pub async fn holding_namespace(&self, ns: &namespace::Model) -> Result<Arc<Served>> {
        self.by_id(RegistryId(ns.registry_id)).await.ok_or_else(|| {
            Error::Internal(format!("namespace {} names no known registry", ns.name))
        })
    }

    /// The registry that holds the repository `id`.
    pub async fn holding_repository(&self, id: RepositoryId) -> Result<Arc<Served>> {
        let db = &self.makings.db;
        let namespace_of = Query::select()
            .column(repository::Column::NamespaceId)
            .from(repository::Entity)
            .and_where(Expr::col(repository::Column::Id).eq(id))
            .to_owned();
        let registry_id: Option<i64> = namespace::Entity::find()
            .select_only()
            .column(namespace::Column::RegistryId)
            .filter(Expr::col(namespace::Column::Id).in_subquery(namespace_of))
            .into_tuple()
            .one(db)
            .await?;
        let registry_id = registry_id.ok_or_else(|| {
            Error::NotFound(format!("no repository {id} (or you may not see it)"))
        })?;
        self.by_id(RegistryId(registry_id))
            .await
            .ok_or_else(|| Error::Internal(format!("repository {id} is in no known registry")))
    }

    /// The registry whose notification secret the `Authorization` header
    /// carries.
    pub async fn by_notification(&self, authorization: &[u8]) -> Option<Arc<Served>> {
        self.find(|s| s.sent_notification(authorization)).await
    }

    /// The first registry that `matches`, reading the rows again once (at
    /// most once a second) when none does.
    async fn find(&self, matches: impl Fn(&Served) -> bool) -> Option<Arc<Served>> {
        if let Some(found) = self.all().iter().find(|s| matches(s)) {
            return Some(found.clone());
        }
        if self.may_reload_after_miss() {
            if let Err(e) = self.reload().await {
                tracing::warn!(error = %e, "cannot read the registries again");
            }
            return self.all().iter().find(|s| matches(s)).cloned();
        }
        None
    }

    fn may_reload_after_miss(&self) -> bool {
        let Ok(mut last) = self.last_miss_reload.lock() else {
            return false;
        };
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < RELOAD_AFTER_MISS) {
            return false;
        }
        *last = Some(now);
        true
    }
}

impl Makings {
    /// Every row, served; `before` lends the clients of unchanged ones.
    async fn read(&self, before: &[Arc<Served>]) -> Result<Set> {
        let rows = registry::Entity::find()
            .order_by_asc(registry::Column::Id)
            .all(&self.db)
            .await?;
        let mut all = Vec::with_capacity(rows.len());
        for row in rows {
            let kept = before.iter().find(|s| s.id == RegistryId(row.id));
            let name = row.name.clone();
            match self.serve(row, kept) {
                Ok(served) => all.push(served),
                // One registry whose secret this process cannot open (another
                // sealing key) is left out; the others are served.
                Err(e) if name != DEFAULT_REGISTRY => {
                    tracing::error!(registry = %name, error = %e, "registry not served")
                }
                Err(e) => return Err(e),
            }
        }
        let configured =
            all.iter().find(|s| s.configured).cloned().ok_or_else(|| {
                Error::Internal("the configured registry's row is missing".into())
            })?;
        Ok(Set {
            all: Arc::new(all),
            configured,
        })
    }

    fn serve(&self, row: registry::Model, kept: Option<&Arc<Served>>) -> Result<Arc<Served>> {
        let configured = row.name == DEFAULT_REGISTRY;
        let service = row
            .service
            .clone()
            .unwrap_or_else(|| self.token.service.clone());
        let notification_secret = match &row.notification_secret {
            Some(sealed) => self
                .key
                .open(secret_place(RegistryId(row.id)), sealed)
                .map_err(|e| {
                    Error::Internal(format!(
                        "the notification secret of registry {:?}: {e}",
                        row.name
                    ))
                })?,
            None if configured => self.default_secret.clone(),
            None => String::new(),
        };
        let hostnames: Vec<String> = serde_json::from_str(&row.hostnames).unwrap_or_default();
        let token = TokenConfig {
            service: service.clone(),
            ..self.token.clone()
        };
        // A registry whose address and service did not change keeps its
        // client (and the tokens that client holds).
        let client = match kept {
            Some(k) if k.url == row.url && k.service == service => k.catalog.registry.clone(),
            _ => RegistryClient::new(&row.url, self.signer.clone(), token.clone()),
        };
        Ok(Arc::new(Served {
            id: RegistryId(row.id),
            name: row.name,
            service,
            url: row.url,
            hostnames,
            client_host: row.hostname,
            configured,
            notification_header: match notification_secret.is_empty() {
                true => String::new(),
                false => format!("Bearer {notification_secret}"),
            },
            notification_secret,
            catalog: Catalog {
                db: self.db.clone(),
                registry: client,
                registry_id: RegistryId(row.id),
            },
            token,
        }))
    }
}
