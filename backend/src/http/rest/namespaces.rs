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
        /// Page number, from 1.
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<NamespacePage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let (items, total) = namespaces::list(
            &state.db,
            state.catalog.registry_id,
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
        let ns = namespaces::create(
            &state.db,
            state.catalog.registry_id,
            by,
            body.0,
            &state.config.policy,
        )
        .await?;
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
    ) -> ApiResult<Json<Namespace>> {
        let (ns, _) = namespaces::find_visible(
            &state.db,
            state.catalog.registry_id,
            &auth.principal().subject(),
            &name,
        )
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
        body: Json<NamespaceUpdate>,
    ) -> ApiResult<Json<Namespace>> {
        let by = auth.principal().for_changes()?;
        let ns =
            namespaces::update(&state.db, state.catalog.registry_id, by, &name, body.0).await?;
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
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        namespaces::delete(
            &state.db,
            &state.catalog,
            state.catalog.registry_id,
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
