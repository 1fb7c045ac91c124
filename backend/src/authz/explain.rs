//! "Why can / can't I?": the registry verdicts for one user and repository,
//! each with the rule that decided it, as the token endpoint would decide.

use portunus_shared::api::{ActionVerdict, Permissions};
use portunus_shared::names::parse_repository_path;
use portunus_shared::scope::Scope;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{Subject, facts, registry, rest};
use crate::config::PolicySettings;
use crate::db::entities::user;
use crate::db::ids::RegistryId;
use crate::error::{Error, Result};

/// The order verdicts are listed in.
const ORDER: [&str; 4] = ["pull", "push", "delete", "*"];

/// What `asked` (a user name; None: the asker) may do on `repository`, as
/// `asker` may learn it: administrators ask about anyone, others about
/// themselves. A private namespace the asked user cannot see stays unnamed.
pub async fn explain(
    db: &DatabaseConnection,
    registry_id: RegistryId,
    settings: &PolicySettings,
    asker: &Subject,
    asked: Option<&str>,
    repository: &str,
) -> Result<Permissions> {
    let subject = match asked {
        None => asker.clone(),
        Some(name) if Some(name) == asker.username.as_deref() => asker.clone(),
        Some(name) if rest::may_administer(asker) => {
            let found = user::Entity::find()
                .filter(user::Column::Username.eq(name))
                .one(db)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no user {name:?}")))?;
            Subject::user(&found, None)
        }
        Some(_) => {
            return Err(Error::Forbidden(
                "only administrators may ask about other users".into(),
            ));
        }
    };
    parse_repository_path(repository).map_err(|e| Error::InvalidInput(e.to_string()))?;
    if asker
        .token_scope
        .as_ref()
        .is_some_and(|s| s.limited() && !s.covers_in(registry_id, repository))
    {
        // A limited token learns nothing about what lies outside it.
        return Err(Error::NotFound(format!(
            "{repository} is outside what this application token covers"
        )));
    }
    let scope =
        Scope::parse(&format!("repository:{repository}:pull,push,delete,*")).map_err(|e| {
            Error::InvalidInput(format!("{repository:?} is not a repository name ({e:?})"))
        })?;
    let mut facts = None;
    let mut namespace = None;
    if let Some(ns) = facts::namespace_of(db, registry_id, repository).await? {
        let found = facts::facts_for(db, &ns, &subject).await?;
        if rest::may_see_namespace(&subject, &found) {
            namespace = Some(ns.name);
            facts = Some(found);
        }
    }
    let mut actions: Vec<ActionVerdict> =
        registry::decide(&subject, settings, &scope, facts.as_ref())
            .into_iter()
            .map(|v| ActionVerdict {
                action: v.action,
                allowed: v.allowed,
                rule: v.rule.name(),
                explanation: v.rule.explain().to_owned(),
            })
            .collect();
    actions.sort_by_key(|a| ORDER.iter().position(|x| *x == a.action));
    Ok(Permissions {
        user: subject.username,
        repository: repository.to_owned(),
        namespace,
        actions,
    })
}
