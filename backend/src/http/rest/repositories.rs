//! `/repositories`: what the registry holds, as far as you may see it.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{
    Comment, Image, NewComment, RegistryEventPage, Repository, RepositoryDescription,
    RepositoryPage, Tag, TagDetails,
};
use portunus_shared::domain::{EventState, RepositorySort};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use crate::catalog::{comments, deletion, images, repositories};
use crate::db::Paging;
use crate::db::ids::RepositoryId;
use crate::http::state::SharedState;
use crate::ingest::inspect;

pub struct RepositoriesApi;

#[OpenApi(tag = "ApiTags::Repositories")]
impl RepositoriesApi {
    /// Repositories you may see (your teams', protected and public ones),
    /// optionally those whose name contains `q`, by name or as `sort` says.
    #[oai(
        path = "/repositories",
        method = "get",
        operation_id = "list_repositories"
    )]
    #[allow(clippy::too_many_arguments)] // one per query parameter, as the API takes them
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        q: Query<Option<String>>,
        /// Only repositories in the namespace of this name.
        namespace: Query<Option<String>>,
        /// Only repositories of this registry (by name; default: all).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
        /// Only repositories you starred.
        starred: Query<Option<bool>>,
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
        Ok(Json(
            repositories::list(
                &state.db,
                &state.registries.ids_named(registry.0.as_deref()).await?,
                &auth.principal().subject(),
                q.0.as_deref(),
                namespace.0.as_deref(),
                starred.0.unwrap_or(false),
                sort.0.unwrap_or_default(),
                paging,
            )
            .await?,
        ))
    }

    /// Star a repository you may see.
    #[oai(
        path = "/repositories/:id/star",
        method = "put",
        operation_id = "star_repository"
    )]
    async fn star(&self, state: Data<&SharedState>, auth: Auth, id: Path<i64>) -> ApiResult<Done> {
        set_star(&state, &auth, id.0, true).await
    }

    /// Remove your star.
    #[oai(
        path = "/repositories/:id/star",
        method = "delete",
        operation_id = "unstar_repository"
    )]
    async fn unstar(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        set_star(&state, &auth, id.0, false).await
    }

    /// One repository.
    #[oai(
        path = "/repositories/:id",
        method = "get",
        operation_id = "get_repository"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<Repository>> {
        Ok(Json(
            repositories::show(
                &state.db,
                &state.config.policy,
                &auth.principal().subject(),
                RepositoryId(id.0),
            )
            .await?,
        ))
    }

    /// Change a repository's description (markdown; owners of its namespace
    /// and administrators).
    #[oai(
        path = "/repositories/:id/description",
        method = "put",
        operation_id = "describe_repository"
    )]
    async fn describe(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        body: Json<RepositoryDescription>,
    ) -> ApiResult<Json<Repository>> {
        let by = auth.principal().for_changes()?;
        Ok(Json(
            repositories::describe_as(&state.db, by, RepositoryId(id.0), &body.description).await?,
        ))
    }

    /// The comments on a repository, oldest first.
    #[oai(
        path = "/repositories/:id/comments",
        method = "get",
        operation_id = "list_comments"
    )]
    async fn comments(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Comment>>> {
        Ok(Json(
            comments::list(&state.db, &auth.principal().subject(), RepositoryId(id.0)).await?,
        ))
    }

    /// Comment on a repository you may see (markdown).
    #[oai(
        path = "/repositories/:id/comments",
        method = "post",
        operation_id = "add_comment"
    )]
    async fn add_comment(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        body: Json<NewComment>,
    ) -> ApiResult<Created<Comment>> {
        let by = auth.principal().for_changes()?;
        Ok(Created::Created(Json(
            comments::add(&state.db, by, RepositoryId(id.0), &body.body).await?,
        )))
    }

    /// Delete a comment (its author, owners of the namespace, administrators).
    #[oai(
        path = "/repositories/:id/comments/:comment",
        method = "delete",
        operation_id = "delete_comment"
    )]
    async fn delete_comment(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        comment: Path<i64>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        comments::delete(&state.db, by, RepositoryId(id.0), comment.0).await?;
        Ok(Done::Done)
    }

    /// Delete a repository from the registry: every image its tags point at
    /// (as the delete policy allows: team owners, administrators).
    #[oai(
        path = "/repositories/:id",
        method = "delete",
        operation_id = "delete_repository"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        let catalog = state.catalog_of_repository(RepositoryId(id.0)).await?;
        deletion::delete_repository(&catalog, &state.config.policy, by, RepositoryId(id.0)).await?;
        Ok(Done::Done)
    }

    /// One tag with its layers (and the build step of each), command,
    /// working directory, user and exposed ports, read from the registry.
    #[oai(
        path = "/repositories/:id/tags/:tag",
        method = "get",
        operation_id = "get_tag"
    )]
    async fn tag(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        tag: Path<String>,
    ) -> ApiResult<Json<TagDetails>> {
        let catalog = state.catalog_of_repository(RepositoryId(id.0)).await?;
        let subject = auth.principal().subject();
        Ok(Json(
            repositories::tag_details(&catalog, &subject, RepositoryId(id.0), &tag).await?,
        ))
    }

    /// Delete exactly this tag from the registry; other tags on the same
    /// image stay.
    #[oai(
        path = "/repositories/:id/tags/:tag",
        method = "delete",
        operation_id = "delete_tag"
    )]
    async fn delete_tag(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        tag: Path<String>,
    ) -> ApiResult<Done> {
        let by = auth.principal().for_changes()?;
        let catalog = state.catalog_of_repository(RepositoryId(id.0)).await?;
        deletion::delete_tag(&catalog, &state.config.policy, by, RepositoryId(id.0), &tag).await?;
        Ok(Done::Done)
    }

    /// Notifications the registry sent, newest first (administrators):
    /// `state` is `all`, `pending` (stored, not applied yet), `failed`
    /// (not applied, with the reason) or `held` (naming a registry host
    /// Portunus does not know; add it to `registry.hostnames`).
    #[oai(
        path = "/registry/events",
        method = "get",
        operation_id = "list_registry_events"
    )]
    async fn events(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        #[oai(name = "state")] which: Query<Option<EventState>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<RegistryEventPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        Ok(Json(
            inspect::page(
                &state.db,
                &auth.principal().subject(),
                which.0.unwrap_or_default(),
                paging,
            )
            .await?,
        ))
    }

    /// The images of a repository, newest push first: each digest once with
    /// all its tags, and the signatures, SBOMs and attestations that refer
    /// to it (OCI `subject` artifacts and cosign `sha256-DIGEST.sig` tags).
    #[oai(
        path = "/repositories/:id/images",
        method = "get",
        operation_id = "list_images"
    )]
    async fn images(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Image>>> {
        Ok(Json(
            images::list(&state.db, &auth.principal().subject(), RepositoryId(id.0)).await?,
        ))
    }

    /// The tags of a repository, newest first, with digest, size, layers,
    /// platforms, who pushed them and when they were last pulled.
    #[oai(
        path = "/repositories/:id/tags",
        method = "get",
        operation_id = "list_tags"
    )]
    async fn tags(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Tag>>> {
        Ok(Json(
            repositories::tags(&state.db, &auth.principal().subject(), RepositoryId(id.0)).await?,
        ))
    }
}

/// Stars (`on`) or unstars repository `id` for the one asking.
async fn set_star(state: &SharedState, auth: &Auth, id: i64, on: bool) -> ApiResult<Done> {
    let by = auth.principal().for_changes()?;
    repositories::star(&state.db, by, RepositoryId(id), on).await?;
    Ok(Done::Done)
}
