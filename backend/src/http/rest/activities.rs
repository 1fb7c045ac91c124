//! `/activities`: the audit log, paginated or as CSV.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, PlainText};
use portunus_shared::api::ActivityPage;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use super::responses::Csv;
use crate::audit::activities::{self, Filter};
use crate::db::Paging;
use crate::http::state::SharedState;

pub struct ActivitiesApi;

#[allow(clippy::too_many_arguments)] // one per filter, as the API takes them
fn filter(
    actor: Query<Option<String>>,
    target_type: Query<Option<String>>,
    target: Query<Option<String>>,
    key: Query<Option<String>>,
    since: Query<Option<DateTime<Utc>>>,
    until: Query<Option<DateTime<Utc>>>,
) -> Filter {
    Filter {
        actor: actor.0,
        target_type: target_type.0,
        target: target.0,
        key: key.0,
        since: since.0.map(|t| t.to_rfc3339()),
        until: until.0.map(|t| t.to_rfc3339()),
    }
}

#[OpenApi(tag = "ApiTags::Activities")]
impl ActivitiesApi {
    /// The audit log, newest first: every change, sign-in and failed sign-in.
    /// Administrators see everything, others their own actions. `key` takes
    /// a key (`team.create`) or a prefix ending in a dot (`team.`); `since`
    /// and `until` are RFC 3339 times.
    #[oai(path = "/activities", method = "get", operation_id = "list_activities")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        actor: Query<Option<String>>,
        target_type: Query<Option<String>>,
        target: Query<Option<String>>,
        key: Query<Option<String>>,
        since: Query<Option<DateTime<Utc>>>,
        until: Query<Option<DateTime<Utc>>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<ActivityPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let filter = filter(actor, target_type, target, key, since, until);
        Ok(Json(
            activities::page(&state.db, &auth.principal().subject(), &filter, paging).await?,
        ))
    }

    /// The same, every matching entry as a CSV file.
    #[oai(
        path = "/activities.csv",
        method = "get",
        operation_id = "export_activities"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn export(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        actor: Query<Option<String>>,
        target_type: Query<Option<String>>,
        target: Query<Option<String>>,
        key: Query<Option<String>>,
        since: Query<Option<DateTime<Utc>>>,
        until: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Csv> {
        let filter = filter(actor, target_type, target, key, since, until);
        let body = activities::csv(&state.db, &auth.principal().subject(), &filter).await?;
        Ok(Csv::Ok(
            PlainText(body),
            "attachment; filename=\"portunus-activities.csv\"".into(),
        ))
    }
}
