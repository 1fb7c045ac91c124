//! Turning stored registry events into repositories and tags, in the order
//! they arrived, idempotently: replaying an event changes nothing, and an
//! event is marked processed in the same transaction as its effect. When the
//! registry cannot be reached the batch stops and is retried later, so a
//! registry outage loses nothing. With several Portunus processes on one
//! database, the one holding the event processor's lease works (in order)
//! and the others stand by; marking an event processed only if it is not
//! yet, in the transaction of its effect, keeps each applied exactly once
//! even while a lease changes hands.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::accounts::users;
use crate::audit::{self, Actor, Target};
use crate::catalog::Catalog;
use crate::catalog::repositories;
use crate::config::hosts;
use crate::db::entities::registry_event;
use crate::db::leases;
use crate::error::{Error, Result};
use crate::ingest::Counters;
use crate::ingest::Events;
use crate::registry::{INTERNAL_IDENTITY, RegistryError};

const BATCH: u64 = 100;
const IDLE_WAIT: Duration = Duration::from_secs(2);
const RETRY_WAIT: Duration = Duration::from_secs(5);
/// How long the lease lasts unless renewed (every batch renews it).
const LEASE: Duration = Duration::from_secs(20);

/// Processes events until the process ends: at once when the notification
/// endpoint stored some, and every few seconds in any case (restart-safe:
/// whatever was stored but not processed is picked up).
pub async fn run(catalog: Catalog, events: std::sync::Arc<Events>) {
    match release_held(&catalog, &events.registry_names).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            events = n,
            "registry events held for an unknown host are released: the host is now configured"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot release held registry events"),
    }
    let holder = leases::holder_id();
    loop {
        match leases::acquire(
            &catalog.db,
            leases::names::EVENTS,
            &holder,
            LEASE,
            Utc::now(),
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => {
                // Another process applies events; stand by in case it dies.
                let _ = tokio::time::timeout(IDLE_WAIT, events.waiting.notified()).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot take the event processor's lease: will retry");
                tokio::time::sleep(RETRY_WAIT).await;
                continue;
            }
        }
        match process_pending(&catalog, &events).await {
            Ok(n) if n as u64 == BATCH => continue,
            Ok(_) => {
                let _ = tokio::time::timeout(IDLE_WAIT, events.waiting.notified()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "registry events wait: will retry");
                tokio::time::sleep(RETRY_WAIT).await;
            }
        }
    }
}

/// Processes one batch of unprocessed events; returns how many were done.
/// Stops early (with an error) when the registry cannot be reached.
pub async fn process_pending(catalog: &Catalog, events: &Events) -> Result<usize> {
    let pending = registry_event::Entity::find()
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_null())
        .order_by_asc(registry_event::Column::Id)
        .limit(BATCH)
        .all(&catalog.db)
        .await?;
    let mut done = 0;
    for event in pending {
        let outcome = apply(catalog, events, &event).await;
        match outcome {
            Ok(()) => Counters::add(&events.counters.events_applied, 1),
            // Another process applied it meanwhile; what this one did is undone.
            Err(Failure::AlreadyApplied) => {}
            // Nothing to gain from retrying these: record why and move on.
            Err(Failure::Skip(reason)) => {
                tracing::info!(event = %event.event_id, %reason, "registry event not applied");
                Counters::add(&events.counters.events_failed, 1);
                match mark(&catalog.db, &event, Some(reason)).await {
                    Ok(()) | Err(Failure::AlreadyApplied) => {}
                    Err(_) => return Err(Error::Internal("cannot mark an event".into())),
                }
            }
            Err(Failure::Retry(reason)) => return Err(Error::Internal(reason)),
        }
        done += 1;
    }
    Ok(done)
}

