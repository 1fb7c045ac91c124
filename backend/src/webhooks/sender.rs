//! Posting queued deliveries: each is claimed by one Portunus process at a
//! time (several may share the database), signed with its webhook's
//! secret, sent with a timeout, and recorded: delivered on a 2xx answer,
//! otherwise tried again after a wait that doubles (up to an hour) until
//! `webhooks.max_attempts`, then failed. The time is passed in, so tests
//! decide when retries are due. Runs in its own task: a slow receiver
//! never holds up the registry's events or anything else.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sha2::Sha256;

use super::sealed::Sealed;
use super::target::{GuardedResolver, check_url};
use crate::config::{Config, WebhookSettings};
use crate::crypto::sealing::SealingKey;
use crate::db::entities::{webhook, webhook_attempt, webhook_delivery};
use crate::db::leases::holder_id;
use crate::error::{Error, Result};

/// How much of a receiver's answer the log keeps.
const EXCERPT_BYTES: usize = 1024;
/// Deliveries claimed at once.
const BATCH: u64 = 16;
/// How long before its claim ends an attempt's outcome stops waiting for
/// the database to record it.
const RECORD_MARGIN: Duration = Duration::from_secs(15);
/// How often recording is tried again while the database is away.
const RECORD_RETRY: Duration = Duration::from_secs(1);

/// What the sender needs: the key that opens secrets, an HTTP client that
/// reaches only allowed addresses, the settings, and a bell to ring when
/// something is queued.
pub struct Sender {
    key: SealingKey,
    client: reqwest::Client,
    settings: WebhookSettings,
    wake: tokio::sync::Notify,
}

impl Sender {
    pub fn new(config: &Config) -> Result<Sender> {
        let key = SealingKey::load_or_create(&config.webhook_key_path())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let settings = config.webhooks.clone();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(settings.timeout_seconds.min(10)))
            .timeout(Duration::from_secs(settings.timeout_seconds))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would reach what the resolver
            // refuses.
            .no_proxy()
            .user_agent(concat!("Portunus-Webhook/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private_targets,
            }))
            .build()
            .map_err(|e| Error::Internal(format!("cannot make the webhook client: {e}")))?;
        Ok(Sender {
            key,
            client,
            settings,
            wake: tokio::sync::Notify::new(),
        })
    }

    pub fn key(&self) -> &SealingKey {
        &self.key
    }

    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Asks the background task to look for due deliveries now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The wait after `attempts` failed attempts.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let seconds = self
            .settings
            .first_retry_seconds
            .saturating_mul(1 << doublings)
            .min(3600);
        chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(3600))
    }
}

