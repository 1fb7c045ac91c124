//! Calls to the Portunus REST API. Errors come back as the API's message, so
//! pages can show people what the server said.

use gloo_net::http::{Request, RequestBuilder, Response};
use portunus_shared::api::{
    ApplicationToken, CreatedApplicationToken, ErrorBody, Me, NewApplicationToken, Permissions,
    Repository, RepositoryPage, ServerInfo, SignIn, SignUp, SignedUp, Tag,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

const BASE: &str = "/api/v1";

/// An API call that did not succeed, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError {
        status: 0,
        message: format!("cannot reach Portunus: {e}"),
    }
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let message = match response.json::<ErrorBody>().await {
        Ok(body) => body.message,
        Err(_) => format!("the server answered {status}"),
    };
    ApiError { status, message }
}

/// Sends a request and reads a JSON answer.
async fn call<T: DeserializeOwned>(
    request: RequestBuilder,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let response = match body {
        Some(body) => request.json(body).map_err(network)?.send().await,
        None => request.send().await,
    }
    .map_err(network)?;
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let status = response.status();
    response.json::<T>().await.map_err(|e| ApiError {
        status,
        message: format!("unexpected answer from the server: {e}"),
    })
}

/// Sends a request whose success has no body.
async fn call_empty(request: RequestBuilder) -> Result<(), ApiError> {
    let response = request.send().await.map_err(network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_of(response).await)
    }
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

const NO_BODY: Option<&()> = None;

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

pub async fn tokens() -> Result<Vec<ApplicationToken>, ApiError> {
    call(Request::get(&url("/tokens")), NO_BODY).await
}

pub async fn create_token(new: NewApplicationToken) -> Result<CreatedApplicationToken, ApiError> {
    call(Request::post(&url("/tokens")), Some(&new)).await
}

pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/tokens/{id}")))).await
}

/// Why the signed-in user (or, for admins, `user`) may or may not act on `repository`.
pub async fn permissions(repository: &str, user: Option<&str>) -> Result<Permissions, ApiError> {
    let mut query = vec![("repository", repository)];
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        query.push(("user", user));
    }
    call(Request::get(&url("/permissions")).query(query), NO_BODY).await
}

/// Repositories you may see whose name contains `q`.
pub async fn repositories(q: &str) -> Result<RepositoryPage, ApiError> {
    call(
        Request::get(&url("/repositories")).query([("q", q), ("per_page", "500")]),
        NO_BODY,
    )
    .await
}

pub async fn repository(id: i64) -> Result<Repository, ApiError> {
    call(Request::get(&url(&format!("/repositories/{id}"))), NO_BODY).await
}

pub async fn tags(id: i64) -> Result<Vec<Tag>, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/tags"))),
        NO_BODY,
    )
    .await
}

pub async fn delete_tag(id: i64, tag: &str) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/repositories/{id}/tags/{tag}"
    ))))
    .await
}

/// Stars or unstars a repository.
pub async fn set_star(id: i64, on: bool) -> Result<(), ApiError> {
    let path = url(&format!("/repositories/{id}/star"));
    call_empty(if on {
        Request::put(&path)
    } else {
        Request::delete(&path)
    })
    .await
}
