//! `/feed`, `/overview` and `/registry`: what the start page shows, your
//! share of the activity log and, for administrators, the installation's
//! figures and the registry's status.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use portunus_shared::api::{ActivityPage, Overview, RegistryStatus};

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use crate::audit::feed;
use crate::catalog::overview;
use crate::db::Paging;
use crate::http::state::SharedState;
use crate::registries::status;

pub struct DashboardApi;

#[OpenApi(tag = "ApiTags::Dashboard")]
impl DashboardApi {
    /// Your feed, newest first: what concerns you among what you may see.
    /// Your own actions; changes to your teams, their namespaces and the
    /// repositories in them; pushes to every namespace you may see.
    /// Administrators read every change. Sign-ins are left to the audit log.
    /// The feed holds the newest 10,000 such entries (`total` counts up to
    /// that); the audit log keeps every one.
    #[oai(path = "/feed", method = "get", operation_id = "feed")]
    async fn feed(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<ActivityPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let who = auth.principal().subject();
        Ok(Json(feed::page(&state.db, &who, paging).await?))
    }

    /// The registry as Portunus sees it: whether it answers now, its API
    /// version, and how the last catalog sync ended (administrators).
    #[oai(path = "/registry", method = "get", operation_id = "registry_status")]
    async fn registry(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        /// Which registry, by name (default: the configured one).
        /// The registry, by name (absent: `default`).
        #[oai(validator(min_length = 1, max_length = 255))]
        registry: Query<Option<String>>,
    ) -> ApiResult<Json<RegistryStatus>> {
        let who = auth.principal().subject();
        let served = state
            .registries
            .named_or_configured(registry.0.as_deref())
            .await?;
        Ok(Json(
            status::of(&served.catalog, &who, &served.client_host).await?,
        ))
    }

    /// How many accounts, teams, namespaces, repositories, tags and held
    /// registry events there are, and pushes per day over the last 30 days
    /// (administrators).
    #[oai(path = "/overview", method = "get", operation_id = "overview")]
    async fn overview(&self, state: Data<&SharedState>, auth: Auth) -> ApiResult<Json<Overview>> {
        let who = auth.principal().subject();
        let now = chrono::Utc::now();
        Ok(Json(overview::overview(&state.db, &who, now).await?))
    }
}
