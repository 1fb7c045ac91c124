//! `/repositories/{id}/retention`: a repository's retention rule, its
//! preview (what would go, and why) and running it now.

use chrono::Utc;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use portunus_shared::api::{RetentionPreview, RetentionRule, RetentionSetting};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::Done;
use crate::catalog::retention;
use crate::db::ids::RepositoryId;
use crate::http::state::SharedState;

pub struct RetentionApi;

#[OpenApi(tag = "ApiTags::Repositories")]
impl RetentionApi {
    /// A repository's retention rule (an empty default when none is stored).
    #[oai(
        path = "/repositories/:id/retention",
        method = "get",
        operation_id = "get_retention"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<RetentionSetting>> {
        Ok(Json(
            retention::get(&state.db, &auth.principal().subject(), RepositoryId(id.0)).await?,
        ))
    }

    /// Store a repository's retention rule (those who may delete there).
    /// Enabled rules run every `retention_interval_seconds`.
    #[oai(
        path = "/repositories/:id/retention",
        method = "put",
        operation_id = "set_retention"
    )]
    async fn set(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        rule: Json<RetentionRule>,
    ) -> ApiResult<Json<RetentionSetting>> {
        let by = auth.principal().for_changes()?;
        Ok(Json(
            retention::set(
                &state.catalog_of_repository(RepositoryId(id.0)).await?,
                &state.config.policy,
                by,
                RepositoryId(id.0),
                &rule,
            )
            .await?,
        ))
    }

    /// Remove a repository's retention rule.
    #[oai(
        path = "/repositories/:id/retention",
        method = "delete",
        operation_id = "remove_retention"
    )]
    async fn remove(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Done> {
        retention::remove(
            &state.catalog_of_repository(RepositoryId(id.0)).await?,
            &state.config.policy,
            auth.principal().for_changes()?,
            RepositoryId(id.0),
        )
        .await?;
        Ok(Done::Done)
    }

    /// What the stored rule would delete now, and why each tag stays or
    /// goes. Changes nothing.
    #[oai(
        path = "/repositories/:id/retention/preview",
        method = "get",
        operation_id = "preview_retention"
    )]
    async fn preview_stored(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<RetentionPreview>> {
        Ok(Json(
            retention::preview(
                &state.db,
                &auth.principal().subject(),
                RepositoryId(id.0),
                None,
                Utc::now(),
            )
            .await?,
        ))
    }

    /// What the given rule would delete now, before storing it. Changes nothing.
    #[oai(
        path = "/repositories/:id/retention/preview",
        method = "post",
        operation_id = "preview_retention_rule"
    )]
    async fn preview_rule(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        rule: Json<RetentionRule>,
    ) -> ApiResult<Json<RetentionPreview>> {
        Ok(Json(
            retention::preview(
                &state.db,
                &auth.principal().subject(),
                RepositoryId(id.0),
                Some(&rule),
                Utc::now(),
            )
            .await?,
        ))
    }

    /// Apply the stored rule now (those who may delete there); returns what
    /// it decided.
    #[oai(
        path = "/repositories/:id/retention/run",
        method = "post",
        operation_id = "run_retention"
    )]
    async fn run(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
    ) -> ApiResult<Json<RetentionPreview>> {
        let by = auth.principal().for_changes()?;
        Ok(Json(
            retention::run_now(
                &state.catalog_of_repository(RepositoryId(id.0)).await?,
                &state.config.policy,
                by,
                RepositoryId(id.0),
                Utc::now(),
            )
            .await?,
        ))
    }
}
