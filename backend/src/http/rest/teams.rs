//! `/teams`: teams and their members.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use portunus_shared::api::{MemberRole, NewTeam, Team, TeamPage, TeamUpdate};

use super::auth::Auth;
use super::error::ApiResult;
use super::responses::{Created, Done};
use super::{ApiTags, GivenUp};
use crate::accounts::teams::{self, NamespacesOnDelete};
use crate::catalog::markdown;
use crate::db::Paging;
use crate::http::state::SharedState;

pub struct TeamsApi;

#[OpenApi(tag = "ApiTags::Teams")]
impl TeamsApi {
    /// Teams you belong to (administrators: all teams), by name.
    #[oai(path = "/teams", method = "get", operation_id = "list_teams")]
    async fn list(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Entries per page, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<TeamPage>> {
        let paging = Paging::new(page.0, per_page.0)?;
        let (items, total) =
            teams::list(&state.db, &auth.principal().subject(), None, paging).await?;
        Ok(Json(paging.page_of(items, total)))
    }

    /// Create a team; you become its owner.
    #[oai(path = "/teams", method = "post", operation_id = "create_team")]
    async fn create(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        body: Json<NewTeam>,
    ) -> ApiResult<Created<Team>> {
        let by = auth.principal().for_changes()?;
        let team = teams::create(&state.db, by, body.0, &state.config.policy).await?;
        Ok(Created::Created(Json(with_html(
            teams::describe(&state.db, &team, &auth.principal().subject()).await?,
        ))))
    }

    /// One team with its members and namespaces.
    #[oai(path = "/teams/:name", method = "get", operation_id = "get_team")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
    ) -> ApiResult<Json<Team>> {
        let (team, _) = teams::find_visible(&state.db, &auth.principal().subject(), &name).await?;
        Ok(Json(with_html(
            teams::describe(&state.db, &team, &auth.principal().subject()).await?,
        )))
    }

    /// Rename a team or change its description (owners and administrators).
    #[oai(path = "/teams/:name", method = "patch", operation_id = "update_team")]
    async fn update(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        body: Json<TeamUpdate>,
    ) -> ApiResult<Json<Team>> {
        let by = auth.principal().for_changes()?;
        let team = teams::update(&state.db, by, &name, body.0).await?;
        Ok(Json(with_html(
            teams::describe(&state.db, &team, &auth.principal().subject()).await?,
        )))
    }

    /// Delete a team (owners and administrators). A team that owns
    /// namespaces needs `move_namespaces_to` (another team you own) or
    /// `delete_namespaces=true`.
    #[oai(path = "/teams/:name", method = "delete", operation_id = "delete_team")]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        /// A team to give the namespaces to; not with `delete_namespaces`.
        #[oai(validator(min_length = 1, max_length = 255))]
        move_namespaces_to: Query<Option<String>>,
        /// Delete the namespaces (they must be empty); not with
        /// `move_namespaces_to`.
        delete_namespaces: Query<Option<bool>>,
    ) -> ApiResult<Done> {
        let params = ("move_namespaces_to", "delete_namespaces");
        let namespaces =
            match GivenUp::from_query(move_namespaces_to.0, delete_namespaces.0, params)? {
                GivenUp::MoveTo(team) => NamespacesOnDelete::MoveTo(team),
                GivenUp::Delete => NamespacesOnDelete::Delete,
                GivenUp::Unsaid => NamespacesOnDelete::Refuse,
            };
        let by = auth.principal().for_changes()?;
        teams::delete(
            &state.db,
            state.registries.as_ref(),
            by,
            &name,
            namespaces,
            &state.config.policy,
        )
        .await?;
        Ok(Done::Done)
    }

    /// Add a member or change their role: `viewer`, `contributor` or `owner`.
    /// The last owner cannot be demoted.
    #[oai(
        path = "/teams/:name/members/:username",
        method = "put",
        operation_id = "set_team_member"
    )]
    async fn set_member(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        username: Path<String>,
        body: Json<MemberRole>,
    ) -> ApiResult<Json<Team>> {
        let by = auth.principal().for_changes()?;
        teams::set_member(&state.db, by, &name, &username, body.role).await?;
        let (team, _) = teams::find_visible(&state.db, &auth.principal().subject(), &name).await?;
        Ok(Json(with_html(
            teams::describe(&state.db, &team, &auth.principal().subject()).await?,
        )))
    }

    /// Remove a member (owners and administrators; anyone may leave). The last
    /// owner cannot leave.
    #[oai(
        path = "/teams/:name/members/:username",
        method = "delete",
        operation_id = "remove_team_member"
    )]
    async fn remove_member(
        &self,
        state: Data<&SharedState>,
        auth: Auth,
        name: Path<String>,
        username: Path<String>,
    ) -> ApiResult<Done> {
        teams::remove_member(&state.db, auth.principal().for_changes()?, &name, &username).await?;
        Ok(Done::Done)
    }
}

/// `team` with its markdown description rendered.
fn with_html(mut team: Team) -> Team {
    team.description_html = markdown::render(&team.description);
    team
}
