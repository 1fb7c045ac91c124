//! Outgoing webhooks and their deliveries.

use serde::{Deserialize, Serialize};

use crate::domain::{DeliveryState, WebhookEvent};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A webhook: where Portunus posts what happens in a namespace (or, for a
/// global one, in every namespace). Its secret and the values of its extra
/// headers and password are never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Webhook {
    pub id: i64,
    /// The namespace it belongs to; left out for a global webhook.
    pub namespace: Option<String>,
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub enabled: bool,
    /// The names of the extra headers it sends.
    pub header_names: Vec<String>,
    /// The user name of its HTTP Basic authentication, if it has one.
    pub basic_auth_username: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Its latest delivery, to see at a glance whether it works.
    pub last_delivery: Option<WebhookDelivery>,
}

/// An extra request header a webhook sends (e.g. a receiver's token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookHeader {
    pub name: String,
    pub value: String,
}

/// HTTP Basic authentication for a webhook's receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookBasicAuth {
    pub username: String,
    pub password: String,
}

/// A new webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewWebhook {
    /// What it is for, e.g. "CI deploy".
    pub name: String,
    /// Where to POST (http or https).
    pub url: String,
    /// What it is told about (at least one).
    pub events: Vec<WebhookEvent>,
    /// Default: true.
    pub enabled: Option<bool>,
    /// Extra request headers, stored sealed.
    pub headers: Option<Vec<WebhookHeader>>,
    /// Stored sealed.
    pub basic_auth: Option<WebhookBasicAuth>,
}

/// A change to a webhook: what is given changes, the rest stays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookUpdate {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEvent>>,
    pub enabled: Option<bool>,
    /// Replaces every extra header; an empty list removes them.
    pub headers: Option<Vec<WebhookHeader>>,
    /// Replaces the Basic authentication.
    pub basic_auth: Option<WebhookBasicAuth>,
    /// True removes the Basic authentication.
    pub remove_basic_auth: Option<bool>,
}

/// A webhook just made (or its secret just replaced), with the secret that
/// signs its deliveries: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// The key of the `X-Portunus-Signature-256` HMAC-SHA256 signature.
    pub secret: String,
}

/// One delivery of one event to one webhook: the request as sent and what
/// the receiver answered last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookDelivery {
    pub id: i64,
    /// Sent as `X-Portunus-Delivery`; a re-send gets a new one.
    pub delivery_id: String,
    /// `push`, `delete`, `namespace`, `team`, or `ping` for a test.
    pub event: String,
    /// What happened, as the activity log names it (`repository.push`).
    pub action: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub created_at: String,
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due, while it is pending.
    pub next_attempt_at: Option<String>,
    /// The receiver's HTTP status in the last attempt.
    pub response_status: Option<i32>,
    /// The start of the receiver's answer in the last attempt (1 KiB).
    pub response_excerpt: Option<String>,
    /// Why the last attempt failed, when it got no answer or a non-2xx one.
    pub error: Option<String>,
    /// How long the last attempt took.
    pub duration_ms: Option<i64>,
    /// The delivery this one sends again.
    pub resend_of: Option<i64>,
    /// The request body, exactly as sent.
    pub payload: String,
    /// Every attempt so far, the first first.
    #[serde(default)]
    pub history: Vec<WebhookAttempt>,
}

/// One attempt of a webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct WebhookAttempt {
    /// 1 for the first.
    pub number: i32,
    pub attempted_at: String,
    /// The receiver's HTTP status, when it answered.
    pub response_status: Option<i32>,
    /// The start of the receiver's answer (1 KiB).
    pub response_excerpt: Option<String>,
    /// Why it failed, when it got no answer or a non-2xx one.
    pub error: Option<String>,
    pub duration_ms: i64,
}
