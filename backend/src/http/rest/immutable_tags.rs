//! `/namespaces/{name}/immutable-tags` and `/immutable-tags`: the rules
//! that keep tags on the image first pushed under them, a namespace's and
//! the installation's.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{ImmutableTagRule, NewImmutableTagRule};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::catalog::immutable_tags::{self, Scope};
use crate::http::state::SharedState;

pub struct ImmutableTagsApi;

#[OpenApi(tag = "ApiTags::Namespaces")]
impl ImmutableTagsApi {
    /// A namespace's immutable-tag rules (the installation's apply too:
    /// `GET /immutable-tags`).
    #[oai(
        path = "/namespaces/:name/immutable-tags",
        method = "get",
        operation_id = "list_namespace_immutable_tags"
    )]
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Json<Vec<ImmutableTagRule>>> {
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        let scope = Scope::Namespace(registry.id, &name);
        Ok(Json(
            immutable_tags::list(&state.db, &auth.principal().subject(), scope).await?,
        ))
    }

    /// Make matching tags of a namespace immutable (those who manage it).
    /// Through the gateway, pushing another image under such a tag, or
    /// deleting its image, is refused; so are Portunus's own deletions.
    #[oai(
        path = "/namespaces/:name/immutable-tags",
        method = "post",
        operation_id = "add_namespace_immutable_tags"
    )]
    async fn add(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
        body: Json<NewImmutableTagRule>,
    ) -> ApiResult<Created<ImmutableTagRule>> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        let scope = Scope::Namespace(registry.id, &name);
        let rule = immutable_tags::add(&state.db, by, scope, body.0).await?;
        Ok(Created::Created(Json(rule)))
    }

    /// Remove one of a namespace's immutable-tag rules.
    #[oai(
        path = "/namespaces/:name/immutable-tags/:id",
        method = "delete",
        operation_id = "remove_namespace_immutable_tags"
    )]
    async fn remove(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        id: Path<i64>,
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        immutable_tags::remove(&state.db, by, Scope::Namespace(registry.id, &name), id.0).await?;
        Ok(Done::Done)
    }

    /// The installation's immutable-tag rules, which apply in every
    /// namespace (everyone signed in may read them).
    #[oai(
        path = "/immutable-tags",
        method = "get",
        operation_id = "list_immutable_tags"
    )]
    async fn list_installation(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
    ) -> ApiResult<Json<Vec<ImmutableTagRule>>> {
        let who = auth.principal().subject();
        Ok(Json(
            immutable_tags::list(&state.db, &who, Scope::Installation).await?,
        ))
    }

    /// Make matching tags immutable in every namespace (administrators).
    #[oai(
        path = "/immutable-tags",
        method = "post",
        operation_id = "add_immutable_tags"
    )]
    async fn add_installation(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewImmutableTagRule>,
    ) -> ApiResult<Created<ImmutableTagRule>> {
        let by = auth.principal().for_changes()?;
        let rule = immutable_tags::add(&state.db, by, Scope::Installation, body.0).await?;
        Ok(Created::Created(Json(rule)))
    }

    /// Remove one of the installation's immutable-tag rules (administrators).
    #[oai(
        path = "/immutable-tags/:id",
        method = "delete",
        operation_id = "remove_immutable_tags"
    )]
    async fn remove_installation(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        immutable_tags::remove(&state.db, by, Scope::Installation, id.0).await?;
        Ok(Done::Done)
    }
}
