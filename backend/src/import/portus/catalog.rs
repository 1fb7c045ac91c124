//! Namespaces, repositories, tags, stars and comments.

use std::collections::HashMap;

use chrono::Utc;
use portunus_shared::names;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::Run;
use crate::catalog::recording;
use crate::db::entities::{comment, namespace, repository, star, tag, user};
use crate::error::Result;

impl Run<'_> {
    pub(super) async fn namespaces(&mut self) -> Result<()> {
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
            if self.already("namespace", id).await? {
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
                    Some(user_id) if self.is_linked("user", user_id).await? => {
                        // Someone's who was here before: left as it is.
                        let theirs = namespace::Entity::find()
                            .filter(namespace::Column::PersonalUserId.eq(user_id))
                            .filter(namespace::Column::RegistryId.eq(self.registry_id))
                            .one(self.txn)
                            .await?;
                        if let Some(theirs) = theirs {
                            self.remember("namespace", id, theirs.id, true).await?;
                        } else {
                            self.skip("namespace", format!("{name:?}: its user has none here"));
                        }
                        continue;
                    }
                    Some(user_id) => {
                        namespace::Entity::find()
                            .filter(namespace::Column::PersonalUserId.eq(user_id))
                            .filter(namespace::Column::RegistryId.eq(self.registry_id))
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
                // The global namespace, and the personal ones of the
                // accounts this import made, take Portus's settings (the
                // global one stays public; a description is not replaced).
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
                registry_id: Set(self.registry_id.0),
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

    pub(super) async fn repositories(&mut self) -> Result<()> {
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
            if self.already("repository", id).await? {
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

    pub(super) async fn tags(&mut self) -> Result<()> {
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
            if self.already("tag", id).await? {
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
        recording::refresh_last_push(self.txn, None).await?;
        self.report("tag");
        Ok(())
    }

    pub(super) async fn stars(&mut self) -> Result<()> {
        let rows = self
            .rows("stars", &["id", "user_id", "repository_id", "created_at"])
            .await?;
        for row in rows {
            let Some(id) = row.int("id") else { continue };
            if self.already("star", id).await? {
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

    pub(super) async fn comments(&mut self) -> Result<()> {
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
            if self.already("comment", id).await? {
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
}
