//! Immutable tags: rules of a namespace, or of the whole installation,
//! saying which tags keep the image first pushed under them. This module
//! stores the rules and answers which rule protects a tag; the gateway
//! and Portunus's own deletions ask it.

use chrono::Utc;
use portunus_shared::api;
use portunus_shared::domain::ActivityKey;
use regex::Regex;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::accounts::namespaces;
use crate::audit::{self, Actor, Target};
use crate::authz::{Subject, facts, rest};
use crate::catalog::repositories::timestamp;
use crate::db::entities::{immutable_tag_rule, namespace, user};
use crate::db::ids::RegistryId;
use crate::error::{Error, Result};

/// The longest pattern, in characters.
pub const MAX_PATTERN: usize = 200;

/// A rule, ready to judge tags.
#[derive(Debug, Clone)]
pub struct Protection {
    pub pattern: String,
    /// The namespace whose rule it is; `None`: the installation's.
    pub namespace: Option<String>,
    include_latest: bool,
    matcher: Regex,
}

impl Protection {
    fn of(row: &immutable_tag_rule::Model, namespace: Option<String>) -> Result<Protection> {
        Ok(Protection {
            matcher: matcher(&row.pattern)?,
            pattern: row.pattern.clone(),
            namespace,
            include_latest: row.include_latest,
        })
    }

    /// Whether it keeps `tag` on its image.
    pub fn protects(&self, tag: &str) -> bool {
        (tag != "latest" || self.include_latest) && self.matcher.is_match(tag)
    }

    /// "rule v* on namespace acme", for messages clients print.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("rule {} on namespace {ns}", self.pattern),
            None => format!("installation-wide rule {}", self.pattern),
        }
    }
}

/// The matcher of a pattern: a glob (`*` any run, `?` one character)
/// matched against the whole tag, or, starting with `^`, a regular
/// expression as written.
fn matcher(pattern: &str) -> Result<Regex> {
    let invalid = |m: String| Err(Error::InvalidInput(m));
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return invalid(
            "the pattern is empty: give a glob like v* or a regular expression starting with ^"
                .into(),
        );
    }
    if pattern.chars().count() > MAX_PATTERN {
        return invalid(format!(
            "the pattern is longer than {MAX_PATTERN} characters"
        ));
    }
    let expression = if pattern.starts_with('^') {
        pattern.to_owned()
    } else {
        let mut expression = String::from("^");
        for c in pattern.chars() {
            match c {
                '*' => expression.push_str(".*"),
                '?' => expression.push('.'),
                c if c.is_ascii_alphanumeric() || "_.-".contains(c) => {
                    expression.push_str(&regex::escape(&c.to_string()))
                }
                other => {
                    return invalid(format!(
                        "the glob {pattern:?} holds {other:?}: a glob may hold what tags hold (letters, digits, _ . -) and * ?; a regular expression starts with ^"
                    ));
                }
            }
        }
        expression.push('$');
        expression
    };
    regex::RegexBuilder::new(&expression)
        .size_limit(1 << 20)
        .build()
        .or_else(|e| invalid(format!("{pattern:?} is not a regular expression: {e}")))
}

/// The rules that apply in the namespace `ns`: its own and the
/// installation's.
pub async fn applying(db: &impl ConnectionTrait, ns: &namespace::Model) -> Result<Vec<Protection>> {
    let rows = immutable_tag_rule::Entity::find()
        .filter(
            immutable_tag_rule::Column::NamespaceId
                .eq(ns.id)
                .or(immutable_tag_rule::Column::NamespaceId.is_null()),
        )
        .all(db)
        .await?;
    rows.iter()
        .map(|row| Protection::of(row, row.namespace_id.map(|_| ns.name.clone())))
        .collect()
}

/// The rules that apply to the repository `full` of a registry (none when
/// no namespace holds the name).
pub async fn applying_to(
    db: &impl ConnectionTrait,
    registry_id: RegistryId,
    full: &str,
) -> Result<Vec<Protection>> {
    match facts::namespace_of(db, registry_id, full).await? {
        Some(ns) => applying(db, &ns).await,
        None => Ok(Vec::new()),
    }
}

/// The first of `rules` that protects `tag`.
pub fn protecting<'a>(rules: &'a [Protection], tag: &str) -> Option<&'a Protection> {
    rules.iter().find(|rule| rule.protects(tag))
}

/// Where rules are kept: a namespace (by name), or the installation.
pub enum Scope<'a> {
    Namespace(RegistryId, &'a str),
    Installation,
}

/// The rules of `scope`, as `who` may see them: a namespace's by those who
/// may see it, the installation's by everyone signed in.
pub async fn list(
    db: &DatabaseConnection,
    who: &Subject,
    scope: Scope<'_>,
) -> Result<Vec<api::ImmutableTagRule>> {
    let ns = match scope {
        Scope::Namespace(registry, name) => {
            Some(namespaces::find_visible(db, registry, who, name).await?.0)
        }
        Scope::Installation => {
            if !who.signed_in() {
                return Err(Error::Unauthenticated(
                    "sign in to see the installation's immutable-tag rules".into(),
                ));
            }
            None
        }
    };
    let rows = immutable_tag_rule::Entity::find()
        .filter(match &ns {
            Some(ns) => immutable_tag_rule::Column::NamespaceId.eq(ns.id),
            None => immutable_tag_rule::Column::NamespaceId.is_null(),
        })
        .all(db)
        .await?;
    let authors = author_names(db, &rows).await?;
    Ok(rows
        .iter()
        .map(|row| to_api(row, ns.as_ref(), &authors))
        .collect())
}

