//! Who is calling the API: the web UI's session cookie, or an application
//! token as `Authorization: Bearer`. Both are random 256-bit values of which
//! only the SHA-256 is stored.

use chrono::{Duration, Utc};
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::accounts::app_tokens;
use crate::authz::{TokenScope, rest};
use crate::crypto::secrets::random_hex;
use crate::db::entities::{session, user};
use crate::error::{Error, Result};
use crate::http::state::SharedState;

pub const SESSION_COOKIE: &str = "portunus_session";

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
    let (user, scope) = app_tokens::authenticate(&state.db, &bearer.token)
        .await
        .ok()??;
    Some(Principal {
        user,
        session_hash: None,
        token_scope: Some(scope),
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
    let hash = hash_token(&key.key);
    let session = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash.as_str()))
        .one(&state.db)
        .await
        .ok()??;
    if session.expires_at <= Utc::now() {
        return None;
    }
    let user = user::Entity::find_by_id(session.user_id)
        .one(&state.db)
        .await
        .ok()??;
    user.enabled.then_some(Principal {
        user,
        session_hash: Some(hash),
        token_scope: None,
    })
}

pub fn hash_token(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user`; returns the cookie value to set.
pub async fn start_session(state: &SharedState, user_id: i64) -> Result<String> {
    let token = random_hex(32);
    let now = Utc::now();
    let lifetime =
        Duration::seconds(i64::try_from(state.config.session_lifetime_seconds).unwrap_or(43_200));
    session::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(token)
}

/// Ends the session with this hash.
pub async fn end_session(state: &SharedState, session_hash: &str) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(session_hash))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The `Set-Cookie` value for a session token (empty token: clear the cookie).
pub fn session_cookie(state: &SharedState, token: &str) -> String {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let max_age = if token.is_empty() {
        0
    } else {
        state.config.session_lifetime_seconds
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    )
}
