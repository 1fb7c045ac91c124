//! The registry token endpoint. `GET /v2/token` authenticates with HTTP Basic
//! (or anonymously); `POST /v2/token` is the OAuth2 form flow with
//! `grant_type=password` or `refresh_token`. Both intersect the requested
//! scopes with what the policy allows and answer with a signed JWT. Every
//! malformed input gets a 4xx JSON answer carrying the registry's error list
//! (which docker shows) and the OAuth2 `error` fields.

mod request;
mod standby;

use std::sync::Arc;
use std::time::Instant;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};
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
use crate::catalog::registries::Served;
use crate::crypto::password;
use crate::db::entities::user;
use crate::error::Error;
use crate::http::client_address::ClientAddress;
use crate::http::state::SharedState;

use crate::crypto::mint::{AccessEntry, issue};
pub use request::{Credentials, Grant, TokenRequest};

/// An answer that is not a token.
#[derive(Debug)]
pub struct TokenError {
    status: StatusCode,
    code: &'static str,
    oauth: &'static str,
    message: String,
    /// Seconds for `Retry-After` (503 and 429 answers).
    retry_after: Option<u64>,
    /// The database did not answer: [`standby`] may answer instead.
    database_away: bool,
}

impl TokenError {
    fn bad_request(oauth: &'static str, message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            code: "UNSUPPORTED",
            oauth,
            message: message.into(),
            retry_after: None,
            database_away: false,
        }
    }

    fn unauthorized(message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::UNAUTHORIZED,
            code: "UNAUTHORIZED",
            oauth: "invalid_grant",
            message: message.into(),
            retry_after: None,
            database_away: false,
        }
    }

    /// A 503 saying that the database is away and what is still answered.
    fn database_away(message: String) -> TokenError {
        TokenError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "UNAVAILABLE",
            oauth: "temporarily_unavailable",
            message,
            retry_after: Some(password::RETRY_AFTER_SECONDS),
            database_away: true,
        }
    }

    fn into_response(self) -> Response {
        let message = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(message = %self.message, "token request failed");
            "internal error while issuing the token; the server log has details".to_owned()
        } else {
            self.message
        };
        let body = json!({
            "errors": [{ "code": self.code, "message": message }],
            "error": self.oauth,
            "error_description": message,
        });
        let mut builder = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-store");
        if self.status == StatusCode::UNAUTHORIZED {
            builder = builder.header(header::WWW_AUTHENTICATE, "Basic realm=\"portunus\"");
        }
        if let Some(seconds) = self.retry_after {
            builder = builder.header(header::RETRY_AFTER, seconds);
        }
        builder.body(body.to_string())
    }
}

impl From<Error> for TokenError {
    fn from(e: Error) -> TokenError {
        let unavailable = |message: String, retry_after: u64, status: StatusCode| TokenError {
            status,
            code: "TOOMANYREQUESTS",
            oauth: "temporarily_unavailable",
            message,
            retry_after: Some(retry_after),
            database_away: false,
        };
        match e {
            Error::Busy(message) => unavailable(
                message,
                password::RETRY_AFTER_SECONDS,
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Error::RateLimited {
                message,
                retry_after,
            } => unavailable(message, retry_after, StatusCode::TOO_MANY_REQUESTS),
            // Registry clients show the message of a 401 only, and people
            // must learn that the directory, not their password, failed.
            Error::DirectoryUnavailable(message) => {
                tracing::warn!(%message, "a login could not be checked");
                TokenError {
                    status: StatusCode::UNAUTHORIZED,
                    code: "UNAVAILABLE",
                    ..unavailable(
                        format!("{message}; your password was not checked: retry in a moment"),
                        password::RETRY_AFTER_SECONDS,
                        StatusCode::UNAUTHORIZED,
                    )
                }
            }
            e if e.is_outage() => {
                tracing::error!(error = %e, "token request failed: a service is unavailable");
                match e {
                    // Names the service (the LDAP directory, say).
                    Error::Unavailable(message) | Error::DirectoryUnavailable(message) => {
                        TokenError {
                            code: "UNAVAILABLE",
                            ..unavailable(
                                format!("{message}; retry in a moment"),
                                password::RETRY_AFTER_SECONDS,
                                StatusCode::SERVICE_UNAVAILABLE,
                            )
                        }
                    }
                    _ => TokenError::database_away(
                        "Portunus cannot reach its database; retry in a moment".into(),
                    ),
                }
            }
            // A sign-in the rules refuse (a directory account whose name
            // a local account holds): said as it is.
            Error::Conflict(message) | Error::Forbidden(message) => TokenError {
                status: StatusCode::FORBIDDEN,
                code: "DENIED",
                oauth: "access_denied",
                message,
                retry_after: None,
                database_away: false,
            },
            e => TokenError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: "UNKNOWN",
                oauth: "server_error",
                message: e.to_string(),
                retry_after: None,
                database_away: false,
            },
        }
    }
}