/// Adds a rule to `scope` (those who manage the namespace; administrators
/// for the installation).
pub async fn add(
    db: &DatabaseConnection,
    by: &user::Model,
    scope: Scope<'_>,
    new: api::NewImmutableTagRule,
) -> Result<api::ImmutableTagRule> {
    let pattern = new.pattern.trim().to_owned();
    matcher(&pattern)?;
    if pattern == "latest" && !new.include_latest {
        return Err(Error::InvalidInput(
            "the rule latest protects nothing unless include_latest is true (latest is meant to move)".into(),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let ns = managed(&txn, by, scope).await?;
    let row = immutable_tag_rule::Entity::insert(immutable_tag_rule::ActiveModel {
        namespace_id: Set(ns.as_ref().map(|n| n.id)),
        pattern: Set(pattern.clone()),
        include_latest: Set(new.include_latest),
        created_by_id: Set(Some(by.id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    let params = serde_json::json!({"pattern": pattern, "include_latest": new.include_latest});
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::ImmutableTagsAdd,
        target(ns.as_ref()),
        Some(params),
    )
    .await?;
    txn.commit().await?;
    let authors = [(by.id, by.username.clone())].into_iter().collect();
    Ok(to_api(&row, ns.as_ref(), &authors))
}

/// Removes rule `id` of `scope`.
pub async fn remove(
    db: &DatabaseConnection,
    by: &user::Model,
    scope: Scope<'_>,
    id: i64,
) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    let ns = managed(&txn, by, scope).await?;
    let row = immutable_tag_rule::Entity::find_by_id(id)
        .filter(match &ns {
            Some(ns) => immutable_tag_rule::Column::NamespaceId.eq(ns.id),
            None => immutable_tag_rule::Column::NamespaceId.is_null(),
        })
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no immutable-tag rule {id} here")))?;
    immutable_tag_rule::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor::of(by),
        ActivityKey::ImmutableTagsRemove,
        target(ns.as_ref()),
        Some(serde_json::json!({"pattern": row.pattern})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The namespace of `scope`, when `by` may change its rules.
async fn managed(
    db: &impl ConnectionTrait,
    by: &user::Model,
    scope: Scope<'_>,
) -> Result<Option<namespace::Model>> {
    let subject = Subject::user(by, None);
    let (ns, facts) = match scope {
        Scope::Namespace(registry, name) => {
            let (ns, facts) = namespaces::find_visible(db, registry, &subject, name).await?;
            (Some(ns), Some(facts))
        }
        Scope::Installation => (None, None),
    };
    if !rest::may_manage_settings(&subject, facts.as_ref()) {
        return Err(Error::Forbidden(match &ns {
            Some(ns) => format!(
                "only those who manage namespace {} (owners of its team, administrators) may change its immutable tags",
                ns.name
            ),
            None => "only administrators may change the installation's immutable tags".into(),
        }));
    }
    Ok(ns)
}

fn target(ns: Option<&namespace::Model>) -> Target<'_> {
    match ns {
        Some(ns) => Target::namespace(ns),
        None => Target::new("installation", None, "the installation"),
    }
}

async fn author_names(
    db: &impl ConnectionTrait,
    rows: &[immutable_tag_rule::Model],
) -> Result<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.created_by_id).collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect())
}

fn to_api(
    row: &immutable_tag_rule::Model,
    ns: Option<&namespace::Model>,
    authors: &std::collections::HashMap<i64, String>,
) -> api::ImmutableTagRule {
    api::ImmutableTagRule {
        id: row.id,
        namespace: ns.map(|n| n.name.clone()),
        pattern: row.pattern.clone(),
        include_latest: row.include_latest,
        created_by: row.created_by_id.and_then(|id| authors.get(&id).cloned()),
        created_at: timestamp(row.created_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, include_latest: bool) -> Protection {
        let row = immutable_tag_rule::Model {
            id: 1,
            namespace_id: Some(1),
            pattern: pattern.into(),
            include_latest,
            created_by_id: None,
            created_at: Utc::now(),
        };
        Protection::of(&row, Some("acme".into())).unwrap()
    }

    #[test]
    fn globs_match_the_whole_tag() {
        let v = rule("v*", false);
        assert!(v.protects("v1.2.3") && v.protects("v"));
        assert!(!v.protects("xv1") && !v.protects("V1"));
        let one = rule("release-?", false);
        assert!(one.protects("release-1") && !one.protects("release-10"));
        let dots = rule("1.0", false);
        assert!(
            dots.protects("1.0") && !dots.protects("1x0"),
            "a dot is a dot"
        );
        assert_eq!(v.describe(), "rule v* on namespace acme");
    }

    #[test]
    fn regular_expressions_start_with_a_caret() {
        let semver = rule(r"^\d+\.\d+\.\d+$", false);
        assert!(semver.protects("1.22.333"));
        assert!(!semver.protects("1.2") && !semver.protects("1.2.3-rc1"));
    }

    #[test]
    fn latest_moves_unless_the_rule_says_otherwise() {
        assert!(!rule("*", false).protects("latest"));
        assert!(rule("*", true).protects("latest"));
        assert!(rule("*", false).protects("stable"));
    }

    #[test]
    fn bad_patterns_are_explained() {
        for (pattern, words) in [
            ("", "empty"),
            ("v/1", "glob"),
            ("^(", "regular expression"),
            (&"a".repeat(201), "longer"),
        ] {
            let err = matcher(pattern).unwrap_err().to_string();
            assert!(err.contains(words), "{pattern}: {err}");
        }
    }
}
