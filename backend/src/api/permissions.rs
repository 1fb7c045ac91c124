//! `/permissions`: "why can / can't I?" for a user and a repository.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use portunus_shared::api::{ActionVerdict, Permissions};
use portunus_shared::scope::Scope;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use crate::access;
use crate::error::Error;
use crate::policy::{self, Subject, Visibility};
use crate::state::SharedState;
use crate::users;

pub struct PermissionsApi;

#[OpenApi(tag = "ApiTags::Permissions")]
impl PermissionsApi {
    /// Which registry actions (pull, push, delete, `*`) a user may take on a
    /// repository, and the rule that decided each. Administrators may ask
    /// about any user; others about themselves.
    #[oai(
        path = "/permissions",
        method = "get",
        operation_id = "explain_permissions"
    )]
    async fn explain(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        /// Full repository name, e.g. `team/app`.
        repository: Query<String>,
        /// User to ask about (default: you).
        user: Query<Option<String>>,
    ) -> ApiResult<Json<Permissions>> {
        let principal = auth.principal();
        let asked = match user.0.as_deref() {
            None => principal.user.clone(),
            Some(name) if name == principal.user.username => principal.user.clone(),
            Some(name) if principal.user.admin => users::find_by_name(&state.db, name)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no user {name:?}")))?,
            Some(_) => {
                return Err(Error::Forbidden(
                    "only administrators may ask about other users".into(),
                )
                .into());
            }
        };
        portunus_shared::names::parse_repository_path(&repository.0)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        let scope = Scope::parse(&format!("repository:{}:pull,push,delete,*", repository.0))
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "repository {:?} is not a repository name ({e:?})",
                    repository.0
                ))
            })?;
        let subject = Subject {
            user_id: Some(asked.id),
            username: Some(asked.username.clone()),
            admin: asked.admin,
            token_scope: if asked.id == principal.user.id {
                principal.token_scope.clone()
            } else {
                None
            },
        };
        let ns = access::namespace_of(&state.db, state.registry_id, &repository.0).await?;
        let mut facts = None;
        let mut namespace = None;
        if let Some(ns) = ns {
            let f = access::facts_for(&state.db, &ns, &subject).await?;
            // A private namespace the asked user cannot see stays unnamed.
            if subject.admin || f.role.is_some() || f.visibility != Visibility::Private {
                namespace = Some(ns.name.clone());
                facts = Some(f);
            }
        }
        let mut actions: Vec<ActionVerdict> =
            policy::decide(&subject, &state.config.policy, &scope, facts.as_ref())
                .into_iter()
                .map(|v| ActionVerdict {
                    action: v.action,
                    allowed: v.allowed,
                    rule: serde_json::to_value(v.rule)
                        .ok()
                        .and_then(|r| r.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    explanation: v.rule.explain().to_owned(),
                })
                .collect();
        let order = |a: &ActionVerdict| {
            ["pull", "push", "delete", "*"]
                .iter()
                .position(|x| *x == a.action)
        };
        actions.sort_by_key(order);
        Ok(Json(Permissions {
            user: Some(asked.username),
            repository: repository.0,
            namespace,
            actions,
        }))
    }
}
