//! Who is calling the API: the web UI's session cookie, or an application
//! token as `Authorization: Bearer`. Both are random 256-bit values of which
//! only the SHA-256 is stored. When the database cannot be reached the
//! answer is 503, never 401.

use std::sync::{Arc, OnceLock};

use chrono::{Duration, Utc};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

use crate::accounts::{app_tokens, sessions};
use crate::authz::{Subject, TokenScope, rest};
use crate::db::entities::user;
use crate::error::{Error, Result};
use crate::http::cookies::{self, Cookies};
use crate::http::rest::error::ApiError;
use crate::http::state::SharedState;

/// The session cookie's value in `req`.
pub fn presented_session(req: &Request) -> Option<&str> {
    cookies::value(req, cookies::SESSION)
}

/// The signed-in user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: user::Model,
    /// Set when signed in through the web UI.
    session_hash: Option<String>,
    /// Set when authenticated with an application token.
    pub token_scope: Option<TokenScope>,
}

impl Principal {
    /// Who asks, narrowed by their application token if they used one:
    /// what reads are decided for.
    pub fn subject(&self) -> Subject {
        Subject::user(&self.user, self.token_scope.clone())
    }

    pub fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref()
    }

    /// The acting user, for operations that change things. A token limited
    /// to part of the registry may read through the API but not change it.
    pub fn for_changes(&self) -> Result<&user::Model> {
        if rest::may_change_with(self.token_scope.as_ref()) {
            Ok(&self.user)
        } else {
            Err(Error::Forbidden(
                "this application token is limited to part of the registry; use the web UI or an unrestricted token to make changes"
                    .into(),
            ))
        }
    }
}

/// A session cookie or an application token.
#[derive(SecurityScheme)]
pub enum Auth {
    Session(SessionAuth),
    Token(TokenAuth),
}

impl Auth {
    pub fn principal(&self) -> &Principal {
        match self {
            Auth::Session(s) => &s.0,
            Auth::Token(t) => &t.0,
        }
    }
}

/// An application token (`ptn_...`), as created under `/tokens`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
pub struct TokenAuth(pub Principal);

async fn check_token(req: &Request, bearer: Bearer) -> Option<Principal> {
    let state = req.data::<SharedState>()?;
    let verified = noting_outage(
        req,
        app_tokens::authenticate(&state.db, &bearer.token, Utc::now()).await,
    )??;
    Some(Principal {
        user: verified.user,
        session_hash: None,
        token_scope: Some(verified.scope),
    })
}

/// The web UI's session cookie, set by `POST /session`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "portunus_session",
    key_in = "cookie",
    checker = "check_session"
)]
pub struct SessionAuth(pub Principal);

async fn check_session(req: &Request, key: ApiKey) -> Option<Principal> {
    let state = req.data::<SharedState>()?;
    let found = sessions::user_of(&state.db, &key.key, Utc::now()).await;
    let (user, hash) = noting_outage(req, found)??;
    Some(Principal {
        user,
        session_hash: Some(hash),
        token_scope: None,
    })
}

/// Starts a session for `user` signing in from `origin`; returns the
/// cookie value to set.
pub async fn start_session(
    state: &SharedState,
    user_id: i64,
    origin: sessions::Origin<'_>,
) -> Result<String> {
    let lifetime =
        Duration::seconds(i64::try_from(state.config.session_lifetime_seconds).unwrap_or(43_200));
    sessions::start(&state.db, user_id, origin, Utc::now(), lifetime).await
}

/// Where the credential checks note that the database failed them. poem
/// answers a failed check with 401; [`outage_is_not_unauthorized`] turns
/// that into a 503, since an outage says nothing about the credentials.
#[derive(Clone, Default)]
struct Outage(Arc<OnceLock<String>>);

/// `result`, with an outage noted for [`outage_is_not_unauthorized`] and
/// any failure read as "no credentials".
fn noting_outage<T>(req: &Request, result: Result<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            if let Some(outage) = req.extensions().get::<Outage>() {
                let _ = outage.0.set(e.to_string());
            }
            None
        }
    }
}

/// Middleware for the API: a 401 caused by an unreachable database is a 503.
pub async fn outage_is_not_unauthorized<E: Endpoint>(
    endpoint: Arc<E>,
    mut request: Request,
) -> poem::Result<Response> {
    let outage = Outage::default();
    request.extensions_mut().insert(outage.clone());
    let answer = endpoint
        .call(request)
        .await
        .map(IntoResponse::into_response);
    let unauthorized = crate::http::status::of(&answer) == StatusCode::UNAUTHORIZED;
    match outage.0.get() {
        Some(cause) if unauthorized => {
            tracing::error!(error = %cause, "credentials could not be checked: the database failed");
            Ok(
                ApiError::database_unavailable("the database is unavailable; retry in a moment")
                    .into_response(),
            )
        }
        _ => answer,
    }
}

/// The `Set-Cookie` value for a session token (empty token: clear the cookie).
pub fn session_cookie(state: &SharedState, token: &str) -> String {
    let max_age = match token.is_empty() {
        true => 0,
        false => state.config.session_lifetime_seconds,
    };
    Cookies::of(&state.config.public_url).set(cookies::SESSION, token, max_age, "Strict")
}
