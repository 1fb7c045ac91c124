//! Turning stored registry events into repositories and tags, in the order
//! they arrived, idempotently: replaying an event changes nothing, and an
//! event is marked processed in the same transaction as its effect, so each
//! is applied exactly once. When the registry cannot be reached the batch
//! stops and is retried later, so a registry outage loses nothing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use portunus_shared::domain::ActivityKey;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use crate::accounts::users;
use crate::audit::{self, Actor, Target};
use crate::catalog::Catalog;
use crate::catalog::recording;
use crate::config::hosts;
use crate::db::entities::{registry_event, repository};
use crate::db::ids::RegistryId;
use crate::db::leases;
use crate::error::{Error, Result};
use crate::ingest::Counters;
use crate::ingest::Events;
use crate::registries::{Registries, Served};
use crate::registry::{INTERNAL_IDENTITY, ImageMetadata, RegistryError};

const BATCH: u64 = 100;
const IDLE_WAIT: Duration = Duration::from_secs(2);
/// How long after the first new event the batch is read.
const SETTLE: Duration = Duration::from_millis(25);
const RETRY_WAIT: Duration = Duration::from_secs(5);
/// How often held events are looked at again (their registry may have
/// learned their host meanwhile).
const RELEASE_EVERY: Duration = Duration::from_secs(30);
/// How long the lease lasts unless renewed.
const LEASE: Duration = Duration::from_secs(20);
/// How old the lease may get before a batch renews it (well before it ends,
/// without a write per batch).
const RENEW_AFTER: Duration = Duration::from_secs(5);

/// Processes events until the process ends: at once when the notification
/// endpoint stored some, and every few seconds in any case (restart-safe:
/// whatever was stored but not processed is picked up). With several
/// Portunus processes on one database, the one holding the event
/// processor's lease works (in order) and the others stand by.
pub async fn run(registries: std::sync::Arc<Registries>, events: std::sync::Arc<Events>) {
    let db = registries.configured().catalog.db.clone();
    let holder = leases::holder_id();
    let mut renewed: Option<Instant> = None;
    let mut released: Option<Instant> = None;
    loop {
        // A host added to a registry (in the file, or through the API for
        // an added one) lets what it held through, without a restart.
        if released.is_none_or(|at| at.elapsed() >= RELEASE_EVERY) {
            released = Some(Instant::now());
            release_all_held(&registries).await;
        }
        // A lease held for a while yet costs no write to renew.
        if renewed.is_none_or(|at| at.elapsed() >= RENEW_AFTER) {
            match leases::acquire(&db, leases::names::EVENTS, &holder, LEASE, Utc::now()).await {
                Ok(true) => renewed = Some(Instant::now()),
                Ok(false) => {
                    // Another process applies events; stand by in case it dies.
                    renewed = None;
                    let _ = tokio::time::timeout(IDLE_WAIT, events.waiting.notified()).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take the event processor's lease: will retry");
                    renewed = None;
                    tokio::time::sleep(RETRY_WAIT).await;
                    continue;
                }
            }
        }
        match process_all(&registries, &events).await {
            Ok(true) => continue,
            Ok(_) => {
                let woken = tokio::time::timeout(IDLE_WAIT, events.waiting.notified()).await;
                if woken.is_ok() {
                    // Let the events that follow this one arrive: one
                    // transaction applies them all, instead of one commit
                    // each competing with the endpoint's commits.
                    tokio::time::sleep(SETTLE).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "registry events wait: will retry");
                tokio::time::sleep(RETRY_WAIT).await;
            }
        }
    }
}

/// Makes the held events of every registry whose host it is now known by
/// wait for processing again.
async fn release_all_held(registries: &Registries) {
    for served in registries.all().iter() {
        match release_held(served).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                events = n,
                registry = %served.name,
                "registry events held for an unknown host are released: the host is now configured"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot release held registry events"),
        }
    }
}

