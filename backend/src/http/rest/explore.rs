//! `/explore`: public repositories, for everyone, without signing in.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{ExploredRepository, RepositoryPage};
use portunus_shared::domain::RepositorySort;

use super::ApiTags;
use super::error::ApiResult;
use crate::catalog::explore;
use crate::db::Paging;
use crate::db::ids::RepositoryId;
use crate::http::state::SharedState;

pub struct ExploreApi;

#[OpenApi(tag = "ApiTags::Explore")]
impl ExploreApi {
    /// Repositories of public namespaces, by name, optionally those whose
    /// name contains `q`. No sign-in needed; 404 when `explore = false`.
    #[oai(path = "/explore", method = "get", operation_id = "explore")]
    async fn list(
        &self,
        state: Data<&SharedState>,
        q: Query<Option<String>>,
        /// `name` (default), `recent` (last pushed first) or `stars` (most starred first).
        sort: Query<Option<RepositorySort>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<RepositoryPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let sort = sort.0.unwrap_or_default();
        Ok(Json(
            explore::list(
                &state.db,
                &state.registries.ids_named(None).await?,
                state.config.explore,
                q.0.as_deref(),
                sort,
                paging,
            )
            .await?,
        ))
    }

    /// A public repository with its images (tags grouped by digest).
    #[oai(
        path = "/explore/:id",
        method = "get",
        operation_id = "explore_repository"
    )]
    async fn show(
        &self,
        state: Data<&SharedState>,
        id: Path<i64>,
    ) -> ApiResult<Json<ExploredRepository>> {
        Ok(Json(
            explore::show(
                &state.catalog_of_repository(RepositoryId(id.0)).await?,
                state.config.explore,
                RepositoryId(id.0),
            )
            .await?,
        ))
    }
}
