//! The webhook outbox: an activity that a webhook is told about becomes one
//! delivery per matching webhook, written in the same transaction as the
//! change itself, so no change is announced that did not happen and none
//! that happened goes unannounced. The sender (`webhooks::sender`) posts
//! them later, in the background.

use chrono::SecondsFormat;
use portunus_shared::domain::{ActivityKey, WebhookEvent};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::db::entities::{activity, namespace, registry, webhook, webhook_delivery};
use crate::error::Result;

/// The webhook event an activity key belongs to, if any.
pub fn event_of(key: ActivityKey) -> Option<WebhookEvent> {
    use ActivityKey as A;
    match key {
        A::RepositoryPush => Some(WebhookEvent::Push),
        A::RepositoryDelete | A::RepositoryDeleteTag => Some(WebhookEvent::Delete),
        _ if key.as_str().starts_with("namespace.") => Some(WebhookEvent::Namespace),
        _ if key.as_str().starts_with("team.") => Some(WebhookEvent::Team),
        _ => None,
    }
}

/// Whether the stored list of events (`push,delete`) holds `event`.
pub fn asks_for(events: &str, event: WebhookEvent) -> bool {
    events.split(',').any(|e| e == event.as_str())
}

/// A new delivery's id, sent as `X-Portunus-Delivery`.
pub fn new_delivery_id() -> String {
    let hex = crate::crypto::secrets::random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A delivery of `payload` to `hook`, due now.
pub fn delivery(
    hook_id: i64,
    event: &str,
    action: &str,
    payload: String,
    now: chrono::DateTime<chrono::Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        webhook_id: Set(hook_id),
        delivery_id: Set(new_delivery_id()),
        event: Set(event.to_owned()),
        action: Set(action.to_owned()),
        payload: Set(payload),
        state: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Queues a delivery of `activity` for every webhook that asks for it:
/// enabled ones that ask for the activity's event, global ones always, a
/// namespace's own when the activity concerns that namespace or its
/// repositories, or the team that owns it.
pub async fn enqueue(db: &impl ConnectionTrait, activity: &activity::Model) -> Result<()> {
    let Some(event) = activity.key.parse().ok().and_then(event_of) else {
        return Ok(());
    };
    let mut concerned = Condition::any().add(webhook::Column::NamespaceId.is_null());
    if let Some(ns) = activity.namespace_id {
        concerned = concerned.add(webhook::Column::NamespaceId.eq(ns));
    }
    if let (Some(team), "team") = (activity.target_id, activity.target_type.as_str()) {
        concerned = concerned.add(
            webhook::Column::NamespaceId.in_subquery(
                Query::select()
                    .column(namespace::Column::Id)
                    .from(namespace::Entity)
                    .and_where(Expr::col(namespace::Column::TeamId).eq(team))
                    .to_owned(),
            ),
        );
    }
    let hooks: Vec<webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Enabled.eq(true))
        .filter(concerned)
        .all(db)
        .await?
        .into_iter()
        .filter(|h| asks_for(&h.events, event))
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let ns = match activity.namespace_id {
        Some(id) => namespace::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let held_by = match &ns {
        Some(ns) => registry::Entity::find_by_id(ns.registry_id).one(db).await?,
        None => None,
    };
    let place = Place {
        namespace: ns
            .as_ref()
            .filter(|ns| !ns.global)
            .map(|ns| ns.name.as_str()),
        registry: held_by
            .as_ref()
            .map(|r| (r.name.as_str(), r.hostname.as_str())),
    };
    let body = payload(activity, event, &place).to_string();
    let rows = hooks.iter().map(|hook| {
        delivery(
            hook.id,
            event.as_str(),
            &activity.key,
            body.clone(),
            activity.created_at,
        )
    });
    webhook_delivery::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Where an activity happened: its namespace (not the global one) and the
/// registry holding it (name, host).
#[derive(Default)]
pub struct Place<'a> {
    pub namespace: Option<&'a str>,
    pub registry: Option<(&'a str, &'a str)>,
}

/// The JSON body every webhook gets for `activity` (documented in the
/// README, "Webhooks").
pub fn payload(activity: &activity::Model, event: WebhookEvent, place: &Place) -> Value {
    let namespace = place.namespace;
    let mut body = json!({
        "id": activity.id,
        "event": event.as_str(),
        "action": activity.key,
        "occurred_at": activity.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "actor": activity.actor_name,
        "namespace": namespace,
        "target": {"type": activity.target_type, "name": activity.target_name},
        "parameters": activity.parameters.clone().unwrap_or(Value::Null),
    });
    if let Some((name, host)) = place.registry {
        body["registry"] = json!(name);
        body["registry_host"] = json!(host);
    }
    if activity.target_type == "repository" {
        let (repository, tag, digest) = split_reference(&activity.target_name);
        body["repository"] = json!(repository);
        body["tag"] = json!(tag);
        let digest = digest.map(str::to_owned).or_else(|| {
            activity
                .parameters
                .as_ref()
                .and_then(|p| p["digest"].as_str().map(str::to_owned))
        });
        body["digest"] = json!(digest);
    }
    body
}

/// `repo:tag`, `repo@digest` or `repo` into its parts (repository names
/// hold neither `:` nor `@`).
fn split_reference(name: &str) -> (&str, Option<&str>, Option<&str>) {
    if let Some((repository, digest)) = name.split_once('@') {
        return (repository, None, Some(digest));
    }
    match name.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag), None),
        _ => (name, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_the_events_people_subscribe_to() {
        assert_eq!(
            event_of(ActivityKey::RepositoryPush),
            Some(WebhookEvent::Push)
        );
        assert_eq!(
            event_of(ActivityKey::RepositoryDeleteTag),
            Some(WebhookEvent::Delete)
        );
        assert_eq!(
            event_of(ActivityKey::RepositoryDelete),
            Some(WebhookEvent::Delete)
        );
        assert_eq!(
            event_of(ActivityKey::NamespaceChangeVisibility),
            Some(WebhookEvent::Namespace)
        );
        assert_eq!(
            event_of(ActivityKey::TeamAddMember),
            Some(WebhookEvent::Team)
        );
        for quiet in [
            ActivityKey::RepositoryStar,
            ActivityKey::AuthSignIn,
            ActivityKey::UserCreate,
            ActivityKey::CommentCreate,
        ] {
            assert_eq!(event_of(quiet), None, "{quiet}");
        }
        assert!(asks_for("push,team", WebhookEvent::Team));
        assert!(!asks_for("push,team", WebhookEvent::Delete));
    }

    #[test]
    fn references_split_into_repository_tag_and_digest() {
        assert_eq!(split_reference("a/b:1.0"), ("a/b", Some("1.0"), None));
        assert_eq!(
            split_reference("a/b@sha256:ab"),
            ("a/b", None, Some("sha256:ab"))
        );
        assert_eq!(split_reference("app"), ("app", None, None));
        assert_eq!(split_reference("app:latest"), ("app", Some("latest"), None));
    }

    #[test]
    fn delivery_ids_look_like_uuids_and_differ() {
        let id = new_delivery_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_ne!(id, new_delivery_id());
    }
}
