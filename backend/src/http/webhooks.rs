//! The registry notification endpoint, `POST /v2/webhooks/events` (Portus's
//! path, so a registry configured for Portus works unchanged). It finds the
//! registry by the secret it sent (each has its own), checks the media type, then has `ingest` store every event;
//! only then does it answer 2xx.

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};
use portunus_shared::domain::ErrorCode;
use serde_json::{Value, json};

use crate::http::state::SharedState;
use crate::ingest::{self, Counters};

const MEDIA_TYPES: &[&str] = &[
    "application/vnd.docker.distribution.events.v1+json",
    "application/vnd.docker.distribution.events.v2+json",
    "application/json",
];

fn reply(status: StatusCode, body: Value) -> Response {
    poem::web::Json(body).with_status(status).into_response()
}

fn refuse(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    reply(status, json!({ "code": code, "message": message }))
}

/// `POST /v2/webhooks/events`
#[handler]
pub async fn receive(req: &Request, body: Body, Data(state): Data<&SharedState>) -> Response {
    let response = accept(req, body, state).await;
    if response.status().is_client_error() {
        Counters::add(&state.events.counters.events_refused, 1);
    }
    response
}

async fn accept(req: &Request, body: Body, state: &SharedState) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    // Each registry has a secret of its own: the secret says who sent it.
    let Some(sender) = state.registries.by_notification(given).await else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "missing or wrong notification secret; configure the endpoint from `portunus registry-config [--registry NAME]`",
        );
    };
    let media_type = req
        .content_type()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if !MEDIA_TYPES.contains(&media_type) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "expected a registry event envelope (application/vnd.docker.distribution.events.v1+json)",
        );
    }
    let bytes = match body.into_vec().await {
        Ok(bytes) => bytes,
        Err(e) => return poem::Error::from(e).into_response(),
    };
    let events = match ingest::parse_envelope(&bytes) {
        Ok(events) => events,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, &message),
    };
    match ingest::store(&state.db, sender.id, &events).await {
        Ok(stored) => {
            Counters::add(&state.events.counters.events_stored, stored);
            Counters::add(
                &state.events.counters.events_duplicate,
                events.len() as u64 - stored,
            );
            state.events.waiting.notify_one();
            reply(
                StatusCode::OK,
                json!({ "received": events.len(), "stored": stored }),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store registry events; the registry will retry");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                "events could not be stored; retry later",
            )
        }
    }
}
