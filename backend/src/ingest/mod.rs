//! Registry events in: the events the registry sends are stored durably
//! (de-duplicated by the registry's event id) before the notification
//! endpoint answers, so the registry retries until nothing is lost;
//! `process` turns stored events into repositories and tags, `sync` walks
//! the registry's catalog for what events missed, `inspect` reads events
//! back for administrators. Imports `catalog`, `accounts`, `audit`,
//! `registry`, `config`, `db`, `error`.

pub mod counters;
pub mod inspect;
pub mod process;
pub mod sync;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use serde_json::Value;

pub use counters::Counters;

use crate::db::entities::registry_event;
use crate::db::ids::RegistryId;
use crate::error::Error;

/// What the event pipeline shares between the endpoint that stores events
/// and the processor that applies them.
#[derive(Default)]
pub struct Events {
    /// What this process did with events since it started.
    pub counters: Counters,
    /// Wakes the processor when new events are stored.
    pub waiting: tokio::sync::Notify,
}

/// An event worth storing: its id, action and the original JSON.
pub struct Event {
    id: String,
    action: String,
    payload: String,
}

pub fn parse_envelope(bytes: &[u8]) -> Result<Vec<Event>, String> {
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

/// Stores the events at once, in one statement; returns how many were new.
pub async fn store(
    db: &DatabaseConnection,
    registry_id: RegistryId,
    events: &[Event],
) -> Result<u64, Error> {
    if events.is_empty() {
        return Ok(0);
    }
    let rows = events.iter().map(|event| registry_event::ActiveModel {
        event_id: Set(event.id.clone()),
        registry_id: Set(Some(registry_id.0)),
        action: Set(event.action.clone()),
        payload: Set(event.payload.clone()),
        received_at: Set(Utc::now()),
        processed_at: Set(None),
        error: Set(None),
        held_host: Set(None),
        ..Default::default()
    });
    let insert = registry_event::Entity::insert_many(rows).on_conflict(
        OnConflict::column(registry_event::Column::EventId)
            .do_nothing()
            .to_owned(),
    );
    // One statement is its own transaction: one round trip (on SQLite in
    // this process's queue of writers).
    let _turn = crate::db::write_turn(db).await;
    Ok(insert.exec_without_returning(db).await?)
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
