//! Bringing a Portus database's content into Portunus: users (their
//! Devise bcrypt hashes kept, upgraded to argon2id at their next sign-in),
//! teams and roles, namespaces (personal ones become the users' personal
//! namespaces, the global one the global namespace) with their visibility
//! and description, repositories, tags (who pushed them and when; the next
//! catalog sync reads the rest from the registry), stars, comments,
//! webhooks (their passwords and headers sealed, a new signing secret) and
//! application tokens (checked against Portus's bcrypt hash at their first
//! use, see `accounts::app_tokens::authenticate_portus`) and the activity
//! log (keys mapped to Portunus's, written as they were: no webhook hears
//! of the past).
//!
//! Everything happens in one transaction. Each Portus row brought (made
//! here, or linked to what was already here under that name) is recorded
//! in `portus_imports`, so a second run changes nothing. A dry run does
//! the same and rolls back: what it prints is exactly what a run would do.
//! Every name that is skipped, and why, is said.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use portunus_shared::domain::Role;
use portunus_shared::names;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};

use super::source::{Row, Source};
use crate::accounts::users::{self, Account};
use crate::audit::Actor;
use crate::catalog::repositories;
use crate::crypto::sealing::SealingKey;
use crate::db::entities::{
    activity, application_token, comment, namespace, portus_import, repository, star, tag, team,
    team_member, user, webhook,
};
use crate::error::Result;

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
pub async fn import(
    db: &DatabaseConnection,
    registry_id: i64,
    source: &Source,
    sealing: &SealingKey,
    dry_run: bool,
    say: &mut (dyn FnMut(String) + Send),
) -> Result<Summary> {
    let txn = db.begin().await?;
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
    registry_id: i64,
    source: &'a Source,
    sealing: &'a SealingKey,
    say: &'a mut (dyn FnMut(String) + Send),
    summary: Summary,
    actor: Actor,
}

/// Where a Portus row stands before it is brought.
enum Seen {
    Already,
    New,
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
    async fn mapped(&self, kind: &str, portus_id: i64) -> Result<Option<i64>> {
        Ok(portus_import::Entity::find()
            .filter(portus_import::Column::Kind.eq(kind))
            .filter(portus_import::Column::PortusId.eq(portus_id))
            .one(self.txn)
            .await?
            .map(|m| m.portunus_id))
    }

    /// The Portunus id of the `kind` row that `row`'s `column` names.
    async fn mapped_from(&self, row: &Row, column: &str, kind: &str) -> Result<Option<i64>> {
        match row.int(column) {
            Some(portus_id) => self.mapped(kind, portus_id).await,
            None => Ok(None),
        }
    }

