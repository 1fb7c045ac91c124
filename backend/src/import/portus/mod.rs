//! Bringing a Portus database's content into Portunus: users, teams,
//! namespaces, repositories, tags, stars, comments, webhooks, application
//! tokens and the activity log.
//!
//! Everything happens in one transaction. Each Portus row brought is
//! recorded in `portus_imports`, so a second run changes nothing. A dry run
//! does the same and rolls back: what it prints is exactly what a run would
//! do. Every name that is skipped, and why, is said.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};

use super::source::{Row, Source};
use crate::audit::Actor;
use crate::crypto::sealing::SealingKey;
use crate::db::entities::{namespace, portus_import, repository, team, user};
use crate::db::ids::RegistryId;
use crate::error::Result;

mod catalog;
mod history;
mod hooks;
mod people;

/// What one kind of row came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Made in Portunus.
    pub created: u64,
    /// Already here under the same name: linked, left as it was.
    pub linked: u64,
    /// Brought by an earlier run.
    pub already: u64,
    /// Not brought (each said why).
    pub skipped: u64,
}

/// What an import did (or, in a dry run, would do), by kind of row.
pub type Summary = BTreeMap<&'static str, Tally>;

/// Imports what `source` holds into `db`; `say` gets a line for every name
/// transformed, linked or skipped, and one per kind at its end.
///
/// A row is brought by making it here, or by linking it to what was
/// already here under that name. Users keep their Devise bcrypt hashes
/// (upgraded to argon2id at their next sign-in); teams keep their roles.
/// Portus's personal namespaces become the users' personal namespaces, its
/// global one the global namespace, with their visibility and description.
/// Tags keep who pushed them and when; the next catalog sync reads the rest
/// from the registry. Webhooks get their passwords and headers sealed and a
/// new signing secret. Application tokens are checked against Portus's
/// bcrypt hash at their first use (see
/// `accounts::app_tokens::authenticate_portus`). Activities are written as
/// they were, their keys mapped to Portunus's: no webhook hears of the past.
pub async fn import(
    db: &DatabaseConnection,
    registry_id: RegistryId,
    source: &Source,
    sealing: &SealingKey,
    dry_run: bool,
    say: &mut (dyn FnMut(String) + Send),
) -> Result<Summary> {
    let txn = crate::db::begin_write(db).await?;
    let mut run = Run {
        txn: &txn,
        registry_id,
        source,
        sealing,
        say,
        summary: Summary::new(),
        actor: Actor {
            id: None,
            name: "portus-import".into(),
        },
    };
    run.users().await?;
    run.teams().await?;
    run.namespaces().await?;
    run.repositories().await?;
    run.tags().await?;
    run.stars().await?;
    run.comments().await?;
    run.webhooks().await?;
    run.application_tokens().await?;
    run.activities().await?;
    let summary = run.summary;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(summary)
}

struct Run<'a> {
    txn: &'a DatabaseTransaction,
    registry_id: RegistryId,
    source: &'a Source,
    sealing: &'a SealingKey,
    say: &'a mut (dyn FnMut(String) + Send),
    summary: Summary,
    actor: Actor,
}

impl Run<'_> {
    fn tally(&mut self, kind: &'static str) -> &mut Tally {
        self.summary.entry(kind).or_default()
    }

    fn skip(&mut self, kind: &'static str, what: String) {
        (self.say)(format!("skip {kind} {what}"));
        self.tally(kind).skipped += 1;
    }

    fn report(&mut self, kind: &'static str) {
        let t = self.tally(kind);
        let kinds = match kind {
            "repository" => "repositories".to_owned(),
            "team_member" => "team members".to_owned(),
            "application_token" => "application tokens".to_owned(),
            "activity" => "activities".to_owned(),
            other => format!("{other}s"),
        };
        let line = format!(
            "{kinds}: {} created, {} linked to what was here, {} from an earlier import, {} skipped",
            t.created, t.linked, t.already, t.skipped
        );
        (self.say)(line);
    }

    /// The Portunus id a Portus row of `kind` became, if it was brought.
    /// A user, team, namespace or repository deleted here since is
    /// forgotten (and brought again), so nothing is made to point at it.
    async fn mapped(&self, kind: &str, portus_id: i64) -> Result<Option<i64>> {
        let Some(found) = portus_import::Entity::find()
            .filter(portus_import::Column::Kind.eq(kind))
            .filter(portus_import::Column::PortusId.eq(portus_id))
            .one(self.txn)
            .await?
        else {
            return Ok(None);
        };
        let id = found.portunus_id;
        let exists = match kind {
            "user" => user::Entity::find_by_id(id).one(self.txn).await?.is_some(),
            "team" => team::Entity::find_by_id(id).one(self.txn).await?.is_some(),
            "namespace" => namespace::Entity::find_by_id(id)
                .one(self.txn)
                .await?
                .is_some(),
            "repository" => repository::Entity::find_by_id(id)
                .one(self.txn)
                .await?
                .is_some(),
            _ => true,
        };
        if !exists {
            portus_import::Entity::delete_by_id(found.id)
                .exec(self.txn)
                .await?;
            return Ok(None);
        }
        Ok(Some(id))
    }

    /// Whether the Portunus `kind` row `portunus_id` was here before the
    /// import (matched by name), so Portus's rights are not given to it.
    async fn is_linked(&self, kind: &str, portunus_id: i64) -> Result<bool> {
        Ok(portus_import::Entity::find()
            .filter(portus_import::Column::Kind.eq(kind))
            .filter(portus_import::Column::PortunusId.eq(portunus_id))
            .filter(portus_import::Column::Linked.eq(true))
            .one(self.txn)
            .await?
            .is_some())
    }

    /// The Portunus id of the `kind` row that `row`'s `column` names.
    async fn mapped_from(&self, row: &Row, column: &str, kind: &str) -> Result<Option<i64>> {
        match row.int(column) {
            Some(portus_id) => self.mapped(kind, portus_id).await,
            None => Ok(None),
        }
    }

    /// Whether the row was brought by an earlier run (counted so).
    async fn already(&mut self, kind: &'static str, portus_id: i64) -> Result<bool> {
        let brought = self.mapped(kind, portus_id).await?.is_some();
        if brought {
            self.tally(kind).already += 1;
        }
        Ok(brought)
    }

    /// Records that Portus's row became (`linked`: was matched to) ours.
    async fn remember(
        &mut self,
        kind: &'static str,
        portus_id: i64,
        portunus_id: i64,
        linked: bool,
    ) -> Result<()> {
        portus_import::ActiveModel {
            kind: Set(kind.to_owned()),
            portus_id: Set(portus_id),
            portunus_id: Set(portunus_id),
            linked: Set(linked),
            imported_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        let tally = self.tally(kind);
        if linked {
            tally.linked += 1;
        } else {
            tally.created += 1;
        }
        Ok(())
    }

    async fn rows(&self, table: &str, columns: &[&str]) -> Result<Vec<Row>> {
        self.source.rows(table, columns).await
    }
}