fn reply(result: Result<String, TokenError>) -> Response {
    match result {
        Ok(body) => Response::builder()
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-store")
            .body(body),
        Err(e) => e.into_response(),
    }
}

/// `GET /v2/token`
#[handler]
pub async fn get_token(
    req: &Request,
    Data(state): Data<&SharedState>,
    Data(from): Data<&ClientAddress>,
) -> Response {
    let parsed = TokenRequest::parse(
        req.uri().query().unwrap_or_default(),
        req.headers().get(header::AUTHORIZATION),
    )
    .map_err(|m| TokenError::bad_request("invalid_request", m));
    reply(match parsed {
        Ok(request) => answer(state, from, request, false).await,
        Err(e) => Err(e),
    })
}

/// `POST /v2/token` (OAuth2, form-encoded)
#[handler]
pub async fn post_token(
    body: Body,
    Data(state): Data<&SharedState>,
    Data(from): Data<&ClientAddress>,
) -> Response {
    let bytes = match body.into_vec().await {
        Ok(bytes) => bytes,
        Err(e) => {
            return reply(Err(TokenError::bad_request(
                "invalid_request",
                e.to_string(),
            )));
        }
    };
    reply(match TokenRequest::parse_form(&bytes) {
        Ok(request) => answer(state, from, request, true).await,
        Err((oauth, message)) => Err(TokenError::bad_request(oauth, message)),
    })
}

/// Who the request is from, and the account to issue a refresh token for
/// (password logins only).
struct Authenticated {
    subject: Subject,
    refreshable: Option<user::Model>,
    /// The refresh token the client presented, returned unchanged.
    presented_refresh: Option<String>,
}

async fn answer(
    state: &SharedState,
    from: &ClientAddress,
    request: TokenRequest,
    oauth: bool,
) -> Result<String, TokenError> {
    let registry = registry_asked(state, &request).await?;
    let down = state.database.down();
    if down.is_none() {
        match exchange(state, from, &request, &registry, oauth).await {
            Err(e) if e.database_away => state.database.suspect(),
            answer => return answer,
        }
    }
    standby::answer(state, from, &request, &registry, oauth, down.as_ref())
}

/// The registry the request names by its service; without one, the
/// configured registry.
async fn registry_asked(
    state: &SharedState,
    request: &TokenRequest,
) -> Result<Arc<Served>, TokenError> {
    let Some(asked) = &request.service else {
        return Ok(state.registries.configured());
    };
    if let Some(registry) = state.registries.by_service(asked).await {
        return Ok(registry);
    }
    let known: Vec<String> = state
        .registries
        .all()
        .iter()
        .map(|r| format!("{:?}", r.service))
        .collect();
    Err(TokenError::bad_request(
        "invalid_request",
        format!(
            "unknown service {asked:?}; this Portunus issues tokens for {}",
            known.join(", ")
        ),
    ))
}

