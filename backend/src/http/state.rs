//! What every HTTP handler can reach, built once at start by `app`.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::accounts::credentials::CredentialCache;
use crate::accounts::setup::Setup;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::crypto::signing::TokenSigner;
use crate::http::rate_limit::RateLimits;
use crate::http::stored_figures::StoredFigures;
use crate::ingest::Events;

pub struct AppState {
    pub config: Config,
    /// The database (the same pool as `catalog.db`).
    pub db: DatabaseConnection,
    /// The configured registry and what Portunus records of it.
    pub catalog: Catalog,
    pub signer: Arc<TokenSigner>,
    pub credentials: CredentialCache,
    pub notification_secret: String,
    /// The registry event pipeline: counters, wake-ups, registry names.
    pub events: Arc<Events>,
    /// The setup code that lets a sign-up become the first administrator.
    pub setup: Setup,
    /// How often each client address may try signing in, up and on.
    pub limits: RateLimits,
    /// What `/metrics` last counted in the database.
    pub stored_figures: StoredFigures,
}

pub type SharedState = Arc<AppState>;
