//! The gateway's record of pulls: each manifest GET or HEAD the registry
//! answered is noted in memory and written in batches (at most one
//! statement a second), a HEAD and a GET of one image by one client in
//! that second counting once. The queue is bounded: when the database
//! falls behind, pulls beyond it are counted as lost, never held without
//! limit. Pulls older than `gateway.keep_pulls_days` are forgotten hourly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use poem::http::Method;
use poem::http::header::USER_AGENT;
use poem::{Request, Response};
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;

use super::caller::Caller;
use super::path::{Reference, Route};
use crate::catalog::pulls::{self, Pull};
use crate::db::ids::RegistryId;

/// Pulls waiting to be written, at most.
const QUEUE: usize = 50_000;

/// Pulls written in one statement, at most.
const BATCH: usize = 1_000;

/// How long a pull waits for others before its batch is written.
const GATHER: Duration = Duration::from_secs(1);

/// Notes pulls; a task writes them.
pub struct PullLog {
    queue: mpsc::Sender<Pull>,
    written: AtomicU64,
    lost: AtomicU64,
}

impl PullLog {
    /// Starts the writer on `db`, which keeps pulls `keep_days`.
    pub fn start(db: DatabaseConnection, keep_days: u32) -> Arc<PullLog> {
        let (queue, pending) = mpsc::channel(QUEUE);
        let log = Arc::new(PullLog {
            queue,
            written: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        tokio::spawn(write(db.clone(), pending, Arc::downgrade(&log)));
        tokio::spawn(prune(db, keep_days));
        log
    }

    /// Notes one pull, to be written within a second or so.
    pub fn note(&self, pull: Pull) {
        if self.queue.try_send(pull).is_err() {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Pulls that could not be written (the queue was full, or the
    /// database refused them).
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Pulls written (after a HEAD and a GET of one image became one).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

/// A manifest GET or HEAD on its way to the registry, to note as a pull
/// once it is answered.
pub struct Pulled {
    head: bool,
    repository: String,
    reference: String,
    account: Option<String>,
    client: String,
}

impl Pulled {
    /// The pull `request` would be (`None` unless a manifest GET or HEAD).
    pub fn of(request: &Request, route: &Route, caller: Option<&Caller>) -> Option<Pulled> {
        let Route::Manifest { name, reference } = route else {
            return None;
        };
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return None;
        }
        let reference = match reference {
            Reference::Tag(tag) => tag.clone(),
            Reference::Digest(digest) => digest.clone(),
        };
        let client: String = request
            .header(USER_AGENT)
            .unwrap_or("unknown")
            .chars()
            .take(200)
            .collect();
        Some(Pulled {
            head: request.method() == Method::HEAD,
            repository: name.clone(),
            reference,
            account: caller
                .map(|c| c.subject.clone())
                .filter(|subject| !subject.is_empty()),
            client,
        })
    }

    /// The pull, as the registry of `registry_id` answered it to `address`.
    pub fn answered(self, registry_id: RegistryId, address: &str, response: &Response) -> Pull {
        let digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Pull {
            registry_id,
            repository: self.repository,
            reference: self.reference,
            digest,
            account: self.account,
            address: address.to_owned(),
            client: self.client,
            at: Utc::now(),
            head: self.head,
        }
    }
}

async fn write(
    db: DatabaseConnection,
    mut pending: mpsc::Receiver<Pull>,
    log: std::sync::Weak<PullLog>,
) {
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + GATHER;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(until, pending.recv()).await {
                Ok(Some(pull)) => batch.push(pull),
                Ok(None) | Err(_) => break,
            }
        }
        let batch = merged(batch);
        let mut written = false;
        for attempt in 1..=3 {
            match pulls::record(&db, &batch).await {
                Ok(()) => {
                    written = true;
                    break;
                }
                Err(e) => {
                    tracing::warn!(attempt, pulls = batch.len(), error = %e, "cannot record pulls yet");
                    tokio::time::sleep(Duration::from_secs(attempt)).await;
                }
            }
        }
        if let Some(log) = log.upgrade() {
            let counter = if written { &log.written } else { &log.lost };
            counter.fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
    }
}

/// A HEAD followed by a GET of the same digest, by the same account from
/// the same address, is one pull (docker's way), named by the tag when
/// one of them asked by tag; every other request is a pull of its own.
fn merged(batch: Vec<Pull>) -> Vec<Pull> {
    let mut out: Vec<Pull> = Vec::with_capacity(batch.len());
    for pull in batch {
        let same = |p: &Pull| {
            p.head
                && p.digest.is_some()
                && p.digest == pull.digest
                && p.registry_id == pull.registry_id
                && p.repository == pull.repository
                && p.account == pull.account
                && p.address == pull.address
        };
        match out.iter_mut().find(|p| same(p)) {
            Some(known) => {
                if known.reference.contains(':') && !pull.reference.contains(':') {
                    known.reference = pull.reference;
                }
                known.head = pull.head;
            }
            None => out.push(pull),
        }
    }
    out
}

/// Every hour, forgets pulls older than `keep_days` (0 keeps them all).
async fn prune(db: DatabaseConnection, keep_days: u32) {
    if keep_days == 0 {
        return;
    }
    loop {
        let before = Utc::now() - chrono::Duration::days(i64::from(keep_days));
        match pulls::prune(&db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(forgotten = n, "old pull records forgotten"),
            Err(e) => tracing::warn!(error = %e, "cannot forget old pull records"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(
        head: bool,
        reference: &str,
        digest: &str,
        account: Option<&str>,
        address: &str,
    ) -> Pull {
        Pull {
            head,
            registry_id: RegistryId(1),
            repository: "acme/app".into(),
            reference: reference.into(),
            digest: Some(digest.into()),
            account: account.map(str::to_owned),
            address: address.into(),
            client: "docker/27".into(),
            at: Utc::now(),
        }
    }

    #[test]
    fn a_head_and_a_get_of_one_image_are_one_pull() {
        let merged = merged(vec![
            pull(true, "v1", "sha256:aa", Some("alice"), "10.0.0.1"),
            pull(false, "sha256:aa", "sha256:aa", Some("alice"), "10.0.0.1"),
            pull(false, "v1", "sha256:aa", Some("bob"), "10.0.0.1"),
            pull(false, "v1", "sha256:aa", Some("bob"), "10.0.0.1"),
            pull(true, "v1", "sha256:aa", None, "10.0.0.2"),
            pull(false, "v1", "sha256:aa", None, "10.0.0.3"),
            pull(false, "v2", "sha256:bb", Some("alice"), "10.0.0.1"),
        ]);
        let seen: Vec<(&str, Option<&str>, &str)> = merged
            .iter()
            .map(|p| {
                (
                    p.reference.as_str(),
                    p.account.as_deref(),
                    p.address.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("v1", Some("alice"), "10.0.0.1"),
                ("v1", Some("bob"), "10.0.0.1"),
                ("v1", Some("bob"), "10.0.0.1"),
                ("v1", None, "10.0.0.2"),
                ("v1", None, "10.0.0.3"),
                ("v2", Some("alice"), "10.0.0.1"),
            ]
        );
    }
}
