//! Signing in and out, who is signed in, web sessions, what the server tells the sign-in page.

use gloo_net::http::Request;
use portunus_shared::api::{Me, ServerInfo, SignIn, SignUp, SignedUp, WebSession};

use super::{ApiError, NO_BODY, call, call_empty, url};

/// The signed-in user, or a 401 error when nobody is signed in.
pub async fn me() -> Result<Me, ApiError> {
    call(Request::get(&url("/me")), NO_BODY).await
}

/// Public facts about this installation (the registry's host name, say).
pub async fn info() -> Result<ServerInfo, ApiError> {
    call(Request::get(&url("/info")), NO_BODY).await
}

pub async fn sign_in(username: String, password: String) -> Result<Me, ApiError> {
    call(
        Request::post(&url("/session")),
        Some(&SignIn { username, password }),
    )
    .await
}

pub async fn sign_up(request: SignUp) -> Result<SignedUp, ApiError> {
    call(Request::post(&url("/signup")), Some(&request)).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    call_empty(Request::delete(&url("/session"))).await
}

/// The signed-in user's web sessions, newest first.
pub async fn my_sessions() -> Result<Vec<WebSession>, ApiError> {
    call(Request::get(&url("/me/sessions")), NO_BODY).await
}

pub async fn end_session(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/me/sessions/{id}")))).await
}
