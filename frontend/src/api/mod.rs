//! Calls to the Portunus REST API, one module per area as `http/rest/` has
//! them, over one exchange here. Errors come back as the API's message, so
//! pages can show people what the server said.

mod activities;
mod immutable_tags;
mod namespaces;
mod recovery;
mod registries;
mod repositories;
mod retention;
mod session;
mod teams;
mod tokens;
mod users;
mod webhooks;

pub use activities::{AuditFilter, activities, activities_csv_url, feed, overview};
pub use immutable_tags::{add_immutable_tag_rule, immutable_tag_rules, remove_immutable_tag_rule};
pub use namespaces::{
    NamespaceRef, create_namespace, delete_namespace, namespace, namespaces_page, update_namespace,
};
pub use recovery::{
    complete_password_reset, confirm_email, request_password_reset, send_email_confirmation,
};
pub use registries::{
    create_registry, delete_registry, registries, registry_events, registry_status,
    replace_registry_secret,
};
pub use repositories::{
    Shelf, add_comment, comments, delete_comment, delete_repository, delete_tag, describe,
    explore_repository, images, repository, repository_list, search, set_star, shelf, tag_details,
    tag_pulls,
};
pub use retention::{preview_retention, retention, run_retention, set_retention};
pub use session::{end_session, info, me, my_sessions, sign_in, sign_out, sign_up};
pub use teams::{
    TeamNamespaces, create_team, delete_team, people, remove_member, set_member, team, teams,
    teams_page, update_team,
};
pub use tokens::{
    create_token, create_token_for, permissions, refresh_tokens, revoke_refresh_token,
    revoke_token, tokens, tokens_of,
};
pub use users::{PersonalNamespace, change_password, create_user, remove_user, update_user, users};
pub use webhooks::{
    create_webhook, delete_webhook, ping_webhook, replace_webhook_secret, resend_delivery,
    update_webhook, webhook_deliveries, webhooks,
};

use gloo_net::http::{Request, RequestBuilder, Response};
use portunus_shared::api::ErrorBody;
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

/// Sends a request and reads a JSON answer. Only the encoding and decoding
/// are generic; the exchange itself is compiled once (it keeps the WASM small).
async fn call<T: DeserializeOwned>(
    request: RequestBuilder,
    body: Option<&impl Serialize>,
) -> Result<T, ApiError> {
    let body = body.map(encode_body).transpose()?;
    let (status, text) = exchange(request, body).await?;
    serde_json::from_str(&text).map_err(|e| ApiError {
        status,
        message: format!("unexpected answer from the server: {e}"),
    })
}

/// Sends a request whose success has no body.
async fn call_empty(request: RequestBuilder) -> Result<(), ApiError> {
    exchange(request, None).await.map(|_| ())
}

/// Sends a JSON body to an operation whose success has no body.
async fn send_empty(request: RequestBuilder, body: &impl Serialize) -> Result<(), ApiError> {
    exchange(request, Some(encode_body(body)?))
        .await
        .map(|_| ())
}

fn encode_body(body: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError {
        status: 0,
        message: format!("cannot encode the request: {e}"),
    })
}

/// Sends `request` with an optional JSON `body`; a success's status and
/// text, or the server's error.
async fn exchange(
    request: RequestBuilder,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    let response = match body {
        Some(body) => {
            request
                .header("Content-Type", "application/json")
                .body(body)
                .map_err(network)?
                .send()
                .await
        }
        None => request.send().await,
    }
    .map_err(network)?;
    let status = response.status();
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let text = response.text().await.map_err(network)?;
    Ok((status, text))
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

const NO_BODY: Option<&()> = None;

/// Puts `text` on the clipboard.
pub fn copy(text: &str) -> bool {
    use js_sys::{Function, Reflect};
    let window = leptos::prelude::window();
    let written = Reflect::get(&window, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"clipboard".into()))
        .and_then(|clipboard| {
            let write: Function = Reflect::get(&clipboard, &"writeText".into())?.into();
            write.call1(&clipboard, &text.into())
        });
    written.is_ok()
}

/// Page `page` (50 entries) of the list at `path`.
async fn page_at<T: DeserializeOwned + portunus_shared::api::Listed>(
    path: &str,
    page: u64,
) -> Result<portunus_shared::api::Page<T>, ApiError> {
    let page = page.to_string();
    call(
        Request::get(&url(path)).query([("page", page.as_str()), ("per_page", "50")]),
        NO_BODY,
    )
    .await
}

/// Percent-encodes a query parameter value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
