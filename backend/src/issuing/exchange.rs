//! The exchange with everything read from the database: who asks, what
//! they are granted, the signed token.

use portunus_shared::domain::ActivityKey;
use portunus_shared::names::validate_username;
use portunus_shared::scope::Scope;
use serde_json::json;

use crate::accounts::app_tokens;
use crate::accounts::credentials;
use crate::accounts::ldap;
use crate::accounts::lockout::Attempt;
use crate::accounts::refresh_tokens;
use crate::accounts::throttle::{Door, Outcome};
use crate::audit::{self, Actor, Target};
use crate::authz::{self, Subject};
use crate::crypto::mint::{self, AccessEntry, TokenResponse};
use crate::db::entities::user;
use crate::db::ids::RegistryId;
use crate::error::Error;
use crate::issuing::{At, Credentials, Grant, Issuer, Refusal, TokenRequest};
use crate::registries::Served;

/// Who the request is from, and the account to issue a refresh token for
/// (password logins only).
struct Authenticated {
    subject: Subject,
    refreshable: Option<user::Model>,
    /// The refresh token the client presented, returned unchanged.
    presented_refresh: Option<String>,
}

/// A user name with a password or token, as presented for a registry.
struct Login<'a> {
    creds: &'a Credentials,
    /// The `account` parameter, which must be the same name.
    account: Option<&'a str>,
    service: &'a str,
    /// The authorization epoch read before anything else.
    epoch: u64,
    /// A sign-in (the OAuth2 password grant) that asks the directory anew.
    explicit: bool,
}

pub(super) async fn answer(
    issuer: &Issuer<'_>,
    from: &str,
    request: &TokenRequest,
    registry: &Served,
    at: At,
) -> Result<TokenResponse, Refusal> {
    // Read first: the tokens verified below are remembered at it.
    let epoch = issuer
        .epoch
        .current(issuer.db, at.instant)
        .await
        .map_err(Error::from)?;
    let service = registry.service.as_str();
    let login = |creds, explicit| Login {
        creds,
        account: request.account.as_deref(),
        service,
        epoch,
        explicit,
    };
    let who = match &request.grant {
        Grant::Basic(None) if request.scopes.is_empty() => {
            return Err(Refusal::unauthenticated(
                "authentication required: log in with a user name and password",
            ));
        }
        Grant::Basic(None) => Authenticated {
            subject: Subject::anonymous(),
            refreshable: None,
            presented_refresh: None,
        },
        Grant::Basic(Some(creds)) => authenticate(issuer, from, login(creds, false), at).await?,
        // The OAuth2 password grant is an explicit sign-in.
        Grant::Password(creds) => authenticate(issuer, from, login(creds, true), at).await?,
        Grant::Refresh(secret) => Box::pin(redeem(issuer, service, secret, epoch, at)).await?,
    };
    if request.scopes.is_empty()
        && let (Some(id), Some(name)) = (who.subject.user_id, who.subject.username.as_deref())
    {
        // A login (docker login, podman login): audited; token requests for
        // pulls and pushes are too many to record one by one.
        let actor = Actor::user(id.0, name);
        let target = Target::new("user", Some(id.0), name);
        let params = json!({"client_id": request.client_id});
        let key = ActivityKey::AuthRegistryLogin;
        Box::pin(audit::record(issuer.db, &actor, key, target, Some(params))).await?;
    }
    let access = granted_access(issuer, registry.id, &who.subject, &request.scopes, at).await?;
    let refresh_token = match (&who.refreshable, request.offline) {
        (Some(user), true) => {
            let client = request.client_id.as_deref().unwrap_or("unknown");
            let limits = refresh_tokens::Limits::of(issuer.config);
            let db = issuer.db;
            let issued = refresh_tokens::issue(db, limits, user, service, client, from, at.wall);
            Some(Box::pin(issued).await?)
        }
        _ => who.presented_refresh,
    };
    let holder = who.subject.username.as_deref().unwrap_or_default();
    let minted = mint(issuer, registry, request, holder, access, at)?;
    Ok(TokenResponse {
        refresh_token,
        ..minted
    })
}