    /// Whether the row was brought by an earlier run (counted so).
    async fn seen(&mut self, kind: &'static str, portus_id: i64) -> Result<Seen> {
        if self.mapped(kind, portus_id).await?.is_some() {
            self.tally(kind).already += 1;
            return Ok(Seen::Already);
        }
        Ok(Seen::New)
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

    async fn users(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "users",
                &[
                    "id",
                    "username",
                    "email",
                    "encrypted_password",
                    "admin",
                    "enabled",
                    "bot",
                    "display_name",
                    "ldap_name",
                    "provider",
                    "created_at",
                ],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("username")) else {
                continue;
            };
            if let Seen::Already = self.seen("user", id).await? {
                continue;
            }
            if let Err(e) = names::validate_username(name) {
                self.skip("user", format!("{name:?}: {e}"));
                continue;
            }
            if names::is_reserved_username(name) {
                self.skip(
                    "user",
                    format!("{name:?}: the name is reserved for Portunus itself"),
                );
                continue;
            }
            if let Some(here) = users::find_by_name_ignoring_case(self.txn, name).await? {
                (self.say)(format!(
                    "user {name:?} is here already (as {:?}): linked, left as it is",
                    here.username
                ));
                self.remember("user", id, here.id, true).await?;
                continue;
            }
            let mut email = users::normalise_email(row.text("email").map(str::to_owned))
                .ok()
                .flatten();
            if let Some(address) = &email
                && users::email_taken(self.txn, address, None).await?
            {
                (self.say)(format!(
                    "user {name:?}: the e-mail address {address} is another account's here; imported without one"
                ));
                email = None;
            }
            let account = Account {
                username: name.to_owned(),
                email,
                password_hash: row.text("encrypted_password").map(str::to_owned),
                admin: row.flag("admin"),
                bot: row.flag("bot"),
                bootstrap: false,
            };
            let made = users::insert(self.txn, self.registry_id, account, &self.actor).await?;
            let mut stored: user::ActiveModel = made.user.clone().into();
            stored.enabled = Set(row.flag("enabled"));
            if let Some(at) = row.time("created_at") {
                stored.created_at = Set(at);
            }
            if let Some(display) = row
                .text("display_name")
                .and_then(users::normalise_display_name)
            {
                if users::display_name_taken(self.txn, &display, made.user.id).await? {
                    (self.say)(format!(
                        "user {name:?}: the display name {display:?} is taken here; left out"
                    ));
                } else {
                    stored.display_name = Set(Some(display));
                }
            }
            stored.update(self.txn).await?;
            if let Some(notice) = made.namespace_notice {
                (self.say)(format!("user {name:?}: {notice}"));
            }
            if row.text("ldap_name").is_some() || row.text("provider").is_some() {
                (self.say)(format!(
                    "user {name:?} signed in through a directory or provider in Portus; configure [ldap] or [oidc] and they sign in the same way"
                ));
            } else if row.text("encrypted_password").is_none() && !row.flag("bot") {
                (self.say)(format!(
                    "user {name:?} has no password in Portus; an administrator sets one, or they use \"Forgot your password?\""
                ));
            }
            self.remember("user", id, made.user.id, false).await?;
        }
        self.report("user");
        Ok(())
    }

    async fn teams(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "teams",
                &["id", "name", "description", "hidden", "created_at"],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("name")) else {
                continue;
            };
            // Personal teams and the global namespace's: Portunus has its own.
            if row.flag("hidden") {
                continue;
            }
            if let Seen::Already = self.seen("team", id).await? {
                continue;
            }
            if let Err(e) = names::validate_team_name(name) {
                self.skip("team", format!("{name:?}: {e}"));
                continue;
            }
            let here = team::Entity::find()
                .filter(team::Column::Name.eq(name))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                (self.say)(format!(
                    "team {name:?} is here already: linked, left as it is"
                ));
                self.remember("team", id, here.id, true).await?;
                continue;
            }
            let made = team::ActiveModel {
                name: Set(name.to_owned()),
                description: Set(row.text("description").unwrap_or_default().to_owned()),
                hidden: Set(false),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("team", id, made.id, false).await?;
        }
        self.report("team");
        self.members().await
    }

    async fn members(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "team_users",
                &["id", "user_id", "team_id", "role", "created_at"],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            let (Some(portus_team), Some(portus_user)) = (row.int("team_id"), row.int("user_id"))
            else {
                continue;
            };
            // Members of hidden teams: their personal team, or the global
            // namespace's owners (the administrators).
            let Some(team_id) = self.mapped("team", portus_team).await? else {
                continue;
            };
            if let Seen::Already = self.seen("team_member", id).await? {
                continue;
            }
            let Some(user_id) = self.mapped("user", portus_user).await? else {
                self.skip(
                    "team_member",
                    format!("of Portus user {portus_user}: the user was not imported"),
                );
                continue;
            };
            let role = match row.int("role") {
                Some(2) => Role::Owner,
                Some(1) => Role::Contributor,
                _ => Role::Viewer,
            };
            let here = team_member::Entity::find()
                .filter(team_member::Column::TeamId.eq(team_id))
                .filter(team_member::Column::UserId.eq(user_id))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                self.remember("team_member", id, here.id, true).await?;
                continue;
            }
            let made = team_member::ActiveModel {
                team_id: Set(team_id),
                user_id: Set(user_id),
                role: Set(role.as_str().to_owned()),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("team_member", id, made.id, false).await?;
        }
        self.report("team_member");
        Ok(())
    }

    async fn namespaces(&mut self) -> Result<()> {
        // Portus names each user's personal namespace in users.namespace_id.
        let owners: HashMap<i64, i64> = self
            .rows("users", &["id", "namespace_id"])
            .await?
            .iter()
            .filter_map(|r| Some((r.int("namespace_id")?, r.int("id")?)))
            .collect();
        let rows = self
            .rows(
                "namespaces",
                &[
                    "id",
                    "name",
                    "team_id",
                    "global",
                    "description",
                    "visibility",
                    "created_at",
                ],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("name")) else {
                continue;
            };
            if let Seen::Already = self.seen("namespace", id).await? {
                continue;
            }
            let visibility = match row.int("visibility") {
                Some(2) => "public",
                Some(1) => "protected",
                _ => "private",
            };
            let description = row.text("description").unwrap_or_default();
            let here = if row.flag("global") {
                namespace::Entity::find()
                    .filter(namespace::Column::RegistryId.eq(self.registry_id))
                    .filter(namespace::Column::Global.eq(true))
                    .one(self.txn)
                    .await?
            } else if let Some(owner) = owners.get(&id) {
                match self.mapped("user", *owner).await? {
                    Some(user_id) => {
                        namespace::Entity::find()
                            .filter(namespace::Column::PersonalUserId.eq(user_id))
                            .one(self.txn)
                            .await?
                    }
                    None => {
                        self.skip(
                            "namespace",
                            format!("{name:?}: the personal namespace of a user not imported"),
                        );
                        continue;
                    }
                }
            } else {
                None
            };
            if let Some(here) = here {
                // The global and personal namespaces are made by Portunus;
                // they take Portus's settings (the global one stays public).
                let mut settings: namespace::ActiveModel = here.clone().into();
                if !here.global {
                    settings.visibility = Set(visibility.to_owned());
                }
                if here.description.is_empty() && !description.is_empty() {
                    settings.description = Set(description.to_owned());
                }
                settings.update(self.txn).await?;
                if here.name != name && !here.global {
                    (self.say)(format!("namespace {name:?} becomes {:?}", here.name));
                }
                self.remember("namespace", id, here.id, false).await?;
                continue;
            }
            let team = self.mapped_from(&row, "team_id", "team").await?;
            let Some(team_id) = team else {
                self.skip("namespace", format!("{name:?}: its team was not imported"));
                continue;
            };
            if let Err(e) = names::validate_namespace(name) {
                self.skip("namespace", format!("{name:?}: {e}"));
                continue;
            }
            let taken = namespace::Entity::find()
                .filter(namespace::Column::RegistryId.eq(self.registry_id))
                .filter(namespace::Column::Name.eq(name))
                .one(self.txn)
                .await?;
            if let Some(taken) = taken {
                if taken.team_id == team_id {
                    (self.say)(format!(
                        "namespace {name:?} is here already: linked, left as it is"
                    ));
                    self.remember("namespace", id, taken.id, true).await?;
                } else {
                    self.skip("namespace", format!("{name:?}: taken here by another team"));
                }
                continue;
            }
            let made = namespace::ActiveModel {
                registry_id: Set(self.registry_id),
                name: Set(name.to_owned()),
                team_id: Set(team_id),
                visibility: Set(visibility.to_owned()),
                description: Set(description.to_owned()),
                global: Set(false),
                personal_user_id: Set(None),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                repository_count: Set(0),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("namespace", id, made.id, false).await?;
        }
        self.report("namespace");
        Ok(())
    }

    async fn repositories(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "repositories",
                &[
                    "id",
                    "name",
                    "namespace_id",
                    "description",
                    "marked",
                    "created_at",
                ],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("name")) else {
                continue;
            };
            if let Seen::Already = self.seen("repository", id).await? {
                continue;
            }
            if row.flag("marked") {
                self.skip("repository", format!("{name:?}: Portus was deleting it"));
                continue;
            }
            let ns = self.mapped_from(&row, "namespace_id", "namespace").await?;
            let Some(ns) = ns else {
                self.skip(
                    "repository",
                    format!("{name:?}: its namespace was not imported"),
                );
                continue;
            };
            if let Err(e) = names::parse_repository_path(&format!("x/{name}")) {
                self.skip("repository", format!("{name:?}: {e}"));
                continue;
            }
            let here = repository::Entity::find()
                .filter(repository::Column::NamespaceId.eq(ns))
                .filter(repository::Column::Name.eq(name))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                self.remember("repository", id, here.id, true).await?;
                continue;
            }
            let made = repository::ActiveModel {
                namespace_id: Set(ns),
                name: Set(name.to_owned()),
                description: Set(row.text("description").unwrap_or_default().to_owned()),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("repository", id, made.id, false).await?;
        }
        self.report("repository");
        Ok(())
    }

    async fn tags(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "tags",
                &[
                    "id",
                    "name",
                    "repository_id",
                    "digest",
                    "image_id",
                    "user_id",
                    "marked",
                    "created_at",
                    "updated_at",
                ],
            )
            .await?;
        for row in rows {
            let (Some(id), Some(name)) = (row.int("id"), row.text("name")) else {
                continue;
            };
            if let Seen::Already = self.seen("tag", id).await? {
                continue;
            }
            let repo = self
                .mapped_from(&row, "repository_id", "repository")
                .await?;
            let (Some(repo), Some(digest)) = (repo, row.text("digest")) else {
                self.skip(
                    "tag",
                    format!("{name:?}: no repository imported or no digest"),
                );
                continue;
            };
            if row.flag("marked") {
                self.skip("tag", format!("{name:?}: Portus was deleting it"));
                continue;
            }
            let here = tag::Entity::find()
                .filter(tag::Column::RepositoryId.eq(repo))
                .filter(tag::Column::Name.eq(name))
                .one(self.txn)
                .await?;
            if let Some(here) = here {
                self.remember("tag", id, here.id, true).await?;
                continue;
            }
            let pusher = self.mapped_from(&row, "user_id", "user").await?;
            let image_id = row.text("image_id").map(|i| {
                if i.contains(':') {
                    i.to_owned()
                } else {
                    format!("sha256:{i}")
                }
            });
            let pushed_at = row
                .time("updated_at")
                .or_else(|| row.time("created_at"))
                .unwrap_or_else(Utc::now);
            // Known by its digest alone: the next sync reads the rest.
            let made = tag::ActiveModel {
                repository_id: Set(repo),
                name: Set(name.to_owned()),
                digest: Set(digest.to_owned()),
                image_id: Set(image_id),
                size: Set(0),
                pushed_by_id: Set(pusher),
                pushed_at: Set(pushed_at),
                media_type: Set(String::new()),
                layers: Set(0),
                sync_generation: Set(0),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("tag", id, made.id, false).await?;
        }
        repositories::refresh_last_push(self.txn, None).await?;
        self.report("tag");
        Ok(())
    }

    async fn stars(&mut self) -> Result<()> {
        let rows = self
            .rows("stars", &["id", "user_id", "repository_id", "created_at"])
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if let Seen::Already = self.seen("star", id).await? {
                continue;
            }
            let user = self.mapped_from(&row, "user_id", "user").await?;
            let repo = self
                .mapped_from(&row, "repository_id", "repository")
                .await?;
            let (Some(user), Some(repo)) = (user, repo) else {
                self.skip(
                    "star",
                    format!("{id}: its user or repository was not imported"),
                );
                continue;
            };
            let here = star::Entity::find()
                .filter(star::Column::UserId.eq(user))
                .filter(star::Column::RepositoryId.eq(repo))
                .one(self.txn)
                .await?;
            let portunus_id = match here {
                Some(here) => here.id,
                None => {
                    star::ActiveModel {
                        user_id: Set(user),
                        repository_id: Set(repo),
                        created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                        ..Default::default()
                    }
                    .insert(self.txn)
                    .await?
                    .id
                }
            };
            self.remember("star", id, portunus_id, false).await?;
        }
        self.report("star");
        Ok(())
    }

    async fn comments(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "comments",
                &[
                    "id",
                    "body",
                    "repository_id",
                    "user_id",
                    "created_at",
                    "updated_at",
                ],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if let Seen::Already = self.seen("comment", id).await? {
                continue;
            }
            let repo = self
                .mapped_from(&row, "repository_id", "repository")
                .await?;
            let Some(repo) = repo else {
                self.skip("comment", format!("{id}: its repository was not imported"));
                continue;
            };
            let author = match self.mapped_from(&row, "user_id", "user").await? {
                Some(id) => user::Entity::find_by_id(id).one(self.txn).await?,
                None => None,
            };
            let made = comment::ActiveModel {
                repository_id: Set(repo),
                user_id: Set(author.as_ref().map(|a| a.id)),
                author_name: Set(author
                    .map(|a| a.username)
                    .unwrap_or_else(|| "a Portus user".into())),
                body: Set(row.text("body").unwrap_or_default().to_owned()),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                updated_at: Set(row.time("updated_at")),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("comment", id, made.id, false).await?;
        }
        self.report("comment");
        Ok(())
    }

    async fn webhooks(&mut self) -> Result<()> {
        let headers: Vec<Row> = self
            .rows("webhook_headers", &["id", "webhook_id", "name", "value"])
            .await?;
        let rows = self
            .rows(
                "webhooks",
                &[
                    "id",
                    "namespace_id",
                    "name",
                    "url",
                    "username",
                    "password",
                    "request_method",
                    "content_type",
                    "enabled",
                ],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if let Seen::Already = self.seen("webhook", id).await? {
                continue;
            }
            let name = row.text("name").unwrap_or("Portus webhook").to_owned();
            let ns = self.mapped_from(&row, "namespace_id", "namespace").await?;
            let (Some(ns), Some(url)) = (ns, row.text("url")) else {
                self.skip(
                    "webhook",
                    format!("{name:?}: no URL, or its namespace was not imported"),
                );
                continue;
            };
            if let Err(e) = crate::webhooks::target::check_url(url, true) {
                self.skip("webhook", format!("{name:?}: {e}"));
                continue;
            }
            if row.int("request_method") == Some(0) || row.int("content_type") == Some(1) {
                (self.say)(format!(
                    "webhook {name:?}: Portus sent it as GET or a form; Portunus POSTs JSON (README, \"Webhooks\"): check the receiver"
                ));
            }
            let own: Vec<(String, String)> = headers
                .iter()
                .filter(|h| h.int("webhook_id") == Some(id))
                .filter_map(|h| {
                    Some((
                        h.text("name")?.to_ascii_lowercase(),
                        h.text("value")?.to_owned(),
                    ))
                })
                .collect();
            let secret = format!("whsec_{}", crate::crypto::secrets::random_hex(24));
            let username = row.text("username").map(str::to_owned);
            let now = Utc::now();
            let made = webhook::ActiveModel {
                namespace_id: Set(Some(ns)),
                name: Set(name.chars().take(100).collect()),
                url: Set(url.to_owned()),
                events: Set("push,delete".into()),
                enabled: Set(row.flag("enabled")),
                secret_sealed: Set(self.sealing.seal(&secret)),
                headers_sealed: Set((!own.is_empty()).then(|| {
                    self.sealing
                        .seal(&serde_json::to_string(&own).unwrap_or_default())
                })),
                basic_password_sealed: Set(username
                    .as_ref()
                    .map(|_| self.sealing.seal(row.text("password").unwrap_or_default()))),
                basic_username: Set(username),
                created_by_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            (self.say)(format!(
                "webhook {name:?}: its deliveries are now signed (X-Portunus-Signature-256); its owners replace the secret to learn it"
            ));
            self.remember("webhook", id, made.id, false).await?;
        }
        self.report("webhook");
        Ok(())
    }

    async fn application_tokens(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "application_tokens",
                &["id", "application", "token_hash", "user_id"],
            )
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if let Seen::Already = self.seen("application_token", id).await? {
                continue;
            }
            let name: String = row
                .text("application")
                .unwrap_or("Portus token")
                .chars()
                .take(80)
                .collect();
            let user = self.mapped_from(&row, "user_id", "user").await?;
            let (Some(user), Some(bcrypt)) = (user, row.text("token_hash")) else {
                self.skip(
                    "application_token",
                    format!("{name:?}: its user was not imported, or it has no hash"),
                );
                continue;
            };
            let taken = application_token::Entity::find()
                .filter(application_token::Column::UserId.eq(user))
                .filter(application_token::Column::Name.eq(name.as_str()))
                .one(self.txn)
                .await?;
            if taken.is_some() {
                self.skip(
                    "application_token",
                    format!("{name:?}: its user has a token of that name here"),
                );
                continue;
            }
            let made = application_token::ActiveModel {
                user_id: Set(user),
                name: Set(name),
                // Never a SHA-256 (those are hex): replaced at the first use.
                token_hash: Set(format!(
                    "portus-unused-{}",
                    crate::crypto::secrets::random_hex(16)
                )),
                portus_hash: Set(Some(bcrypt.to_owned())),
                scope: Set(None),
                expires_at: Set(None),
                last_used_at: Set(None),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("application_token", id, made.id, false)
                .await?;
        }
        self.report("application_token");
        Ok(())
    }

    async fn activities(&mut self) -> Result<()> {
        let rows = self
            .rows(
                "activities",
                &[
                    "id",
                    "trackable_type",
                    "trackable_id",
                    "owner_id",
                    "key",
                    "parameters",
                    "created_at",
                ],
            )
            .await?;
        // Reasons, counted: an old installation has many thousands.
        let mut left_out: BTreeMap<String, u64> = BTreeMap::new();
        for row in rows {
            let (Some(id), Some(key)) = (row.int("id"), row.text("key")) else {
                continue;
            };
            if let Seen::Already = self.seen("activity", id).await? {
                continue;
            }
            let parameters = ruby_hash(row.text("parameters").unwrap_or_default());
            let Some(target) = self.activity_target(&row, &parameters).await? else {
                *left_out
                    .entry(format!(
                        "its {} is gone and the activity does not name it",
                        row.text("trackable_type").unwrap_or("target")
                    ))
                    .or_default() += 1;
                self.tally("activity").skipped += 1;
                continue;
            };
            let actor = match self.mapped_from(&row, "owner_id", "user").await? {
                Some(id) => user::Entity::find_by_id(id).one(self.txn).await?,
                None => None,
            };
            let made = activity::ActiveModel {
                actor_id: Set(actor.as_ref().map(|a| a.id)),
                actor_name: Set(actor.map_or_else(|| "portus".to_owned(), |a| a.username)),
                key: Set(activity_key(key).to_owned()),
                target_type: Set(target.kind.to_owned()),
                target_id: Set(target.id),
                target_name: Set(target.name),
                namespace_id: Set(target.namespace_id),
                parameters: Set((!parameters.is_empty())
                    .then(|| serde_json::to_value(&parameters).unwrap_or_default())),
                created_at: Set(row.time("created_at").unwrap_or_else(Utc::now)),
                ..Default::default()
            }
            .insert(self.txn)
            .await?;
            self.remember("activity", id, made.id, false).await?;
        }
        for (reason, count) in left_out {
            (self.say)(format!("skip {count} activities: {reason}"));
        }
        self.report("activity");
        Ok(())
    }

    /// What a Portus activity was done to, in Portunus's terms: the row
    /// it became, or else the name its parameters give.
    async fn activity_target(
        &self,
        row: &Row,
        parameters: &BTreeMap<String, String>,
    ) -> Result<Option<ActivityTarget>> {
        let named = |key: &str| parameters.get(key).cloned();
        let kind = row.text("trackable_type").unwrap_or_default();
        Ok(match kind {
            "Namespace" => {
                let ns = match self.mapped_from(row, "trackable_id", "namespace").await? {
                    Some(id) => namespace::Entity::find_by_id(id).one(self.txn).await?,
                    None => None,
                };
                match ns {
                    Some(ns) => Some(ActivityTarget {
                        kind: "namespace",
                        id: Some(ns.id),
                        name: ns.name,
                        namespace_id: Some(ns.id),
                    }),
                    None => {
                        named("namespace_name").map(|name| ActivityTarget::named("namespace", name))
                    }
                }
            }
            "Team" => {
                let team = match self.mapped_from(row, "trackable_id", "team").await? {
                    Some(id) => team::Entity::find_by_id(id).one(self.txn).await?,
                    None => None,
                };
                match team {
                    Some(team) => Some(ActivityTarget {
                        kind: "team",
                        id: Some(team.id),
                        name: team.name,
                        namespace_id: None,
                    }),
                    None => named("team").map(|name| ActivityTarget::named("team", name)),
                }
            }
            "Repository" => {
                let repo = match self.mapped_from(row, "trackable_id", "repository").await? {
                    Some(id) => repository::Entity::find_by_id(id).one(self.txn).await?,
                    None => None,
                };
                let ns = match &repo {
                    Some(r) => {
                        namespace::Entity::find_by_id(r.namespace_id)
                            .one(self.txn)
                            .await?
                    }
                    None => None,
                };
                match (repo, ns) {
                    (Some(repo), Some(ns)) => {
                        let mut name = repositories::full_name(&ns, &repo);
                        if let Some(tag) = named("tag_name") {
                            name = format!("{name}:{tag}");
                        }
                        Some(ActivityTarget {
                            kind: "repository",
                            id: Some(repo.id),
                            name,
                            namespace_id: Some(ns.id),
                        })
                    }
                    _ => named("repository_name")
                        .or_else(|| named("repository"))
                        .map(|name| ActivityTarget::named("repository", name)),
                }
            }
            "User" => match self.mapped_from(row, "trackable_id", "user").await? {
                Some(id) => {
                    user::Entity::find_by_id(id)
                        .one(self.txn)
                        .await?
                        .map(|u| ActivityTarget {
                            kind: "user",
                            id: Some(u.id),
                            name: u.username,
                            namespace_id: None,
                        })
                }
                None => None,
            },
            other => named("application")
                .or_else(|| named("name"))
                .map(|name| ActivityTarget::named(portus_kind(other), name)),
        })
    }
}