/// Processes a batch of each registry's unprocessed events; `true` when
/// one of them was full (more are waiting), an error when one registry's
/// batch stopped (the others are done).
pub async fn process_all(registries: &Registries, events: &Events) -> Result<bool> {
    let mut full = false;
    let mut failed = None;
    // A registry that cannot be reached does not hold up the others.
    for served in registries.all().iter() {
        match process_pending(served, events).await {
            Ok(n) => full |= n as u64 == BATCH,
            Err(e) => failed = Some(e),
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(full),
    }
}

/// Processes one batch of a registry's unprocessed events, in order; returns how many
/// were done. What each comes to is worked out first (asking the registry
/// where needed), then all are written in one transaction, or one by one
/// when one of them cannot be written with the others. Stops early (with an
/// error) at the first event that needs the registry when it cannot be
/// reached; the events before it are done.
pub async fn process_pending(served: &Served, events: &Events) -> Result<usize> {
    let catalog = &served.catalog;
    let names = served.names();
    let pending = registry_event::Entity::find()
        .filter(registry_event::Column::RegistryId.eq(served.id))
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_null())
        .order_by_asc(registry_event::Column::Id)
        .limit(BATCH)
        .all(&catalog.db)
        .await?;
    let mut steps = Vec::with_capacity(pending.len());
    let mut unreachable = None;
    for event in pending {
        match prepare(catalog, &names, &event).await {
            Ok(step) => steps.push((event, step)),
            Err(reason) => {
                unreachable = Some(reason);
                break;
            }
        }
    }
    let counted = Counted {
        events,
        names: &names,
    };
    if !steps.is_empty() && !write_together(catalog, &counted, &steps).await? {
        for (event, step) in &steps {
            write_alone(catalog, &counted, event, step).await?;
        }
    }
    match unreachable {
        Some(reason) => Err(Error::Internal(reason)),
        None => Ok(steps.len()),
    }
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

/// What applying an event comes to, worked out from the event and the
/// registry before any transaction opens.
enum Step {
    /// Nothing to record but that it was seen, with why when it changed
    /// nothing it might have.
    Mark(Option<String>),
    /// Cannot be applied: marked with the reason and counted as failed.
    Fail(String),
    /// Names a registry host Portunus does not know: kept, unapplied.
    Hold(String),
    Push {
        repository: String,
        tag: Option<String>,
        actor: Option<String>,
        image: Box<ImageMetadata>,
        at: DateTime<Utc>,
    },
    Pull {
        repository: String,
        reference: String,
        at: DateTime<Utc>,
    },
    Delete {
        repository: String,
        digest: Option<String>,
        tag: Option<String>,
    },
}

/// What `event` comes to; an error (the registry cannot be reached) means
/// it is to be retried later.
async fn prepare(
    catalog: &Catalog,
    names: &[String],
    event: &registry_event::Model,
) -> std::result::Result<Step, String> {
    let payload: Value = match serde_json::from_str(&event.payload) {
        Ok(payload) => payload,
        Err(e) => return Ok(Step::Fail(e.to_string())),
    };
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
        return Ok(Step::Mark(None));
    }
    let effective = match event.action.as_str() {
        "push" => digest.is_some() && !is_blob(media_type),
        "pull" | "delete" => true,
        _ => false,
    };
    if let Some(host) = text(&payload, &["request", "host"])
        && effective
        && !hosts::is_known(host, names)
    {
        let Some(reference) = digest.as_deref().or(tag.as_deref()) else {
            return Ok(Step::Mark(Some("the event names no tag or digest".into())));
        };
        let confirmed = match catalog
            .registry
            .manifest_digest(&repository, reference)
            .await
        {
            // What the event says is there: the registry, reached by another name.
            Ok(_) => event.action != "delete",
            Err(RegistryError::NotFound(_)) => event.action == "delete",
            Err(e) => return Err(e.to_string()),
        };
        if !confirmed && event.action == "pull" {
            // A pull changes little; one that cannot be confirmed is noted, not held.
            return Ok(Step::Mark(Some(format!(
                "pull named the unknown registry host {host:?} and the registry does not confirm it"
            ))));
        }
        if !confirmed {
            return Ok(Step::Hold(host.to_owned()));
        }
    }
    match event.action.as_str() {
        "push" => {
            let fetched = match (&tag, &digest) {
                (Some(_), Some(digest)) if !is_blob(media_type) => catalog
                    .registry
                    .describe(&repository, digest)
                    .await
                    .map(Some),
                (None, Some(digest)) if may_have_subject(media_type) => {
                    catalog
                        .registry
                        .describe_artifact(&repository, digest)
                        .await
                }
                _ => Ok(None),
            };
            Ok(match fetched {
                // Blobs, and manifests pushed by digest only that are no
                // artifact (images of an index), leave nothing to record.
                Ok(None) => Step::Mark(None),
                Ok(Some(image)) => Step::Push {
                    repository,
                    tag,
                    actor,
                    image: Box::new(image),
                    at,
                },
                Err(RegistryError::NotFound(what)) => Step::Mark(Some(format!("{what} is gone"))),
                Err(RegistryError::Invalid(m)) => Step::Mark(Some(m)),
                Err(e) => return Err(e.to_string()),
            })
        }
        // Layers and configurations: no tag records their pulls.
        "pull" if is_blob(media_type) => Ok(Step::Mark(None)),
        "pull" => Ok(match tag.or(digest) {
            Some(reference) => Step::Pull {
                repository,
                reference,
                at,
            },
            None => Step::Mark(None),
        }),
        "delete" => Ok(Step::Delete {
            repository,
            digest,
            tag,
        }),
        "mount" => Ok(Step::Mark(None)),
        other => Ok(Step::Mark(Some(format!("unknown action {other:?}")))),
    }
}

