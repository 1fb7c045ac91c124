//! Activities that happened while the database was away (registry logins
//! answered from memory, `db::watch`), kept in this process until they can
//! be recorded with the time they happened. At most [`CAPACITY`] wait; the
//! log says how many more were not kept.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use portunus_shared::domain::ActivityKey;
use sea_orm::TransactionTrait;

use super::{Actor, Target};
use crate::error::Result;

/// Most activities kept waiting.
pub const CAPACITY: usize = 10_000;

/// One activity to record.
#[derive(Debug, Clone)]
struct Waiting {
    actor: Actor,
    key: ActivityKey,
    target_kind: String,
    target_id: Option<i64>,
    target_name: String,
    target_namespace: Option<i64>,
    parameters: Option<serde_json::Value>,
    at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Backlog {
    waiting: Mutex<Vec<Waiting>>,
    /// How many were not kept since the last write.
    dropped: Mutex<u64>,
}

impl Backlog {
    /// Keeps what `actor` did (`key`, to `target`, at `at`) until
    /// [`Backlog::write`].
    pub fn defer(
        &self,
        actor: &Actor,
        key: ActivityKey,
        target: Target<'_>,
        parameters: Option<serde_json::Value>,
        at: DateTime<Utc>,
    ) {
        let Ok(mut waiting) = self.waiting.lock() else {
            return;
        };
        if waiting.len() >= CAPACITY {
            if let Ok(mut dropped) = self.dropped.lock() {
                *dropped += 1;
            }
            return;
        }
        waiting.push(Waiting {
            actor: actor.clone(),
            key,
            target_kind: target.kind.to_owned(),
            target_id: target.id,
            target_name: target.name.to_owned(),
            target_namespace: target.namespace_id,
            parameters,
            at,
        });
    }

    /// How many wait.
    pub fn len(&self) -> usize {
        self.waiting.lock().map_or(0, |w| w.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records everything waiting, in one transaction, in the order it
    /// happened; if the database is away, it all waits for the next call
    /// (any other failure drops it, saying so in the log).
    pub async fn write(&self, db: &sea_orm::DatabaseConnection) -> Result<usize> {
        let batch = match self.waiting.lock() {
            Ok(mut waiting) => std::mem::take(&mut *waiting),
            Err(_) => return Ok(0),
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let written = async {
            let txn = db.begin().await?;
            for w in &batch {
                let target = Target {
                    namespace_id: w.target_namespace,
                    ..Target::new(&w.target_kind, w.target_id, &w.target_name)
                };
                super::record_at(&txn, &w.actor, w.key, target, w.parameters.clone(), w.at).await?;
            }
            txn.commit().await?;
            Ok::<_, crate::error::Error>(())
        }
        .await;
        if let Err(e) = written {
            if !e.is_outage() {
                // Not the database being away: these cannot be written
                // (the account gone, say); waiting would block the rest.
                tracing::error!(error = %e, dropped = batch.len(), "cannot record the activities kept while the database was away");
                return Err(e);
            }
            if let Ok(mut waiting) = self.waiting.lock() {
                let newer = std::mem::replace(&mut *waiting, batch);
                waiting.extend(newer);
                waiting.truncate(CAPACITY);
            }
            return Err(e);
        }
        let dropped = self.dropped.lock().map(|mut d| std::mem::take(&mut *d));
        if let Ok(n) = dropped
            && n > 0
        {
            tracing::warn!(
                dropped = n,
                "more activities happened while the database was away than were kept; these were not recorded"
            );
        }
        Ok(batch.len())
    }
}
