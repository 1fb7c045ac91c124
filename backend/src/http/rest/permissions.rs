//! `/permissions`: "why can / can't I?" for a user and a repository.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use portunus_shared::api::Permissions;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use crate::authz::Subject;
use crate::authz::explain::explain;
use crate::http::state::SharedState;

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
        #[oai(validator(
            max_length = 255,
            pattern = r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$"
        ))]
        repository: Query<String>,
        /// User to ask about (default: you).
        user: Query<Option<String>>,
        /// The registry, by name (default: the configured one, `default`).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Json<Permissions>> {
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        let principal = auth.principal();
        let asker = Subject::user(&principal.user, principal.token_scope.clone());
        Ok(Json(
            explain(
                &state.db,
                registry.id,
                &state.config.policy,
                &asker,
                user.0.as_deref(),
                &repository.0,
            )
            .await?,
        ))
    }
}