/// Repositories looked up by path within one transaction: a batch of
/// events on one repository looks it up once.
#[derive(Default)]
struct Known(HashMap<String, Option<repository::Model>>);

impl Known {
    async fn find(
        &mut self,
        txn: &DatabaseTransaction,
        registry_id: RegistryId,
        path: &str,
    ) -> Result<Option<repository::Model>> {
        if let Some(found) = self.0.get(path) {
            return Ok(found.clone());
        }
        let found = recording::find(txn, registry_id, path).await?;
        self.0.insert(path.to_owned(), found.clone());
        Ok(found)
    }
}

/// What is left to do to an event once its step is applied.
enum Applied {
    /// Mark it processed, with a note when it changed nothing it might have.
    Processed(Option<String>),
    /// Nothing: it is held, unprocessed, for an unknown host.
    Held,
}

/// Writes what `step` says and marks `event` processed, in `txn`.
async fn write(
    txn: &DatabaseTransaction,
    registry_id: RegistryId,
    event: &registry_event::Model,
    step: &Step,
) -> std::result::Result<(), Failure> {
    match apply(txn, registry_id, event, step, &mut Known::default()).await? {
        Applied::Processed(note) => mark(txn, event, note).await,
        Applied::Held => Ok(()),
    }
}

/// Writes what `step` says, in `txn`; `event` is left to be marked.
async fn apply(
    txn: &DatabaseTransaction,
    registry_id: RegistryId,
    event: &registry_event::Model,
    step: &Step,
    known: &mut Known,
) -> std::result::Result<Applied, Failure> {
    let note = match step {
        Step::Mark(note) => note.clone(),
        Step::Fail(reason) => Some(reason.clone()),
        Step::Hold(host) => {
            let held = registry_event::Entity::update_many()
                .col_expr(registry_event::Column::HeldHost, Expr::value(host.clone()))
                .filter(registry_event::Column::Id.eq(event.id))
                .filter(registry_event::Column::ProcessedAt.is_null())
                .exec(txn)
                .await?;
            return match held.rows_affected {
                0 => Err(Failure::AlreadyApplied),
                _ => Ok(Applied::Held),
            };
        }
        Step::Push {
            repository,
            tag,
            actor,
            image,
            at,
        } => {
            let pusher = match actor {
                Some(name) => users::find_by_name(txn, name).await?,
                None => None,
            };
            let repo = match known.find(txn, registry_id, repository).await? {
                Some(repo) => repo,
                None => {
                    let made =
                        recording::ensure(txn, registry_id, repository, pusher.as_ref()).await?;
                    known.0.insert(repository.clone(), Some(made.clone()));
                    made
                }
            };
            let pusher_id = pusher.as_ref().map(|u| u.id);
            let mut params =
                json!({"digest": image.digest, "size": image.size, "media_type": image.media_type});
            let name = match tag {
                Some(tag) => {
                    recording::record_tag(txn, &repo, tag, image, pusher_id, *at, 0).await?;
                    format!("{repository}:{tag}")
                }
                None => {
                    recording::record_artifact(txn, &repo, image, pusher_id, *at).await?;
                    params["subject"] = json!(image.subject);
                    params["artifact_type"] = json!(image.artifact_type);
                    format!("{repository}@{}", image.digest)
                }
            };
            let audit_actor = pusher.as_ref().map_or_else(
                || Actor {
                    id: None,
                    name: actor.clone().unwrap_or_else(|| "registry".into()),
                },
                |u| Actor::user(u.id, &u.username),
            );
            let target = Target::repository(Some(&repo), &name);
            audit::record(
                txn,
                &audit_actor,
                ActivityKey::RepositoryPush,
                target,
                Some(params),
            )
            .await?;
            None
        }
        Step::Pull {
            repository,
            reference,
            at,
        } => {
            if let Some(repo) = known.find(txn, registry_id, repository).await? {
                recording::record_pull(txn, &repo, reference, *at).await?;
            }
            None
        }
        Step::Delete {
            repository,
            digest,
            tag,
        } => {
            if let Some(repo) = known.find(txn, registry_id, repository).await? {
                recording::forget_tags(txn, &repo, digest.as_deref(), tag.as_deref()).await?;
                // It may be gone with its last tag.
                known.0.remove(repository);
            }
            None
        }
    };
    Ok(Applied::Processed(note))
}

