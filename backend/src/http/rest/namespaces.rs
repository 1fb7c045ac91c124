//! `/namespaces`: who owns which part of the registry, and who may see it.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{Namespace, NamespacePage, NamespaceUpdate, NewNamespace};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::accounts::namespaces;
use crate::catalog::markdown;
use crate::db::Paging;
use crate::http::state::SharedState;

pub struct NamespacesApi;

#[OpenApi(tag = "ApiTags::Namespaces")]
impl NamespacesApi {
    /// Namespaces you may see: your teams', protected and public ones
    /// (administrators: all), by name.
    #[oai(path = "/namespaces", method = "get", operation_id = "list_namespaces")]
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        /// Only the namespaces of this registry (by name; default: all).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<NamespacePage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let registries = state.registries.ids_named(registry.0.as_deref()).await?;
        let (items, total) = namespaces::list(
            &state.db,
            &registries,
            &auth.principal().subject(),
            None,
            paging,
        )
        .await?;
        Ok(Json(paging.page_of(items, total)))
    }

    /// Create a namespace for a team you own.
    #[oai(
        path = "/namespaces",
        method = "post",
        operation_id = "create_namespace"
    )]
    async fn create(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewNamespace>,
    ) -> ApiResult<Created<Namespace>> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(body.registry.as_deref())
            .await?;
        let ns =
            namespaces::create(&state.db, registry.id, by, body.0, &state.config.policy).await?;
        Ok(Created::Created(Json(with_html(
            namespaces::describe(&state.db, &ns, &auth.principal().subject()).await?,
        ))))
    }

    /// One namespace.
    #[oai(
        path = "/namespaces/:name",
        method = "get",
        operation_id = "get_namespace"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The registry, by name (default: the configured one, `default`).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Json<Namespace>> {
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        let (ns, _) =
            namespaces::find_visible(&state.db, registry.id, &auth.principal().subject(), &name)
                .await?;
        Ok(Json(with_html(
            namespaces::describe(&state.db, &ns, &auth.principal().subject()).await?,
        )))
    }

    /// Change a namespace's team, visibility or description (owners of its
    /// team and administrators).
    #[oai(
        path = "/namespaces/:name",
        method = "patch",
        operation_id = "update_namespace"
    )]
    async fn update(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The registry, by name (default: the configured one, `default`).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
        body: Json<NamespaceUpdate>,
    ) -> ApiResult<Json<Namespace>> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        let ns = namespaces::update(&state.db, registry.id, by, &name, body.0).await?;
        Ok(Json(with_html(
            namespaces::describe(&state.db, &ns, &auth.principal().subject()).await?,
        )))
    }

    /// Delete a namespace (not a personal or the global one).
    #[oai(
        path = "/namespaces/:name",
        method = "delete",
        operation_id = "delete_namespace"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// The registry, by name (default: the configured one, `default`).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        let registry = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        namespaces::delete(
            &state.db,
            state.registries.as_ref(),
            registry.id,
            by,
            &name,
            &state.config.policy,
        )
        .await?;
        Ok(Done::Done)
    }
}

/// `ns` with its markdown description rendered.
fn with_html(mut ns: Namespace) -> Namespace {
    ns.description_html = markdown::render(&ns.description);
    ns
}
