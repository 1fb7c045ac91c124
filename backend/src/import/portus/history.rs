//! The activity log: public_activity rows, their keys mapped.

use std::collections::BTreeMap;

use chrono::Utc;
use portunus_shared::domain::ActivityKey;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::Run;
use crate::catalog::repositories;
use crate::db::entities::{activity, namespace, repository, team, user};
use crate::error::Result;
use crate::import::source::Row;

impl Run<'_> {
    pub(super) async fn activities(&mut self) -> Result<()> {
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
            if self.already("activity", id).await? {
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
    let ours = match portus {
        "namespace.change_namespace_description" => ActivityKey::NamespaceChangeDescription,
        "repository.change_repository_description" => ActivityKey::RepositoryChangeDescription,
        "application_token.created" => ActivityKey::ApplicationTokenCreate,
        "user.enabled" => ActivityKey::UserEnable,
        "user.disabled" => ActivityKey::UserDisable,
        "user.admin" => ActivityKey::UserGrantAdmin,
        other => return other,
    };
    ours.as_str()
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
        assert_eq!(
            activity_key("user.enabled"),
            ActivityKey::UserEnable.as_str()
        );
        let same = ActivityKey::TeamAddMember.as_str();
        assert_eq!(activity_key(same), same);
        assert_eq!(
            activity_key("application_token.created"),
            ActivityKey::ApplicationTokenCreate.as_str()
        );
    }
}