enum Failure {
    Skip(String),
    Retry(String),
    /// Marked processed by another process first.
    AlreadyApplied,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::InvalidInput(m) | Error::NotFound(m) | Error::Conflict(m) => Failure::Skip(m),
            other => Failure::Retry(other.to_string()),
        }
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Failure {
        Failure::Retry(e.to_string())
    }
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Manifests that may refer to another through OCI `subject` (Docker
/// manifests cannot); registries may leave the media type out.
fn may_have_subject(media_type: &str) -> bool {
    media_type.is_empty() || media_type == crate::registry::manifest::OCI_MANIFEST
}

/// Layer and config uploads; everything else a push names is a manifest
/// (of whatever media type) and may carry a tag.
fn is_blob(media_type: &str) -> bool {
    media_type.contains("octet-stream")
}

/// Applies one event and marks it processed, in one transaction.
async fn apply(
    catalog: &Catalog,
    events: &Events,
    event: &registry_event::Model,
) -> std::result::Result<(), Failure> {
    let payload: Value =
        serde_json::from_str(&event.payload).map_err(|e| Failure::Skip(e.to_string()))?;
    let repository = text(&payload, &["target", "repository"])
        .unwrap_or_default()
        .to_owned();
    let media_type = text(&payload, &["target", "mediaType"]).unwrap_or_default();
    let digest = text(&payload, &["target", "digest"]).map(str::to_owned);
    let tag = text(&payload, &["target", "tag"]).map(str::to_owned);
    let actor = text(&payload, &["actor", "name"]).map(str::to_owned);
    let at: DateTime<Utc> = text(&payload, &["timestamp"])
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or(event.received_at, |t| t.with_timezone(&Utc));

    if event.action == "push" && actor.as_deref() == Some(INTERNAL_IDENTITY) {
        // Portunus's own throwaway manifest, pushed only to delete one tag
        // (`RegistryClient::delete_tag`) and deleted right after: recording
        // it would show, for a moment, a tag that is being deleted.
        return mark(&catalog.db, event, None).await;
    }
    let effective = match event.action.as_str() {
        "push" => digest.is_some() && !is_blob(media_type),
        "pull" | "delete" => true,
        _ => false,
    };
    if let Some(host) = text(&payload, &["request", "host"])
        && effective
        && !hosts::is_known(host, &events.registry_names)
    {
        let Some(reference) = digest.as_deref().or(tag.as_deref()) else {
            return mark(
                &catalog.db,
                event,
                Some("the event names no tag or digest".into()),
            )
            .await;
        };
        let confirmed = match catalog
            .registry
            .manifest_digest(&repository, reference)
            .await
        {
            // What the event says is there: the registry, reached by another name.
            Ok(_) => event.action != "delete",
            Err(RegistryError::NotFound(_)) => event.action == "delete",
            Err(e) => return Err(Failure::Retry(e.to_string())),
        };
        if !confirmed && event.action == "pull" {
            // A pull changes little; one that cannot be confirmed is noted, not held.
            let note = format!(
                "pull named the unknown registry host {host:?} and the registry does not confirm it"
            );
            return mark(&catalog.db, event, Some(note)).await;
        }
        if !confirmed {
            return hold(catalog, events, event, host).await;
        }
    }

    // Fetch what a push points at before opening the transaction.
    let fetched = match (event.action.as_str(), &tag, &digest) {
        ("push", Some(_), Some(digest)) if !is_blob(media_type) => catalog
            .registry
            .describe(&repository, digest)
            .await
            .map(Some),
        ("push", None, Some(digest)) if may_have_subject(media_type) => {
            catalog
                .registry
                .describe_artifact(&repository, digest)
                .await
        }
        _ => Ok(None),
    };
    let pushed = match fetched {
        Ok(pushed) => pushed,
        Err(RegistryError::NotFound(what)) => {
            return mark(&catalog.db, event, Some(format!("{what} is gone"))).await;
        }
        Err(RegistryError::Invalid(m)) => return mark(&catalog.db, event, Some(m)).await,
        Err(e) => return Err(Failure::Retry(e.to_string())),
    };

    let txn = crate::db::begin_write(&catalog.db).await?;
    let note = match event.action.as_str() {
        "push" => {
            // Blobs, and manifests pushed by digest only that are no
            // artifact (images of an index), leave nothing to record.
            if let Some(meta) = pushed {
                let pusher = match &actor {
                    Some(name) => users::find_by_name(&txn, name).await?,
                    None => None,
                };
                let repo =
                    repositories::ensure(&txn, catalog.registry_id, &repository, pusher.as_ref())
                        .await?;
                let pusher_id = pusher.as_ref().map(|u| u.id);
                let mut params = json!({"digest": meta.digest, "size": meta.size, "media_type": meta.media_type});
                let name = match &tag {
                    Some(tag) => {
                        repositories::record_tag(&txn, &repo, tag, &meta, pusher_id, at, 0).await?;
                        format!("{repository}:{tag}")
                    }
                    None => {
                        repositories::record_artifact(&txn, &repo, &meta, pusher_id, at).await?;
                        params["subject"] = json!(meta.subject);
                        params["artifact_type"] = json!(meta.artifact_type);
                        format!("{repository}@{}", meta.digest)
                    }
                };
                let audit_actor = pusher.as_ref().map_or_else(
                    || Actor {
                        id: None,
                        name: actor.clone().unwrap_or_else(|| "registry".into()),
                    },
                    |u| Actor::user(u.id, &u.username),
                );
                let target = Target::repository(Some(repo.id), &name);
                audit::record(&txn, &audit_actor, "repository.push", target, Some(params)).await?;
            }
            None
        }
        "pull" => {
            if let (Some(repo), Some(reference)) = (
                repositories::find(&txn, catalog.registry_id, &repository).await?,
                tag.as_ref().or(digest.as_ref()),
            ) {
                repositories::record_pull(&txn, &repo, reference, at).await?;
            }
            None
        }
        "delete" => {
            if let Some(repo) = repositories::find(&txn, catalog.registry_id, &repository).await? {
                repositories::forget_tags(&txn, &repo, digest.as_deref(), tag.as_deref()).await?;
            }
            None
        }
        "mount" => None,
        other => Some(format!("unknown action {other:?}")),
    };
    mark(&txn, event, note).await?;
    txn.commit().await?;
    Ok(())
}

/// Keeps an event that names an unknown registry host, unapplied, until
/// that host is configured; says so in the log and the metrics.
async fn hold(
    catalog: &Catalog,
    events: &Events,
    event: &registry_event::Model,
    host: &str,
) -> std::result::Result<(), Failure> {
    tracing::warn!(
        event = %event.event_id,
        %host,
        known = ?events.registry_names,
        "registry event held: it names a registry host Portunus does not know and the registry does not confirm it; \
         if clients reach the registry by that name, add it to registry.hostnames and restart"
    );
    Counters::add(&events.counters.events_held, 1);
    let mut row: registry_event::ActiveModel = event.clone().into();
    row.held_host = Set(Some(host.to_owned()));
    row.update(&catalog.db).await?;
    Ok(())
}

/// Makes held events whose host is now configured wait for processing again.
async fn release_held(catalog: &Catalog, known: &[String]) -> Result<u64> {
    let held_hosts: Vec<Option<String>> = registry_event::Entity::find()
        .select_only()
        .column(registry_event::Column::HeldHost)
        .distinct()
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_not_null())
        .into_tuple()
        .all(&catalog.db)
        .await?;
    let mut released = 0;
    for host in held_hosts.into_iter().flatten() {
        if hosts::is_known(&host, known) {
            released += registry_event::Entity::update_many()
                .col_expr(
                    registry_event::Column::HeldHost,
                    sea_orm::sea_query::Expr::value(Option::<String>::None),
                )
                .filter(registry_event::Column::HeldHost.eq(host))
                .exec(&catalog.db)
                .await?
                .rows_affected;
        }
    }
    Ok(released)
}

async fn mark(
    db: &impl sea_orm::ConnectionTrait,
    event: &registry_event::Model,
    error: Option<String>,
) -> std::result::Result<(), Failure> {
    let marked = registry_event::Entity::update_many()
        .col_expr(
            registry_event::Column::ProcessedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(registry_event::Column::Error, Expr::value(error))
        .filter(registry_event::Column::Id.eq(event.id))
        .filter(registry_event::Column::ProcessedAt.is_null())
        .exec(db)
        .await?;
    if marked.rows_affected == 0 {
        return Err(Failure::AlreadyApplied);
    }
    Ok(())
}
