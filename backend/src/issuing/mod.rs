//! Issuing registry tokens: the token exchange behind `/v2/token`. From a
//! parsed request it picks the registry, checks who asks (password,
//! application token, refresh token, or no one), records logins, grants
//! what the policy allows of the scopes asked for and signs the token.
//! While the database is away, [`standby`] answers pulls from memory.
//! What is refused is a typed [`Refusal`]; `http::token` parses requests
//! and maps answers onto the protocol.

mod exchange;
pub mod issued_tokens;
pub mod refusal;
pub mod request;
mod standby;
#[cfg(test)]
mod tests;

use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::accounts::credentials::{CredentialCache, PasswordCheck};
use crate::accounts::lockout::Lockout;
use crate::accounts::rate_limit::RateLimits;
use crate::accounts::throttle::Throttle;
use crate::audit::backlog::Backlog;
use crate::authz::facts_cache::FactsCache;
use crate::config::Config;
use crate::crypto::mint::TokenResponse;
use crate::crypto::signing::TokenSigner;
use crate::db::epoch::Epoch;
use crate::db::watch::Watch;
use crate::directory::ldap::Ldap;
use crate::registries::{Registries, Served};
pub use refusal::Refusal;
pub use request::{Credentials, Grant, TokenRequest};

/// What issuing reads and remembers; the server builds one per request.
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    pub config: &'a Config,
    pub db: &'a DatabaseConnection,
    pub registries: &'a Registries,
    pub signer: &'a TokenSigner,
    /// Passwords and tokens verified lately.
    pub credentials: &'a CredentialCache,
    /// When what `credentials` and `facts` remember is stale.
    pub epoch: &'a Epoch,
    /// Namespace facts remembered between token requests.
    pub facts: &'a FactsCache,
    pub limits: &'a RateLimits,
    /// Whether the database answers, as the probe last found it.
    pub database: &'a Watch,
    /// Registry logins answered while the database was away, to record.
    pub deferred_audit: &'a Backlog,
    pub ldap: Option<&'a Ldap>,
}

/// A moment, on both clocks: the wall clock for what is stored and signed,
/// the monotonic one for what is measured in memory.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub wall: DateTime<Utc>,
    pub instant: Instant,
}

impl At {
    pub fn now() -> At {
        At {
            wall: Utc::now(),
            instant: Instant::now(),
        }
    }
}

impl<'a> Issuer<'a> {
    /// What checking a password needs; `explicit` for a sign-in (web UI,
    /// OAuth2 password grant), which asks the directory anew.
    pub fn password_check(&self, explicit: bool) -> PasswordCheck<'a> {
        PasswordCheck {
            cache: self.credentials,
            epoch: self.epoch,
            lockout: Lockout::of(self.config),
            ldap: self.ldap,
            ask_directory: explicit,
        }
    }

    /// The throttle in front of every password check.
    pub fn throttle(&self) -> Throttle<'a> {
        Throttle::new(self.limits, self.credentials)
    }
}

/// The token answering `request` from client address `from` at `at`.
/// OAuth2 grants (POST) are answered with the scope granted too.
pub async fn exchange(
    issuer: &Issuer<'_>,
    from: &str,
    request: &TokenRequest,
    at: At,
) -> Result<TokenResponse, Refusal> {
    let registry = registry_asked(issuer, request).await?;
    let down = issuer.database.down();
    if down.is_none() {
        match exchange::answer(issuer, from, request, &registry, at).await {
            Err(Refusal::DatabaseAway(_)) => issuer.database.suspect(),
            answer => return answer,
        }
    }
    standby::answer(issuer, from, request, &registry, down.as_ref(), at)
}

/// The registry the request names by its service; without one, the
/// configured registry.
async fn registry_asked(
    issuer: &Issuer<'_>,
    request: &TokenRequest,
) -> Result<std::sync::Arc<Served>, Refusal> {
    let Some(asked) = &request.service else {
        return Ok(issuer.registries.configured());
    };
    if let Some(registry) = issuer.registries.by_service(asked).await {
        return Ok(registry);
    }
    let known: Vec<String> = issuer
        .registries
        .all()
        .iter()
        .map(|r| format!("{:?}", r.service))
        .collect();
    Err(Refusal::invalid(format!(
        "unknown service {asked:?}; this Portunus issues tokens for {}",
        known.join(", ")
    )))
}
