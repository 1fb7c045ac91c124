//! The registry notification endpoint, `POST /v2/webhooks/events` (Portus's
//! path, so a registry configured for Portus works unchanged). It checks the
//! shared secret, stores every event durably (de-duplicated by the registry's
//! event id) and only then answers 2xx, so the registry retries until nothing
//! is lost. `process.rs` turns stored events into repositories and tags.

pub mod inspect;
pub mod process;

use chrono::Utc;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, IntoResponse, Request, Response, handler};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

use crate::db::entities::registry_event;
use crate::error::Error;
use crate::metrics::Metrics;
use crate::state::SharedState;

const MEDIA_TYPES: &[&str] = &[
    "application/vnd.docker.distribution.events.v1+json",
    "application/vnd.docker.distribution.events.v2+json",
    "application/json",
];

fn reply(status: StatusCode, body: Value) -> Response {
    poem::web::Json(body).with_status(status).into_response()
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    reply(status, json!({ "code": code, "message": message }))
}

/// `POST /v2/webhooks/events`
#[handler]
pub async fn receive(req: &Request, body: Body, Data(state): Data<&SharedState>) -> Response {
    let response = accept(req, body, state).await;
    if response.status().is_client_error() {
        Metrics::add(&state.metrics.events_refused, 1);
    }
    response
}

async fn accept(req: &Request, body: Body, state: &SharedState) -> Response {
    let expected = format!("Bearer {}", state.notification_secret);
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::secrets::same(given, expected.as_bytes()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong notification secret; configure the endpoint from `portunus registry-config`",
        );
    }
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
            "unsupported_media_type",
            "expected a registry event envelope (application/vnd.docker.distribution.events.v1+json)",
        );
    }
    let bytes = match body.into_vec().await {
        Ok(bytes) => bytes,
        Err(e) => return poem::Error::from(e).into_response(),
    };
    let events = match parse_envelope(&bytes) {
        Ok(events) => events,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, "invalid_input", &message),
    };
    match store(state, &events).await {
        Ok(stored) => {
            Metrics::add(&state.metrics.events_stored, stored);
            Metrics::add(
                &state.metrics.events_duplicate,
                events.len() as u64 - stored,
            );
            state.events_waiting.notify_one();
            reply(
                StatusCode::OK,
                json!({ "received": events.len(), "stored": stored }),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store registry events; the registry will retry");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "events could not be stored; retry later",
            )
        }
    }
}

/// An event worth storing: its id, action and the original JSON.
struct Event {
    id: String,
    action: String,
    payload: String,
}

fn parse_envelope(bytes: &[u8]) -> Result<Vec<Event>, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the body is not JSON: {e}"))?;
    let events = value
        .get("events")
        .and_then(Value::as_array)
        .ok_or("the body has no \"events\" array")?;
    events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let text = |key: &str| {
                event
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty() && s.len() <= 255)
                    .map(str::to_owned)
                    .ok_or(format!("event {i} lacks a string \"{key}\""))
            };
            Ok(Event {
                id: text("id")?,
                action: text("action")?,
                payload: event.to_string(),
            })
        })
        .collect()
}

/// Stores the events in one transaction; returns how many were new.
async fn store(state: &SharedState, events: &[Event]) -> Result<u64, Error> {
    let txn = crate::db::begin_write(&state.db).await?;
    let mut stored = 0;
    for event in events {
        let row = registry_event::ActiveModel {
            event_id: Set(event.id.clone()),
            registry_id: Set(Some(state.registry_id)),
            action: Set(event.action.clone()),
            payload: Set(event.payload.clone()),
            received_at: Set(Utc::now()),
            processed_at: Set(None),
            error: Set(None),
            held_host: Set(None),
            ..Default::default()
        };
        stored += registry_event::Entity::insert(row)
            .on_conflict(
                OnConflict::column(registry_event::Column::EventId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_parsing() {
        let ok = br#"{"events":[{"id":"a","action":"push","target":{}}]}"#;
        assert_eq!(parse_envelope(ok).unwrap().len(), 1);
        for bad in [
            &b"nope"[..],
            br#"{}"#,
            br#"{"events":[{"action":"push"}]}"#,
            br#"{"events":[{"id":"","action":"x"}]}"#,
        ] {
            assert!(parse_envelope(bad).is_err());
        }
    }
}
