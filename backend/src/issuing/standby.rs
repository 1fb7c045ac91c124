//! Token answers while the database is away (`db::watch`): pulls go on,
//! from what this process verified at the last authorization epoch it
//! read (`db::epoch`). Anything else gets a 503 that says what is still
//! answered.

use portunus_shared::domain::ActivityKey;
use serde_json::json;

use super::exchange::mint;
use crate::accounts::throttle::{Door, Outcome};
use crate::accounts::{app_tokens, refresh_tokens};
use crate::audit::{Actor, Target};
use crate::authz::{self, Subject};
use crate::crypto::mint::{AccessEntry, TokenResponse};
use crate::db::watch::Down;
use crate::issuing::{At, Grant, Issuer, Refusal, TokenRequest};
use crate::registries::Served;

/// The only action granted while the database is away.
const PULL: &str = "pull";

/// The answer to `request` from what is remembered; `down` is the outage
/// as the probe knows it (`None`: this request found it first).
///
/// What was verified at most the credential cache's lifetime ago still
/// counts for pulls: a user name and password let in from the same
/// address, an application token, a refresh token, and the namespace facts
/// each repository's answer was worked out from. No push or delete, no
/// password or token not seen then, no namespace not asked for then, no
/// new account, no refresh token issued. A registry login answered so is
/// recorded in the audit log once the database is back, with its time.
pub(super) fn answer(
    issuer: &Issuer<'_>,
    from: &str,
    request: &TokenRequest,
    registry: &Served,
    down: Option<&Down>,
    at: At,
) -> Result<TokenResponse, Refusal> {
    let away = |until: &str| {
        let what = down.map_or_else(
            || "Portunus cannot reach its database".into(),
            Down::describe,
        );
        Refusal::DatabaseAway(format!("{what}{until}; retry in a moment"))
    };
    let Some(epoch) = issuer.epoch.standing(at.instant, issuer.credentials.ttl) else {
        return Err(away(""));
    };
    let refused: Vec<&str> = request
        .scopes
        .iter()
        .flat_map(|s| &s.actions)
        .filter(|a| *a != PULL)
        .map(String::as_str)
        .collect();
    if !refused.is_empty() {
        return Err(away(&format!(
            ": until it is back only pulls are answered, not {}",
            refused.join(", ")
        )));
    }
    if matches!(request.grant, Grant::Basic(None)) && request.scopes.is_empty() {
        return Err(Refusal::unauthenticated(
            "authentication required: log in with a user name and password",
        ));
    }
    let throttle = issuer.throttle();
    let attempt = match &request.grant {
        Grant::Basic(Some(c)) | Grant::Password(c) => {
            let door = Door::RegistryLogin;
            Some(throttle.admit(door, from, &c.username, &c.password, at.instant)?)
        }
        _ => None,
    };
    let subject = remembered(issuer, from, request, &registry.service, epoch, at);
    if let Some(attempt) = attempt {
        let outcome = match subject {
            Some(_) => Outcome::Accepted,
            None => Outcome::Unverifiable,
        };
        throttle.settle(attempt, outcome, at.instant);
    }
    let Some(subject) = subject else {
        return Err(away(&format!(
            ": until it is back only credentials used here in the last {} minutes are accepted",
            minutes(issuer)
        )));
    };
    let mut access = Vec::with_capacity(request.scopes.len());
    for scope in &request.scopes {
        let facts = match scope.resource_type.as_str() {
            "repository" => {
                let remembered = issuer
                    .facts
                    .remembered(epoch, registry.id, &subject, &scope.name);
                let Some(facts) = remembered else {
                    return Err(away(&format!(
                        ": until it is back only namespaces used through it in the last {} minutes are answered",
                        minutes(issuer)
                    )));
                };
                facts
            }
            _ => None,
        };
        let policy = &issuer.config.policy;
        let actions: Vec<String> = authz::granted_actions(&subject, policy, scope, facts.as_ref())
            .into_iter()
            .filter(|a| a == PULL)
            .collect();
        if !actions.is_empty() {
            access.push(AccessEntry {
                resource_type: scope.resource_type.clone(),
                name: scope.name.clone(),
                actions,
            });
        }
    }
    if request.scopes.is_empty()
        && let (Some(id), Some(name)) = (subject.user_id, subject.username.as_deref())
    {
        let params = json!({"client_id": request.client_id, "database_away": true});
        issuer.deferred_audit.defer(
            &Actor::user(id.0, name),
            ActivityKey::AuthRegistryLogin,
            Target::new("user", Some(id.0), name),
            Some(params),
            at.wall,
        );
    }
    let holder = subject.username.as_deref().unwrap_or_default();
    tracing::info!(holder, "token answered from memory: the database is away");
    mint(issuer, registry, request, holder, access, at)
}

/// Who the request is from, as remembered at `epoch`; `None` when its
/// credentials were not verified then.
fn remembered(
    issuer: &Issuer<'_>,
    from: &str,
    request: &TokenRequest,
    service: &str,
    epoch: u64,
    at: At,
) -> Option<Subject> {
    let (credentials, now) = (issuer.credentials, at.wall);
    match &request.grant {
        Grant::Basic(None) => Some(Subject::anonymous()),
        // Only a refresh token redeems as one, as `refresh_tokens::redeem`
        // has it; an application token is no refresh token.
        Grant::Refresh(secret) => secret
            .starts_with(refresh_tokens::PREFIX)
            .then(|| credentials.token_subject(service, secret, epoch, now))
            .flatten(),
        Grant::Basic(Some(creds)) | Grant::Password(creds) => {
            let (name, secret) = (creds.username.trim(), creds.password.as_str());
            if request
                .account
                .as_deref()
                .is_some_and(|a| a != creds.username)
            {
                return None;
            }
            let named = |s: &Subject| s.username.as_deref() == Some(name);
            let token = (app_tokens::looks_like_token(secret)
                || app_tokens::looks_like_portus_token(secret))
            .then(|| credentials.token_subject(service, secret, epoch, now))
            .flatten()
            .filter(named);
            token.or_else(|| {
                let user = credentials.admitted(name, secret, from, epoch)?;
                Some(Subject::user(&user, None))
            })
        }
    }
}

/// How long what was verified counts, in minutes.
fn minutes(issuer: &Issuer<'_>) -> u64 {
    issuer.credentials.ttl.as_secs() / 60
}