/// Counts (and for the unusual, logs) what a written step did.
/// Where what was applied is counted, and the names the registry has
/// (for the warning about a held event).
struct Counted<'a> {
    events: &'a Events,
    names: &'a [String],
}

fn count(counted: &Counted, event: &registry_event::Model, step: &Step) {
    let counters = &counted.events.counters;
    match step {
        Step::Fail(reason) => {
            tracing::info!(event = %event.event_id, %reason, "registry event not applied");
            Counters::add(&counters.events_failed, 1);
        }
        Step::Hold(host) => {
            tracing::warn!(
                event = %event.event_id,
                %host,
                known = ?counted.names,
                "registry event held: it names a registry host Portunus does not know and the registry does not confirm it; \
                 if clients reach the registry by that name, add it to its host names (registry.hostnames, or PATCH /api/v1/registries/NAME for an added one)"
            );
            Counters::add(&counters.events_held, 1);
        }
        _ => Counters::add(&counters.events_applied, 1),
    }
}

/// Writes every step in one transaction (one commit for the batch);
/// `false`, with nothing written, when one of them cannot be written with
/// the others (another process applied it, or its effect is refused).
async fn write_together(
    catalog: &Catalog,
    counted: &Counted<'_>,
    steps: &[(registry_event::Model, Step)],
) -> Result<bool> {
    let txn = crate::db::begin_write(&catalog.db).await?;
    let mut known = Known::default();
    let mut unnoted = Vec::with_capacity(steps.len());
    // A run of pulls is written as one update per tag or digest pulled.
    let mut pulls = HashMap::new();
    for (event, step) in steps {
        if let Step::Pull {
            repository,
            reference,
            at,
        } = step
        {
            let latest = pulls.entry((repository, reference)).or_insert(*at);
            *latest = (*latest).max(*at);
            unnoted.push(event.id);
            continue;
        }
        if record_pulls(&txn, catalog.registry_id, &mut known, &mut pulls)
            .await
            .is_err()
        {
            return Ok(false);
        }
        let done = match apply(&txn, catalog.registry_id, event, step, &mut known).await {
            Ok(Applied::Processed(None)) => {
                unnoted.push(event.id);
                Ok(())
            }
            Ok(Applied::Processed(note)) => mark(&txn, event, note).await,
            Ok(Applied::Held) => Ok(()),
            Err(failure) => Err(failure),
        };
        if done.is_err() {
            return Ok(false);
        }
    }
    if record_pulls(&txn, catalog.registry_id, &mut known, &mut pulls)
        .await
        .is_err()
    {
        return Ok(false);
    }
    if mark_all(&txn, &unnoted).await? < unnoted.len() as u64 {
        // Another process applied some meanwhile: one by one sorts it out.
        return Ok(false);
    }
    txn.commit().await?;
    for (event, step) in steps {
        count(counted, event, step);
    }
    Ok(true)
}