/// The token for `request`, with everything read from the database.
async fn exchange(
    state: &SharedState,
    from: &ClientAddress,
    request: &TokenRequest,
    registry: &Served,
    oauth: bool,
) -> Result<String, TokenError> {
    // Read first: the tokens verified below are remembered at it.
    let epoch = state
        .epoch
        .current(&state.db, Instant::now())
        .await
        .map_err(Error::from)?;
    let service = registry.service.as_str();
    let who = match &request.grant {
        Grant::Basic(None) if request.scopes.is_empty() => {
            return Err(TokenError::unauthorized(
                "authentication required: log in with a user name and password",
            ));
        }
        Grant::Basic(None) => Authenticated {
            subject: Subject::anonymous(),
            refreshable: None,
            presented_refresh: None,
        },
        Grant::Basic(Some(creds)) => {
            let login = Login::new(creds, request.account.as_deref(), service, epoch);
            authenticate(state, from, login, false).await?
        }
        // The OAuth2 password grant is an explicit sign-in.
        Grant::Password(creds) => {
            let login = Login::new(creds, request.account.as_deref(), service, epoch);
            authenticate(state, from, login, true).await?
        }
        Grant::Refresh(secret) => match refresh_tokens::redeem(
            &state.db,
            refresh_tokens::Limits::of(&state.config),
            secret,
            service,
            chrono::Utc::now(),
        )
        .await?
        {
            Some(user) => {
                // A directory account is asked about again once its last
                // check is older than `ldap.cache_seconds`.
                let now = chrono::Utc::now();
                let ldap = state.ldap.as_deref();
                let Some(user) = ldap::recheck(&state.db, &state.epoch, ldap, user, now).await?
                else {
                    return Err(TokenError::unauthorized(
                        "the directory no longer knows this account, so its refresh tokens ended; ask an administrator",
                    ));
                };
                let subject = Subject::user(&user, None);
                state
                    .credentials
                    .remember_token(service, secret, epoch, &subject, None);
                Authenticated {
                    subject,
                    refreshable: None,
                    presented_refresh: Some(secret.clone()),
                }
            }
            None => {
                return Err(TokenError::unauthorized(
                    "invalid, revoked or expired refresh token (a password change or a disabled account revokes it); log in again",
                ));
            }
        },
    };
    if request.scopes.is_empty()
        && let (Some(id), Some(name)) = (who.subject.user_id, who.subject.username.as_deref())
    {
        // A login (docker login, podman login): audited; token requests for
        // pulls and pushes are too many to record one by one.
        let actor = Actor::user(id, name);
        let target = Target::new("user", Some(id), name);
        let params = json!({"client_id": request.client_id});
        audit::record(
            &state.db,
            &actor,
            "auth.registry_login",
            target,
            Some(params),
        )
        .await?;
    }
    let access = granted_access(state, registry.id, &who.subject, &request.scopes).await?;
    let refresh_token = match (&who.refreshable, request.offline) {
        (Some(user), true) => {
            let client = request.client_id.as_deref().unwrap_or("unknown");
            Some(
                refresh_tokens::issue(
                    &state.db,
                    refresh_tokens::Limits::of(&state.config),
                    user,
                    service,
                    client,
                    &from.0,
                    chrono::Utc::now(),
                )
                .await?,
            )
        }
        _ => who.presented_refresh,
    };
    let holder = who.subject.username.as_deref().unwrap_or_default();
    mint(
        state,
        registry,
        request,
        holder,
        access,
        refresh_token,
        oauth,
    )
}

