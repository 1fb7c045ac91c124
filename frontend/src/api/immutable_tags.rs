//! Immutable-tag rules: a namespace's, or the installation's.

use gloo_net::http::Request;
use portunus_shared::api::{ImmutableTagRule, NewImmutableTagRule};

use super::{ApiError, NO_BODY, NamespaceRef, call, call_empty, url};

/// Where a list of rules lives: a namespace's, or the installation's.
fn rules_path(namespace: Option<&NamespaceRef>, rest: &str) -> String {
    match namespace {
        Some(ns) => ns.path(&format!("/immutable-tags{rest}")),
        None => format!("/immutable-tags{rest}"),
    }
}

pub async fn immutable_tag_rules(
    namespace: Option<NamespaceRef>,
) -> Result<Vec<ImmutableTagRule>, ApiError> {
    let path = rules_path(namespace.as_ref(), "");
    call(Request::get(&url(&path)), NO_BODY).await
}

pub async fn add_immutable_tag_rule(
    namespace: Option<NamespaceRef>,
    new: NewImmutableTagRule,
) -> Result<ImmutableTagRule, ApiError> {
    let path = rules_path(namespace.as_ref(), "");
    call(Request::post(&url(&path)), Some(&new)).await
}

pub async fn remove_immutable_tag_rule(
    namespace: Option<NamespaceRef>,
    id: i64,
) -> Result<(), ApiError> {
    let path = rules_path(namespace.as_ref(), &format!("/{id}"));
    call_empty(Request::delete(&url(&path))).await
}
