//! The activity log: every change and sign-in is recorded with its actor,
//! action key, target and parameters.

pub mod activities;
pub mod backlog;
pub mod feed;
pub mod outbox;

use portunus_shared::domain::ActivityKey;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::db::entities::{activity, namespace, repository, user};
use crate::error::Result;

/// Who did something: a user, or Portunus itself (CLI, startup).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    /// A signed-in user.
    pub fn of(user: &user::Model) -> Actor {
        Actor::user(user.id, &user.username)
    }

    pub fn user(id: i64, name: &str) -> Actor {
        Actor {
            id: Some(id),
            name: name.to_owned(),
        }
    }

    /// An operator acting through the `portunus` command line.
    pub fn cli() -> Actor {
        Actor {
            id: None,
            name: "portunus-cli".into(),
        }
    }
}

/// What an activity was done to.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Option<i64>,
    pub name: &'a str,
    /// The namespace a namespace or repository target was in when this
    /// was done: the feed shows it to whoever may see that namespace, also
    /// after the repository is gone.
    pub namespace_id: Option<i64>,
}

impl<'a> Target<'a> {
    pub fn new(kind: &'a str, id: Option<i64>, name: &'a str) -> Target<'a> {
        Target {
            kind,
            id,
            name,
            namespace_id: None,
        }
    }

    /// An account.
    pub fn user(user: &'a user::Model) -> Target<'a> {
        Target::new("user", Some(user.id), &user.username)
    }

    /// A namespace.
    pub fn namespace(ns: &'a namespace::Model) -> Target<'a> {
        Target {
            namespace_id: Some(ns.id),
            ..Target::new("namespace", Some(ns.id), &ns.name)
        }
    }

    /// A repository (or one of its tags or digests, named in `name`); none
    /// when the registry holds a name Portunus has no record of.
    pub fn repository(repo: Option<&repository::Model>, name: &'a str) -> Target<'a> {
        Target {
            namespace_id: repo.map(|r| r.namespace_id),
            ..Target::new("repository", repo.map(|r| r.id), name)
        }
    }
}

/// Records one activity in the same transaction or connection as the change,
/// and queues it for the webhooks that ask for it (see [`outbox`]).
pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: ActivityKey,
    target: Target<'_>,
    parameters: Option<serde_json::Value>,
) -> Result<()> {
    let now = chrono::Utc::now();
    record_at(db, actor, key, target, parameters, now).await
}

/// [`record`], for something done at `at` (not now: see [`backlog`]).
pub async fn record_at(
    db: &impl ConnectionTrait,
    actor: &Actor,
    key: ActivityKey,
    target: Target<'_>,
    parameters: Option<serde_json::Value>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let recorded = activity::ActiveModel {
        actor_id: Set(actor.id),
        actor_name: Set(actor.name.clone()),
        key: Set(key.as_str().to_owned()),
        target_type: Set(target.kind.to_owned()),
        target_id: Set(target.id),
        target_name: Set(target.name.to_owned()),
        namespace_id: Set(target.namespace_id),
        parameters: Set(parameters),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    outbox::enqueue(db, &recorded).await
}
