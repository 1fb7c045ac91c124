//! Namespaces, named with their registry.

use gloo_net::http::Request;
use portunus_shared::api::{Namespace, NamespacePage, NamespaceUpdate, NewNamespace};

use super::{ApiError, NO_BODY, call, call_empty, encode, page_at, url};

/// A page of the namespaces you may see.
pub async fn namespaces_page(page: u64) -> Result<NamespacePage, ApiError> {
    page_at("/namespaces", page).await
}

pub async fn create_namespace(new: NewNamespace) -> Result<Namespace, ApiError> {
    call(Request::post(&url("/namespaces")), Some(&new)).await
}

/// A namespace as the API names it: its name in its registry (`None`:
/// the configured one, `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceRef {
    pub name: String,
    pub registry: Option<String>,
}

impl NamespaceRef {
    /// The namespace `name` of registry `registry`, as the API lists it.
    pub fn of(name: &str, registry: &str) -> NamespaceRef {
        NamespaceRef {
            name: name.to_owned(),
            registry: (!registry.is_empty() && registry != "default").then(|| registry.to_owned()),
        }
    }

    /// `/namespaces/NAME{rest}`, with `?registry=` when not the default.
    pub(super) fn path(&self, rest: &str) -> String {
        let registry = self
            .registry
            .as_deref()
            .map(|r| format!("?registry={}", encode(r)))
            .unwrap_or_default();
        format!("/namespaces/{}{rest}{registry}", encode(&self.name))
    }
}

pub async fn namespace(ns: &NamespaceRef) -> Result<Namespace, ApiError> {
    call(Request::get(&url(&ns.path(""))), NO_BODY).await
}

pub async fn delete_namespace(ns: &NamespaceRef) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&ns.path("")))).await
}

pub async fn update_namespace(
    ns: &NamespaceRef,
    change: NamespaceUpdate,
) -> Result<Namespace, ApiError> {
    call(Request::patch(&url(&ns.path(""))), Some(&change)).await
}
