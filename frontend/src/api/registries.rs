//! The registries served, their status, and the registry events received.

use gloo_net::http::Request;
use portunus_shared::api::{
    NewRegistry, Registry, RegistryEventPage, RegistryStatus, RegistryWithSecret,
};
use portunus_shared::domain::EventState;

use super::{ApiError, NO_BODY, call, call_empty, encode, url};

/// Stored registry notifications in `state` (`failed`, `held`, `pending`, `all`); administrators.
pub async fn registry_events(state: EventState) -> Result<RegistryEventPage, ApiError> {
    call(
        Request::get(&url("/registry/events"))
            .query([("state", state.as_str()), ("per_page", "200")]),
        NO_BODY,
    )
    .await
}

/// The registry's status (administrators).
pub async fn registry_status() -> Result<RegistryStatus, ApiError> {
    call(Request::get(&url("/registry")), NO_BODY).await
}

/// Every registry with how it answers now (administrators).
pub async fn registries() -> Result<Vec<Registry>, ApiError> {
    call(Request::get(&url("/registries")), NO_BODY).await
}

pub async fn create_registry(new: NewRegistry) -> Result<RegistryWithSecret, ApiError> {
    call(Request::post(&url("/registries")), Some(&new)).await
}

pub async fn delete_registry(name: &str) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!(
        "/registries/{}",
        encode(name)
    ))))
    .await
}

pub async fn replace_registry_secret(name: &str) -> Result<RegistryWithSecret, ApiError> {
    let path = format!("/registries/{}/secret", encode(name));
    call(Request::post(&url(&path)), NO_BODY).await
}