/// What an imported activity was done to.
struct ActivityTarget {
    kind: &'static str,
    id: Option<i64>,
    name: String,
    namespace_id: Option<i64>,
}

impl ActivityTarget {
    /// A target known only by the name the activity recorded.
    fn named(kind: &'static str, name: String) -> ActivityTarget {
        ActivityTarget {
            kind,
            id: None,
            name,
            namespace_id: None,
        }
    }
}

/// The target type of an activity on something Portunus does not keep.
fn portus_kind(trackable: &str) -> &'static str {
    match trackable {
        "ApplicationToken" => "application_token",
        "Webhook" => "webhook",
        _ => "portus",
    }
}

/// Portunus's key for a Portus activity key (Portus's own where Portunus
/// has none, shown as such in the log).
fn activity_key(portus: &str) -> &str {
    match portus {
        "namespace.change_namespace_description" => "namespace.change_description",
        "repository.change_repository_description" => "repository.change_description",
        "application_token.created" => "application_token.create",
        "user.enabled" => "user.enable",
        "user.disabled" => "user.disable",
        "user.admin" => "user.grant_admin",
        other => other,
    }
}

/// The entries of a YAML-serialised Ruby hash as public_activity stores
/// parameters (`---\n:namespace_name: web\n:tag_name: latest\n`), as
/// text; anything else (nested values) is left out.
fn ruby_hash(yaml: &str) -> BTreeMap<String, String> {
    yaml.replace("\\n", "\n")
        .lines()
        .filter_map(|line| {
            let (key, value) = line.trim().strip_prefix(':')?.split_once(": ")?;
            let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
            (!value.is_empty()).then(|| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_activity_parameters_read_as_a_map() {
        let map = ruby_hash("---\n:namespace_name: web\n:tag_name: '1.0'\n:nested:\n  a: b\n");
        assert_eq!(map.get("namespace_name").map(String::as_str), Some("web"));
        assert_eq!(map.get("tag_name").map(String::as_str), Some("1.0"));
        assert_eq!(map.len(), 2, "{map:?}");
        // As some databases hold it: the newlines escaped.
        assert_eq!(
            ruby_hash("---\\n:team: web\\n")
                .get("team")
                .map(String::as_str),
            Some("web")
        );
        assert!(ruby_hash("").is_empty());
    }

    #[test]
    fn keys_map_to_portunus_keys() {
        assert_eq!(activity_key("user.enabled"), "user.enable");
        assert_eq!(activity_key("team.add_member"), "team.add_member");
        assert_eq!(
            activity_key("application_token.created"),
            "application_token.create"
        );
    }
}
