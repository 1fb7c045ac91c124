//! Calls to the Portunus REST API. Errors come back as the API's message, so
//! pages can show people what the server said.

use gloo_net::http::{Request, Response};
use portunus_shared::api::{ErrorBody, Me, ServerInfo, SignIn, SignUp, SignedUp};
use serde::de::DeserializeOwned;

const BASE: &str = "/api/v1";

/// An API call that did not succeed, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response.json::<T>().await.map_err(|e| ApiError {
            status,
            message: format!("unexpected answer from the server: {e}"),
        });
    }
    let message = match response.json::<ErrorBody>().await {
        Ok(body) => body.message,
        Err(_) => format!("the server answered {status}"),
    };
    Err(ApiError { status, message })
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError {
        status: 0,
        message: format!("cannot reach Portunus: {e}"),
    }
}

/// The signed-in user, or a 401 error when nobody is signed in.
pub async fn me() -> Result<Me, ApiError> {
    let response = Request::get(&format!("{BASE}/me"))
        .send()
        .await
        .map_err(network)?;
    read(response).await
}

/// Public facts about this installation (the registry's host name, say).
pub async fn info() -> Result<ServerInfo, ApiError> {
    let response = Request::get(&format!("{BASE}/info"))
        .send()
        .await
        .map_err(network)?;
    read(response).await
}

pub async fn sign_in(username: String, password: String) -> Result<Me, ApiError> {
    let response = Request::post(&format!("{BASE}/session"))
        .json(&SignIn { username, password })
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    read(response).await
}

pub async fn sign_up(request: SignUp) -> Result<SignedUp, ApiError> {
    let response = Request::post(&format!("{BASE}/signup"))
        .json(&request)
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    read(response).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    let response = Request::delete(&format!("{BASE}/session"))
        .send()
        .await
        .map_err(network)?;
    if response.ok() {
        Ok(())
    } else {
        read::<serde_json::Value>(response).await.map(|_| ())
    }
}
