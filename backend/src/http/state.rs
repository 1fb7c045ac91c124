//! What every HTTP handler can reach, built once at start by `app`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::credentials::{CredentialCache, PasswordCheck};
use crate::accounts::post::Post;
use crate::accounts::rate_limit::RateLimits;
use crate::accounts::setup::Setup;
use crate::accounts::throttle::Throttle;
use crate::audit::backlog::Backlog;
use crate::authz::facts_cache::FactsCache;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::crypto::signing::TokenSigner;
use crate::db::epoch::Epoch;
use crate::db::ids::RepositoryId;
use crate::db::watch::Watch;
use crate::directory::ldap::Ldap;
use crate::directory::oidc::Oidc;
use crate::http::readiness::RegistryCheck;
use crate::http::remembered::Remembered;
use crate::http::stored_figures::StoredFigures;
use crate::ingest::Events;
use crate::issuing::Issuer;
use crate::issuing::issued_tokens::IssuedTokens;
use crate::mail::Mailer;
use crate::registries::Registries;
use crate::webhooks::Sender;

pub struct AppState {
    pub config: Config,
    /// The database (the same pool as `catalog.db`).
    pub db: DatabaseConnection,
    /// The registries served, each with what Portunus records of it.
    pub registries: Arc<Registries>,
    pub signer: Arc<TokenSigner>,
    pub credentials: CredentialCache,
    /// When what `credentials` and `facts` remember is stale.
    pub epoch: Epoch,
    /// Namespace facts remembered between token requests.
    pub facts: FactsCache,
    /// Whether the database answers, as the probe last found it.
    pub database: Arc<Watch>,
    /// Registry logins answered while the database was away, to record.
    pub deferred_audit: Backlog,
    /// The registry event pipeline: counters, wake-ups, registry names.
    pub events: Arc<Events>,
    /// Outgoing webhooks: the sealing key, the client, the sender's bell.
    pub webhooks: Arc<Sender>,
    /// The setup code that lets a sign-up become the first administrator.
    pub setup: Setup,
    /// How often each client address may try signing in, up and on.
    pub limits: RateLimits,
    /// What `/metrics` last counted in the database.
    pub stored_figures: StoredFigures,
    /// The registries' last answers to `/ready`.
    pub registry_checks: Remembered<Vec<RegistryCheck>>,
    /// Registry tokens issued by this process, by grant (`/metrics`).
    pub issued_tokens: IssuedTokens,
    /// The gateway, when `[gateway]` is on.
    pub gateway: Option<Arc<crate::gateway::Gateway>>,
    /// The LDAP directory, when `[ldap]` is configured.
    pub ldap: Option<Arc<Ldap>>,
    /// The OpenID Provider, when `[oidc]` is configured.
    pub oidc: Option<Arc<Oidc>>,
    /// The SMTP server, when `[mail]` is configured.
    pub mailer: Option<Arc<Mailer>>,
}

impl AppState {
    /// What issuing registry tokens reads and remembers.
    pub fn issuer(&self) -> Issuer<'_> {
        Issuer {
            config: &self.config,
            db: &self.db,
            registries: &self.registries,
            signer: &self.signer,
            credentials: &self.credentials,
            epoch: &self.epoch,
            facts: &self.facts,
            limits: &self.limits,
            database: &self.database,
            deferred_audit: &self.deferred_audit,
            ldap: self.ldap.as_deref(),
        }
    }

    /// What a web UI sign-in's password check needs: an explicit sign-in,
    /// which always asks the directory.
    pub fn sign_in_check(&self) -> PasswordCheck<'_> {
        self.issuer().password_check(true)
    }

    /// What Portunus records of the registry holding repository `id`, and
    /// its client (404 when there is no such repository).
    pub async fn catalog_of_repository(&self, id: RepositoryId) -> crate::error::Result<Catalog> {
        Ok(self
            .registries
            .holding_repository(id)
            .await?
            .catalog
            .clone())
    }

    /// The throttle in front of every password check.
    pub fn throttle(&self) -> Throttle<'_> {
        self.issuer().throttle()
    }

    /// How mail goes out, when it does.
    pub fn post(&self) -> Option<Post<'_>> {
        Some(Post {
            mailer: self.mailer.as_deref()?,
            settings: &self.config.mail,
            public_url: &self.config.public_url,
        })
    }
}

pub type SharedState = Arc<AppState>;
