//! Namespace facts remembered between token requests: registry clients ask
//! for a token for the same repositories again and again. An entry counts
//! only at the authorization epoch (`db::epoch`) it was read at, which any
//! change to namespaces or team memberships moves.

use std::collections::HashMap;
use std::sync::Mutex;

use portunus_shared::names::parse_repository_path;
use sea_orm::ConnectionTrait;

use super::{NamespaceFacts, Subject, facts};
use crate::db::ids::{RegistryId, UserId};
use crate::error::Result;

/// Whose facts (`None`: anybody's) about which namespace of which registry
/// (`None`: its global one).
type Key = (RegistryId, Option<UserId>, Option<String>);

pub struct FactsCache {
    capacity: usize,
    entries: Mutex<HashMap<Key, (u64, Option<NamespaceFacts>)>>,
}

impl FactsCache {
    /// Holds up to `capacity` entries; one more starts it over.
    pub fn new(capacity: usize) -> FactsCache {
        FactsCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// [`facts::repository_facts`], read from the database only when not
    /// remembered from `epoch` (as read before this call).
    pub async fn repository_facts(
        &self,
        db: &impl ConnectionTrait,
        epoch: u64,
        registry_id: RegistryId,
        subject: &Subject,
        repository: &str,
    ) -> Result<Option<NamespaceFacts>> {
        let Some(key) = key(registry_id, subject, repository) else {
            return Ok(None);
        };
        if let Some(known) = self.at(epoch, &key) {
            return Ok(known);
        }
        // Boxed: a remembered answer stays a small future.
        let asked = facts::repository_facts(db, registry_id, subject, repository);
        let known = Box::pin(asked).await?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(key, (epoch, known));
        }
        Ok(known)
    }

    /// What [`FactsCache::repository_facts`] remembered from `epoch`,
    /// without asking the database: `None` when it remembers nothing.
    pub fn remembered(
        &self,
        epoch: u64,
        registry_id: RegistryId,
        subject: &Subject,
        repository: &str,
    ) -> Option<Option<NamespaceFacts>> {
        match key(registry_id, subject, repository) {
            Some(key) => self.at(epoch, &key),
            None => Some(None),
        }
    }

    fn at(&self, epoch: u64, key: &Key) -> Option<Option<NamespaceFacts>> {
        let entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some((at, known)) if *at == epoch => Some(*known),
            _ => None,
        }
    }
}

/// Where the facts about `repository` for `subject` are kept; `None` for a
/// name that is no repository path (no facts).
fn key(registry_id: RegistryId, subject: &Subject, repository: &str) -> Option<Key> {
    let path = parse_repository_path(repository).ok()?;
    Some((
        registry_id,
        subject.user_id,
        path.namespace.map(str::to_owned),
    ))
}