/// The signed token for `holder` with `access`; for OAuth2 grants, with
/// the scope granted.
pub(super) fn mint(
    issuer: &Issuer<'_>,
    registry: &Served,
    request: &TokenRequest,
    holder: &str,
    access: Vec<AccessEntry>,
    at: At,
) -> Result<TokenResponse, Refusal> {
    let granted_scope = request.grant.is_oauth().then(|| {
        access
            .iter()
            .map(|a| format!("{}:{}:{}", a.resource_type, a.name, a.actions.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut response = mint::issue(issuer.signer, &registry.token, holder, access, at.wall)
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    response.scope = granted_scope;
    Ok(response)
}

/// The account a refresh token stands for, checked with the directory
/// when its last check is older than `ldap.cache_seconds`.
async fn redeem(
    issuer: &Issuer<'_>,
    service: &str,
    secret: &str,
    epoch: u64,
    at: At,
) -> Result<Authenticated, Refusal> {
    let limits = refresh_tokens::Limits::of(issuer.config);
    let Some(user) = refresh_tokens::redeem(issuer.db, limits, secret, service, at.wall).await?
    else {
        return Err(Refusal::unauthenticated(
            "invalid, revoked or expired refresh token (a password change or a disabled account revokes it); log in again",
        ));
    };
    let Some(user) = ldap::recheck(issuer.db, issuer.epoch, issuer.ldap, user, at.wall).await?
    else {
        return Err(Refusal::unauthenticated(
            "the directory no longer knows this account, so its refresh tokens ended; ask an administrator",
        ));
    };
    let subject = Subject::user(&user, None);
    issuer
        .credentials
        .remember_token(service, secret, epoch, &subject, None);
    Ok(Authenticated {
        subject,
        refreshable: None,
        presented_refresh: Some(secret.to_owned()),
    })
}

/// What `subject` is granted of `scopes`: the intersection of what was asked
/// and what the policy allows; resources with nothing granted are left out.
async fn granted_access(
    issuer: &Issuer<'_>,
    registry_id: RegistryId,
    subject: &Subject,
    scopes: &[Scope],
    at: At,
) -> Result<Vec<AccessEntry>, Error> {
    let mut access = Vec::with_capacity(scopes.len());
    // Read again: signing in may have changed what decides (a directory
    // sign-in brings the person's teams in step).
    let epoch = issuer.epoch.current(issuer.db, at.instant).await?;
    for scope in scopes {
        let facts = if scope.resource_type == "repository" {
            let (db, name) = (issuer.db, &scope.name);
            issuer
                .facts
                .repository_facts(db, epoch, registry_id, subject, name)
                .await?
        } else {
            None
        };
        let policy = &issuer.config.policy;
        let actions = authz::granted_actions(subject, policy, scope, facts.as_ref());
        if !actions.is_empty() {
            access.push(AccessEntry {
                resource_type: scope.resource_type.clone(),
                name: scope.name.clone(),
                actions,
            });
        }
    }
    Ok(access)
}

/// Checks a user name with a password or an application token, through
/// the throttle; refusals are audited.
async fn authenticate(
    issuer: &Issuer<'_>,
    from: &str,
    login: Login<'_>,
    at: At,
) -> Result<Authenticated, Refusal> {
    let creds = login.creds;
    let throttle = issuer.throttle();
    let (name, secret) = (&creds.username, &creds.password);
    let attempt = throttle.admit(Door::RegistryLogin, from, name, secret, at.instant)?;
    let result = check_credentials(issuer, from, &login, at).await;
    let outcome = match &result {
        Ok(_) => Outcome::Accepted,
        Err(Refusal::Unauthenticated(_)) => Outcome::Refused,
        Err(_) => Outcome::Unchecked,
    };
    throttle.settle(attempt, outcome, at.instant);
    if let Err(Refusal::Unauthenticated(reason)) = &result {
        // A lock set here has moved the epoch already; a count of wrong
        // passwords is no reason to forget what every login remembers.
        let params = json!({ "reason": reason });
        let key = ActivityKey::AuthRegistryLoginFailed;
        // The refusal stands even if it cannot be recorded: an audit
        // write that fails must not turn it into an outage (and a pull
        // answered from memory).
        let recorded = credentials::record_failure(issuer.db, &creds.username, key, Some(params));
        if let Err(failed) = Box::pin(recorded).await {
            tracing::error!(error = %failed, "cannot record a refused registry login");
        }
    }
    result
}

async fn check_credentials(
    issuer: &Issuer<'_>,
    from: &str,
    login: &Login<'_>,
    at: At,
) -> Result<Authenticated, Refusal> {
    let creds = login.creds;
    if let Some(account) = login.account
        && account != creds.username
    {
        return Err(Refusal::unauthenticated(format!(
            "the account parameter {account:?} does not match the user name in the credentials"
        )));
    }
    if validate_username(&creds.username).is_err() {
        return Err(Refusal::unauthenticated("invalid user name or password"));
    }
    let verified = if app_tokens::looks_like_token(&creds.password) {
        let verified = Box::pin(app_tokens::authenticate(
            issuer.db,
            &creds.password,
            at.wall,
        ))
        .await?;
        match verified.filter(|v| v.user.username == creds.username) {
            Some(verified) => Some(verified),
            None => {
                return Err(Refusal::unauthenticated(
                    "invalid, expired or revoked application token (or it belongs to another user)",
                ));
            }
        }
    } else if app_tokens::looks_like_portus_token(&creds.password)
        && !issuer
            .credentials
            .was_verified(&creds.username, &creds.password)
    {
        // Tokens brought from Portus come as passwords; only a secret of
        // their shape that is no recently verified password is looked up.
        let (db, name, secret) = (issuer.db, &creds.username, &creds.password);
        Box::pin(app_tokens::authenticate_portus(db, name, secret, at.wall)).await?
    } else {
        None
    };
    if let Some(verified) = verified {
        let subject = Subject::user(&verified.user, Some(verified.scope));
        let (service, secret) = (login.service, &creds.password);
        let until = verified.expires_at;
        issuer
            .credentials
            .remember_token(service, secret, login.epoch, &subject, until);
        return Ok(Authenticated {
            subject,
            refreshable: None,
            presented_refresh: None,
        });
    }
    let attempt = Attempt {
        username: &creds.username,
        address: from,
        now: at.wall,
    };
    let check = issuer.password_check(login.explicit);
    match credentials::authenticate(issuer.db, check, attempt, &creds.password).await? {
        Ok(user) => Ok(Authenticated {
            subject: Subject::user(&user, None),
            refreshable: Some(user),
            presented_refresh: None,
        }),
        Err(failure) => Err(Refusal::Unauthenticated(failure.message())),
    }
}