/// Sends deliveries as they come due, until the process ends; once an
/// hour, forgets finished ones past `webhooks.keep_deliveries_days`.
pub async fn run(db: DatabaseConnection, sender: Arc<Sender>) {
    let mut pruned_at: Option<Instant> = None;
    loop {
        if pruned_at.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            pruned_at = Some(Instant::now());
            let days = sender.settings.keep_deliveries_days;
            match prune(&db, Utc::now(), days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deliveries = n, days, "old webhook deliveries forgotten"),
                Err(e) => tracing::warn!(error = %e, "cannot prune webhook deliveries"),
            }
        }
        match send_due(&db, &sender, Utc::now()).await {
            Ok(n) if n as u64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot send webhook deliveries; trying again shortly")
            }
        }
        tokio::select! {
            _ = sender.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// Deletes deliveries finished (delivered or failed) more than `days`
/// before `now`; pending ones stay whatever their age. Any process may
/// run it: it deletes only what every process would.
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>, days: u32) -> Result<u64> {
    use webhook_delivery::Column;
    let before = now - chrono::Duration::days(i64::from(days));
    let done = webhook_delivery::Entity::delete_many()
        .filter(Column::State.ne("pending"))
        .filter(Column::LastAttemptAt.lt(before))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Claims and sends the deliveries due at `now`; returns how many it sent.
pub async fn send_due(
    db: &DatabaseConnection,
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<usize> {
    use webhook_delivery::Column;
    let unclaimed = Condition::any()
        .add(Column::ClaimedUntil.is_null())
        .add(Column::ClaimedUntil.lt(now));
    let due = webhook_delivery::Entity::find()
        .filter(Column::State.eq("pending"))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed.clone())
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    // Long enough for the attempt; a process that dies frees it after this.
    let lease = chrono::Duration::seconds(
        i64::try_from(sender.settings.timeout_seconds).unwrap_or(300) + 60,
    );
    let me = holder_id();
    let mut mine = Vec::new();
    for delivery in due {
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(me.clone()))
            .col_expr(Column::ClaimedUntil, Expr::value(now + lease))
            .filter(Column::Id.eq(delivery.id))
            .filter(Column::State.eq("pending"))
            // As read: not sent meanwhile by another process.
            .filter(Column::Attempts.eq(delivery.attempts))
            .filter(Column::NextAttemptAt.lte(now))
            .filter(unclaimed.clone())
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            mine.push(delivery);
        }
    }
    let hook_ids: Vec<i64> = mine.iter().map(|d| d.webhook_id).collect();
    let hooks: HashMap<i64, webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(hook_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let sent = mine.len();
    // Recording may wait for the database until shortly before the claim
    // ends (after that another process may send the delivery again).
    let claim_ends = Instant::now() + lease.to_std().unwrap_or_default() - RECORD_MARGIN;
    let attempts = mine.into_iter().map(|delivery| {
        let hook = hooks.get(&delivery.webhook_id);
        async move {
            let outcome = match hook {
                Some(hook) => attempt(sender, hook, &delivery).await,
                None => Outcome::refused("the webhook was deleted"),
            };
            record_patiently(db, sender, &delivery, &outcome, now, claim_ends).await
        }
    });
    for result in futures::future::join_all(attempts).await {
        result?;
    }
    Ok(sent)
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    excerpt: Option<String>,
    error: Option<String>,
    duration: Duration,
    /// Whether trying again could help (not for a disabled webhook).
    retry: bool,
}

impl Outcome {
    fn refused(reason: &str) -> Outcome {
        Outcome {
            status: None,
            excerpt: None,
            error: Some(reason.to_owned()),
            duration: Duration::ZERO,
            retry: false,
        }
    }

    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// `X-Portunus-Signature-256`: `sha256=` and the HMAC-SHA256 of the body
/// under the webhook's secret, in hex.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    )
}

/// The request for `delivery`, with the webhook's secrets opened.
fn request(
    sender: &Sender,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
) -> std::result::Result<reqwest::RequestBuilder, String> {
    let url = check_url(&hook.url, sender.settings.allow_private_targets)?;
    let secret = Sealed::Secret
        .open(&sender.key, hook)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let mut request = sender
        .client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Portunus-Event", &delivery.event)
        .header("X-Portunus-Delivery", &delivery.delivery_id)
        .header(
            "X-Portunus-Signature-256",
            signature(&secret, delivery.payload.as_bytes()),
        );
    for (name, value) in extra_headers(sender, hook)? {
        request = request.header(name, value);
    }
    let password = Sealed::BasicPassword
        .open(&sender.key, hook)
        .map_err(|e| e.to_string())?;
    if let (Some(user), Some(password)) = (&hook.basic_username, password) {
        request = request.basic_auth(user, Some(password));
    }
    Ok(request.body(delivery.payload.clone()))
}

/// The extra headers of `hook`, opened.
pub fn extra_headers(
    sender: &Sender,
    hook: &webhook::Model,
) -> std::result::Result<Vec<(String, String)>, String> {
    let Some(json) = Sealed::Headers
        .open(&sender.key, hook)
        .map_err(|e| e.to_string())?
    else {
        return Ok(Vec::new());
    };
    serde_json::from_str(&json).map_err(|e| format!("the stored headers are damaged: {e}"))
}