/// Writes one step in a transaction of its own. An effect that is refused
/// (nothing to gain from retrying it) leaves the event marked with why.
async fn write_alone(
    catalog: &Catalog,
    counted: &Counted<'_>,
    event: &registry_event::Model,
    step: &Step,
) -> Result<()> {
    let txn = crate::db::begin_write(&catalog.db).await?;
    let failed = match write(&txn, catalog.registry_id, event, step).await {
        Ok(()) => {
            txn.commit().await?;
            count(counted, event, step);
            return Ok(());
        }
        // Another process applied it meanwhile; what this one did is undone.
        Err(Failure::AlreadyApplied) => return Ok(()),
        Err(Failure::Retry(reason)) => return Err(Error::Internal(reason)),
        Err(Failure::Skip(reason)) => Step::Fail(reason),
    };
    drop(txn);
    let txn = crate::db::begin_write(&catalog.db).await?;
    match write(&txn, catalog.registry_id, event, &failed).await {
        Ok(()) => {
            txn.commit().await?;
            count(counted, event, &failed);
            Ok(())
        }
        Err(Failure::AlreadyApplied) => Ok(()),
        Err(_) => Err(Error::Internal("cannot mark an event".into())),
    }
}

/// Makes held events whose host is now configured wait for processing again.
async fn release_held(served: &Served) -> Result<u64> {
    let (catalog, known) = (&served.catalog, served.names());
    let held_hosts: Vec<Option<String>> = registry_event::Entity::find()
        .select_only()
        .column(registry_event::Column::HeldHost)
        .distinct()
        .filter(registry_event::Column::ProcessedAt.is_null())
        .filter(registry_event::Column::HeldHost.is_not_null())
        .filter(registry_event::Column::RegistryId.eq(served.id))
        .into_tuple()
        .all(&catalog.db)
        .await?;
    let mut released = 0;
    for host in held_hosts.into_iter().flatten() {
        if hosts::is_known(&host, &known) {
            released += registry_event::Entity::update_many()
                .col_expr(
                    registry_event::Column::HeldHost,
                    sea_orm::sea_query::Expr::value(Option::<String>::None),
                )
                .filter(registry_event::Column::HeldHost.eq(host))
                .filter(registry_event::Column::RegistryId.eq(served.id))
                .exec(&catalog.db)
                .await?
                .rows_affected;
        }
    }
    Ok(released)
}

/// Records the latest pull of each (repository, tag or digest) in `pulls`,
/// and empties it.
async fn record_pulls(
    txn: &DatabaseTransaction,
    registry_id: RegistryId,
    known: &mut Known,
    pulls: &mut HashMap<(&String, &String), DateTime<Utc>>,
) -> Result<()> {
    for ((repository, reference), at) in pulls.drain() {
        if let Some(repo) = known.find(txn, registry_id, repository).await? {
            recording::record_pull(txn, &repo, reference, at).await?;
        }
    }
    Ok(())
}

/// Marks the events `ids` processed (without a note) unless they are;
/// returns how many it marked.
async fn mark_all(txn: &DatabaseTransaction, ids: &[i64]) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let marked = registry_event::Entity::update_many()
        .col_expr(
            registry_event::Column::ProcessedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(registry_event::Column::Id.is_in(ids.iter().copied()))
        .filter(registry_event::Column::ProcessedAt.is_null())
        .exec(txn)
        .await?;
    Ok(marked.rows_affected)
}

/// Marks `event` processed only if it is not yet (else
/// `Failure::AlreadyApplied`): done in the transaction of its effect, this
/// keeps each event applied exactly once even while the lease changes hands.
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
