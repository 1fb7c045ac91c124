//! The registry token endpoint. `GET /v2/token` authenticates with HTTP Basic
//! (or anonymously); `POST /v2/token` is the OAuth2 form flow with
//! `grant_type=password` or `refresh_token`. Both intersect the requested
//! scopes with what the policy allows and answer with a signed JWT. Every
//! malformed input gets a 4xx JSON answer carrying the registry's error list
//! (which docker shows) and the OAuth2 `error` fields.

mod request;

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
use crate::audit::{self, Actor, Target};
use crate::authz::{self, Subject};
use crate::crypto::password;
use crate::db::entities::user;
use crate::error::Error;
use crate::http::client_address::ClientAddress;
use crate::http::rate_limit::Limited;
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
}

impl TokenError {
    fn bad_request(oauth: &'static str, message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            code: "UNSUPPORTED",
            oauth,
            message: message.into(),
            retry_after: None,
        }
    }

    fn unauthorized(message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::UNAUTHORIZED,
            code: "UNAUTHORIZED",
            oauth: "invalid_grant",
            message: message.into(),
            retry_after: None,
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
                let message = match e {
                    // Names the service (the LDAP directory, say).
                    Error::Unavailable(message) | Error::DirectoryUnavailable(message) => {
                        format!("{message}; retry in a moment")
                    }
                    _ => "Portunus cannot reach its database; retry in a moment".into(),
                };
                TokenError {
                    code: "UNAVAILABLE",
                    ..unavailable(
                        message,
                        password::RETRY_AFTER_SECONDS,
                        StatusCode::SERVICE_UNAVAILABLE,
                    )
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
            },
            e => TokenError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: "UNKNOWN",
                oauth: "server_error",
                message: e.to_string(),
                retry_after: None,
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
    // The service names the registry; without one, the configured registry.
    let registry = match &request.service {
        None => state.registries.configured(),
        Some(asked) => match state.registries.by_service(asked).await {
            Some(registry) => registry,
            None => {
                let known: Vec<String> = state
                    .registries
                    .all()
                    .iter()
                    .map(|r| format!("{:?}", r.service))
                    .collect();
                return Err(TokenError::bad_request(
                    "invalid_request",
                    format!(
                        "unknown service {asked:?}; this Portunus issues tokens for {}",
                        known.join(", ")
                    ),
                ));
            }
        },
    };
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
            authenticate(state, from, creds, request.account.as_deref(), false).await?
        }
        // The OAuth2 password grant is an explicit sign-in.
        Grant::Password(creds) => {
            authenticate(state, from, creds, request.account.as_deref(), true).await?
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
                Authenticated {
                    subject: Subject::user(&user, None),
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
        who.subject.username.as_deref().unwrap_or_default(),
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
    let epoch = state.epoch.current(&state.db, Instant::now()).await;
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
async fn authenticate(
    state: &SharedState,
    from: &ClientAddress,
    creds: &Credentials,
    account: Option<&str>,
    explicit: bool,
) -> Result<Authenticated, TokenError> {
    // A password that may be a guess spends before any check, so parallel
    // guesses cannot all slip through; only those that turn out wrong keep
    // it spent. Passwords verified recently and application tokens (random
    // 128-bit secrets nobody guesses) spend only when wrong and are let
    // through even when the address is out of allowance: a CI fleet behind
    // one address logging in at once, or a flood of wrong passwords from
    // someone else behind the same NAT, holds none of them up.
    let spend_first = !app_tokens::looks_like_token(&creds.password)
        && !state
            .credentials
            .was_verified(&creds.username, &creds.password);
    if spend_first {
        state
            .limits
            .spend(Limited::FailedLogin, &from.0, Instant::now())?;
    }
    let result = check_credentials(state, from, creds, account, explicit).await;
    let refused = matches!(&result, Err(e) if e.code == "UNAUTHORIZED");
    match (spend_first, refused) {
        (true, false) => state
            .limits
            .refund(Limited::FailedLogin, &from.0, Instant::now()),
        (false, true) => {
            // Counted now; the answer is a refusal either way.
            let _ = state
                .limits
                .spend(Limited::FailedLogin, &from.0, Instant::now());
        }
        _ => {}
    }
    if let Err(e) = &result
        && refused
    {
        // A lock set here has moved the epoch already; a count of wrong
        // passwords is no reason to forget what every login remembers.
        let params = json!({ "reason": e.message });
        credentials::record_failure(
            &state.db,
            &creds.username,
            "auth.registry_login_failed",
            Some(params),
        )
        .await?;
    }
    result
}

async fn check_credentials(
    state: &SharedState,
    from: &ClientAddress,
    creds: &Credentials,
    account: Option<&str>,
    explicit: bool,
) -> Result<Authenticated, TokenError> {
    if let Some(account) = account
        && account != creds.username
    {
        return Err(TokenError::unauthorized(format!(
            "the account parameter {account:?} does not match the user name in the credentials"
        )));
    }
    if validate_username(&creds.username).is_err() {
        return Err(TokenError::unauthorized("invalid user name or password"));
    }
    if app_tokens::looks_like_token(&creds.password) {
        return match app_tokens::authenticate(&state.db, &creds.password).await? {
            Some((user, scope)) if user.username == creds.username => Ok(Authenticated {
                subject: Subject::user(&user, Some(scope)),
                refreshable: None,
                presented_refresh: None,
            }),
            _ => Err(TokenError::unauthorized(
                "invalid, expired or revoked application token (or it belongs to another user)",
            )),
        };
    }
    // Tokens brought from Portus come as passwords; only a secret of their
    // shape that is no recently verified password is looked up.
    if app_tokens::looks_like_portus_token(&creds.password)
        && !state
            .credentials
            .was_verified(&creds.username, &creds.password)
        && let Some((user, scope)) =
            app_tokens::authenticate_portus(&state.db, &creds.username, &creds.password).await?
    {
        return Ok(Authenticated {
            subject: Subject::user(&user, Some(scope)),
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