async fn attempt(
    sender: &Sender,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
) -> Outcome {
    if !hook.enabled && delivery.event != "ping" {
        return Outcome::refused("the webhook is disabled");
    }
    let request = match request(sender, hook, delivery) {
        Ok(request) => request,
        Err(reason) => {
            return Outcome {
                retry: true,
                ..Outcome::refused(&reason)
            };
        }
    };
    let started = Instant::now();
    let answer = request.send().await;
    let mut outcome = Outcome {
        status: None,
        excerpt: None,
        error: None,
        duration: Duration::ZERO,
        retry: true,
    };
    match answer {
        Ok(mut response) => {
            let status = response.status();
            outcome.status = Some(status.as_u16());
            let mut excerpt = Vec::new();
            while excerpt.len() < EXCERPT_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(e) => {
                        outcome.error = Some(format!("the answer broke off: {}", describe(&e)));
                        break;
                    }
                }
            }
            excerpt.truncate(EXCERPT_BYTES);
            outcome.excerpt = Some(String::from_utf8_lossy(&excerpt).into_owned());
            if !status.is_success() {
                let hint = if status.is_redirection() {
                    " (redirects are not followed: give the final URL)"
                } else {
                    ""
                };
                outcome.error = Some(format!("the receiver answered {status}{hint}"));
            }
        }
        Err(e) => outcome.error = Some(describe(&e)),
    }
    outcome.duration = started.elapsed();
    outcome
}

/// An HTTP client error in words, with its causes (never a secret: the
/// URL is the webhook's own).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "no answer in time (webhooks.timeout_seconds)".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        what
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

/// [`record`], tried again while the database is away (a restart, say),
/// until `claim_ends`: an answer the receiver gave is not lost, and so the
/// delivery not sent twice. A process that dies before it could record
/// leaves the delivery to be sent again once its claim ends, with the same
/// `X-Portunus-Delivery`: delivery is at least once, and receivers tell a
/// repeat by that id.
async fn record_patiently(
    db: &DatabaseConnection,
    sender: &Sender,
    delivery: &webhook_delivery::Model,
    outcome: &Outcome,
    now: DateTime<Utc>,
    claim_ends: Instant,
) -> Result<()> {
    loop {
        match record(db, sender, delivery, outcome, now).await {
            Err(e) if e.is_outage() && Instant::now() + RECORD_RETRY < claim_ends => {
                tracing::warn!(delivery = %delivery.delivery_id, error = %e, "cannot record a webhook delivery's outcome yet; trying again");
                tokio::time::sleep(RECORD_RETRY).await;
            }
            done => return done,
        }
    }
}

async fn record(
    db: &DatabaseConnection,
    sender: &Sender,
    delivery: &webhook_delivery::Model,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<()> {
    let attempts = delivery.attempts.saturating_add(1);
    let (state, next) = if outcome.delivered() {
        ("delivered", None)
    } else if outcome.retry
        && u32::try_from(attempts).unwrap_or(u32::MAX) < sender.settings.max_attempts
    {
        ("pending", Some(now + sender.backoff(attempts)))
    } else {
        ("failed", None)
    };
    if state != "delivered" {
        tracing::info!(
            delivery = %delivery.delivery_id,
            webhook = delivery.webhook_id,
            attempts,
            state,
            error = outcome.error.as_deref().unwrap_or(""),
            "webhook delivery not delivered"
        );
    }
    // Only while this process holds the claim (the row may also be gone
    // with its webhook); the attempt is kept beside it in the same turn.
    use webhook_delivery::Column;
    let excerpt = outcome.excerpt.clone();
    let duration = i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX);
    let txn = crate::db::begin_write(db).await?;
    let recorded = webhook_delivery::Entity::update_many()
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::State, Expr::value(state))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(Column::ClaimedBy, Expr::value(None::<String>))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(Column::LastAttemptAt, Expr::value(Some(now)))
        .col_expr(
            Column::ResponseStatus,
            Expr::value(outcome.status.map(i32::from)),
        )
        .col_expr(Column::ResponseExcerpt, Expr::value(excerpt.clone()))
        .col_expr(Column::Error, Expr::value(outcome.error.clone()))
        .col_expr(Column::DurationMs, Expr::value(Some(duration)))
        .filter(Column::Id.eq(delivery.id))
        .filter(Column::ClaimedBy.eq(holder_id()))
        .exec(&*txn)
        .await?;
    if recorded.rows_affected == 1 {
        webhook_attempt::ActiveModel {
            delivery_id: Set(delivery.id),
            number: Set(attempts),
            attempted_at: Set(now),
            response_status: Set(outcome.status.map(i32::from)),
            response_excerpt: Set(excerpt),
            error: Set(outcome.error.clone()),
            duration_ms: Set(duration),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_body_in_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        let sender = Sender::new(&config).unwrap();
        let waits: Vec<i64> = (1..=9).map(|n| sender.backoff(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
