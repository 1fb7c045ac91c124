//! The registry token endpoint, `GET /v2/token`: authenticates the client
//! (HTTP Basic or anonymous), intersects the requested scopes with what the
//! policy allows, and answers with a signed JWT. Every malformed input gets a
//! 4xx JSON answer in the registry's error format, which docker shows as is.

mod claims;
mod request;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, handler};
use serde_json::json;

use portunus_shared::names::validate_username;

use crate::access;
use crate::app_tokens;
use crate::credentials::{self, Failure};
use crate::error::Error;
use crate::policy::{self, Subject};
use crate::state::SharedState;
use portunus_shared::scope::Scope;

pub use claims::{AccessEntry, TokenResponse, issue};
pub use request::{Credentials, TokenRequest};

/// An answer that is not a token.
#[derive(Debug)]
pub struct TokenError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl TokenError {
    fn bad_request(message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::BAD_REQUEST,
            code: "UNSUPPORTED",
            message: message.into(),
        }
    }

    fn unauthorized(message: impl Into<String>) -> TokenError {
        TokenError {
            status: StatusCode::UNAUTHORIZED,
            code: "UNAUTHORIZED",
            message: message.into(),
        }
    }

    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(message = %self.message, "token request failed");
        }
        let message = if self.status.is_server_error() {
            "internal error while issuing the token; the server log has details".to_owned()
        } else {
            self.message
        };
        let body = json!({ "errors": [{ "code": self.code, "message": message }] });
        let mut builder = Response::builder()
            .status(self.status)
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-store");
        if self.status == StatusCode::UNAUTHORIZED {
            builder = builder.header(header::WWW_AUTHENTICATE, "Basic realm=\"portunus\"");
        }
        builder.body(body.to_string())
    }
}

impl From<Error> for TokenError {
    fn from(e: Error) -> TokenError {
        TokenError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "UNKNOWN",
            message: e.to_string(),
        }
    }
}

/// `GET /v2/token`
#[handler]
pub async fn get_token(req: &Request, Data(state): Data<&SharedState>) -> Response {
    match answer(req, state).await {
        Ok(body) => Response::builder()
            .content_type("application/json")
            .header(header::CACHE_CONTROL, "no-store")
            .body(body),
        Err(e) => e.into_response(),
    }
}

async fn answer(req: &Request, state: &SharedState) -> Result<String, TokenError> {
    let request = TokenRequest::parse(
        req.uri().query().unwrap_or_default(),
        req.headers().get(header::AUTHORIZATION),
    )
    .map_err(TokenError::bad_request)?;
    if let Some(service) = &request.service
        && service != &state.config.token.service
    {
        return Err(TokenError::bad_request(format!(
            "unknown service {service:?}; this Portunus issues tokens for {:?}",
            state.config.token.service
        )));
    }
    let subject = match &request.credentials {
        None if request.scopes.is_empty() => {
            return Err(TokenError::unauthorized(
                "authentication required: log in with a user name and password",
            ));
        }
        None => Subject::anonymous(),
        Some(creds) => authenticated_subject(state, creds, request.account.as_deref()).await?,
    };
    let access = granted_access(state, &subject, &request.scopes).await?;
    let response = issue(
        &state.signer,
        &state.config.token,
        subject.username.as_deref().unwrap_or_default(),
        access,
        chrono::Utc::now(),
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    serde_json::to_string(&response).map_err(|e| Error::Internal(e.to_string()).into())
}

/// What `subject` is granted of `scopes`: the intersection of what was asked
/// and what the policy allows; resources with nothing granted are left out.
async fn granted_access(
    state: &SharedState,
    subject: &Subject,
    scopes: &[Scope],
) -> Result<Vec<AccessEntry>, Error> {
    let mut access = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let facts = if scope.resource_type == "repository" {
            access::repository_facts(&state.db, state.registry_id, subject, &scope.name).await?
        } else {
            None
        };
        let actions = policy::granted_actions(subject, &state.config.policy, scope, facts.as_ref());
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

async fn authenticated_subject(
    state: &SharedState,
    creds: &Credentials,
    account: Option<&str>,
) -> Result<Subject, TokenError> {
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
            Some((user, scope)) if user.username == creds.username => Ok(Subject {
                user_id: Some(user.id),
                username: Some(user.username),
                admin: user.admin,
                token_scope: Some(scope),
            }),
            _ => Err(TokenError::unauthorized(
                "invalid, expired or revoked application token (or it belongs to another user)",
            )),
        };
    }
    let user = match credentials::authenticate(
        &state.db,
        &state.credentials,
        &creds.username,
        &creds.password,
    )
    .await?
    {
        Ok(user) => user,
        Err(Failure::BadCredentials) => {
            return Err(TokenError::unauthorized("invalid user name or password"));
        }
        Err(Failure::Disabled) => {
            return Err(TokenError::unauthorized(
                "this account is disabled; ask an administrator to enable it",
            ));
        }
    };
    Ok(Subject {
        user_id: Some(user.id),
        username: Some(user.username),
        admin: user.admin,
        token_scope: None,
    })
}