/// The signed token for `holder` with `access`, as the answer's JSON.
fn mint(
    state: &SharedState,
    registry: &Served,
    request: &TokenRequest,
    holder: &str,
    access: Vec<AccessEntry>,
    refresh_token: Option<String>,
    oauth: bool,
) -> Result<String, TokenError> {
    let granted_scope = oauth.then(|| {
        access
            .iter()
            .map(|a| format!("{}:{}:{}", a.resource_type, a.name, a.actions.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut response = issue(
        &state.signer,
        &registry.token,
        holder,
        access,
        chrono::Utc::now(),
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    response.refresh_token = refresh_token;
    response.scope = granted_scope;
    let answer = serde_json::to_string(&response).map_err(|e| Error::Internal(e.to_string()))?;
    state.issued_tokens.count(request.grant.kind());
    Ok(answer)
}

/// What `subject` is granted of `scopes`: the intersection of what was asked
/// and what the policy allows; resources with nothing granted are left out.
async fn granted_access(
    state: &SharedState,
    registry_id: i64,
    subject: &Subject,
    scopes: &[Scope],
) -> Result<Vec<AccessEntry>, Error> {
    let mut access = Vec::with_capacity(scopes.len());
    // Read again: signing in may have changed what decides (a directory
    // sign-in brings the person's teams in step).
    let epoch = state.epoch.current(&state.db, Instant::now()).await?;
    for scope in scopes {
        let facts = if scope.resource_type == "repository" {
            let (db, name) = (&state.db, &scope.name);
            state
                .facts
                .repository_facts(db, epoch, registry_id, subject, name)
                .await?
        } else {
            None
        };
        let actions = authz::granted_actions(subject, &state.config.policy, scope, facts.as_ref());
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

/// Checks a user name with a password or an application token; failures
/// are audited. `explicit` for a sign-in (the OAuth2 password grant) that
/// asks the directory anew.
/// A user name with a password or token, as presented for a registry.
struct Login<'a> {
    creds: &'a Credentials,
    /// The `account` parameter, which must be the same name.
    account: Option<&'a str>,
    service: &'a str,
    /// The authorization epoch read before anything else.
    epoch: u64,
}

impl<'a> Login<'a> {
    fn new(
        creds: &'a Credentials,
        account: Option<&'a str>,
        service: &'a str,
        epoch: u64,
    ) -> Login<'a> {
        Login {
            creds,
            account,
            service,
            epoch,
        }
    }
}

async fn authenticate(
    state: &SharedState,
    from: &ClientAddress,
    login: Login<'_>,
    explicit: bool,
) -> Result<Authenticated, TokenError> {
    let creds = login.creds;
    let throttle = state.throttle();
    let (door, address) = (Door::RegistryLogin, from.0.as_str());
    let attempt = throttle.admit(
        door,
        address,
        &creds.username,
        &creds.password,
        Instant::now(),
    )?;
    let result = check_credentials(state, from, &login, explicit).await;
    let refused = matches!(&result, Err(e) if e.code == "UNAUTHORIZED");
    let outcome = match &result {
        Ok(_) => Outcome::Accepted,
        Err(_) if refused => Outcome::Refused,
        Err(_) => Outcome::Unchecked,
    };
    throttle.settle(attempt, outcome, Instant::now());
    if let Err(e) = &result
        && refused
    {
        // A lock set here has moved the epoch already; a count of wrong
        // passwords is no reason to forget what every login remembers.
        let params = json!({ "reason": e.message });
        let key = "auth.registry_login_failed";
        // The refusal stands even if it cannot be recorded: an audit
        // write that fails must not turn it into an outage (and a pull
        // answered from memory).
        if let Err(failed) =
            credentials::record_failure(&state.db, &creds.username, key, Some(params)).await
        {
            tracing::error!(error = %failed, "cannot record a refused registry login");
        }
    }
    result
}

async fn check_credentials(
    state: &SharedState,
    from: &ClientAddress,
    login: &Login<'_>,
    explicit: bool,
) -> Result<Authenticated, TokenError> {
    let creds = login.creds;
    if let Some(account) = login.account
        && account != creds.username
    {
        return Err(TokenError::unauthorized(format!(
            "the account parameter {account:?} does not match the user name in the credentials"
        )));
    }
    if validate_username(&creds.username).is_err() {
        return Err(TokenError::unauthorized("invalid user name or password"));
    }
    let verified = if app_tokens::looks_like_token(&creds.password) {
        let verified = app_tokens::authenticate(&state.db, &creds.password).await?;
        match verified.filter(|v| v.user.username == creds.username) {
            Some(verified) => Some(verified),
            None => {
                return Err(TokenError::unauthorized(
                    "invalid, expired or revoked application token (or it belongs to another user)",
                ));
            }
        }
    } else if app_tokens::looks_like_portus_token(&creds.password)
        && !state
            .credentials
            .was_verified(&creds.username, &creds.password)
    {
        // Tokens brought from Portus come as passwords; only a secret of
        // their shape that is no recently verified password is looked up.
        app_tokens::authenticate_portus(&state.db, &creds.username, &creds.password).await?
    } else {
        None
    };
    if let Some(verified) = verified {
        let subject = Subject::user(&verified.user, Some(verified.scope));
        let (service, secret) = (login.service, &creds.password);
        let until = verified.expires_at;
        state
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
        address: &from.0,
        now: chrono::Utc::now(),
    };
    let check = match explicit {
        true => state.sign_in_check(),
        false => state.password_check(),
    };
    match credentials::authenticate(&state.db, check, attempt, &creds.password).await? {
        Ok(user) => Ok(Authenticated {
            subject: Subject::user(&user, None),
            refreshable: Some(user),
            presented_refresh: None,
        }),
        Err(failure) => Err(TokenError::unauthorized(failure.message())),
    }
}
