//! Webhooks as the API manages them: made, listed, changed, deleted, their
//! secret replaced, their deliveries listed and re-sent, a test ("ping")
//! sent. Who may: `authz::rest::may_manage_settings`. What is given is
//! checked before anything is stored; secrets, extra headers and passwords
//! are stored sealed and never shown again (the signing secret once, when
//! made or replaced). Changes are recorded in the activity log under the
//! webhook, never with its whole URL.

use std::collections::HashMap;

use chrono::{SecondsFormat, Utc};
use portunus_shared::api;
use portunus_shared::domain::{ActivityKey, DeliveryState, WebhookEvent};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::Sender;
use super::sealed::{self, Sealed, Secrets};
use super::target::check_url;
use crate::accounts::namespaces;
use crate::audit::{self, Actor, Target, outbox};
use crate::authz::{Subject, facts, rest};
use crate::db::Paging;
use crate::db::entities::{namespace, user, webhook, webhook_attempt, webhook_delivery};
use crate::db::ids::RegistryId;
use crate::db::people::people_of;
use crate::error::{Error, Result};

/// Header names a webhook may not set: the request's own framing and
/// Portunus's headers, which receivers rely on.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "user-agent",
];
const MAX_HEADERS: usize = 20;

fn not_found(id: i64) -> Error {
    Error::NotFound(format!("no webhook {id} (or you may not manage it)"))
}

fn time(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The namespace whose webhooks `who` manages (None: the global webhooks),
/// or why not.
async fn owner(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    who: &Subject,
    namespace: Option<&str>,
) -> Result<Option<namespace::Model>> {
    let Some(name) = namespace else {
        return if rest::may_manage_settings(who, None) {
            Ok(None)
        } else {
            Err(rest::refusal(
                who,
                "only administrators manage global webhooks; a namespace's owners manage its own",
            ))
        };
    };
    let (ns, facts) = namespaces::find_visible(db, registry_id, who, name).await?;
    if !rest::may_manage_settings(who, Some(&facts)) {
        return Err(rest::refusal(
            who,
            &format!("only owners of the team of {name:?} (or administrators) manage its webhooks"),
        ));
    }
    Ok(Some(ns))
}

/// The webhook `id` and its namespace, if `who` may manage it. Someone who
/// may see the namespace is told they may not manage it; anyone else
/// learns nothing (not found).
async fn managed(
    db: &impl ConnectionTrait,
    who: &Subject,
    id: i64,
) -> Result<(webhook::Model, Option<namespace::Model>)> {
    let hook = webhook::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| not_found(id))?;
    let Some(ns_id) = hook.namespace_id else {
        return if rest::may_manage_settings(who, None) {
            Ok((hook, None))
        } else {
            Err(not_found(id))
        };
    };
    let ns = namespace::Entity::find_by_id(ns_id)
        .one(db)
        .await?
        .ok_or_else(|| not_found(id))?;
    let facts = facts::facts_for(db, &ns, who).await?;
    if rest::may_manage_settings(who, Some(&facts)) {
        Ok((hook, Some(ns)))
    } else if rest::may_see_named_namespace(who, &facts, (!ns.global).then_some(ns.name.as_str())) {
        Err(rest::refusal(
            who,
            &format!(
                "only owners of the team of {:?} (or administrators) manage its webhooks",
                ns.name
            ),
        ))
    } else {
        Err(not_found(id))
    }
}

/// What is stored of a webhook's settings, checked.
struct Checked {
    name: String,
    url: url::Url,
    events: String,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::InvalidInput(
            "a webhook's name is 1 to 100 characters, e.g. \"CI deploy\"".into(),
        ));
    }
    Ok(name.to_owned())
}

