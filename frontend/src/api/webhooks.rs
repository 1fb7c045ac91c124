//! Outgoing webhooks and their deliveries.

use gloo_net::http::Request;
use portunus_shared::api::{
    NewWebhook, Webhook, WebhookDelivery, WebhookDeliveryPage, WebhookUpdate, WebhookWithSecret,
};

use super::{ApiError, NO_BODY, NamespaceRef, call, call_empty, url};

/// Where a list of webhooks lives: a namespace's, or the global ones.
fn webhooks_path(namespace: Option<&NamespaceRef>) -> String {
    match namespace {
        Some(ns) => ns.path("/webhooks"),
        None => "/webhooks".to_owned(),
    }
}

pub async fn webhooks(namespace: Option<NamespaceRef>) -> Result<Vec<Webhook>, ApiError> {
    let path = webhooks_path(namespace.as_ref());
    call(Request::get(&url(&path)), NO_BODY).await
}

pub async fn create_webhook(
    namespace: Option<NamespaceRef>,
    new: NewWebhook,
) -> Result<WebhookWithSecret, ApiError> {
    let path = webhooks_path(namespace.as_ref());
    call(Request::post(&url(&path)), Some(&new)).await
}

pub async fn update_webhook(id: i64, change: WebhookUpdate) -> Result<Webhook, ApiError> {
    call(
        Request::patch(&url(&format!("/webhooks/{id}"))),
        Some(&change),
    )
    .await
}

pub async fn delete_webhook(id: i64) -> Result<(), ApiError> {
    call_empty(Request::delete(&url(&format!("/webhooks/{id}")))).await
}

pub async fn replace_webhook_secret(id: i64) -> Result<WebhookWithSecret, ApiError> {
    call(
        Request::post(&url(&format!("/webhooks/{id}/secret"))),
        NO_BODY,
    )
    .await
}

pub async fn ping_webhook(id: i64) -> Result<WebhookDelivery, ApiError> {
    call(
        Request::post(&url(&format!("/webhooks/{id}/ping"))),
        NO_BODY,
    )
    .await
}

pub async fn webhook_deliveries(id: i64) -> Result<WebhookDeliveryPage, ApiError> {
    call(
        Request::get(&url(&format!("/webhooks/{id}/deliveries"))).query([("per_page", "20")]),
        NO_BODY,
    )
    .await
}

pub async fn resend_delivery(id: i64, delivery: i64) -> Result<WebhookDelivery, ApiError> {
    let path = format!("/webhooks/{id}/deliveries/{delivery}/resend");
    call(Request::post(&url(&path)), NO_BODY).await
}
