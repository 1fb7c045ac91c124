//! Application tokens, refresh tokens, and what one may do where.

use gloo_net::http::Request;
use portunus_shared::api::{
    ApplicationToken, CreatedApplicationToken, NewApplicationToken, Permissions, RefreshTokenInfo,
};

use super::{ApiError, NO_BODY, call, call_empty, url};

pub async fn tokens() -> Result<Vec<ApplicationToken>, ApiError> {
    call(Request::get(&url("/tokens")), NO_BODY).await
}

pub async fn create_token(new: NewApplicationToken) -> Result<CreatedApplicationToken, ApiError> {
    call(Request::post(&url("/tokens")), Some(&new)).await
}

/// The application tokens of `user` (administrators: a bot's, say).
pub async fn tokens_of(user: &str) -> Result<Vec<ApplicationToken>, ApiError> {
    call(
        Request::get(&url(&format!("/users/{user}/tokens"))),
        NO_BODY,
    )
    .await
}

/// Creates an application token for `user` (administrators).
pub async fn create_token_for(
    user: &str,
    new: NewApplicationToken,
) -> Result<CreatedApplicationToken, ApiError> {
    call(
        Request::post(&url(&format!("/users/{user}/tokens"))),
        Some(&new),
    )
    .await
}

pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/tokens/{id}")))).await
}

/// Why the signed-in user (or, for admins, `user`) may or may not act on `repository`.
pub async fn permissions(
    repository: &str,
    user: Option<&str>,
    registry: Option<&str>,
) -> Result<Permissions, ApiError> {
    let mut query = vec![("repository", repository)];
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        query.push(("user", user));
    }
    if let Some(registry) = registry {
        query.push(("registry", registry));
    }
    call(Request::get(&url("/permissions")).query(query), NO_BODY).await
}

/// The signed-in user's registry logins (refresh tokens).
pub async fn refresh_tokens() -> Result<Vec<RefreshTokenInfo>, ApiError> {
    call(Request::get(&url("/refresh-tokens")), NO_BODY).await
}

pub async fn revoke_refresh_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/refresh-tokens/{id}")))).await
}