fn check_events(events: &[WebhookEvent]) -> Result<String> {
    if events.is_empty() {
        return Err(Error::InvalidInput(format!(
            "choose at least one event: {}",
            WebhookEvent::ALL
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(WebhookEvent::ALL
        .iter()
        .filter(|e| events.contains(e))
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

/// The extra headers as stored, or why they cannot be (also for imports).
pub(crate) fn check_headers(
    headers: &[api::WebhookHeader],
    basic_auth: bool,
) -> Result<Vec<(String, String)>> {
    if headers.len() > MAX_HEADERS {
        return Err(Error::InvalidInput(format!(
            "at most {MAX_HEADERS} extra headers"
        )));
    }
    let mut checked: Vec<(String, String)> = Vec::new();
    for header in headers {
        let name = poem::http::HeaderName::from_bytes(header.name.trim().as_bytes())
            .map_err(|_| Error::InvalidInput(format!("{:?} is not a header name", header.name)))?;
        let lower = name.as_str();
        if RESERVED_HEADERS.contains(&lower) || lower.starts_with("x-portunus-") {
            return Err(Error::InvalidInput(format!(
                "the header {lower} is Portunus's to set"
            )));
        }
        if lower == "authorization" && basic_auth {
            return Err(Error::InvalidInput(
                "give either an Authorization header or basic authentication, not both".into(),
            ));
        }
        if header.value.len() > 4096 || poem::http::HeaderValue::from_str(&header.value).is_err() {
            return Err(Error::InvalidInput(format!(
                "the value of {lower} must be printable text of at most 4096 bytes"
            )));
        }
        if checked.iter().any(|(n, _)| n == lower) {
            return Err(Error::InvalidInput(format!(
                "the header {lower} is given twice"
            )));
        }
        checked.push((lower.to_owned(), header.value.clone()));
    }
    Ok(checked)
}

fn check_basic_auth(auth: &api::WebhookBasicAuth) -> Result<()> {
    if auth.username.is_empty() || auth.username.contains(':') || auth.username.len() > 200 {
        return Err(Error::InvalidInput(
            "the basic authentication user name is 1 to 200 characters, without ':'".into(),
        ));
    }
    if auth.password.len() > 1000 {
        return Err(Error::InvalidInput(
            "the basic authentication password is at most 1000 bytes".into(),
        ));
    }
    Ok(())
}

fn check_url_for(sender: &Sender, url: &str) -> Result<url::Url> {
    check_url(url, sender.settings().allow_private_targets).map_err(Error::InvalidInput)
}

/// A new random signing secret.
pub(crate) fn new_secret() -> String {
    format!("whsec_{}", crate::crypto::secrets::random_hex(24))
}

/// The receiver's host, as the activity log records it: never the whole
/// URL, which may itself be a credential (as chat services' are).
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

fn target(hook: &webhook::Model) -> Target<'_> {
    Target::new("webhook", Some(hook.id), &hook.name)
}

/// Makes a webhook for `namespace` (None: a global one).
pub async fn create(
    db: &DatabaseConnection,
    sender: &Sender,
    registry_id: RegistryId,
    by: &user::Model,
    namespace: Option<&str>,
    new: api::NewWebhook,
) -> Result<api::WebhookWithSecret> {
    let who = Subject::user(by, None);
    let checked = Checked {
        name: check_name(&new.name)?,
        url: check_url_for(sender, &new.url)?,
        events: check_events(&new.events)?,
    };
    if let Some(auth) = &new.basic_auth {
        check_basic_auth(auth)?;
    }
    let headers = check_headers(
        new.headers.as_deref().unwrap_or_default(),
        new.basic_auth.is_some(),
    )?;
    let txn = crate::db::begin_write(db).await?;
    let ns = owner(&txn, registry_id, &who, namespace).await?;
    let secret = new_secret();
    let now = Utc::now();
    let hook = webhook::ActiveModel {
        namespace_id: Set(ns.as_ref().map(|n| n.id)),
        name: Set(checked.name),
        url: Set(checked.url.to_string()),
        events: Set(checked.events),
        enabled: Set(new.enabled.unwrap_or(true)),
        // Sealed once the row has its id (`sealed::store`).
        secret_sealed: Set(String::new()),
        basic_username: Set(new.basic_auth.as_ref().map(|a| a.username.clone())),
        created_by_id: Set(Some(by.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let secrets = Secrets {
        secret: &secret,
        headers: &headers,
        basic_password: new.basic_auth.as_ref().map(|a| a.password.as_str()),
    };
    let hook = sealed::store(&txn, sender.key(), hook, secrets).await?;
    let params = json!({
        "namespace": ns.as_ref().map(|n| n.name.clone()),
        "host": host_of(&hook.url),
        "events": hook.events,
    });
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::WebhookCreate,
        target(&hook),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    let webhook = describe(db, sender, hook, ns.as_ref()).await?;
    Ok(api::WebhookWithSecret { webhook, secret })
}

/// The webhooks of `namespace` (None: the global ones), by name.
pub async fn list(
    db: &DatabaseConnection,
    sender: &Sender,
    registry_id: RegistryId,
    who: &Subject,
    namespace: Option<&str>,
) -> Result<Vec<api::Webhook>> {
    let ns = owner(db, registry_id, who, namespace).await?;
    let hooks = webhook::Entity::find()
        .filter(match &ns {
            Some(ns) => webhook::Column::NamespaceId.eq(ns.id),
            None => webhook::Column::NamespaceId.is_null(),
        })
        .order_by_asc(webhook::Column::Name)
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?;
    describe_many(db, sender, hooks, ns.as_ref()).await
}

/// One webhook.
pub async fn get(
    db: &DatabaseConnection,
    sender: &Sender,
    who: &Subject,
    id: i64,
) -> Result<api::Webhook> {
    let (hook, ns) = managed(db, who, id).await?;
    describe(db, sender, hook, ns.as_ref()).await
}

/// Changes what `change` gives.
pub async fn update(
    db: &DatabaseConnection,
    sender: &Sender,
    by: &user::Model,
    id: i64,
    change: api::WebhookUpdate,
) -> Result<api::Webhook> {
    let txn = crate::db::begin_write(db).await?;
    let (hook, ns) = managed(&txn, &Subject::user(by, None), id).await?;
    let mut row: webhook::ActiveModel = hook.clone().into();
    let mut changed = Vec::new();
    if let Some(name) = &change.name {
        row.name = Set(check_name(name)?);
        changed.push("name");
    }
    if let Some(url) = &change.url {
        let url = check_url_for(sender, url)?;
        // The credentials were given for one receiver: another origin
        // (scheme, host or port) gets them only if they are given again
        // (or it gets none).
        let credentials = hook.basic_username.is_some() || hook.headers_sealed.is_some();
        let restated = (change.basic_auth.is_some() || change.remove_basic_auth == Some(true))
            && change.headers.is_some();
        let same_origin = url::Url::parse(&hook.url).is_ok_and(|old| old.origin() == url.origin());
        if credentials && !same_origin && !restated {
            return Err(Error::InvalidInput(format!(
                "the receiver moves to another origin ({}): give its basic authentication (or remove_basic_auth) and its headers again with the new URL, so they go only where they were meant to",
                url.origin().ascii_serialization()
            )));
        }
        row.url = Set(url.to_string());
        changed.push("url");
    }
    if let Some(events) = &change.events {
        row.events = Set(check_events(events)?);
        changed.push("events");
    }
    if let Some(enabled) = change.enabled {
        row.enabled = Set(enabled);
        changed.push("enabled");
    }
    let removes_auth = change.remove_basic_auth == Some(true);
    if removes_auth && change.basic_auth.is_some() {
        return Err(Error::InvalidInput(
            "give basic_auth or remove_basic_auth, not both".into(),
        ));
    }
    if let Some(auth) = &change.basic_auth {
        check_basic_auth(auth)?;
        row.basic_username = Set(Some(auth.username.clone()));
        let sealed = Sealed::BasicPassword.seal(sender.key(), hook.id, &auth.password);
        row.basic_password_sealed = Set(Some(sealed));
        changed.push("basic_auth");
    } else if removes_auth {
        row.basic_username = Set(None);
        row.basic_password_sealed = Set(None);
        changed.push("basic_auth");
    }
    let has_auth = match (&change.basic_auth, removes_auth) {
        (Some(_), _) => true,
        (None, true) => false,
        (None, false) => hook.basic_username.is_some(),
    };
    if let Some(headers) = &change.headers {
        let checked = check_headers(headers, has_auth)?;
        row.headers_sealed = Set(sealed::seal_headers(sender.key(), hook.id, &checked));
        changed.push("headers");
    } else if has_auth && hook.basic_username.is_none() {
        let current = super::sender::extra_headers(sender, &hook).map_err(|e| {
            Error::InvalidInput(format!(
                "{e}; give the headers again with the basic authentication"
            ))
        })?;
        if current.iter().any(|(name, _)| name == "authorization") {
            return Err(Error::InvalidInput(
                "the webhook sends an Authorization header: remove it to use basic authentication"
                    .into(),
            ));
        }
    }
    if changed.is_empty() {
        return describe(db, sender, hook, ns.as_ref()).await;
    }
    row.updated_at = Set(Utc::now());
    let hook = row.update(&txn).await?;
    let params = json!({"changed": changed, "host": host_of(&hook.url)});
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::WebhookUpdate,
        target(&hook),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    describe(db, sender, hook, ns.as_ref()).await
}

/// Deletes a webhook and its delivery log.
pub async fn delete(db: &DatabaseConnection, by: &user::Model, id: i64) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let (hook, _) = managed(&txn, &Subject::user(by, None), id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .exec(&txn)
        .await?;
    webhook::Entity::delete_by_id(hook.id).exec(&txn).await?;
    let params = json!({"host": host_of(&hook.url)});
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::WebhookDelete,
        target(&hook),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces the signing secret; the new one is shown this once.
pub async fn replace_secret(
    db: &DatabaseConnection,
    sender: &Sender,
    by: &user::Model,
    id: i64,
) -> Result<api::WebhookWithSecret> {
    let txn = crate::db::begin_write(db).await?;
    let (hook, ns) = managed(&txn, &Subject::user(by, None), id).await?;
    let secret = new_secret();
    let sealed = Sealed::Secret.seal(sender.key(), hook.id, &secret);
    let mut row: webhook::ActiveModel = hook.into();
    row.secret_sealed = Set(sealed);
    row.updated_at = Set(Utc::now());
    let hook = row.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::WebhookReplaceSecret,
        target(&hook),
        None,
    )
    .await?;
    txn.commit().await?;
    let webhook = describe(db, sender, hook, ns.as_ref()).await?;
    Ok(api::WebhookWithSecret { webhook, secret })
}

/// A page of a webhook's deliveries, newest first.
pub async fn deliveries(
    db: &DatabaseConnection,
    who: &Subject,
    id: i64,
    paging: Paging,
) -> Result<api::WebhookDeliveryPage> {
    let (hook, _) = managed(db, who, id).await?;
    let query =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(hook.id));
    let total = query.clone().count(db).await?;
    let window = paging.window(total);
    let ordered = if window.reversed {
        query.order_by_asc(webhook_delivery::Column::Id)
    } else {
        query.order_by_desc(webhook_delivery::Column::Id)
    };
    let rows = ordered
        .limit(window.limit)
        .offset(window.offset)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let mut histories: HashMap<i64, Vec<api::WebhookAttempt>> = HashMap::new();
    for attempt in webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
        .order_by_asc(webhook_attempt::Column::Number)
        .all(db)
        .await?
    {
        histories
            .entry(attempt.delivery_id)
            .or_default()
            .push(api::WebhookAttempt {
                number: attempt.number,
                attempted_at: time(attempt.attempted_at),
                response_status: attempt.response_status,
                response_excerpt: attempt.response_excerpt,
                error: attempt.error,
                duration_ms: attempt.duration_ms,
            });
    }
    let items = window
        .in_order(rows)
        .into_iter()
        .map(|d| {
            let history = histories.remove(&d.id).unwrap_or_default();
            api::WebhookDelivery { history, ..view(d) }
        })
        .collect();
    Ok(paging.page_of(items, total))
}

/// Queues `delivery` of webhook `id` again (as a new delivery, due now).
pub async fn resend(
    db: &DatabaseConnection,
    sender: &Sender,
    by: &user::Model,
    id: i64,
    delivery: i64,
) -> Result<api::WebhookDelivery> {
    let txn = crate::db::begin_write(db).await?;
    let (hook, _) = managed(&txn, &Subject::user(by, None), id).await?;
    let original = webhook_delivery::Entity::find_by_id(delivery)
        .filter(webhook_delivery::Column::WebhookId.eq(hook.id))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id} has no delivery {delivery}")))?;
    let mut again = outbox::delivery(
        hook.id,
        &original.event,
        &original.action,
        original.payload.clone(),
        Utc::now(),
    );
    again.resend_of = Set(Some(original.id));
    let again = again.insert(&txn).await?;
    let params = json!({"delivery": original.delivery_id});
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::WebhookResend,
        target(&hook),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    sender.wake();
    Ok(view(again))
}

/// Queues a test delivery (`ping`); a disabled webhook sends nothing, tests
/// included.
pub async fn ping(
    db: &DatabaseConnection,
    sender: &Sender,
    by: &user::Model,
    id: i64,
) -> Result<api::WebhookDelivery> {
    let (hook, ns) = managed(db, &Subject::user(by, None), id).await?;
    if !hook.enabled {
        return Err(Error::Conflict(
            "the webhook is disabled and sends nothing, tests included: enable it first".into(),
        ));
    }
    let now = Utc::now();
    let payload = json!({
        "event": "ping",
        "action": "webhook.ping",
        "occurred_at": time(now),
        "actor": by.username,
        "namespace": ns.filter(|n| !n.global).map(|n| n.name),
        "webhook": {"id": hook.id, "name": hook.name, "events": hook.events.split(',').collect::<Vec<_>>()},
    });
    let queued = outbox::delivery(hook.id, "ping", "webhook.ping", payload.to_string(), now)
        .insert(db)
        .await?;
    sender.wake();
    Ok(view(queued))
}

/// The wire form of a delivery.
fn view(d: webhook_delivery::Model) -> api::WebhookDelivery {
    let state = d.state.parse().unwrap_or(DeliveryState::Failed);
    api::WebhookDelivery {
        id: d.id,
        delivery_id: d.delivery_id,
        event: d.event,
        action: d.action,
        state,
        attempts: d.attempts,
        created_at: time(d.created_at),
        last_attempt_at: d.last_attempt_at.map(time),
        next_attempt_at: d
            .next_attempt_at
            .filter(|_| state == DeliveryState::Pending)
            .map(time),
        response_status: d.response_status,
        response_excerpt: d.response_excerpt,
        error: d.error,
        duration_ms: d.duration_ms,
        resend_of: d.resend_of,
        payload: d.payload,
        history: Vec::new(),
    }
}

async fn describe(
    db: &impl ConnectionTrait,
    sender: &Sender,
    hook: webhook::Model,
    ns: Option<&namespace::Model>,
) -> Result<api::Webhook> {
    let mut described = describe_many(db, sender, vec![hook], ns).await?;
    described
        .pop()
        .ok_or_else(|| Error::Internal("a webhook vanished".into()))
}

/// The wire form of `hooks` (all of `ns`, or global), with their latest
/// deliveries and creators read in one query each.
async fn describe_many(
    db: &impl ConnectionTrait,
    sender: &Sender,
    hooks: Vec<webhook::Model>,
    ns: Option<&namespace::Model>,
) -> Result<Vec<api::Webhook>> {
    let ids: Vec<i64> = hooks.iter().map(|h| h.id).collect();
    let latest = Query::select()
        .expr(Func::max(Expr::col(webhook_delivery::Column::Id)))
        .from(webhook_delivery::Entity)
        .and_where(Expr::col(webhook_delivery::Column::WebhookId).is_in(ids))
        .group_by_col(webhook_delivery::Column::WebhookId)
        .to_owned();
    let mut last: HashMap<i64, webhook_delivery::Model> = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Id.in_subquery(latest))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.webhook_id, d))
        .collect();
    let people = people_of(db, hooks.iter().filter_map(|h| h.created_by_id)).await?;
    let namespace = ns.map(|n| n.name.clone());
    Ok(hooks
        .into_iter()
        .map(|hook| {
            let header_names = match super::sender::extra_headers(sender, &hook) {
                Ok(headers) => headers.into_iter().map(|(name, _)| name).collect(),
                Err(_) => vec!["(cannot be opened here: set them again)".into()],
            };
            api::Webhook {
                id: hook.id,
                namespace: namespace.clone(),
                name: hook.name,
                url: hook.url,
                events: hook
                    .events
                    .split(',')
                    .filter_map(|e| e.parse().ok())
                    .collect(),
                enabled: hook.enabled,
                header_names,
                basic_auth_username: hook.basic_username,
                created_by: hook
                    .created_by_id
                    .and_then(|id| people.get(&id))
                    .map(|p| p.username.clone()),
                created_at: time(hook.created_at),
                updated_at: time(hook.updated_at),
                last_delivery: last.remove(&hook.id).map(view),
            }
        })
        .collect())
}
