//! `/search`: repositories, namespaces and teams whose name contains the
//! query, among those you may see, and people by either of their names.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use portunus_shared::api::SearchResults;

use super::ApiTags;
use super::auth::Auth;
use super::error::ApiResult;
use crate::accounts::{namespaces, teams, users};
use crate::catalog::repositories;
use crate::db::Paging;
use crate::error::Error;
use crate::http::state::SharedState;

/// Most results of each kind.
const LIMIT: usize = 20;

pub struct SearchApi;

#[OpenApi(tag = "ApiTags::Search")]
impl SearchApi {
    /// Search repositories, namespaces and teams by name (case-insensitive
    /// substring), among those you may see; and, when signed in, people by
    /// user name or display name.
    #[oai(path = "/search", method = "get", operation_id = "search")]
    async fn search(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        #[oai(validator(min_length = 1, max_length = 255))] q: Query<String>,
    ) -> ApiResult<Json<SearchResults>> {
        let needle = q.0.trim().to_lowercase();
        if needle.is_empty() || needle.len() > 255 {
            return Err(Error::InvalidInput("search for 1 to 255 characters".into()).into());
        }
        let who = &auth.principal().subject();
        let paging = Paging::new(Some(1), Some(LIMIT as u64))?;
        let registries = state.registries.ids_named(None).await?;
        // Four independent reads, each on its own connection.
        let (repositories, (mut namespaces, _), (teams, _), people) = tokio::try_join!(
            repositories::first_matches(&state.db, &registries, who, &needle, LIMIT as u64,),
            namespaces::list(&state.db, &registries, who, Some(&needle), paging,),
            teams::list(&state.db, who, Some(&needle), paging),
            users::find_people(&state.db, who, &needle, LIMIT as u64),
        )?;
        namespaces.retain(|n| !n.global);
        Ok(Json(SearchResults {
            repositories,
            namespaces,
            teams,
            people,
        }))
    }
}
