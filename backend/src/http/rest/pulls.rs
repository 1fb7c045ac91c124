//! `/repositories/{id}/pulls`: who pulled a repository or one of its tags
//! through the gateway, summed up or as CSV.

use chrono::Utc;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use portunus_shared::api::PullSummary;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::Csv;
use crate::catalog::pulls;
use crate::db::ids::RepositoryId;
use crate::http::state::SharedState;

/// The window when none is asked for.
const DEFAULT_DAYS: u32 = 30;

pub struct PullsApi;

/// `summary`, saying whether this installation records pulls.
fn recorded(state: &SharedState, summary: PullSummary) -> PullSummary {
    PullSummary {
        recorded: state.config.gateway.address().is_some(),
        ..summary
    }
}

#[OpenApi(tag = "ApiTags::Repositories")]
impl PullsApi {
    /// How often the repository was pulled through the gateway in the last
    /// `days` (default 30), by how many accounts; who, for those who
    /// manage its namespace.
    #[oai(
        path = "/repositories/:id/pulls",
        method = "get",
        operation_id = "repository_pulls"
    )]
    async fn repository(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        /// Days back from now, 1 to 3650.
        #[oai(validator(minimum(value = "1"), maximum(value = "3650")))]
        days: Query<Option<u32>>,
    ) -> ApiResult<Json<PullSummary>> {
        let who = auth.principal().subject();
        let days = days.0.unwrap_or(DEFAULT_DAYS);
        let id = RepositoryId(id.0);
        let summary = pulls::summary(&state.db, &who, id, None, days, Utc::now()).await?;
        Ok(Json(recorded(&state, summary)))
    }

    /// The same for one tag: pulls by its name or by the digest it names.
    #[oai(
        path = "/repositories/:id/tags/:tag/pulls",
        method = "get",
        operation_id = "tag_pulls"
    )]
    async fn tag(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        tag: Path<String>,
        /// Days back from now, 1 to 3650.
        #[oai(validator(minimum(value = "1"), maximum(value = "3650")))]
        days: Query<Option<u32>>,
    ) -> ApiResult<Json<PullSummary>> {
        let who = auth.principal().subject();
        let days = days.0.unwrap_or(DEFAULT_DAYS);
        let id = RepositoryId(id.0);
        let summary = pulls::summary(&state.db, &who, id, Some(&tag), days, Utc::now()).await?;
        Ok(Json(recorded(&state, summary)))
    }

    /// Every pull of the repository in the last `days` as CSV, newest
    /// first: time, reference, digest, account, address, client (those
    /// who manage its namespace; at most 100,000 rows).
    #[oai(
        path = "/repositories/:id/pulls.csv",
        method = "get",
        operation_id = "export_repository_pulls"
    )]
    async fn export(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        id: Path<i64>,
        /// Days back from now, 1 to 3650.
        #[oai(validator(minimum(value = "1"), maximum(value = "3650")))]
        days: Query<Option<u32>>,
    ) -> ApiResult<Csv> {
        let who = auth.principal().subject();
        let days = days.0.unwrap_or(DEFAULT_DAYS);
        let body = pulls::csv(&state.db, &who, RepositoryId(id.0), days, Utc::now()).await?;
        Ok(Csv::Ok(
            PlainText(body),
            format!("attachment; filename=\"portunus-pulls-{}.csv\"", id.0),
        ))
    }
}
